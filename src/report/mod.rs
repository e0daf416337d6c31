//! Reports: Parquet files, `run.json` and the terminal summary. All file I/O
//! of a run lives here.
//!
//! A run is written into a hidden temporary folder beside its final place and
//! renamed into place only when every file is complete, so an interrupted run
//! never leaves a half-written report where a complete one was expected, and
//! never touches an earlier run.

pub mod capacity;
pub mod columns;
pub mod folder;
#[cfg(feature = "files")]
pub mod html;
#[cfg(feature = "files")]
pub mod merge;
#[cfg(feature = "files")]
pub mod parquet;
#[cfg(feature = "files")]
pub mod stream;
pub mod terminal;

use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::engine::TrialOutcome;
use crate::scenario::{HOURS_PER_MONTH, Scenario};
use crate::stats::{self, Summary};
use columns::{TrialRecord, trial_columns, trial_records};

/// The report page's file name inside a run folder.
pub const REPORT_FILE: &str = "report.html";

/// Facts about a run, written as `run.json` and as Parquet metadata.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    /// What marks the folder as a capsim run: [`folder::RUN_FORMAT`].
    pub capsim_run_format: String,
    /// capsim version.
    pub capsim_version: String,
    /// Scenario name.
    pub scenario_name: String,
    /// Seed of the random streams.
    pub seed: u64,
    /// Trials run.
    pub trials: u64,
    /// Worker threads used.
    pub threads: usize,
    /// Hours per trial.
    pub horizon_hours: u32,
    /// Whether distributions were collapsed to point values.
    pub deterministic: bool,
    /// Start time (UTC, RFC 3339).
    pub started_at: String,
    /// Seconds spent simulating.
    pub elapsed_seconds: f64,
    /// Trials of this run folder: `[start, end)` (all trials unless sharded).
    pub trial_range: [u64; 2],
    /// `[index, count]` when this folder holds one shard of a larger run.
    pub shard: Option<[u64; 2]>,
    /// The command (`run`, `compare`, `breakeven`, `size`, `plan`).
    pub command: String,
    /// The command line as given.
    pub argv: Vec<String>,
    /// The recommendation of `size` and `plan`, in words.
    pub recommendation: Option<String>,
    /// Whether some candidate of `size` or `plan` met the constraints (the
    /// recommendation then names one; else it says nothing meets them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feasible: Option<bool>,
    /// The constraints of `size` and `plan`.
    pub constraints: Option<serde_json::Value>,
    /// Every pool of every strategy run, named (`report.html`'s pools table).
    pub pools: Vec<PoolRow>,
    /// "Every pool serves …" when the scenario's profiles serve one model
    /// ([`Scenario::models_line`]).
    pub pools_model: Option<String>,
    /// The validated scenario.
    pub scenario: Scenario,
    /// The scenario file as given.
    pub scenario_toml: String,
}

/// One pool of a strategy as reports name it: what it buys and serves.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoolRow {
    /// The strategy it belongs to.
    pub strategy: String,
    /// The pool's name in the scenario (`reserved0` when it gives none).
    pub pool: String,
    /// Its label ([`Scenario::pool_label`]), e.g. `owned 8×H100 server`.
    pub label: String,
    /// Its counts ([`crate::scenario::Pool::count_label`]): `×2`, `≤4`, `1–3`.
    pub count: String,
    /// How it is bought ([`Scenario::pool_terms`]): `reserved`,
    /// `on-demand`, `spot` or `owned`, with a price of its own and a
    /// reserved term (`reserved (aws_reserved_1y, 1y term)`).
    pub kind: String,
    /// One purchasable unit ([`Scenario::unit_label`]).
    pub unit: String,
    /// Replicas one unit holds.
    pub replicas_per_unit: u32,
    /// GPUs of one replica.
    pub gpus_per_replica: u32,
    /// The GPU's short name (`H100`).
    pub gpu: String,
    /// The model served ([`crate::scenario::Model::model_name`]).
    pub model: String,
    /// The weights' format (`FP8`), when the profile says it.
    pub precision: Option<String>,
    /// The model profile.
    pub profile: String,
}

/// The pools of `s`'s strategies, strategy by strategy.
pub fn pool_rows(s: &Scenario) -> Vec<PoolRow> {
    let mut rows = Vec::new();
    for st in &s.strategies {
        for p in &st.pools {
            let m = s.model_of(p.model);
            rows.push(PoolRow {
                strategy: st.name.clone(),
                pool: p.name.clone(),
                label: s.pool_label(p),
                count: p.count_label(),
                kind: s.pool_terms(p),
                unit: s.unit_label(p),
                replicas_per_unit: p.instance.as_ref().map_or(1, |i| i.replicas),
                gpus_per_replica: m.gpus_per_replica,
                gpu: m.gpu_name(),
                model: m.model_name(),
                precision: m.precision().map(str::to_owned),
                profile: m.name.clone(),
            });
        }
    }
    rows
}

/// One row of `summary.parquet`.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    /// Strategy name.
    pub strategy: String,
    /// Metric name.
    pub metric: String,
    /// Summary across trials.
    pub summary: Summary,
    /// Whether the metric is a probability (percentile columns are null).
    pub probability: bool,
}

/// Summaries per strategy × metric, in strategy then column order.
pub fn summarise(s: &Scenario, outcomes: &[TrialOutcome]) -> Vec<SummaryRow> {
    let months = f64::from(s.horizon_hours) / HOURS_PER_MONTH;
    let cols = trial_columns();
    let mut rows = Vec::new();
    for (si, st) in s.strategies.iter().enumerate() {
        let recs: Vec<TrialRecord> = trial_records(outcomes, months)
            .filter(|(_, i, _)| *i == si)
            .map(|(_, _, r)| r)
            .collect();
        let metrics = cols
            .iter()
            .map(|c| {
                let v = recs
                    .iter()
                    .map(|r| (c.get)(r).unwrap_or(f64::NAN))
                    .collect();
                (c.name, v)
            })
            .collect();
        let wins = recs.iter().filter(|r| self_host_cheaper(r)).count();
        rows.extend(strategy_summary(&st.name, metrics, wins, recs.len()));
    }
    rows
}

/// Summary rows of one strategy from its per-trial metric values (NaN = no
/// value) and the count of trials where self-hosting was cheaper.
pub fn strategy_summary(
    strategy: &str,
    metrics: Vec<(&str, Vec<f64>)>,
    wins: usize,
    n: usize,
) -> Vec<SummaryRow> {
    let mut rows: Vec<SummaryRow> = metrics
        .iter()
        .filter_map(|(metric, v)| metric_row(strategy, metric, v))
        .collect();
    rows.extend(probability_row(strategy, wins, n));
    rows
}

/// The summary row of one metric of one strategy (None if no trial has a
/// value). Shared by in-memory summaries and those read back from
/// `trials.parquet` (runs, shards, `capsim merge`), so all agree exactly.
pub fn metric_row(strategy: &str, metric: &str, values: &[f64]) -> Option<SummaryRow> {
    stats::summarise(values).map(|summary| SummaryRow {
        strategy: strategy.to_owned(),
        metric: metric.into(),
        summary,
        probability: false,
    })
}

/// The `prob_self_host_cheaper` row: `wins` of `n` trials, with its Wilson
/// interval.
pub fn probability_row(strategy: &str, wins: usize, n: usize) -> Option<SummaryRow> {
    if n == 0 {
        return None;
    }
    let p = wins as f64 / n as f64;
    let (lo, hi) = stats::wilson95(wins, n);
    let se = (p * (1.0 - p) / n as f64).sqrt();
    Some(SummaryRow {
        strategy: strategy.to_owned(),
        metric: "prob_self_host_cheaper".into(),
        summary: Summary {
            n,
            mean: p,
            sd: (p * (1.0 - p)).sqrt(),
            std_error: se,
            ci95_low: lo,
            ci95_high: hi,
            p5: f64::NAN,
            p50: f64::NAN,
            p95: f64::NAN,
            cvar95: f64::NAN,
            min: f64::NAN,
            max: f64::NAN,
        },
        probability: true,
    })
}

/// Whether self-hosting beat the API in this trial.
pub fn self_host_cheaper(r: &TrialRecord) -> bool {
    r.t.has_gpus && stats::cheaper(r.t.total.total_cost(), r.t.api_only_cost)
}

/// Choose the run folder under `out` (created if missing): `name` if given,
/// else `<scenario>-seed<seed>[-shard<i>of<n>]-<time>-<unique>`. A named
/// folder that already exists is refused unless it is a capsim run
/// ([`folder::not_a_run`]) and `force` is given; then it is replaced only
/// once the new run is complete. The final move never replaces anything
/// that appeared meanwhile ([`folder::place`]). Fails with a clear message
/// if `out` cannot be written.
pub fn prepare_out(
    out: &Path,
    scenario_name: &str,
    seed: u64,
    shard: Option<[u64; 2]>,
    name: Option<&str>,
    force: bool,
) -> Result<folder::Target> {
    let Some(name) = name else {
        let shard = shard.map_or(String::new(), |[i, n]| format!("-shard{i}of{n}"));
        return prepare_dir(out, scenario_name, &format!("seed{seed}{shard}"));
    };
    anyhow::ensure!(
        !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\']) && name != "..",
        "--name {name:?}: give a plain folder name (no slashes, not starting with a dot)"
    );
    writable_out(out)?;
    let dir = out.join(name);
    if std::fs::symlink_metadata(&dir).is_ok() {
        if let Some(why) = folder::not_a_run(&dir) {
            anyhow::bail!(
                "--name {name}: {} exists and is not a capsim run folder ({why}); it is left as it is: choose another name",
                dir.display()
            );
        }
        anyhow::ensure!(
            force,
            "--name {name}: {} already holds a run; pass --force to replace it (the old run stays until the new one is complete)",
            dir.display()
        );
    }
    Ok(folder::Target {
        dir,
        named: true,
        force,
    })
}

/// Create `out` if missing, check that it can be written and is not itself a
/// run folder, and remove temporary folders left by killed runs.
fn writable_out(out: &Path) -> Result<()> {
    if out.exists() && !out.is_dir() {
        anyhow::bail!("--out {}: exists and is not a folder", out.display());
    }
    if out.join("run.json").is_file() {
        anyhow::bail!(
            "--out {}: is a run folder; give the folder that holds run folders (e.g. its parent)",
            out.display()
        );
    }
    std::fs::create_dir_all(out)
        .with_context(|| format!("--out {}: cannot create the output folder", out.display()))?;
    let probe = out.join(format!(".capsim-write-test-{}", folder::unique_suffix()));
    std::fs::write(&probe, b"")
        .with_context(|| format!("--out {}: the output folder is not writable", out.display()))?;
    let _ = std::fs::remove_file(&probe);
    folder::remove_stale_partials(out);
    Ok(())
}

/// Write `bytes` to `target` atomically: a hidden temporary file beside it
/// (`.<name>.partial-<pid>`), renamed into place; removed on failure, so
/// an earlier `target` is either kept whole or replaced whole.
pub fn write_atomic(target: &Path, bytes: &[u8]) -> Result<()> {
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .with_context(|| format!("{} has no file name", target.display()))?
        .to_string_lossy();
    let tmp = parent.join(format!(".{name}.partial-{}", folder::unique_suffix()));
    folder::register(&tmp);
    let result = std::fs::write(&tmp, bytes)
        .with_context(|| format!("writing {}", target.display()))
        .and_then(|()| {
            folder::settle(&tmp, || std::fs::rename(&tmp, target))
                .with_context(|| format!("writing {}", target.display()))
        });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    folder::unregister(&tmp);
    result
}

/// Choose a folder `<name>-<tag>-<time>-<unique>` under `out`; see [`prepare_out`].
pub fn prepare_dir(out: &Path, name: &str, tag: &str) -> Result<folder::Target> {
    writable_out(out)?;
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let base = out.join(format!("{safe}-{tag}-{stamp}-{}", folder::unique_suffix()));
    let mut dir = base.clone();
    let mut k = 2;
    while std::fs::symlink_metadata(&dir).is_ok() {
        dir = folder::suffixed(&base, k);
        k += 1;
    }
    Ok(folder::Target {
        dir,
        named: false,
        force: false,
    })
}

#[cfg(feature = "files")]
/// Put folder `new` in the place of folder `old`: an atomic exchange
/// (`renameat2` with `RENAME_EXCHANGE`, Linux 3.15+), so that `old`'s path
/// always holds one complete run; then the old run, now at `new`, is removed.
/// Where the exchange is unsupported, `old` is first renamed aside (kept, as a
/// hidden folder, if the second rename fails).
pub(crate) fn replace_dir(new: &Path, old: &Path) -> Result<()> {
    #[cfg(target_os = "linux")]
    if folder::renameat2(new, old, libc::RENAME_EXCHANGE).is_ok() {
        let _ = std::fs::remove_dir_all(new);
        return Ok(());
    }
    let aside = old.with_file_name(format!(
        ".{}.replaced-{}",
        old.file_name()
            .map_or("run".into(), |n| n.to_string_lossy()),
        std::process::id()
    ));
    std::fs::rename(old, &aside)
        .with_context(|| format!("moving the old run {} aside", old.display()))?;
    if let Err(e) = std::fs::rename(new, old) {
        let _ = std::fs::rename(&aside, old);
        return Err(e).with_context(|| format!("moving the new run into {}", old.display()));
    }
    let _ = std::fs::remove_dir_all(&aside);
    Ok(())
}
