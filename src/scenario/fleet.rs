//! `[[strategy]]` and its pools: kinds, sizes, prices, and the model
//! profiles pools name.

use super::*;

/// The model profiles pools name, loaded once each.
pub(super) struct PoolModels<'a> {
    /// The `[model]` profile's name (index 0).
    pub(super) default: &'a str,
    pub(super) dir: Option<&'a Path>,
    /// (name as written, profile): index k + 1.
    pub(super) models: &'a mut Vec<(String, Model)>,
}

impl Validator<'_> {
    pub(super) fn strategy(
        &mut self,
        i: usize,
        s: &RawStrategy,
        prices: &[(String, Dist)],
        models: &mut PoolModels,
    ) -> Strategy {
        let f = format!("strategy[{i}]");
        let overflow = match s.overflow.as_deref().unwrap_or("spill") {
            "spill" => Overflow::Spill,
            "drop" => Overflow::Drop,
            "queue" => Overflow::Queue {
                max_delay_hours: self.count(
                    &format!("{f}.queue_max_delay_hours"),
                    s.queue_max_delay_hours,
                    4,
                    1,
                    168,
                ),
                expire_to_api: match s.queue_expiry.as_deref().unwrap_or("drop") {
                    "drop" => false,
                    "spill" => true,
                    other => {
                        self.push(
                            format!("{f}.queue_expiry"),
                            None,
                            format!("`{other}`: must be drop or spill"),
                        );
                        false
                    }
                },
            },
            other => {
                self.push(
                    format!("{f}.overflow"),
                    None,
                    format!("`{other}`: must be spill, queue or drop"),
                );
                Overflow::Spill
            }
        };
        if !matches!(overflow, Overflow::Queue { .. })
            && (s.queue_max_delay_hours.is_some() || s.queue_expiry.is_some())
        {
            self.push(
                format!("{f}.queue_max_delay_hours"),
                None,
                "only applies with overflow = \"queue\"",
            );
        }
        let pools = s
            .pool
            .iter()
            .enumerate()
            .map(|(j, p)| self.pool(&format!("{f}.pool[{j}]"), j, p, prices, models))
            .collect();
        Strategy {
            name: s.name.clone(),
            description: s.description.clone().unwrap_or_default(),
            pools,
            overflow,
        }
    }

    pub(super) fn pool(
        &mut self,
        f: &str,
        j: usize,
        p: &RawPool,
        prices: &[(String, Dist)],
        models: &mut PoolModels,
    ) -> Pool {
        let model = match &p.profile {
            None => 0,
            Some(name) if name == models.default => 0,
            Some(name) => match models.models.iter().position(|(n, _)| n == name) {
                Some(k) => k + 1,
                None => match self.model_profile(&format!("{f}.profile"), name, models.dir) {
                    Some(m) => {
                        models.models.push((name.clone(), m));
                        models.models.len()
                    }
                    None => 0,
                },
            },
        };
        let kind = match p.kind.as_str() {
            "reserved" => PoolKind::Reserved,
            "on_demand" | "on-demand" => PoolKind::OnDemand,
            "spot" => PoolKind::Spot,
            other => {
                self.push(
                    format!("{f}.kind"),
                    None,
                    format!("`{other}`: must be reserved, on_demand or spot"),
                );
                PoolKind::Reserved
            }
        };
        let price_name = p.price.clone().unwrap_or_else(|| match kind {
            PoolKind::Reserved => "reserved".into(),
            PoolKind::OnDemand => "on_demand".into(),
            PoolKind::Spot => "spot".into(),
        });
        let price = prices
            .iter()
            .position(|(n, _)| *n == price_name)
            .unwrap_or_else(|| {
                let known: Vec<&str> = prices.iter().map(|(n, _)| n.as_str()).collect();
                self.push(
                    format!("{f}.price"),
                    None,
                    format!(
                        "no GPU price named `{price_name}` in [gpu_prices] (defined: {})",
                        if known.is_empty() {
                            "none".into()
                        } else {
                            known.join(", ")
                        }
                    ),
                );
                0
            });
        let od = kind == PoolKind::OnDemand;
        let replicas = if od {
            if p.replicas.is_some() {
                self.push(
                    format!("{f}.replicas"),
                    None,
                    "on-demand pools take min_replicas and max_replicas",
                );
            }
            self.count(
                &format!("{f}.min_replicas"),
                p.min_replicas,
                0,
                0,
                MAX_ON_DEMAND,
            )
        } else {
            for (k, v) in [
                ("min_replicas", p.min_replicas),
                ("max_replicas", p.max_replicas),
                ("startup_lag_hours", p.startup_lag_hours),
            ] {
                if v.is_some() {
                    self.push(format!("{f}.{k}"), None, "only applies to on_demand pools");
                }
            }
            if p.replicas.is_none() {
                self.push(format!("{f}.replicas"), None, "missing: how many replicas");
            }
            self.count(&format!("{f}.replicas"), p.replicas, 1, 0, 100_000)
        };
        let max_replicas = if od {
            let m = self.count(
                &format!("{f}.max_replicas"),
                p.max_replicas,
                replicas.max(1),
                0,
                MAX_ON_DEMAND,
            );
            if m < replicas {
                self.push(
                    format!("{f}.max_replicas"),
                    None,
                    format!("{m} is less than min_replicas ({replicas})"),
                );
            }
            m.max(replicas)
        } else {
            replicas
        };
        let spares = match (&p.redundancy, p.spares) {
            (Some(_), Some(_)) => {
                self.push(
                    format!("{f}.spares"),
                    None,
                    "give spares or redundancy, not both",
                );
                0
            }
            (Some(r), None) if r == "2x" => replicas,
            (Some(r), None) => {
                self.push(
                    format!("{f}.redundancy"),
                    None,
                    format!("`{r}`: the only rule is \"2x\" (or give spares = k)"),
                );
                0
            }
            (None, s) => self.count(&format!("{f}.spares"), s, 0, 0, 100_000),
        };
        if od && spares > 0 {
            self.push(
                format!("{f}.spares"),
                None,
                "on-demand pools scale instead of keeping spares",
            );
        }
        let spot = kind == PoolKind::Spot;
        if !spot && (p.interruptions_per_month.is_some() || p.interruption_hours.is_some()) {
            self.push(
                format!("{f}.interruptions_per_month"),
                None,
                "only applies to spot pools",
            );
        }
        if kind == PoolKind::Reserved && p.price_drift_per_year.is_some() {
            self.push(
                format!("{f}.price_drift_per_year"),
                None,
                "a reserved price is fixed at signing: no drift",
            );
        }
        Pool {
            name: p.name.clone().unwrap_or_else(|| format!("{}{}", p.kind, j)),
            kind,
            replicas,
            spares,
            max_replicas,
            startup_lag_hours: if od {
                self.count(
                    &format!("{f}.startup_lag_hours"),
                    p.startup_lag_hours,
                    1,
                    0,
                    720,
                )
            } else {
                0
            },
            price,
            model,
            price_drift_per_year: self.opt_dist(
                &format!("{f}.price_drift_per_year"),
                &p.price_drift_per_year,
                Range::RATE,
                0.0,
            ),
            interruptions_per_month: self.opt_dist(
                &format!("{f}.interruptions_per_month"),
                &p.interruptions_per_month,
                Range {
                    min: 0.0,
                    max: 730.0,
                    min_inclusive: true,
                    unit: "",
                },
                0.0,
            ),
            interruption_hours: self.opt_dist(
                &format!("{f}.interruption_hours"),
                &p.interruption_hours,
                Range {
                    min: 0.0,
                    max: 8760.0,
                    min_inclusive: true,
                    unit: "",
                },
                2.0,
            ),
        }
    }
}
