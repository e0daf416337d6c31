//! The seed calculation (the back-of-the-envelope estimate of README.md, "A first run"), reproduced from a scenario's point
//! values and corrected.
//!
//! Every figure is computed from the scenario in deterministic mode: GPUs per
//! replica, tok/s per GPU, the `on_demand` and `reserved` GPU prices, the
//! overhead percentage and the API output price. The seed's own framing
//! constants (the 720-hour cost month, the 100/30/10% utilization levels, the
//! 0.5–2 FTE at $100–400K a year of hidden cost, the "5 M tokens/month" rule)
//! are the claims being checked, so they are named constants here.

use anyhow::{Context, Result};

use crate::fmt::usd;
use crate::scenario::{HOURS_PER_MONTH, Scenario};

/// The month the seed uses for cost (it uses 730 h for capacity).
pub const SEED_COST_MONTH_HOURS: f64 = 720.0;
/// Utilization levels the seed tabulates.
pub const SEED_UTILIZATIONS: [f64; 3] = [1.0, 0.3, 0.1];
/// The seed's hidden engineering cost, USD per year: "0.5–2 FTE ($100–400K/yr)".
pub const SEED_HIDDEN_USD_PER_YEAR: (f64, f64) = (100_000.0, 400_000.0);
/// The seed's rule of thumb: "self-host above 5 M tokens/month".
pub const SEED_RULE_TOKENS_PER_MONTH: f64 = 5e6;

/// One line of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedRow {
    /// What the figure is.
    pub label: String,
    /// The seed's figure, as it wrote it.
    pub seed: String,
    /// The seed's arithmetic, done by capsim from the scenario.
    pub reproduced: f64,
    /// `reproduced`, formatted like the seed's figure.
    pub reproduced_text: String,
    /// The right figure.
    pub corrected: f64,
    /// `corrected`, formatted.
    pub corrected_text: String,
    /// Why the corrected figure differs; `None` when the seed is right.
    pub reason: Option<String>,
}

fn price(s: &Scenario, name: &str) -> Result<f64> {
    s.gpu_prices
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, d)| d.point())
        .with_context(|| format!("gpu_prices.{name}: the seed table needs this price"))
}

fn m(x: f64) -> String {
    let v = x / 1e6;
    if v < 10.0 {
        format!("{v:.2} M")
    } else if v < 1000.0 {
        format!("{v:.1} M")
    } else {
        format!("{} M", crate::fmt::thousands(v.round() as u64))
    }
}

/// Build the table from a scenario (its point values).
pub fn seed_table(s: &Scenario) -> Result<Vec<SeedRow>> {
    let s = s.deterministic();
    let gpus = f64::from(s.model.gpus_per_replica);
    // The seed states its throughput as one figure (output tokens only).
    let Some(tok_s) = s.model.measured().map(|d| d.point()) else {
        anyhow::bail!(
            "model.tok_s_per_gpu: the seed table needs the seed's own measured figure (e.g. tok_s_per_gpu = 850), not the serving model of {}",
            s.model.name
        );
    };
    let od = price(&s, "on_demand")?;
    let rs = price(&s, "reserved")?;
    let api = s.apis[0].output_usd_per_mtok.point();
    let ovh = s.overhead.percent_of_gpu.point();

    let od_h = gpus * od;
    let rs_h = gpus * rs;
    let rep_tok_s = gpus * tok_s;
    let mtok_h = rep_tok_s * 3600.0 / 1e6;
    let od_mtok = od_h / mtok_h;
    let rs_mtok = rs_h / mtok_h;
    let month720 = rs_h * SEED_COST_MONTH_HOURS;
    let month730 = rs_h * HOURS_PER_MONTH;
    let cap_month = mtok_h * 1e6 * HOURS_PER_MONTH;
    let be = month720 / api * 1e6;
    let be730 = month730 / api * 1e6;

    let mut rows = Vec::new();
    let mut row = |label: &str,
                   seed: &str,
                   rep: f64,
                   rep_t: String,
                   cor: f64,
                   cor_t: String,
                   reason: Option<String>| {
        rows.push(SeedRow {
            label: label.into(),
            seed: seed.into(),
            reproduced: rep,
            reproduced_text: rep_t,
            corrected: cor,
            corrected_text: cor_t,
            reason,
        });
    };
    row(
        "Replica cost, on-demand ($/h)",
        "$10",
        od_h,
        format!("${od_h:.2}"),
        od_h,
        format!("${od_h:.2}"),
        None,
    );
    row(
        "Replica cost, reserved 1 yr ($/h)",
        "$6.40",
        rs_h,
        format!("${rs_h:.2}"),
        rs_h,
        format!("${rs_h:.2}"),
        None,
    );
    row(
        "Replica throughput (tok/s)",
        "3,400",
        rep_tok_s,
        format!("{rep_tok_s:.0}"),
        rep_tok_s,
        format!("{rep_tok_s:.0}"),
        None,
    );
    row(
        "Tokens per replica-hour",
        "12.24 M",
        mtok_h * 1e6,
        format!("{mtok_h:.2} M"),
        mtok_h * 1e6,
        format!("{mtok_h:.2} M"),
        None,
    );
    row(
        "$/M tokens, on-demand",
        "$0.82",
        od_mtok,
        format!("${od_mtok:.2}"),
        od_mtok,
        format!("${od_mtok:.3}"),
        None,
    );
    row(
        "$/M tokens, reserved",
        "$0.52",
        rs_mtok,
        format!("${rs_mtok:.2}"),
        rs_mtok,
        format!("${rs_mtok:.3}"),
        None,
    );
    let lo = rs_mtok * (1.0 + ovh);
    let hi = od_mtok * (1.0 + ovh);
    row(
        "$/M with overhead, low (reserved)",
        "$0.68",
        lo,
        format!("${lo:.2}"),
        lo,
        format!("${lo:.2}"),
        None,
    );
    row(
        "$/M with overhead, high (on-demand)",
        "$1.07",
        hi,
        format!("${hi:.2}"),
        hi,
        format!("${hi:.2}"),
        Some(format!(
            "{od_mtok:.3} × {:.2} = {hi:.3}, which rounds to {hi:.2}, not 1.07",
            1.0 + ovh
        )),
    );
    row(
        "Reserved replica per month (720 h)",
        "$4,608",
        month720,
        usd(month720),
        month730,
        format!("{} (730 h)", usd(month730)),
        Some(format!(
            "the seed costs a 720-h month but counts capacity over 730 h; over the same 730-h month the reserved replica costs {}",
            usd(month730)
        )),
    );
    row(
        "Capacity per month (730 h)",
        "8,935 M",
        cap_month,
        m(cap_month),
        cap_month,
        m(cap_month),
        None,
    );
    for (u, seed_txt) in SEED_UTILIZATIONS.iter().zip(["$0.52", "$1.72", "$5.15"]) {
        let rep = month720 / (cap_month / 1e6) / u;
        let cor = month730 / (cap_month / 1e6) / u;
        let rounded_ok = format!("${rep:.2}") == seed_txt;
        let reason = if rounded_ok {
            format!("with one month length for cost and capacity (730 h): ${cor:.2}")
        } else {
            format!(
                "{} / {:.1} M / {u} = {rep:.3}: rounds to ${rep:.2}; with one month length (730 h): ${cor:.2}",
                usd(month720),
                cap_month / 1e6
            )
        };
        row(
            &format!("Effective $/M at {:.0}% utilization", u * 100.0),
            seed_txt,
            rep,
            format!("${rep:.2}"),
            cor,
            format!("${cor:.2}"),
            Some(reason),
        );
    }
    for (u, seed_txt) in SEED_UTILIZATIONS.iter().zip(["0.46 M", "1.5 M", "4.6 M"]) {
        let rep = be / u;
        row(
            &format!(
                "Break-even vs ${api:.0}/M at {:.0}% utilization (tokens/month)",
                u * 100.0
            ),
            seed_txt,
            rep,
            m(rep),
            be,
            m(be),
            Some(if *u == 1.0 {
                format!(
                    "{} / ${api:.0} per M = {} tokens a month: the seed is off by a factor of 1,000",
                    usd(month720),
                    m(be)
                )
            } else {
                format!(
                    "break-even does not depend on utilization: {} at any utilization; the seed's figure is {} / {u} mislabelled by 1,000",
                    m(be),
                    m(be)
                )
            }),
        );
    }
    row(
        "Break-even with a 730-h cost month",
        "—",
        be730,
        m(be730),
        be730,
        m(be730),
        Some(format!("{} / ${api:.0} per M", usd(month730))),
    );
    let share = be / cap_month;
    row(
        "Break-even as a share of one replica",
        "—",
        share,
        format!("{:.1}%", share * 100.0),
        share,
        format!("{:.1}%", share * 100.0),
        Some("the utilization at which one replica pays for itself".into()),
    );
    let (h_lo, h_hi) = SEED_HIDDEN_USD_PER_YEAR;
    let be_lo = (month720 + h_lo / 12.0) / api * 1e6;
    let be_hi = (month720 + h_hi / 12.0) / api * 1e6;
    row(
        "Break-even with 0.5 FTE ($100K/yr) hidden cost",
        "not computed",
        be_lo,
        m(be_lo),
        be_lo,
        format!(
            "{} ({:.0}% of a replica)",
            m(be_lo),
            100.0 * be_lo / cap_month
        ),
        Some("the seed lists hidden costs but leaves them out of break-even".into()),
    );
    row(
        "Break-even with 2 FTE ($400K/yr) hidden cost",
        "not computed",
        be_hi,
        m(be_hi),
        be_hi,
        format!(
            "{} ({:.0}% of a replica)",
            m(be_hi),
            100.0 * be_hi / cap_month
        ),
        Some("the seed lists hidden costs but leaves them out of break-even".into()),
    );
    let be2x = 2.0 * be;
    row(
        "Break-even with 2× redundancy (GPU only)",
        "not computed",
        be2x,
        m(be2x),
        be2x,
        m(be2x),
        Some("2× capacity for zero-downtime deployments doubles the GPU bill".into()),
    );
    let low = be / SEED_RULE_TOKENS_PER_MONTH;
    let high = be_hi / SEED_RULE_TOKENS_PER_MONTH;
    row(
        "Rule of thumb: self-host above (tokens/month)",
        "5 M",
        SEED_RULE_TOKENS_PER_MONTH,
        m(SEED_RULE_TOKENS_PER_MONTH),
        be,
        format!("{} – {}", m(be), m(be_hi)),
        Some(format!(
            "low by {low:.0}× (GPU cost alone) to {high:.0}× (with 2 FTE)"
        )),
    );
    Ok(rows)
}
