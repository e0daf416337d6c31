//! The reference replay, hour by hour over outage difference arrays: the
//! model's definition, which the tests hold the event replay to.

use super::*;

pub(super) struct PoolRun {
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
            PoolKind::Reserved | PoolKind::Owned => {
                let up = self.slots - down.min(self.slots);
                let paid = if h < self.start { 0 } else { self.slots };
                (up.min(self.replicas), paid)
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
            start: pool.start_hour as usize,
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
        return api_only_path((s, si), cal, p, &scratch.demand, None);
    }
    let mut out = StrategyTotals {
        has_gpus,
        ..Default::default()
    };
    let mut api_only = 0.0;
    out.months.reserve(cal.months.len());
    let mut month_paid = vec![0.0; runs.len()];
    for month in &cal.months {
        let mut m = Tally::default();
        month_paid.iter_mut().for_each(|x| *x = 0.0);
        for h in month.first_hour..month.first_hour + month.hours {
            let d = scratch.demand[h];
            region_down += scratch.region[h];
            let offered = d + queued;
            let mut residual = offered;
            let mut cap = 0.0;
            let mut paid_capacity = 0.0;
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
                month_paid[k] += f64::from(paid) * r.drift;
                r.drift *= r.drift_step;
            }
            m.demanded += d;
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
        close_fleet_month(
            &mut out,
            m,
            month,
            (p, si, st),
            &month_paid,
            overhead_per_hour,
            &mut api_only,
        );
    }
    finish(&mut out, (s, si), p, queued, api_only);
    out
}
