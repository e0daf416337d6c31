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
    events: Vec<Event>,
    want: Vec<f64>,
    active: Vec<f64>,
    /// The reference replay: one outage difference array per slot and pool.
    slots: Vec<Vec<Vec<i32>>>,
    queue: Vec<f64>,
    desired: Vec<Vec<u32>>,
}

struct PoolRun {
    kind: PoolKind,
    /// Output tokens a replica serves per hour.
    rcap: f64,
    replicas: u32,
    slots: u32,
    max: u32,
    lag: usize,
    usd_per_replica_hour: f64,
    drift_step: f64,
    drift: f64,
    ring_pos: usize,
    /// Running outage count of each slot.
    slot_down: Vec<i32>,
}

impl PoolRun {
    /// One hour of one pool: `(serving replicas, paid replicas)`, before
    /// region outages. `residual` is the load the earlier pools leave;
    /// `slot_diffs` the pool's slots' outage difference arrays.
    #[inline]
    fn step(
        &mut self,
        h: usize,
        residual: f64,
        rcap: f64,
        ring: &mut [u32],
        slot_diffs: &[Vec<i32>],
    ) -> (u32, u32) {
        for (state, d) in self.slot_down.iter_mut().zip(slot_diffs) {
            *state += d[h];
        }
        let down = self.slot_down.iter().filter(|&&x| x > 0).count() as u32;
        match self.kind {
            PoolKind::Reserved => {
                let up = self.slots - down.min(self.slots);
                (up.min(self.replicas), self.slots)
            }
            PoolKind::Spot => {
                let up = self.slots - down.min(self.slots);
                (up.min(self.replicas), up)
            }
            PoolKind::OnDemand => {
                let want = request(residual, rcap, self.replicas, self.max);
                let active = if self.lag == 0 {
                    want
                } else {
                    // Slot h mod lag, kept as a counter (no division per hour):
                    // read the decision made lag hours ago, then reuse the slot.
                    let slot = self.ring_pos;
                    self.ring_pos = if slot + 1 == self.lag { 0 } else { slot + 1 };
                    std::mem::replace(&mut ring[slot], want)
                };
                // Failed slots among the running ones (slots 0..active).
                let failed = self.slot_down[..active as usize]
                    .iter()
                    .filter(|&&x| x > 0)
                    .count() as u32;
                (active - failed.min(active), active.max(want))
            }
        }
    }
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
    let gpus = s.model_of(pool.model).gpus_per_replica;
    let fail_rate = p.gpu_failures_per_year * f64::from(gpus) / 8760.0;
    for j in 0..pool.slots() as usize {
        let mut slot = |hour, delta| push(j, hour, delta);
        timeline_events(
            &keys.failure_slot[slot0 + j],
            trial,
            fail_rate,
            &s.outages.repair_hours,
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

/// USD per replica-hour, before price drift, of `pool` (its GPUs per
/// replica × its price per GPU-hour) in the trial drawn as `p`.
fn usd_per_replica_hour(s: &Scenario, p: &TrialParams, pool: &scenario::Pool) -> f64 {
    f64::from(s.model_of(pool.model).gpus_per_replica)
        * p.gpu_usd_per_hour.get(pool.price).copied().unwrap_or(0.0)
}

/// Output tokens one replica of `pool` serves per hour in the trial drawn as `p`.
fn replica_capacity(p: &TrialParams, pool: &scenario::Pool) -> f64 {
    p.model_tokens_per_hour[pool.model]
}

/// The itemised overhead per hour of strategy `st`: none without GPUs.
fn overhead_per_hour(p: &TrialParams, st: &Strategy) -> f64 {
    if st.pools.is_empty() {
        0.0
    } else {
        p.overhead_items_usd_per_year / 8760.0
    }
}

/// Whether strategies `a` and `b` of `s` replay alike whatever their pools'
/// prices: the same overflow and the same pools but for `price`. Their
/// outages come from the same slot streams, so in a trial whose drawn pool
/// parameters (price drift, spot interruption rate: see
/// [`TrialParams::pools`]) are equal too, `b`
/// serves, spills and pays for the same replica-hours as `a`, and
/// [`reprice`] gives its result from `a`'s.
pub fn replays_alike(s: &Scenario, a: usize, b: usize) -> bool {
    let (a, b) = (&s.strategies[a], &s.strategies[b]);
    a.overflow == b.overflow
        && a.pools.len() == b.pools.len()
        && a.pools.iter().zip(&b.pools).all(|(x, y)| {
            x.kind == y.kind
                && x.replicas == y.replicas
                && x.spares == y.spares
                && x.max_replicas == y.max_replicas
                && x.startup_lag_hours == y.startup_lag_hours
                && x.interruption_hours == y.interruption_hours
                && x.model == y.model
        })
}

/// Strategy `si`'s result from `twin`, the result in the same trial of a
/// strategy that replays alike ([`replays_alike`], with equal drawn pool
/// parameters): every token and replica-hour as in `twin`, the GPU and
/// overhead costs at `si`'s prices. The same bits as [`simulate`] gives
/// for `si` (the costs are summed in the same order).
pub fn reprice(
    s: &Scenario,
    si: usize,
    cal: &Calendar,
    p: &TrialParams,
    twin: &StrategyTotals,
) -> StrategyTotals {
    let st = &s.strategies[si];
    let prices: Vec<f64> = st
        .pools
        .iter()
        .map(|pool| usd_per_replica_hour(s, p, pool))
        .collect();
    debug_assert_eq!(twin.paid_hours.len(), cal.months.len() * prices.len());
    let overhead_per_hour = overhead_per_hour(p, st);
    let mut out = StrategyTotals {
        has_gpus: twin.has_gpus,
        paid_hours: twin.paid_hours.clone(),
        ..Default::default()
    };
    out.months.reserve(cal.months.len());
    let mut api_only = 0.0;
    for (i, (month, m)) in cal.months.iter().zip(&twin.months).enumerate() {
        let paid = &twin.paid_hours[i * prices.len()..(i + 1) * prices.len()];
        let mut m = Tally {
            gpu_cost: 0.0,
            spill_cost: 0.0,
            overhead_cost: 0.0,
            ..*m
        };
        for (usd, hours) in prices.iter().zip(paid) {
            m.gpu_cost += usd * hours;
        }
        close_month(&mut out, m, month, p, overhead_per_hour, &mut api_only);
    }
    finish(&mut out, st, p, twin.queued_end, api_only);
    out
}

/// The reference replay, hour by hour over outage difference arrays: the
/// model's definition, kept for the tests that hold [`simulate`] to it.
#[doc(hidden)]
#[allow(clippy::too_many_arguments)]
pub fn simulate_hourly(
    s: &Scenario,
    si: usize,
    cal: &Calendar,
    p: &TrialParams,
    keys: &Keys,
    trial: u64,
    scratch: &mut Scratch,
) -> StrategyTotals {
    let st: &Strategy = &s.strategies[si];
    let n = s.horizon_hours as usize;

    scratch.slots.resize_with(st.pools.len(), Vec::new);
    scratch.desired.resize_with(st.pools.len(), Vec::new);
    let mut runs = Vec::with_capacity(st.pools.len());
    for (k, pool) in st.pools.iter().enumerate() {
        let slots = pool.slots();
        // One timeline per slot: a slot is down while any of its outages
        // lasts, and on-demand replicas run on the lowest-numbered slots, so
        // a failure only matters while its slot is running.
        let per_slot = &mut scratch.slots[k];
        per_slot.resize_with(slots as usize, Vec::new);
        for d in per_slot.iter_mut() {
            d.clear();
            d.resize(n + 1, 0);
        }
        pool_outages(s, si, p, keys, trial, k, |j, h, d| per_slot[j][h] += d);
        let desired = &mut scratch.desired[k];
        desired.clear();
        desired.resize(pool.startup_lag_hours as usize, pool.replicas);
        runs.push(PoolRun {
            kind: pool.kind,
            rcap: replica_capacity(p, pool),
            replicas: pool.replicas,
            slots,
            max: pool.max_replicas,
            lag: pool.startup_lag_hours as usize,
            usd_per_replica_hour: usd_per_replica_hour(s, p, pool),
            drift_step: (1.0 + p.pools[si][k].0).powf(1.0 / 8760.0),
            drift: 1.0,
            slot_down: vec![0; slots as usize],
            // The hourly loop starts at hour 0, whose ring slot is 0.
            ring_pos: 0,
        });
    }

    let (max_delay, expire_to_api) = queue_limits(st);
    scratch.queue.clear();
    scratch.queue.resize(max_delay.max(1), 0.0);
    let mut queued = 0.0;
    let mut region_down = 0i32;
    let has_gpus = !st.pools.is_empty();
    let overhead_per_hour = overhead_per_hour(p, st);

    scratch.region.clear();
    scratch.region.resize(n + 1, 0);
    for &(h, d) in &scratch.region_events {
        scratch.region[h] += d;
    }
    if !has_gpus && max_delay == 0 {
        return api_only_path(st, cal, p, &scratch.demand, None);
    }
    let mut out = StrategyTotals {
        has_gpus,
        ..Default::default()
    };
    let mut api_only = 0.0;
    out.months.reserve(cal.months.len());
    for month in &cal.months {
        let mut m = Tally::default();
        for h in month.first_hour..month.first_hour + month.hours {
            let d = scratch.demand[h];
            region_down += scratch.region[h];
            let offered = d + queued;
            let mut residual = offered;
            let mut cap = 0.0;
            let mut paid_capacity = 0.0;
            let mut cost = 0.0;
            for (k, r) in runs.iter_mut().enumerate() {
                let rcap = r.rcap;
                let (serving, paid) = r.step(
                    h,
                    residual,
                    rcap,
                    &mut scratch.desired[k],
                    &scratch.slots[k],
                );
                let serving = if region_down > 0 { 0 } else { serving };
                let c = f64::from(serving) * rcap;
                residual = (residual - c).max(0.0);
                cap += c;
                paid_capacity += f64::from(paid) * rcap;
                cost += f64::from(paid) * r.usd_per_replica_hour * r.drift;
                r.drift *= r.drift_step;
            }
            m.demanded += d;
            m.gpu_cost += cost;
            m.paid_capacity += paid_capacity;
            // Branch-free: near capacity this comparison is unpredictable.
            m.hours_short += f64::from(u8::from(offered > cap));
            match st.overflow {
                Overflow::Spill => {
                    let served = d.min(cap);
                    m.served += served;
                    m.spilled += d - served;
                }
                Overflow::Drop => {
                    let served = d.min(cap);
                    m.served += served;
                    m.dropped += d - served;
                }
                Overflow::Queue { .. } => {
                    let (served, expired) = queue_hour(&mut scratch.queue, &mut queued, h, d, cap);
                    m.served += served;
                    if expire_to_api {
                        m.spilled += expired;
                    } else {
                        m.dropped += expired;
                    }
                }
            }
        }
        close_month(&mut out, m, month, p, overhead_per_hour, &mut api_only);
    }
    finish(&mut out, st, p, queued, api_only);
    out
}

/// What the API would charge for all demanded tokens: month by month with
/// drift, else (the same value, summed as before) total × price.
fn api_only_cost(p: &TrialParams, out: &StrategyTotals, by_month: f64) -> f64 {
    if p.api_price_drift_per_year == 0.0 {
        out.total.demanded * p.api_usd_per_output_token()
    } else {
        by_month
    }
}

/// Replicas an on-demand pool asks for to serve `residual` tokens in an hour:
/// `ceil(residual / rcap)` within `lo..=hi` (`hi` if a replica serves
/// nothing).
#[inline]
fn request(residual: f64, rcap: f64, lo: u32, hi: u32) -> u32 {
    // The integer read from the low bits of c + 2^52 (c is whole and
    // small) instead of a saturating cast.
    let c = request_count(residual, rcap, f64::from(lo), f64::from(hi));
    (c + TWO52).to_bits() as u32
}

/// 2^52: adding and taking away 2^52 rounds a double in [0, 2^52) to an
/// integer.
const TWO52: f64 = 4_503_599_627_370_496.0;

/// [`request`] as a whole `f64`, with `lo` and `hi` as `f64` (the segment
/// replay keeps replica counts as `f64`: no conversion per hour).
#[inline(always)]
fn request_count(residual: f64, rcap: f64, lo: f64, hi: f64) -> f64 {
    if rcap <= 0.0 {
        return hi;
    }
    // ceil(x) for 0 ≤ x ≤ hi without a libm call (f64::ceil is not inlined
    // without SSE4.1) and branch-free, so a loop of requests vectorises:
    // adding and taking away 2^52 rounds x to an integer t, and t < x means
    // it rounded down.
    // Comparisons instead of f64::min/max (their NaN rules cost
    // instructions; residual and rcap are never NaN).
    let x = residual / rcap;
    let x = if x < hi { x } else { hi };
    let t = (x + TWO52) - TWO52;
    let c = t + one_if(t < x);
    if c > lo { c } else { lo }
}

/// 1 if `b`, else 0: a select between two constants, which vectorises as
/// a comparison mask and an AND (a conversion of the bool to an integer
/// and then to `f64` does not).
#[inline(always)]
fn one_if(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// A replica count as `f64`, through `i32`: x86 converts signed 32-bit
/// lanes to `f64` in one instruction, unsigned ones in several. Counts are
/// far below 2^31 (pools are limited to far fewer replicas).
#[inline(always)]
fn count(n: u32) -> f64 {
    debug_assert!(n <= i32::MAX as u32);
    f64::from(n as i32)
}

/// `max(x, 0)` for an `x` that is never NaN (`f64::max`'s NaN rule costs
/// instructions in loops that should vectorise).
#[inline(always)]
fn positive(x: f64) -> f64 {
    if x > 0.0 { x } else { 0.0 }
}

/// `min(x, cap)` for an `x` that is never NaN.
#[inline(always)]
fn at_most(x: f64, cap: f64) -> f64 {
    if x < cap { x } else { cap }
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
    p: &TrialParams,
    overhead_per_hour: f64,
    api_only: &mut f64,
) {
    let price = p.api_usd_per_output_token_in(month.first_hour, month.hours);
    m.spill_cost = m.spilled * price;
    *api_only += m.demanded * price;
    m.overhead_cost = p.overhead_fraction * m.gpu_cost + overhead_per_hour * month.hours as f64;
    out.total.add(&m);
    out.months.push(m);
}

/// The fields of `out` that follow from the whole horizon.
fn finish(out: &mut StrategyTotals, st: &Strategy, p: &TrialParams, queued: f64, api_only: f64) {
    out.queued_end = queued;
    out.api_only_cost = api_only_cost(p, out, api_only);
    out.fleet_monthly_capacity = st
        .pools
        .iter()
        .map(|pl| f64::from(pl.max_replicas) * replica_capacity(p, pl))
        .sum::<f64>()
        * HOURS_PER_MONTH;
}

/// A strategy with no GPUs and no queue: every token overflows in its own
/// hour, month by month.
#[inline(always)]
fn api_only_path(
    st: &Strategy,
    cal: &Calendar,
    p: &TrialParams,
    demand: &[f64],
    month_demand: Option<&[f64]>,
) -> StrategyTotals {
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
        close_month(&mut out, m, month, p, 0.0, &mut api_only);
    }
    finish(&mut out, st, p, 0.0, api_only);
    out
}

/// Σ demand of each month of `cal`, as every replay sums it.
pub fn month_sums(cal: &Calendar, demand: &[f64]) -> Vec<f64> {
    cal.months
        .iter()
        .map(|m| lane_sum(&demand[m.first_hour..m.first_hour + m.hours]))
        .collect()
}

/// Σ x in four lanes (vectorisable; every path sums demand this way, so
/// all strategies of a trial see the same demanded tokens).
#[inline(always)]
fn lane_sum(x: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let chunks = x.chunks_exact(4);
    let rest: f64 = chunks.remainder().iter().sum();
    for c in chunks {
        for (a, v) in acc.iter_mut().zip(c) {
            *a += v;
        }
    }
    lanes_total(acc) + rest
}

/// Σ f(a, b) over pairs of `a` and `b`, in four lanes.
#[inline(always)]
fn lane_sum_by(a: &[f64], b: &[f64], f: impl Fn(f64, f64) -> f64) -> f64 {
    let mut acc = [0.0; 4];
    let (a4, b4) = (a.chunks_exact(4), b.chunks_exact(4));
    let rest: f64 = a4
        .remainder()
        .iter()
        .zip(b4.remainder())
        .map(|(&x, &y)| f(x, y))
        .sum();
    for (x, y) in a4.zip(b4) {
        for i in 0..4 {
            acc[i] += f(x[i], y[i]);
        }
    }
    lanes_total(acc) + rest
}

/// (Σ min(d, cap), Σ (d − min(d, cap)), hours with d > cap) over hours of
/// demand `d` and active replicas `a`, with `cap = cap_of(a)`, in four lanes
/// (one running sum would be a chain of dependent additions, an addition's
/// latency per hour). Demand is never NaN, so a plain comparison is the
/// minimum.
#[inline(always)]
fn capped_by(active: &[f64], hours: &[f64], cap_of: impl Fn(f64) -> f64) -> (f64, f64, f64) {
    let hour = |a: f64, d: f64| {
        let cap = cap_of(a);
        let s = at_most(d, cap);
        (s, d - s, one_if(d > cap))
    };
    let (mut served, mut over, mut short) = ([0.0; 4], [0.0; 4], [0.0; 4]);
    let (a4, d4) = (active.chunks_exact(4), hours.chunks_exact(4));
    let mut tail = (0.0, 0.0, 0.0);
    for (&a, &d) in a4.remainder().iter().zip(d4.remainder()) {
        let (s, o, x) = hour(a, d);
        tail.0 += s;
        tail.1 += o;
        tail.2 += x;
    }
    for (a, d) in a4.zip(d4) {
        for i in 0..4 {
            let (s, o, x) = hour(a[i], d[i]);
            served[i] += s;
            over[i] += o;
            short[i] += x;
        }
    }
    (
        lanes_total(served) + tail.0,
        lanes_total(over) + tail.1,
        lanes_total(short) + tail.2,
    )
}

/// The sum of four lanes, in a fixed order.
#[inline(always)]
fn lanes_total(a: [f64; 4]) -> f64 {
    (a[0] + a[1]) + (a[2] + a[3])
}

/// (Σ x, Σ min(x, cap), hours with x > cap) over `x`, in four lanes.
#[inline(always)]
fn capped_sums(x: &[f64], cap: f64) -> (f64, f64, f64) {
    let (mut sum, mut served, mut short) = ([0.0; 4], [0.0; 4], [0.0; 4]);
    let chunks = x.chunks_exact(4);
    let mut tail = (0.0, 0.0, 0.0);
    for &d in chunks.remainder() {
        tail.0 += d;
        tail.1 += at_most(d, cap);
        tail.2 += one_if(d > cap);
    }
    for c in chunks {
        for i in 0..4 {
            sum[i] += c[i];
            served[i] += at_most(c[i], cap);
            short[i] += one_if(c[i] > cap);
        }
    }
    (
        lanes_total(sum) + tail.0,
        lanes_total(served) + tail.1,
        lanes_total(short) + tail.2,
    )
}

/// Whose outage count an event changes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    Region,
    /// One slot of a pool (pool, slot).
    Slot(u32, u32),
}

/// An outage starting (+1) or ending (−1) at an hour. 32-bit fields (20
/// bytes, not 40): a trial sorts a few hundred of these per strategy.
#[derive(Debug, Clone, Copy)]
pub struct Event {
    hour: u32,
    delta: i32,
    target: Target,
}

/// One pool's state during the event-driven replay.
struct Pool {
    kind: PoolKind,
    /// Output tokens a replica serves per hour.
    rcap: f64,
    replicas: u32,
    slots: u32,
    max: u32,
    lag: usize,
    usd_per_replica_hour: f64,
    drift_step: f64,
    /// ln(drift_step), for a segment's closed-form Σ drift.
    ln_step: f64,
    /// Price multiplier at the current hour.
    drift: f64,
    /// Slots down (with at least one outage under way).
    down: i32,
    /// Reserved and spot: (serving, paid) replicas in the current segment.
    serving: u32,
    paid: u32,
    /// Outage count of each slot, and (on-demand) how many of slots
    /// `0..a` are down, for every `a` (rebuilt at a slot's event).
    slot_down: Vec<i32>,
    failed_below: Vec<u32>,
    ring: Vec<f64>,
    ring_pos: usize,
    /// This month: on-demand paid replica-hours, and (every kind) Σ paid ×
    /// drift.
    paid_hours: u64,
    drifted_paid: f64,
}

impl Pool {
    /// On-demand, after reserved and spot pools of capacities `caps` (in
    /// order), over the hours of one segment with demand `hours` and no
    /// queue: (Σ served, Σ not served, hours short). Adds to the pool's paid hours. In
    /// passes over the segment (requests, then the start-up lag, then the
    /// sums), each a simple loop.
    #[inline(always)]
    fn segment(
        &mut self,
        caps: &[f64],
        hours: &[f64],
        rcap: f64,
        region_down: bool,
        want: &mut Vec<f64>,
        active: &mut Vec<f64>,
    ) -> (f64, f64, f64) {
        let len = hours.len();
        let (lo, hi) = (count(self.replicas), count(self.max));
        // The buffers keep their length between segments and trials: sized
        // once (a year), never cleared (every hour used is written first).
        if want.len() < len {
            want.resize(len, 0.0);
        }
        let want = &mut want[..len];
        // The residual after the earlier pools, in the order the reference
        // takes it (one subtraction per pool).
        let pairs = want.iter_mut().zip(hours);
        match caps {
            [] => pairs.for_each(|(w, &d)| *w = request_count(d, rcap, lo, hi)),
            [c] => pairs.for_each(|(w, &d)| *w = request_count(positive(d - c), rcap, lo, hi)),
            _ => pairs.for_each(|(w, &d)| {
                *w = request_count(caps.iter().fold(d, |r, c| positive(r - c)), rcap, lo, hi);
            }),
        }
        // Serving is the request of `lag` hours before: the ring holds the
        // last `lag` requests, oldest at `ring_pos`.
        let l = self.ring.len();
        let active: &[f64] = if l == 0 {
            want
        } else {
            if active.len() < len {
                active.resize(len, 0.0);
            }
            let active = &mut active[..len];
            self.ring.rotate_left(self.ring_pos);
            self.ring_pos = 0;
            if len >= l {
                active[..l].copy_from_slice(&self.ring);
                active[l..].copy_from_slice(&want[..len - l]);
                self.ring.copy_from_slice(&want[len - l..]);
            } else {
                active.copy_from_slice(&self.ring[..len]);
                self.ring.rotate_left(len);
                self.ring[l - len..].copy_from_slice(want);
            }
            active
        };
        let want: &[f64] = want;
        let fixed: f64 = caps.iter().sum();
        // Paid replicas: the larger of serving and starting; integers, and
        // Σ paid × drift only when the price drifts.
        // (Sums of whole numbers far below 2^53: exact in any order.)
        let paid = |(&a, &w): (&f64, &f64)| if a > w { a } else { w };
        if self.drift_step == 1.0 {
            self.paid_hours += lane_sum_by(active, want, |a, w| paid((&a, &w))) as u64;
        } else {
            // In four lanes, each a fourth of the hours: lane i starts at
            // drift × step^i and moves by step^4 (one multiplication chain
            // would cost a multiplication's latency per hour).
            let step = self.drift_step;
            let step4 = (step * step) * (step * step);
            let mut drift = [0.0; 4];
            drift[0] = self.drift;
            for i in 1..4 {
                drift[i] = drift[i - 1] * step;
            }
            // The paid hours summed in the same pass.
            let (mut drifted, mut hours_paid) = ([0.0; 4], [0.0; 4]);
            let (a4, w4) = (active.chunks_exact(4), want.chunks_exact(4));
            let (ar, wr) = (a4.remainder(), w4.remainder());
            for (a, w) in a4.zip(w4) {
                for i in 0..4 {
                    let p = paid((&a[i], &w[i]));
                    hours_paid[i] += p;
                    drifted[i] += p * drift[i];
                    drift[i] *= step4;
                }
            }
            // drift[0] is now the multiplier of the first hour not summed.
            let (mut tail, mut tail_paid) = (0.0, 0.0);
            let mut d = drift[0];
            for p in ar.iter().zip(wr).map(paid) {
                tail_paid += p;
                tail += p * d;
                d *= step;
            }
            self.paid_hours += (lanes_total(hours_paid) + tail_paid) as u64;
            self.drifted_paid += lanes_total(drifted) + tail;
            self.drift = d;
        }
        // The sums, with each hour's capacity from its serving replicas.
        if region_down {
            capped_by(active, hours, |_| fixed)
        } else if self.failed_below[self.slots as usize] > 0 {
            let failed_below = &self.failed_below;
            capped_by(active, hours, |a| {
                fixed + (a - count(failed_below[a as usize])) * rcap
            })
        } else {
            capped_by(active, hours, |a| fixed + a * rcap)
        }
    }

    /// Σ of the price multiplier over the next `len` hours; advances it.
    #[inline(always)]
    fn drift_sum(&mut self, len: usize) -> f64 {
        let start = self.drift;
        if self.drift_step == 1.0 {
            return start * len as f64;
        }
        let x = self.ln_step * len as f64;
        self.drift = start * x.exp();
        // Σ_{i<len} q^i = (q^len − 1) / (q − 1), without cancellation.
        start * x.exp_m1() / self.ln_step.exp_m1()
    }

    /// On-demand: one hour with `residual` load left by the earlier pools:
    /// (serving replicas, paid replicas), before region outages.
    #[inline]
    fn on_demand_hour(&mut self, residual: f64, rcap: f64) -> (u32, u32) {
        let want = request(residual, rcap, self.replicas, self.max);
        let active = if self.lag == 0 {
            want
        } else {
            let slot = self.ring_pos;
            self.ring_pos = if slot + 1 == self.lag { 0 } else { slot + 1 };
            std::mem::replace(&mut self.ring[slot], count(want)) as u32
        };
        let failed = self.failed_below[active as usize];
        (active - failed.min(active), active.max(want))
    }
}

/// Replay strategy `si` of scenario `s` over the demand and region outages in
/// `scratch` (filled by the caller for this trial).
///
/// Outages are events (a few dozen a year) rather than hourly arrays: between
/// two events every reserved and spot pool serves and costs the same each
/// hour, so a strategy without on-demand pools or a queue is summed a
/// segment at a time (`Σ min(demand, capacity)` in four lanes, the drifting
/// price in closed form); on-demand pools and queues go hour by hour within
/// each segment. It gives what [`simulate_hourly`], the hour-by-hour
/// definition, gives, up to the order of floating-point sums (tests hold it
/// to 1e-9).
#[allow(clippy::too_many_arguments)]
pub fn simulate(
    s: &Scenario,
    si: usize,
    cal: &Calendar,
    p: &TrialParams,
    keys: &Keys,
    trial: u64,
    scratch: &mut Scratch,
) -> StrategyTotals {
    super::with_avx2(
        #[inline(always)]
        || simulate_any(s, si, cal, p, keys, trial, scratch),
    )
}

/// The body of [`simulate`], for any instruction set (inlined into each
/// of its compilations, see [`super::with_avx2`]).
#[doc(hidden)]
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn simulate_any(
    s: &Scenario,
    si: usize,
    cal: &Calendar,
    p: &TrialParams,
    keys: &Keys,
    trial: u64,
    scratch: &mut Scratch,
) -> StrategyTotals {
    let st: &Strategy = &s.strategies[si];
    let n = s.horizon_hours as usize;
    let has_gpus = !st.pools.is_empty();
    let (max_delay, expire_to_api) = queue_limits(st);
    let month_demand = scratch.month_demand.as_deref();
    if !has_gpus && max_delay == 0 {
        return api_only_path(st, cal, p, &scratch.demand, month_demand);
    }

    let events = &mut scratch.events;
    events.clear();
    events.extend(scratch.region_events.iter().map(|&(hour, delta)| Event {
        hour: hour as u32,
        target: Target::Region,
        delta,
    }));
    let mut pools = Vec::with_capacity(st.pools.len());
    for (k, pool) in st.pools.iter().enumerate() {
        let slots = pool.slots() as usize;
        pool_outages(s, si, p, keys, trial, k, |j, hour, delta| {
            events.push(Event {
                hour: hour as u32,
                target: Target::Slot(k as u32, j as u32),
                delta,
            });
        });
        let drift_step = (1.0 + p.pools[si][k].0).powf(1.0 / 8760.0);
        pools.push(Pool {
            kind: pool.kind,
            rcap: replica_capacity(p, pool),
            replicas: pool.replicas,
            slots: slots as u32,
            max: pool.max_replicas,
            lag: pool.startup_lag_hours as usize,
            usd_per_replica_hour: usd_per_replica_hour(s, p, pool),
            drift_step,
            ln_step: drift_step.ln(),
            drift: 1.0,
            down: 0,
            serving: 0,
            paid: 0,
            slot_down: vec![0; slots],
            failed_below: vec![0; slots + 1],
            ring: vec![count(pool.replicas); pool.startup_lag_hours as usize],
            ring_pos: 0,
            paid_hours: 0,
            drifted_paid: 0.0,
        });
    }
    // An event at the horizon's end changes nothing inside it.
    events.retain(|e| (e.hour as usize) < n);
    // Stable sort: each generator pushes its events in time order, and
    // std's stable sort merges such runs (faster here than the unstable one).
    events.sort_by_key(|e| e.hour);

    scratch.queue.clear();
    scratch.queue.resize(max_delay.max(1), 0.0);
    let hourly = max_delay > 0 || pools.iter().any(|q| q.kind == PoolKind::OnDemand);
    let overhead_per_hour = overhead_per_hour(p, st);
    let mut queued = 0.0;
    let mut region_down = 0i32;
    let mut next = 0usize;
    let mut out = StrategyTotals {
        has_gpus,
        ..Default::default()
    };
    out.months.reserve(cal.months.len());
    out.paid_hours.reserve(cal.months.len() * pools.len());
    let mut api_only = 0.0;
    let demand = &scratch.demand;
    // Capacities of the reserved and spot pools ahead of an on-demand pool.
    let mut caps: Vec<f64> = Vec::with_capacity(pools.len());
    for (mi, month) in cal.months.iter().enumerate() {
        let (first, end) = (month.first_hour, month.first_hour + month.hours);
        let mut m = Tally {
            demanded: month_demand.map_or_else(|| lane_sum(&demand[first..end]), |m| m[mi]),
            ..Tally::default()
        };
        let mut h = first;
        while h < end {
            while next < events.len() && events[next].hour as usize == h {
                let e = events[next];
                next += 1;
                match e.target {
                    Target::Region => region_down += e.delta,
                    Target::Slot(k, j) => {
                        // A slot is down while any of its outages lasts.
                        let (k, j) = (k as usize, j as usize);
                        let q = &mut pools[k];
                        let was = q.slot_down[j] > 0;
                        q.slot_down[j] += e.delta;
                        let is = q.slot_down[j] > 0;
                        q.down += i32::from(is) - i32::from(was);
                        if q.kind == PoolKind::OnDemand && was != is {
                            let mut below = 0;
                            for (a, d) in q.slot_down.iter().enumerate() {
                                below += u32::from(*d > 0);
                                q.failed_below[a + 1] = below;
                            }
                        }
                    }
                }
            }
            let seg_end = events.get(next).map_or(end, |e| (e.hour as usize).min(end));
            let len = seg_end - h;
            // Reserved and spot pools: the same every hour of the segment.
            let mut fixed_paid_capacity = 0.0;
            for q in pools.iter_mut().filter(|q| q.kind != PoolKind::OnDemand) {
                let down = q.down.max(0) as u32;
                let up = q.slots - down.min(q.slots);
                q.serving = if region_down > 0 {
                    0
                } else {
                    up.min(q.replicas)
                };
                q.paid = if q.kind == PoolKind::Reserved {
                    q.slots
                } else {
                    up
                };
                fixed_paid_capacity += f64::from(q.paid) * q.rcap;
                q.drifted_paid += f64::from(q.paid) * q.drift_sum(len);
            }
            m.paid_capacity += fixed_paid_capacity * len as f64;
            let hours = &demand[h..seg_end];
            if !hourly {
                let cap: f64 = pools.iter().map(|q| f64::from(q.serving) * q.rcap).sum();
                let (sum, served, short) = capped_sums(hours, cap);
                m.served += served;
                m.hours_short += short;
                if st.overflow == Overflow::Spill {
                    m.spilled += sum - served;
                } else {
                    m.dropped += sum - served;
                }
                h = seg_end;
                continue;
            }
            // Hour by hour; sums in locals (registers), added once per segment.
            let (mut served, mut spilled, mut dropped, mut short) = (0.0, 0.0, 0.0, 0.0);
            if let Some((od, fixed)) = pools.split_last_mut().filter(|(od, fixed)| {
                max_delay == 0
                    && od.kind == PoolKind::OnDemand
                    && fixed.iter().all(|q| q.kind != PoolKind::OnDemand)
            }) {
                // The common shape: reserved or spot pools, then one
                // on-demand pool; spill or drop.
                caps.clear();
                caps.extend(fixed.iter().map(|q| f64::from(q.serving) * q.rcap));
                let rcap = od.rcap;
                let (served, overflow, short) = od.segment(
                    &caps,
                    hours,
                    rcap,
                    region_down > 0,
                    &mut scratch.want,
                    &mut scratch.active,
                );
                m.served += served;
                if st.overflow == Overflow::Spill {
                    m.spilled += overflow;
                } else {
                    m.dropped += overflow;
                }
                m.hours_short += short;
                h = seg_end;
                continue;
            }
            for (i, &d) in hours.iter().enumerate() {
                let hour = h + i;
                let offered = d + queued;
                let mut residual = offered;
                let mut cap = 0.0;
                for q in &mut pools {
                    let serving = if q.kind == PoolKind::OnDemand {
                        let rcap = q.rcap;
                        let (serving, paid) = q.on_demand_hour(residual, rcap);
                        q.paid_hours += u64::from(paid);
                        if q.drift_step != 1.0 {
                            q.drifted_paid += f64::from(paid) * q.drift;
                            q.drift *= q.drift_step;
                        }
                        if region_down > 0 { 0 } else { serving }
                    } else {
                        q.serving
                    };
                    let c = f64::from(serving) * q.rcap;
                    residual = (residual - c).max(0.0);
                    cap += c;
                }
                short += f64::from(u8::from(offered > cap));
                match st.overflow {
                    Overflow::Spill => {
                        let s = d.min(cap);
                        served += s;
                        spilled += d - s;
                    }
                    Overflow::Drop => {
                        let s = d.min(cap);
                        served += s;
                        dropped += d - s;
                    }
                    Overflow::Queue { .. } => {
                        let (s, expired) =
                            queue_hour(&mut scratch.queue, &mut queued, hour, d, cap);
                        served += s;
                        if expire_to_api {
                            spilled += expired;
                        } else {
                            dropped += expired;
                        }
                    }
                }
            }
            m.served += served;
            m.spilled += spilled;
            m.dropped += dropped;
            m.hours_short += short;
            h = seg_end;
        }
        // The month's GPU cost, pool by pool (see `StrategyTotals::paid_hours`).
        for q in &mut pools {
            let paid = if q.kind == PoolKind::OnDemand {
                let paid = q.paid_hours as f64;
                m.paid_capacity += paid * q.rcap;
                if q.drift_step == 1.0 {
                    paid
                } else {
                    q.drifted_paid
                }
            } else {
                q.drifted_paid
            };
            m.gpu_cost += q.usd_per_replica_hour * paid;
            out.paid_hours.push(paid);
            q.paid_hours = 0;
            q.drifted_paid = 0.0;
        }
        close_month(&mut out, m, month, p, overhead_per_hour, &mut api_only);
    }
    finish(&mut out, st, p, queued, api_only);
    out
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
