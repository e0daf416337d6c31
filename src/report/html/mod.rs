//! `report.html`: one self-contained page for people who decide budgets.
//!
//! The page is built from a run folder's files only (`run.json` and the
//! Parquet files), so `capsim report DIR` on an old folder and `--report` on a
//! fresh run give the same page. Charts are SVG drawn by `plotters` and inlined;
//! the page loads nothing from the network and runs no script. Each chart is a
//! `<figure class="chart" id="chart-…">` with axis titles carrying units and a
//! one-sentence reading computed from the data under it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use plotters::coord::Shift;
use plotters::prelude::*;
use polars::prelude::{Column, DataFrame, PolarsResult};

use super::parquet::{num_rows, read};
use crate::fmt::{tokens, usd};
use crate::scenario::HOURS_PER_MONTH;
use crate::stats::quantile_sorted;

mod charts;
mod tables;

use charts::*;
use tables::*;

/// Write the report of run folder `dir` to `target`, atomically (a hidden
/// temporary file beside it, renamed into place).
pub fn write_report(dir: &Path, target: &Path) -> Result<()> {
    super::write_atomic(target, render(dir)?.as_bytes())
}

/// Per-strategy trial values, in the scenario's strategy order.
struct Run {
    info: serde_json::Value,
    names: Vec<String>,
    /// (trials charted, trials in the run) when the charts use a sample.
    sampled: Option<(usize, usize)>,
    /// (strategy, column) → the trials' non-null values, in trial order.
    trials: BTreeMap<(String, String), Vec<f64>>,
    /// (strategy, metric) → summary row (mean, ci95_low, ci95_high, p5, p50, p95, cvar95).
    summary: BTreeMap<(String, String), [f64; 7]>,
    /// strategy → month → total cost of each trial.
    monthly: BTreeMap<String, BTreeMap<u32, Vec<f64>>>,
    month_start: BTreeMap<u32, String>,
    compare: Option<DataFrame>,
    sensitivity: Option<DataFrame>,
    breakeven: Option<DataFrame>,
    plan: Option<DataFrame>,
    regret_map: Option<DataFrame>,
    /// strategy → per-trial break-even volume (None: never), from
    /// `breakeven_trials.parquet`; empty without it.
    breakeven_trials: BTreeMap<String, Vec<Option<f64>>>,
}

const TRIAL_COLUMNS: [&str; 10] = [
    "total_cost_usd",
    "cost_per_mtok_usd",
    "gpu_cost_usd",
    "api_spill_cost_usd",
    "overhead_cost_usd",
    "utilization",
    "hours_short",
    "api_only_cost_usd",
    "demanded_tokens",
    "spilled_tokens",
];

/// Column `col` of `df` as the type `as_type` reads (`Column::str`,
/// `Column::f64`, …), with an error naming the file and the column.
fn typed<'a, T>(
    df: &'a DataFrame,
    col: &str,
    file: &str,
    as_type: impl FnOnce(&'a Column) -> PolarsResult<&'a T>,
) -> Result<&'a T> {
    df.column(col)
        .and_then(as_type)
        .map_err(|e| anyhow!("{file}: column `{col}`: {e}"))
}

fn strings(df: &DataFrame, col: &str, file: &str) -> Result<Vec<String>> {
    let c = typed(df, col, file, Column::str)?;
    Ok(c.iter().map(|v| v.unwrap_or_default().to_owned()).collect())
}

fn floats(df: &DataFrame, col: &str, file: &str) -> Result<Vec<Option<f64>>> {
    Ok(typed(df, col, file, Column::f64)?.iter().collect())
}

/// Trials the charts read at most (see [`Run::load`]).
const CHART_TRIALS: usize = 100_000;

fn optional(dir: &Path, file: &str) -> Result<Option<DataFrame>> {
    let p = dir.join(file);
    if p.exists() {
        read(&p, None, None).map(Some)
    } else {
        Ok(None)
    }
}

impl Run {
    fn load(dir: &Path) -> Result<Run> {
        Self::load_capped(dir, CHART_TRIALS)
    }

    /// [`Run::load`] with the charts reading at most `chart_trials` trials.
    fn load_capped(dir: &Path, chart_trials: usize) -> Result<Run> {
        anyhow::ensure!(
            dir.join("run.json").is_file(),
            "{}: not a capsim run folder (no run.json)",
            dir.display()
        );
        let text = std::fs::read_to_string(dir.join("run.json"))
            .with_context(|| format!("reading {}", dir.join("run.json").display()))?;
        let info: serde_json::Value = serde_json::from_str(&text).context("run.json: not JSON")?;

        let sdf = read(&dir.join("summary.parquet"), None, None)?;
        let s_names = strings(&sdf, "strategy", "summary.parquet")?;
        let metrics = strings(&sdf, "metric", "summary.parquet")?;
        let stat_cols = [
            "mean",
            "ci95_low",
            "ci95_high",
            "p5",
            "p50",
            "p95",
            "cvar95",
        ];
        let stats = stat_cols
            .iter()
            .map(|c| floats(&sdf, c, "summary.parquet"))
            .collect::<Result<Vec<_>>>()?;
        let mut names: Vec<String> = Vec::new();
        let mut summary = BTreeMap::new();
        for (i, (n, m)) in s_names.iter().zip(&metrics).enumerate() {
            if !names.contains(n) {
                names.push(n.clone());
            }
            let row: [f64; 7] = std::array::from_fn(|k| stats[k][i].unwrap_or(f64::NAN));
            summary.insert((n.clone(), m.clone()), row);
        }

        // Charts read at most CHART_TRIALS trials (the first ones: trials'
        // streams are independent, so they are a random sample) and only the
        // columns they draw, so that a report of a million-trial run stays
        // small; the tables come from summary.parquet, over every trial.
        let k = names.len().max(1);
        let t_total = num_rows(&dir.join("trials.parquet"))?;
        let m_total = num_rows(&dir.join("monthly.parquet"))?;
        let all_trials = t_total / k;
        let shown = all_trials.min(chart_trials);
        let t_rows = shown * k;
        let m_rows = (m_total / t_total.max(1)) * t_rows;
        let mut t_cols = vec!["strategy"];
        t_cols.extend(TRIAL_COLUMNS);
        let tdf = read(&dir.join("trials.parquet"), Some(&t_cols), Some(t_rows))?;
        let t_names = typed(&tdf, "strategy", "trials.parquet", Column::str)?;
        let mut trials: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
        for col in TRIAL_COLUMNS {
            // Keyed by &str while reading: no String per row.
            let mut by_name: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
            for (n, v) in t_names.iter().zip(floats(&tdf, col, "trials.parquet")?) {
                let e = by_name.entry(n.unwrap_or_default()).or_default();
                if let Some(v) = v.filter(|v| v.is_finite()) {
                    e.push(v);
                }
            }
            for (n, v) in by_name {
                trials.insert((n.to_owned(), col.to_owned()), v);
            }
        }

        let mdf = read(
            &dir.join("monthly.parquet"),
            Some(&[
                "strategy",
                "month",
                "month_start",
                "hours",
                "total_cost_usd",
            ]),
            Some(m_rows),
        )?;
        // Straight from the columns (no String per row: a sample of 100,000
        // trials is millions of rows).
        let file = "monthly.parquet";
        let m_names = typed(&mdf, "strategy", file, Column::str)?;
        let m_start = typed(&mdf, "month_start", file, Column::str)?;
        let months = typed(&mdf, "month", file, Column::u32)?;
        let m_cost = typed(&mdf, "total_cost_usd", file, Column::f64)?;
        let m_hours = typed(&mdf, "hours", file, Column::u32)?;
        let mut monthly: BTreeMap<String, BTreeMap<u32, Vec<f64>>> = BTreeMap::new();
        let mut month_start = BTreeMap::new();
        let rows = m_names
            .iter()
            .zip(m_start.iter())
            .zip(months.iter())
            .zip(m_cost.iter())
            .zip(m_hours.iter());
        // Each month at its cost per 730 hours: calendar months of 672 to
        // 744 hours and a partial first or last month (48 hours, say) read
        // on one scale instead of ending in a cliff.
        for ((((name, start), month), cost), hours) in rows {
            let cost = match hours {
                Some(h) if h > 0 => cost.map(|c| c * HOURS_PER_MONTH / f64::from(h)),
                _ => cost,
            };
            let month = month.unwrap_or(0);
            month_start
                .entry(month)
                .or_insert_with(|| start.unwrap_or_default().to_owned());
            let (Some(name), Some(c)) = (name, cost.filter(|c| c.is_finite())) else {
                continue;
            };
            if !monthly.contains_key(name) {
                monthly.insert(name.to_owned(), BTreeMap::new());
            }
            if let Some(m) = monthly.get_mut(name) {
                m.entry(month).or_default().push(c);
            }
        }

        Ok(Run {
            info,
            names,
            sampled: (shown < all_trials).then_some((shown, all_trials)),
            trials,
            summary,
            monthly,
            month_start,
            compare: optional(dir, "compare.parquet")?,
            sensitivity: optional(dir, "sensitivity.parquet")?,
            breakeven: optional(dir, "breakeven.parquet")?,
            plan: optional(dir, "plan.parquet")?,
            regret_map: optional(dir, "regret_map.parquet")?,
            breakeven_trials: match optional(dir, "breakeven_trials.parquet")? {
                None => BTreeMap::new(),
                Some(df) => {
                    let f = "breakeven_trials.parquet";
                    let mut by: BTreeMap<String, Vec<Option<f64>>> = BTreeMap::new();
                    for (n, v) in strings(&df, "strategy", f)?.into_iter().zip(floats(
                        &df,
                        "breakeven_monthly_tokens",
                        f,
                    )?) {
                        by.entry(n).or_default().push(v);
                    }
                    by
                }
            },
        })
    }

    fn values(&self, strategy: &str, col: &str) -> &[f64] {
        self.trials
            .get(&(strategy.to_owned(), col.to_owned()))
            .map_or(&[], Vec::as_slice)
    }

    /// One [`Interval`] per strategy with values of trial column `col`
    /// (strategies without any are left out), coloured by scenario order.
    fn intervals(&self, col: &str) -> Vec<Interval> {
        self.names
            .iter()
            .enumerate()
            .filter_map(|(i, n)| Interval::of(n, colour(i), self.values(n, col)))
            .collect()
    }

    fn stat(&self, strategy: &str, metric: &str) -> Option<[f64; 7]> {
        self.summary
            .get(&(strategy.to_owned(), metric.to_owned()))
            .copied()
    }

    fn mean(&self, strategy: &str, metric: &str) -> f64 {
        self.stat(strategy, metric).map_or(f64::NAN, |s| s[0])
    }

    /// The API self-hosting is compared with ([`crate::scenario::compared_api`]).
    fn compared_api(&self) -> String {
        let sc = &self.info["scenario"];
        let names: Vec<&str> = sc["apis"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x["name"].as_str()).collect())
            .unwrap_or_default();
        let fleets = sc["strategies"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|st| {
                let pools = st["pools"].as_array().map_or(0, Vec::len);
                (pools > 0).then(|| st["api"].as_u64().unwrap_or(0) as usize)
            });
        crate::scenario::compared_api(&names, fleets)
    }

    fn has_gpus(&self, strategy: &str) -> bool {
        !self.values(strategy, "utilization").is_empty()
    }

    fn horizon_hours(&self) -> u64 {
        self.info["horizon_hours"].as_u64().unwrap_or(0)
    }

    /// The scenario's point volume (output tokens per 730-hour month), when
    /// the run's scenario gives one and still parses here.
    fn point_volume(&self) -> Option<f64> {
        let text = self.info["scenario_toml"].as_str()?;
        let s = crate::scenario::parse(text, "run.json", None).ok()?;
        match s.demand.volume {
            crate::scenario::Volume::MonthlyTokens(d) => Some(d.point()).filter(|v| *v > 0.0),
            crate::scenario::Volume::Utilization { .. } => None,
        }
    }

    /// "Annual" for a one-year horizon, else "N-hour".
    fn span(&self) -> String {
        crate::fmt::span(self.horizon_hours())
    }

    /// The API's mean cost per million demanded output tokens (input tokens
    /// included at the trial's ratio), over all trials.
    fn api_per_mtok(&self) -> f64 {
        let n = self.names.first().map_or("", String::as_str);
        let api = self.values(n, "api_only_cost_usd");
        let dem = self.values(n, "demanded_tokens");
        let per: Vec<f64> = api
            .iter()
            .zip(dem)
            .filter(|(_, d)| **d > 0.0)
            .map(|(a, d)| a / d * 1e6)
            .collect();
        mean(&per)
    }
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

fn sorted(v: &[f64]) -> Vec<f64> {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.0}%", 100.0 * x)
    } else {
        "—".into()
    }
}

/// The report page.
pub fn render(dir: &Path) -> Result<String> {
    let mut run = Run::load(dir)?;
    if run.names.is_empty() {
        run.names = run.info["scenario"]["strategies"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|st| st["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
    }
    let empty = run
        .names
        .iter()
        .all(|n| run.values(n, "total_cost_usd").is_empty());
    let mut body = String::new();
    header(&run, &mut body);
    if empty {
        body.push_str("<p><b>This folder holds no trials</b> (a shard of a run with more shards than trials), so there is nothing to chart. Merge the shards with <code>capsim merge</code> and report on the merged folder.</p>\n");
        return Ok(page(&run, &body));
    }
    // The decision first: what to buy and why, the frontier, the ranking,
    // where the answer changes, what drives the cost; then the detail.
    recommendation_section(&run, &mut body)?;
    headline_table(&run, &mut body);
    commitments_note(&run, &mut body);
    pools_section(&run, &mut body);
    seed_section(&run, &mut body);
    compare_section(&run, &mut body)?;
    regret_map_chart(&run, &mut body)?;
    breakeven_section(&run, &mut body)?;
    sensitivity_section(&run, &mut body)?;
    cost_distribution(&run, &mut body)?;
    fan_chart(&run, &mut body)?;
    cost_per_mtok(&run, &mut body)?;
    breakdown(&run, &mut body)?;
    capacity(&run, &mut body)?;
    footer(&run, &mut body);
    Ok(page(&run, &body))
}

/// Commitments that outlast the horizon, under the headline table (the
/// table's cost is the horizon's; this is what is signed beyond it).
fn commitments_note(run: &Run, out: &mut String) {
    let lines: Vec<String> = run
        .names
        .iter()
        .filter_map(|n| {
            let owed = run.stat(n, "committed_after_horizon_usd")?[0];
            let total = run.stat(n, "committed_total_usd")?;
            (owed > 0.0).then(|| {
                format!(
                    "<li><b>{}</b>: {} still committed after the horizon; committed total {} (95% CI {} – {})</li>",
                    esc(n),
                    crate::fmt::usd(owed),
                    crate::fmt::usd(total[0]),
                    crate::fmt::usd(total[1]),
                    crate::fmt::usd(total[2])
                )
            })
        })
        .collect();
    if !lines.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"note\">Commitments beyond the horizon (the rest of a reserved term, amortisation left on owned servers) are not in the costs above:</p>\n<ul class=\"note\">{}</ul>",
            lines.join("")
        );
    }
}

fn page(run: &Run, body: &str) -> String {
    let title = format!(
        "capsim report — {}",
        run.info["scenario_name"].as_str().unwrap_or("run")
    );
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        esc(&title)
    )
}

const CSS: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1060px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}
h3{font-size:1.05em;margin:.2em 0}
.facts{color:#555}
.recommendation{font-size:1.08em;background:#f3f8f1;border-left:4px solid #59a14f;padding:.7em 1em}
.no-recommendation{font-size:1.08em;background:#faf6ee;border-left:4px solid #b07d2b;padding:.7em 1em}
table{border-collapse:collapse;margin:.8em 0;font-size:.92em}
th,td{border-bottom:1px solid #e3e3e3;padding:.35em .6em;text-align:right;vertical-align:top}
td{white-space:nowrap}
th{background:#f5f5f5}
td:first-child,th:first-child{text-align:left}
td.text{text-align:left;max-width:28em;white-space:normal}
figure{margin:1.4em 0}
figure svg{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#333;font-size:.95em;margin-top:.3em}
.note{color:#666;font-size:.9em}
.ci{color:#666;font-size:.88em}
.swatch{display:inline-block;width:.9em;height:.9em;margin:0 .3em 0 .8em;vertical-align:-.1em}
";

/// The API alternatives' names (run folders before `[[api]]` hold one `api`).
fn api_names(sc: &serde_json::Value) -> String {
    match sc["apis"].as_array() {
        Some(a) => a
            .iter()
            .filter_map(|x| x["name"].as_str())
            .collect::<Vec<_>>()
            .join(", "),
        None => sc["api"]["name"].as_str().unwrap_or("?").to_owned(),
    }
}

fn header(run: &Run, out: &mut String) {
    let i = &run.info;
    let sc = &i["scenario"];
    let _ = write!(
        out,
        "<h1>{}</h1>\n<p>{}</p>\n<p class=\"facts\">{} trials · seed {} · {} hours from {} · API: {} · capsim {} · run started {}{}</p>\n",
        esc(i["scenario_name"].as_str().unwrap_or("capsim run")),
        esc(sc["description"].as_str().unwrap_or("")),
        crate::fmt::thousands(i["trials"].as_u64().unwrap_or(0)),
        i["seed"],
        run.horizon_hours(),
        esc(sc["start"].as_str().unwrap_or("?")),
        esc(&api_names(sc)),
        esc(i["capsim_version"].as_str().unwrap_or("?")),
        esc(&started(i["started_at"].as_str().unwrap_or("?"))),
        if i["deterministic"].as_bool() == Some(true) {
            " · deterministic (every input at its point value)"
        } else {
            ""
        }
    );
    if let Some(list) = sc["not_modelled"].as_array().filter(|l| !l.is_empty()) {
        let items: Vec<&str> = list.iter().filter_map(|x| x.as_str()).collect();
        let _ = writeln!(
            out,
            "<p class=\"note\"><b>Not modelled:</b> {} — each costs nothing in these results.</p>",
            esc(&items.join(", "))
        );
    }
    // What validation warned about (allowed, but it may not be what was
    // meant), as printed on standard error when the run started.
    if let Some(list) = sc["warnings"].as_array().filter(|l| !l.is_empty()) {
        let items: String = list
            .iter()
            .filter_map(|x| x.as_str())
            .map(|w| format!("<li>{}</li>", esc(w)))
            .collect();
        let _ = writeln!(
            out,
            "<section id=\"notes\" class=\"note\"><h2>Notes</h2>\n<p>The scenario is valid, but check these:</p>\n<ul>{items}</ul></section>"
        );
    }
    if let Some(sh) = i["shard"].as_array() {
        let _ = writeln!(
            out,
            "<p class=\"note\">This folder holds shard {} of {} only (trials {}–{}); merge the shards with <code>capsim merge</code> for the whole run.</p>",
            sh.first().and_then(|v| v.as_u64()).unwrap_or(0),
            sh.get(1).and_then(|v| v.as_u64()).unwrap_or(0),
            i["trial_range"][0],
            i["trial_range"][1].as_u64().unwrap_or(0).saturating_sub(1),
        );
    }
}

/// RFC 3339 → `2026-11-28 10:59 UTC` (as given if it does not parse).
fn started(t: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(t).map_or(t.to_owned(), |d| {
        d.with_timezone(&chrono::Utc)
            .format("%Y-%m-%d %H:%M UTC")
            .to_string()
    })
}

fn footer(run: &Run, out: &mut String) {
    if let Some((shown, all)) = run.sampled {
        let _ = writeln!(
            out,
            "<p class=\"note\">The charts use the first {shown} of the run's {all} trials (each trial's random streams are independent, so they are a random sample of them); the tables use every trial.</p>"
        );
    }
    let _ = write!(
        out,
        "<h2>How to read this</h2>\n<p class=\"note\">Each trial is one possible {} with its own traffic, prices, failures and throughput drawn from the scenario's distributions; every strategy sees the same trials. \"Expected\" means the mean over trials; its 95% confidence interval says how precisely the trials estimate it, not how much a real year can vary — for that, read the P5–P95 ranges. The files behind this page (trials.parquet, summary.parquet, monthly.parquet and run.json) are in the same folder; their columns are described by <code>capsim schema</code>.</p>\n",
        match run.horizon_hours() {
            8760 => "year".to_owned(),
            h => format!("{} horizon", crate::fmt::span(h)),
        }
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Engine;
    use crate::report::stream::RunFiles;

    /// Charts of a large run read the first trials only, every column they
    /// need for them, and the page says so; the tables are not affected.
    /// The monthly chart reads each month at its cost per 730 hours: a
    /// reserved fleet with no spill costs the same every hour, so a partial
    /// last month of 48 hours reads as every full month does (no cliff).
    #[test]
    fn a_partial_last_month_reads_at_its_hourly_rate() {
        let mut s = crate::scenario::builtin_seed().deterministic();
        s.horizon_hours = 8760 + 48;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("run");
        let e = Engine::new(&s, 1);
        let target = crate::report::folder::Target {
            dir: dir.clone(),
            named: true,
            force: false,
        };
        let mut files = RunFiles::create(&target).unwrap();
        files
            .append(&s, e.calendar(), &e.run(0..2, &|| {}))
            .unwrap();
        let names: Vec<String> = s.strategies.iter().map(|x| x.name.clone()).collect();
        files.finish(&names, "{}", &[], Vec::new(), false).unwrap();
        let run = Run::load(&dir).unwrap();
        let months = &run.monthly["reserved"];
        assert_eq!(months.len(), 13);
        let first = months[&1][0];
        let last = months[&13][0];
        assert!((last - first).abs() <= 1e-9 * first, "{last} vs {first}");
    }

    #[test]
    fn charts_of_a_large_run_read_a_sample_and_say_so() {
        let s = crate::scenario::builtin_seed();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("run");
        let e = Engine::new(&s, 1);
        let target = crate::report::folder::Target {
            dir: dir.clone(),
            named: true,
            force: false,
        };
        let mut files = RunFiles::create(&target).unwrap();
        files
            .append(&s, e.calendar(), &e.run(0..40, &|| {}))
            .unwrap();
        let names: Vec<String> = s.strategies.iter().map(|x| x.name.clone()).collect();
        files.finish(&names, "{}", &[], Vec::new(), false).unwrap();
        let run = Run::load_capped(&dir, 7).unwrap();
        assert_eq!(run.sampled, Some((7, 40)));
        let costs = &run.trials[&(names[0].clone(), "total_cost_usd".to_owned())];
        assert_eq!(costs.len(), 7);
        let months = &run.monthly[&names[0]];
        assert_eq!(months.len(), 12);
        assert!(months.values().all(|v| v.len() == 7));
        let mut page = String::new();
        footer(&run, &mut page);
        assert!(
            page.contains("the first 7 of the run's 40 trials"),
            "{page}"
        );
        let whole = Run::load(&dir).unwrap();
        assert_eq!(whole.sampled, None);
        assert_eq!(
            whole.trials[&(names[0].clone(), "total_cost_usd".to_owned())].len(),
            40
        );
    }
}
