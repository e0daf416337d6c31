//! Every scenario that validates also runs: one trial on a short horizon must
//! not panic, and conserves tokens with finite, non-negative costs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(mut s) = capsim::scenario::parse(text, "fuzz", None) else {
        return;
    };
    // Keep an execution cheap: a short horizon and a bounded fleet.
    s.horizon_hours = s.horizon_hours.min(200);
    let replicas: u64 = s
        .strategies
        .iter()
        .flat_map(|st| &st.pools)
        .map(|p| u64::from(p.replicas) + u64::from(p.spares) + u64::from(p.max_replicas))
        .sum();
    if replicas > 64 {
        return;
    }
    let e = capsim::engine::Engine::new(&s, 1);
    let mut scratch = capsim::model::serve::Scratch::default();
    let o = e.trial(0, &mut scratch);
    for t in &o.strategies {
        let tot = &t.total;
        let out = tot.served + tot.spilled + tot.dropped + t.queued_end;
        assert!((tot.demanded - out).abs() <= 1e-6 * tot.demanded.max(1.0));
        for v in [tot.gpu_cost, tot.spill_cost, tot.overhead_cost, tot.served, tot.spilled] {
            assert!(v.is_finite() && v >= 0.0, "{v}");
        }
    }
});
