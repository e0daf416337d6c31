//! `[[strategy]]` and its pools: kinds, sizes, prices, and the model
//! profiles pools name.

use super::*;
use crate::gpu_catalog::{self, Instance};

/// What pools may buy: the API alternatives a strategy spills to, and the
/// GPU catalog instances name.
pub(super) struct Buyables<'a> {
    pub(super) apis: &'a [Api],
    pub(super) catalog: Option<&'a [Instance]>,
}

/// Owned nodes: at most $100 M each (a rack of 72 GPUs costs a few million);
/// under $1,000 is thousands meant as units.
const PURCHASE: Range =
    Range::between(1e3, 1e8).with_unit("USD per node: 250000 for a quarter of a million");
/// Power per node, kW: an 8-GPU server draws about 10 (DGX H100 datasheet:
/// 10.2 kW max); over 200 is watts meant as kW.
const POWER: Range = Range::between(0.0, 200.0).with_unit("kW per node: 10.2 for 10,200 W");
/// Electricity: over $2 per kWh is cents meant as dollars.
const KWH: Range = Range::between(0.0, 2.0).with_unit("USD per kWh: 0.08 for 8 cents");
/// Power usage effectiveness: 1 (no facility overhead) to 3.
const PUE: Range = Range::between(1.0, 3.0).with_unit("facility power / IT power, e.g. 1.4");
/// Colocation per node-month: at most $100,000.
const COLO: Range = Range::between(0.0, 1e5).with_unit("USD per node per month");

/// ASSUMPTION: power usage effectiveness of a colocation facility when the
/// scenario gives none; industry surveys put fleet averages near 1.5 and new
/// GPU halls lower (no figure in shared/data).
const DEFAULT_PUE: f64 = 1.5;
/// ASSUMPTION: straight-line amortisation over 5 years when none is given
/// (a common server depreciation schedule; no figure in shared/data).
const DEFAULT_AMORTISATION_YEARS: f64 = 5.0;

/// The model profiles pools name, loaded once each.
pub(super) struct PoolModels<'a> {
    /// The `[model]` profile's name (index 0).
    pub(super) default: &'a str,
    /// Its GPUs per replica (`None` when it failed to load).
    pub(super) default_gpus: Option<u32>,
    /// Its GPU type.
    pub(super) default_gpu: Option<&'a str>,
    pub(super) dir: Option<&'a Path>,
    /// (name as written, profile): index k + 1.
    pub(super) models: &'a mut Vec<(String, Model)>,
}

impl Validator<'_> {
    pub(super) fn strategy(
        &mut self,
        i: usize,
        s: &RawStrategy,
        prices: &mut Vec<(String, Dist)>,
        models: &mut PoolModels,
        buy: &Buyables,
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
            .map(|(j, p)| self.pool(&format!("{f}.pool[{j}]"), j, p, prices, models, buy))
            .collect();
        let api = match &s.api {
            None => 0,
            Some(name) => buy
                .apis
                .iter()
                .position(|a| a.name == *name)
                .unwrap_or_else(|| {
                    let known: Vec<&str> = buy.apis.iter().map(|a| a.name.as_str()).collect();
                    self.push(
                        format!("{f}.api"),
                        None,
                        format!(
                            "no API named `{name}` (the [[api]] names: {})",
                            known.join(", ")
                        ),
                    );
                    0
                }),
        };
        Strategy {
            name: s.name.clone(),
            description: s.description.clone().unwrap_or_default(),
            pools,
            overflow,
            api,
        }
    }

    pub(super) fn pool(
        &mut self,
        f: &str,
        j: usize,
        p: &RawPool,
        prices: &mut Vec<(String, Dist)>,
        models: &mut PoolModels,
        buy: &Buyables,
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
        let (gpr, pool_gpu) = if model == 0 {
            (models.default_gpus, models.default_gpu.map(str::to_owned))
        } else {
            let m = &models.models[model - 1].1;
            (Some(m.gpus_per_replica), Some(m.gpu.clone()))
        };
        let kind = match p.kind.as_str() {
            "reserved" => PoolKind::Reserved,
            "on_demand" | "on-demand" => PoolKind::OnDemand,
            "spot" => PoolKind::Spot,
            "owned" => PoolKind::Owned,
            other => {
                self.push(
                    format!("{f}.kind"),
                    None,
                    format!("`{other}`: must be reserved, on_demand, spot or owned"),
                );
                PoolKind::Reserved
            }
        };
        let od = kind == PoolKind::OnDemand;
        let owned = kind == PoolKind::Owned;
        let kind_name = match kind {
            PoolKind::Reserved => "reserved",
            PoolKind::OnDemand => "on_demand",
            PoolKind::Spot => "spot",
            PoolKind::Owned => "owned",
        };

        // The instance: from the catalog, or an explicit size.
        let row: Option<Instance> = match (&p.instance, p.gpus_per_instance) {
            (Some(_), Some(_)) => {
                self.push(
                    format!("{f}.gpus_per_instance"),
                    None,
                    "give instance (from the catalog) or gpus_per_instance, not both",
                );
                None
            }
            (Some(name), None) => {
                // A pool with its own price (or owned) needs only the GPUs; a
                // reserved one without a reserved price in the catalog is
                // priced off the on-demand price.
                match buy.catalog {
                    None => None, // the catalog's own error is already recorded
                    Some(all) => {
                        let region = p.region.as_deref();
                        let want = (p.price.is_none() && !owned).then_some(
                            if kind == PoolKind::Reserved
                                && purchase::reserved_from_on_demand(p, all, name, region)
                            {
                                "on_demand"
                            } else {
                                kind_name
                            },
                        );
                        match gpu_catalog::find(all, name, region, want) {
                            Ok((row, note)) => {
                                if let Some(n) = note {
                                    self.warnings.push(format!("{f}.instance: {n}"));
                                }
                                Some(row.clone())
                            }
                            Err(e) => {
                                self.push(format!("{f}.instance"), None, e.to_string());
                                None
                            }
                        }
                    }
                }
            }
            (None, _) => {
                if p.region.is_some() {
                    self.push(format!("{f}.region"), None, "only applies with instance");
                }
                None
            }
        };
        let server = self.purchase_checks(f, p, kind, row.as_ref(), pool_gpu.as_deref());
        let shape_gpus = match (&row, p.gpus_per_instance) {
            (Some(r), _) => Some(r.gpus),
            (None, None) if server.is_some() => server.as_ref().map(|s| s.gpus),
            (None, Some(g)) => {
                Some(self.count(&format!("{f}.gpus_per_instance"), Some(g), 8, 1, 1024))
            }
            (None, None) => None,
        };
        let shape = match (shape_gpus, gpr) {
            (Some(n), Some(g)) => Some(self.instance_shape(f, row.as_ref(), n, g)),
            _ => None,
        };
        let per = shape.as_ref().map_or(1, |s| s.replicas);

        // The price: a named [gpu_prices] entry, the catalog's, or the owned node's.
        let price = if owned {
            if p.price.is_some() {
                self.push(
                    format!("{f}.price"),
                    None,
                    "an owned pool is priced by purchase_usd, power and colocation, not by a [gpu_prices] entry",
                );
            }
            usize::MAX
        } else {
            self.rented_price(f, p, kind, kind_name, row.as_ref(), prices)
        };

        // Counts: in instances for an instance pool (one whose instance or
        // server failed to resolve, already reported, too: no follow-on
        // errors about its counts), else in replicas.
        let in_instances = shape.is_some()
            || p.instance.is_some()
            || p.server.is_some()
            || p.gpus_per_instance.is_some();
        let counted = |v: &mut Self, field: &str, x: Option<i64>, default: u32, max: i64| {
            v.count(&format!("{f}.{field}"), x, default, 0, max)
        };
        let wrong_unit = |v: &mut Self, given: &[(&str, bool)], why: &str| {
            for (k, g) in given {
                if *g {
                    v.push(format!("{f}.{k}"), None, why.to_owned());
                }
            }
        };
        if in_instances {
            wrong_unit(
                self,
                &[
                    ("replicas", p.replicas.is_some()),
                    ("spares", p.spares.is_some()),
                    ("min_replicas", p.min_replicas.is_some()),
                    ("max_replicas", p.max_replicas.is_some()),
                ],
                "a pool of instances is counted in instances: give instances, spare_instances (or min_instances and max_instances for on_demand)",
            );
        } else {
            wrong_unit(
                self,
                &[
                    ("instances", p.instances.is_some()),
                    ("spare_instances", p.spare_instances.is_some()),
                    ("min_instances", p.min_instances.is_some()),
                    ("max_instances", p.max_instances.is_some()),
                ],
                "counts in instances need instance (from the GPU catalog) or gpus_per_instance",
            );
        }
        let (lo_raw, hi_raw, lo_name, hi_name, n_raw, n_name, sp_raw, sp_name) = if in_instances {
            (
                p.min_instances,
                p.max_instances,
                "min_instances",
                "max_instances",
                p.instances,
                "instances",
                p.spare_instances,
                "spare_instances",
            )
        } else {
            (
                p.min_replicas,
                p.max_replicas,
                "min_replicas",
                "max_replicas",
                p.replicas,
                "replicas",
                p.spares,
                "spares",
            )
        };
        // Engine slots: an on-demand instance pool scales whole instances.
        let max_units = if shape.is_some() && !od {
            (100_000 / i64::from(per)).max(1)
        } else {
            100_000
        };
        let replicas_units = if od {
            if n_raw.is_some() {
                self.push(
                    format!("{f}.{n_name}"),
                    None,
                    format!("on-demand pools take {lo_name} and {hi_name}"),
                );
            }
            counted(self, lo_name, lo_raw, 0, MAX_ON_DEMAND)
        } else {
            for (k, v) in [
                ("min_replicas", p.min_replicas),
                ("max_replicas", p.max_replicas),
                ("min_instances", p.min_instances),
                ("max_instances", p.max_instances),
                ("startup_lag_hours", p.startup_lag_hours),
            ] {
                if v.is_some() && (in_instances == k.contains("instances")) {
                    self.push(format!("{f}.{k}"), None, "only applies to on_demand pools");
                }
            }
            if n_raw.is_none() {
                self.push(
                    format!("{f}.{n_name}"),
                    None,
                    format!("missing: how many {n_name}"),
                );
            }
            counted(self, n_name, n_raw, 1, max_units)
        };
        let max_units_od = if od {
            // Without a ceiling: the floor, or one unit.
            let one = shape.as_ref().map_or(1, |s| s.instances);
            let m = counted(
                self,
                hi_name,
                hi_raw,
                replicas_units.max(one),
                MAX_ON_DEMAND,
            );
            if m < replicas_units {
                self.push(
                    format!("{f}.{hi_name}"),
                    None,
                    format!("{m} is less than {lo_name} ({replicas_units})"),
                );
            }
            m.max(replicas_units)
        } else {
            replicas_units
        };
        let spares_units = match (&p.redundancy, sp_raw) {
            (Some(_), Some(_)) => {
                self.push(
                    format!("{f}.{sp_name}"),
                    None,
                    format!("give {sp_name} or redundancy, not both"),
                );
                0
            }
            (Some(r), None) if r == "2x" => replicas_units,
            (Some(r), None) => {
                self.push(
                    format!("{f}.redundancy"),
                    None,
                    format!("`{r}`: the only rule is \"2x\" (or give {sp_name} = k)"),
                );
                0
            }
            (None, s) => counted(self, sp_name, s, 0, max_units),
        };
        if od && spares_units > 0 {
            self.push(
                format!("{f}.{sp_name}"),
                None,
                "on-demand pools scale instead of keeping spares",
            );
        }
        let g = gpr.unwrap_or(1);
        // Counts in instances as whole units (the instances of one replica
        // when it spans several).
        let [replicas_units, spares_units, max_units_od] = match &shape {
            Some(sh) if sh.instances > 1 => {
                let whole = |v: &mut Self, name: &str, c| v.whole_units(f, name, c, sh, g);
                if od {
                    let lo = whole(self, lo_name, replicas_units);
                    [lo, 0, whole(self, hi_name, max_units_od)]
                } else {
                    let n = whole(self, n_name, replicas_units);
                    let sp = if p.redundancy.is_some() {
                        spares_units / sh.instances
                    } else {
                        whole(self, sp_name, spares_units)
                    };
                    [n, sp, n]
                }
            }
            _ => [replicas_units, spares_units, max_units_od],
        };
        // Engine slots: replicas, except an on-demand instance pool's units.
        let (replicas, spares, max_replicas, unit_replicas) = if od {
            (replicas_units, 0, max_units_od, per)
        } else {
            (
                replicas_units * per,
                spares_units * per,
                replicas_units * per,
                1,
            )
        };
        let (unit_gpus, unit_paid_gpus) = match &shape {
            Some(s) if od => (s.gpus * s.instances, f64::from(s.gpus * s.instances)),
            Some(s) => (g, f64::from(s.gpus) / s.replicas_per_instance()),
            None => (g, f64::from(g)),
        };

        let spot = kind == PoolKind::Spot;
        if !spot && (p.interruptions_per_month.is_some() || p.interruption_hours.is_some()) {
            self.push(
                format!("{f}.interruptions_per_month"),
                None,
                "only applies to spot pools",
            );
        }
        if matches!(kind, PoolKind::Reserved | PoolKind::Owned) && p.price_drift_per_year.is_some()
        {
            self.push(
                format!("{f}.price_drift_per_year"),
                None,
                "a reserved or owned price is fixed at signing: no drift (give a renewal_price for a reserved term's renewal)",
            );
        }
        // Commitments: a reserved term, renewed at the signing price or at renewal_price.
        let term_hours = match (kind, p.term_years) {
            (PoolKind::Reserved, Some(y)) => {
                Some(self.count(&format!("{f}.term_years"), Some(y), 1, 1, 10) * 8760)
            }
            (_, Some(_)) => {
                self.push(
                    format!("{f}.term_years"),
                    None,
                    "only applies to reserved pools",
                );
                None
            }
            (_, None) => None,
        };
        let renewal_price = match &p.renewal_price {
            Some(name) if term_hours.is_some() => {
                Some(self.named_price(&format!("{f}.renewal_price"), name, prices))
            }
            Some(_) => {
                self.push(
                    format!("{f}.renewal_price"),
                    None,
                    "only applies to a reserved pool with term_years",
                );
                None
            }
            None => None,
        };
        let owned_cost = self.owned_cost(f, p, owned, server.as_ref());
        let term_hours = match &owned_cost {
            Some(o) => Some((o.amortisation_years * 8760.0).round() as u32),
            None => term_hours,
        };
        let start_hour = match p.start_after_months {
            Some(_) if od => {
                self.push(
                    format!("{f}.start_after_months"),
                    None,
                    "an on-demand pool costs nothing until it runs: raise its max_replicas (or max_instances) instead",
                );
                0
            }
            m => {
                self.count(&format!("{f}.start_after_months"), m, 0, 0, 120)
                    * HOURS_PER_MONTH as u32
            }
        };
        let repair_hours = p
            .repair_hours
            .as_ref()
            .map(|r| self.dist(&format!("{f}.repair_hours"), r, Range::above(0.0, 8784.0)));
        let stream = if owned {
            let node = shape.as_ref().map_or("node", |s| s.name.as_str());
            format!(
                "owned.{}",
                server.as_ref().map_or(node, |s| s.name.as_str())
            )
        } else {
            prices
                .get(price)
                .map_or_else(String::new, |(n, _)| n.clone())
        };
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
                DRIFT,
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
            instance: shape,
            unit_replicas,
            unit_gpus,
            unit_paid_gpus,
            term_hours,
            renewal_price,
            owned: owned_cost,
            repair_hours,
            stream,
            start_hour,
        }
    }

    /// The index of [gpu_prices] entry `name`, or an issue listing the names.
    pub(super) fn named_price(
        &mut self,
        field: &str,
        name: &str,
        prices: &[(String, Dist)],
    ) -> usize {
        prices
            .iter()
            .position(|(n, _)| n == name)
            .unwrap_or_else(|| {
                let known: Vec<&str> = prices
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .filter(|n| !n.contains(' '))
                    .collect();
                self.push(
                    field,
                    None,
                    format!(
                        "no GPU price named `{name}` in [gpu_prices] (defined: {})",
                        if known.is_empty() {
                            "none".into()
                        } else {
                            known.join(", ")
                        }
                    ),
                );
                0
            })
    }

    /// An owned pool's node costs; fields of owned pools on another kind are errors.
    fn owned_cost(
        &mut self,
        f: &str,
        p: &RawPool,
        owned: bool,
        server: Option<&purchase::Server>,
    ) -> Option<OwnedCost> {
        let given = [
            ("purchase_usd", p.purchase_usd.is_some()),
            ("amortisation_years", p.amortisation_years.is_some()),
            ("residual_fraction", p.residual_fraction.is_some()),
            ("power_kw_load", p.power_kw_load.is_some()),
            ("power_kw_idle", p.power_kw_idle.is_some()),
            ("pue", p.pue.is_some()),
            ("usd_per_kwh", p.usd_per_kwh.is_some()),
            ("colo_usd_per_month", p.colo_usd_per_month.is_some()),
        ];
        if !owned {
            for (k, g) in given {
                if g {
                    self.push(
                        format!("{f}.{k}"),
                        None,
                        "only applies to owned pools (kind = \"owned\")",
                    );
                }
            }
            return None;
        }
        let field = |k: &str| format!("{f}.{k}");
        // A field given in the pool wins over the server preset's.
        let preset = |k: &str| {
            server.map(|s| match k {
                "purchase_usd" => s.purchase_usd.clone(),
                "power_kw_load" => s.power_kw_load.clone(),
                _ => s.power_kw_idle.clone(),
            })
        };
        let need = |v: &mut Self, k: &str, d: &Option<RawDist>, what: &str, range: Range| match d {
            Some(d) => v.dist(&field(k), d, range),
            None if k != "usd_per_kwh" && preset(k).is_some() => {
                preset(k).unwrap_or(Dist::fixed(f64::NAN))
            }
            // A server named but not resolved is already an error.
            None if k != "usd_per_kwh" && p.server.is_some() => Dist::fixed(f64::NAN),
            None => {
                let hint = if k == "usd_per_kwh" {
                    ""
                } else {
                    " (or name a server preset: server = \"hgx-b200\", see docs/scenario.md)"
                };
                v.push(field(k), None, format!("missing: {what}{hint}"));
                Dist::fixed(f64::NAN)
            }
        };
        let purchase_usd = need(
            self,
            "purchase_usd",
            &p.purchase_usd,
            "the purchase price per node, USD",
            PURCHASE,
        );
        let power_kw_load = need(
            self,
            "power_kw_load",
            &p.power_kw_load,
            "the node's power at load, kW",
            POWER,
        );
        let usd_per_kwh = need(
            self,
            "usd_per_kwh",
            &p.usd_per_kwh,
            "the electricity price, USD per kWh",
            KWH,
        );
        // ASSUMPTION without a figure: the node draws its load power always.
        let power_kw_idle = match (&p.power_kw_idle, server) {
            (Some(d), _) => self.dist(&field("power_kw_idle"), d, POWER),
            (None, Some(s)) if p.power_kw_load.is_none() => s.power_kw_idle.clone(),
            (None, _) => power_kw_load.clone(),
        };
        if power_kw_idle.point() > power_kw_load.point() {
            self.push(field("power_kw_idle"), None, "is more than power_kw_load");
        }
        let amortisation_years = p.amortisation_years.unwrap_or(DEFAULT_AMORTISATION_YEARS);
        if !(amortisation_years.is_finite() && (0.5..=15.0).contains(&amortisation_years)) {
            self.push(
                field("amortisation_years"),
                None,
                format!("{amortisation_years}: must be between 0.5 and 15 years"),
            );
        }
        let residual_fraction = p.residual_fraction.unwrap_or(0.0);
        if !(residual_fraction.is_finite() && (0.0..=0.9).contains(&residual_fraction)) {
            self.push(
                field("residual_fraction"),
                None,
                format!("{residual_fraction}: must be a fraction of the purchase price between 0 and 0.9 (0.1 means 10%)"),
            );
        }
        Some(OwnedCost {
            purchase_usd,
            amortisation_years,
            residual_fraction,
            power_kw_load,
            power_kw_idle,
            pue: self.opt_dist(&field("pue"), &p.pue, PUE, DEFAULT_PUE),
            usd_per_kwh,
            colo_usd_per_month: self.opt_dist(
                &field("colo_usd_per_month"),
                &p.colo_usd_per_month,
                COLO,
                0.0,
            ),
        })
    }

    /// The GPU catalog pools' `instance` names: the built-in one, or the
    /// scenario's `gpu_catalog` file (relative to the scenario). `None`
    /// after an error (recorded).
    pub(super) fn gpu_catalog(
        &mut self,
        file: Option<&str>,
        dir: Option<&Path>,
    ) -> Option<Vec<Instance>> {
        let (text, origin, cloud) = match file {
            None => (
                gpu_catalog::BUILTIN.to_owned(),
                "the built-in GPU catalog".to_owned(),
                "catalog".to_owned(),
            ),
            Some(c) => {
                let path = dir.map(|d| d.join(c)).unwrap_or_else(|| PathBuf::from(c));
                match crate::input::read_text_bounded(&path, crate::input::MAX_JSON_BYTES) {
                    Ok(t) => (t, path.display().to_string(), gpu_catalog::cloud_of(&path)),
                    Err(e) => {
                        self.push(
                            "gpu_catalog",
                            None,
                            format!("cannot read {}: {e}", path.display()),
                        );
                        return None;
                    }
                }
            }
        };
        match gpu_catalog::parse(&text, &cloud) {
            Ok(v) => Some(v),
            Err(e) => {
                self.push("gpu_catalog", None, format!("{origin}: {e}"));
                None
            }
        }
    }
}
