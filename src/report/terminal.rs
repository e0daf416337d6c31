//! The end-of-run summary on the terminal.

use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};

use super::SummaryRow;
use crate::scenario::Scenario;

/// Format USD the way a finance reader expects: `$56,064`, `$1.23 M`.
pub fn usd(x: f64) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    let a = x.abs();
    let sign = if x < 0.0 { "-" } else { "" };
    if a >= 1e9 {
        format!("{sign}${:.2} B", a / 1e9)
    } else if a >= 1e6 {
        format!("{sign}${:.2} M", a / 1e6)
    } else if a >= 100.0 {
        format!("{sign}${}", thousands(a.round() as u64))
    } else {
        format!("{sign}${a:.2}")
    }
}

/// Tokens as `460.8 M`, `1.29 B`.
pub fn tokens(x: f64) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    if x >= 1e12 {
        format!("{:.2} T", x / 1e12)
    } else if x >= 1e9 {
        format!("{:.2} B", x / 1e9)
    } else if x >= 1e6 {
        format!("{:.1} M", x / 1e6)
    } else {
        thousands(x.round() as u64)
    }
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn find<'a>(rows: &'a [SummaryRow], strategy: &str, metric: &str) -> Option<&'a SummaryRow> {
    rows.iter()
        .find(|r| r.strategy == strategy && r.metric == metric)
}

/// The summary table, one row per strategy.
pub fn summary_table(s: &Scenario, rows: &[SummaryRow]) -> String {
    let span = if s.horizon_hours == 8760 {
        "annual".to_string()
    } else {
        format!("{} h", s.horizon_hours)
    };
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "strategy".to_string(),
        format!("{span} cost, mean [95% CI]"),
        "P5 – P95".into(),
        "$/M tokens [95% CI]".into(),
        "P(cheaper than API)".into(),
        "utilization".into(),
        "hours short".into(),
    ]);
    for st in &s.strategies {
        let cost = find(rows, &st.name, "total_cost_usd");
        let cpm = find(rows, &st.name, "cost_per_mtok_usd");
        let p = find(rows, &st.name, "prob_self_host_cheaper");
        let util = find(rows, &st.name, "utilization");
        let short = find(rows, &st.name, "hours_short");
        let right = |s: String| Cell::new(s).set_alignment(CellAlignment::Right);
        t.add_row(vec![
            Cell::new(&st.name),
            right(cost.map_or("—".into(), |c| {
                format!(
                    "{} [{} – {}]",
                    usd(c.summary.mean),
                    usd(c.summary.ci95_low),
                    usd(c.summary.ci95_high)
                )
            })),
            right(cost.map_or("—".into(), |c| {
                format!("{} – {}", usd(c.summary.p5), usd(c.summary.p95))
            })),
            right(cpm.map_or("—".into(), |c| {
                format!(
                    "${:.2} [{:.2} – {:.2}]",
                    c.summary.mean, c.summary.ci95_low, c.summary.ci95_high
                )
            })),
            right(match p {
                Some(p) if !st.pools.is_empty() => format!(
                    "{:.0}% [{:.0} – {:.0}%]",
                    100.0 * p.summary.mean,
                    100.0 * p.summary.ci95_low,
                    100.0 * p.summary.ci95_high
                ),
                _ => "—".into(),
            }),
            right(util.map_or("—".into(), |u| format!("{:.1}%", 100.0 * u.summary.mean))),
            right(short.map_or("—".into(), |h| format!("{:.0}", h.summary.mean))),
        ]);
    }
    t.to_string()
}
