//! The event-driven replay the engine uses: between two outage events every
//! reserved and spot pool serves and costs the same each hour, so segments
//! are summed at once; on-demand pools and queues go hour by hour.

use super::*;

mod autoscaled;
pub use autoscaled::Autoscaled;

/// Whose outage count an event changes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Target {
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
pub(super) struct Pool {
    kind: PoolKind,
    /// Output tokens a replica serves per hour.
    rcap: f64,
    replicas: u32,
    slots: u32,
    max: u32,
    lag: usize,
    /// Hour the pool starts serving and being paid.
    start: usize,
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
    crate::model::with_avx2(
        #[inline(always)]
        || simulate_any(s, si, cal, p, keys, trial, scratch),
    )
}

/// The body of [`simulate`], for any instruction set (inlined into each
/// of its compilations, see [`crate::model::with_avx2`]).
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
    let has_gpus = !st.pools.is_empty();
    let (max_delay, expire_to_api) = queue_limits(st);
    let month_demand = scratch.month_demand.as_deref();
    if !has_gpus && max_delay == 0 {
        return api_only_path((s, si), cal, p, &scratch.demand, month_demand);
    }

    let events = &mut scratch.events;
    outage_events(s, si, p, keys, trial, &scratch.region_events, events);
    let mut pools = new_pools(st, p, si);
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
                apply_event(&mut pools, &mut region_down, events[next]);
                next += 1;
            }
            let seg_end = events.get(next).map_or(end, |e| (e.hour as usize).min(end));
            let len = seg_end - h;
            // Reserved and spot pools: the same every hour of the segment.
            m.paid_capacity += fixed_segment(&mut pools, region_down, h, len) * len as f64;
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
        let start = out.paid_hours.len();
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
            out.paid_hours.push(paid);
            q.paid_hours = 0;
            q.drifted_paid = 0.0;
        }
        // (close_fleet_month, with the paid hours read in place: no copy.)
        m.gpu_cost += month_gpu_cost(st, &p.pool_prices[si], &out.paid_hours[start..], month, &m);
        close_month(
            &mut out,
            m,
            month,
            (p, st.api),
            overhead_per_hour,
            &mut api_only,
        );
    }
    finish(&mut out, (s, si), p, queued, api_only);
    out
}

/// Apply outage event `e` to `pools` and the region's outage count.
#[inline(always)]
fn apply_event(pools: &mut [Pool], region_down: &mut i32, e: Event) {
    match e.target {
        Target::Region => *region_down += e.delta,
        Target::Slot(k, j) => {
            // A slot is down while any of its outages lasts.
            let (k, j) = (k as usize, j as usize);
            let q = &mut pools[k];
            let changed = slot_outage(&mut q.slot_down, &mut q.down, j, e.delta);
            if q.kind == PoolKind::OnDemand && changed {
                let mut below = 0;
                for (a, d) in q.slot_down.iter().enumerate() {
                    below += u32::from(*d > 0);
                    q.failed_below[a + 1] = below;
                }
            }
        }
    }
}

/// The reserved and spot pools of `pools` over a segment of `len` hours
/// from hour `h`: each the same every hour of it. Sets their serving and
/// paid replicas, adds their Σ paid × drift; returns their paid capacity
/// per hour.
#[inline(always)]
fn fixed_segment(pools: &mut [Pool], region_down: i32, h: usize, len: usize) -> f64 {
    let mut fixed_paid_capacity = 0.0;
    for q in pools.iter_mut().filter(|q| q.kind != PoolKind::OnDemand) {
        let down = q.down.max(0) as u32;
        let up = q.slots - down.min(q.slots);
        q.serving = if region_down > 0 {
            0
        } else {
            up.min(q.replicas)
        };
        // (A pool's start is an event: a segment is wholly before
        // it or wholly after.)
        q.paid = if h < q.start {
            0
        } else if matches!(q.kind, PoolKind::Reserved | PoolKind::Owned) {
            q.slots
        } else {
            up
        };
        fixed_paid_capacity += f64::from(q.paid) * q.rcap;
        q.drifted_paid += f64::from(q.paid) * q.drift_sum(len);
    }
    fixed_paid_capacity
}

/// The replay's state of each pool of strategy `st` (index `si`) at the
/// horizon's start, in the trial drawn as `p`.
fn new_pools(st: &Strategy, p: &TrialParams, si: usize) -> Vec<Pool> {
    let mut pools = Vec::with_capacity(st.pools.len());
    for (k, pool) in st.pools.iter().enumerate() {
        let slots = pool.slots() as usize;
        let drift_step = (1.0 + p.pools[si][k].0).powf(1.0 / 8760.0);
        pools.push(Pool {
            kind: pool.kind,
            rcap: replica_capacity(p, pool),
            replicas: pool.replicas,
            slots: slots as u32,
            max: pool.max_replicas,
            lag: pool.startup_lag_hours as usize,
            start: pool.start_hour as usize,
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
    pools
}

/// Every outage event of strategy `si` in the trial drawn as `p`, in hour
/// order, into `events`: the region's (`region_events`) and each pool's
/// slots' ([`pool_outages`]), those at or after the horizon's end left out.
fn outage_events(
    s: &Scenario,
    si: usize,
    p: &TrialParams,
    keys: &Keys,
    trial: u64,
    region_events: &[(usize, i32)],
    events: &mut Vec<Event>,
) {
    let n = s.horizon_hours as usize;
    events.clear();
    events.extend(region_events.iter().map(|&(hour, delta)| Event {
        hour: hour as u32,
        target: Target::Region,
        delta,
    }));
    for k in 0..s.strategies[si].pools.len() {
        pool_outages(s, si, p, keys, trial, k, |j, hour, delta| {
            events.push(Event {
                hour: hour as u32,
                target: Target::Slot(k as u32, j as u32),
                delta,
            });
        });
    }
    // An event at the horizon's end changes nothing inside it.
    events.retain(|e| (e.hour as usize) < n);
    // Stable sort: each generator pushes its events in time order, and
    // std's stable sort merges such runs (faster here than the unstable one).
    events.sort_by_key(|e| e.hour);
}

/// An outage of slot `j` starting (`delta` +1) or ending (−1): a slot is
/// down while any of its outages lasts, so `down` (slots down) changes only
/// when its count leaves or reaches 0. Returns whether it did.
#[inline(always)]
fn slot_outage(slot_down: &mut [i32], down: &mut i32, j: usize, delta: i32) -> bool {
    let was = slot_down[j] > 0;
    slot_down[j] += delta;
    let is = slot_down[j] > 0;
    *down += i32::from(is) - i32::from(was);
    was != is
}

/// Whether strategy `st`'s capacity in an hour is independent of its demand
/// and its costs other than spill are too: no on-demand pool, no queue, no
/// owned pool whose power follows the load. [`capacity_profile`] and
/// [`StrategyTotals`] at one volume then give its result at any other.
pub fn capacity_is_fixed(st: &Strategy, p: &TrialParams, si: usize) -> bool {
    !st.pools.is_empty()
        && queue_limits(st).0 == 0
        && st.pools.iter().enumerate().all(|(k, pool)| {
            pool.kind != PoolKind::OnDemand
                && !(pool.kind == PoolKind::Owned
                    && p.pool_prices[si][k].load_usd_per_unit_hour > 0.0)
        })
}

/// The output tokens strategy `si` can serve in each hour of the trial
/// drawn as `p` (its reserved, spot and owned pools' serving replicas ×
/// their capacity; 0 in a region outage), into `out`: the same outages and
/// the same capacity the event replay uses. Only for a strategy of
/// [`capacity_is_fixed`].
#[allow(clippy::too_many_arguments)]
pub fn capacity_profile(
    s: &Scenario,
    si: usize,
    p: &TrialParams,
    keys: &Keys,
    trial: u64,
    region_events: &[(usize, i32)],
    events: &mut Vec<Event>,
    out: &mut Vec<f64>,
) {
    let st = &s.strategies[si];
    let n = s.horizon_hours as usize;
    outage_events(s, si, p, keys, trial, region_events, events);
    // (rcap, serving limit, slots, slot outage counts, slots down)
    let mut pools: Vec<(f64, u32, u32, Vec<i32>, i32)> = st
        .pools
        .iter()
        .map(|pool| {
            (
                replica_capacity(p, pool),
                pool.replicas,
                pool.slots(),
                vec![0; pool.slots() as usize],
                0,
            )
        })
        .collect();
    out.clear();
    out.resize(n, 0.0);
    let (mut region_down, mut next, mut h) = (0i32, 0usize, 0usize);
    while h < n {
        while next < events.len() && events[next].hour as usize == h {
            let e = events[next];
            next += 1;
            match e.target {
                Target::Region => region_down += e.delta,
                Target::Slot(k, j) => {
                    let q = &mut pools[k as usize];
                    slot_outage(&mut q.3, &mut q.4, j as usize, e.delta);
                }
            }
        }
        let end = events.get(next).map_or(n, |e| (e.hour as usize).min(n));
        let cap = if region_down > 0 {
            0.0
        } else {
            pools
                .iter()
                .map(|q| {
                    let down = q.4.max(0) as u32;
                    let up = q.2 - down.min(q.2);
                    f64::from(up.min(q.1)) * q.0
                })
                .sum()
        };
        out[h..end].fill(cap);
        h = end;
    }
}
