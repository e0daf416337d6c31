//! Which trial-level inputs drive each strategy's cost.
//!
//! For every strategy and every input drawn per trial (volume, throughput,
//! prices, failure rates, …; inputs fixed across trials are left out):
//! - **Spearman rank correlation** between the input and the strategy's
//!   total cost over the trials (ties get their mean rank). Rank correlation
//!   measures a monotone effect whatever its shape, and is unit-free, so
//!   inputs can be ranked against each other;
//! - a **tornado swing**: the mean cost of the trials whose draw is at or
//!   below the input's 10th percentile, and at or above its 90th, and their
//!   difference. Its sign and size are in dollars.
//!
//! Rows are ranked per strategy by |correlation|. These are marginal
//! effects: with independent inputs (capsim draws them independently) they
//! add up to the variance roughly, not exactly, when effects interact.

use crate::model::TrialParams;
use crate::scenario::Scenario;

/// One input's effect on one strategy's total cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Strategy name.
    pub strategy: String,
    /// Input name (as in the scenario, e.g. `demand.monthly_tokens`).
    pub input: String,
    /// 1 = the input with the largest |rank correlation| for this strategy.
    pub rank: usize,
    /// Spearman rank correlation of input and total cost.
    pub spearman: f64,
    /// Mean total cost of trials with the input at or below its P10, USD.
    pub cost_at_p10_usd: f64,
    /// Mean total cost of trials with the input at or above its P90, USD.
    pub cost_at_p90_usd: f64,
    /// `cost_at_p90_usd − cost_at_p10_usd`.
    pub swing_usd: f64,
}

/// How to read one input from a trial's draws.
pub(crate) type Getter = Box<dyn Fn(&TrialParams) -> f64 + Send + Sync>;
/// A reader of one input that needs nothing from the scenario.
type Read = fn(&TrialParams) -> f64;

/// The inputs every scenario has, named as in the scenario.
const COMMON: &[(&str, Read)] = &[
    ("demand.monthly_tokens", |p| p.monthly_tokens),
    ("model.tok_s_per_gpu", |p| p.tok_s_per_gpu),
    ("model.utilization_ceiling", |p| p.utilization_ceiling),
    ("demand.input_per_output", |p| p.input_per_output),
    ("demand.prompt_tokens", |p| p.prompt_tokens),
    ("demand.output_tokens", |p| p.output_tokens),
    ("model.throughput_error", |p| p.throughput_error),
    ("demand.annual_growth", |p| p.annual_growth),
    ("demand.noise_sigma", |p| p.noise_sigma),
    ("demand.daily_noise_sigma", |p| p.daily_noise_sigma),
    ("demand.bursts.per_month", |p| p.bursts_per_month),
    ("api.output_usd_per_mtok", |p| p.apis[0].output_usd_per_mtok),
    ("api.input_usd_per_mtok", |p| p.apis[0].input_usd_per_mtok),
    ("api.price_drift_per_year", |p| {
        p.apis[0].price_drift_per_year
    }),
    ("outages.gpu_failures_per_year", |p| p.gpu_failures_per_year),
    ("outages.region_outages_per_year", |p| {
        p.region_outages_per_year
    }),
    ("overhead.percent_of_gpu", |p| p.overhead_fraction),
    ("overhead.items", |p| p.overhead_items_usd_per_year),
    ("gpu_market.level", |p| p.gpu_market_level),
    ("demand.cached_input_fraction", |p| p.cached_input_fraction),
];

/// The names of the trial-level inputs of a scenario (as in
/// sensitivity.parquet and `--map`), known before any trial runs.
pub fn input_names(s: &Scenario) -> Vec<String> {
    inputs(s).into_iter().map(|(n, _)| n).collect()
}

/// The trial-level inputs of a scenario, with how to read each from a trial's draws.
pub(crate) fn inputs(s: &Scenario) -> Vec<(String, Getter)> {
    let mut v: Vec<(String, Getter)> = COMMON
        .iter()
        .map(|(n, get)| (n.to_string(), Box::new(*get) as Getter))
        .collect();
    // Each price's own draw, apart from the market level (an input of its own).
    for (i, (name, _)) in s.gpu_prices.iter().enumerate() {
        v.push((
            format!("gpu_prices.{name}"),
            Box::new(move |p| p.gpu_usd_per_hour[i] / p.gpu_market_level),
        ));
    }
    for (k, a) in s.apis.iter().enumerate().skip(1) {
        v.push((
            format!("api[{k}].output_usd_per_mtok ({})", a.name),
            Box::new(move |p| p.apis[k].output_usd_per_mtok),
        ));
    }
    // Pools draw drift and spot rates by price name: one input per name;
    // an owned pool's node cost (purchase, power, colocation) as one input.
    let mut seen = std::collections::BTreeSet::new();
    for (si, st) in s.strategies.iter().enumerate() {
        for (pi, pool) in st.pools.iter().enumerate() {
            let price = &pool.stream;
            if pool.owned.is_some() {
                if seen.insert(price.clone()) {
                    v.push((
                        format!("{price}.usd_per_replica_hour"),
                        Box::new(move |p| p.pool_prices[si][pi].usd_per_unit_hour),
                    ));
                }
                continue;
            }
            if seen.insert(price.clone()) {
                v.push((
                    format!("price_drift_per_year.{price}"),
                    Box::new(move |p| p.pools[si][pi].0),
                ));
                v.push((
                    format!("interruptions_per_month.{price}"),
                    Box::new(move |p| p.pools[si][pi].1),
                ));
            }
        }
    }
    v
}

/// Ranks 1..n, ties sharing their mean rank.
fn ranks(x: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|a, b| x[*a].total_cmp(&x[*b]));
    let mut r = vec![0.0; x.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && x[idx[j + 1]] == x[idx[i]] {
            j += 1;
        }
        let mean = (i + j) as f64 / 2.0 + 1.0;
        for k in &idx[i..=j] {
            r[*k] = mean;
        }
        i = j + 1;
    }
    r
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma).powi(2);
        sbb += (y - mb).powi(2);
    }
    if saa > 0.0 && sbb > 0.0 {
        sab / (saa * sbb).sqrt()
    } else {
        0.0
    }
}

/// Spearman rank correlation.
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    pearson(&ranks(a), &ranks(b))
}

/// Sensitivity of every strategy's total cost (`costs[strategy][trial]`) to
/// every varying input (`(name, draw per trial)`, as [`inputs`] reads them),
/// over the same trials. Empty with fewer than 10 trials.
pub fn sensitivity(s: &Scenario, inputs: &[(String, Vec<f64>)], costs: &[Vec<f64>]) -> Vec<Row> {
    if costs.first().map_or(0, Vec::len) < 10 {
        return Vec::new();
    }
    let inputs: Vec<&(String, Vec<f64>)> = inputs
        .iter()
        .filter(|(_, x)| x.iter().any(|v| *v != x[0]))
        .collect();
    let mut rows = Vec::new();
    for (si, st) in s.strategies.iter().enumerate() {
        let cost = &costs[si];
        let mut mine: Vec<Row> = inputs
            .iter()
            .map(|(name, x)| {
                let mut sorted = x.clone();
                sorted.sort_by(f64::total_cmp);
                let q = |p: f64| sorted[((sorted.len() - 1) as f64 * p).round() as usize];
                let (p10, p90) = (q(0.1), q(0.9));
                let mean_where = |keep: &dyn Fn(f64) -> bool| {
                    let v: Vec<f64> = x
                        .iter()
                        .zip(cost)
                        .filter(|(xi, _)| keep(**xi))
                        .map(|(_, c)| *c)
                        .collect();
                    v.iter().sum::<f64>() / v.len().max(1) as f64
                };
                let lo = mean_where(&|v| v <= p10);
                let hi = mean_where(&|v| v >= p90);
                Row {
                    strategy: st.name.clone(),
                    input: name.clone(),
                    rank: 0,
                    spearman: spearman(x, cost),
                    cost_at_p10_usd: lo,
                    cost_at_p90_usd: hi,
                    swing_usd: hi - lo,
                }
            })
            .collect();
        mine.sort_by(|a, b| b.spearman.abs().total_cmp(&a.spearman.abs()));
        for (i, r) in mine.iter_mut().enumerate() {
            r.rank = i + 1;
        }
        rows.extend(mine);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_share_ties_and_spearman_is_monotone_invariant() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
        let a: Vec<f64> = (0..50).map(f64::from).collect();
        let b: Vec<f64> = a.iter().map(|x| x.exp()).collect();
        assert!((spearman(&a, &b) - 1.0).abs() < 1e-12);
        let c: Vec<f64> = a.iter().map(|x| -x * x * x).collect();
        assert!((spearman(&a, &c) + 1.0).abs() < 1e-12);
    }
}
