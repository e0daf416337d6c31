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
use crate::stats::quantile_sorted;

/// Tableau 10: distinct colours that survive greyscale printing reasonably.
const COLOURS: [RGBColor; 10] = [
    RGBColor(78, 121, 167),
    RGBColor(242, 142, 43),
    RGBColor(225, 87, 89),
    RGBColor(118, 183, 178),
    RGBColor(89, 161, 79),
    RGBColor(237, 201, 72),
    RGBColor(176, 122, 161),
    RGBColor(255, 157, 167),
    RGBColor(156, 117, 95),
    RGBColor(186, 176, 172),
];
const FONT: &str = "sans-serif";
const WIDTH: u32 = 880;

fn colour(i: usize) -> RGBColor {
    COLOURS[i % COLOURS.len()]
}

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
            Some(&["strategy", "month", "month_start", "total_cost_usd"]),
            Some(m_rows),
        )?;
        // Straight from the columns (no String per row: a sample of 100,000
        // trials is millions of rows).
        let file = "monthly.parquet";
        let m_names = typed(&mdf, "strategy", file, Column::str)?;
        let m_start = typed(&mdf, "month_start", file, Column::str)?;
        let months = typed(&mdf, "month", file, Column::u32)?;
        let m_cost = typed(&mdf, "total_cost_usd", file, Column::f64)?;
        let mut monthly: BTreeMap<String, BTreeMap<u32, Vec<f64>>> = BTreeMap::new();
        let mut month_start = BTreeMap::new();
        let rows = m_names
            .iter()
            .zip(m_start.iter())
            .zip(months.iter())
            .zip(m_cost.iter());
        for (((name, start), month), cost) in rows {
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

    fn has_gpus(&self, strategy: &str) -> bool {
        !self.values(strategy, "utilization").is_empty()
    }

    fn horizon_hours(&self) -> u64 {
        self.info["horizon_hours"].as_u64().unwrap_or(0)
    }

    /// "Annual" for a one-year horizon, else "N-hour".
    fn span(&self) -> String {
        match self.horizon_hours() {
            8760 => "annual".into(),
            h => format!("{h}-hour"),
        }
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

/// Draw into an SVG string of `height` pixels.
fn svg(
    height: u32,
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Result<()>,
) -> Result<String> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
    }
    Ok(buf)
}

/// A chart section: title, SVG, reading.
fn figure(out: &mut String, id: &str, title: &str, svg: &str, reading: &str) {
    let _ = write!(
        out,
        "<figure class=\"chart\" id=\"chart-{id}\">\n<h3>{}</h3>\n{svg}\n<figcaption>{}</figcaption>\n</figure>\n",
        esc(title),
        esc(reading)
    );
}

/// The x range [lo, hi] padded by 5% each side, kept at or above 0 when `lo` is.
fn padded(lo: f64, hi: f64) -> (f64, f64) {
    let (lo, hi) = if lo.is_finite() && hi.is_finite() {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    let span = if hi > lo { hi - lo } else { hi.abs().max(1.0) };
    let a = lo - 0.05 * span;
    ((if lo >= 0.0 { a.max(0.0) } else { a }), hi + 0.05 * span)
}

/// Horizontal intervals per strategy: whisker p5–p95, box p25–p75, median
/// tick, mean dot; `marker` draws a dashed reference line at that x.
struct Interval {
    name: String,
    colour: RGBColor,
    p5: f64,
    p25: f64,
    p50: f64,
    p75: f64,
    p95: f64,
    mean: f64,
}

impl Interval {
    fn of(name: &str, colour: RGBColor, v: &[f64]) -> Option<Interval> {
        if v.is_empty() {
            return None;
        }
        let s = sorted(v);
        Some(Interval {
            name: name.to_owned(),
            colour,
            p5: quantile_sorted(&s, 0.05),
            p25: quantile_sorted(&s, 0.25),
            p50: quantile_sorted(&s, 0.5),
            p75: quantile_sorted(&s, 0.75),
            p95: quantile_sorted(&s, 0.95),
            mean: mean(v),
        })
    }
}

fn interval_chart(
    rows: &[Interval],
    x_desc: &str,
    fmt: &dyn Fn(f64) -> String,
    marker: Option<(f64, &str)>,
) -> Result<String> {
    let n = rows.len();
    let mut lo = rows.iter().map(|r| r.p5).fold(f64::INFINITY, f64::min);
    let mut hi = rows.iter().map(|r| r.p95).fold(f64::NEG_INFINITY, f64::max);
    if let Some((m, _)) = marker {
        lo = lo.min(m);
        // Room for the marker's label to the right of its line.
        hi = hi.max(m + 0.15 * (m - lo).max(m.abs() * 0.1));
    }
    let (x0, x1) = padded(lo, hi);
    let height = 90 + 46 * n as u32;
    svg(height, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(190)
            .build_cartesian_2d(x0..x1, -0.6..n as f64 - 0.4)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .disable_y_mesh()
            .y_labels(n + 1)
            .x_desc(x_desc)
            .x_labels(7)
            .x_label_formatter(&|v| fmt(*v))
            .y_label_formatter(&|v| {
                // Row i is drawn at y = n-1-i so the first strategy is on top.
                if (v - v.round()).abs() > 1e-6 {
                    return String::new();
                }
                let i = n as f64 - 1.0 - v.round();
                rows.get(i as usize)
                    .map_or(String::new(), |r| r.name.clone())
            })
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .draw()?;
        for (i, r) in rows.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let c = r.colour;
            chart.draw_series([
                PathElement::new(vec![(r.p5, y), (r.p95, y)], c.stroke_width(2)),
                PathElement::new(vec![(r.p5, y - 0.12), (r.p5, y + 0.12)], c.stroke_width(2)),
                PathElement::new(
                    vec![(r.p95, y - 0.12), (r.p95, y + 0.12)],
                    c.stroke_width(2),
                ),
            ])?;
            chart.draw_series([Rectangle::new(
                [(r.p25, y - 0.25), (r.p75, y + 0.25)],
                c.mix(0.55).filled(),
            )])?;
            chart.draw_series([PathElement::new(
                vec![(r.p50, y - 0.3), (r.p50, y + 0.3)],
                BLACK.stroke_width(3),
            )])?;
            chart.draw_series([Circle::new((r.mean, y), 5, BLACK.filled())])?;
        }
        if let Some((m, label)) = marker {
            chart.draw_series(DashedLineSeries::new(
                [(m, -0.6), (m, n as f64 - 0.4)],
                6,
                4,
                BLACK.stroke_width(2),
            ))?;
            chart.draw_series([Text::new(
                label.to_owned(),
                (m, n as f64 - 0.45),
                (FONT, 13).into_font(),
            )])?;
        }
        Ok(())
    })
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
    headline_table(&run, &mut body);
    seed_section(&run, &mut body);
    compare_section(&run, &mut body)?;
    sensitivity_section(&run, &mut body)?;
    cost_distribution(&run, &mut body)?;
    fan_chart(&run, &mut body)?;
    cost_per_mtok(&run, &mut body)?;
    breakeven_section(&run, &mut body)?;
    breakdown(&run, &mut body)?;
    capacity(&run, &mut body)?;
    footer(&run, &mut body);
    Ok(page(&run, &body))
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
        esc(sc["api"]["name"].as_str().unwrap_or("?")),
        esc(i["capsim_version"].as_str().unwrap_or("?")),
        esc(&started(i["started_at"].as_str().unwrap_or("?"))),
        if i["deterministic"].as_bool() == Some(true) {
            " · deterministic (every input at its point value)"
        } else {
            ""
        }
    );
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

fn headline_table(run: &Run, out: &mut String) {
    let span = run.span();
    let _ = write!(
        out,
        "<h2>The numbers</h2>\n<p>Expected {span} cost of each strategy with the 95% confidence interval of that expectation (how precisely the {} trials pin it down), the range 90% of trials fall in, and the cost per million output tokens delivered.</p>\n<table>\n<tr><th>strategy</th><th>expected {span} cost [95% CI]</th><th>P5 – P95</th><th>$ per M tokens [95% CI]</th><th>P(cheaper than API)</th><th>utilization</th><th>hours short</th></tr>\n",
        crate::fmt::thousands(run.info["trials"].as_u64().unwrap_or(0))
    );
    for n in &run.names {
        let cost = run.stat(n, "total_cost_usd");
        let cpm = run.stat(n, "cost_per_mtok_usd");
        let p = run
            .stat(n, "prob_self_host_cheaper")
            .filter(|_| run.has_gpus(n));
        let util = run.stat(n, "utilization");
        let short = run.stat(n, "hours_short");
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(n),
            cost.map_or("—".into(), |c| format!(
                "<b>{}</b><br><span class=\"ci\">{} – {}</span>",
                usd(c[0]),
                usd(c[1]),
                usd(c[2])
            )),
            cost.map_or("—".into(), |c| format!("{} – {}", usd(c[3]), usd(c[5]))),
            cpm.map_or("—".into(), |c| format!(
                "<b>${:.2}</b><br><span class=\"ci\">{:.2} – {:.2}</span>",
                c[0], c[1], c[2]
            )),
            p.map_or("—".into(), |p| format!(
                "<b>{}</b><br><span class=\"ci\">{} – {}</span>",
                pct(p[0]),
                pct(p[1]),
                pct(p[2])
            )),
            util.map_or("—".into(), |u| format!("{:.1}%", 100.0 * u[0])),
            short.map_or("—".into(), |h| format!("{:.0}", h[0])),
        );
    }
    out.push_str("</table>\n");
}

fn seed_section(run: &Run, out: &mut String) {
    let Some(text) = run.info["scenario_toml"].as_str() else {
        return;
    };
    let Ok(s) = crate::scenario::parse(text, "run.json", None) else {
        return;
    };
    if s.name != crate::scenario::builtin_seed().name {
        return;
    }
    let Ok(rows) = crate::seed_table::seed_table(&s) else {
        return;
    };
    out.push_str("<h2>The seed calculation, checked</h2>\n<p>The back-of-the-envelope figures this scenario comes from, redone by capsim with the seed's own arithmetic, and the corrected figure where the seed is wrong.</p>\n<table>\n<tr><th>figure</th><th>seed says</th><th>seed's arithmetic</th><th>corrected</th><th>why</th></tr>\n");
    for r in rows {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"text\">{}</td></tr>",
            esc(&r.label),
            esc(&r.seed),
            esc(&r.reproduced_text),
            esc(&r.corrected_text),
            esc(r.reason.as_deref().unwrap_or("the seed is right"))
        );
    }
    out.push_str("</table>\n");
}

fn compare_section(run: &Run, out: &mut String) -> Result<()> {
    let Some(df) = &run.compare else {
        return Ok(());
    };
    let f = "compare.parquet";
    let names = strings(df, "strategy", f)?;
    let col = |c: &str| floats(df, c, f);
    let (mean, p95, cvar, pc, regret, regret95) = (
        col("cost_mean_usd")?,
        col("cost_p95_usd")?,
        col("cost_cvar95_usd")?,
        col("prob_cheapest")?,
        col("regret_mean_usd")?,
        col("regret_p95_usd")?,
    );
    let v = |x: Option<f64>| x.unwrap_or(f64::NAN);
    out.push_str("<h2>Which strategy, and how much risk</h2>\n<p>All strategies ran on the same trials (the same traffic, prices and failures), so differences between them are paired. Regret is a strategy's cost minus the cheapest strategy's cost in the same trial; the least-regret strategy is first.</p>\n<table>\n<tr><th>strategy</th><th>expected cost</th><th>P95</th><th>mean of worst 5%</th><th>P(cheapest)</th><th>mean regret</th><th>P95 regret</th></tr>\n");
    for i in 0..names.len() {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&names[i]),
            usd(v(mean[i])),
            usd(v(p95[i])),
            usd(v(cvar[i])),
            pct(v(pc[i])),
            usd(v(regret[i])),
            usd(v(regret95[i]))
        );
    }
    out.push_str("</table>\n");
    Ok(())
}

/// The three inputs that drive each strategy's cost (rows are written in
/// rank order per strategy).
fn sensitivity_section(run: &Run, out: &mut String) -> Result<()> {
    let Some(df) = &run.sensitivity else {
        return Ok(());
    };
    let f = "sensitivity.parquet";
    let (names, inputs) = (strings(df, "strategy", f)?, strings(df, "input", f)?);
    let (rho, lo, hi) = (
        floats(df, "spearman", f)?,
        floats(df, "cost_at_p10_usd", f)?,
        floats(df, "cost_at_p90_usd", f)?,
    );
    if names.is_empty() {
        return Ok(());
    }
    out.push_str("<h2>What drives the cost</h2>\n<p>For each strategy, the three uncertain inputs whose draws are most closely tied to its cost (Spearman rank correlation: +1 = cost always rises with the input, −1 = always falls), and the mean cost of the trials with that input in its lowest and highest tenth. Narrowing the first input's range is what would narrow the cost's.</p>\n<table>\n<tr><th>strategy</th><th>input</th><th>rank correlation</th><th>cost, input at P10</th><th>cost, input at P90</th></tr>\n");
    let mut shown: BTreeMap<&str, usize> = BTreeMap::new();
    let v = |x: Option<f64>| x.unwrap_or(f64::NAN);
    for i in 0..names.len() {
        let n = shown.entry(names[i].as_str()).or_default();
        *n += 1;
        if *n > 3 {
            continue;
        }
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{:+.2}</td><td>{}</td><td>{}</td></tr>",
            esc(&names[i]),
            esc(&inputs[i]),
            v(rho[i]),
            usd(v(lo[i])),
            usd(v(hi[i]))
        );
    }
    out.push_str("</table>\n");
    Ok(())
}

fn cost_distribution(run: &Run, out: &mut String) -> Result<()> {
    let rows: Vec<Interval> = run.intervals("total_cost_usd");
    let span = run.span();
    let svg = interval_chart(&rows, &format!("{span} cost, USD"), &money_axis, None)?;
    let best = rows
        .iter()
        .min_by(|a, b| a.mean.total_cmp(&b.mean))
        .context("no costs in trials.parquet")?;
    let widest = rows
        .iter()
        .max_by(|a, b| (a.p95 - a.p5).total_cmp(&(b.p95 - b.p5)))
        .context("no costs in trials.parquet")?;
    let reading = format!(
        "{} has the lowest expected {span} cost ({}); {} is the least predictable, between {} and {} in 90% of trials. Box: middle half of trials; whiskers: 5th to 95th percentile; bar: median; dot: mean.",
        best.name,
        usd(best.mean),
        widest.name,
        usd(widest.p5),
        usd(widest.p95)
    );
    figure(
        out,
        "cost-distribution",
        &format!("Distribution of {span} cost per strategy"),
        &svg,
        &reading,
    );
    Ok(())
}

fn fan_chart(run: &Run, out: &mut String) -> Result<()> {
    // strategy → [(month, p5, p25, p50, p75, p95)]
    let mut bands: Vec<(usize, &str, Vec<[f64; 6]>)> = Vec::new();
    for (i, n) in run.names.iter().enumerate() {
        let Some(months) = run.monthly.get(n) else {
            continue;
        };
        let rows = months
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(m, v)| {
                let s = sorted(v);
                [
                    f64::from(*m),
                    quantile_sorted(&s, 0.05),
                    quantile_sorted(&s, 0.25),
                    quantile_sorted(&s, 0.5),
                    quantile_sorted(&s, 0.75),
                    quantile_sorted(&s, 0.95),
                ]
            })
            .collect::<Vec<_>>();
        if !rows.is_empty() {
            bands.push((i, n, rows));
        }
    }
    anyhow::ensure!(!bands.is_empty(), "monthly.parquet holds no costs");
    let last = run.month_start.keys().max().copied().unwrap_or(1).max(1);
    let cols = if bands.len() > 1 { 2 } else { 1 };
    let rows_n = bands.len().div_ceil(cols);
    let month_label = |m: f64| {
        let k = m.round() as u32;
        run.month_start
            .get(&k)
            .map_or(format!("{k}"), |d| d.get(..7).unwrap_or(d).to_owned())
    };
    let svg = svg(250 * rows_n as u32, |root| {
        let areas = root.split_evenly((rows_n, cols));
        for ((i, name, rows), area) in bands.iter().zip(areas.iter()) {
            let c = colour(*i);
            let mut chart = ChartBuilder::on(area)
                .margin(10)
                .caption(*name, (FONT, 15))
                .x_label_area_size(36)
                .y_label_area_size(72)
                .build_cartesian_2d(0.5..f64::from(last) + 0.5, 0.0..ymax(rows))?;
            chart
                .configure_mesh()
                .light_line_style(TRANSPARENT)
                .x_labels(6)
                .x_label_formatter(&|m| month_label(*m))
                .y_labels(5)
                .y_label_formatter(&|v| money_axis(*v))
                .y_desc("cost per month, USD")
                .label_style((FONT, 12))
                .axis_desc_style((FONT, 12))
                .draw()?;
            for (lo, hi, alpha) in [(1, 5, 0.18), (2, 4, 0.4)] {
                let mut pts: Vec<(f64, f64)> = rows.iter().map(|r| (r[0], r[hi])).collect();
                pts.extend(rows.iter().rev().map(|r| (r[0], r[lo])));
                chart.draw_series([Polygon::new(pts, c.mix(alpha).filled())])?;
            }
            chart.draw_series(LineSeries::new(
                rows.iter().map(|r| (r[0], r[3])),
                c.stroke_width(3),
            ))?;
        }
        Ok(())
    })?;
    let worst = bands
        .iter()
        .flat_map(|(_, n, r)| r.iter().map(move |x| (*n, x[0], x[5])))
        .max_by(|a, b| a.2.total_cmp(&b.2))
        .context("no monthly costs")?;
    let reading = format!(
        "The line is the median month, the dark band holds half the trials and the light band 90%; each panel has its own scale, starting at $0. The costliest bad month is {}'s {}: {} at the 95th percentile.",
        worst.0,
        month_label(worst.1),
        usd(worst.2)
    );
    figure(
        out,
        "monthly-fan",
        "Monthly cost, 5th–95th percentile bands",
        &svg,
        &reading,
    );
    Ok(())
}

/// Top of a fan panel: its highest 95th percentile, with room above.
fn ymax(rows: &[[f64; 6]]) -> f64 {
    rows.iter().map(|x| x[5]).fold(0.0, f64::max).max(1.0) * 1.1
}

/// Money on an axis: `$0`, `$250,000`, `$1.50 M`.
fn money_axis(v: f64) -> String {
    if v.abs() < 0.005 { "$0".into() } else { usd(v) }
}

fn cost_per_mtok(run: &Run, out: &mut String) -> Result<()> {
    let rows: Vec<Interval> = run.intervals("cost_per_mtok_usd");
    anyhow::ensure!(
        !rows.is_empty(),
        "trials.parquet: no cost per million tokens"
    );
    let api = run.api_per_mtok();
    let api_label = format!("API ${api:.2}");
    let svg = interval_chart(
        &rows,
        "cost per million output tokens delivered, USD",
        &|v| format!("${v:.2}"),
        api.is_finite().then_some((api, api_label.as_str())),
    )?;
    let gpu: Vec<&Interval> = rows.iter().filter(|r| run.has_gpus(&r.name)).collect();
    let beating = gpu.iter().filter(|r| r.mean < api).count();
    let reading = match gpu.iter().min_by(|a, b| a.mean.total_cmp(&b.mean)) {
        Some(best) => format!(
            "The API costs ${api:.2} per million output tokens here (dashed line); {beating} of {} self-hosted strategies are cheaper on average, the cheapest being {} at ${:.2}.",
            gpu.len(),
            best.name,
            best.mean
        ),
        None => format!(
            "The API costs ${api:.2} per million output tokens here (dashed line); no strategy runs its own GPUs."
        ),
    };
    figure(
        out,
        "cost-per-mtok",
        "Cost per million tokens against the API",
        &svg,
        &reading,
    );
    Ok(())
}

fn breakeven_section(run: &Run, out: &mut String) -> Result<()> {
    let Some(df) = &run.breakeven else {
        return Ok(());
    };
    let f = "breakeven.parquet";
    let names = strings(df, "strategy", f)?;
    let vol = floats(df, "monthly_tokens", f)?;
    let p = floats(df, "prob_self_host_cheaper", f)?;
    let lo = floats(df, "prob_ci95_low", f)?;
    let hi = floats(df, "prob_ci95_high", f)?;
    // strategy → [(volume, p, low, high)], volume-sorted.
    let mut curves: Vec<(usize, String, Vec<[f64; 4]>)> = Vec::new();
    for (si, n) in run.names.iter().enumerate() {
        let mut pts: Vec<[f64; 4]> = (0..names.len())
            .filter(|&k| &names[k] == n)
            .filter_map(|k| Some([vol[k]?, p[k]?, lo[k]?, hi[k]?]))
            .filter(|x| x[0] > 0.0)
            .collect();
        pts.sort_by(|a, b| a[0].total_cmp(&b[0]));
        if !pts.is_empty() {
            curves.push((si, n.clone(), pts));
        }
    }
    if curves.is_empty() {
        return Ok(());
    }
    let vmin = curves
        .iter()
        .flat_map(|c| c.2.iter().map(|x| x[0]))
        .fold(f64::INFINITY, f64::min);
    let vmax = curves
        .iter()
        .flat_map(|c| c.2.iter().map(|x| x[0]))
        .fold(0.0, f64::max);
    let (vmin, vmax) = if vmax > vmin {
        (vmin, vmax)
    } else {
        (vmin / 2.0, vmin * 2.0)
    };
    let svg = svg(430, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d((vmin..vmax).log_scale(), 0.0..1.0)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .x_desc("monthly volume, output tokens per 730-hour month (log scale)")
            .y_desc("P(self-hosting cheaper than the API)")
            .x_labels(12)
            .x_label_formatter(&|v| tokens(*v))
            .y_label_formatter(&|v| pct(*v))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 14))
            .draw()?;
        chart.draw_series(DashedLineSeries::new(
            [(vmin, 0.5), (vmax, 0.5)],
            6,
            4,
            BLACK.mix(0.5).stroke_width(1),
        ))?;
        for (si, name, pts) in &curves {
            let c = colour(*si);
            let mut band: Vec<(f64, f64)> = pts.iter().map(|x| (x[0], x[3])).collect();
            band.extend(pts.iter().rev().map(|x| (x[0], x[2])));
            chart.draw_series([Polygon::new(band, c.mix(0.15).filled())])?;
            chart
                .draw_series(LineSeries::new(
                    pts.iter().map(|x| (x[0], x[1])),
                    c.stroke_width(3),
                ))?
                .label(name.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .label_font((FONT, 13))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()?;
        Ok(())
    })?;
    // P(cheaper at v) = P(break-even <= v), so the 50% crossing is the median
    // per-trial break-even when those were solved; else interpolate the sweep.
    let medians = breakeven_medians(run);
    let crossings: Vec<String> = curves
        .iter()
        .map(
            |(_, n, pts)| match medians.get(n).copied().flatten().or_else(|| crossing(pts)) {
                Some(v) => format!("{n} above about {} tokens a month", tokens(v)),
                None if pts.iter().all(|x| x[1] >= 0.5) => {
                    format!("{n} across the whole range shown")
                }
                None => format!("{n} nowhere in the range shown"),
            },
        )
        .collect();
    let reading = format!(
        "Self-hosting is more likely than not to beat the API for {}. Bands are 95% intervals of each probability.",
        crossings.join("; ")
    );
    figure(
        out,
        "breakeven",
        "Break-even: probability that self-hosting is cheaper, by monthly volume",
        &svg,
        &reading,
    );
    breakeven_table(run, out);
    Ok(())
}

/// First volume at which the curve rises through 50%, interpolated in log volume.
fn crossing(pts: &[[f64; 4]]) -> Option<f64> {
    pts.windows(2).find_map(|w| {
        let (a, b) = (w[0], w[1]);
        (a[1] < 0.5 && b[1] >= 0.5).then(|| {
            let t = (0.5 - a[1]) / (b[1] - a[1]);
            (a[0].ln() + t * (b[0].ln() - a[0].ln())).exp()
        })
    })
}

/// Per strategy, the median per-trial break-even (None: most trials never
/// break even); empty without `breakeven_trials.parquet`.
fn breakeven_medians(run: &Run) -> BTreeMap<String, Option<f64>> {
    run.breakeven_trials
        .iter()
        .filter(|(_, all)| !all.is_empty())
        .map(|(n, all)| {
            // "Never" sorts above every volume.
            let v = sorted(
                &all.iter()
                    .map(|b| b.unwrap_or(f64::INFINITY))
                    .collect::<Vec<_>>(),
            );
            let m = quantile_sorted(&v, 0.5);
            (n.clone(), m.is_finite().then_some(m))
        })
        .collect()
}

fn breakeven_table(run: &Run, out: &mut String) {
    if run.breakeven_trials.is_empty() {
        return;
    }
    out.push_str("<table>\n<tr><th>strategy</th><th>break-even volume, median</th><th>P5 – P95</th><th>trials that never break even</th></tr>\n");
    for n in &run.names {
        let Some(all) = run.breakeven_trials.get(n).filter(|a| !a.is_empty()) else {
            continue;
        };
        let v: Vec<f64> = all.iter().flatten().copied().collect();
        let never = all.len() - v.len();
        let s = sorted(&v);
        let q = |p| {
            if s.is_empty() {
                "—".to_owned()
            } else {
                tokens(quantile_sorted(&s, p))
            }
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{} – {}</td><td>{}</td></tr>",
            esc(n),
            q(0.5),
            q(0.05),
            q(0.95),
            pct(never as f64 / all.len() as f64)
        );
    }
    out.push_str("</table>\n<p class=\"note\">Volumes are output tokens per 730-hour month at the start of the horizon (before growth and bursts), solved per trial on that trial's own traffic, prices and failures.</p>\n");
}

fn breakdown(run: &Run, out: &mut String) -> Result<()> {
    let parts = [
        ("gpu_cost_usd", "GPU"),
        ("api_spill_cost_usd", "API (spill and API-only traffic)"),
        ("overhead_cost_usd", "overhead"),
    ];
    let n = run.names.len();
    let means: Vec<[f64; 3]> = run
        .names
        .iter()
        // No values: mean is NaN, and NaN.max(0.0) is 0.
        .map(|s| std::array::from_fn(|k| mean(run.values(s, parts[k].0)).max(0.0)))
        .collect();
    let xmax = means
        .iter()
        .map(|m| m.iter().sum::<f64>())
        .fold(0.0, f64::max)
        .max(1.0)
        * 1.05;
    let span = run.span();
    let part_colours = [COLOURS[0], COLOURS[1], COLOURS[9]];
    let svg = svg(120 + 46 * n as u32, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(190)
            .build_cartesian_2d(0.0..xmax, -0.6..n as f64 - 0.4)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .disable_y_mesh()
            .y_labels(n + 1)
            .x_desc(format!("expected {span} cost, USD"))
            .x_labels(7)
            .x_label_formatter(&|v| money_axis(*v))
            .y_label_formatter(&|v| {
                if (v - v.round()).abs() > 1e-6 {
                    return String::new();
                }
                let i = n as f64 - 1.0 - v.round();
                run.names.get(i as usize).cloned().unwrap_or_default()
            })
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .draw()?;
        for (k, c) in part_colours.iter().enumerate() {
            chart.draw_series(means.iter().enumerate().map(|(i, m)| {
                let y = (n - 1 - i) as f64;
                let x0: f64 = m[..k].iter().sum();
                Rectangle::new([(x0, y - 0.3), (x0 + m[k], y + 0.3)], c.filled())
            }))?;
        }
        Ok(())
    })?;
    let mut svg = svg;
    svg.push_str("\n<div class=\"legend\">");
    for (k, (_, label)) in parts.iter().enumerate() {
        let RGBColor(r, g, b) = part_colours[k];
        let _ = write!(
            svg,
            "<span class=\"swatch\" style=\"background:rgb({r},{g},{b})\"></span>{}",
            esc(label)
        );
    }
    svg.push_str("</div>");
    let gpu_names: Vec<usize> = (0..n).filter(|&i| run.has_gpus(&run.names[i])).collect();
    let mut reading = String::new();
    if let Some(&i) = gpu_names.iter().min_by(|&&a, &&b| {
        run.mean(&run.names[a], "total_cost_usd")
            .total_cmp(&run.mean(&run.names[b], "total_cost_usd"))
    }) {
        let total: f64 = means[i].iter().sum();
        let _ = write!(
            reading,
            "GPU time is {} of the cheapest self-hosted strategy's ({}) expected cost.",
            pct(means[i][0] / total),
            run.names[i]
        );
    }
    if let Some(i) = gpu_names
        .iter()
        .copied()
        .max_by(|&a, &b| means[a][1].total_cmp(&means[b][1]))
        .filter(|&i| means[i][1] > 0.0)
    {
        let _ = write!(
            reading,
            " Among strategies with GPUs, {} sends the most to the API: {} a year on average.",
            run.names[i],
            usd(means[i][1])
        );
    }
    if reading.is_empty() {
        reading = "Every strategy here buys the API only.".into();
    }
    figure(
        out,
        "cost-breakdown",
        "Where the money goes: expected cost by component",
        &svg,
        reading.trim(),
    );
    Ok(())
}

fn capacity(run: &Run, out: &mut String) -> Result<()> {
    let util: Vec<Interval> = run.intervals("utilization");
    let short: Vec<Interval> = run
        .intervals("hours_short")
        .into_iter()
        .filter(|r| run.has_gpus(&r.name))
        .collect();
    if util.is_empty() {
        return Ok(());
    }
    let svg_u = interval_chart(
        &util,
        "utilization: share of paid capacity that served tokens, %",
        &|v| format!("{:.0}%", 100.0 * v),
        None,
    )?;
    let svg_s = interval_chart(
        &short,
        "hours short of capacity per trial (load above what was up)",
        &|v| format!("{v:.0} h"),
        None,
    )?;
    let lowest = util
        .iter()
        .min_by(|a, b| a.mean.total_cmp(&b.mean))
        .context("no utilization")?;
    let most_short = short
        .iter()
        .max_by(|a, b| a.mean.total_cmp(&b.mean))
        .context("no hours short")?;
    let svg = format!("{svg_u}\n{svg_s}");
    let reading = format!(
        "{} uses the least of what it pays for: {:.0}% of its capacity on average. {} is short of capacity longest, {:.0} hours in a mean trial (up to {:.0} in the worst 5%); short hours spill to the API, queue or drop as the strategy says.",
        lowest.name,
        100.0 * lowest.mean,
        most_short.name,
        most_short.mean,
        most_short.p95
    );
    figure(
        out,
        "capacity",
        "Utilization and hours short of capacity",
        &svg,
        &reading,
    );
    Ok(())
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
        if run.horizon_hours() == 8760 {
            "year".to_owned()
        } else {
            format!("{}-hour horizon", run.horizon_hours())
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
