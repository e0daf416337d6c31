//! Staged fleets: buying committed capacity in stages over a multi-year
//! horizon, so that growth is met by buying later rather than by buying the
//! last year's fleet in the first month.
//!
//! **Construction.** The fixed fleets of the grid have been evaluated (the
//! first round, or every trial) with their cost and hours short in each
//! stage (a stage is `stage_hours` long: a year by default). Fleets that
//! differ only in their committed count form a *ladder* (0 units is the
//! same fleet without its committed option: its on-demand and spot parts,
//! or buying nothing from the API they spill to). In each stage the ladder's
//! rung that is cheapest *in that stage* among those that meet the
//! constraints there (hours short per year at the constraint's figure, each
//! stage's cost within the yearly budget pro rata) is the stage's need; if
//! none meets them, the rung with the fewest hours short (ties: the larger).
//! Units are never sold: a stage holds the most of its need and the stage
//! before. A ladder whose stages all hold one count is the fixed fleet and
//! adds nothing.
//!
//! A fixed fleet's figures in a stage stand for the staged fleet's there:
//! the same units serve the same demand at the same price per hour (a unit
//! bought later pays its term or amortisation from its purchase). This is a
//! heuristic for *which* staged fleets to try: each is then replayed in full
//! like every other candidate, and judged on its own figures.

use super::{Candidate, Constraints, HoursShortAt, Trial, sized};
use crate::model::years::Years;
use crate::scenario::{Pool, Scenario, start_words};
use crate::stats;

/// A ladder: fleets alike but for their committed count.
struct Ladder<'a> {
    /// The committed option's label and template.
    option: &'a (String, Pool),
    /// (units, candidate index), units ascending.
    rungs: Vec<(u32, usize)>,
}

/// A candidate's on-demand part, spot part, order and API.
type Rest = (Option<(String, u32)>, Option<(String, u32)>, String, String);

/// The rest of a candidate beside its committed part: what makes a ladder.
fn rest_key(c: &Candidate) -> Rest {
    (
        c.on_demand.clone(),
        c.spot.clone(),
        c.order.map_or("", |o| o.words()).to_owned(),
        c.api.clone(),
    )
}

/// The ladders among `all` (fixed candidates only).
fn ladders<'a>(all: &[Candidate], opts: &'a [(String, Pool)]) -> Vec<Ladder<'a>> {
    let mut out: Vec<(usize, _, Ladder<'a>)> = Vec::new();
    for (i, c) in all.iter().enumerate() {
        let Some((label, n)) = &c.committed else {
            continue;
        };
        if !c.stages.is_empty() {
            continue;
        }
        let Some(o) = opts.iter().position(|(l, _)| l == label) else {
            continue;
        };
        let key = rest_key(c);
        match out.iter_mut().find(|(oi, k, _)| *oi == o && *k == key) {
            Some((_, _, l)) => l.rungs.push((*n, i)),
            None => out.push((
                o,
                key,
                Ladder {
                    option: &opts[o],
                    rungs: vec![(*n, i)],
                },
            )),
        }
    }
    // The rung of 0 units: the same rest without a committed part (or, with
    // no rest, buying nothing from the API the fleets spill to).
    for (_, key, ladder) in &mut out {
        let zero = all.iter().position(|c| {
            c.committed.is_none()
                && c.stages.is_empty()
                && rest_key(c) == *key
                && (c.on_demand.is_some() || c.spot.is_some() || c.buys_nothing())
        });
        if let Some(z) = zero {
            ladder.rungs.push((0, z));
        }
        ladder.rungs.sort_unstable();
    }
    out.into_iter().map(|(_, _, l)| l).collect()
}

/// One rung's figures in stage `k` over trials `f`.
#[derive(Debug, Clone, Copy)]
struct Rung {
    units: u32,
    /// Mean cost in the stage.
    cost: f64,
    /// Hours on the API per year at the constraint's figure (buying
    /// nothing: every hour with demand).
    short: f64,
    /// Meets the hours limits there.
    short_ok: bool,
    /// Meets every constraint there (hours short and the yearly budget).
    ok: bool,
}

/// One rung's figures in stage `k` over trials `f`. Every candidate
/// spills to an API, so none is over the target (`--max-hours-short`); its
/// hours short are hours on the API (`--max-hours-on-api`).
fn stage_figures(units: u32, f: &[Trial], k: usize, stages: &Years, c: &Constraints) -> Rung {
    let cost: Vec<f64> = f.iter().map(|t| t.stage_cost[k]).collect();
    let mean = stats::mean(&cost);
    let per_year = f64::from(Years::HOURS) / f64::from(stages.hours[k].max(1));
    let mut h: Vec<f64> = f.iter().map(|t| t.stage_short[k] * per_year).collect();
    let short = match c.hours_short_at {
        HoursShortAt::Mean => stats::mean(&h),
        HoursShortAt::Quantile(q) => {
            h.sort_by(f64::total_cmp);
            stats::quantile_sorted(&h, q)
        }
    };
    let short_ok = c.max_hours_on_api.is_none_or(|max| short <= max);
    let budget_ok = c.budget_per_year.is_none_or(|b| {
        let limit = stages.budget(k, b);
        let over = cost.iter().filter(|&&x| x > limit).count() as f64 / cost.len().max(1) as f64;
        over <= c.max_prob_over_budget
    });
    Rung {
        units,
        cost: mean,
        short,
        short_ok,
        ok: short_ok && budget_ok,
    }
}

/// Units per stage of a ladder: each stage's need, never fewer than the
/// stage before.
fn counts(ladder: &Ladder, per: &[Vec<Trial>], stages: &Years, c: &Constraints) -> Vec<u32> {
    let mut out: Vec<u32> = Vec::with_capacity(stages.count());
    for k in 0..stages.count() {
        let rungs: Vec<Rung> = ladder
            .rungs
            .iter()
            .map(|&(n, i)| stage_figures(n, &per[i], k, stages, c))
            .collect();
        // The cheapest that meets every constraint in the stage; else the
        // cheapest within the hours-short limit (the budget is missed
        // whatever is bought); else the fewest hours short (more units on a
        // tie).
        let cheapest = |keep: fn(&Rung) -> bool| {
            rungs
                .iter()
                .filter(|r| keep(r))
                .min_by(|a, b| a.cost.total_cmp(&b.cost))
        };
        let need = cheapest(|r| r.ok)
            .or_else(|| cheapest(|r| r.short_ok))
            .or_else(|| {
                rungs
                    .iter()
                    .min_by(|a, b| a.short.total_cmp(&b.short).then(b.units.cmp(&a.units)))
            })
            .map_or(0, |r| r.units);
        out.push(need.max(out.last().copied().unwrap_or(0)));
    }
    out
}

/// `units` (units per stage) of `option` in words: `×2, ×4 from year 2, ×7
/// from year 3`; a stage that adds nothing is not named.
pub fn stage_words(template: &Pool, units: &[u32], stage_hours: u32) -> String {
    let mut parts = Vec::new();
    let mut last = None;
    for (k, &n) in units.iter().enumerate() {
        if last == Some(n) {
            continue;
        }
        let count = sized(template, n).count_label();
        parts.push(if k == 0 {
            count
        } else {
            format!("{count} {}", start_words(k as u32 * stage_hours))
        });
        last = Some(n);
    }
    parts.join(", ")
}

/// The staged candidates of ladders among `all`, from their figures `per`
/// (the trials every candidate has), with stages of `stage_hours`
/// (`stages` cuts the horizon into them).
pub(crate) fn candidates(
    s: &Scenario,
    all: &[Candidate],
    per: &[Vec<Trial>],
    c: &Constraints,
    stages: &Years,
    stage_hours: u32,
) -> Vec<Candidate> {
    let opts = super::options(s);
    let mut out: Vec<Candidate> = Vec::new();
    for ladder in ladders(all, &opts) {
        if ladder.rungs.len() < 2 {
            continue;
        }
        let units = counts(&ladder, per, stages, c);
        // One count in every stage: the fixed fleet, already a candidate.
        // (Ladders differ in option or rest: no two build the same fleet.)
        if units.iter().all(|&n| n == units[0]) {
            continue;
        }
        // The rest's pools, from a rung that has the committed option.
        let (_, with) = ladder.rungs[ladder.rungs.len() - 1];
        let base = &all[with];
        let (label, template) = ladder.option;
        let mut pools: Vec<Pool> = Vec::new();
        let mut had = 0;
        for (k, &n) in units.iter().enumerate() {
            if n > had {
                let mut p = sized(template, n - had);
                p.start_hour = k as u32 * stage_hours;
                if p.start_hour > 0 {
                    p.name = format!("{} ({})", p.name, start_words(p.start_hour));
                }
                pools.push(p);
            }
            had = n;
        }
        pools.extend(base.strategy.pools[1..].iter().cloned());
        let mut name = format!("{label} {}", stage_words(template, &units, stage_hours));
        for p in &base.strategy.pools[1..] {
            name.push_str(&format!(" + {} {}", s.pool_label(p), p.count_label()));
        }
        if let Some(order) = base.order {
            name.push_str(&format!(" ({})", order.words()));
        }
        let mut strategy = base.strategy.clone();
        strategy.name = name;
        strategy.description = "a staged candidate of capsim plan".into();
        strategy.pools = pools;
        out.push(Candidate {
            committed: Some((label.clone(), *units.last().expect("a stage at least"))),
            stages: units,
            strategy,
            ..base.clone()
        });
    }
    out
}
