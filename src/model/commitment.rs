//! What a strategy's fleet commits to, from its pools and one trial's slot
//! prices. Two figures, one place:
//!
//! - [`signed`]: what is signed whatever happens in the trial — every
//!   reserved term started within the horizon, paid in full (a reserved pool
//!   without a term: the horizon's hours from its start), and owned nodes'
//!   depreciable cost. A pool bought later (`start_hour`) counts its terms
//!   from its start.
//!   `plan --max-commitment` holds its 95th percentile; `compare` and `plan`
//!   report it.
//! - [`owed_after`]: what is still owed when the horizon ends — the rest of
//!   each reserved term under way (at the price of that term) and owned
//!   nodes' amortisation not yet taken (the residual value is not a cost).
//!   The replay records it per trial as `committed_after_horizon_usd`.
//!
//! Pure arithmetic over [`Pool`]s and [`PoolPrice`]s; on-demand and spot
//! pools commit to nothing.

use super::params::PoolPrice;
use crate::scenario::{Pool, PoolKind, Scenario};

/// What strategy `si` of `s` signs whatever happens in the trial whose slot
/// prices are `prices` (that trial's `pool_prices[si]`); see [`signed`].
pub fn of_strategy(s: &Scenario, si: usize, prices: &[PoolPrice]) -> f64 {
    signed(&s.strategies[si].pools, s.horizon_hours, prices)
}

/// What `pools` at slot prices `prices` sign over a `horizon`-hour horizon:
/// reserved terms started within it paid in full, owned nodes' depreciable
/// cost.
pub fn signed(pools: &[Pool], horizon: u32, prices: &[PoolPrice]) -> f64 {
    let mut c = 0.0;
    for (pool, pp) in pools.iter().zip(prices) {
        // A pool bought later signs from its start.
        let n = f64::from(horizon.saturating_sub(pool.start_hour));
        let slots = f64::from(pool.slots());
        match (pool.kind, pool.term_hours) {
            (PoolKind::Reserved, None) => c += slots * n * pp.usd_per_unit_hour,
            (PoolKind::Reserved, Some(t)) => {
                let t = f64::from(t);
                let terms = (n / t).ceil();
                c += slots
                    * t
                    * (pp.usd_per_unit_hour + (terms - 1.0) * pp.renewed_usd_per_unit_hour);
            }
            (PoolKind::Owned, Some(t)) => {
                c += slots * f64::from(t) * pp.amortisation_usd_per_unit_hour
            }
            _ => {}
        }
    }
    c
}

/// What `pools` at slot prices `prices` still owe after a horizon of `n`
/// hours: the rest of each reserved term under way (at the price of that
/// term), and owned nodes' amortisation not yet taken.
pub fn owed_after(pools: &[Pool], prices: &[PoolPrice], n: usize) -> f64 {
    let mut owed = 0.0;
    for (pool, pp) in pools.iter().zip(prices) {
        let Some(t) = pool.term_hours.map(|t| t as usize) else {
            continue;
        };
        let slots = f64::from(pool.slots());
        // Hours since the pool's start.
        let n = n.saturating_sub(pool.start_hour as usize);
        match pool.kind {
            PoolKind::Reserved if n % t != 0 => {
                owed += (t - n % t) as f64 * slots * pp.at(pool.term_hours, n - 1);
            }
            PoolKind::Owned if n < t => {
                owed += (t - n) as f64 * slots * pp.amortisation_usd_per_unit_hour;
            }
            _ => {}
        }
    }
    owed
}
