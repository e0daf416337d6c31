//! The measured H100 decode table as a throughput ceiling and source.

use crate::common::{capsim, stderr_of};
use capsim::scenario;

fn scenario_file(dir: &std::path::Path, profile: &str, tok: &str) -> std::path::PathBuf {
    let p = dir.join("s.toml");
    std::fs::write(
        &p,
        crate::common::small_scenario(&format!("profile = \"{profile}\"\n{tok}"), ""),
    )
    .unwrap();
    p
}

#[test]
fn validate_warns_above_the_table_only() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario_file(dir.path(), "llama3-70b-fp8-4xh100", "tok_s_per_gpu = 2000");
    let a = capsim().arg("validate").arg(&s).assert().success();
    let e = stderr_of(&a);
    assert!(
        e.contains("warning: model.tok_s_per_gpu: 2000 tok/s per GPU is above the 1226.3"),
        "{e}"
    );
    let s = scenario_file(dir.path(), "llama3-70b-fp8-4xh100", "tok_s_per_gpu = 1200");
    let a = capsim().arg("validate").arg(&s).assert().success();
    assert!(!stderr_of(&a).contains("warning"));
}

#[test]
fn a_profile_can_take_its_throughput_from_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let profile = r#"name = "t"
source = "models/h100_decode_step.csv at batch 32, 8k context"
gpu = "H100-80GB"
gpus_per_replica = 4
utilization_ceiling = 0.85
[decode]
weights_dtype = "fp8"
batch = 32
context_tokens = 8192
"#;
    std::fs::write(dir.path().join("t.toml"), profile).unwrap();
    let s = scenario_file(dir.path(), "t.toml", "");
    let sc = scenario::load(&s).unwrap();
    let want: f64 = std::fs::read_to_string("models/h100_decode_step.csv")
        .unwrap()
        .lines()
        .find(|l| l.starts_with("fp8,32,8192,"))
        .unwrap()
        .split(',')
        .nth(5)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        sc.model.measured().expect("a measured profile").point(),
        want
    );

    std::fs::write(
        dir.path().join("t.toml"),
        profile.replace("batch = 32", "batch = 48"),
    )
    .unwrap();
    let e = scenario::load(&s).unwrap_err().to_string();
    assert!(
        e.contains("batch 48 at 8192-token context is not measured for fp8"),
        "{e}"
    );
}

#[test]
fn outage_preset_gives_the_llama3_rates_and_fields_override_it() {
    let text = crate::common::small_scenario("profile = \"llama3-70b-fp8-4xh100\"", "");
    let with = |o: &str| scenario::parse(&format!("{text}[outages]\n{o}\n"), "t", None);
    let s = with("preset = \"llama3-h100\"").unwrap();
    assert_eq!(s.outages.gpu_failures_per_year.point(), 0.173);
    assert!((s.outages.gpu_failures_per_year.mean() - (0.111 + 0.173 + 0.3) / 3.0).abs() < 1e-12);
    assert_eq!(s.outages.repair_hours.point(), 24.0);
    let s = with("preset = \"llama3-h100\"\nrepair_hours = 8").unwrap();
    assert_eq!(s.outages.repair_hours.point(), 8.0);
    let e = with("preset = \"llama4\"").unwrap_err().to_string();
    assert!(e.contains("no outage preset named `llama4`"), "{e}");
}

#[test]
fn api_price_drift_is_applied_month_by_month_at_the_midpoint() {
    let text = r#"name = "drift"
[run]
horizon_hours = 8760
start = 2027-01-01
[model]
profile = "llama3-70b-fp8-4xh100"
[demand]
monthly_tokens = 7.3e8
[api]
output_usd_per_mtok = 10
input_usd_per_mtok = 0
price_drift_per_year = -0.2
[[strategy]]
name = "api-only"
"#;
    let s = scenario::parse(text, "t", None).unwrap();
    let engine = capsim::engine::Engine::new(&s, 1);
    let mut scratch = capsim::model::Scratch::default();
    let o = engine.trial(0, &mut scratch);
    // Flat demand of 1e6 tokens an hour at $10/M = $10 an hour, each month
    // priced at 0.8^(midpoint in years).
    let want: f64 = engine
        .calendar()
        .months
        .iter()
        .map(|m| {
            10.0 * m.hours as f64
                * 0.8f64.powf((m.first_hour as f64 + m.hours as f64 / 2.0) / 8760.0)
        })
        .sum();
    let got = o.strategies[0].api_only_cost;
    assert!((got / want - 1.0).abs() < 1e-12, "{got} vs {want}");
    assert!((o.strategies[0].total.total_cost() / want - 1.0).abs() < 1e-12);
    // Undrifted: $87,600; a 20% fall over the year costs ~10% less.
    assert!(want < 87_600.0 * 0.92 && want > 87_600.0 * 0.88, "{want}");
    let jan = &o.strategies[0].months[0];
    assert!((jan.spill_cost / (10.0 * 744.0 * 0.8f64.powf(372.0 / 8760.0)) - 1.0).abs() < 1e-12);
}

/// The named API price-drift preset reads as the distribution derived from
/// the LiteLLM price-change history; an unknown name is an error naming the
/// field and the known preset.
#[test]
fn api_price_drift_preset() {
    let text = |drift: &str| {
        format!(
            "name = \"p\"\n[model]\nprofile = \"llama3-70b-fp8-4xh100\"\n[demand]\nmonthly_tokens = 1e9\n\
             [api]\noutput_usd_per_mtok = 10\nprice_drift_per_year = {drift}\n[[strategy]]\nname = \"api-only\"\n"
        )
    };
    let preset = scenario::parse(&text("\"litellm-2023-2026\""), "t", None).unwrap();
    let explicit = scenario::parse(
        &text("{ low = -0.25, likely = 0.0, high = 0.06 }"),
        "t",
        None,
    )
    .unwrap();
    assert_eq!(
        format!("{:?}", preset.apis[0].price_drift_per_year),
        format!("{:?}", explicit.apis[0].price_drift_per_year)
    );
    let e = scenario::parse(&text("\"litellm\""), "t", None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("api.price_drift_per_year") && e.contains("known: litellm-2023-2026"),
        "{e}"
    );
}
