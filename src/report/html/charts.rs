//! The page's charts: SVG drawn with plotters, each with one sentence read
//! from the data.

use super::*;

/// Tableau 10: distinct colours that survive greyscale printing reasonably.
pub(super) const COLOURS: [RGBColor; 10] = [
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

pub(super) const FONT: &str = "sans-serif";

pub(super) const WIDTH: u32 = 880;

pub(super) fn colour(i: usize) -> RGBColor {
    COLOURS[i % COLOURS.len()]
}

/// Draw into an SVG string of `height` pixels.
pub(super) fn svg(
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
pub(super) fn figure(out: &mut String, id: &str, title: &str, svg: &str, reading: &str) {
    let _ = write!(
        out,
        "<figure class=\"chart\" id=\"chart-{id}\">\n<h3>{}</h3>\n{svg}\n<figcaption>{}</figcaption>\n</figure>\n",
        esc(title),
        esc(reading)
    );
}

/// The x range [lo, hi] padded by 5% each side, kept at or above 0 when `lo` is.
pub(super) fn padded(lo: f64, hi: f64) -> (f64, f64) {
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
pub(super) struct Interval {
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
    pub(super) fn of(name: &str, colour: RGBColor, v: &[f64]) -> Option<Interval> {
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

pub(super) fn interval_chart(
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

pub(super) fn cost_distribution(run: &Run, out: &mut String) -> Result<()> {
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

pub(super) fn fan_chart(run: &Run, out: &mut String) -> Result<()> {
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
                .y_desc("cost per 730-hour month, USD")
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
        "The line is the median month, the dark band holds half the trials and the light band 90%; each panel has its own scale, starting at $0. Each month is its cost per 730 hours (a partial first or last month at its hourly rate, so the chart ends without a cliff). The costliest bad month is {}'s {}: {} at the 95th percentile.",
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
pub(super) fn ymax(rows: &[[f64; 6]]) -> f64 {
    rows.iter().map(|x| x[5]).fold(0.0, f64::max).max(1.0) * 1.1
}

/// Money on an axis: `$0`, `$250,000`, `$1.50 M`.
pub(super) fn money_axis(v: f64) -> String {
    if v.abs() < 0.005 { "$0".into() } else { usd(v) }
}

pub(super) fn cost_per_mtok(run: &Run, out: &mut String) -> Result<()> {
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

pub(super) fn breakeven_section(run: &Run, out: &mut String) -> Result<()> {
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
    let today = run.point_volume();
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
            // Only 1, 2 and 5 × 10^k: the other log ticks' labels collide.
            .x_label_formatter(&|v| log_label(*v))
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
        if let Some(v) = today.filter(|v| *v >= vmin && *v <= vmax) {
            chart.draw_series(DashedLineSeries::new(
                [(v, 0.0), (v, 1.0)],
                6,
                4,
                BLACK.stroke_width(2),
            ))?;
            chart.draw_series([Text::new(
                format!(" today: {}", tokens(v)),
                (v, 0.97),
                (FONT, 13).into_font(),
            )])?;
        }
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
        "Self-hosting is more likely than not to beat {} for {}. Bands are 95% intervals of each probability{}.",
        match run.compared_api().as_str() {
            "API" => "the API".to_owned(),
            "its API" => "the API each strategy spills to".to_owned(),
            name => name.to_owned(),
        },
        crossings.join("; "),
        today.map_or(String::new(), |v| format!(
            "; the dashed line is today's volume, {} tokens a month",
            tokens(v)
        ))
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

/// A log axis's label: 1, 2 and 5 × 10^k in tokens, nothing elsewhere.
pub(super) fn log_label(v: f64) -> String {
    if v.is_nan() || v <= 0.0 {
        return String::new();
    }
    let m = v / 10f64.powf(v.log10().floor());
    if [1.0, 2.0, 5.0, 10.0]
        .iter()
        .any(|x| (m - x).abs() < 1e-6 * x)
    {
        tokens(v)
    } else {
        String::new()
    }
}

/// The plan's candidates as mean cost against CVaR95: infeasible ones grey,
/// feasible ones blue, the frontier as a line, the recommendation marked.
/// Candidates the search dropped after its first round are left out (their
/// figures rest on fewer trials).
pub(super) fn frontier(df: &DataFrame, out: &mut String) -> Result<()> {
    let f = "plan.parquet";
    let names = strings(df, "candidate", f)?;
    let trials = typed(df, "trials", f, Column::u64)?;
    let mean = floats(df, "cost_mean_usd", f)?;
    let cvar = floats(df, "cost_cvar95_usd", f)?;
    let feasible = typed(df, "feasible", f, Column::bool)?;
    let front = typed(df, "on_frontier", f, Column::bool)?;
    let pick = typed(df, "recommended", f, Column::bool)?;
    let most = trials.iter().flatten().max().unwrap_or(0);
    // (mean, cvar, feasible, frontier, pick, name)
    let pts: Vec<(f64, f64, bool, bool, bool, &str)> = (0..names.len())
        .filter(|&i| trials.get(i) == Some(most))
        .filter_map(|i| {
            Some((
                mean[i]?,
                cvar[i]?,
                feasible.get(i)?,
                front.get(i)?,
                pick.get(i)?,
                names[i].as_str(),
            ))
        })
        .filter(|p| p.0.is_finite() && p.1.is_finite())
        .collect();
    if pts.is_empty() {
        return Ok(());
    }
    let (x0, x1) = padded(
        pts.iter().map(|p| p.0).fold(f64::INFINITY, f64::min),
        pts.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max),
    );
    let (y0, y1) = padded(
        pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min),
        pts.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max),
    );
    let mut line: Vec<(f64, f64)> = pts.iter().filter(|p| p.3).map(|p| (p.0, p.1)).collect();
    line.sort_by(|a, b| a.0.total_cmp(&b.0));
    let svg = svg(460, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(14)
            .x_label_area_size(48)
            .y_label_area_size(84)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .x_desc("expected cost over the horizon")
            .y_desc("CVaR95: mean of the costliest 5% of trials")
            .x_labels(7)
            .y_labels(7)
            .x_label_formatter(&|v| money_axis(*v))
            .y_label_formatter(&|v| money_axis(*v))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 14))
            .draw()?;
        let grey = RGBColor(160, 160, 160);
        chart
            .draw_series(
                pts.iter()
                    .filter(|p| !p.2)
                    .map(|p| Circle::new((p.0, p.1), 4, grey.mix(0.7).filled())),
            )?
            .label("fails a constraint")
            .legend(move |(x, y)| Circle::new((x + 10, y), 4, grey.filled()));
        let blue = colour(0);
        chart
            .draw_series(
                pts.iter()
                    .filter(|p| p.2)
                    .map(|p| Circle::new((p.0, p.1), 4, blue.mix(0.8).filled())),
            )?
            .label("meets the constraints")
            .legend(move |(x, y)| Circle::new((x + 10, y), 4, blue.filled()));
        let red = colour(2);
        chart
            .draw_series(LineSeries::new(line.iter().copied(), red.stroke_width(2)))?
            .label("frontier (no candidate is cheaper and safer)")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], red.stroke_width(2)));
        for p in pts.iter().filter(|p| p.4) {
            chart.draw_series([
                Circle::new((p.0, p.1), 9, BLACK.stroke_width(2)),
                Circle::new((p.0, p.1), 5, colour(4).filled()),
            ])?;
            chart.draw_series([Text::new(
                format!("  recommended: {}", p.5),
                (p.0, p.1),
                (FONT, 13).into_font(),
            )])?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font((FONT, 13))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()?;
        Ok(())
    })?;
    let n_front = pts.iter().filter(|p| p.3).count();
    let reading = match pts.iter().find(|p| p.4) {
        Some(p) => format!(
            "{} candidates on every trial; {} meet the constraints, {n_front} of them on the frontier. The recommendation, {}, costs {} on average with a CVaR95 of {}; a candidate to its left is cheaper on average but riskier in the tail, one below it safer but dearer.",
            pts.len(),
            pts.iter().filter(|p| p.2).count(),
            p.5,
            usd(p.0),
            usd(p.1)
        ),
        None => format!(
            "{} candidates on every trial; none meets the constraints, so there is no frontier and no recommendation.",
            pts.len()
        ),
    };
    figure(
        out,
        "plan-frontier",
        "What to buy: expected cost against tail risk, every candidate fleet",
        &svg,
        &reading,
    );
    // The frontier and the pick as a table.
    out.push_str(
        "<table>\n<tr><th>candidate</th><th>expected cost</th><th>CVaR95</th><th></th></tr>\n",
    );
    let mut rows: Vec<_> = pts.iter().filter(|p| p.3 || p.4).collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    for p in rows {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(p.5),
            usd(p.0),
            usd(p.1),
            if p.4 { "recommended" } else { "frontier" }
        );
    }
    out.push_str("</table>\n");
    Ok(())
}

/// First volume at which the curve rises through 50%, interpolated in log volume.
pub(super) fn crossing(pts: &[[f64; 4]]) -> Option<f64> {
    pts.windows(2).find_map(|w| {
        let (a, b) = (w[0], w[1]);
        (a[1] < 0.5 && b[1] >= 0.5).then(|| {
            let t = (0.5 - a[1]) / (b[1] - a[1]);
            (a[0].ln() + t * (b[0].ln() - a[0].ln())).exp()
        })
    })
}

pub(super) fn breakdown(run: &Run, out: &mut String) -> Result<()> {
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
            usd(means[i][1] * 8760.0 / (run.horizon_hours().max(1) as f64))
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

pub(super) fn capacity(run: &Run, out: &mut String) -> Result<()> {
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

/// The least-regret map (`regret_map.parquet`): a cell per pair of input
/// bins, coloured by its least-regret strategy, pale with a "?" where the
/// runner-up is within the cell's noise.
pub(super) fn regret_map_chart(run: &Run, out: &mut String) -> Result<()> {
    let Some(df) = &run.regret_map else {
        return Ok(());
    };
    let f = "regret_map.parquet";
    let xin = strings(df, "x_input", f)?;
    let yin = strings(df, "y_input", f)?;
    let (x0, x1) = (floats(df, "x_low", f)?, floats(df, "x_high", f)?);
    let (y0, y1) = (floats(df, "y_low", f)?, floats(df, "y_high", f)?);
    let winner = strings(df, "least_regret", f)?;
    let certain = typed(df, "certain", f, Column::bool)?;
    if winner.is_empty() {
        return Ok(());
    }
    // Bin edges, in order, from the cells.
    let edges = |lo: &[Option<f64>], hi: &[Option<f64>]| {
        let mut e: Vec<f64> = lo.iter().chain(hi).flatten().copied().collect();
        e.sort_by(f64::total_cmp);
        e.dedup();
        e
    };
    let (ex, ey) = (edges(&x0, &x1), edges(&y0, &y1));
    let index = |e: &[f64], v: f64| e.iter().position(|x| *x == v).unwrap_or(0);
    let money = |name: &str| {
        name.contains("usd") || name.starts_with("gpu_prices") || name.starts_with("api")
    };
    let fmt = |name: &str, v: f64| {
        if name.contains("tokens") {
            tokens(v)
        } else if money(name) {
            format!("${v:.2}")
        } else {
            format!("{v:.2}")
        }
    };
    let (xn, yn) = (xin[0].clone(), yin[0].clone());
    let strategy_index = |n: &str| run.names.iter().position(|x| x == n).unwrap_or(0);
    let svg = svg(440, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(14)
            .x_label_area_size(52)
            .y_label_area_size(84)
            .build_cartesian_2d(0.0..(ex.len() - 1) as f64, 0.0..(ey.len() - 1) as f64)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(ex.len())
            .y_labels(ey.len())
            .x_label_formatter(&|v| {
                let i = v.round() as usize;
                if (v - v.round()).abs() < 1e-6 && i < ex.len() {
                    fmt(&xn, ex[i])
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|v| {
                let i = v.round() as usize;
                if (v - v.round()).abs() < 1e-6 && i < ey.len() {
                    fmt(&yn, ey[i])
                } else {
                    String::new()
                }
            })
            .x_desc(format!("{xn} (bins of the trials' draws)"))
            .y_desc(yn.clone())
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 14))
            .draw()?;
        for k in 0..winner.len() {
            let (Some(a), Some(b), Some(c), Some(d)) = (x0[k], x1[k], y0[k], y1[k]) else {
                continue;
            };
            let (i0, i1, j0, j1) = (index(&ex, a), index(&ex, b), index(&ey, c), index(&ey, d));
            let col = colour(strategy_index(&winner[k]));
            let sure = certain.get(k).unwrap_or(false);
            chart.draw_series([Rectangle::new(
                [(i0 as f64, j0 as f64), (i1 as f64, j1 as f64)],
                col.mix(if sure { 0.85 } else { 0.3 }).filled(),
            )])?;
            if !sure {
                chart.draw_series([Text::new(
                    "?",
                    ((i0 as f64 + i1 as f64) / 2.0, (j0 as f64 + j1 as f64) / 2.0),
                    (FONT, 16).into_font(),
                )])?;
            }
        }
        Ok(())
    })?;
    let mut shown: Vec<&String> = winner.iter().collect();
    shown.sort();
    shown.dedup();
    let legend = shown
        .iter()
        .map(|n| {
            let c = colour(strategy_index(n));
            format!(
                "<span class=\"swatch\" style=\"background:rgb({},{},{})\"></span>{}",
                c.0,
                c.1,
                c.2,
                esc(n)
            )
        })
        .collect::<String>();
    let unsure = (0..winner.len())
        .filter(|&k| !certain.get(k).unwrap_or(true))
        .count();
    let reading = if shown.len() == 1 {
        format!(
            "{} has the least regret in every cell of {xn} against {yn}; {} of {} cells are uncertain (the runner-up within the cell's 95% interval).",
            shown[0],
            unsure,
            winner.len()
        )
    } else {
        format!(
            "The least-regret strategy changes across {xn} and {yn}: {} strategies win somewhere; pale cells marked ? are uncertain (the runner-up within the cell's 95% interval), {unsure} of {}.",
            shown.len(),
            winner.len()
        )
    };
    figure(
        out,
        "regret-map",
        "Where the answer changes: the least-regret strategy by two inputs",
        &svg,
        &reading,
    );
    let _ = writeln!(out, "<p class=\"note\">{legend}</p>");
    Ok(())
}
