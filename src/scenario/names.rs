//! How reports name what a pool buys: its unit with its GPUs, its model,
//! and the counts of a strategy's pools.
//!
//! A pool is labelled `{kind} {unit}`, e.g. `owned 8×H100 server`,
//! `on-demand aws/p5.48xlarge (8×H100)`, `reserved 4×H100 replica` (a pool
//! counted in replicas). A price of the pool's own (`aws_reserved_1y`) and a
//! reserved term go in parentheses after the kind: `reserved
//! (aws_reserved_1y, 1y term) aws/p5.48xlarge (8×H100)`; a price named
//! after the kind (`reserved_3y`) replaces it.
//!
//! The model: when every profile of the scenario serves one model (one
//! architecture and weight format, or one measured profile), one line says
//! so ([`Scenario::models_line`]) and labels leave it out, the GPU in the unit
//! telling H100 and H200 pools apart. When profiles serve different models,
//! every pool's label ends with its model in brackets: `owned 8×B200 server
//! [gpt-oss-120b MXFP4]`. Two profiles of one model on one GPU (another
//! layout or engine) add the profile: `[profile llama3-70b-fp8-h100]`.
//! Labels are so unique for pools that differ in kind, price, term, unit
//! or profile (`capsim plan` treats pools with one label as one option).

use super::compose::resolve_builtin;
use super::profile::BUILTIN_HARDWARE;
use super::{Model, Pool, PoolKind, Scenario};

impl Model {
    /// The GPU's short name (`H100`, `MI300X`): the first alias of its
    /// built-in hardware profile, else the name the profile gives.
    pub fn gpu_name(&self) -> String {
        let stem = resolve_builtin(&self.gpu, BUILTIN_HARDWARE);
        BUILTIN_HARDWARE
            .iter()
            .find(|(n, _)| *n == stem)
            .and_then(|(_, text)| {
                let t: toml::Table = toml::from_str(text).ok()?;
                t.get("aliases")?
                    .as_array()?
                    .first()?
                    .as_str()
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| self.gpu.clone())
    }

    /// The weights' format (`MXFP4`, `FP8`), when the profile says it.
    pub fn precision(&self) -> Option<&'static str> {
        match self.replica() {
            Some(r) => Some(r.weights.label()),
            None => self
                .decode
                .as_ref()
                .and_then(|d| crate::serving::Dtype::parse(&d.weights_dtype))
                .map(crate::serving::Dtype::label),
        }
    }

    /// The model a replica serves: its architecture and weight format
    /// (`gpt-oss-120b MXFP4`), or a measured profile's name (a measured
    /// figure knows no architecture).
    pub fn model_name(&self) -> String {
        match self.replica() {
            Some(r) => format!("{} {}", r.architecture.name, r.weights.label()),
            None => self.name.clone(),
        }
    }
}

impl PoolKind {
    /// The kind in reports: `reserved`, `on-demand`, `spot`, `owned`.
    pub fn word(self) -> &'static str {
        match self {
            PoolKind::Reserved => "reserved",
            PoolKind::OnDemand => "on-demand",
            PoolKind::Spot => "spot",
            PoolKind::Owned => "owned",
        }
    }
}

impl Pool {
    /// Purchasable units a committed or spot pool serves with: instances
    /// (or the instances of one replica) of an instance pool, else replicas.
    fn units(&self, slots: u32) -> u32 {
        match (&self.instance, self.kind) {
            (_, PoolKind::OnDemand) | (None, _) => slots,
            (Some(i), _) => slots / i.replicas.max(1),
        }
    }

    /// Its counts as reports write them: `×2` units (`×2 + 1 spare`), an
    /// on-demand ceiling `≤4`, or a floor and ceiling `1–3` (`×1` when
    /// they are one).
    pub fn count_label(&self) -> String {
        if self.kind == PoolKind::OnDemand {
            return match self.replicas {
                0 => format!("≤{}", self.max_replicas),
                lo if lo == self.max_replicas => format!("×{lo}"),
                lo => format!("{lo}–{}", self.max_replicas),
            };
        }
        match self.units(self.spares) {
            0 => format!("×{}", self.units(self.replicas)),
            1 => format!("×{} + 1 spare", self.units(self.replicas)),
            k => format!("×{} + {k} spares", self.units(self.replicas)),
        }
    }
}

/// When a pool bought later starts, for labels: `from year 2` at a year's
/// start, else `from month 7` (months of 730 hours, counted from 1).
pub fn start_words(start_hour: u32) -> String {
    let month = start_hour / crate::scenario::HOURS_PER_MONTH as u32;
    if month % 12 == 0 {
        format!("from year {}", month / 12 + 1)
    } else {
        format!("from month {}", month + 1)
    }
}

impl Scenario {
    /// Whether the scenario's profiles serve more than one model
    /// ([`Model::model_name`]): then every pool's label names its model.
    pub fn mixed_models(&self) -> bool {
        let first = self.model.model_name();
        self.pool_models.iter().any(|m| m.model_name() != first)
    }

    /// What one unit of pool `p` is, with its GPUs: `aws/p5.48xlarge
    /// (8×H100)`, `8×H100 server`, or `4×H100 replica` for a pool counted
    /// in replicas.
    pub fn unit_label(&self, p: &Pool) -> String {
        let m = self.model_of(p.model);
        let gpu = m.gpu_name();
        match &p.instance {
            Some(i) => i.unit_name(&gpu),
            None => format!("{}×{gpu} replica", m.gpus_per_replica),
        }
    }

    /// The bracketed note on profile `k`'s pools: its model when the
    /// scenario mixes models, its profile when another of the scenario's
    /// profiles serves the same model on the same GPU.
    fn model_tag(&self, k: usize) -> Option<String> {
        let m = self.model_of(k);
        let (name, gpu) = (m.model_name(), m.gpu_name());
        let ambiguous = self
            .models()
            .enumerate()
            .any(|(j, o)| j != k && o.model_name() == name && o.gpu_name() == gpu);
        let mut parts = Vec::new();
        if self.mixed_models() {
            parts.push(name);
        }
        if ambiguous {
            parts.push(format!("profile {}", m.name));
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }

    /// How pool `p` is bought: its kind, with a price of its own and a
    /// reserved term (`reserved (aws_reserved_1y, 1y term)`, `reserved_3y`).
    pub fn pool_terms(&self, p: &Pool) -> String {
        let kind = p.kind.word();
        let own = kind.replace('-', "_");
        let mut head = kind.to_owned();
        let mut notes = Vec::new();
        // A [gpu_prices] entry of the pool's own; catalog prices (named
        // `cloud/type region kind`) and owned pools have none.
        if let Some((name, _)) = self.gpu_prices.get(p.price) {
            if *name != own && !name.contains(' ') {
                if name.starts_with(&own) {
                    head = name.clone();
                } else {
                    notes.push(name.clone());
                }
            }
        }
        if let Some(t) = p.term_hours.filter(|_| p.kind == PoolKind::Reserved) {
            notes.push(format!("{}y term", t / 8760));
        }
        if p.start_hour > 0 {
            notes.push(start_words(p.start_hour));
        }
        if notes.is_empty() {
            head
        } else {
            format!("{head} ({})", notes.join(", "))
        }
    }

    /// Pool `p` named for reports, without its counts (see the module doc):
    /// `owned 8×H100 server`, `on-demand aws/p5.48xlarge (8×H100)`.
    pub fn pool_label(&self, p: &Pool) -> String {
        let mut l = format!("{} {}", self.pool_terms(p), self.unit_label(p));
        if let Some(tag) = self.model_tag(p.model) {
            l.push_str(&format!(" [{tag}]"));
        }
        l
    }

    /// A fleet named by its pools and their counts: `owned 8×H100 server ×1
    /// + on-demand aws/p5.48xlarge (8×H100) ≤6`.
    pub fn fleet_label(&self, pools: &[Pool]) -> String {
        pools
            .iter()
            .map(|p| format!("{} {}", self.pool_label(p), p.count_label()))
            .collect::<Vec<_>>()
            .join(" + ")
    }

    /// "Every pool serves llama3-70b FP8 (profile llama3-70b-fp8-h100)."
    /// when the scenario's profiles serve one model and some strategy has
    /// pools; `None` when they serve several (the labels name them).
    pub fn models_line(&self) -> Option<String> {
        if self.mixed_models() {
            return None;
        }
        let mut used: Vec<usize> = Vec::new();
        for p in self.strategies.iter().flat_map(|st| &st.pools) {
            if !used.contains(&p.model) {
                used.push(p.model);
            }
        }
        let first = self.model_of(*used.first()?);
        let profiles: Vec<&str> = used
            .iter()
            .map(|&k| self.model_of(k).name.as_str())
            .collect();
        let whence = if first.replica().is_none() {
            "a measured profile".to_owned()
        } else if profiles.len() == 1 {
            format!("profile {}", profiles[0])
        } else {
            format!("profiles {}", profiles.join(", "))
        };
        Some(format!(
            "Every pool serves {} ({whence}).",
            first.model_name()
        ))
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::{InstanceShape, load_profile};

    #[test]
    fn units_name_their_gpus() {
        let shape = |catalog, instances| InstanceShape {
            name: if catalog {
                "aws/p5.48xlarge"
            } else {
                "8-GPU node"
            }
            .into(),
            catalog,
            gpus: 8,
            replicas: 1,
            instances,
        };
        assert_eq!(shape(true, 1).unit_name("H100"), "aws/p5.48xlarge (8×H100)");
        assert_eq!(
            shape(true, 2).unit_name("H200"),
            "2 × aws/p5.48xlarge (8×H200 each)"
        );
        assert_eq!(shape(false, 1).unit_name("B200"), "8×B200 server");
        assert_eq!(shape(false, 2).unit_name("H200"), "2 × 8×H200 servers");
    }

    #[test]
    fn gpus_are_named_by_their_short_alias() {
        for (profile, gpu) in [
            ("llama3-70b-fp8-h100", "H100"),
            ("llama3-70b-fp8-4xh100", "H100"),
            ("llama3-70b-fp8-h200", "H200"),
            ("gpt-oss-120b-mxfp4-b200", "B200"),
            ("llama3.3-70b-fp8-mi300x", "MI300X"),
            ("deepseek-r1-fp4-gb200-nvl72", "GB200"),
        ] {
            assert_eq!(load_profile(profile).unwrap().gpu_name(), gpu, "{profile}");
        }
    }

    #[test]
    fn models_are_named_by_architecture_and_weights() {
        let m = load_profile("gpt-oss-120b-mxfp4-b200").unwrap();
        assert_eq!(m.model_name(), "gpt-oss-120b MXFP4");
        assert_eq!(m.precision(), Some("MXFP4"));
        let m = load_profile("deepseek-r1-fp4-b200").unwrap();
        assert_eq!(m.model_name(), "deepseek-r1 NVFP4");
        // A measured figure has no architecture: its profile names it.
        let m = load_profile("llama3-70b-fp8-4xh100").unwrap();
        assert_eq!(m.model_name(), "llama3-70b-fp8-4xh100");
    }
}
