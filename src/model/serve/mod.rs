//! Replaying one trial's hours for one strategy: capacity, serving, overflow, costs.
//!
//! Each hour, pools are visited in the order the strategy lists them:
//! - **reserved**: `replicas + spares` slots, all paid every hour; serving
//!   capacity is `min(replicas, slots up)` — spares serve only while a
//!   primary is down (N+k redundancy);
//! - **spot**: like reserved, but a slot that is interrupted or failed is not
//!   paid;
//! - **on-demand**: each hour the pool asks for enough replicas to cover the
//!   load the earlier pools leave (clamped to min..max); a request takes
//!   `startup_lag_hours` to serve, and is paid from the hour it is made.
//!   Running replicas occupy the pool's lowest-numbered slots; a slot that
//!   fails takes its replica down only while it is running (an assumption:
//!   a failed VM is not replaced by a fresh one until repaired). Rolling
//!   deployments do not cost on-demand capacity (the new VM is started before
//!   the old one stops: an assumption).
//!
//! A region outage takes every pool's capacity to zero (reserved and running
//! on-demand replicas are still paid). Then `served = min(offered, capacity)`
//! and the rest goes where the strategy's overflow policy says. Tokens are
//! conserved: demanded = served + spilled + dropped + still queued.

use super::calendar::Month;
use super::outages::{deployment_events, timeline_events};
use super::{Calendar, Keys, TrialParams};
use crate::scenario::{self, HOURS_PER_MONTH, Overflow, PoolKind, Scenario, Strategy};

mod events;
mod hourly;
mod kernels;
mod reprice;

pub use events::{Autoscaled, Event, capacity_is_fixed, capacity_profile, simulate, simulate_any};
pub use hourly::simulate_hourly;
use kernels::*;
pub use reprice::{replays_alike, reprice};

/// Sums over a span of hours. Tokens are output tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    /// Tokens requested.
    pub demanded: f64,
    /// Tokens served on the strategy's own GPUs.
    pub served: f64,
    /// Tokens sent to the API.
    pub spilled: f64,
    /// Tokens lost.
    pub dropped: f64,
    /// GPU cost, USD.
    pub gpu_cost: f64,
    /// API cost of spilled tokens, USD.
    pub spill_cost: f64,
    /// Overhead cost, USD.
    pub overhead_cost: f64,
    /// Tokens the paid replicas could have served (at the utilization ceiling).
    pub paid_capacity: f64,
    /// Hours in which the offered load exceeded the capacity.
    pub hours_short: f64,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.demanded += o.demanded;
        self.served += o.served;
        self.spilled += o.spilled;
        self.dropped += o.dropped;
        self.gpu_cost += o.gpu_cost;
        self.spill_cost += o.spill_cost;
        self.overhead_cost += o.overhead_cost;
        self.paid_capacity += o.paid_capacity;
        self.hours_short += o.hours_short;
    }

    /// GPU + spill + overhead, USD.
    pub fn total_cost(&self) -> f64 {
        self.gpu_cost + self.spill_cost + self.overhead_cost
    }
}

/// One strategy's result in one trial.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StrategyTotals {
    /// Sums over the horizon.
    pub total: Tally,
    /// Per calendar month, in order.
    pub months: Vec<Tally>,
    /// Tokens still queued when the horizon ends.
    pub queued_end: f64,
    /// What the API would charge for all demanded tokens, USD.
    pub api_only_cost: f64,
    /// Serving replicas' capacity per 730-hour month, tokens (for break-even utilization).
    pub fleet_monthly_capacity: f64,
    /// Whether the strategy runs any GPUs.
    pub has_gpus: bool,
    /// The strategy's API's price of one output token with its input
    /// tokens as the API-only bill paid it (with drift, the demand-weighted
    /// mean of its months' prices), USD (prices the break-even columns).
    pub api_usd_per_output_token: f64,
    /// Commitments still owed when the horizon ends, USD: the rest of a
    /// reserved term, and the amortisation left of owned nodes.
    pub committed_after_horizon: f64,
    /// Month by month, pool by pool: Σ over the month's hours of paid
    /// replicas × the price multiplier (price drift), so that a month's GPU
    /// cost is Σ pool price × this, in pool order. [`reprice`] prices a
    /// strategy that differs from another only in its pools' prices from
    /// these. Empty from [`simulate_hourly`].
    pub paid_hours: Vec<f64>,
}

/// Per-thread buffers, reused across trials (no allocation in the hourly loop).
#[derive(Debug, Default)]
pub struct Scratch {
    /// Hourly demand of the current trial.
    pub demand: Vec<f64>,
    /// Region outages of the current trial: (hour, +1 or −1), in time order.
    pub region_events: Vec<(usize, i32)>,
    /// Σ demand of each calendar month, when the caller has summed it for
    /// every strategy of the trial ([`month_sums`]); `None` otherwise.
    pub month_demand: Option<Vec<f64>>,
    region: Vec<i32>,
    /// Outage events of the strategy being replayed.
    pub events: Vec<Event>,
    want: Vec<f64>,
    active: Vec<f64>,
    /// The reference replay: one outage difference array per slot and pool.
    slots: Vec<Vec<Vec<i32>>>,
    queue: Vec<f64>,
    desired: Vec<Vec<u32>>,
}

/// The outages of pool `k` of strategy `si`: `push(slot, hour, +1)` where
/// an outage starts
/// and `push(slot, hour, −1)` after it ends (hour ≤ horizon). Failures,
/// spot interruptions and deployments ([`timeline_events`],
/// [`deployment_events`]), each generator in time order. Slots are
/// numbered across the strategy's pools for their random streams, so that
/// slot j fails at the same hours in every strategy. Both replays take their
/// outages from here.
fn pool_outages(
    s: &Scenario,
    si: usize,
    p: &TrialParams,
    keys: &Keys,
    trial: u64,
    k: usize,
    mut push: impl FnMut(usize, usize, i32),
) {
    let pools = &s.strategies[si].pools;
    let pool = &pools[k];
    let slot0: usize = pools[..k].iter().map(|q| q.slots() as usize).sum();
    let n = s.horizon_hours as usize;
    let fail_rate = p.gpu_failures_per_year * f64::from(pool.unit_gpus) / 8760.0;
    let repair = pool
        .repair_hours
        .as_ref()
        .unwrap_or(&s.outages.repair_hours);
    let start = pool.start_hour as usize;
    for j in 0..pool.slots() as usize {
        let mut slot = |hour, delta| push(j, hour, delta);
        // A pool bought later is down until it starts (and unpaid: the
        // replays pay a committed pool only from its start).
        if start > 0 {
            slot(0, 1);
            slot(start.min(n), -1);
        }
        timeline_events(
            &keys.failure_slot[slot0 + j],
            trial,
            fail_rate,
            repair,
            n,
            &mut slot,
        );
        if pool.kind == PoolKind::Spot {
            timeline_events(
                &keys.spot_slot[slot0 + j],
                trial,
                p.pools[si][k].1 / HOURS_PER_MONTH,
                &pool.interruption_hours,
                n,
                &mut slot,
            );
        }
    }
    if pool.kind != PoolKind::OnDemand {
        deployment_events(
            s.deployments.per_month,
            s.deployments.hours,
            pool.slots(),
            n,
            push,
        );
    }
}

/// A strategy's queue: (longest wait in hours, whether expired tokens go to
/// the API); (0, false) without a queue.
fn queue_limits(st: &Strategy) -> (usize, bool) {
    match st.overflow {
        Overflow::Queue {
            max_delay_hours,
            expire_to_api,
        } => (max_delay_hours as usize, expire_to_api),
        _ => (0, false),
    }
}

/// Output tokens one slot of `pool` (a replica; an on-demand instance's
/// replicas) serves per hour in the trial drawn as `p`.
fn replica_capacity(p: &TrialParams, pool: &scenario::Pool) -> f64 {
    let r = p.model_tokens_per_hour[pool.model];
    if pool.unit_replicas == 1 {
        r
    } else {
        r * f64::from(pool.unit_replicas)
    }
}

/// A month's GPU cost of strategy `si` from its pools' paid slot-hours (Σ
/// paid × drift) in pool order: each pool's price hour by hour (a reserved
/// term's or an amortisation period's end may fall inside the month; the
/// hours after it are at the renewed price), then owned pools' power above
/// idle in proportion to the month's utilization (served / paid capacity).
fn month_gpu_cost(
    st: &Strategy,
    prices: &[super::params::PoolPrice],
    paid: &[f64],
    month: &Month,
    m: &Tally,
) -> f64 {
    let mut cost = 0.0;
    for ((pool, pp), hours) in st.pools.iter().zip(prices).zip(paid) {
        cost += pp.over(
            pool.term_hours,
            pool.start_hour as usize,
            month.first_hour,
            month.hours,
        ) * hours;
    }
    for ((pool, pp), hours) in st.pools.iter().zip(prices).zip(paid) {
        if pool.kind == PoolKind::Owned && pp.load_usd_per_unit_hour > 0.0 && m.paid_capacity > 0.0
        {
            cost += pp.load_usd_per_unit_hour * hours * (m.served / m.paid_capacity).min(1.0);
        }
    }
    cost
}

/// The itemised overhead per hour of strategy `st`: none without GPUs.
fn overhead_per_hour(p: &TrialParams, st: &Strategy) -> f64 {
    if st.pools.is_empty() {
        0.0
    } else {
        p.overhead_items_usd_per_year / 8760.0
    }
}

/// What the strategy's API would charge for all demanded tokens: month by
/// month with drift, else (the same value, summed as before) total × price.
fn api_only_cost(p: &TrialParams, api: usize, out: &StrategyTotals, by_month: f64) -> f64 {
    if p.apis[api].price_drift_per_year == 0.0 {
        out.total.demanded * p.api_usd_per_output_token_of(api)
    } else {
        by_month
    }
}

/// One hour of an overflow queue whose buckets `q` hold tokens by arrival
/// hour mod `q.len()`; `queued` is their sum. Capacity `cap` serves the
/// oldest first, then this hour's `d`; the bucket that has waited its limit
/// expires, and this hour's unserved tokens take its place. Returns (served,
/// expired).
#[inline]
fn queue_hour(q: &mut [f64], queued: &mut f64, hour: usize, d: f64, cap: f64) -> (f64, f64) {
    let max_delay = q.len();
    let mut avail = cap;
    let mut served = 0.0;
    for a in 0..max_delay {
        let b = &mut q[(hour + a) % max_delay];
        let take = b.min(avail);
        *b -= take;
        avail -= take;
        served += take;
        *queued -= take;
    }
    let s = d.min(avail);
    served += s;
    // The bucket of hour h - max_delay has waited its limit.
    let slot = hour % max_delay;
    let expired = q[slot];
    q[slot] = d - s;
    // Kept as a running sum: no pass over the buckets each hour.
    *queued = (*queued - expired + q[slot]).max(0.0);
    (served, expired)
}

/// Close month `month` of `out`: spill cost, overhead, and the API-only
/// cost's monthly term (added to `api_only`).
fn close_month(
    out: &mut StrategyTotals,
    mut m: Tally,
    month: &Month,
    (p, api): (&TrialParams, usize),
    overhead_per_hour: f64,
    api_only: &mut f64,
) {
    let price = p.api_usd_per_output_token_in(api, month.first_hour, month.hours);
    m.spill_cost = m.spilled * price;
    *api_only += m.demanded * price;
    m.overhead_cost = p.overhead_fraction * m.gpu_cost + overhead_per_hour * month.hours as f64;
    out.total.add(&m);
    out.months.push(m);
}

/// Close a month of a strategy with GPUs: its GPU cost from the pools'
/// paid slot-hours `paid` ([`month_gpu_cost`]), then [`close_month`].
#[allow(clippy::too_many_arguments)]
fn close_fleet_month(
    out: &mut StrategyTotals,
    mut m: Tally,
    month: &Month,
    (p, si, st): (&TrialParams, usize, &Strategy),
    paid: &[f64],
    overhead_per_hour: f64,
    api_only: &mut f64,
) {
    m.gpu_cost += month_gpu_cost(st, &p.pool_prices[si], paid, month, &m);
    close_month(out, m, month, (p, st.api), overhead_per_hour, api_only);
}

/// The fields of `out` that follow from the whole horizon of strategy `si`.
fn finish(
    out: &mut StrategyTotals,
    (s, si): (&Scenario, usize),
    p: &TrialParams,
    queued: f64,
    api_only: f64,
) {
    let st = &s.strategies[si];
    out.queued_end = queued;
    out.api_only_cost = api_only_cost(p, st.api, out, api_only);
    // The price the API-only bill actually paid per output token: with
    // drift, its months' drifted prices weighted by their demand.
    out.api_usd_per_output_token =
        if p.apis[st.api].price_drift_per_year != 0.0 && out.total.demanded > 0.0 {
            out.api_only_cost / out.total.demanded
        } else {
            p.api_usd_per_output_token_of(st.api)
        };
    out.committed_after_horizon =
        super::commitment::owed_after(&st.pools, &p.pool_prices[si], s.horizon_hours as usize);
    // A pool bought later counts for the share of the horizon it serves.
    let n = f64::from(s.horizon_hours);
    out.fleet_monthly_capacity = st
        .pools
        .iter()
        .map(|pl| {
            let share = (n - f64::from(pl.start_hour)).max(0.0) / n;
            f64::from(pl.max_replicas) * replica_capacity(p, pl) * share
        })
        .sum::<f64>()
        * HOURS_PER_MONTH;
}

/// A strategy with no GPUs and no queue: every token overflows in its own
/// hour, month by month.
#[inline(always)]
fn api_only_path(
    (s, si): (&Scenario, usize),
    cal: &Calendar,
    p: &TrialParams,
    demand: &[f64],
    month_demand: Option<&[f64]>,
) -> StrategyTotals {
    let st = &s.strategies[si];
    let mut out = StrategyTotals::default();
    out.months.reserve(cal.months.len());
    let mut api_only = 0.0;
    for (mi, month) in cal.months.iter().enumerate() {
        let hours = &demand[month.first_hour..month.first_hour + month.hours];
        let mut m = Tally {
            demanded: month_demand.map_or_else(|| lane_sum(hours), |m| m[mi]),
            hours_short: hours.iter().filter(|d| **d > 0.0).count() as f64,
            ..Tally::default()
        };
        if st.overflow == Overflow::Spill {
            m.spilled = m.demanded;
        } else {
            m.dropped = m.demanded;
        }
        // No GPUs, no overhead.
        close_month(&mut out, m, month, (p, st.api), 0.0, &mut api_only);
    }
    finish(&mut out, (s, si), p, 0.0, api_only);
    out
}

/// Σ demand of each month of `cal`, as every replay sums it.
pub fn month_sums(cal: &Calendar, demand: &[f64]) -> Vec<f64> {
    cal.months
        .iter()
        .map(|m| lane_sum(&demand[m.first_hour..m.first_hour + m.hours]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::request;

    /// The branch-free request equals `ceil(residual / rcap)` clamped to
    /// `lo..=hi`, on exact multiples (where a rounding slip would ask for
    /// one replica too many), just above and below them, zero, and loads
    /// far above the pool.
    #[test]
    fn request_is_the_clamped_ceiling() {
        let rcap = 3.6e6;
        for (lo, hi) in [(0, 6), (1, 6), (2, 4), (0, 0), (3, 3)] {
            for k in 0..20u32 {
                for residual in [
                    f64::from(k) * rcap,
                    f64::from(k) * rcap * (1.0 + 1e-12),
                    f64::from(k) * rcap * (1.0 - 1e-12),
                    f64::from(k) * rcap + 0.5 * rcap,
                    1e30,
                ] {
                    let want = ((residual / rcap).ceil() as u32).clamp(lo, hi);
                    assert_eq!(
                        request(residual, rcap, lo, hi),
                        want,
                        "{residual} {lo} {hi}"
                    );
                }
            }
        }
        assert_eq!(request(5.0, 0.0, 1, 4), 4, "a replica that serves nothing");
    }
}
