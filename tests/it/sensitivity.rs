//! Sensitivity ranks the input that, by construction, alone drives a cost.

const SCENARIO: &str = r#"name = "sens"
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

use capsim::compare::TrialColumns;
use capsim::engine::Engine;
use capsim::scenario;
use capsim::sensitivity::sensitivity;

#[test]
fn compare_writes_it_and_the_report_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("s.toml");
    std::fs::write(&f, SCENARIO).unwrap();
    crate::common::capsim()
        .args(["compare", "--trials", "200", "-q", "--report", "--out"])
        .arg(dir.path().join("out"))
        .arg(&f)
        .assert()
        .success();
    let run = crate::common::run_dir(&dir.path().join("out"));
    assert!(run.join("sensitivity.parquet").exists());
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(html.contains("<h2>What drives the cost</h2>"));
    assert!(
        html.contains("<td>reserved</td><td>gpu_prices.reserved</td><td>+1.00</td>"),
        "{html}"
    );
}

#[test]
fn the_only_driver_ranks_first() {
    // Reserved cost depends only on the reserved price (20 replicas never
    // spill); API-only cost only on the volume (prices fixed). Failures are
    // off so the reserved pool never spills.
    let text = SCENARIO;
    let s = scenario::parse(text, "t", None).unwrap();
    let outcomes = Engine::new(&s, 5).run(0..400, &|| {});
    let cols = TrialColumns::from_outcomes(&s, &outcomes);
    let rows = sensitivity(&s, &cols.inputs, &cols.cost);
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
