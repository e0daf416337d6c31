//! Comparing strategies on common random numbers: risk measures, regret and
//! paired differences.
//!
//! Every strategy of a run replays the same trials: the same demand path,
//! throughput, price draws, failures and outages ([`crate::engine`]). So the
//! difference of two strategies' costs can be taken trial by trial, and its
//! confidence interval is that of the paired differences — much narrower than
//! the interval of a difference between two independent runs, because the
//! shared noise cancels.
//!
//! Regret of a strategy in a trial is its cost minus the cheapest strategy's
//! cost in that same trial. The least-regret ranking orders strategies by mean
//! regret (ties broken by P95 regret): the choice that loses least, on
//! average, against hindsight.

use crate::engine::TrialOutcome;
use crate::model::commitment;
use crate::model::years::Years;
use crate::scenario::Scenario;
use crate::sensitivity::{Getter, inputs};
use crate::stats::{self, Summary};

/// What [`compare`] and [`crate::sensitivity::sensitivity`] read of a run's
/// trials, column by column: per strategy, each trial's total cost, hours
/// short, spilled and dropped tokens; per input the sensitivity analysis
/// looks at, each trial's draw. Filled a block of trials at a time
/// ([`TrialColumns::push`]), so a comparison keeps a few dozen numbers a
/// trial (about 400 bytes for realistic-2027's six strategies and 27
/// inputs), not every trial with its months.
pub struct TrialColumns {
    /// Per strategy (outer), per trial (inner): total cost, USD.
    pub cost: Vec<Vec<f64>>,
    /// Per strategy, per trial: hours short of capacity.
    pub hours_short: Vec<Vec<f64>>,
    /// Per strategy, per trial: tokens sent to the API.
    pub spilled: Vec<Vec<f64>>,
    /// Per strategy, per trial: tokens dropped.
    pub dropped: Vec<Vec<f64>>,
    /// Per strategy, per trial: the commitment
    /// ([`crate::model::commitment::signed`]).
    pub commitment: Vec<Vec<f64>>,
    /// Per strategy, trial after trial: each year's cost, USD
    /// ([`Years`]: `years.count()` values a trial).
    pub year_cost: Vec<Vec<f64>>,
    /// The horizon's years.
    pub years: Years,
    /// Per input (name, per trial draw), constant ones included.
    pub inputs: Vec<(String, Vec<f64>)>,
    getters: Vec<Getter>,
    /// Per strategy: its pools, and the horizon (for the commitment).
    pools: Vec<Vec<crate::scenario::Pool>>,
    horizon: u32,
}

impl std::fmt::Debug for TrialColumns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrialColumns")
            .field("trials", &self.trials())
            .field("strategies", &self.cost.len())
            .field("inputs", &self.inputs.len())
            .finish()
    }
}

impl TrialColumns {
    /// Empty columns for the strategies and inputs of `s`.
    pub fn new(s: &Scenario) -> Self {
        let k = s.strategies.len();
        let (names, getters): (Vec<String>, Vec<Getter>) = inputs(s).into_iter().unzip();
        TrialColumns {
            cost: vec![Vec::new(); k],
            hours_short: vec![Vec::new(); k],
            spilled: vec![Vec::new(); k],
            dropped: vec![Vec::new(); k],
            commitment: vec![Vec::new(); k],
            year_cost: vec![Vec::new(); k],
            years: Years::of(s),
            inputs: names.into_iter().map(|n| (n, Vec::new())).collect(),
            getters,
            pools: s.strategies.iter().map(|st| st.pools.clone()).collect(),
            horizon: s.horizon_hours,
        }
    }

    /// The columns of `outcomes`.
    pub fn from_outcomes(s: &Scenario, outcomes: &[TrialOutcome]) -> Self {
        let mut c = TrialColumns::new(s);
        c.push(outcomes);
        c
    }

    /// Room for `additional` more trials in every column (without it, a
    /// column grown trial by trial may hold up to twice its length).
    pub fn reserve(&mut self, additional: usize) {
        let columns = [
            &mut self.cost,
            &mut self.hours_short,
            &mut self.spilled,
            &mut self.dropped,
            &mut self.commitment,
        ];
        for c in columns.into_iter().flatten() {
            c.reserve_exact(additional);
        }
        for c in &mut self.year_cost {
            c.reserve_exact(additional * self.years.count());
        }
        for (_, x) in &mut self.inputs {
            x.reserve_exact(additional);
        }
    }

    /// Append a block of trials (in trial order).
    pub fn push(&mut self, outcomes: &[TrialOutcome]) {
        for o in outcomes {
            for (si, t) in o.strategies.iter().enumerate() {
                self.cost[si].push(t.total.total_cost());
                self.hours_short[si].push(t.total.hours_short);
                self.spilled[si].push(t.total.spilled);
                self.dropped[si].push(t.total.dropped);
                self.years.push_costs(&t.months, &mut self.year_cost[si]);
                self.commitment[si].push(commitment::signed(
                    &self.pools[si],
                    self.horizon,
                    &o.params.pool_prices[si],
                ));
            }
            for ((_, x), get) in self.inputs.iter_mut().zip(&self.getters) {
                x.push(get(&o.params));
            }
        }
    }

    /// Trials held.
    pub fn trials(&self) -> usize {
        self.cost.first().map_or(0, Vec::len)
    }
}

/// One strategy's risk profile over the trials of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct StrategyRisk {
    /// Strategy name.
    pub strategy: String,
    /// Total cost over the horizon (GPU + spill + overhead), USD.
    pub cost: Summary,
    /// Share of trials in which this strategy is the cheapest (ties count for each).
    pub prob_cheapest: f64,
    /// Wilson 95% interval of `prob_cheapest`.
    pub prob_cheapest_ci95: (f64, f64),
    /// Regret against the cheapest strategy of the same trial, USD.
    pub regret: Summary,
    /// Hours short of capacity, mean over trials.
    pub hours_short_mean: f64,
    /// Tokens sent to the API, mean over trials.
    pub spilled_tokens_mean: f64,
    /// Tokens dropped, mean over trials.
    pub dropped_tokens_mean: f64,
}

/// Paired difference `a − b` of total cost across trials.
#[derive(Debug, Clone, PartialEq)]
pub struct PairedDiff {
    /// First strategy.
    pub a: String,
    /// Second strategy.
    pub b: String,
    /// Summary of `cost(a) − cost(b)` per trial, USD.
    pub diff: Summary,
    /// Share of trials in which `a` costs less than `b`.
    pub prob_a_cheaper: f64,
}

/// The comparison of every strategy of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// One entry per strategy, in scenario order.
    pub risks: Vec<StrategyRisk>,
    /// Every ordered pair `a < b` in scenario order.
    pub pairs: Vec<PairedDiff>,
    /// Strategy indices from least to most mean regret.
    pub ranking: Vec<usize>,
}

/// Compare the strategies of `s` over the trials in `cols` (at least one).
pub fn compare(s: &Scenario, cols: &TrialColumns) -> Option<Comparison> {
    let k = s.strategies.len();
    let n = cols.trials();
    if k == 0 || n == 0 {
        return None;
    }
    let cost = &cols.cost;
    let best: Vec<f64> = (0..n)
        .map(|t| (0..k).map(|si| cost[si][t]).fold(f64::INFINITY, f64::min))
        .collect();
    let mean = stats::mean;
    let mut risks = Vec::with_capacity(k);
    for (si, st) in s.strategies.iter().enumerate() {
        let cheapest = (0..n)
            .filter(|&t| stats::at_most(cost[si][t], best[t]))
            .count();
        let regret: Vec<f64> = (0..n).map(|t| cost[si][t] - best[t]).collect();
        risks.push(StrategyRisk {
            strategy: st.name.clone(),
            cost: stats::summarise(&cost[si])?,
            prob_cheapest: cheapest as f64 / n as f64,
            prob_cheapest_ci95: stats::wilson95(cheapest, n),
            regret: stats::summarise(&regret)?,
            // A strategy without GPUs has no capacity to be short of.
            hours_short_mean: if st.pools.is_empty() {
                f64::NAN
            } else {
                mean(&cols.hours_short[si])
            },
            spilled_tokens_mean: mean(&cols.spilled[si]),
            dropped_tokens_mean: mean(&cols.dropped[si]),
        });
    }
    let mut pairs = Vec::new();
    for a in 0..k {
        for b in a + 1..k {
            let d: Vec<f64> = (0..n).map(|t| cost[a][t] - cost[b][t]).collect();
            let wins = d.iter().filter(|&&x| x < 0.0).count();
            pairs.push(PairedDiff {
                a: s.strategies[a].name.clone(),
                b: s.strategies[b].name.clone(),
                diff: stats::summarise(&d)?,
                prob_a_cheaper: wins as f64 / n as f64,
            });
        }
    }
    let mut ranking: Vec<usize> = (0..k).collect();
    ranking.sort_by(|&x, &y| {
        let (rx, ry) = (&risks[x].regret, &risks[y].regret);
        rx.mean.total_cmp(&ry.mean).then(rx.p95.total_cmp(&ry.p95))
    });
    Some(Comparison {
        risks,
        pairs,
        ranking,
    })
}

impl Comparison {
    /// The paired difference of strategies `a` and `b` (by name), oriented `a − b`.
    pub fn diff(&self, a: &str, b: &str) -> Option<Summary> {
        self.pairs.iter().find_map(|p| {
            if p.a == a && p.b == b {
                Some(p.diff)
            } else if p.a == b && p.b == a {
                let d = &p.diff;
                Some(Summary {
                    mean: -d.mean,
                    ci95_low: -d.ci95_high,
                    ci95_high: -d.ci95_low,
                    p5: -d.p95,
                    p50: -d.p50,
                    p95: -d.p5,
                    min: -d.max,
                    max: -d.min,
                    // The upper tail of −x is the lower tail of x: not kept.
                    cvar95: f64::NAN,
                    ..*d
                })
            } else {
                None
            }
        })
    }
}

/// Copies of strategy `si` with its first pool of `kind` resized to each of
/// `sizes`, named `<strategy> ×<n>`: a reserved, spot or owned pool gets `n`
/// units (replicas, or instances of an instance pool: the instances of one
/// replica when it spans several); an on-demand pool
/// gets a ceiling (`max_replicas`) of `n` (its floor is lowered to `n` if
/// above); 0 removes the pool. Unless a copy is left without pools, an
/// API-only baseline (`api-only (API)`) is added last. `None` if the
/// strategy has no such pool.
/// Price and failure streams are shared across the copies (common random
/// numbers); pools after the resized one get slot numbers shifted by a size
/// change, so their own failures are not paired.
pub fn size_variants(
    s: &Scenario,
    si: usize,
    kind: crate::scenario::PoolKind,
    sizes: &[u32],
) -> Option<Vec<crate::scenario::Strategy>> {
    use crate::scenario::PoolKind;
    let st = s.strategies.get(si)?;
    let k = st.pools.iter().position(|p| p.kind == kind)?;
    let mut out: Vec<crate::scenario::Strategy> = sizes
        .iter()
        .map(|&n| {
            let mut v = st.clone();
            v.name = format!("{} ×{n}", st.name);
            if n == 0 {
                // None of that pool: the rest of the strategy (or nothing but the API).
                v.pools.remove(k);
                return v;
            }
            {
                let pool = &mut v.pools[k];
                // In purchasable units: an instance pool's n units of instances.
                let per = pool.instance.as_ref().map_or(1, |i| i.replicas);
                match kind {
                    PoolKind::Reserved | PoolKind::Spot | PoolKind::Owned => {
                        pool.replicas = n * per;
                        pool.max_replicas = n * per;
                    }
                    PoolKind::OnDemand => {
                        pool.max_replicas = n;
                        pool.replicas = pool.replicas.min(n);
                    }
                }
            }
            v
        })
        .collect();
    // The baseline: buying nothing, everything to the strategy's API.
    if !out.iter().any(|v| v.pools.is_empty()) {
        out.push(crate::scenario::Strategy {
            name: format!("api-only ({})", s.apis[st.api].name),
            description: "no GPUs: the baseline of the sizes".into(),
            pools: Vec::new(),
            overflow: crate::scenario::Overflow::Spill,
            api: st.api,
        });
    }
    Some(out)
}

/// A recommendation among the strategies of a [`Comparison`] (indices into
/// its `risks`); [`crate::report::terminal::recommendation`] says why in words.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recommendation {
    /// The strategy recommended.
    pub pick: usize,
    /// The strategy with the lowest mean cost.
    pub cheapest: usize,
    /// How much more than the lowest mean cost was allowed for a lower tail.
    pub tolerance: f64,
}

/// [`recommend`] among the strategies `allowed` (those meeting the
/// constraints); `None` when none is.
pub fn recommend_among(c: &Comparison, tolerance: f64, allowed: &[bool]) -> Option<Recommendation> {
    let ok: Vec<usize> = (0..c.risks.len())
        .filter(|&i| allowed.get(i).copied().unwrap_or(false))
        .collect();
    let (pick, cheapest) = crate::choose::least_tail_within(
        &ok,
        |i| c.risks[i].cost.mean,
        |i| c.risks[i].cost.cvar95,
        tolerance,
    )?;
    Some(Recommendation {
        pick,
        cheapest,
        tolerance,
    })
}

/// Recommend one of the strategies of `c`: among those whose mean cost is
/// within `tolerance` (e.g. 0.02 = 2%) of the lowest mean, the one with the
/// lowest CVaR95 — paying at most that much in expectation to cut tail risk.
pub fn recommend(c: &Comparison, tolerance: f64) -> Recommendation {
    recommend_among(c, tolerance, &vec![true; c.risks.len()]).unwrap_or(Recommendation {
        pick: 0,
        cheapest: 0,
        tolerance,
    })
}
