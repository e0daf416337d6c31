//! The page's tables: headline, seed table, compare ranking, sensitivity,
//! break-even.

use super::*;

pub(super) fn headline_table(run: &Run, out: &mut String) {
    let span = run.span();
    let _ = write!(
        out,
        "<h2>The numbers</h2>\n<p>Expected {span} cost of each strategy with the 95% confidence interval of that expectation (how precisely the {} trials pin it down), the range 90% of trials fall in, and the cost per million output tokens delivered.</p>\n<table>\n<tr><th>strategy</th><th>expected {span} cost [95% CI]</th><th>P5 – P95</th><th>$ per M tokens [95% CI]</th><th>P(cheaper than {})</th><th>utilization</th><th>hours short</th></tr>\n",
        crate::fmt::thousands(run.info["trials"].as_u64().unwrap_or(0)),
        esc(&run.compared_api())
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
            // A strategy without GPUs has no capacity of its own to be short of.
            match short {
                Some(h) if run.has_gpus(n) => format!("{:.0}", h[0]),
                _ => "—".into(),
            },
        );
    }
    out.push_str("</table>\n");
}

/// What each strategy's pools buy and serve (run.json's `pools`; run
/// folders older than it have none and get no table), and the model every
/// pool serves when there is one.
pub(super) fn pools_section(run: &Run, out: &mut String) {
    let Some(rows) = run.info["pools"].as_array().filter(|r| !r.is_empty()) else {
        return;
    };
    let note = match run.info["pools_model"].as_str() {
        Some(line) => format!(" {}", esc(line)),
        None => " The pools serve different models (a fleet's name gives each pool's in brackets)."
            .into(),
    };
    let _ = writeln!(
        out,
        "<h2>The pools</h2>\n<p>What each strategy buys: a unit is what is bought at a time (an instance, a server, or a replica), counted in units (×units, + spares) or, on demand, up to a ceiling (≤ceiling, or floor–ceiling).{note}</p>\n<table>\n<tr><th>strategy</th><th>pool</th><th>kind</th><th>unit</th><th>count</th><th>replicas per unit</th><th>GPUs per replica</th><th>GPU</th><th>model</th><th>precision</th><th>profile</th></tr>"
    );
    let text = |r: &serde_json::Value, k: &str| esc(r[k].as_str().unwrap_or("—"));
    for r in rows {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            text(r, "strategy"),
            text(r, "pool"),
            text(r, "kind"),
            text(r, "unit"),
            text(r, "count"),
            r["replicas_per_unit"],
            r["gpus_per_replica"],
            text(r, "gpu"),
            text(r, "model"),
            text(r, "precision"),
            text(r, "profile"),
        );
    }
    out.push_str("</table>\n");
}

/// The recommendation of `plan` or `size` (run.json), first on the page,
/// and for `plan` the frontier chart and the candidates on it.
pub(super) fn recommendation_section(run: &Run, out: &mut String) -> Result<()> {
    let Some(words) = run.info["recommendation"]
        .as_str()
        .filter(|w| !w.is_empty())
    else {
        return Ok(());
    };
    // Nothing feasible: no recommendation box, a plain statement.
    if run.info["feasible"] == false {
        let _ = writeln!(
            out,
            "<h2>Nothing meets these constraints</h2>\n<p class=\"no-recommendation\">{}</p>",
            esc(words)
        );
    } else {
        let _ = writeln!(
            out,
            "<h2>The recommendation</h2>\n<p class=\"recommendation\">{}</p>",
            esc(words)
        );
    }
    if let Some(df) = &run.plan {
        super::charts::frontier(df, out)?;
    }
    Ok(())
}

pub(super) fn seed_section(run: &Run, out: &mut String) {
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

pub(super) fn compare_section(run: &Run, out: &mut String) -> Result<()> {
    let Some(df) = &run.compare else {
        return Ok(());
    };
    let f = "compare.parquet";
    let names = strings(df, "strategy", f)?;
    let col = |c: &str| floats(df, c, f);
    let (mean, p95, cvar, pc, regret, regret95, short) = (
        col("cost_mean_usd")?,
        col("cost_p95_usd")?,
        col("cost_cvar95_usd")?,
        col("prob_cheapest")?,
        col("regret_mean_usd")?,
        col("regret_p95_usd")?,
        col("hours_short_mean")?,
    );
    // Rows in least-regret order, as the heading says (the file is in
    // scenario order).
    let rank = typed(df, "least_regret_rank", f, Column::u32)?;
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by_key(|&i| rank.get(i).unwrap_or(u32::MAX));
    let v = |x: Option<f64>| x.unwrap_or(f64::NAN);
    out.push_str("<h2>Which strategy, and how much risk</h2>\n<p>All strategies ran on the same trials (the same traffic, prices and failures), so differences between them are paired. Regret is a strategy's cost minus the cheapest strategy's cost in the same trial; rows are in least-regret order, the least first.</p>\n<table>\n<tr><th>rank</th><th>strategy</th><th>expected cost</th><th>P95</th><th>mean of worst 5%</th><th>P(cheapest)</th><th>mean regret</th><th>P95 regret</th><th>hours short</th></tr>\n");
    for (place, &i) in order.iter().enumerate() {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            place + 1,
            esc(&names[i]),
            usd(v(mean[i])),
            usd(v(p95[i])),
            usd(v(cvar[i])),
            pct(v(pc[i])),
            usd(v(regret[i])),
            usd(v(regret95[i])),
            short[i].map_or("—".into(), |h| format!("{h:.0}"))
        );
    }
    out.push_str("</table>\n");
    Ok(())
}

/// The three inputs that drive each strategy's cost (rows are written in
/// rank order per strategy).
pub(super) fn sensitivity_section(run: &Run, out: &mut String) -> Result<()> {
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

/// Per strategy, the median per-trial break-even (None: most trials never
/// break even); empty without `breakeven_trials.parquet`.
pub(super) fn breakeven_medians(run: &Run) -> BTreeMap<String, Option<f64>> {
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

pub(super) fn breakeven_table(run: &Run, out: &mut String) {
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
