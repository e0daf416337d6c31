//! Scenarios: parsed from TOML ([`raw`]), then validated once into
//! [`Scenario`], which the engine trusts without re-checking.
//!
//! Validation collects *every* problem it finds, each naming its field (and
//! its line where the parser knows it), so a user fixes a file in one pass.

mod api;
mod capacity;
pub mod compose;
pub mod decode;
mod demand;
mod fleet;
mod hardware;
mod names;
pub mod profile;
pub mod purchase;
pub mod raw;
mod shape;
mod units;

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;
use toml::Spanned;

use crate::dist::{Dist, Range, with_range};
use crate::serving::{LatencyTarget, Mix};
use fleet::{Buyables, PoolModels};
pub use names::start_words;
pub use profile::{BUILTIN_MODELS, DEFAULT_OUTPUT_TOKENS, Model, Throughput, load_profile};
use raw::*;

/// The built-in seed scenario (`scenarios/seed.toml`), run when no scenario
/// is given.
pub const SEED_SCENARIO: &str = include_str!("../../scenarios/seed.toml");

/// Hours in the month that monthly volumes are spread over (docs/model.md:
/// "monthly volume / 730"; 8,760 h / 12).
pub const HOURS_PER_MONTH: f64 = 730.0;

/// One problem found in a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Dotted path of the field, e.g. `strategy[0].pool[1].replicas`.
    pub field: String,
    /// 1-based line in the file, when known.
    pub line: Option<usize>,
    /// Why the value is wrong.
    pub reason: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{} (line {}): {}", self.field, l, self.reason),
            None => write!(f, "{}: {}", self.field, self.reason),
        }
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read scenario {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not have the scenario's structure
    /// (unknown field, wrong type).
    #[error("{origin}: {message}")]
    Parse {
        /// File name or `<built-in>`.
        origin: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// Values are out of range or inconsistent.
    #[error("{origin}: {} problem(s):\n{}", issues.len(), issues.iter().map(|i| format!("  - {i}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// File name or `<built-in>`.
        origin: String,
        /// Every problem found.
        issues: Vec<Issue>,
    },
}

/// Most trials a scenario may ask for (about a day of simulation on 2 cores
/// for the realistic scenario; more is a typo).
pub const MAX_TRIALS: i64 = 100_000_000;
/// Largest on-demand pool: each slot keeps its own hourly failure timeline
/// (4 bytes × hours per slot and thread: 70 MB at 2,000 slots over a year).
const MAX_ON_DEMAND: i64 = 2_000;
/// GPU prices, USD per GPU-hour: at most $10,000 (H100s rent for $1–$10).
const GPU_PRICE: Range = Range::between(0.0, 1e4).with_unit("USD per GPU-hour");
/// API prices, USD per million tokens: at most $1,000,000.
const API_PRICE: Range = Range::between(0.0, 1e6).with_unit("USD per million tokens");
/// Output tokens per second per GPU: at least 1 (less is no server: a slip
/// of units) and at most 1,000,000 (an H100 decodes a few thousand at large
/// batch: models/h100_decode_step.csv).
const TOK_S_PER_GPU: Range = Range::between(1.0, 1e6).with_unit("output tokens per second per GPU");

/// A utilization ceiling: a fraction of peak throughput, at least 1% (less
/// is no server: 85 meant as 85% reads as 0.85, 0.0085 is a slip).
pub(crate) const CEILING: Range =
    Range::between(0.01, 1.0).with_unit("a fraction of peak throughput: 0.85 means 85%");

/// A price drift per year: more than −100% and at most +200% (−20 meant as
/// −20% reads as a fall of 2,000%: refused).
pub(crate) const DRIFT: Range = Range {
    min: -1.0,
    max: 2.0,
    min_inclusive: false,
    unit: "a fraction per year: -0.2 means 20% cheaper after a year",
};

/// Demand growth per year: more than −100% and at most +1,000% (50 meant
/// as 50% reads as ×51 a year: refused).
pub(crate) const GROWTH: Range = Range {
    min: -1.0,
    max: 10.0,
    min_inclusive: false,
    unit: "a fraction per year: 0.5 means +50% a year",
};

/// Overflow policy: where demand beyond capacity goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Overflow {
    /// Sent to the API and paid at API prices.
    Spill,
    /// Held for later hours, up to a delay bound; what expires is dropped or spilled.
    Queue {
        /// Hours a token may wait.
        max_delay_hours: u32,
        /// Whether expired tokens go to the API (true) or are dropped.
        expire_to_api: bool,
    },
    /// Lost (counted as dropped tokens and SLA-violation hours).
    Drop,
}

/// How a pool is priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PoolKind {
    /// Paid every hour of the horizon at a price fixed at signing.
    Reserved,
    /// Paid per running hour; autoscales between min and max with a lag.
    OnDemand,
    /// Cheap, interrupted at a rate, paid per running hour.
    Spot,
    /// Servers you buy: capital cost amortised straight-line, power and
    /// colocation; failures repaired from spares.
    Owned,
}

/// An instance (node) shape and the purchasable unit built of it:
/// `instances` instances holding `replicas` replicas. A replica that fits
/// makes the unit one instance of `gpus / gpus_per_replica` replicas
/// (rounded down); a larger one makes it the `ceil(gpus_per_replica /
/// gpus)` instances of one replica.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstanceShape {
    /// Catalog name (`aws/p5.48xlarge`), or `N-GPU node` for an explicit
    /// size (also the name of an owned pool's random streams; reports name
    /// the unit by [`InstanceShape::unit_name`]).
    pub name: String,
    /// Whether the instance is a GPU catalog row (else an explicit size).
    pub catalog: bool,
    /// GPUs in one instance.
    pub gpus: u32,
    /// Replicas one unit holds: `gpus / gpus_per_replica` rounded down, or
    /// 1 when a replica spans several instances.
    pub replicas: u32,
    /// Instances in one unit: 1, or the instances one replica spans.
    pub instances: u32,
}

/// The costs of an owned node (all per node).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnedCost {
    /// Purchase price, USD per node.
    pub purchase_usd: Dist,
    /// Straight-line amortisation period, years.
    pub amortisation_years: f64,
    /// Value left at the end of the period, a fraction of the purchase price.
    pub residual_fraction: f64,
    /// Power drawn at full load, kW per node.
    pub power_kw_load: Dist,
    /// Power drawn idle, kW per node.
    pub power_kw_idle: Dist,
    /// Power usage effectiveness of the facility (≥ 1).
    pub pue: Dist,
    /// Electricity, USD per kWh.
    pub usd_per_kwh: Dist,
    /// Colocation (space, cooling contract, remote hands), USD per node-month.
    pub colo_usd_per_month: Dist,
}

/// A validated pool of replicas.
#[derive(Debug, Clone, Serialize)]
pub struct Pool {
    /// Name for reports.
    pub name: String,
    /// Pricing kind.
    pub kind: PoolKind,
    /// Serving replicas (for on-demand: the minimum).
    pub replicas: u32,
    /// Spare replicas paid alongside, serving only while a primary is down.
    pub spares: u32,
    /// On-demand ceiling (= `replicas` for other kinds).
    pub max_replicas: u32,
    /// Hours from requesting an on-demand replica to it serving.
    pub startup_lag_hours: u32,
    /// Index into [`Scenario::gpu_prices`].
    pub price: usize,
    /// The model profile its replicas run: 0 = the scenario's `[model]`,
    /// k = [`Scenario::pool_models`]`[k - 1]`.
    pub model: usize,
    /// Price change per year (on-demand and spot), compounded hourly.
    pub price_drift_per_year: Dist,
    /// The instance shape, when the pool is bought in instances.
    pub instance: Option<InstanceShape>,
    /// Replicas per engine slot: an on-demand instance pool scales (and
    /// fails) a whole instance at a time; every other pool works per replica.
    pub unit_replicas: u32,
    /// GPUs of one slot whose failure takes the slot down.
    pub unit_gpus: u32,
    /// GPUs paid per slot: a replica's share of its instance (idle GPUs of
    /// an instance included), or the replica's GPUs.
    pub unit_paid_gpus: f64,
    /// Reserved: the commitment's term, hours (`None`: paid per hour of the
    /// horizon, no commitment beyond it). Owned: the amortisation period.
    pub term_hours: Option<u32>,
    /// Reserved: the [`Scenario::gpu_prices`] entry a renewed term is
    /// priced at (`None`: the price fixed at signing).
    pub renewal_price: Option<usize>,
    /// Owned: the node's costs.
    pub owned: Option<OwnedCost>,
    /// Hours to repair a failed slot, when not `[outages] repair_hours`.
    pub repair_hours: Option<Dist>,
    /// Name of the pool's own random streams (drift, interruptions, owned
    /// costs): pools of different strategies that buy the same thing share them.
    pub stream: String,
    /// Hour the pool is bought (owned) or committed (reserved, spot) at: it
    /// serves and is paid from this hour, and its term or amortisation runs
    /// from it (0: the horizon's start). Staged fleets add pools later.
    pub start_hour: u32,
    /// Spot interruptions per replica per month.
    pub interruptions_per_month: Dist,
    /// Hours a spot replica is gone after an interruption.
    pub interruption_hours: Dist,
}

/// The API that "P(cheaper than …)" and break-even compare self-hosting
/// with, for headers: "API" with one API alternative; the API every
/// strategy with GPUs spills to, by name, when there are several; "its API"
/// when those strategies spill to different ones.
pub fn compared_api(apis: &[&str], fleets_api: impl IntoIterator<Item = usize>) -> String {
    if apis.len() < 2 {
        return "API".into();
    }
    let mut used: Vec<usize> = fleets_api.into_iter().collect();
    used.sort_unstable();
    used.dedup();
    match used.as_slice() {
        [one] => apis.get(*one).map_or("API".into(), |a| (*a).to_owned()),
        _ => "its API".into(),
    }
}

impl Scenario {
    /// [`compared_api`] of this scenario.
    pub fn compared_api(&self) -> String {
        let names: Vec<&str> = self.apis.iter().map(|a| a.name.as_str()).collect();
        compared_api(
            &names,
            self.strategies
                .iter()
                .filter(|st| !st.pools.is_empty())
                .map(|st| st.api),
        )
    }
}

impl Pool {
    /// Slots that may hold a replica (failures are tracked per slot).
    pub fn slots(&self) -> u32 {
        match self.kind {
            PoolKind::OnDemand => self.max_replicas,
            _ => self.replicas + self.spares,
        }
    }
}

/// A validated strategy: pools and an overflow policy.
#[derive(Debug, Clone, Serialize)]
pub struct Strategy {
    /// Unique name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Pools, in the order they serve (reserved first is usual).
    pub pools: Vec<Pool>,
    /// Where demand beyond capacity goes.
    pub overflow: Overflow,
    /// Index into [`Scenario::apis`]: where spilled tokens go, and whose
    /// bill is the API-only cost.
    pub api: usize,
}

/// How monthly demand volume is given.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Volume {
    /// Output tokens per month.
    MonthlyTokens(Dist),
    /// A fraction of the capacity of `basis_replicas` replicas.
    Utilization {
        /// The fraction.
        utilization: Dist,
        /// Replicas whose capacity the fraction refers to.
        basis_replicas: u32,
    },
}

/// Random demand bursts.
#[derive(Debug, Clone, Serialize)]
pub struct Bursts {
    /// Bursts per month (trial-level).
    pub per_month: Dist,
    /// Demand multiplier during a burst (per event).
    pub size: Dist,
    /// Hours a burst lasts (per event).
    pub duration_hours: Dist,
}

/// Demand model.
#[derive(Debug, Clone, Serialize)]
pub struct Demand {
    /// Volume at the start of the horizon.
    pub volume: Volume,
    /// Input tokens per output token (prices the API side). With
    /// [`Demand::prompt_tokens`] given, each trial's ratio is its drawn
    /// prompt / output tokens instead, and this is the ratio of point values.
    pub input_per_output: Dist,
    /// Mean prompt tokens per request, when given (else
    /// `input_per_output × output tokens`).
    pub prompt_tokens: Option<Dist>,
    /// Mean output tokens per request (default [`DEFAULT_OUTPUT_TOKENS`]).
    pub output_tokens: Dist,
    /// Fraction of prompt tokens the APIs read from their prompt caches
    /// (`cached_input_fraction`, else `cached_prompt_fraction`).
    pub cached_input_fraction: Dist,
    /// Fraction of prompt tokens self-hosted replicas find in their prefix
    /// cache (they skip prefill).
    pub cached_prompt_fraction: Dist,
    /// Whether the APIs' share is `cached_prompt_fraction` itself (one
    /// draw per trial for both sides).
    pub api_cache_is_prompt_cache: bool,
    /// Compound growth per year.
    pub annual_growth: Dist,
    /// Mean-1 shape by hour of day.
    pub diurnal: [f64; 24],
    /// Mean-1 shape by day of week, Monday first.
    pub weekly: [f64; 7],
    /// Standard deviation of hourly log-noise.
    pub noise_sigma: Dist,
    /// Lag-1-hour autocorrelation of the log-noise.
    pub noise_autocorrelation: Dist,
    /// Standard deviation of a day-level log-noise (each day's level, shared
    /// by its 24 hours), on top of the hourly noise.
    pub daily_noise_sigma: Dist,
    /// Day-to-day autocorrelation of the day-level noise.
    pub daily_noise_autocorrelation: Dist,
    /// Bursts, if any.
    pub bursts: Option<Bursts>,
    /// Traffic profile the shapes, noise and bursts default to (its name).
    pub traffic: Option<String>,
    /// Replay: complete days of the profile's trace (mean 1), drawn at random
    /// for each day of the horizon instead of the shapes and noise. Empty
    /// unless `replay = true`.
    #[serde(skip)]
    pub replay_days: Vec<[f64; 24]>,
}

/// API prices.
#[derive(Debug, Clone, Serialize)]
pub struct Api {
    /// Model name, for reports.
    pub name: String,
    /// USD per million output tokens.
    pub output_usd_per_mtok: Dist,
    /// USD per million input tokens.
    pub input_usd_per_mtok: Dist,
    /// USD per million cached input tokens (`None`: no discount, the input price).
    pub cached_input_usd_per_mtok: Option<Dist>,
    /// This API's share of prompt tokens read from its cache (`None`: the
    /// demand's).
    pub cached_input_fraction: Option<Dist>,
    /// Change of both prices per year (−0.2 = 20% cheaper after a year),
    /// compounded and applied month by month (each month at its midpoint).
    pub price_drift_per_year: Dist,
}

/// Failure model.
#[derive(Debug, Clone, Serialize)]
pub struct Outages {
    /// Failures per GPU-year (trial-level).
    pub gpu_failures_per_year: Dist,
    /// Hours to repair a failed replica (per event).
    pub repair_hours: Dist,
    /// Region-wide outages per year (trial-level).
    pub region_outages_per_year: Dist,
    /// Hours a region outage lasts (per event).
    pub region_outage_hours: Dist,
}

/// Rolling deployments.
#[derive(Debug, Clone, Serialize)]
pub struct Deployments {
    /// Rolling deployments per month.
    pub per_month: f64,
    /// Hours each replica is out during one.
    pub hours: u32,
}

/// Overhead costs.
#[derive(Debug, Clone, Serialize)]
pub struct Overhead {
    /// Fraction of GPU cost added as overhead.
    pub percent_of_gpu: Dist,
    /// Itemised lines (charged to strategies that run GPUs).
    pub items: Vec<OverheadItem>,
}

/// One itemised overhead line: `units × usd_per_unit_year` per year.
#[derive(Debug, Clone, Serialize)]
pub struct OverheadItem {
    /// Name, for reports.
    pub name: String,
    /// USD per unit per year (a salary per FTE, or the line's whole cost).
    pub usd_per_unit_year: Dist,
    /// Units (FTEs), 1 for a plain USD line.
    pub units: Dist,
}

/// A validated scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    /// Name, for reports and run folders.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Trials to run (overridable on the command line).
    pub trials: u64,
    /// Seed of the random streams.
    pub seed: u64,
    /// Hours simulated per trial.
    pub horizon_hours: u32,
    /// Date of hour 0 (sets day of week and calendar months).
    pub start: NaiveDate,
    /// Hours per month used to express costs per month in reports.
    pub month_hours: f64,
    /// Throughput model of every pool that names no other.
    pub model: Model,
    /// Other model profiles pools name (`pool.profile`), in first-use order.
    pub pool_models: Vec<Model>,
    /// Latency targets (`[slo]`), applied to every serving-model profile.
    pub slo: LatencyTarget,
    /// Demand model.
    pub demand: Demand,
    /// API alternatives, `[api]` or `[[api]]` in order (at least one).
    pub apis: Vec<Api>,
    /// Named GPU prices, USD per GPU-hour (catalog instances a pool names
    /// are added as `cloud/type region kind`).
    pub gpu_prices: Vec<(String, Dist)>,
    /// A market level multiplying every GPU price and owned purchase price in
    /// a trial (`[gpu_market] level`; `None`: 1).
    pub gpu_market: Option<Dist>,
    /// Failure model.
    pub outages: Outages,
    /// Deployments.
    pub deployments: Deployments,
    /// Overhead.
    pub overhead: Overhead,
    /// Strategies compared on the same trials.
    pub strategies: Vec<Strategy>,
    /// What the scenario leaves out (failures, overhead, staff,
    /// deployments), for one line in the run table and the report.
    pub not_modelled: Vec<String>,
    /// The scenario file as given.
    #[serde(skip)]
    pub source_text: String,
    /// Things that are allowed but look wrong (printed by validate and run,
    /// and carried into run.json for the report's notes).
    pub warnings: Vec<String>,
}

/// Load and validate a scenario file.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    parse(
        &read_text(path)?,
        &path.display().to_string(),
        path.parent(),
    )
}

/// A scenario file's text, which must be UTF-8.
fn read_text(path: &Path) -> Result<String, ScenarioError> {
    let bytes =
        crate::input::read_bounded(path, crate::input::MAX_TOML_BYTES).map_err(|source| {
            ScenarioError::Read {
                path: path.to_owned(),
                source,
            }
        })?;
    utf8(bytes, &path.display().to_string())
}

/// Bytes as UTF-8 text, or an error naming the line of the first bad byte.
pub fn utf8(bytes: Vec<u8>, origin: &str) -> Result<String, ScenarioError> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count();
        ScenarioError::Parse {
            origin: origin.to_owned(),
            message: format!("line {line}: not valid UTF-8 (byte {at}); save the file as UTF-8"),
        }
    })
}

/// Load a scenario (the built-in seed if `path` is `None`) with its `[api]`
/// table replaced by `{ model = api_model }`, a key of the built-in catalog
/// (or of `catalog`, if given). Line numbers in errors refer to the rewritten
/// text, which the error's origin says.
pub fn load_with_api(
    path: Option<&Path>,
    api_model: &str,
    catalog: Option<&Path>,
) -> Result<Scenario, ScenarioError> {
    let (text, origin, dir) = match path {
        // Not validated as it stands: its own [api] is about to be replaced.
        Some(p) => (read_text(p)?, p.display().to_string(), p.parent()),
        None => (SEED_SCENARIO.to_owned(), "<built-in seed>".to_owned(), None),
    };
    let origin = format!("{origin} with --api-model {api_model}");
    let mut table: toml::Table = toml::from_str(&text).map_err(|e| ScenarioError::Parse {
        origin: origin.clone(),
        message: crate::input::cut_long_lines(e.to_string().trim_end(), 200),
    })?;
    let mut api = toml::Table::new();
    api.insert("model".into(), api_model.into());
    // The drift is a view of the market, not of one model's price: keep it
    // (the first alternative's, when there are several).
    let first = match table.get("api") {
        Some(toml::Value::Array(a)) => a.first(),
        other => other,
    };
    if let Some(d) = first.and_then(|a| a.get("price_drift_per_year")).cloned() {
        api.insert("price_drift_per_year".into(), d);
    }
    // One API replaces them all: strategies spill to it.
    if let Some(toml::Value::Array(strategies)) = table.get_mut("strategy") {
        for st in strategies.iter_mut().filter_map(toml::Value::as_table_mut) {
            st.remove("api");
        }
    }
    if let Some(c) = catalog {
        let c = std::path::absolute(c).unwrap_or_else(|_| c.to_owned());
        api.insert("catalog".into(), c.display().to_string().into());
    }
    table.insert("api".into(), toml::Value::Table(api));
    let text = toml::to_string(&table).map_err(|e| ScenarioError::Parse {
        origin: origin.clone(),
        message: e.to_string(),
    })?;
    parse(&text, &origin, dir)
}

/// The built-in seed scenario.
pub fn builtin_seed() -> Scenario {
    // The built-in file is checked by the test suite; failing here is a build defect.
    parse(SEED_SCENARIO, "<built-in seed>", None).expect("built-in seed scenario is valid")
}

/// Parse and validate scenario text. `dir` resolves relative model paths.
pub fn parse(text: &str, origin: &str, dir: Option<&Path>) -> Result<Scenario, ScenarioError> {
    if text.trim().is_empty() {
        return Err(ScenarioError::Parse {
            origin: origin.to_owned(),
            message: "the file is empty: a scenario needs at least [model], [demand], [api] and one [[strategy]] (see scenarios/seed.toml)".into(),
        });
    }
    let odd = crate::input::odd_characters(text, 5);
    let notes = odd
        .iter()
        .map(|(l, c, what)| format!("\nnote: line {l}, column {c} holds {what}"))
        .collect::<String>();
    let raw: RawScenario = toml::from_str(text).map_err(|e| ScenarioError::Parse {
        origin: origin.to_owned(),
        // The parser echoes the line: a line of megabytes is cut to a readable length.
        message: crate::input::cut_long_lines(e.to_string().trim_end(), 200)
            .replace("expected i64", "expected a whole number")
            .replace("expected u64", "expected a whole number, zero or more")
            + &notes,
    })?;
    let mut v = Validator {
        text,
        issues: Vec::new(),
        warnings: Vec::new(),
    };
    let scenario = v.scenario(raw, dir);
    match scenario {
        Some(s) if v.issues.is_empty() => Ok(Scenario {
            source_text: text.to_owned(),
            warnings: v.warnings,
            ..s
        }),
        _ => {
            let mut issues = v.issues;
            issues.extend(odd.into_iter().map(|(l, c, what)| Issue {
                field: "(characters)".into(),
                line: Some(l),
                reason: format!("column {c} holds {what}"),
            }));
            Err(ScenarioError::Invalid {
                origin: origin.to_owned(),
                issues,
            })
        }
    }
}

/// `[outages] preset = "llama3-h100"`: (failures per GPU-year, repair hours).
///
/// Failures: Llama 3 (arXiv 2407.21783, Table 5; 16,384 H100s over 54 days =
/// 2,424 GPU-years): 268 GPU-cause interruptions (0.111 per GPU-year: faulty
/// GPU 148, HBM3 72, …) and 419 in all (0.173; dependency 0.023, network
/// 0.014, maintenance 0.013, host 0.009); high end 0.3 from Meta RSC's A100
/// clusters (arXiv 2410.21680: 2.3–6.5 node failures per 1,000 node-days).
/// Triangular: low 0.111, likely 0.173, high 0.3.
/// Repair: ASSUMPTION — no public repair-time figure exists; 4–72 hours,
/// likely 24 (a node swap). Set `repair_hours` to override.
fn llama3_h100_outages() -> (Dist, Dist) {
    (
        Dist::Triangular {
            low: 0.111,
            mode: 0.173,
            high: 0.3,
        },
        Dist::Triangular {
            low: 4.0,
            mode: 24.0,
            high: 72.0,
        },
    )
}

struct Validator<'a> {
    text: &'a str,
    issues: Vec<Issue>,
    warnings: Vec<String>,
}

impl Validator<'_> {
    fn line_of(&self, offset: usize) -> usize {
        self.text.as_bytes()[..offset.min(self.text.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn push(&mut self, field: impl Into<String>, line: Option<usize>, reason: impl Into<String>) {
        self.issues.push(Issue {
            field: field.into(),
            line,
            reason: reason.into(),
        });
    }

    /// An uncertain input; on error records the issue and returns a placeholder.
    fn dist(&mut self, field: &str, raw: &Spanned<toml::Value>, range: Range) -> Dist {
        match Dist::from_toml(raw.get_ref(), range) {
            Ok(d) => with_range(d, range),
            Err(reason) => {
                let line = self.line_of(raw.span().start);
                self.push(field, Some(line), reason.to_string());
                Dist::fixed(f64::NAN)
            }
        }
    }

    fn opt_dist(
        &mut self,
        field: &str,
        raw: &Option<Spanned<toml::Value>>,
        range: Range,
        default: f64,
    ) -> Dist {
        match raw {
            Some(r) => self.dist(field, r, range),
            None => Dist::fixed(default),
        }
    }

    fn count(&mut self, field: &str, v: Option<i64>, default: u32, min: i64, max: i64) -> u32 {
        let v = v.unwrap_or(i64::from(default));
        if v < min || v > max {
            self.push(
                field,
                None,
                format!("{v} is out of range: must be between {min} and {max}"),
            );
            return default;
        }
        v as u32
    }

    fn scenario(&mut self, raw: RawScenario, dir: Option<&Path>) -> Option<Scenario> {
        let trials = raw.run.trials.unwrap_or(1000);
        if trials < 1 {
            self.push("run.trials", None, format!("{trials}: must be at least 1"));
        } else if trials > MAX_TRIALS {
            self.push(
                "run.trials",
                None,
                format!("{trials}: must be at most {MAX_TRIALS}"),
            );
        }
        let horizon_hours = self.count(
            "run.horizon_hours",
            raw.run.horizon_hours,
            8760,
            1,
            10 * 8784,
        );
        let start = match &raw.run.start {
            None => NaiveDate::from_ymd_opt(2027, 1, 1).expect("valid date"),
            Some(v) => {
                let s = match v {
                    toml::Value::Datetime(d) => d.to_string(),
                    toml::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                NaiveDate::parse_from_str(&s, "%Y-%m-%d").unwrap_or_else(|_| {
                    self.push(
                        "run.start",
                        None,
                        format!("`{s}` is not a date of the form 2027-01-01"),
                    );
                    NaiveDate::from_ymd_opt(2027, 1, 1).expect("valid date")
                })
            }
        };
        let month_hours = raw.run.month_hours.unwrap_or(HOURS_PER_MONTH);
        if !(month_hours.is_finite() && (600.0..=800.0).contains(&month_hours)) {
            self.push(
                "run.month_hours",
                None,
                format!("{month_hours}: must be between 600 and 800 hours"),
            );
        }

        let model = self.model(&raw.model, dir);
        let demand = self.demand(&raw.demand, dir);
        let raw_apis = raw.api.all();
        let many = raw_apis.len() > 1;
        if raw_apis.is_empty() {
            self.push("api", None, "no API: give [api] or at least one [[api]]");
        }
        let apis: Vec<Api> = raw_apis
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let f = if many {
                    format!("api[{i}]")
                } else {
                    "api".into()
                };
                self.api(&f, a, dir)
            })
            .collect();
        for (i, a) in apis.iter().enumerate() {
            if apis[..i].iter().any(|b| b.name == a.name) {
                self.push(
                    format!("api[{i}].name"),
                    None,
                    format!(
                        "duplicate API name `{}`: give each [[api]] its own name",
                        a.name
                    ),
                );
            }
        }
        self.undiscounted_cache(&demand, &apis, raw_apis);
        let mut gpu_prices = Vec::new();
        for (name, value) in &raw.gpu_prices {
            let field = format!("gpu_prices.{name}");
            // An invalid price is kept (as NaN) so that pools naming it do not
            // get a second, misleading "no such price" error.
            let d = self.dist(&field, value, GPU_PRICE);
            let hi = d.bounds().1;
            if hi > 20.0 && hi.is_finite() {
                self.warnings.push(format!(
                    "{field}: up to {} USD per GPU-hour looks like a price per instance-hour; [gpu_prices] are per GPU-hour (p5.48xlarge: 55.04 / 8 GPUs = 6.88), or name the instance with pool.instance",
                    crate::dist::num(hi)
                ));
            }
            gpu_prices.push((name.clone(), d));
        }
        let gpu_market = raw.gpu_market.as_ref().map(|m| {
            let d = self.dist(
                "gpu_market.level",
                &m.level,
                Range::between(0.05, 20.0)
                    .with_unit("a multiplier of every GPU price: 1.0 = the prices as written"),
            );
            let pt = d.point();
            if pt.is_finite() && (pt - 1.0).abs() > 0.25 {
                self.warnings.push(format!(
                    "gpu_market.level: its point value is {}; the level multiplies every GPU price, so a point far from 1 moves them all",
                    crate::dist::num(pt)
                ));
            }
            d
        });
        let gpu_catalog = self.gpu_catalog(raw.gpu_catalog.as_deref(), dir);

        let o = &raw.outages;
        let preset = match o.preset.as_deref() {
            None => None,
            Some("llama3-h100") => Some(llama3_h100_outages()),
            Some(other) => {
                self.push(
                    "outages.preset",
                    None,
                    format!("no outage preset named `{other}` (known: llama3-h100)"),
                );
                None
            }
        };
        let outages = Outages {
            gpu_failures_per_year: match (&o.gpu_failures_per_year, &preset) {
                (None, Some((rate, _))) => rate.clone(),
                _ => self.opt_dist(
                    "outages.gpu_failures_per_year",
                    &o.gpu_failures_per_year,
                    Range::NON_NEGATIVE,
                    0.0,
                ),
            },
            repair_hours: match (&o.repair_hours, &preset) {
                (None, Some((_, repair))) => repair.clone(),
                _ => self.opt_dist(
                    "outages.repair_hours",
                    &o.repair_hours,
                    Range::above(0.0, 8784.0),
                    24.0,
                ),
            },
            region_outages_per_year: self.opt_dist(
                "outages.region_outages_per_year",
                &o.region_outages_per_year,
                Range::NON_NEGATIVE,
                0.0,
            ),
            region_outage_hours: self.opt_dist(
                "outages.region_outage_hours",
                &o.region_outage_hours,
                Range::between(0.0, 8784.0),
                4.0,
            ),
        };
        self.rate_cap(
            "outages.gpu_failures_per_year",
            &outages.gpu_failures_per_year,
            1000.0,
        );
        self.rate_cap(
            "outages.region_outages_per_year",
            &outages.region_outages_per_year,
            1000.0,
        );

        let per_month = raw.deployments.per_month.unwrap_or(0.0);
        if !(per_month.is_finite() && (0.0..=30.0).contains(&per_month)) {
            self.push(
                "deployments.per_month",
                None,
                format!("{per_month}: must be between 0 and 30"),
            );
        }
        let deployments = Deployments {
            per_month,
            hours: self.count("deployments.hours", raw.deployments.hours, 1, 0, 168),
        };

        let mut items = Vec::new();
        for (i, item) in raw.overhead.item.iter().enumerate() {
            let f = format!("overhead.item[{i}]");
            let (usd_per_unit_year, units) =
                match (&item.usd_per_year, &item.fte, &item.usd_per_fte_year) {
                    (Some(u), None, None) => (
                        self.dist(&format!("{f}.usd_per_year"), u, Range::between(0.0, 1e12)),
                        Dist::fixed(1.0),
                    ),
                    (None, Some(fte), Some(salary)) => (
                        self.dist(
                            &format!("{f}.usd_per_fte_year"),
                            salary,
                            Range::between(0.0, 1e8),
                        ),
                        self.dist(&format!("{f}.fte"), fte, Range::between(0.0, 1e5)),
                    ),
                    _ => {
                        self.push(
                            &f,
                            None,
                            "give either usd_per_year, or fte and usd_per_fte_year",
                        );
                        (Dist::fixed(0.0), Dist::fixed(0.0))
                    }
                };
            items.push(OverheadItem {
                name: item.name.clone(),
                usd_per_unit_year,
                units,
            });
        }
        let overhead = Overhead {
            percent_of_gpu: self.opt_dist(
                "overhead.percent_of_gpu",
                &raw.overhead.percent_of_gpu,
                // A fraction (0.30 = 30%); 30 would be 3,000%: a units mistake.
                Range::between(0.0, 5.0).with_unit("a fraction: 0.30 means 30%"),
                0.0,
            ),
            items,
        };

        let mut strategies = Vec::new();
        let mut pool_models = Vec::new();
        if raw.strategy.is_empty() {
            self.push(
                "strategy",
                None,
                "no strategy: add at least one [[strategy]]",
            );
        }
        for (i, s) in raw.strategy.iter().enumerate() {
            if s.name.trim().is_empty() {
                self.push(
                    format!("strategy[{i}].name"),
                    None,
                    "empty: give the strategy a name",
                );
            } else if raw.strategy[..i].iter().any(|o| o.name == s.name) {
                self.push(
                    format!("strategy[{i}].name"),
                    None,
                    format!("duplicate strategy name `{}`", s.name),
                );
            }
            strategies.push(self.strategy(
                i,
                s,
                &mut gpu_prices,
                &mut PoolModels {
                    default: raw.model.profile.as_deref().unwrap_or(""),
                    default_gpus: model.as_ref().map(|m| m.gpus_per_replica),
                    default_gpu: model.as_ref().map(|m| m.gpu.as_str()),
                    dir,
                    models: &mut pool_models,
                },
                &Buyables {
                    apis: &apis,
                    catalog: gpu_catalog.as_deref(),
                },
            ));
        }
        // Every API alternative has its API-only row: a strategy without
        // pools for each API no strategy of the scenario covers.
        if apis.len() > 1 {
            for (k, a) in apis.iter().enumerate() {
                let covered = strategies
                    .iter()
                    .any(|st: &Strategy| st.pools.is_empty() && st.api == k);
                if !covered {
                    let name = format!("api-only ({})", a.name);
                    if strategies.iter().any(|st| st.name == name) {
                        continue;
                    }
                    strategies.push(Strategy {
                        name,
                        description: format!(
                            "Everything to {} (added: one API-only row per [[api]])",
                            a.name
                        ),
                        pools: Vec::new(),
                        overflow: Overflow::Spill,
                        api: k,
                    });
                }
            }
        }

        for (i, st) in strategies.iter().enumerate() {
            for (j, pool) in st.pools.iter().enumerate() {
                if pool.start_hour >= horizon_hours {
                    self.push(
                        format!("strategy[{i}].pool[{j}].start_after_months"),
                        None,
                        format!(
                            "{} months ({} hours) is not before the horizon's end ({horizon_hours} hours): the pool would never serve",
                            pool.start_hour / HOURS_PER_MONTH as u32,
                            pool.start_hour
                        ),
                    );
                }
            }
        }
        let slo = self.slo(raw.slo.as_ref());
        let model = model?;
        let pool_models: Vec<Model> = pool_models.into_iter().map(|(_, m)| m).collect();
        for (k, m) in std::iter::once(&model).chain(&pool_models).enumerate() {
            self.check_capacity(k, m, &demand, slo);
        }
        Some(
            Scenario {
                name: raw.name.clone().unwrap_or_else(|| "scenario".into()),
                description: raw.description.clone().unwrap_or_default(),
                trials: trials.clamp(1, MAX_TRIALS) as u64,
                seed: raw.run.seed.unwrap_or(2027),
                horizon_hours,
                start,
                month_hours,
                model,
                pool_models,
                slo,
                demand,
                apis,
                gpu_prices,
                gpu_market,
                outages,
                deployments,
                overhead,
                not_modelled: Vec::new(),
                strategies,
                source_text: String::new(),
                warnings: Vec::new(),
            }
            .with_omissions(),
        )
    }

    fn rate_cap(&mut self, field: &str, d: &Dist, cap: f64) {
        let hi = match *d {
            Dist::Normal { mean, .. } => mean,
            _ => d.bounds().1,
        };
        if hi > cap {
            self.push(
                field,
                None,
                format!("{hi} is implausibly large (at most {cap})"),
            );
        }
    }
}

impl Scenario {
    /// [`Scenario::not_modelled`] filled in: each cost or risk the file
    /// leaves at zero by leaving it out.
    fn with_omissions(mut self) -> Scenario {
        let zero = |d: &Dist| d.is_fixed() && d.point() == 0.0;
        let mut out = Vec::new();
        // Every line is a cost of running GPUs: none for a scenario that
        // runs none, and deployments only where they take replicas out
        // (reserved, spot and owned pools).
        let pools = || self.strategies.iter().flat_map(|st| &st.pools);
        if pools().next().is_none() {
            self.not_modelled = out;
            return self;
        }
        if zero(&self.outages.gpu_failures_per_year) && zero(&self.outages.region_outages_per_year)
        {
            out.push("failures and outages ([outages])".to_owned());
        }
        if zero(&self.overhead.percent_of_gpu) && self.overhead.items.is_empty() {
            out.push(
                "overhead such as networking and storage ([overhead] percent_of_gpu)".to_owned(),
            );
        }
        // Any itemised overhead may be staff (an on-call rota given as
        // usd_per_year is as good as fte × usd_per_fte_year).
        if self.overhead.items.is_empty() {
            out.push("staff ([[overhead.item]])".to_owned());
        }
        if self.deployments.per_month == 0.0 && pools().any(|p| p.kind != PoolKind::OnDemand) {
            out.push("deployments ([deployments])".to_owned());
        }
        self.not_modelled = out;
        self
    }

    /// "Not modelled: …" when the scenario leaves something out.
    pub fn omissions_line(&self) -> Option<String> {
        (!self.not_modelled.is_empty()).then(|| {
            format!(
                "Not modelled: {} — each costs nothing in these results.",
                self.not_modelled.join(", ")
            )
        })
    }

    /// Model profile `k` of [`Pool::model`]: 0 is `[model]`.
    pub fn model_of(&self, k: usize) -> &Model {
        if k == 0 {
            &self.model
        } else {
            &self.pool_models[k - 1]
        }
    }

    /// Every model profile, `[model]` first.
    pub fn models(&self) -> impl Iterator<Item = &Model> {
        std::iter::once(&self.model).chain(&self.pool_models)
    }

    /// Deterministic mode: every distribution collapsed to its point value,
    /// hourly noise and random events switched off.
    pub fn deterministic(&self) -> Scenario {
        let mut s = self.clone();
        let pt = |d: &mut Dist| *d = Dist::fixed(d.point());
        for m in std::iter::once(&mut s.model).chain(s.pool_models.iter_mut()) {
            match &mut m.throughput {
                Throughput::Measured { tok_s_per_gpu } => pt(tok_s_per_gpu),
                Throughput::Serving { error, .. } => pt(error),
            }
            pt(&mut m.utilization_ceiling);
        }
        if let Some(p) = &mut s.demand.prompt_tokens {
            pt(p);
        }
        pt(&mut s.demand.output_tokens);
        match &mut s.demand.volume {
            Volume::MonthlyTokens(d) => pt(d),
            Volume::Utilization { utilization, .. } => pt(utilization),
        }
        pt(&mut s.demand.input_per_output);
        pt(&mut s.demand.annual_growth);
        s.demand.noise_sigma = Dist::fixed(0.0);
        s.demand.daily_noise_sigma = Dist::fixed(0.0);
        s.demand.bursts = None;
        // Replay collapses to the trace's mean day.
        let days = s.demand.replay_days.len();
        if days > 0 {
            let mut mean = [0.0; 24];
            for d in &s.demand.replay_days {
                mean.iter_mut()
                    .zip(d)
                    .for_each(|(m, x)| *m += x / days as f64);
            }
            s.demand.replay_days = vec![mean];
        }
        pt(&mut s.demand.cached_input_fraction);
        pt(&mut s.demand.cached_prompt_fraction);
        for a in &mut s.apis {
            if let Some(c) = &mut a.cached_input_fraction {
                pt(c);
            }
            pt(&mut a.output_usd_per_mtok);
            pt(&mut a.input_usd_per_mtok);
            if let Some(c) = &mut a.cached_input_usd_per_mtok {
                pt(c);
            }
            pt(&mut a.price_drift_per_year);
        }
        s.gpu_prices.iter_mut().for_each(|(_, d)| pt(d));
        if let Some(m) = &mut s.gpu_market {
            pt(m);
        }
        s.outages.gpu_failures_per_year = Dist::fixed(0.0);
        s.outages.region_outages_per_year = Dist::fixed(0.0);
        pt(&mut s.overhead.percent_of_gpu);
        s.overhead.items.iter_mut().for_each(|it| {
            pt(&mut it.usd_per_unit_year);
            pt(&mut it.units);
        });
        for p in s.strategies.iter_mut().flat_map(|st| st.pools.iter_mut()) {
            pt(&mut p.price_drift_per_year);
            p.interruptions_per_month = Dist::fixed(0.0);
            if let Some(o) = &mut p.owned {
                for d in [
                    &mut o.purchase_usd,
                    &mut o.power_kw_load,
                    &mut o.power_kw_idle,
                    &mut o.pue,
                    &mut o.usd_per_kwh,
                    &mut o.colo_usd_per_month,
                ] {
                    pt(d);
                }
            }
        }
        s
    }
}
