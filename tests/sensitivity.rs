//! Sensitivity ranks the input that, by construction, alone drives a cost.

use capsim::engine::Engine;
use capsim::scenario;
use capsim::sensitivity::sensitivity;

#[test]
fn the_only_driver_ranks_first() {
    // Reserved cost depends only on the reserved price (20 replicas never
    // spill); API-only cost only on the volume (prices fixed). Failures are
    // off so the reserved pool never spills.
    let text = r#"name = "sens"
[model]
profile = "llama3-70b-fp8-4xh100"
[demand]
monthly_tokens = { low = 1e9, likely = 2e9, high = 4e9 }
[api]
output_usd_per_mtok = 10
input_usd_per_mtok = 0
[gpu_prices]
reserved = { low = 1.5, likely = 2.5, high = 4.0 }
[outages]
gpu_failures_per_year = 0
region_outages_per_year = 0
[[strategy]]
name = "reserved"
[[strategy.pool]]
kind = "reserved"
replicas = 20
[[strategy]]
name = "api-only"
"#;
    let s = scenario::parse(text, "t", None).unwrap();
    let outcomes = Engine::new(&s, 5).run(0..400, &|| {});
    let rows = sensitivity(&s, &outcomes);
    for (strategy, driver) in [
        ("reserved", "gpu_prices.reserved"),
        ("api-only", "demand.monthly_tokens"),
    ] {
        let top = rows
            .iter()
            .find(|r| r.strategy == strategy && r.rank == 1)
            .unwrap();
        assert_eq!(top.input, driver, "{rows:#?}");
        assert!(top.spearman > 0.999, "{top:?}");
        assert!(top.cost_at_p90_usd > top.cost_at_p10_usd);
        let other = rows
            .iter()
            .find(|r| r.strategy == strategy && r.rank == 2)
            .unwrap();
        // The other input has no effect: its correlation is noise (|ρ| < 4/√n).
        assert!(other.spearman.abs() < 0.2, "{other:?}");
    }
}
