//! `capsim plan`: which fleet to buy, searched on common random numbers.
//!
//! **Candidates** are built from what the scenario's pools buy (each
//! distinct pool, whatever its count, is an *option*): at most one committed
//! option (reserved or owned) with 1 to `max_committed` units, at most one
//! on-demand option with a ceiling from `on_demand_ceilings`, at most one spot
//! option with 1 to `max_spot` units — and, for every API alternative, *buy
//! nothing* (everything to that API). Units are what is bought: instances
//! for an instance pool (the instances of one replica when it spans
//! several: counts step in whole replicas), else replicas. Fleets
//! spill to the first `[[api]]`. Candidates keep no spares (a spare is an
//! option of its own in a later version; the scenario's strategies keep
//! theirs). A candidate is named by its pools and counts
//! ([`Scenario::fleet_label`]: `owned 8×H100 server ×1 + on-demand
//! aws/p5.48xlarge (8×H100) ≤6`).
//!
//! **Serving order.** Pools serve in the order listed, committed units
//! first. A fleet with both an on-demand and a spot option is two
//! candidates, one per [`Order`]: on-demand before spot keeps on-demand
//! warm (fewer hours short, more cost); spot before on-demand uses the
//! cheap capacity first and starts on-demand only when spot is short or
//! interrupted, paying its start-up lag in hours short. Neither order
//! dominates, so both are searched; their labels list the pools in serving
//! order and end with the order (`… + spot 4×H100 replica ×1 + on-demand
//! 4×H100 replica ≤2 (spot first)`).
//!
//! **Evaluation.** Every candidate is a strategy of one scenario, so each
//! trial's demand, outages and prices are drawn once and every candidate
//! is replayed on them ([`Engine::simulate_all`]): a candidate's figures are
//! those of a plain run of that fleet on the same seed and trials. With many
//! candidates the search halves: all candidates on the first trials, then
//! the ones that may still matter (see [`survivors`]) on the rest.
//!
//! **Constraints**: hours short of capacity per year (fleets only: a
//! candidate without GPUs has no capacity of its own to be short of),
//! P(cost above a budget), and the 95th percentile of the commitment (what
//! is signed whatever happens: each reserved term started within the
//! horizon, paid in full, and owned nodes' depreciable cost).
//!
//! **Result**: per candidate its cost (mean with CI, P95, CVaR95), hours
//! short, P(over budget), mean regret, commitment and feasibility; the
//! frontier of mean cost against CVaR95 among feasible candidates; and the
//! pick: the cheapest feasible candidate, unless one within `tolerance` of
//! its mean cost has a lower CVaR95.

use rayon::prelude::*;

mod constraints;
pub mod stages;

pub use constraints::{Constraints, HoursShortAt, Tails, TrialFigures, flag_of, violations};

use crate::engine::Engine;
use crate::model::Scratch;
use crate::model::commitment;
use crate::model::years::Years;
use crate::scenario::{Overflow, Pool, PoolKind, Scenario, Strategy};
use crate::stats::{self, Summary};

/// The grid of counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// Committed (reserved or owned) units tried: 1..=this.
    pub max_committed: u32,
    /// On-demand ceilings tried (units; 0 is "no on-demand pool").
    pub on_demand_ceilings: Vec<u32>,
    /// Spot units tried: 1..=this.
    pub max_spot: u32,
    /// Hours of a stage of a staged fleet (0: fixed fleets only); see
    /// [`stages`].
    pub stage_hours: u32,
}

impl Default for Grid {
    fn default() -> Self {
        Grid {
            max_committed: 4,
            on_demand_ceilings: vec![2, 4, 6],
            max_spot: 3,
            stage_hours: 0,
        }
    }
}

/// Which of a candidate's on-demand and spot options serves first (its
/// committed option, if any, serves before both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// On-demand, then spot: on-demand stays warm, spot takes what it
    /// leaves (fewer hours short, more cost).
    OnDemandFirst,
    /// Spot, then on-demand: the cheap capacity first, on-demand started
    /// only for what spot leaves, after its start-up lag.
    SpotFirst,
}

impl Order {
    /// The order in reports: `on-demand first`, `spot first`.
    pub fn words(self) -> &'static str {
        match self {
            Order::OnDemandFirst => "on-demand first",
            Order::SpotFirst => "spot first",
        }
    }
}

/// One candidate fleet: its parts in units, and the strategy it runs as.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The committed option and its units.
    pub committed: Option<(String, u32)>,
    /// The on-demand option and its ceiling.
    pub on_demand: Option<(String, u32)>,
    /// The spot option and its units.
    pub spot: Option<(String, u32)>,
    /// Which of on-demand and spot serves first (`None` without both).
    pub order: Option<Order>,
    /// The API spilled to (or, buying nothing, paid for everything).
    pub api: String,
    /// A staged fleet: the committed units held in each stage, from the
    /// horizon's start (empty: a fixed fleet).
    pub stages: Vec<u32>,
    /// The strategy.
    pub strategy: Strategy,
}

impl Candidate {
    /// Whether the candidate buys nothing.
    pub fn buys_nothing(&self) -> bool {
        self.strategy.pools.is_empty()
    }
}

/// A candidate's figures over the trials it was evaluated on.
#[derive(Debug, Clone)]
pub struct Evaluated {
    /// The candidate.
    pub candidate: Candidate,
    /// Trials evaluated (the first ones).
    pub trials: usize,
    /// Total cost over the horizon.
    pub cost: Summary,
    /// Hours short of capacity per year, mean (`None` without GPUs).
    pub hours_short_per_year: Option<f64>,
    /// Hours short of capacity per year at the quantile of
    /// [`Constraints::hours_short_at`] (`None` without GPUs, or with the mean).
    pub hours_short_quantile: Option<f64>,
    /// P(cost > budget) and its Wilson 95% interval (`None` without a budget).
    pub prob_over_budget: Option<(f64, (f64, f64))>,
    /// With a yearly budget: P(some year of a trial over it), and per year
    /// P(that year over it) ([`Years`]).
    pub years_over_budget: Option<(f64, Vec<f64>)>,
    /// Mean of cost minus the cheapest candidate's in the same trial.
    pub regret_mean: f64,
    /// Commitment, 95th percentile, USD.
    pub commitment_p95: f64,
    /// Total cost + commitments still owed after the horizon, mean.
    pub committed_total_mean: f64,
    /// Why it fails the constraints (empty: feasible).
    pub infeasible: Vec<String>,
    /// On the frontier of mean cost against CVaR95 (feasible, all trials).
    pub on_frontier: bool,
}

impl Evaluated {
    /// Meets every constraint.
    pub fn feasible(&self) -> bool {
        self.infeasible.is_empty()
    }
}

/// The search's result.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Every candidate, in grid order.
    pub rows: Vec<Evaluated>,
    /// Trials of the whole run.
    pub trials: usize,
    /// Trials of the first round when the search halved.
    pub first_round: Option<usize>,
    /// The recommended candidate (index into `rows`), if any is feasible.
    pub pick: Option<usize>,
    /// The cheapest other feasible candidate, for the paired comparison.
    pub runner_up: Option<usize>,
    /// cost(pick) − cost(runner-up), trial by trial.
    pub pick_vs_runner_up: Option<Summary>,
    /// Share of trials in which the pick costs less than the runner-up.
    pub prob_pick_cheaper: Option<f64>,
    /// The cheapest candidate by mean cost, feasible or not.
    pub cheapest: usize,
    /// The cheapest feasible candidate evaluated on every trial.
    pub cheapest_feasible: Option<usize>,
    /// How much more than the lowest feasible mean cost was allowed for a lower tail.
    pub tolerance: f64,
    /// The constraints applied.
    pub constraints: Constraints,
    /// Hours of a stage of the staged candidates (0: none were tried).
    pub stage_hours: u32,
}

/// A pool of the scenario as an option, with its label
/// ([`Scenario::pool_label`]: pools with one label are one option).
fn options(s: &Scenario) -> Vec<(String, Pool)> {
    let mut out: Vec<(String, Pool)> = Vec::new();
    for p in s.strategies.iter().flat_map(|st| &st.pools) {
        // What can be bought, whenever a strategy buys it.
        let p = Pool {
            start_hour: 0,
            ..p.clone()
        };
        let label = s.pool_label(&p);
        if !out.iter().any(|(l, _)| *l == label) {
            out.push((label, p));
        }
    }
    out
}

/// `template` with `units` purchasable units (a ceiling for on-demand).
pub(crate) fn sized(template: &Pool, units: u32) -> Pool {
    let mut p = template.clone();
    let per = if p.kind == PoolKind::OnDemand {
        1
    } else {
        p.instance.as_ref().map_or(1, |i| i.replicas)
    };
    p.spares = 0;
    if p.kind == PoolKind::OnDemand {
        p.replicas = 0;
        p.max_replicas = units;
    } else {
        p.replicas = units * per;
        p.max_replicas = units * per;
    }
    p
}

/// The stage length `grid` asks for on `s`'s horizon: its own
/// (`u32::MAX`: the default, a year when the horizon is longer than one,
/// else none).
pub fn stage_hours(s: &Scenario, grid: &Grid) -> u32 {
    match grid.stage_hours {
        u32::MAX if s.horizon_hours > Years::HOURS => Years::HOURS,
        u32::MAX => 0,
        h => h,
    }
}

/// Most candidates `plan` searches unless raised (`--max-candidates`).
/// realistic-2027 has 225 on the default grid; 5,000 on 10,000 trials is
/// about 8.7 million candidate-trials (every candidate on the first 1,000
/// trials, a twelfth on the rest), some 20 times that plan's search, and
/// the first round keeps 32 bytes per candidate and trial (160 MB).
/// Beyond it a typo in the grid or a scenario with many distinct pools
/// would run for hours: refused before anything is built.
pub const MAX_CANDIDATES: u64 = 5_000;

/// The scenario's options by part of a fleet: (committed, on-demand, spot).
pub fn option_counts(s: &Scenario) -> (u64, u64, u64) {
    let opts = options(s);
    let of = |k: &[PoolKind]| opts.iter().filter(|(_, p)| k.contains(&p.kind)).count() as u64;
    (
        of(&[PoolKind::Reserved, PoolKind::Owned]),
        of(&[PoolKind::OnDemand]),
        of(&[PoolKind::Spot]),
    )
}

/// How many candidates [`candidates`] gives for `s` and `grid`, counted
/// from the grid and the options without building them (saturating at
/// `u64::MAX`): every combination of at most one option per part with one
/// of its counts, less the empty fleet, plus the second serving order of
/// each fleet with both on-demand and spot, plus buying nothing per API.
pub fn count_candidates(s: &Scenario, grid: &Grid) -> u64 {
    let (c, o, sp) = option_counts(s);
    let ceilings = grid.on_demand_ceilings.iter().filter(|n| **n > 0).count() as u128;
    let c = u128::from(c) * u128::from(grid.max_committed);
    let o = u128::from(o) * ceilings;
    let sp = u128::from(sp) * u128::from(grid.max_spot);
    let fleets = (1 + c) * (1 + o) * (1 + sp) - 1;
    let both_orders = (1 + c) * o * sp;
    let n = fleets + both_orders + s.apis.len() as u128;
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Every candidate of the grid over the scenario's options (a fleet with
/// both on-demand and spot once per [`Order`], on-demand first then spot
/// first), and buying nothing for each API alternative.
pub fn candidates(s: &Scenario, grid: &Grid) -> Vec<Candidate> {
    let opts = options(s);
    let of = |k: &[PoolKind]| -> Vec<&(String, Pool)> {
        opts.iter().filter(|(_, p)| k.contains(&p.kind)).collect()
    };
    let committed = of(&[PoolKind::Reserved, PoolKind::Owned]);
    let on_demand = of(&[PoolKind::OnDemand]);
    let spot = of(&[PoolKind::Spot]);
    let choices = |opts: &[&(String, Pool)], counts: &[u32]| {
        let mut v: Vec<Option<(String, Pool, u32)>> = vec![None];
        for (l, p) in opts {
            for &n in counts.iter().filter(|n| **n > 0) {
                v.push(Some((l.clone(), p.clone(), n)));
            }
        }
        v
    };
    let c_counts: Vec<u32> = (1..=grid.max_committed).collect();
    let s_counts: Vec<u32> = (1..=grid.max_spot).collect();
    let mut out = Vec::new();
    let api0 = s.apis[0].name.clone();
    for c in choices(&committed, &c_counts) {
        for o in choices(&on_demand, &grid.on_demand_ceilings) {
            for sp in choices(&spot, &s_counts) {
                if c.is_none() && o.is_none() && sp.is_none() {
                    continue;
                }
                let orders: &[Option<Order>] = if o.is_some() && sp.is_some() {
                    &[Some(Order::OnDemandFirst), Some(Order::SpotFirst)]
                } else {
                    &[None]
                };
                for &order in orders {
                    let parts = match order {
                        Some(Order::SpotFirst) => [&c, &sp, &o],
                        _ => [&c, &o, &sp],
                    };
                    let (labels, pools): (Vec<&String>, Vec<Pool>) = parts
                        .iter()
                        .filter_map(|x| x.as_ref().map(|(l, p, n)| (l, sized(p, *n))))
                        .unzip();
                    // Scenario::fleet_label of the pools, from their options'
                    // labels, then the order when there are two.
                    let mut name = labels
                        .iter()
                        .zip(&pools)
                        .map(|(l, p)| format!("{l} {}", p.count_label()))
                        .collect::<Vec<_>>()
                        .join(" + ");
                    if let Some(order) = order {
                        name.push_str(&format!(" ({})", order.words()));
                    }
                    let part = |x: &Option<(String, Pool, u32)>| {
                        x.as_ref().map(|(l, _, n)| (l.clone(), *n))
                    };
                    out.push(Candidate {
                        committed: part(&c),
                        on_demand: part(&o),
                        spot: part(&sp),
                        order,
                        api: api0.clone(),
                        stages: Vec::new(),
                        strategy: Strategy {
                            name,
                            description: "a candidate of capsim plan".into(),
                            pools,
                            overflow: Overflow::Spill,
                            api: 0,
                        },
                    });
                }
            }
        }
    }
    for (k, a) in s.apis.iter().enumerate() {
        out.push(Candidate {
            committed: None,
            on_demand: None,
            spot: None,
            order: None,
            api: a.name.clone(),
            stages: Vec::new(),
            strategy: Strategy {
                name: format!("buy nothing ({})", a.name),
                description: format!("no GPUs: everything to {}", a.name),
                pools: Vec::new(),
                overflow: Overflow::Spill,
                api: k,
            },
        });
    }
    out
}

/// One candidate's figures in one trial.
#[derive(Debug, Clone)]
pub(crate) struct Trial {
    cost: f64,
    /// Hours the fleet's own capacity was short over the horizon (without
    /// GPUs: every hour with demand).
    hours_short: f64,
    /// Total cost + commitments still owed after the horizon.
    committed_total: f64,
    commitment: f64,
    /// Each year's cost ([`Years`]).
    years: Vec<f64>,
    /// With stages: each stage's cost and hours short (empty without).
    stage_cost: Vec<f64>,
    stage_short: Vec<f64>,
}

/// Per candidate, per trial.
type Figures = Vec<Vec<Trial>>;

/// Candidates `which` of `all` replayed on trials `range` of `s`'s streams.
fn evaluate(
    s: &Scenario,
    all: &[Candidate],
    which: &[usize],
    seed: u64,
    range: std::ops::Range<u64>,
    years: &Years,
    stages: Option<&Years>,
) -> Figures {
    let mut sc = s.clone();
    sc.strategies = which.iter().map(|&i| all[i].strategy.clone()).collect();
    let engine = Engine::new(&sc, seed);
    let per_trial: Vec<Vec<Trial>> = range
        .into_par_iter()
        .map_init(Scratch::default, |scratch, trial| {
            let p = engine.prepare(trial, scratch);
            engine
                .simulate_all(&p, trial, scratch)
                .iter()
                .enumerate()
                .map(|(si, t)| {
                    let cost = t.total.total_cost();
                    let mut y = Vec::with_capacity(years.count());
                    years.push_costs(&t.months, &mut y);
                    let (mut stage_cost, mut stage_short) = (Vec::new(), Vec::new());
                    if let Some(st) = stages {
                        st.push_costs(&t.months, &mut stage_cost);
                        st.push_by(&t.months, |m| m.hours_short, &mut stage_short);
                    }
                    Trial {
                        cost,
                        hours_short: t.total.hours_short,
                        committed_total: cost + t.committed_after_horizon,
                        commitment: commitment::of_strategy(&sc, si, &p.pool_prices[si]),
                        years: y,
                        stage_cost,
                        stage_short,
                    }
                })
                .collect()
        })
        .collect();
    (0..which.len())
        .map(|c| per_trial.iter().map(|t| t[c].clone()).collect())
        .collect()
}

/// The constraints' figures of candidate `c` over trials `f`.
fn tails(c: &Constraints, years: &Years, candidate: &Candidate, f: &[Trial]) -> Tails {
    let cost: Vec<f64> = f.iter().map(|x| x.cost).collect();
    let hours: Vec<f64> = f.iter().map(|x| x.hours_short).collect();
    let year_costs: Vec<f64> = f.iter().flat_map(|x| x.years.iter().copied()).collect();
    let commitment: Vec<f64> = f.iter().map(|x| x.commitment).collect();
    Tails::of(
        c,
        years,
        &TrialFigures {
            hours_short: &hours,
            has_gpus: !candidate.buys_nothing(),
            spills: candidate.strategy.overflow == Overflow::Spill,
            cost: &cost,
            year_costs: &year_costs,
            commitment: &commitment,
        },
    )
}

/// The candidates worth every trial after a first round on `figs` (all
/// candidates, the first trials): those that may meet the constraints (with
/// slack for the first round's noise) among the cheapest by mean and by
/// CVaR95, and every candidate that buys nothing (the baselines).
fn survivors(
    all: &[Candidate],
    figs: &Figures,
    years: &Years,
    c: &Constraints,
    keep: usize,
) -> Vec<usize> {
    let n = all.len();
    let score: Vec<(f64, f64, bool)> = (0..n)
        .map(|i| {
            let cost: Vec<f64> = figs[i].iter().map(|x| x.cost).collect();
            let s = stats::summarise(&cost).expect("trials were run");
            let t = tails(c, years, &all[i], &figs[i]);
            let mut ok = true;
            if let Some(max) = c.max_hours_short {
                ok &= t.hours_over <= 1.5 * max + 50.0;
            }
            if let Some(max) = c.max_hours_on_api {
                ok &= t.hours_on_api <= 1.5 * max + 50.0;
            }
            if let Some(over) = t.prob_over_budget {
                ok &= over <= c.max_prob_over_budget + 0.1;
            }
            if let Some((over, _)) = t.years_over {
                ok &= over <= c.max_prob_over_budget + 0.1;
            }
            if let Some(cap) = c.max_commitment {
                ok &= t.commitment_p95 <= 1.1 * cap;
            }
            (s.mean, s.cvar95, ok)
        })
        .collect();
    let mut keep_set: Vec<usize> = (0..n).filter(|&i| all[i].buys_nothing()).collect();
    let mut ok: Vec<usize> = (0..n).filter(|&i| score[i].2).collect();
    if ok.is_empty() {
        // Nothing looks feasible yet: keep the closest by hours short and cost.
        ok = (0..n).collect();
    }
    ok.sort_by(|&a, &b| score[a].0.total_cmp(&score[b].0));
    keep_set.extend(ok.iter().take(keep));
    ok.sort_by(|&a, &b| score[a].1.total_cmp(&score[b].1));
    keep_set.extend(ok.iter().take(keep / 2));
    keep_set.sort_unstable();
    keep_set.dedup();
    keep_set
}

/// Search the candidates on trials `0..trials` of `s` with `seed`, in
/// parallel on the current rayon pool. With more than `halve_above`
/// candidates, a first round on `first` trials keeps [`survivors`]. With
/// `stage_hours` (0: none) shorter than the horizon, staged fleets are
/// built from the fixed ones ([`stages`]) and searched on every trial.
#[allow(clippy::too_many_arguments)]
pub fn search(
    s: &Scenario,
    mut all: Vec<Candidate>,
    seed: u64,
    trials: u64,
    constraints: Constraints,
    halve_above: usize,
    first: u64,
    tolerance: f64,
    stage_hours: u32,
) -> Plan {
    let years = Years::of(s);
    // Stages of a staged fleet, when there are two or more.
    let stages = (stage_hours > 0 && s.horizon_hours > stage_hours).then(|| {
        Years::periods(
            &crate::model::Calendar::new(s).months,
            s.horizon_hours,
            stage_hours,
        )
    });
    let everyone: Vec<usize> = (0..all.len()).collect();
    let first = first.min(trials);
    let (figs, first_round): (Vec<Figures>, Option<usize>) =
        if all.len() > halve_above && first < trials {
            let round1 = evaluate(s, &all, &everyone, seed, 0..first, &years, stages.as_ref());
            let keep = (all.len() / 12).max(8);
            let alive = survivors(&all, &round1, &years, &constraints, keep);
            let rest = evaluate(
                s,
                &all,
                &alive,
                seed,
                first..trials,
                &years,
                stages.as_ref(),
            );
            let mut figs: Vec<Figures> = round1.into_iter().map(|f| vec![f]).collect();
            for (j, &i) in alive.iter().enumerate() {
                figs[i].push(rest[j].clone());
            }
            (figs, Some(first as usize))
        } else {
            let f = evaluate(s, &all, &everyone, seed, 0..trials, &years, stages.as_ref());
            (f.into_iter().map(|f| vec![f]).collect(), None)
        };
    let mut per: Vec<Vec<Trial>> = figs.into_iter().map(|parts| parts.concat()).collect();
    // Staged fleets, built from the fixed ones' figures on the trials all
    // of them have, then replayed on every trial.
    if let Some(st) = &stages {
        let common = per.iter().map(Vec::len).min().unwrap_or(0);
        let firsts: Vec<Vec<Trial>> = per.iter().map(|f| f[..common].to_vec()).collect();
        let staged = stages::candidates(s, &all, &firsts, &constraints, st, stage_hours);
        if !staged.is_empty() {
            let idx: Vec<usize> = (all.len()..all.len() + staged.len()).collect();
            all.extend(staged);
            per.extend(evaluate(s, &all, &idx, seed, 0..trials, &years, Some(st)));
        }
    }
    // Regret against the cheapest of every candidate in the same trial, on
    // the trials every candidate was evaluated on (the first round when the
    // search halved): the same set of candidates in every trial averaged.
    let common = per.iter().map(Vec::len).min().unwrap_or(0);
    let best: Vec<f64> = (0..common)
        .map(|t| {
            per.iter()
                .filter_map(|f| f.get(t).map(|x| x.cost))
                .fold(f64::INFINITY, f64::min)
        })
        .collect();
    let mut rows: Vec<Evaluated> = all
        .into_iter()
        .zip(&per)
        .map(|(candidate, f)| {
            let cost: Vec<f64> = f.iter().map(|x| x.cost).collect();
            let summary = stats::summarise(&cost).expect("trials were run");
            let t = tails(&constraints, &years, &candidate, f);
            let prob = constraints.budget.map(|b| {
                let over = cost.iter().filter(|&&x| x > b).count();
                (
                    over as f64 / cost.len() as f64,
                    stats::wilson95(over, cost.len()),
                )
            });
            let regret: Vec<f64> = cost[..common]
                .iter()
                .zip(&best)
                .map(|(c, b)| c - b)
                .collect();
            let committed: Vec<f64> = f.iter().map(|x| x.committed_total).collect();
            let infeasible = t.violations(&constraints, &years);
            Evaluated {
                candidate,
                trials: cost.len(),
                cost: summary,
                hours_short_per_year: t.hours_short_mean,
                hours_short_quantile: t.hours_short_quantile,
                prob_over_budget: prob,
                years_over_budget: t.years_over,
                regret_mean: stats::mean(&regret),
                commitment_p95: t.commitment_p95,
                committed_total_mean: stats::mean(&committed),
                infeasible,
                on_frontier: false,
            }
        })
        .collect();
    let full = |r: &Evaluated| r.trials == trials as usize;
    // The frontier: feasible, every trial, not dominated in (mean, CVaR95).
    let mut order: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].feasible() && full(&rows[i]))
        .collect();
    order.sort_by(|&a, &b| {
        rows[a]
            .cost
            .mean
            .total_cmp(&rows[b].cost.mean)
            .then(rows[a].cost.cvar95.total_cmp(&rows[b].cost.cvar95))
    });
    let mut lowest_tail = f64::INFINITY;
    for &i in &order {
        if rows[i].cost.cvar95 < lowest_tail {
            lowest_tail = rows[i].cost.cvar95;
            rows[i].on_frontier = true;
        }
    }
    let chosen = crate::choose::least_tail_within(
        &order,
        |i| rows[i].cost.mean,
        |i| rows[i].cost.cvar95,
        tolerance,
    );
    let (pick, cheapest_feasible) = (chosen.map(|c| c.0), chosen.map(|c| c.1));
    let runner_up = pick.and_then(|p| order.iter().copied().find(|&i| i != p));
    let diffs: Option<Vec<f64>> = match (pick, runner_up) {
        (Some(a), Some(b)) => Some(
            per[a]
                .iter()
                .zip(&per[b])
                .map(|(x, y)| x.cost - y.cost)
                .collect(),
        ),
        _ => None,
    };
    let pick_vs_runner_up = diffs.as_deref().and_then(stats::summarise);
    let prob_pick_cheaper = diffs
        .as_ref()
        .map(|d| d.iter().filter(|x| **x < 0.0).count() as f64 / d.len().max(1) as f64);
    let cheapest = (0..rows.len())
        .filter(|&i| full(&rows[i]))
        .min_by(|&a, &b| rows[a].cost.mean.total_cmp(&rows[b].cost.mean))
        .unwrap_or(0);
    Plan {
        rows,
        trials: trials as usize,
        first_round,
        pick,
        runner_up,
        pick_vs_runner_up,
        prob_pick_cheaper,
        cheapest,
        cheapest_feasible,
        tolerance,
        constraints,
        stage_hours: if stages.is_some() { stage_hours } else { 0 },
    }
}

impl Plan {
    /// The strategies worth a full run folder: the pick, the runner-up, the
    /// frontier, the cheapest, and every buy-nothing baseline (at most a dozen).
    pub fn shortlist(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self.pick.into_iter().chain(self.runner_up).collect();
        v.push(self.cheapest);
        v.extend(
            (0..self.rows.len())
                .filter(|&i| self.rows[i].on_frontier)
                .take(6),
        );
        v.extend((0..self.rows.len()).filter(|&i| self.rows[i].candidate.buys_nothing()));
        let mut seen = Vec::new();
        v.retain(|i| {
            let new = !seen.contains(i);
            seen.push(*i);
            new
        });
        v.truncate(12);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_short_at_parses_and_names() {
        assert_eq!(HoursShortAt::parse("mean"), Ok(HoursShortAt::Mean));
        assert_eq!(
            HoursShortAt::parse("0.95"),
            Ok(HoursShortAt::Quantile(0.95))
        );
        assert!(HoursShortAt::parse("0").is_err());
        assert!(HoursShortAt::parse("1.5").is_err());
        assert_eq!(HoursShortAt::Quantile(0.95).words(), "P95");
        assert_eq!(HoursShortAt::Quantile(0.995).words(), "P99.5");
        assert_eq!(HoursShortAt::Mean.words(), "mean");
    }
}
