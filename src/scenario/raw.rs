//! The scenario as written in TOML: serde types, nothing checked beyond
//! structure. Unknown fields are rejected here; every value and range check
//! happens in [`super::validate`]. Uncertain inputs are kept as
//! `Spanned<toml::Value>` so that errors can name the line.

#![allow(missing_docs)] // Field meanings are documented once, on the validated types and in docs/scenario.md.

use serde::{Deserialize, Serialize};
use toml::Spanned;

/// An uncertain input as written: a number or a distribution table.
pub type RawDist = Spanned<toml::Value>;

/// The whole file.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub run: RawRun,
    pub model: RawModelRef,
    pub demand: RawDemand,
    pub api: RawApis,
    #[serde(default)]
    pub gpu_prices: std::collections::BTreeMap<String, Spanned<toml::Value>>,
    pub gpu_market: Option<RawGpuMarket>,
    pub gpu_catalog: Option<String>,
    #[serde(default)]
    pub outages: RawOutages,
    #[serde(default)]
    pub deployments: RawDeployments,
    #[serde(default)]
    pub overhead: RawOverhead,
    pub slo: Option<RawSlo>,
    #[serde(default)]
    pub strategy: Vec<RawStrategy>,
}

/// `[api]` (one table) or `[[api]]` (several alternatives).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum RawApis {
    One(Box<RawApi>),
    Many(Vec<RawApi>),
}

impl RawApis {
    /// The alternatives, in the order written.
    pub fn all(&self) -> &[RawApi] {
        match self {
            RawApis::One(a) => std::slice::from_ref(a.as_ref()),
            RawApis::Many(v) => v,
        }
    }
}

// By hand, not `untagged`: serde's untagged enums lose the parser's line
// and field in their errors ("did not match any variant").
impl<'de> Deserialize<'de> for RawApis {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawApis;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an [api] table or [[api]] tables")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, m: A) -> Result<RawApis, A::Error> {
                RawApi::deserialize(serde::de::value::MapAccessDeserializer::new(m))
                    .map(|a| RawApis::One(Box::new(a)))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, s: A) -> Result<RawApis, A::Error> {
                Vec::<RawApi>::deserialize(serde::de::value::SeqAccessDeserializer::new(s))
                    .map(RawApis::Many)
            }
        }
        d.deserialize_any(V)
    }
}

/// `[gpu_market]`: a market level shared by every GPU price.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawGpuMarket {
    pub level: RawDist,
}

/// `[slo]`: latency targets, milliseconds.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSlo {
    pub tpot_ms: Option<f64>,
    pub ttft_ms: Option<f64>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRun {
    pub trials: Option<i64>,
    pub seed: Option<u64>,
    pub horizon_hours: Option<i64>,
    pub start: Option<toml::Value>,
    pub month_hours: Option<f64>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawModelRef {
    pub profile: Option<String>,
    /// Composition without a profile file: hardware and architecture by name.
    pub hardware: Option<String>,
    pub architecture: Option<String>,
    pub precision: Option<String>,
    pub kv_cache_dtype: Option<String>,
    pub parallel: Option<String>,
    pub tok_s_per_gpu: Option<RawDist>,
    pub utilization_ceiling: Option<RawDist>,
    pub gpus_per_replica: Option<i64>,
}

/// A file in `models/`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawModelProfile {
    pub name: String,
    pub description: Option<String>,
    pub source: String,
    pub gpu: Option<String>,
    pub gpus_per_replica: i64,
    pub tok_s_per_gpu: Option<RawDist>,
    pub utilization_ceiling: RawDist,
    /// The operating point in the measured decode table (models/h100_decode_step.csv).
    pub decode: Option<RawDecode>,
    /// The serving model: an architecture and a hardware profile, by name or path.
    pub architecture: Option<String>,
    pub hardware: Option<String>,
    pub weights_dtype: Option<String>,
    /// The format of the weights outside the routed experts (MoE).
    pub dense_weights_dtype: Option<String>,
    pub kv_cache_dtype: Option<String>,
    /// `tp` or `dep`.
    pub parallel: Option<String>,
    pub throughput_error: Option<RawDist>,
    pub engine: Option<RawEngine>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawEngine {
    pub max_batch: Option<i64>,
    pub max_num_tokens: Option<i64>,
    pub kv_cache_memory_fraction: Option<f64>,
    pub runtime_reserve_gib: Option<f64>,
}

/// A file in `hardware/`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawHardware {
    pub name: String,
    pub description: Option<String>,
    pub source: String,
    /// hopper, blackwell, blackwell-ultra or instinct: whose calibrated efficiencies apply.
    pub family: Option<String>,
    /// Other names `--gpu` and `hardware =` accept.
    #[serde(default)]
    pub aliases: Vec<String>,
    pub memory_gib: f64,
    pub hbm_tb_s: f64,
    pub dense_tflops_4bit: Option<f64>,
    pub dense_tflops_8bit: f64,
    pub dense_tflops_16bit: f64,
    pub interconnect_gb_s: f64,
    pub scale_up_gpus: Option<i64>,
    pub scale_out_gb_s: Option<f64>,
    pub tdp_w: Option<f64>,
    pub efficiency: Option<RawEfficiency>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawEfficiency {
    pub bandwidth: Option<f64>,
    pub compute: Option<f64>,
    pub interconnect: Option<f64>,
    pub allreduce_latency_us: Option<f64>,
    pub step_overhead_ms: Option<f64>,
    pub moe_compute: Option<f64>,
    pub sequence_overhead_us: Option<f64>,
    pub activation_passes: Option<f64>,
    pub all_to_all_latency_us: Option<f64>,
    pub w4a16_compute: Option<f64>,
}

/// A file in `models/architectures/`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawArchitecture {
    pub name: String,
    pub description: Option<String>,
    pub source: String,
    pub layers: i64,
    pub hidden: i64,
    pub heads: i64,
    pub kv_heads: i64,
    pub head_dim: i64,
    pub ffn: Option<i64>,
    pub vocab: Option<i64>,
    pub params_billion: f64,
    /// Other names `--model` and `architecture =` accept.
    #[serde(default)]
    pub aliases: Vec<String>,
    pub active_params_billion: Option<f64>,
    /// `gqa` (default) or `mla`.
    pub attention: Option<String>,
    pub sliding_window: Option<i64>,
    pub sliding_layers: Option<i64>,
    pub moe: Option<RawMoe>,
    pub mla: Option<RawMla>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawMoe {
    pub experts: i64,
    pub experts_per_token: i64,
    #[serde(default)]
    pub shared_experts: i64,
    pub expert_ffn: i64,
    pub moe_layers: Option<i64>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawMla {
    pub kv_lora_rank: i64,
    pub qk_rope_head_dim: i64,
    pub qk_nope_head_dim: i64,
    pub v_head_dim: i64,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawDecode {
    pub weights_dtype: String,
    pub batch: i64,
    pub context_tokens: i64,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawDemand {
    pub monthly_tokens: Option<RawDist>,
    pub utilization: Option<RawDist>,
    pub utilization_basis_replicas: Option<i64>,
    pub input_per_output: Option<RawDist>,
    pub prompt_tokens: Option<RawDist>,
    pub output_tokens: Option<RawDist>,
    pub cached_input_fraction: Option<RawDist>,
    pub cached_prompt_fraction: Option<RawDist>,
    pub annual_growth: Option<RawDist>,
    pub diurnal: Option<Spanned<Vec<f64>>>,
    pub weekly: Option<Spanned<Vec<f64>>>,
    pub noise_sigma: Option<RawDist>,
    pub noise_autocorrelation: Option<RawDist>,
    pub daily_noise_sigma: Option<RawDist>,
    pub daily_noise_autocorrelation: Option<RawDist>,
    pub bursts: Option<RawBursts>,
    pub traffic: Option<String>,
    pub replay: Option<bool>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawBursts {
    pub per_month: RawDist,
    pub size: RawDist,
    pub duration_hours: RawDist,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawApi {
    pub name: Option<String>,
    pub model: Option<String>,
    pub catalog: Option<String>,
    pub output_usd_per_mtok: Option<RawDist>,
    pub input_usd_per_mtok: Option<RawDist>,
    pub cached_input_usd_per_mtok: Option<RawDist>,
    pub cached_input_fraction: Option<RawDist>,
    pub price_drift_per_year: Option<RawDist>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutages {
    pub preset: Option<String>,
    pub gpu_failures_per_year: Option<RawDist>,
    pub repair_hours: Option<RawDist>,
    pub region_outages_per_year: Option<RawDist>,
    pub region_outage_hours: Option<RawDist>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawDeployments {
    pub per_month: Option<f64>,
    pub hours: Option<i64>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawOverhead {
    pub percent_of_gpu: Option<RawDist>,
    #[serde(default)]
    pub item: Vec<RawOverheadItem>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawOverheadItem {
    pub name: String,
    pub usd_per_year: Option<RawDist>,
    pub fte: Option<RawDist>,
    pub usd_per_fte_year: Option<RawDist>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawStrategy {
    pub name: String,
    pub description: Option<String>,
    pub overflow: Option<String>,
    pub queue_max_delay_hours: Option<i64>,
    pub queue_expiry: Option<String>,
    pub api: Option<String>,
    #[serde(default)]
    pub pool: Vec<RawPool>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawPool {
    pub name: Option<String>,
    pub kind: String,
    pub profile: Option<String>,
    pub replicas: Option<i64>,
    pub spares: Option<i64>,
    pub redundancy: Option<String>,
    pub price: Option<String>,
    pub price_drift_per_year: Option<RawDist>,
    pub min_replicas: Option<i64>,
    pub max_replicas: Option<i64>,
    pub startup_lag_hours: Option<i64>,
    pub interruptions_per_month: Option<RawDist>,
    pub interruption_hours: Option<RawDist>,
    pub instance: Option<String>,
    pub region: Option<String>,
    pub gpus_per_instance: Option<i64>,
    pub instances: Option<i64>,
    pub spare_instances: Option<i64>,
    pub min_instances: Option<i64>,
    pub max_instances: Option<i64>,
    pub term_years: Option<i64>,
    pub renewal_price: Option<String>,
    pub discount: Option<RawDist>,
    pub server: Option<String>,
    pub allow_other_gpu: Option<bool>,
    pub purchase_usd: Option<RawDist>,
    pub amortisation_years: Option<f64>,
    pub residual_fraction: Option<f64>,
    pub power_kw_load: Option<RawDist>,
    pub power_kw_idle: Option<RawDist>,
    pub pue: Option<RawDist>,
    pub usd_per_kwh: Option<RawDist>,
    pub colo_usd_per_month: Option<RawDist>,
    pub repair_hours: Option<RawDist>,
    pub start_after_months: Option<i64>,
}

/// Built-in traffic profiles (the files in `traffic/`, fitted from the traces
/// in `data/traffic/` by `traffic/refit.sh`; compiled in).
pub const BUILTIN_PROFILES: &[(&str, &str)] = &[
    (
        "servegen-m-large",
        include_str!("../../traffic/servegen-m-large.toml"),
    ),
    (
        "servegen-m-small",
        include_str!("../../traffic/servegen-m-small.toml"),
    ),
    (
        "azure-conv-2023",
        include_str!("../../traffic/azure-conv-2023.toml"),
    ),
    (
        "azure-code-2023",
        include_str!("../../traffic/azure-code-2023.toml"),
    ),
];

/// A profile file as written (validated by the scenario that uses it).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // source, fit and check are for people; read so that they are allowed.
pub struct RawProfile {
    /// Profile name.
    pub name: String,
    /// Where the trace comes from, with its citation.
    pub source: String,
    /// How it was fitted (informational).
    pub fit: Option<toml::Table>,
    /// Statistics of the source series (informational).
    pub check: Option<toml::Table>,
    /// Demand fields, same names and meaning as in `[demand]`.
    #[serde(default)]
    pub traffic: RawTraffic,
    /// Complete days of the trace, for replay.
    pub replay: Option<RawReplay>,
}

/// The `[traffic]` table of a profile.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTraffic {
    pub diurnal: Option<toml::Spanned<Vec<f64>>>,
    pub weekly: Option<toml::Spanned<Vec<f64>>>,
    pub noise_sigma: Option<toml::Spanned<toml::Value>>,
    pub noise_autocorrelation: Option<toml::Spanned<toml::Value>>,
    pub daily_noise_sigma: Option<toml::Spanned<toml::Value>>,
    pub daily_noise_autocorrelation: Option<toml::Spanned<toml::Value>>,
    pub bursts: Option<RawBursts>,
    pub input_per_output: Option<toml::Spanned<toml::Value>>,
    pub prompt_tokens: Option<toml::Spanned<toml::Value>>,
    pub output_tokens: Option<toml::Spanned<toml::Value>>,
}

/// The `[replay]` table of a profile.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReplay {
    /// Hourly levels of each complete day (24 values each).
    pub days: toml::Spanned<Vec<Vec<f64>>>,
}

#[cfg(test)]
mod tests {
    /// Every field the parser accepts is in docs/scenario.md, in the table
    /// of its section (read from the struct definitions of this file and of
    /// the traffic profile's).
    #[test]
    fn every_field_is_documented() {
        let doc = include_str!("../../docs/scenario.md");
        let sources = [include_str!("raw.rs")];
        let section = |s: &str| -> &str {
            let heading = match s {
                "RawScenario" => "## Top level",
                "RawRun" => "## `[run]`",
                "RawModelRef" => "## `[model]`",
                "RawDemand" | "RawBursts" => "## `[demand]`",
                "RawApi" => "## `[api]`",
                "RawGpuMarket" => "## `[gpu_market]`",
                "RawOutages" => "## `[outages]`",
                "RawDeployments" => "## `[deployments]`",
                "RawOverhead" | "RawOverheadItem" => "## `[overhead]`",
                "RawSlo" => "## `[slo]`",
                "RawStrategy" | "RawPool" => "## `[[strategy]]`",
                "RawModelProfile" | "RawEngine" | "RawDecode" => "## Model profiles",
                "RawHardware" | "RawEfficiency" => "## Hardware profiles",
                "RawArchitecture" | "RawMoe" | "RawMla" => "## Architecture files",
                "RawTraffic" => "## Traffic profiles",
                _ => return "",
            };
            let start = doc
                .find(heading)
                .unwrap_or_else(|| panic!("no section {heading}"));
            let rest = &doc[start + heading.len()..];
            &rest[..rest.find("\n## ").unwrap_or(rest.len())]
        };
        let mut checked = 0;
        for src in sources {
            let mut current: Option<&str> = None;
            for line in src.lines() {
                let t = line.trim();
                if let Some(rest) = t
                    .strip_prefix("pub struct ")
                    .or_else(|| t.strip_prefix("pub(crate) struct "))
                {
                    let name = rest.split([' ', '{']).next().unwrap_or("");
                    current = (!section(name).is_empty()).then_some(name);
                } else if t == "}" {
                    current = None;
                } else if let (Some(st), Some(f)) = (current, t.strip_prefix("pub ")) {
                    let field = f.split(':').next().unwrap_or("").trim();
                    assert!(
                        section(st).contains(&format!("| `{field}` |")),
                        "{st}.{field} is not documented in its section of docs/scenario.md"
                    );
                    checked += 1;
                }
            }
        }
        assert!(
            checked > 100,
            "only {checked} fields found: the parser of this test is off"
        );
    }
}
