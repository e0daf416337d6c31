//! Reports: Parquet files, `run.json` and the terminal summary. All file I/O
//! of a run lives here.
//!
//! A run is written into a hidden temporary folder beside its final place and
//! renamed into place only when every file is complete, so an interrupted run
//! never leaves a half-written report where a complete one was expected, and
//! never touches an earlier run.

pub mod columns;
pub mod parquet;
pub mod terminal;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::engine::TrialOutcome;
use crate::model::Calendar;
use crate::scenario::{HOURS_PER_MONTH, Scenario};
use crate::stats::{self, Summary};
use columns::{TrialRecord, trial_columns, trial_records};

/// Facts about a run, written as `run.json` and as Parquet metadata.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
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
    /// The validated scenario.
    pub scenario: Scenario,
    /// The scenario file as given.
    pub scenario_toml: String,
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
        for c in &cols {
            let v: Vec<f64> = recs
                .iter()
                .map(|r| (c.get)(r).unwrap_or(f64::NAN))
                .collect();
            if let Some(summary) = stats::summarise(&v) {
                rows.push(SummaryRow {
                    strategy: st.name.clone(),
                    metric: c.name.into(),
                    summary,
                    probability: false,
                });
            }
        }
        let n = recs.len();
        let k = recs.iter().filter(|r| self_host_cheaper(r)).count();
        if n > 0 {
            let p = k as f64 / n as f64;
            let (lo, hi) = stats::wilson95(k, n);
            let se = (p * (1.0 - p) / n as f64).sqrt();
            rows.push(SummaryRow {
                strategy: st.name.clone(),
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
            });
        }
    }
    rows
}

/// Whether self-hosting beat the API in this trial.
pub fn self_host_cheaper(r: &TrialRecord) -> bool {
    r.t.has_gpus && r.t.total.total_cost() < r.t.api_only_cost
}

/// Choose the run folder under `out` (created if missing): `<scenario>-<seed>-<time>`,
/// with a numeric suffix if taken. Fails with a clear message if `out` cannot be written.
pub fn prepare_out(out: &Path, info: &RunInfo) -> Result<PathBuf> {
    if out.exists() && !out.is_dir() {
        anyhow::bail!("--out {}: exists and is not a folder", out.display());
    }
    std::fs::create_dir_all(out)
        .with_context(|| format!("--out {}: cannot create the output folder", out.display()))?;
    let probe = out.join(format!(".capsim-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"")
        .with_context(|| format!("--out {}: the output folder is not writable", out.display()))?;
    let _ = std::fs::remove_file(&probe);
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    let safe: String = info
        .scenario_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let base = format!("{safe}-seed{}-{stamp}", info.seed);
    let mut dir = out.join(&base);
    let mut k = 2;
    while dir.exists() {
        dir = out.join(format!("{base}-{k}"));
        k += 1;
    }
    Ok(dir)
}

/// Write every file of a run into `dir` (which must not exist), atomically.
pub fn write_run(
    dir: &Path,
    s: &Scenario,
    cal: &Calendar,
    info: &RunInfo,
    outcomes: &[TrialOutcome],
    summary: &[SummaryRow],
    extra: Vec<(&str, polars::prelude::DataFrame)>,
) -> Result<()> {
    let parent = dir.parent().context("run folder has no parent")?;
    let name = dir
        .file_name()
        .context("run folder has no name")?
        .to_string_lossy()
        .into_owned();
    let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let result = (|| -> Result<()> {
        let run_json = serde_json::to_string_pretty(info).context("serialising run.json")?;
        std::fs::write(tmp.join("run.json"), &run_json).context("writing run.json")?;
        let meta = parquet::metadata(info, &run_json);
        let months = f64::from(s.horizon_hours) / HOURS_PER_MONTH;
        parquet::write(
            &tmp.join("trials.parquet"),
            parquet::trials_frame(s, outcomes, months)?,
            &meta,
        )?;
        parquet::write(
            &tmp.join("summary.parquet"),
            parquet::summary_frame(summary)?,
            &meta,
        )?;
        parquet::write(
            &tmp.join("monthly.parquet"),
            parquet::monthly_frame(s, cal, outcomes)?,
            &meta,
        )?;
        for (file, df) in extra {
            parquet::write(&tmp.join(file), df, &meta)?;
        }
        std::fs::rename(&tmp, dir)
            .with_context(|| format!("moving the finished run into {}", dir.display()))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}
