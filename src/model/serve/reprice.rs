//! Strategies that differ only in their pools' prices: priced from a twin's
//! replay instead of replayed.

use super::*;

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
                && x.unit_replicas == y.unit_replicas
                && x.unit_gpus == y.unit_gpus
                && x.repair_hours == y.repair_hours
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
    let prices = &p.pool_prices[si];
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
        let m = Tally {
            gpu_cost: 0.0,
            spill_cost: 0.0,
            overhead_cost: 0.0,
            ..*m
        };
        close_fleet_month(
            &mut out,
            m,
            month,
            (p, si, st),
            paid,
            overhead_per_hour,
            &mut api_only,
        );
    }
    finish(&mut out, (s, si), p, twin.queued_end, api_only);
    out
}
