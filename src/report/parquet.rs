//! Parquet writing with polars, with the run's facts as key-value metadata.

use std::fs::File;
use std::path::Path;

use anyhow::{Context as _, Result, anyhow};
use polars::prelude::*;

use super::columns::{MonthRecord, month_columns, trial_columns, trial_records};
use super::{SummaryRow, self_host_cheaper};
use crate::engine::TrialOutcome;
use crate::model::Calendar;
use crate::scenario::Scenario;

/// The key-value metadata written into every file.
pub fn metadata(
    version: &str,
    scenario: &str,
    seed: u64,
    trials: u64,
    horizon_hours: u32,
    run_json: &str,
) -> Vec<(String, String)> {
    vec![
        ("capsim.version".into(), version.to_owned()),
        ("capsim.scenario".into(), scenario.to_owned()),
        ("capsim.seed".into(), seed.to_string()),
        ("capsim.trials".into(), trials.to_string()),
        ("capsim.horizon_hours".into(), horizon_hours.to_string()),
        ("capsim.run_json".into(), run_json.to_owned()),
    ]
}

/// The compression of every Parquet file a run writes. Snappy: every
/// Parquet reader has it (pyarrow's and Spark's default), and it costs far
/// less time than zstd. Measured on 10,000 realistic trials (2 cores):
/// zstd (polars' default level) 2.75 s, 4.62 user-s, 27 + 4.7 MB
/// (`monthly.parquet` + `trials.parquet`); Snappy 2.39 s, 4.24 user-s,
/// 32 + 5.6 MB; LZ4 about the same as Snappy at 30 + 5.5 MB; none 2.34 s,
/// 56 + 11 MB.
pub const COMPRESSION: ParquetCompression = ParquetCompression::Snappy;

/// Write `df` to `path` with `meta`.
pub fn write(path: &Path, mut df: DataFrame, meta: &[(String, String)]) -> Result<()> {
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    ParquetWriter::new(file)
        .with_compression(COMPRESSION)
        .with_key_value_metadata(Some(KeyValueMetadata::from_static(meta.to_vec())))
        .finish(&mut df)
        .map_err(|e| anyhow!("writing {}: {e}", path.display()))?;
    Ok(())
}

/// Read a Parquet file: only `columns` if given, only its first `rows` rows
/// if given.
pub fn read(path: &Path, columns: Option<&[&str]>, rows: Option<usize>) -> Result<DataFrame> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    ParquetReader::new(file)
        .with_columns(columns.map(|c| c.iter().map(|n| (*n).to_owned()).collect()))
        .with_slice(rows.map(|r| (0, r)))
        .finish()
        .map_err(|e| anyhow!("reading {}: {e}", path.display()))
}

/// Rows of a Parquet file (from its footer).
pub fn num_rows(path: &Path) -> Result<usize> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    ParquetReader::new(file)
        .num_rows()
        .map_err(|e| anyhow!("reading {}: {e}", path.display()))
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
    let starts: Vec<String> = cal
        .months
        .iter()
        .map(|m| m.start.format("%Y-%m-%d").to_string())
        .collect();
    for o in outcomes {
        for (si, t) in o.strategies.iter().enumerate() {
            for (mi, m) in t.months.iter().enumerate() {
                trial.push(o.trial);
                strategy.push(s.strategies[si].name.as_str());
                month.push(mi as u32 + 1);
                start.push(starts[mi].as_str());
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

fn str_col<'r, T>(name: &str, rows: &'r [T], get: impl Fn(&'r T) -> &'r str) -> Column {
    Column::new(name.into(), rows.iter().map(get).collect::<Vec<&str>>())
}

fn f64_col<T>(name: &str, rows: &[T], get: impl Fn(&T) -> f64) -> Column {
    Column::new(name.into(), rows.iter().map(get).collect::<Vec<f64>>())
}

/// Null where the value is not finite (undefined or unbounded).
fn opt_col<T>(name: &str, rows: &[T], get: impl Fn(&T) -> f64) -> Column {
    Column::new(
        name.into(),
        rows.iter()
            .map(|r| Some(get(r)).filter(|x| x.is_finite()))
            .collect::<Vec<Option<f64>>>(),
    )
}

/// `compare.parquet` (columns: [`super::columns::COMPARE_COLUMNS`]).
/// `sensitivity.parquet`.
pub fn sensitivity_frame(rows: &[crate::sensitivity::Row]) -> Result<DataFrame> {
    frame(vec![
        str_col("strategy", rows, |x| x.strategy.as_str()),
        str_col("input", rows, |x| x.input.as_str()),
        Column::new(
            "rank".into(),
            rows.iter().map(|r| r.rank as u32).collect::<Vec<u32>>(),
        ),
        f64_col("spearman", rows, |x| x.spearman),
        f64_col("cost_at_p10_usd", rows, |x| x.cost_at_p10_usd),
        f64_col("cost_at_p90_usd", rows, |x| x.cost_at_p90_usd),
        f64_col("swing_usd", rows, |x| x.swing_usd),
    ])
}

/// `compare.parquet`.
pub fn compare_frame(c: &crate::compare::Comparison) -> Result<DataFrame> {
    let r = &c.risks;
    let rank: Vec<u32> = (0..r.len())
        .map(|si| c.ranking.iter().position(|&x| x == si).unwrap_or(0) as u32 + 1)
        .collect();
    frame(vec![
        str_col("strategy", r, |x| x.strategy.as_str()),
        Column::new("least_regret_rank".into(), rank),
        f64_col("cost_mean_usd", r, |x| x.cost.mean),
        f64_col("cost_ci95_low_usd", r, |x| x.cost.ci95_low),
        f64_col("cost_ci95_high_usd", r, |x| x.cost.ci95_high),
        f64_col("cost_p5_usd", r, |x| x.cost.p5),
        f64_col("cost_p50_usd", r, |x| x.cost.p50),
        f64_col("cost_p95_usd", r, |x| x.cost.p95),
        f64_col("cost_cvar95_usd", r, |x| x.cost.cvar95),
        f64_col("prob_cheapest", r, |x| x.prob_cheapest),
        f64_col("prob_cheapest_ci95_low", r, |x| x.prob_cheapest_ci95.0),
        f64_col("prob_cheapest_ci95_high", r, |x| x.prob_cheapest_ci95.1),
        f64_col("regret_mean_usd", r, |x| x.regret.mean),
        f64_col("regret_p95_usd", r, |x| x.regret.p95),
        opt_col("hours_short_mean", r, |x| x.hours_short_mean),
        f64_col("spilled_tokens_mean", r, |x| x.spilled_tokens_mean),
        f64_col("dropped_tokens_mean", r, |x| x.dropped_tokens_mean),
    ])
}

/// `paired.parquet` (columns: [`super::columns::PAIRED_COLUMNS`]).
pub fn paired_frame(c: &crate::compare::Comparison) -> Result<DataFrame> {
    let p = &c.pairs;
    frame(vec![
        str_col("strategy_a", p, |x| x.a.as_str()),
        str_col("strategy_b", p, |x| x.b.as_str()),
        f64_col("diff_mean_usd", p, |x| x.diff.mean),
        f64_col("diff_std_error_usd", p, |x| x.diff.std_error),
        f64_col("diff_ci95_low_usd", p, |x| x.diff.ci95_low),
        f64_col("diff_ci95_high_usd", p, |x| x.diff.ci95_high),
        f64_col("diff_p5_usd", p, |x| x.diff.p5),
        f64_col("diff_p95_usd", p, |x| x.diff.p95),
        f64_col("prob_a_cheaper", p, |x| x.prob_a_cheaper),
    ])
}

/// `breakeven_trials.parquet` (columns: [`super::columns::BREAKEVEN_TRIAL_COLUMNS`]).
pub fn breakeven_trials_frame(
    s: &Scenario,
    rows: &[crate::breakeven::BreakEven],
) -> Result<DataFrame> {
    frame(vec![
        Column::new(
            "trial".into(),
            rows.iter().map(|r| r.trial).collect::<Vec<u64>>(),
        ),
        str_col("strategy", rows, |r| s.strategies[r.strategy].name.as_str()),
        opt_col("breakeven_monthly_tokens", rows, |r| r.monthly_tokens),
        opt_col("breakeven_mean_monthly_tokens", rows, |r| {
            r.mean_monthly_tokens
        }),
        opt_col("breakeven_utilization", rows, |r| r.utilization),
    ])
}

/// `breakeven.parquet` (columns: [`super::columns::BREAKEVEN_COLUMNS`]).
pub fn breakeven_frame(rows: &[crate::breakeven::SweepRow]) -> Result<DataFrame> {
    frame(vec![
        f64_col("monthly_tokens", rows, |r| r.volume),
        str_col("strategy", rows, |r| r.strategy.as_str()),
        Column::new(
            "n".into(),
            rows.iter().map(|r| r.n as u64).collect::<Vec<u64>>(),
        ),
        opt_col("prob_self_host_cheaper", rows, |r| {
            if r.has_gpus {
                r.prob_self_host_cheaper
            } else {
                f64::NAN
            }
        }),
        opt_col("prob_ci95_low", rows, |r| {
            if r.has_gpus { r.ci95.0 } else { f64::NAN }
        }),
        opt_col("prob_ci95_high", rows, |r| {
            if r.has_gpus { r.ci95.1 } else { f64::NAN }
        }),
        f64_col("cost_mean_usd", rows, |r| r.mean_cost),
        f64_col("cost_per_mtok_usd", rows, |r| r.cost_per_mtok),
        f64_col("api_cost_per_mtok_usd", rows, |r| r.api_cost_per_mtok),
    ])
}

/// `plan.parquet` (columns: [`super::columns::PLAN_COLUMNS`]).
pub fn plan_frame(p: &crate::plan::Plan) -> Result<DataFrame> {
    let r = &p.rows;
    let part = |get: fn(&crate::plan::Candidate) -> &Option<(String, u32)>| {
        (
            r.iter()
                .map(|x| get(&x.candidate).as_ref().map(|(l, _)| l.clone()))
                .collect::<Vec<Option<String>>>(),
            r.iter()
                .map(|x| get(&x.candidate).as_ref().map_or(0, |(_, n)| *n))
                .collect::<Vec<u32>>(),
        )
    };
    let (c_opt, c_n) = part(|c| &c.committed);
    let (o_opt, o_n) = part(|c| &c.on_demand);
    let (s_opt, s_n) = part(|c| &c.spot);
    let rank: Vec<usize> = (0..r.len()).collect();
    frame(vec![
        str_col("candidate", r, |x| x.candidate.strategy.name.as_str()),
        Column::new("committed_option".into(), c_opt),
        Column::new("committed_units".into(), c_n),
        Column::new(
            "committed_units_by_stage".into(),
            r.iter()
                .map(|x| {
                    let st = &x.candidate.stages;
                    (!st.is_empty())
                        .then(|| st.iter().map(u32::to_string).collect::<Vec<_>>().join(","))
                })
                .collect::<Vec<Option<String>>>(),
        ),
        Column::new("on_demand_option".into(), o_opt),
        Column::new("on_demand_max_units".into(), o_n),
        Column::new("spot_option".into(), s_opt),
        Column::new("spot_units".into(), s_n),
        Column::new(
            "order".into(),
            r.iter()
                .map(|x| x.candidate.order.map(crate::plan::Order::words))
                .collect::<Vec<Option<&str>>>(),
        ),
        str_col("api", r, |x| x.candidate.api.as_str()),
        Column::new(
            "trials".into(),
            r.iter().map(|x| x.trials as u64).collect::<Vec<u64>>(),
        ),
        f64_col("cost_mean_usd", r, |x| x.cost.mean),
        f64_col("cost_ci95_low_usd", r, |x| x.cost.ci95_low),
        f64_col("cost_ci95_high_usd", r, |x| x.cost.ci95_high),
        f64_col("cost_p95_usd", r, |x| x.cost.p95),
        f64_col("cost_cvar95_usd", r, |x| x.cost.cvar95),
        opt_col("hours_short_per_year", r, |x| {
            x.hours_short_per_year.unwrap_or(f64::NAN)
        }),
        opt_col("hours_short_per_year_quantile", r, |x| {
            x.hours_short_quantile.unwrap_or(f64::NAN)
        }),
        opt_col("prob_over_budget", r, |x| {
            x.prob_over_budget.map_or(f64::NAN, |p| p.0)
        }),
        opt_col("prob_any_year_over_budget", r, |x| {
            x.years_over_budget.as_ref().map_or(f64::NAN, |p| p.0)
        }),
        f64_col("regret_mean_usd", r, |x| x.regret_mean),
        f64_col("commitment_p95_usd", r, |x| x.commitment_p95),
        f64_col("committed_total_mean_usd", r, |x| x.committed_total_mean),
        Column::new(
            "feasible".into(),
            r.iter().map(|x| x.feasible()).collect::<Vec<bool>>(),
        ),
        Column::new(
            "infeasible_reason".into(),
            r.iter()
                .map(|x| x.infeasible.join("; "))
                .collect::<Vec<String>>(),
        ),
        Column::new(
            "on_frontier".into(),
            r.iter().map(|x| x.on_frontier).collect::<Vec<bool>>(),
        ),
        Column::new(
            "recommended".into(),
            rank.iter()
                .map(|&i| p.pick == Some(i))
                .collect::<Vec<bool>>(),
        ),
    ])
}

/// `regret_map.parquet` (columns: [`super::columns::REGRET_MAP_COLUMNS`]).
pub fn regret_map_frame(s: &Scenario, m: &crate::regret_map::Map) -> Result<DataFrame> {
    let c = &m.cells;
    let name = |i: usize| s.strategies[i].name.as_str();
    frame(vec![
        str_col("x_input", c, |_| m.inputs.0.as_str()),
        f64_col("x_low", c, |x| x.x.0),
        f64_col("x_high", c, |x| x.x.1),
        str_col("y_input", c, |_| m.inputs.1.as_str()),
        f64_col("y_low", c, |x| x.y.0),
        f64_col("y_high", c, |x| x.y.1),
        Column::new(
            "trials".into(),
            c.iter().map(|x| x.trials as u64).collect::<Vec<u64>>(),
        ),
        str_col("least_regret", c, |x| name(x.winner)),
        f64_col("mean_regret_usd", c, |x| x.winner_regret),
        Column::new(
            "runner_up".into(),
            c.iter()
                .map(|x| x.runner_up.map(|r| name(r).to_owned()))
                .collect::<Vec<Option<String>>>(),
        ),
        opt_col("margin_mean_usd", c, |x| x.margin.map_or(f64::NAN, |m| m.0)),
        opt_col("margin_ci95_low_usd", c, |x| {
            x.margin.map_or(f64::NAN, |m| m.1)
        }),
        opt_col("margin_ci95_high_usd", c, |x| {
            x.margin.map_or(f64::NAN, |m| m.2)
        }),
        Column::new(
            "certain".into(),
            c.iter().map(|x| x.certain()).collect::<Vec<bool>>(),
        ),
    ])
}
