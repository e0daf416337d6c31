//! The end-of-run summary on the terminal.

use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};

use super::SummaryRow;
use crate::fmt::{thousands, tokens, usd};
use crate::scenario::Scenario;

fn find<'a>(rows: &'a [SummaryRow], strategy: &str, metric: &str) -> Option<&'a SummaryRow> {
    rows.iter()
        .find(|r| r.strategy == strategy && r.metric == metric)
}

/// "annual" for a one-year horizon, else "N-hour".
fn span(s: &Scenario) -> String {
    crate::fmt::span(s.horizon_hours.into())
}

/// The summary table, one row per strategy.
pub fn summary_table(s: &Scenario, rows: &[SummaryRow]) -> String {
    let span = span(s);
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "strategy".to_string(),
        format!("{span} cost, mean [95% CI]"),
        "P5 – P95".into(),
        "$/M tokens [95% CI]".into(),
        format!("P(cheaper than {})", s.compared_api()),
        "utilization".into(),
        // With latency targets, capacity is what meets them: an hour short
        // of it is an hour the targets could not be met.
        if s.slo.is_set() {
            "hours over SLO".into()
        } else {
            "hours short".into()
        },
    ]);
    for st in &s.strategies {
        let cost = find(rows, &st.name, "total_cost_usd");
        let cpm = find(rows, &st.name, "cost_per_mtok_usd");
        let p = find(rows, &st.name, "prob_self_host_cheaper");
        let util = find(rows, &st.name, "utilization");
        let short = find(rows, &st.name, "hours_short");
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
            // A strategy without GPUs has no capacity of its own to be short of.
            right(match short {
                Some(h) if !st.pools.is_empty() => format!("{:.0}", h.summary.mean),
                _ => "—".into(),
            }),
        ]);
    }
    t.to_string()
}

/// One line: the strategy with the lowest expected cost, with its interval and
/// cost per million tokens (the number people look for first).
pub fn headline(s: &Scenario, rows: &[SummaryRow]) -> Option<String> {
    let best = s
        .strategies
        .iter()
        .filter_map(|st| find(rows, &st.name, "total_cost_usd"))
        .min_by(|a, b| a.summary.mean.total_cmp(&b.summary.mean))?;
    let span = span(s);
    let c = best.summary;
    let mut line = format!(
        "Lowest expected {span} cost: {}, {} (95% CI {} – {})",
        best.strategy,
        usd(c.mean),
        usd(c.ci95_low),
        usd(c.ci95_high)
    );
    if let Some(m) = find(rows, &best.strategy, "cost_per_mtok_usd") {
        line.push_str(&format!(
            ", ${:.2} per M tokens ({:.2} – {:.2})",
            m.summary.mean, m.summary.ci95_low, m.summary.ci95_high
        ));
    }
    line.push('.');
    Some(line)
}

/// What each strategy buys, under its table: its pools with their GPUs and
/// counts (for strategies whose name does not already say so, as `plan`'s
/// candidates' do), and the model every pool serves when there is one
/// (else each label names its model).
pub fn pools(s: &Scenario) -> Vec<String> {
    let lines: Vec<String> = s
        .strategies
        .iter()
        .filter(|st| !st.pools.is_empty())
        .filter_map(|st| {
            let fleet = s.fleet_label(&st.pools);
            (fleet != st.name).then(|| format!("  {}: {fleet}", st.name))
        })
        .collect();
    let mut out = Vec::new();
    if !lines.is_empty() {
        out.push(format!("Pools:\n{}", lines.join("\n")));
    }
    out.extend(s.models_line());
    out
}

/// One line per strategy whose commitments outlast the horizon: what is
/// still owed, and the committed total beside the horizon's cost.
pub fn commitments(s: &Scenario, rows: &[SummaryRow]) -> Vec<String> {
    s.strategies
        .iter()
        .filter_map(|st| {
            let owed = find(rows, &st.name, "committed_after_horizon_usd")?.summary;
            let total = find(rows, &st.name, "committed_total_usd")?.summary;
            (owed.mean > 0.0).then(|| {
                format!(
                    "{}: {} still committed after the horizon (a reserved term or amortisation under way); committed total {} (95% CI {} – {}).",
                    st.name,
                    usd(owed.mean),
                    usd(total.mean),
                    usd(total.ci95_low),
                    usd(total.ci95_high)
                )
            })
        })
        .collect()
}

fn right(s: String) -> Cell {
    Cell::new(s).set_alignment(CellAlignment::Right)
}

/// Risk table of `capsim compare`, one row per strategy, in least-regret order.
pub fn compare_table(c: &crate::compare::Comparison) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "rank",
        "strategy",
        "cost, mean [95% CI]",
        "P5 – P95",
        "CVaR95",
        "P(cheapest)",
        "regret mean / P95",
        "hours short",
        "tokens spilled / dropped",
    ]);
    for (place, &si) in c.ranking.iter().enumerate() {
        let r = &c.risks[si];
        t.add_row(vec![
            right(format!("{}", place + 1)),
            Cell::new(&r.strategy),
            right(format!(
                "{} [{} – {}]",
                usd(r.cost.mean),
                usd(r.cost.ci95_low),
                usd(r.cost.ci95_high)
            )),
            right(format!("{} – {}", usd(r.cost.p5), usd(r.cost.p95))),
            right(usd(r.cost.cvar95)),
            right(format!("{:.0}%", 100.0 * r.prob_cheapest)),
            right(format!("{} / {}", usd(r.regret.mean), usd(r.regret.p95))),
            right(if r.hours_short_mean.is_nan() {
                "—".into()
            } else {
                format!("{:.0}", r.hours_short_mean)
            }),
            right(format!(
                "{} / {}",
                tokens(r.spilled_tokens_mean),
                tokens(r.dropped_tokens_mean)
            )),
        ]);
    }
    t.to_string()
}

/// Volume, or "never" for an infinite break-even.
fn volume(x: f64) -> String {
    if x.is_infinite() {
        "never".into()
    } else {
        tokens(x)
    }
}

/// Break-even distribution per strategy: `(name, sorted volumes, mean utilization)`.
pub fn breakeven_table(rows: &[(String, Vec<f64>, f64)], api: &str) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "strategy".to_string(),
        format!("break-even vs {api}: median [95% CI], tokens/month"),
        "P5 – P95".into(),
        "never pays off".into(),
        "utilization at break-even".into(),
    ]);
    for (name, sorted, util) in rows {
        if sorted.is_empty() {
            continue;
        }
        let q = |p| crate::stats::quantile_sorted(sorted, p);
        let ci = crate::stats::median_ci95_sorted(sorted).map_or(String::new(), |(a, b)| {
            format!(" [{} – {}]", volume(a), volume(b))
        });
        let never = sorted.iter().filter(|x| x.is_infinite()).count();
        t.add_row(vec![
            Cell::new(name),
            right(format!("{}{ci}", volume(q(0.5)))),
            right(format!("{} – {}", volume(q(0.05)), volume(q(0.95)))),
            right(format!(
                "{:.0}%",
                100.0 * never as f64 / sorted.len() as f64
            )),
            right(if util.is_finite() {
                format!("{:.1}%", 100.0 * util)
            } else {
                "—".into()
            }),
        ]);
    }
    t.to_string()
}

/// The volume sweep: P(self-hosting cheaper) per volume and strategy, and the API's $/M.
pub fn sweep_table(names: &[String], rows: &[crate::breakeven::SweepRow]) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    let gpu: Vec<&String> = names
        .iter()
        .filter(|n| rows.iter().any(|r| &r.strategy == *n && r.has_gpus))
        .collect();
    let mut header = vec!["tokens/month".to_string()];
    header.extend(gpu.iter().map(|n| format!("{n}: P(cheaper) · $/M")));
    header.push("API $/M".into());
    t.set_header(header);
    let mut volumes: Vec<f64> = rows.iter().map(|r| r.volume).collect();
    volumes.dedup();
    for v in volumes {
        let at: Vec<_> = rows.iter().filter(|r| r.volume == v).collect();
        let mut row = vec![right(tokens(v))];
        for n in &gpu {
            let r = at.iter().find(|r| &r.strategy == *n);
            row.push(right(r.map_or("—".into(), |r| {
                format!(
                    "{:.0}% · ${:.2}",
                    100.0 * r.prob_self_host_cheaper,
                    r.cost_per_mtok
                )
            })));
        }
        row.push(right(at.first().map_or("—".into(), |r| {
            format!("${:.2}", r.api_cost_per_mtok)
        })));
        t.add_row(row);
    }
    t.to_string()
}

/// The three inputs that move each strategy's cost most (rank correlation).
pub fn sensitivity_lines(rows: &[crate::sensitivity::Row]) -> String {
    let mut out = String::from(
        "Inputs that drive each strategy's cost (Spearman rank correlation; mean cost with the input at its P10 → P90):",
    );
    let mut names: Vec<&str> = Vec::new();
    for r in rows {
        if !names.contains(&r.strategy.as_str()) {
            names.push(&r.strategy);
        }
    }
    for n in names {
        let top: Vec<String> = rows
            .iter()
            .filter(|r| r.strategy == n && r.rank <= 3)
            .map(|r| {
                format!(
                    "{} {:+.2} (${:.0} → ${:.0})",
                    r.input, r.spearman, r.cost_at_p10_usd, r.cost_at_p90_usd
                )
            })
            .collect();
        if !top.is_empty() {
            out.push_str(&format!("\n  {n}: {}", top.join("; ")));
        }
    }
    out
}

/// The least-regret ranking of `c`, one line of reasoning per strategy.
pub fn reasoning(c: &crate::compare::Comparison) -> Vec<String> {
    let first = &c.risks[c.ranking[0]];
    c.ranking
        .iter()
        .enumerate()
        .map(|(place, &si)| {
            let r = &c.risks[si];
            let mut line = format!(
                "{}. {}: mean regret {} (P95 {}), cheapest in {:.0}% of trials, expected cost {}",
                place + 1,
                r.strategy,
                usd(r.regret.mean),
                usd(r.regret.p95),
                100.0 * r.prob_cheapest,
                usd(r.cost.mean),
            );
            if place > 0 {
                if let Some(d) = c.diff(&r.strategy, &first.strategy) {
                    line.push_str(&format!(
                        "; costs {} more than {} on average [95% CI {} – {}]",
                        usd(d.mean),
                        first.strategy,
                        usd(d.ci95_low),
                        usd(d.ci95_high)
                    ));
                }
            } else {
                line.push_str(&format!("; tail risk CVaR95 {}", usd(r.cost.cvar95)));
            }
            line
        })
        .collect()
}

/// Why `r` is recommended, in one sentence.
pub fn recommendation(
    c: &crate::compare::Comparison,
    r: &crate::compare::Recommendation,
) -> String {
    let p = &c.risks[r.pick];
    let short = if p.hours_short_mean.is_nan() {
        "it buys no GPUs, so nothing is short of capacity".to_owned()
    } else {
        format!(
            "it is short of capacity {:.0} hours over the horizon on average",
            p.hours_short_mean
        )
    };
    // The cheapest of all, when it is not among those allowed (it fails
    // the constraints): the sentences then say "of those that meet them".
    let b = &c.risks[r.cheapest];
    let cheaper_excluded = c
        .risks
        .iter()
        .filter(|x| x.cost.mean < b.cost.mean)
        .min_by(|x, y| x.cost.mean.total_cmp(&y.cost.mean));
    let among = if cheaper_excluded.is_some() {
        " of the sizes that meet the constraints"
    } else {
        ""
    };
    let excluded = cheaper_excluded.map_or(String::new(), |x| {
        format!(
            "; {} costs less, {}, but does not meet them",
            x.strategy,
            usd(x.cost.mean)
        )
    });
    if r.pick == r.cheapest {
        format!(
            "{} has the lowest expected cost{among} ({}{excluded}) and no size within {:.0}% of it has a lower tail (CVaR95 {}); {short}",
            p.strategy,
            usd(p.cost.mean),
            100.0 * r.tolerance,
            usd(p.cost.cvar95),
        )
    } else {
        format!(
            "{} costs {} more on average than the cheapest{among}, {} ({} vs {}{excluded}), but cuts the tail: CVaR95 {} vs {}; {short}",
            p.strategy,
            usd(p.cost.mean - b.cost.mean),
            b.strategy,
            usd(p.cost.mean),
            usd(b.cost.mean),
            usd(p.cost.cvar95),
            usd(b.cost.cvar95),
        )
    }
}

/// For each GPU that candidates run on alone, the feasible candidate of
/// least mean cost, cheapest first; candidates
/// evaluated on every trial before those dropped after a first round.
pub fn best_per_gpu(p: &crate::plan::Plan, s: &Scenario) -> Vec<(String, usize)> {
    let mut best: Vec<(String, usize)> = Vec::new();
    for (i, r) in p.rows.iter().enumerate() {
        if !r.feasible() || r.candidate.buys_nothing() {
            continue;
        }
        let mut gpus: Vec<String> = r
            .candidate
            .strategy
            .pools
            .iter()
            .map(|pool| s.model_of(pool.model).gpu_name())
            .collect();
        gpus.sort();
        gpus.dedup();
        if gpus.len() != 1 {
            continue; // a fleet of two GPUs is no GPU's best
        }
        let key = gpus.remove(0);
        // Evaluated on every trial first, then the lower mean.
        let rank = |j: usize| (u8::from(p.rows[j].trials < p.trials), p.rows[j].cost.mean);
        match best.iter_mut().find(|(k, _)| *k == key) {
            Some((_, j)) if rank(i).partial_cmp(&rank(*j)) == Some(std::cmp::Ordering::Less) => {
                *j = i
            }
            Some(_) => {}
            None => best.push((key, i)),
        }
    }
    best.sort_by(|a, b| p.rows[a.1].cost.mean.total_cmp(&p.rows[b.1].cost.mean));
    best
}

/// One sentence naming the best candidate of each GPU (when the plan's
/// candidates run on more than one), with its mean cost and hours short.
pub fn per_gpu_sentence(p: &crate::plan::Plan, s: &Scenario) -> Option<String> {
    let best = best_per_gpu(p, s);
    (best.len() > 1).then(|| {
        let items: Vec<String> = best
            .iter()
            .map(|(gpu, i)| {
                let r = &p.rows[*i];
                let short = r
                    .hours_short_per_year
                    .filter(|h| *h >= 0.5)
                    .map_or(String::new(), |h| {
                        format!(", {h:.0} hours short a year on average")
                    });
                format!(
                    "{gpu}: {}, {}{short}",
                    r.candidate.strategy.name,
                    usd(r.cost.mean)
                )
            })
            .collect();
        format!(
            "The cheapest feasible fleet on each GPU, by mean cost over the horizon: {}.",
            items.join("; ")
        )
    })
}

/// The plan's candidates worth reading: the frontier, the pick, the
/// runner-up, the baselines and the cheapest feasible fleet on each GPU,
/// cheapest first, with the rest counted.
pub fn plan_table(p: &crate::plan::Plan, s: &Scenario) -> String {
    let quantile = match p.constraints.hours_short_at {
        crate::plan::HoursShortAt::Quantile(_) => Some(p.constraints.hours_short_at.words()),
        crate::plan::HoursShortAt::Mean => None,
    };
    let hours_header = match &quantile {
        Some(q) => format!("hours short / year: mean, {q}"),
        None => "hours short / year".into(),
    };
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "",
        "candidate",
        "cost, mean [95% CI]",
        "P95",
        "CVaR95",
        hours_header.as_str(),
        "commitment P95",
        "meets constraints",
    ]);
    let mut shown: Vec<usize> = (0..p.rows.len())
        .filter(|&i| {
            let r = &p.rows[i];
            r.on_frontier
                || p.pick == Some(i)
                || p.runner_up == Some(i)
                || p.cheapest == i
                || r.candidate.buys_nothing()
        })
        .chain(best_per_gpu(p, s).into_iter().map(|(_, i)| i))
        .collect();
    shown.sort_unstable();
    shown.dedup();
    shown.sort_by(|&a, &b| p.rows[a].cost.mean.total_cmp(&p.rows[b].cost.mean));
    for &i in &shown {
        let r = &p.rows[i];
        let mark = if p.pick == Some(i) {
            "→"
        } else if r.on_frontier {
            "·"
        } else {
            ""
        };
        t.add_row(vec![
            Cell::new(mark),
            Cell::new(&r.candidate.strategy.name),
            right(format!(
                "{} [{} – {}]",
                usd(r.cost.mean),
                usd(r.cost.ci95_low),
                usd(r.cost.ci95_high)
            )),
            right(usd(r.cost.p95)),
            right(usd(r.cost.cvar95)),
            right(match (r.hours_short_per_year, r.hours_short_quantile) {
                (None, _) => "—".into(),
                (Some(h), Some(q)) if quantile.is_some() => format!("{h:.0}, {q:.0}"),
                (Some(h), _) => format!("{h:.0}"),
            }),
            right(usd(r.commitment_p95)),
            Cell::new(if r.feasible() {
                "yes".to_owned()
            } else {
                format!("no: {}", r.infeasible.join("; "))
            }),
        ]);
    }
    let rounds = match p.first_round {
        Some(n) => format!(
            "; {} candidates were dropped after a first round of {} trials (plan.parquet has them, with their trial counts)",
            p.rows.iter().filter(|r| r.trials < p.trials).count(),
            thousands(n as u64)
        ),
        None => String::new(),
    };
    format!(
        "{t}\n→ recommended, · on the frontier of mean cost against CVaR95; the other rows are the cheapest feasible fleet on each GPU and buying nothing. {} candidates on {} trials{rounds}.",
        p.rows.len(),
        thousands(p.trials as u64)
    )
}

/// What a staged candidate buys when: `It buys in stages: 2 × owned
/// 4×H100 server at the start, 1 more from year 2, 3 more from year 3
/// (each paying its term or amortisation from then)`; `None` for a fixed fleet.
pub fn stages_sentence(c: &crate::plan::Candidate, stage_hours: u32) -> Option<String> {
    let (label, _) = c.committed.as_ref()?;
    if c.stages.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    let mut had = 0;
    for (k, &n) in c.stages.iter().enumerate() {
        if n > had {
            parts.push(if k == 0 {
                format!("{n} × {label} at the start")
            } else {
                format!(
                    "{} more {}",
                    n - had,
                    crate::scenario::start_words(k as u32 * stage_hours)
                )
            });
        }
        had = n;
    }
    Some(format!(
        "It buys in stages: {} (each paying its term or amortisation from then)",
        parts.join(", ")
    ))
}

/// The plan's recommendation and its reason, in one paragraph.
pub fn plan_recommendation(p: &crate::plan::Plan) -> String {
    let Some(pick) = p.pick else {
        let c = &p.rows[p.cheapest];
        // The closest: fewest constraints failed, then the cheapest.
        let full: Vec<&crate::plan::Evaluated> =
            p.rows.iter().filter(|r| r.trials == p.trials).collect();
        let nearest = full
            .iter()
            .min_by(|a, b| {
                a.infeasible
                    .len()
                    .cmp(&b.infeasible.len())
                    .then(a.cost.mean.total_cmp(&b.cost.mean))
            })
            .copied()
            .unwrap_or(c);
        // Which constraint binds: the flag most candidates fail.
        let mut flags: Vec<(&str, usize)> = Vec::new();
        for r in &full {
            let mut mine: Vec<&str> = r
                .infeasible
                .iter()
                .map(|x| crate::plan::flag_of(x))
                .collect();
            mine.dedup();
            for f in mine {
                match flags.iter_mut().find(|(g, _)| *g == f) {
                    Some((_, n)) => *n += 1,
                    None => flags.push((f, 1)),
                }
            }
        }
        flags.sort_by_key(|f| std::cmp::Reverse(f.1));
        let binds = flags
            .iter()
            .map(|(f, n)| format!("{f} fails {n} of {}", full.len()))
            .collect::<Vec<_>>()
            .join(", ");
        let closest = if std::ptr::eq(nearest, c) {
            String::new()
        } else {
            format!(
                " The closest, {} ({} on average), fails: {}.",
                nearest.candidate.strategy.name,
                usd(nearest.cost.mean),
                nearest.infeasible.join("; ")
            )
        };
        return format!(
            "Nothing meets these constraints ({binds} candidates). The cheapest, {} ({} a horizon on average), fails: {}.{closest} Loosen a constraint or widen the grid (--max-committed, --on-demand, --max-spot).",
            c.candidate.strategy.name,
            usd(c.cost.mean),
            c.infeasible.join("; "),
        );
    };
    let r = &p.rows[pick];
    let name = &r.candidate.strategy.name;
    let mut text = if r.candidate.buys_nothing() {
        format!(
            "Buy nothing: send everything to {}. At {} on average over the horizon (95% CI {} – {}; P95 {}, CVaR95 {}), it costs less than every fleet{}",
            r.candidate.api,
            usd(r.cost.mean),
            usd(r.cost.ci95_low),
            usd(r.cost.ci95_high),
            usd(r.cost.p95),
            usd(r.cost.cvar95),
            // Fleets that cost less on average but fail the constraints.
            match p
                .rows
                .iter()
                .filter(|x| !x.candidate.buys_nothing() && x.cost.mean < r.cost.mean)
                .min_by(|a, b| a.cost.mean.total_cmp(&b.cost.mean))
            {
                Some(x) => format!(
                    " that meets the constraints ({} costs less, {}, but fails them)",
                    x.candidate.strategy.name,
                    usd(x.cost.mean)
                ),
                None => String::new(),
            }
        )
    } else {
        format!(
            "Buy {name}, spilling to {}. It costs {} on average over the horizon (95% CI {} – {}; P95 {}, CVaR95 {}), its own capacity is short {} hours a year on average{} (the API serves them: they are not over the target), and it commits {} at P95",
            r.candidate.api,
            usd(r.cost.mean),
            usd(r.cost.ci95_low),
            usd(r.cost.ci95_high),
            usd(r.cost.p95),
            usd(r.cost.cvar95),
            r.hours_short_per_year
                .map_or("0".into(), |h| format!("{h:.0}")),
            r.hours_short_quantile.map_or(String::new(), |q| format!(
                " ({} {q:.0})",
                p.constraints.hours_short_at.words()
            )),
            usd(r.commitment_p95)
        )
    };
    if let Some(words) = stages_sentence(&r.candidate, p.stage_hours) {
        text.push_str(&format!(". {words}"));
    }
    if p.cheapest_feasible != Some(pick) {
        if let Some(c) = p.cheapest_feasible.map(|i| &p.rows[i]) {
            text.push_str(&format!(
                "; it is {} dearer on average than the cheapest feasible fleet, {}, but its tail is lower (CVaR95 {} against {}), within the {:.0}% allowed for that",
                usd(r.cost.mean - c.cost.mean),
                c.candidate.strategy.name,
                usd(r.cost.cvar95),
                usd(c.cost.cvar95),
                100.0 * p.tolerance
            ));
        }
    }
    if let (Some(b), Some(d)) = (p.runner_up, &p.pick_vs_runner_up) {
        let b = &p.rows[b];
        if d.min == 0.0 && d.max == 0.0 {
            text.push_str(&format!(
                ". The next feasible candidate, {}, costs the same in every trial (what it adds is never used)",
                b.candidate.strategy.name
            ));
        } else {
            // The interval is of the same signed gap the sentence states
            // (cheaper by x: x's interval), and a gap whose interval holds 0
            // is not called cheaper or dearer.
            let (word, lo, hi) = if d.mean <= 0.0 {
                ("cheaper", -d.ci95_high, -d.ci95_low)
            } else {
                ("dearer", d.ci95_low, d.ci95_high)
            };
            let gap = if lo <= 0.0 {
                format!(
                    "within the noise of it: {} {word} on average, 95% CI of the gap {} – {}",
                    usd(d.mean.abs()),
                    usd(lo),
                    usd(hi)
                )
            } else {
                format!(
                    "{} {word} (95% CI {} – {})",
                    usd(d.mean.abs()),
                    usd(lo),
                    usd(hi)
                )
            };
            text.push_str(&format!(
                ". Against the next feasible candidate, {}, it is {gap} on the same trials, lower in {:.0}% of them",
                b.candidate.strategy.name,
                100.0 * p.prob_pick_cheaper.unwrap_or(f64::NAN)
            ));
        }
    }
    let feasible = p.rows.iter().filter(|x| x.feasible()).count();
    text.push_str(&format!(
        ". {feasible} of {} candidates meet the constraints{}.",
        p.rows.len(),
        constraint_words(&p.constraints)
    ));
    text
}

fn constraint_words(c: &crate::plan::Constraints) -> String {
    let mut v = Vec::new();
    let at = match c.hours_short_at {
        crate::plan::HoursShortAt::Mean => "on average over trials".to_owned(),
        at => format!("at {}", at.words()),
    };
    if let Some(h) = c.max_hours_short {
        v.push(format!(
            "at most {h:.0} hours a year over the target {at} (hours not served by the fleet or an API: a fleet that spills is never over it)"
        ));
    }
    if let Some(h) = c.max_hours_on_api {
        v.push(format!(
            "at most {h:.0} hours a year on the API {at} (hours the fleet was short and spilled)"
        ));
    }
    if let Some(b) = c.budget {
        v.push(format!(
            "P(cost > {}) at most {:.0}%",
            usd(b),
            100.0 * c.max_prob_over_budget
        ));
    }
    if let Some(b) = c.budget_per_year {
        v.push(format!(
            "P(some year's cost > {}) at most {:.0}%",
            usd(b),
            100.0 * c.max_prob_over_budget
        ));
    }
    if let Some(m) = c.max_commitment {
        v.push(format!("a commitment of at most {} (P95)", usd(m)));
    }
    if v.is_empty() {
        " (no constraints given)".into()
    } else {
        format!(" ({})", v.join(", "))
    }
}
