//! Break-even volume per trial, and sweeps over monthly volume.
//!
//! Both scale a trial's own demand path by a factor `k` — shape, growth,
//! noise and bursts stay exactly as drawn; failures, outages and prices are
//! untouched — and replay the strategy on it. So the answer belongs to that
//! trial's draws, with no new random numbers (common random numbers across
//! volumes, too).
//!
//! **Volume** means the scenario's `monthly_tokens`: output tokens per
//! 730-hour month at the start of the horizon, before growth and bursts.
//! Scaling the path by `k` scales that volume by `k`.
//!
//! **Break-even** in a trial is the volume at which the strategy's total cost
//! equals what the API would charge for the same (scaled) demand. Writing
//! `f(k) = cost(k) − api(k)`: at `k → 0` the fleet's fixed costs make `f`
//! positive; for a fixed fleet with spill, `f(k) = fixed − price × served(k)`
//! falls as more tokens are served, until the fleet saturates. capsim brackets
//! a sign change by doubling (or halving) `k` from the trial's own volume, then
//! refines it with the Illinois false-position method to a relative 1e-6. When
//! `f` stays positive up to 2^20 × the volume the fleet can never pay for
//! itself (it saturates first): the break-even is infinite. For autoscaled
//! pools `f` need not be monotone; the crossing found is the one nearest the
//! trial's volume in the doubling sequence.

use rayon::prelude::*;

use crate::engine::Engine;
use crate::model::{Scratch, StrategyTotals, TrialParams};
use crate::scenario::HOURS_PER_MONTH;

/// Break-even of one strategy in one trial.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BreakEven {
    /// Trial index.
    pub trial: u64,
    /// Strategy index.
    pub strategy: usize,
    /// Volume at break-even (scenario `monthly_tokens` units); infinite when
    /// the fleet saturates before it pays for itself, 0 when it is cheaper at
    /// any volume.
    pub monthly_tokens: f64,
    /// Mean demanded tokens per 730-hour month over the horizon at break-even
    /// (growth and bursts included).
    pub mean_monthly_tokens: f64,
    /// Served / paid capacity at break-even.
    pub utilization: f64,
}

/// One point of a volume sweep for one strategy, in one trial.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SweepPoint {
    /// Volume (scenario `monthly_tokens` units).
    pub volume: f64,
    /// Strategy index.
    pub strategy: usize,
    /// Total cost of the strategy, USD.
    pub cost: f64,
    /// API-only cost of the same demand, USD.
    pub api_cost: f64,
    /// Demanded output tokens.
    pub demanded: f64,
    /// Whether the strategy runs GPUs.
    pub has_gpus: bool,
}

struct Replay<'e, 'a> {
    engine: &'e Engine<'a>,
    params: TrialParams,
    trial: u64,
    base: Vec<f64>,
}

impl Replay<'_, '_> {
    /// Scale the trial's demand path by `k` into `scratch`.
    fn scale(&self, k: f64, scratch: &mut Scratch) {
        scratch.demand.clear();
        scratch.demand.extend(self.base.iter().map(|d| d * k));
    }

    fn at(&self, si: usize, k: f64, scratch: &mut Scratch) -> StrategyTotals {
        self.scale(k, scratch);
        self.engine.simulate(si, &self.params, self.trial, scratch)
    }
}

fn gap(t: &StrategyTotals) -> f64 {
    t.total.total_cost() - t.api_only_cost
}

const MAX_DOUBLINGS: i32 = 20;

fn solve(r: &Replay, si: usize, scratch: &mut Scratch) -> BreakEven {
    let months = r.base.len() as f64 / HOURS_PER_MONTH;
    let base_demand: f64 = r.base.iter().sum();
    let result = |k: f64, t: Option<&StrategyTotals>| BreakEven {
        trial: r.trial,
        strategy: si,
        monthly_tokens: k * r.params.monthly_tokens,
        mean_monthly_tokens: k * base_demand / months,
        utilization: t.map_or(f64::NAN, |t| {
            if t.total.paid_capacity > 0.0 {
                t.total.served / t.total.paid_capacity
            } else {
                f64::NAN
            }
        }),
    };
    // Bracket: f(lo) > 0 ≥ f(hi). `t_hi` keeps the replay at `hi` (for the
    // utilization at the answer), `t` the latest one.
    let mut k = 1.0;
    let mut t = r.at(si, k, scratch);
    let mut fk = gap(&t);
    let (mut lo, mut flo, mut hi, mut fhi, mut t_hi);
    if fk > 0.0 {
        let mut i = 0;
        loop {
            let k2 = k * 2.0;
            t = r.at(si, k2, scratch);
            let f2 = gap(&t);
            if f2 <= 0.0 {
                (lo, flo, hi, fhi, t_hi) = (k, fk, k2, f2, t);
                break;
            }
            (k, fk) = (k2, f2);
            i += 1;
            if i >= MAX_DOUBLINGS {
                return result(f64::INFINITY, None);
            }
        }
    } else {
        let mut i = 0;
        loop {
            let k2 = k / 2.0;
            let t2 = r.at(si, k2, scratch);
            let f2 = gap(&t2);
            if f2 > 0.0 {
                (lo, flo, hi, fhi, t_hi) = (k2, f2, k, fk, t);
                break;
            }
            (k, fk, t) = (k2, f2, t2);
            i += 1;
            if i >= 3 * MAX_DOUBLINGS {
                return result(0.0, None);
            }
        }
    }
    // Illinois false position.
    let mut side = 0;
    for _ in 0..100 {
        if hi - lo <= 1e-6 * hi {
            break;
        }
        let mut m = (lo * fhi - hi * flo) / (fhi - flo);
        if !(m > lo && m < hi) {
            m = 0.5 * (lo + hi);
        }
        let tm = r.at(si, m, scratch);
        let fm = gap(&tm);
        if fm > 0.0 {
            (lo, flo) = (m, fm);
            if side == -1 {
                fhi *= 0.5;
            }
            side = -1;
        } else {
            (hi, fhi, t_hi) = (m, fm, tm);
            if side == 1 {
                flo *= 0.5;
            }
            side = 1;
        }
    }
    // Where cost jumps (a step in autoscaled capacity), f may not reach 0:
    // report the smallest volume at which self-hosting is no dearer.
    result(hi, Some(&t_hi))
}

fn replay<'e, 'a>(engine: &'e Engine<'a>, trial: u64, scratch: &mut Scratch) -> Replay<'e, 'a> {
    let params = engine.prepare(trial, scratch);
    Replay {
        engine,
        params,
        trial,
        base: scratch.demand.clone(),
    }
}

/// Break-even of every strategy with GPUs in trials `range`, in trial then
/// strategy order, in parallel on the current rayon pool.
pub fn per_trial(engine: &Engine, range: std::ops::Range<u64>) -> Vec<BreakEven> {
    let gpu_strategies: Vec<usize> = engine
        .scenario()
        .strategies
        .iter()
        .enumerate()
        .filter(|(_, st)| !st.pools.is_empty())
        .map(|(i, _)| i)
        .collect();
    range
        .into_par_iter()
        .map_init(Scratch::default, |scratch, trial| {
            let r = replay(engine, trial, scratch);
            gpu_strategies
                .iter()
                .map(|&si| solve(&r, si, scratch))
                .collect::<Vec<_>>()
        })
        .flatten()
        .collect()
}

/// Replay every strategy of trials `range` at each volume of `volumes`
/// (scenario `monthly_tokens` units). Results per trial, in volume then
/// strategy order.
pub fn sweep(
    engine: &Engine,
    range: std::ops::Range<u64>,
    volumes: &[f64],
) -> Vec<Vec<SweepPoint>> {
    let k = engine.scenario().strategies.len();
    range
        .into_par_iter()
        .map_init(Scratch::default, |scratch, trial| {
            let r = replay(engine, trial, scratch);
            let mut out = Vec::with_capacity(volumes.len() * k);
            for &v in volumes {
                let scale = if r.params.monthly_tokens > 0.0 {
                    v / r.params.monthly_tokens
                } else {
                    0.0
                };
                r.scale(scale, scratch);
                let all = engine.simulate_all(&r.params, trial, scratch);
                for (si, t) in all.iter().enumerate() {
                    out.push(SweepPoint {
                        volume: v,
                        strategy: si,
                        cost: t.total.total_cost(),
                        api_cost: t.api_only_cost,
                        demanded: t.total.demanded,
                        has_gpus: t.has_gpus,
                    });
                }
            }
            out
        })
        .collect()
}

/// Per strategy with GPUs: its name, its per-trial break-even volumes sorted
/// (infinite last), and the mean utilization at break-even over the trials
/// where it is finite.
pub fn distribution(names: &[String], per_trial: &[BreakEven]) -> Vec<(String, Vec<f64>, f64)> {
    names
        .iter()
        .enumerate()
        .map(|(si, n)| {
            let mine: Vec<_> = per_trial.iter().filter(|b| b.strategy == si).collect();
            let mut v: Vec<f64> = mine.iter().map(|b| b.monthly_tokens).collect();
            v.sort_by(f64::total_cmp);
            let u: Vec<f64> = mine
                .iter()
                .map(|b| b.utilization)
                .filter(|u| u.is_finite())
                .collect();
            let util = u.iter().sum::<f64>() / u.len() as f64;
            (n.clone(), v, util)
        })
        .collect()
}

/// One row of `breakeven.parquet`: a volume and a strategy, over all trials.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRow {
    /// Volume (scenario `monthly_tokens` units).
    pub volume: f64,
    /// Strategy name.
    pub strategy: String,
    /// Whether the strategy runs GPUs.
    pub has_gpus: bool,
    /// Trials.
    pub n: usize,
    /// Share of trials where the strategy costs less than the API (0 without GPUs).
    pub prob_self_host_cheaper: f64,
    /// Wilson 95% interval of that share.
    pub ci95: (f64, f64),
    /// Mean total cost, USD.
    pub mean_cost: f64,
    /// Mean cost per million demanded output tokens, USD.
    pub cost_per_mtok: f64,
    /// Mean API-only cost per million demanded output tokens, USD.
    pub api_cost_per_mtok: f64,
}

/// The sums behind [`SweepRow`], added a block of trials at a time (in trial
/// order), so a sweep never holds more than a block's points.
#[derive(Debug, Clone)]
pub struct SweepTotals {
    volumes: Vec<f64>,
    k: usize,
    /// Per (volume, strategy): trials, wins, Σ cost, Σ $/M, Σ API $/M, GPUs.
    n: Vec<usize>,
    wins: Vec<usize>,
    sums: Vec<[f64; 3]>,
    has_gpus: Vec<bool>,
}

impl SweepTotals {
    /// Empty sums for `volumes` and `k` strategies.
    pub fn new(volumes: &[f64], k: usize) -> Self {
        let cells = volumes.len() * k;
        SweepTotals {
            volumes: volumes.to_vec(),
            k,
            n: vec![0; cells],
            wins: vec![0; cells],
            sums: vec![[0.0; 3]; cells],
            has_gpus: vec![false; cells],
        }
    }

    /// Add trials' points (from [`sweep`]), in trial order.
    pub fn add(&mut self, points: &[Vec<SweepPoint>]) {
        for trial in points {
            for (c, p) in trial.iter().enumerate().take(self.n.len()) {
                self.n[c] += 1;
                self.has_gpus[c] = p.has_gpus;
                if p.has_gpus && crate::stats::cheaper(p.cost, p.api_cost) {
                    self.wins[c] += 1;
                }
                let s = &mut self.sums[c];
                s[0] += p.cost;
                if p.demanded > 0.0 {
                    s[1] += p.cost / p.demanded * 1e6;
                    s[2] += p.api_cost / p.demanded * 1e6;
                }
            }
        }
    }

    /// One row per volume and strategy (`names`, in scenario order).
    pub fn rows(&self, names: &[String]) -> Vec<SweepRow> {
        let mut rows = Vec::with_capacity(self.n.len());
        for (vi, &volume) in self.volumes.iter().enumerate() {
            for (si, name) in names.iter().enumerate().take(self.k) {
                let c = vi * self.k + si;
                let (n, wins, s) = (self.n[c], self.wins[c], self.sums[c]);
                let nf = n.max(1) as f64;
                rows.push(SweepRow {
                    volume,
                    strategy: name.clone(),
                    has_gpus: self.has_gpus[c],
                    n,
                    prob_self_host_cheaper: wins as f64 / nf,
                    ci95: crate::stats::wilson95(wins, n),
                    mean_cost: s[0] / nf,
                    cost_per_mtok: s[1] / nf,
                    api_cost_per_mtok: s[2] / nf,
                });
            }
        }
        rows
    }
}

/// Per volume and strategy: the share of trials where self-hosting is
/// cheaper (Wilson 95% interval), mean cost and cost per million tokens,
/// from every trial's points.
pub fn aggregate(names: &[String], volumes: &[f64], points: &[Vec<SweepPoint>]) -> Vec<SweepRow> {
    let mut t = SweepTotals::new(volumes, names.len());
    t.add(points);
    t.rows(names)
}

/// [`sweep`] and [`aggregate`] over trials `range`, a block of
/// [`crate::engine::CHUNK_TRIALS`] at a time: memory for one block's points,
/// whatever the trial count; the same rows as `aggregate` over the whole
/// `sweep` (the sums are taken in the same trial order).
pub fn sweep_rows(
    engine: &Engine,
    range: std::ops::Range<u64>,
    volumes: &[f64],
    names: &[String],
) -> Vec<SweepRow> {
    let mut t = SweepTotals::new(volumes, names.len());
    let mut start = range.start;
    while start < range.end {
        let end = range
            .end
            .min(start.saturating_add(crate::engine::CHUNK_TRIALS));
        t.add(&sweep(engine, start..end, volumes));
        start = end;
    }
    t.rows(names)
}

/// `count` volumes spaced evenly in log between `low` and `high` (inclusive).
pub fn log_volumes(low: f64, high: f64, count: usize) -> Vec<f64> {
    if count <= 1 {
        return vec![low];
    }
    let (a, b) = (low.ln(), high.ln());
    (0..count)
        .map(|i| (a + (b - a) * i as f64 / (count - 1) as f64).exp())
        .collect()
}
