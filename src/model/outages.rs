//! Outage timelines as events.
//!
//! A replica slot fails as a Poisson process (rate = failures per GPU-year ×
//! GPUs per replica / 8,760 per hour: one failed GPU takes its whole
//! tensor-parallel replica down) and stays down for a repair time drawn per
//! event; it cannot fail again while down. Down time is counted in whole
//! hours, rounded up (a 20-minute outage costs that hour's capacity).
//!
//! Each outage is pushed as +1 at its first down hour and −1 after its
//! last; a running sum over a slot's events gives how many of its outages
//! are under way. A slot is down while any is (a failure, a spot
//! interruption, a deployment): outages that overlap on one replica take it
//! out once, not twice.

use rand::Rng as _;
use rand_distr::Exp1;

use crate::dist::Dist;
use crate::rng::StreamKey;

/// The down intervals of one slot (or of a whole region) as events:
/// `push(hour, +1)` at the first down hour and `push(hour, −1)` after the
/// last (hour ≤ `horizon`), in time order. `rate_per_hour` is the event
/// rate; `duration` is drawn per event (hours).
pub fn timeline_events(
    key: &StreamKey,
    trial: u64,
    rate_per_hour: f64,
    duration: &Dist,
    horizon: usize,
    mut push: impl FnMut(usize, i32),
) {
    if rate_per_hour <= 0.0 || horizon < 1 {
        return;
    }
    let horizon = horizon as f64;
    let mut rng = key.for_trial(trial);
    let mut t = 0.0;
    loop {
        let gap: f64 = rng.sample(Exp1);
        t += gap / rate_per_hour;
        if t >= horizon {
            break;
        }
        let start = t.floor();
        let hours = duration.sample(&mut rng).ceil().max(1.0);
        let end = (start + hours).min(horizon);
        push(start as usize, 1);
        push(end as usize, -1);
        t = start + hours;
    }
}

/// Rolling deployments of a pool of `slots` replicas as `push(slot, hour,
/// ±1)` events, in time order: `per_month` deployments, each taking replica
/// 0, then 1, … out for `hours` hours in turn. Deployment k starts at hour
/// (k + ½) × 730 / per_month (an assumption: deployments evenly spaced
/// through the year).
pub fn deployment_events(
    per_month: f64,
    hours: u32,
    slots: u32,
    horizon: usize,
    mut push: impl FnMut(usize, usize, i32),
) {
    if per_month <= 0.0 || hours == 0 || slots == 0 || horizon < 1 {
        return;
    }
    let interval = crate::scenario::HOURS_PER_MONTH / per_month;
    let mut k = 0.0;
    loop {
        let start = ((k + 0.5) * interval) as usize;
        if start >= horizon {
            break;
        }
        for r in 0..slots as usize {
            let a = start + r * hours as usize;
            if a >= horizon {
                break;
            }
            let b = (a + hours as usize).min(horizon);
            push(r, a, 1);
            push(r, b, -1);
        }
        k += 1.0;
    }
}
