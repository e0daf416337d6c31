//! Parquet writing with polars, with the run's facts as key-value metadata.

use std::fs::File;
use std::path::Path;

use anyhow::{Context as _, Result, anyhow};
use polars::prelude::*;

use super::columns::{MonthRecord, month_columns, trial_columns, trial_records};
use super::{RunInfo, SummaryRow, self_host_cheaper};
use crate::engine::TrialOutcome;
use crate::model::Calendar;
use crate::scenario::Scenario;

/// The key-value metadata written into every file.
pub fn metadata(info: &RunInfo, run_json: &str) -> Vec<(String, String)> {
    vec![
        ("capsim.version".into(), info.capsim_version.clone()),
        ("capsim.scenario".into(), info.scenario_name.clone()),
        ("capsim.seed".into(), info.seed.to_string()),
        ("capsim.trials".into(), info.trials.to_string()),
        (
            "capsim.horizon_hours".into(),
            info.horizon_hours.to_string(),
        ),
        ("capsim.run_json".into(), run_json.to_owned()),
    ]
}

/// Write `df` to `path` with `meta`.
pub fn write(path: &Path, mut df: DataFrame, meta: &[(String, String)]) -> Result<()> {
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Zstd(None))
        .with_key_value_metadata(Some(KeyValueMetadata::from_static(meta.to_vec())))
        .finish(&mut df)
        .map_err(|e| anyhow!("writing {}: {e}", path.display()))?;
    Ok(())
}

fn frame(cols: Vec<Column>) -> Result<DataFrame> {
    let height = cols.first().map_or(0, |c| c.len());
    DataFrame::new(height, cols).map_err(|e| anyhow!("building a table: {e}"))
}

/// `trials.parquet`.
pub fn trials_frame(s: &Scenario, outcomes: &[TrialOutcome], months: f64) -> Result<DataFrame> {
    let recs: Vec<_> = trial_records(outcomes, months).collect();
    let mut cols = vec![
        Column::new(
            "trial".into(),
            recs.iter().map(|(t, _, _)| *t).collect::<Vec<u64>>(),
        ),
        Column::new(
            "strategy".into(),
            recs.iter()
                .map(|(_, si, _)| s.strategies[*si].name.as_str())
                .collect::<Vec<&str>>(),
        ),
        Column::new(
            "self_host_cheaper".into(),
            recs.iter()
                .map(|(_, _, r)| self_host_cheaper(r))
                .collect::<Vec<bool>>(),
        ),
    ];
    for c in trial_columns() {
        cols.push(Column::new(
            c.name.into(),
            recs.iter()
                .map(|(_, _, r)| (c.get)(r))
                .collect::<Vec<Option<f64>>>(),
        ));
    }
    frame(cols)
}

/// `monthly.parquet`.
pub fn monthly_frame(s: &Scenario, cal: &Calendar, outcomes: &[TrialOutcome]) -> Result<DataFrame> {
    let mut trial = Vec::new();
    let mut strategy = Vec::new();
    let mut month = Vec::new();
    let mut start = Vec::new();
    let mut hours = Vec::new();
    let mut recs = Vec::new();
    for o in outcomes {
        for (si, t) in o.strategies.iter().enumerate() {
            for (mi, m) in t.months.iter().enumerate() {
                trial.push(o.trial);
                strategy.push(s.strategies[si].name.as_str());
                month.push(mi as u32 + 1);
                start.push(cal.months[mi].start.format("%Y-%m-%d").to_string());
                hours.push(cal.months[mi].hours as u32);
                recs.push(MonthRecord { m });
            }
        }
    }
    let mut cols = vec![
        Column::new("trial".into(), trial),
        Column::new("strategy".into(), strategy),
        Column::new("month".into(), month),
        Column::new("month_start".into(), start),
        Column::new("hours".into(), hours),
    ];
    for c in month_columns() {
        cols.push(Column::new(
            c.name.into(),
            recs.iter()
                .map(|r| (c.get)(r))
                .collect::<Vec<Option<f64>>>(),
        ));
    }
    frame(cols)
}

/// `summary.parquet`.
pub fn summary_frame(rows: &[SummaryRow]) -> Result<DataFrame> {
    let f = |get: fn(&SummaryRow) -> f64, pct: bool| -> Vec<Option<f64>> {
        rows.iter()
            .map(|r| {
                if pct && r.probability {
                    None
                } else {
                    Some(get(r))
                }
            })
            .collect()
    };
    frame(vec![
        Column::new(
            "strategy".into(),
            rows.iter().map(|r| r.strategy.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "metric".into(),
            rows.iter().map(|r| r.metric.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "n".into(),
            rows.iter().map(|r| r.summary.n as u64).collect::<Vec<_>>(),
        ),
        Column::new("mean".into(), f(|r| r.summary.mean, false)),
        Column::new("std_error".into(), f(|r| r.summary.std_error, false)),
        Column::new("ci95_low".into(), f(|r| r.summary.ci95_low, false)),
        Column::new("ci95_high".into(), f(|r| r.summary.ci95_high, false)),
        Column::new("p5".into(), f(|r| r.summary.p5, true)),
        Column::new("p50".into(), f(|r| r.summary.p50, true)),
        Column::new("p95".into(), f(|r| r.summary.p95, true)),
        Column::new("cvar95".into(), f(|r| r.summary.cvar95, true)),
        Column::new("min".into(), f(|r| r.summary.min, true)),
        Column::new("max".into(), f(|r| r.summary.max, true)),
    ])
}
