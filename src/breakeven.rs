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
//! a sign change from the trial's own volume and the fixed-fleet guess (fixed
//! cost / API cost, the root when nothing saturates), stepping by growing
//! factors, then refines it with the Illinois false-position method to a
//! relative 1e-6. When
//! `f` stays positive up to 2^20 × the volume the fleet can never pay for
//! itself (it saturates first): the break-even is infinite. For autoscaled
//! pools `f` need not be monotone; the crossing found is the first one the
//! steps from the guess meet.
//!
//! A fixed fleet is evaluated from its hourly capacity, one pass per
//! volume; an autoscaled one of the common shape from its
//! [`Autoscaled`] form (outages and fixed pools taken once per trial), the
//! same bits as its replay; any other strategy is replayed in full.

use rayon::prelude::*;

use crate::engine::Engine;
use crate::model::serve::Autoscaled;
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

/// A fleet whose capacity does not depend on demand, at any scale of the
/// trial's demand: its fixed costs (GPU and overhead, from one replay) and
/// its hourly capacity; each volume is then one pass over the hours.
struct Fixed {
    cap: Vec<f64>,
    fixed_cost: f64,
    paid_capacity: f64,
    spill: bool,
    api: usize,
}

/// One volume's figures: (cost, API-only cost, demanded, served).
type Figures = (f64, f64, f64, f64);

struct Replay<'e, 'a> {
    engine: &'e Engine<'a>,
    params: TrialParams,
    trial: u64,
    base: Vec<f64>,
    /// Per strategy: its fixed-fleet form, when it has one.
    fixed: Vec<Option<Fixed>>,
    /// Per strategy: its autoscaled form (the trial's outages and fixed
    /// pools taken once), when it has one.
    autoscaled: Vec<Option<Autoscaled>>,
}

impl Replay<'_, '_> {
    /// Scale the trial's demand path by `k` into `scratch`.
    fn scale(&self, k: f64, scratch: &mut Scratch) {
        scratch.demand.clear();
        scratch.demand.extend(self.base.iter().map(|d| d * k));
    }

    /// The replay of strategy `si` at scale `k`: from its autoscaled form
    /// when it has one (the same bits), else in full.
    fn replay(&self, si: usize, k: f64, scratch: &mut Scratch) -> StrategyTotals {
        self.scale(k, scratch);
        match &self.autoscaled[si] {
            Some(a) => self.engine.simulate_autoscaled(a, &self.params, scratch),
            None => self.engine.simulate(si, &self.params, self.trial, scratch),
        }
    }

    /// The full replay of strategy `si` at scale `k` (for tests).
    #[cfg(test)]
    fn full_replay(&self, si: usize, k: f64, scratch: &mut Scratch) -> StrategyTotals {
        self.scale(k, scratch);
        self.engine.simulate(si, &self.params, self.trial, scratch)
    }

    /// Strategy `si` at scale `k`: from its fixed-fleet form when it has
    /// one (the same sums the replay takes, month by month), else replayed.
    fn at(&self, si: usize, k: f64, scratch: &mut Scratch) -> (Figures, f64) {
        match &self.fixed[si] {
            Some(f) => {
                let p = &self.params;
                let (mut spill_cost, mut api_by_month, mut demanded, mut spilled) =
                    (0.0, 0.0, 0.0, 0.0);
                for m in &self.engine.calendar().months {
                    let hours = m.first_hour..m.first_hour + m.hours;
                    let (d, over) = scaled_sums(&self.base[hours.clone()], &f.cap[hours], k);
                    let price = p.api_usd_per_output_token_in(f.api, m.first_hour, m.hours);
                    if f.spill {
                        spill_cost += over * price;
                    }
                    api_by_month += d * price;
                    demanded += d;
                    spilled += over;
                }
                let api = if p.apis[f.api].price_drift_per_year == 0.0 {
                    demanded * p.api_usd_per_output_token_of(f.api)
                } else {
                    api_by_month
                };
                let served = demanded - spilled;
                let util = if f.paid_capacity > 0.0 {
                    served / f.paid_capacity
                } else {
                    f64::NAN
                };
                ((f.fixed_cost + spill_cost, api, demanded, served), util)
            }
            None => {
                let t = self.replay(si, k, scratch);
                let util = if t.total.paid_capacity > 0.0 {
                    t.total.served / t.total.paid_capacity
                } else {
                    f64::NAN
                };
                (
                    (
                        t.total.total_cost(),
                        t.api_only_cost,
                        t.total.demanded,
                        t.total.served,
                    ),
                    util,
                )
            }
        }
    }

    /// cost − API cost at scale `k`, and the utilization there.
    fn gap(&self, si: usize, k: f64, scratch: &mut Scratch) -> (f64, f64, Figures) {
        let (f, util) = self.at(si, k, scratch);
        (f.0 - f.1, util, f)
    }
}

/// (Σ k·d, Σ max(0, k·d − c)) over the hours, in eight lanes (a single
/// chain of additions would cost an addition's latency per hour), compiled
/// for AVX2 where the CPU has it.
#[inline]
fn scaled_sums(d: &[f64], c: &[f64], k: f64) -> (f64, f64) {
    crate::model::with_avx2(
        #[inline(always)]
        || {
            let (mut sum, mut over) = ([0.0f64; 4], [0.0f64; 4]);
            let n = d.len().min(c.len());
            let (d, c) = (&d[..n], &c[..n]);
            let whole = n / 4 * 4;
            let mut j = 0;
            while j < whole {
                let (x, y) = (&d[j..j + 4], &c[j..j + 4]);
                for i in 0..4 {
                    let v = x[i] * k;
                    sum[i] += v;
                    // max, not a branch: a branch per hour mispredicts.
                    over[i] += (v - y[i]).max(0.0);
                }
                j += 4;
            }
            let (mut s, mut o) = (
                (sum[0] + sum[1]) + (sum[2] + sum[3]),
                (over[0] + over[1]) + (over[2] + over[3]),
            );
            for h in whole..n {
                let v = d[h] * k;
                s += v;
                o += (v - c[h]).max(0.0);
            }
            (s, o)
        },
    )
}

const MAX_DOUBLINGS: i32 = 20;

fn solve(r: &Replay, si: usize, scratch: &mut Scratch) -> BreakEven {
    let months = r.base.len() as f64 / HOURS_PER_MONTH;
    let base_demand: f64 = r.base.iter().sum();
    let result = |k: f64, util: f64| BreakEven {
        trial: r.trial,
        strategy: si,
        monthly_tokens: k * r.params.monthly_tokens,
        mean_monthly_tokens: k * base_demand / months,
        utilization: util,
    };
    // Bracket: f(lo) > 0 ≥ f(hi), from the trial's own volume (k = 1) and
    // a first guess: the fixed-fleet break-even, fixed cost / the API cost
    // of the trial's demand — the root itself when nothing saturates, so
    // the bracket is usually found in a step or two. From the point on the
    // root's side, steps grow (×1.5, ×2.25, ×5, …) until the sign changes:
    // up to 2^20 × the volume (beyond it the fleet never pays for itself)
    // and down to 2^-60 (cheaper at any volume).
    let (f1, u1, at1) = r.gap(si, 1.0, scratch);
    let fixed = match &r.fixed[si] {
        Some(f) => f.fixed_cost,
        // Autoscaled: the whole cost at the trial's volume (a coarser guess).
        None => at1.0,
    };
    let guess = if at1.1 > 0.0 && fixed > 0.0 {
        (fixed / at1.1).clamp(2f64.powi(-60), 2f64.powi(MAX_DOUBLINGS))
    } else {
        1.0
    };
    let (fg, ug) = if (guess - 1.0).abs() <= 1e-9 {
        (f1, u1)
    } else {
        let (f, u, _) = r.gap(si, guess, scratch);
        (f, u)
    };
    // (k, f, utilization) of the two points.
    let pts = [(1.0, f1, u1), (guess, fg, ug)];
    let above = pts
        .iter()
        .filter(|p| p.1 > 0.0)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .copied();
    let below = pts
        .iter()
        .filter(|p| p.1 <= 0.0)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .copied();
    let (mut lo, mut flo, mut hi, mut fhi, mut u_hi);
    match (above, below) {
        (Some(a), Some(b)) if a.0 < b.0 => {
            (lo, flo, hi, fhi, u_hi) = (a.0, a.1, b.0, b.1, b.2);
        }
        (Some(a), _) => {
            // Every point costs more than the API: step up from the highest.
            let (mut k, mut fk, mut step) = (a.0, a.1, 1.5f64);
            loop {
                let k2 = k * step;
                if k2 > 2f64.powi(MAX_DOUBLINGS) {
                    return result(f64::INFINITY, f64::NAN);
                }
                let (f2, u2, _) = r.gap(si, k2, scratch);
                if f2 <= 0.0 {
                    (lo, flo, hi, fhi, u_hi) = (k, fk, k2, f2, u2);
                    break;
                }
                (k, fk) = (k2, f2);
                step *= step;
            }
        }
        (None, Some(b)) => {
            // Every point is cheaper than the API: step down from the lowest.
            let (mut k, mut fk, mut uk, mut step) = (b.0, b.1, b.2, 1.5f64);
            loop {
                let k2 = k / step;
                if k2 < 2f64.powi(-3 * MAX_DOUBLINGS) {
                    return result(0.0, f64::NAN);
                }
                let (f2, u2, _) = r.gap(si, k2, scratch);
                if f2 > 0.0 {
                    (lo, flo, hi, fhi, u_hi) = (k2, f2, k, fk, uk);
                    break;
                }
                (k, fk, uk) = (k2, f2, u2);
                step *= step;
            }
        }
        (None, None) => return result(f64::NAN, f64::NAN),
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
        let (fm, um, _) = r.gap(si, m, scratch);
        if fm > 0.0 {
            (lo, flo) = (m, fm);
            if side == -1 {
                fhi *= 0.5;
            }
            side = -1;
        } else {
            (hi, fhi, u_hi) = (m, fm, um);
            if side == 1 {
                flo *= 0.5;
            }
            side = 1;
        }
    }
    // Where cost jumps (a step in autoscaled capacity), f may not reach 0:
    // report the smallest volume at which self-hosting is no dearer.
    result(hi, u_hi)
}

fn replay<'e, 'a>(engine: &'e Engine<'a>, trial: u64, scratch: &mut Scratch) -> Replay<'e, 'a> {
    let params = engine.prepare(trial, scratch);
    let base = scratch.demand.clone();
    let s = engine.scenario();
    let mut fixed = Vec::with_capacity(s.strategies.len());
    let mut autoscaled = Vec::with_capacity(s.strategies.len());
    let mut cap = Vec::new();
    for (si, st) in s.strategies.iter().enumerate() {
        if engine.capacity_profile(si, &params, trial, scratch, &mut cap) {
            // The fixed costs from one replay at the trial's own volume.
            let t = engine.simulate(si, &params, trial, scratch);
            fixed.push(Some(Fixed {
                cap: std::mem::take(&mut cap),
                fixed_cost: t.total.gpu_cost + t.total.overhead_cost,
                paid_capacity: t.total.paid_capacity,
                spill: st.overflow == crate::scenario::Overflow::Spill,
                api: st.api,
            }));
            autoscaled.push(None);
        } else {
            fixed.push(None);
            autoscaled.push(engine.autoscaled(si, &params, trial, scratch));
        }
    }
    Replay {
        engine,
        params,
        trial,
        base,
        fixed,
        autoscaled,
    }
}

/// Break-even of every strategy with GPUs in trials `range`, in trial then
/// strategy order, in parallel on the current rayon pool.
pub fn per_trial(engine: &Engine, range: std::ops::Range<u64>) -> Vec<BreakEven> {
    let gpu = gpu_strategies(engine);
    range
        .into_par_iter()
        .map_init(Scratch::default, |scratch, trial| {
            let r = replay(engine, trial, scratch);
            solve_all(&r, &gpu, scratch)
        })
        .flatten()
        .collect()
}

fn gpu_strategies(engine: &Engine) -> Vec<usize> {
    let st = &engine.scenario().strategies;
    (0..st.len()).filter(|&i| !st[i].pools.is_empty()).collect()
}

fn solve_all(r: &Replay, gpu: &[usize], scratch: &mut Scratch) -> Vec<BreakEven> {
    gpu.iter().map(|&si| solve(r, si, scratch)).collect()
}

/// A trial's points at each volume of `volumes`, in volume then strategy order.
fn sweep_trial(r: &Replay, volumes: &[f64], scratch: &mut Scratch) -> Vec<SweepPoint> {
    let strategies = &r.engine.scenario().strategies;
    let mut out = Vec::with_capacity(volumes.len() * strategies.len());
    for &v in volumes {
        let scale = if r.params.monthly_tokens > 0.0 {
            v / r.params.monthly_tokens
        } else {
            0.0
        };
        for (si, st) in strategies.iter().enumerate() {
            let ((cost, api_cost, demanded, _), _) = r.at(si, scale, scratch);
            out.push(SweepPoint {
                volume: v,
                strategy: si,
                cost,
                api_cost,
                demanded,
                has_gpus: !st.pools.is_empty(),
            });
        }
    }
    out
}

/// [`per_trial`] and [`sweep_rows`] in one pass over the trials: each
/// trial drawn and its fixed fleets' capacity built once for both. The same
/// results as the two apart.
pub fn per_trial_and_sweep(
    engine: &Engine,
    range: std::ops::Range<u64>,
    volumes: &[f64],
    names: &[String],
) -> (Vec<BreakEven>, Vec<SweepRow>) {
    let gpu = gpu_strategies(engine);
    let mut totals = SweepTotals::new(volumes, names.len());
    let mut solved = Vec::new();
    let mut start = range.start;
    while start < range.end {
        let end = range
            .end
            .min(start.saturating_add(crate::engine::CHUNK_TRIALS));
        let block: Vec<(Vec<BreakEven>, Vec<SweepPoint>)> = (start..end)
            .into_par_iter()
            .map_init(Scratch::default, |scratch, trial| {
                let r = replay(engine, trial, scratch);
                (
                    solve_all(&r, &gpu, scratch),
                    sweep_trial(&r, volumes, scratch),
                )
            })
            .collect();
        let (b, points): (Vec<Vec<BreakEven>>, Vec<Vec<SweepPoint>>) = block.into_iter().unzip();
        solved.extend(b.into_iter().flatten());
        totals.add(&points);
        start = end;
    }
    (solved, totals.rows(names))
}

/// Replay every strategy of trials `range` at each volume of `volumes`
/// (scenario `monthly_tokens` units). Results per trial, in volume then
/// strategy order.
pub fn sweep(
    engine: &Engine,
    range: std::ops::Range<u64>,
    volumes: &[f64],
) -> Vec<Vec<SweepPoint>> {
    range
        .into_par_iter()
        .map_init(Scratch::default, |scratch, trial| {
            let r = replay(engine, trial, scratch);
            sweep_trial(&r, volumes, scratch)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed fleet's figures from its capacity profile equal a full
    /// replay's at every scale (to rounding), on every shipped scenario's
    /// strategies that have one, failures, spot, owned and drift included.
    #[test]
    fn fixed_fleets_at_any_scale_equal_their_replay() {
        let mut checked = 0;
        for name in ["realistic-2027", "buy-or-rent-2027", "seed", "h100-vs-h200"] {
            let path = format!("{}/scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"));
            let s = crate::scenario::load(path.as_ref()).unwrap();
            let engine = Engine::new(&s, 5);
            let mut scratch = Scratch::default();
            for trial in 0..4 {
                let r = replay(&engine, trial, &mut scratch);
                for si in 0..s.strategies.len() {
                    if r.fixed[si].is_none() {
                        continue;
                    }
                    for k in [0.01, 0.3, 1.0, 2.7, 40.0] {
                        let ((cost, api, demanded, served), util) = r.at(si, k, &mut scratch);
                        let t = r.full_replay(si, k, &mut scratch);
                        let close =
                            |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0);
                        assert!(
                            close(cost, t.total.total_cost()),
                            "{name} {si} {k}: {cost} vs {}",
                            t.total.total_cost()
                        );
                        assert!(close(api, t.api_only_cost), "{name} {si} {k}");
                        assert!(close(demanded, t.total.demanded));
                        assert!(
                            close(served, t.total.served),
                            "{name} {si} {k}: {served} vs {}",
                            t.total.served
                        );
                        assert!(close(util, t.total.served / t.total.paid_capacity));
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 100, "{checked}");
    }
}
