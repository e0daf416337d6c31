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

use super::outages::{add_deployments, add_timeline};
use super::{Calendar, Keys, TrialParams};
use crate::scenario::{HOURS_PER_MONTH, Overflow, PoolKind, Scenario, Strategy};

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
}

/// Per-thread buffers, reused across trials (no allocation in the hourly loop).
#[derive(Debug, Default)]
pub struct Scratch {
    /// Hourly demand of the current trial.
    pub demand: Vec<f64>,
    /// Region outages of the current trial.
    pub region: Vec<i32>,
    pools: Vec<Vec<i32>>,
    /// On-demand pools: one outage difference array per slot.
    slots: Vec<Vec<Vec<i32>>>,
    queue: Vec<f64>,
    desired: Vec<Vec<u32>>,
}

struct PoolRun {
    kind: PoolKind,
    replicas: u32,
    slots: u32,
    max: u32,
    lag: usize,
    usd_per_replica_hour: f64,
    drift_step: f64,
    drift: f64,
    down: i32,
    ring_pos: usize,
    /// On-demand: running outage count of each slot.
    slot_down: Vec<i32>,
}

impl PoolRun {
    /// One hour of one pool: `(serving replicas, paid replicas)`, before
    /// region outages. `residual` is the load the earlier pools leave;
    /// `diff_h` this pool's outage difference at hour `h`.
    #[inline]
    fn step(
        &mut self,
        h: usize,
        residual: f64,
        rcap: f64,
        diff_h: i32,
        ring: &mut [u32],
        slot_diffs: &[Vec<i32>],
    ) -> (u32, u32) {
        self.down += diff_h;
        let down = self.down.max(0) as u32;
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
                let want = if rcap > 0.0 {
                    // ceil(x) for 0 ≤ x ≤ max without a libm call
                    // (f64::ceil is not inlined without SSE4.1).
                    let x = (residual / rcap).min(f64::from(self.max));
                    let w = x as u32;
                    w + u32::from(f64::from(w) < x)
                } else {
                    self.max
                };
                let want = want.clamp(self.replicas, self.max);
                let active = if self.lag == 0 {
                    want
                } else {
                    // Slot h mod (lag + 1), kept as a counter (no division per hour):
                    // read the decision made lag hours ago, then reuse the slot.
                    let slot = self.ring_pos;
                    self.ring_pos = if slot == self.lag { 0 } else { slot + 1 };
                    std::mem::replace(&mut ring[slot], want)
                };
                // Failed slots among the running ones (slots 0..active); on-demand
                // pools keep per-slot timelines, not pooled outages.
                let mut failed = 0;
                for (j, (state, d)) in self.slot_down.iter_mut().zip(slot_diffs).enumerate() {
                    *state += d[h];
                    failed += u32::from(j < active as usize && *state > 0);
                }
                (active - failed.min(active), active.max(want))
            }
        }
    }
}

/// Replay strategy `si` of scenario `s` over the demand and region outages in
/// `scratch` (filled by the caller for this trial).
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
    let st: &Strategy = &s.strategies[si];
    let n = s.horizon_hours as usize;
    let rcap = p.replica_tokens_per_hour;
    let gpus = f64::from(s.model.gpus_per_replica);
    let fail_rate = p.gpu_failures_per_year * gpus / 8760.0;

    // Outage timelines per pool, on slots numbered across the strategy's pools
    // so that slot j fails at the same hours in every strategy.
    scratch.pools.resize_with(st.pools.len(), Vec::new);
    scratch.slots.resize_with(st.pools.len(), Vec::new);
    scratch.desired.resize_with(st.pools.len(), Vec::new);
    let mut runs = Vec::with_capacity(st.pools.len());
    let mut slot0 = 0usize;
    for (k, pool) in st.pools.iter().enumerate() {
        let diff = &mut scratch.pools[k];
        diff.clear();
        diff.resize(n + 1, 0);
        let slots = pool.slots();
        // On-demand replicas run on the lowest-numbered slots, so a failure
        // only matters while its slot is running: keep each slot's timeline.
        let per_slot = &mut scratch.slots[k];
        let od = pool.kind == PoolKind::OnDemand && fail_rate > 0.0;
        per_slot.resize_with(if od { slots as usize } else { 0 }, Vec::new);
        // j numbers the slot in the pool and, offset, in the key arrays.
        #[allow(clippy::needless_range_loop)]
        for j in 0..slots as usize {
            let target = if od {
                let d = &mut per_slot[j];
                d.clear();
                d.resize(n + 1, 0);
                d
            } else {
                &mut *diff
            };
            add_timeline(
                &keys.failure_slot[slot0 + j],
                trial,
                fail_rate,
                &s.outages.repair_hours,
                target,
            );
            if pool.kind == PoolKind::Spot {
                let rate = p.pools[si][k].1 / HOURS_PER_MONTH;
                add_timeline(
                    &keys.spot_slot[slot0 + j],
                    trial,
                    rate,
                    &pool.interruption_hours,
                    diff,
                );
            }
        }
        if pool.kind != PoolKind::OnDemand {
            add_deployments(s.deployments.per_month, s.deployments.hours, slots, diff);
        }
        slot0 += slots as usize;
        let desired = &mut scratch.desired[k];
        desired.clear();
        desired.resize(pool.startup_lag_hours as usize + 1, pool.replicas);
        runs.push(PoolRun {
            kind: pool.kind,
            replicas: pool.replicas,
            slots,
            max: pool.max_replicas,
            lag: pool.startup_lag_hours as usize,
            usd_per_replica_hour: gpus * p.gpu_usd_per_hour.get(pool.price).copied().unwrap_or(0.0),
            drift_step: (1.0 + p.pools[si][k].0).powf(1.0 / 8760.0),
            drift: 1.0,
            down: 0,
            slot_down: vec![0; scratch.slots[k].len()],
            // The hourly loop starts at hour 0, whose ring slot is 0.
            ring_pos: 0,
        });
    }

    let (max_delay, expire_to_api) = match st.overflow {
        Overflow::Queue {
            max_delay_hours,
            expire_to_api,
        } => (max_delay_hours as usize, expire_to_api),
        _ => (0, false),
    };
    scratch.queue.clear();
    scratch.queue.resize(max_delay.max(1), 0.0);
    let mut queued = 0.0;
    let mut region_down = 0i32;
    let api_per_token = p.api_usd_per_output_token();
    let has_gpus = !st.pools.is_empty();
    let overhead_per_hour = if has_gpus {
        p.overhead_items_usd_per_year / 8760.0
    } else {
        0.0
    };

    let mut out = StrategyTotals {
        has_gpus,
        ..Default::default()
    };
    let mut api_only = 0.0;
    out.months.reserve(cal.months.len());
    if !has_gpus && max_delay == 0 {
        // No capacity and no queue: every token overflows in its own hour.
        // The same sums as the hourly loop below without its per-hour work
        // (API-only is in most scenarios; the seed benchmark is ~20% faster).
        for month in &cal.months {
            let mut m = Tally::default();
            for &d in &scratch.demand[month.first_hour..month.first_hour + month.hours] {
                m.demanded += d;
                m.hours_short += f64::from(u8::from(d > 0.0));
            }
            if st.overflow == Overflow::Spill {
                m.spilled = m.demanded;
            } else {
                m.dropped = m.demanded;
            }
            let price = p.api_usd_per_output_token_in(month.first_hour, month.hours);
            m.spill_cost = m.spilled * price;
            api_only += m.demanded * price;
            // No GPUs, no overhead.
            out.total.add(&m);
            out.months.push(m);
        }
        out.api_only_cost = api_only_cost(p, &out, api_per_token, api_only);
        return out;
    }
    for month in &cal.months {
        let mut m = Tally::default();
        for h in month.first_hour..month.first_hour + month.hours {
            let d = scratch.demand[h];
            region_down += scratch.region[h];
            let offered = d + queued;
            let mut residual = offered;
            let mut cap = 0.0;
            let mut paid_replicas = 0.0;
            let mut cost = 0.0;
            for (k, r) in runs.iter_mut().enumerate() {
                let (serving, paid) = r.step(
                    h,
                    residual,
                    rcap,
                    scratch.pools[k][h],
                    &mut scratch.desired[k],
                    &scratch.slots[k],
                );
                let serving = if region_down > 0 { 0 } else { serving };
                let c = f64::from(serving) * rcap;
                residual = (residual - c).max(0.0);
                cap += c;
                paid_replicas += f64::from(paid);
                cost += f64::from(paid) * r.usd_per_replica_hour * r.drift;
                r.drift *= r.drift_step;
            }
            m.demanded += d;
            m.gpu_cost += cost;
            m.paid_capacity += paid_replicas * rcap;
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
                    // Oldest first: buckets hold tokens by arrival hour mod max_delay.
                    let q = &mut scratch.queue;
                    let mut avail = cap;
                    for a in 0..max_delay {
                        let b = &mut q[(h + a) % max_delay];
                        let take = b.min(avail);
                        *b -= take;
                        avail -= take;
                        m.served += take;
                        queued -= take;
                    }
                    let served = d.min(avail);
                    m.served += served;
                    // The bucket of hour h - max_delay has waited its limit.
                    let slot = h % max_delay;
                    let expired = q[slot];
                    if expire_to_api {
                        m.spilled += expired;
                    } else {
                        m.dropped += expired;
                    }
                    q[slot] = d - served;
                    // Kept as a running sum: no pass over the buckets each hour.
                    queued = (queued - expired + q[slot]).max(0.0);
                }
            }
        }
        let price = p.api_usd_per_output_token_in(month.first_hour, month.hours);
        m.spill_cost = m.spilled * price;
        api_only += m.demanded * price;
        m.overhead_cost = p.overhead_fraction * m.gpu_cost + overhead_per_hour * month.hours as f64;
        out.total.add(&m);
        out.months.push(m);
    }
    out.queued_end = queued;
    out.api_only_cost = api_only_cost(p, &out, api_per_token, api_only);
    out.fleet_monthly_capacity = st
        .pools
        .iter()
        .map(|pl| f64::from(pl.max_replicas))
        .sum::<f64>()
        * rcap
        * HOURS_PER_MONTH;
    out
}

/// What the API would charge for all demanded tokens: month by month with
/// drift, else (the same value, summed as before) total × price.
fn api_only_cost(p: &TrialParams, out: &StrategyTotals, api_per_token: f64, by_month: f64) -> f64 {
    if p.api_price_drift_per_year == 0.0 {
        out.total.demanded * api_per_token
    } else {
        by_month
    }
}
