//! An autoscaled strategy of the common shape (reserved or spot pools,
//! then one on-demand pool; spill or drop, no queue) at any scale of a
//! trial's demand, for break-even: what does not depend on the demand —
//! the outage events, the reserved and spot pools' capacity, paid hours and
//! paid capacity, the on-demand pool's failed slots — taken once from the
//! trial's outages; each demand is then replayed over the recorded segments
//! only. The same operations in the same order as [`simulate`], so the same
//! bits (tested).

use super::*;

/// One segment: hours `start..end` between two outage events.
#[derive(Debug, Clone)]
struct Segment {
    start: usize,
    end: usize,
    /// Σ of the reserved and spot pools' serving capacity.
    fixed: f64,
    region_down: bool,
    /// Where the on-demand pool has failed slots: the offset in
    /// [`Autoscaled::caps_by_active`] of the capacity for each count of
    /// active replicas.
    failed: Option<usize>,
}

/// Strategy `si` of a trial, ready to replay on any demand (see the module
/// documentation).
#[derive(Debug, Clone)]
pub struct Autoscaled {
    si: usize,
    segments: Vec<Segment>,
    /// Per segment, each reserved and spot pool's serving capacity, in
    /// pool order.
    caps: Vec<f64>,
    caps_by_active: Vec<f64>,
    /// Per month: its segments' end in `segments`, and the reserved and
    /// spot pools' paid capacity.
    months: Vec<(usize, f64)>,
    /// Per month, each reserved and spot pool's Σ paid × drift.
    fixed_paid: Vec<f64>,
    fixed_pools: usize,
    rcap: f64,
    lo: f64,
    hi: f64,
    lag: usize,
    drift_step: f64,
}

impl Autoscaled {
    /// Strategy `si` of the trial drawn as `p` with region outages
    /// `region_events` (`events` as scratch), when it has the common shape;
    /// `None` otherwise.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        s: &Scenario,
        si: usize,
        cal: &Calendar,
        p: &TrialParams,
        keys: &Keys,
        trial: u64,
        region_events: &[(usize, i32)],
        events: &mut Vec<Event>,
    ) -> Option<Autoscaled> {
        let st: &Strategy = &s.strategies[si];
        let (od, fixed) = st.pools.split_last()?;
        if queue_limits(st).0 != 0
            || od.kind != PoolKind::OnDemand
            || fixed.iter().any(|q| q.kind == PoolKind::OnDemand)
        {
            return None;
        }
        outage_events(s, si, p, keys, trial, region_events, events);
        let mut pools = new_pools(st, p, si);
        let fixed_pools = pools.len() - 1;
        let q = &pools[fixed_pools];
        let mut a = Autoscaled {
            si,
            segments: Vec::new(),
            caps: Vec::new(),
            caps_by_active: Vec::new(),
            months: Vec::with_capacity(cal.months.len()),
            fixed_paid: Vec::with_capacity(cal.months.len() * fixed_pools),
            fixed_pools,
            rcap: q.rcap,
            lo: count(q.replicas),
            hi: count(q.max),
            lag: q.lag,
            drift_step: q.drift_step,
        };
        let mut region_down = 0i32;
        let mut next = 0usize;
        for month in &cal.months {
            let (first, end) = (month.first_hour, month.first_hour + month.hours);
            let mut paid_capacity = 0.0;
            let mut h = first;
            while h < end {
                while next < events.len() && events[next].hour as usize == h {
                    apply_event(&mut pools, &mut region_down, events[next]);
                    next += 1;
                }
                let seg_end = events.get(next).map_or(end, |e| (e.hour as usize).min(end));
                let len = seg_end - h;
                paid_capacity += fixed_segment(&mut pools, region_down, h, len) * len as f64;
                let (od, fixed) = pools.split_last().expect("an on-demand pool");
                let caps = a.caps.len();
                a.caps
                    .extend(fixed.iter().map(|q| f64::from(q.serving) * q.rcap));
                // As the replay sums them.
                let fixed: f64 = a.caps[caps..].iter().sum();
                let region_down = region_down > 0;
                let failed = (!region_down && od.failed_below[od.slots as usize] > 0).then(|| {
                    let at = a.caps_by_active.len();
                    let failed_below = &od.failed_below;
                    a.caps_by_active.extend(
                        (0..=od.slots)
                            .map(count)
                            .map(|x| fixed + (x - count(failed_below[x as usize])) * od.rcap),
                    );
                    at
                });
                a.segments.push(Segment {
                    start: h,
                    end: seg_end,
                    fixed,
                    region_down,
                    failed,
                });
                h = seg_end;
            }
            for q in &mut pools[..fixed_pools] {
                a.fixed_paid.push(q.drifted_paid);
                q.drifted_paid = 0.0;
            }
            a.months.push((a.segments.len(), paid_capacity));
        }
        Some(a)
    }

    /// The strategy's index.
    pub fn strategy(&self) -> usize {
        self.si
    }

    /// The replay of the strategy on the demand in `scratch` (and its
    /// months' sums, when set): what [`simulate`] gives, bit for bit.
    pub fn simulate(
        &self,
        s: &Scenario,
        cal: &Calendar,
        p: &TrialParams,
        scratch: &mut Scratch,
    ) -> StrategyTotals {
        crate::model::with_avx2(
            #[inline(always)]
            || self.simulate_any(s, cal, p, scratch),
        )
    }

    #[inline(always)]
    fn simulate_any(
        &self,
        s: &Scenario,
        cal: &Calendar,
        p: &TrialParams,
        scratch: &mut Scratch,
    ) -> StrategyTotals {
        let si = self.si;
        let st: &Strategy = &s.strategies[si];
        let demand = &scratch.demand;
        let month_demand = scratch.month_demand.as_deref();
        let n = self.segments.last().map_or(0, |g| g.end);
        // Requests by hour: `want[lag + h]` is hour h's, after the `lag`
        // requests the pool starts with; the replicas serving in hour h,
        // `want[h]`, are the request of `lag` hours before.
        let lag = self.lag;
        let want = &mut scratch.want;
        if want.len() < lag + n {
            want.resize(lag + n, 0.0);
        }
        want[..lag].fill(self.lo);
        let (rcap, lo, hi) = (self.rcap, self.lo, self.hi);
        let overhead_per_hour = overhead_per_hour(p, st);
        let mut out = StrategyTotals {
            has_gpus: true,
            ..Default::default()
        };
        out.months.reserve(cal.months.len());
        out.paid_hours
            .reserve(cal.months.len() * (self.fixed_pools + 1));
        let mut api_only = 0.0;
        let mut drift = 1.0;
        let mut g = 0;
        for (mi, (month, &(segments_end, paid_capacity))) in
            cal.months.iter().zip(&self.months).enumerate()
        {
            let (first, end) = (month.first_hour, month.first_hour + month.hours);
            let mut m = Tally {
                demanded: month_demand.map_or_else(|| lane_sum(&demand[first..end]), |m| m[mi]),
                ..Tally::default()
            };
            m.paid_capacity += paid_capacity;
            let (mut paid_hours, mut drifted_paid) = (0u64, 0.0);
            while g < segments_end {
                let seg = &self.segments[g];
                let caps = &self.caps[g * self.fixed_pools..(g + 1) * self.fixed_pools];
                g += 1;
                let (h, e) = (seg.start, seg.end);
                let hours = &demand[h..e];
                let fixed = seg.fixed;
                let step = self.drift_step;
                requests(&mut want[lag + h..lag + e], hours, caps, (rcap, lo, hi));
                let active = &want[h..e];
                let wanted = &want[lag + h..lag + e];
                let sums = if seg.region_down {
                    segment_sums(active, wanted, hours, step, drift, |_| fixed)
                } else if let Some(at) = seg.failed {
                    let caps = &self.caps_by_active[at..];
                    segment_sums(active, wanted, hours, step, drift, |a| caps[a as usize])
                } else {
                    segment_sums(active, wanted, hours, step, drift, |a| fixed + a * rcap)
                };
                let (paid, drifted, next_drift, (served, overflow, short)) = sums;
                paid_hours += paid;
                drifted_paid += drifted;
                drift = next_drift;
                m.served += served;
                if st.overflow == Overflow::Spill {
                    m.spilled += overflow;
                } else {
                    m.dropped += overflow;
                }
                m.hours_short += short;
            }
            let start = out.paid_hours.len();
            let k = self.fixed_pools;
            out.paid_hours
                .extend_from_slice(&self.fixed_paid[mi * k..(mi + 1) * k]);
            let paid = paid_hours as f64;
            m.paid_capacity += paid * rcap;
            out.paid_hours.push(if self.drift_step == 1.0 {
                paid
            } else {
                drifted_paid
            });
            m.gpu_cost +=
                month_gpu_cost(st, &p.pool_prices[si], &out.paid_hours[start..], month, &m);
            close_month(
                &mut out,
                m,
                month,
                (p, st.api),
                overhead_per_hour,
                &mut api_only,
            );
        }
        finish(&mut out, (s, si), p, 0.0, api_only);
        out
    }
}

/// The requests of a segment's `hours` (demand) into `want`, after pools of
/// serving capacity `caps`, as [`Pool::segment`] takes them.
#[inline(always)]
fn requests(want: &mut [f64], hours: &[f64], caps: &[f64], (rcap, lo, hi): (f64, f64, f64)) {
    let pairs = want.iter_mut().zip(hours);
    match caps {
        [] => pairs.for_each(|(w, &d)| *w = request_count(d, rcap, lo, hi)),
        [c] => pairs.for_each(|(w, &d)| *w = request_count(positive(d - c), rcap, lo, hi)),
        _ => pairs.for_each(|(w, &d)| {
            *w = request_count(caps.iter().fold(d, |r, c| positive(r - c)), rcap, lo, hi);
        }),
    }
}

/// One segment's sums, as [`Pool::segment`] takes them: (paid
/// replica-hours, Σ paid × drift when the price drifts, the drift after
/// the segment, (Σ served, Σ not served, hours short)), with each hour's
/// capacity `cap_of(active replicas)`.
#[inline(always)]
fn segment_sums(
    active: &[f64],
    want: &[f64],
    hours: &[f64],
    step: f64,
    drift0: f64,
    cap_of: impl Fn(f64) -> f64,
) -> (u64, f64, f64, (f64, f64, f64)) {
    let paid = |(&a, &w): (&f64, &f64)| if a > w { a } else { w };
    if step == 1.0 {
        // (Sums of whole numbers far below 2^53: exact in any order.)
        let hours_paid = lane_sum_by(active, want, |a, w| paid((&a, &w))) as u64;
        return (hours_paid, 0.0, drift0, capped_by(active, hours, cap_of));
    }
    let step4 = (step * step) * (step * step);
    let mut drift = [0.0; 4];
    drift[0] = drift0;
    for i in 1..4 {
        drift[i] = drift[i - 1] * step;
    }
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
    let (mut tail, mut tail_paid) = (0.0, 0.0);
    let mut d = drift[0];
    for p in ar.iter().zip(wr).map(paid) {
        tail_paid += p;
        tail += p * d;
        d *= step;
    }
    (
        (lanes_total(hours_paid) + tail_paid) as u64,
        lanes_total(drifted) + tail,
        d,
        capped_by(active, hours, cap_of),
    )
}
