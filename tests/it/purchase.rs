//! Buying the 2027 generation: reserved terms priced as a discount on the
//! catalog's on-demand price (given, or built in for 1- and 3-year terms),
//! owned-server presets, and a pool whose instance holds other GPUs than
//! its profile runs on — each against its closed form or its message.

use capsim::engine::Engine;
use capsim::scenario::{self, Scenario};

use polars::prelude::*;

use crate::common::{capsim, run_dir, stderr_of};

/// aws/p6-b200.48xlarge in us-east-1, USD per instance-hour (data/gpu_instances.csv).
const P6_B200: f64 = 113.9328;

fn parse(text: &str) -> Result<Scenario, String> {
    scenario::parse(text, "test", None).map_err(|e| e.to_string())
}

/// The first strategy's GPU cost in each of `trials` trials.
fn gpu_costs(s: &Scenario, trials: u64) -> Vec<f64> {
    Engine::new(s, s.seed)
        .run(0..trials, &|| {})
        .into_iter()
        .map(|o| o.strategies[0].total.gpu_cost)
        .collect()
}

/// Flat demand for gpt-oss-120b on B200 (2 GPUs a replica), one year, with
/// `pool` as the only strategy's only pool.
fn b200(pool: &str) -> String {
    format!(
        r#"name = "t"
[run]
trials = 8
[model]
profile = "gpt-oss-120b-mxfp4-b200"
[demand]
monthly_tokens = 2e9
prompt_tokens = 1000
output_tokens = 250
[api]
model = "gpt-4o"
[[strategy]]
name = "s"
[[strategy.pool]]
{pool}
"#
    )
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

/// A reserved instance with `discount` pays the on-demand price less the
/// discount every hour: in deterministic mode the point value exactly, and
/// over random trials the mean of the discount (a PERT's mean, 0.4) within
/// the sampling error.
#[test]
fn a_reserved_discount_prices_the_on_demand_rate() {
    let pool = r#"kind = "reserved"
instance = "aws/p6-b200.48xlarge"
region = "us-east-1"
instances = 1
term_years = 1
discount = { low = 0.3, likely = 0.4, high = 0.5 }"#;
    let s = parse(&b200(pool)).unwrap();
    assert!(
        !s.warnings.iter().any(|w| w.contains("built-in discount")),
        "{:?}",
        s.warnings
    );
    let det = s.clone().deterministic();
    let cost = gpu_costs(&det, 1)[0];
    assert!(close(cost, 8760.0 * P6_B200 * 0.6), "{cost}");
    let n = 400;
    let costs = gpu_costs(&s, n);
    let fractions: Vec<f64> = costs.iter().map(|c| c / (8760.0 * P6_B200)).collect();
    let mean = fractions.iter().sum::<f64>() / n as f64;
    let sd = (fractions.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
    assert!(
        (mean - 0.6).abs() < 4.0 * sd / (n as f64).sqrt(),
        "mean paid fraction {mean} (sd {sd})"
    );
    assert!(fractions.iter().all(|f| (0.5..=0.7).contains(f)));
}

/// Without a discount or a price, a reserved pool on a row without a
/// reserved price takes the built-in discount for its term, and says so;
/// a term with no built-in discount is refused, naming the field.
#[test]
fn a_reserved_term_without_a_price_takes_the_built_in_discount() {
    for (term, discount) in [(1, 0.37), (3, 0.55)] {
        let pool = format!(
            "kind = \"reserved\"\ninstance = \"aws/p6-b200.48xlarge\"\nregion = \"us-east-1\"\ninstances = 1\nterm_years = {term}"
        );
        let s = parse(&b200(&pool)).unwrap();
        assert!(
            s.warnings
                .iter()
                .any(|w| w.contains("no reserved price for aws/p6-b200.48xlarge")
                    && w.contains("built-in discount")),
            "{:?}",
            s.warnings
        );
        let cost = gpu_costs(&s.deterministic(), 1)[0];
        let year = 8760.0 * P6_B200 * (1.0 - discount);
        // The horizon is one year: a 3-year term pays its first year in it.
        assert!(close(cost, year), "{term}y: {cost} vs {year}");
    }
    let e = parse(&b200(
        "kind = \"reserved\"\ninstance = \"aws/p6-b200.48xlarge\"\ninstances = 1\nterm_years = 2",
    ))
    .unwrap_err();
    assert!(e.contains("discount") && e.contains("1- and 3-year"), "{e}");
}

/// `discount` is refused where it means nothing: on another kind, beside a
/// price, or without a catalog instance to discount.
#[test]
fn a_discount_is_refused_where_it_means_nothing() {
    for (pool, want) in [
        (
            "kind = \"on_demand\"\ninstance = \"aws/p6-b200.48xlarge\"\nmax_instances = 1\ndiscount = 0.3",
            "only applies to reserved pools",
        ),
        (
            "kind = \"reserved\"\ninstance = \"aws/p6-b200.48xlarge\"\ninstances = 1\nprice = \"r\"\ndiscount = 0.3",
            "not both",
        ),
        (
            "kind = \"reserved\"\nreplicas = 1\ndiscount = 0.3",
            "needs instance",
        ),
        (
            "kind = \"reserved\"\ninstance = \"aws/p6-b200.48xlarge\"\ninstances = 1\ndiscount = 40",
            "0.37 for 37%",
        ),
    ] {
        let text = b200(pool).replace("[api]", "[gpu_prices]\nr = 5\n[api]");
        let e = parse(&text).unwrap_err();
        assert!(e.contains("discount") && e.contains(want), "{pool}: {e}");
    }
}

/// An owned pool naming a server preset costs its closed form with the
/// preset's likely purchase price and power (`data/owned_servers.toml`:
/// hgx-b200 $450,000, 12 kW at load, 4.5 kW idle), and a field given beside
/// the preset wins.
#[test]
fn an_owned_server_preset_costs_its_closed_form() {
    let site = "instances = 1\namortisation_years = 4\npue = 1.4\nusd_per_kwh = 0.08";
    let s = parse(&b200(&format!(
        "kind = \"owned\"\nserver = \"hgx-b200\"\n{site}"
    )))
    .unwrap()
    .deterministic();
    let pool = &s.strategies[0].pools[0];
    assert_eq!(pool.instance.as_ref().map(|i| i.gpus), Some(8));
    assert_eq!(pool.replicas, 4, "four 2-GPU replicas in an 8-GPU server");
    let run = Engine::new(&s, s.seed).run(0..1, &|| {});
    let t = &run[0].strategies[0];
    let util = t.total.served / t.total.paid_capacity;
    let power = |load: f64, idle: f64| (idle + (load - idle) * util) * 1.4 * 0.08 * 8760.0;
    let want = 450_000.0 / 4.0 + power(12.0, 4.5);
    assert!(
        (t.total.gpu_cost - want).abs() < 1e-6 * want,
        "{} vs {want}",
        t.total.gpu_cost
    );
    let own = parse(&b200(&format!(
        "kind = \"owned\"\nserver = \"HGX B200\"\npurchase_usd = 400000\npower_kw_load = 10\n{site}"
    )))
    .unwrap()
    .deterministic();
    let run = Engine::new(&own, own.seed).run(0..1, &|| {});
    let t = &run[0].strategies[0];
    let util = t.total.served / t.total.paid_capacity;
    // Idle power given with load: the node draws its load power always
    // unless idle is given too (the preset's idle goes with its load).
    let want = 400_000.0 / 4.0 + 10.0 * 1.4 * 0.08 * 8760.0;
    assert!(
        (t.total.gpu_cost - want).abs() < 1e-6 * want,
        "{} vs {want} (util {util})",
        t.total.gpu_cost
    );
}

/// A server preset is refused on another kind, beside an instance, with
/// another GPU count, when unknown (listing the presets), and when it holds
/// other GPUs than the pool's profile runs on; a catalog instance of other
/// GPUs than the profile's is warned about.
#[test]
fn a_server_preset_must_fit_the_pool() {
    for (pool, want) in [
        (
            "kind = \"reserved\"\nserver = \"hgx-b200\"\nreplicas = 1\nprice = \"r\"",
            "only applies to owned pools",
        ),
        (
            "kind = \"owned\"\nserver = \"hgx-b200\"\ninstance = \"aws/p6-b200.48xlarge\"\ninstances = 1\nusd_per_kwh = 0.1",
            "not both",
        ),
        (
            "kind = \"owned\"\nserver = \"hgx-b200\"\ngpus_per_instance = 4\ninstances = 1\nusd_per_kwh = 0.1",
            "holds 8 GPUs",
        ),
        (
            "kind = \"owned\"\nserver = \"dgx-b900\"\ninstances = 1\nusd_per_kwh = 0.1",
            "gb200-nvl72",
        ),
        (
            "kind = \"owned\"\nserver = \"mi300x-8\"\ninstances = 1\nusd_per_kwh = 0.1",
            "holds MI300X GPUs but the pool's model profile runs on",
        ),
    ] {
        let text = b200(pool).replace("[api]", "[gpu_prices]\nr = 5\n[api]");
        let e = parse(&text).unwrap_err();
        assert!(e.contains(want), "{pool}: {e}");
    }
    let a100 = "kind = \"on_demand\"\ninstance = \"aws/p4d.24xlarge\"\nregion = \"us-east-1\"\nmax_instances = 1";
    let e = parse(&b200(a100)).unwrap_err();
    assert!(
        e.contains(
            "instance: aws/p4d.24xlarge holds A100 GPUs but the pool's model profile runs on b200"
        ) && e.contains("allow_other_gpu = true"),
        "{e}"
    );
    assert!(parse(&b200(&format!("{a100}\nallow_other_gpu = true"))).is_ok());
    let same = parse(&b200(
        "kind = \"on_demand\"\ninstance = \"aws/p6-b200.48xlarge\"\nregion = \"us-east-1\"\nmax_instances = 1",
    ))
    .unwrap();
    assert!(
        !same.warnings.iter().any(|w| w.contains("holds")),
        "{:?}",
        same.warnings
    );
}

/// The shipped next-generation scenario plans from the docs' command: its
/// page names a decision, every self-hosted option by GPU (H200, B200,
/// MI355X) in plan.parquet, and the hosted API whose cache share is not
/// discounted, on stderr and in the report's notes.
#[test]
fn the_nextgen_scenario_plans_a_readable_decision() {
    let out = tempfile::tempdir().unwrap();
    let a = capsim()
        .args([
            "plan",
            "scenarios/nextgen-2027.toml",
            "--trials",
            "200",
            "-q",
            "--report",
            "--out",
        ])
        .arg(out.path())
        .assert()
        .success();
    let err = stderr_of(&a);
    assert!(
        err.contains("deepinfra-gpt-oss-120b") && err.contains("full input price"),
        "{err}"
    );
    let text = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    // The recommendation names the cheapest feasible fleet of each GPU, and
    // states a gap with the interval of that same gap (no negative bounds).
    let each = text
        .split("The cheapest feasible fleet on each GPU")
        .nth(1)
        .unwrap_or_else(|| panic!("no per-GPU sentence: {text}"));
    for gpu in [
        "MI355X: owned 8×MI355X server",
        "H200: owned 8×H200 server",
        "B200: owned 8×B200 server",
    ] {
        assert!(each.contains(gpu), "{gpu} missing: {each}");
    }
    assert!(!text.contains("(95% CI -$"), "{text}");
    let dir = run_dir(out.path());
    let page = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(page.contains("The cheapest feasible fleet on each GPU"));
    // Several APIs: the probability column says which it compares with.
    assert!(page.contains("P(cheaper than fireworks-gpt-oss-120b)"));
    assert!(
        page.contains("The recommendation"),
        "no recommendation section"
    );
    assert!(
        page.contains("full input price"),
        "the cache note is in the report"
    );
    let file = std::fs::File::open(dir.join("plan.parquet")).unwrap();
    let df = ParquetReader::new(file).finish().unwrap();
    let names: Vec<String> = df
        .column("candidate")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .map(str::to_owned)
        .collect();
    for unit in [
        "owned 8×H200 server",
        "owned 8×B200 server",
        "owned 8×MI355X server",
        "aws/p6-b200.48xlarge (8×B200)",
        "oci/BM.GPU.MI355X.8 (8×MI355X)",
    ] {
        assert!(
            names.iter().any(|n| n.contains(unit)),
            "no candidate with {unit}: {names:?}"
        );
    }
}

/// A scenario of one pool (`pool`) over `horizon` hours from `start`, with
/// no failures: every slot of a reserved or owned pool is paid every hour.
fn one_pool(start: &str, horizon: u32, pool: &str) -> Scenario {
    parse(&format!(
        r#"name = "t"
[run]
trials = 1
horizon_hours = {horizon}
start = {start}
[model]
profile = "llama3-70b-fp8-h100"
[demand]
monthly_tokens = 1e9
[api]
model = "gpt-4o"
[gpu_prices]
signed = 3.0
renewed = 2.2
[[strategy]]
name = "s"
[[strategy.pool]]
{pool}
"#
    ))
    .unwrap()
    .deterministic()
}

/// The first strategy's (GPU cost, committed after the horizon) in trial 0.
fn charged_and_owed(s: &Scenario) -> (f64, f64) {
    let run = Engine::new(s, s.seed).run(0..1, &|| {});
    let t = &run[0].strategies[0];
    (t.total.gpu_cost, t.committed_after_horizon)
}

fn a_start() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::strategy::Strategy;
    (2026i32..=2029, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}"))
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

    /// Owned amortisation is charged hour by hour: whatever the period
    /// (ending mid-month, after a leap year, shorter or longer than the
    /// horizon) and the start, amortisation charged + amortisation owed
    /// after the horizon = purchase × (1 − residual), to 1e-9.
    #[test]
    fn amortisation_charged_and_owed_is_the_depreciable_cost(
        quarter_years in 2u32..=59,
        horizon in 1u32..=87_840,
        start in a_start(),
    ) {
        let years = f64::from(quarter_years) / 4.0 + 0.013;
        let s = one_pool(&start, horizon, &format!(
            "kind = \"owned\"\ngpus_per_instance = 4\ninstances = 1\npurchase_usd = 280000\nresidual_fraction = 0.1\namortisation_years = {years}\npower_kw_load = 0\nusd_per_kwh = 0"
        ));
        let (charged, owed) = charged_and_owed(&s);
        let want = 280_000.0 * 0.9;
        proptest::prop_assert!(
            (charged + owed - want).abs() <= 1e-9 * want,
            "{years} years, {horizon} h from {start}: {charged} + {owed} vs {want}"
        );
    }

    /// A reserved term is priced hour by hour: each hour at the price of the
    /// term in force (the first at signing, renewals at `renewal_price`), so
    /// charged + owed after the horizon = the first term at the signing price
    /// + every renewal started within the horizon at the renewal price.
    #[test]
    fn reserved_terms_are_paid_hour_by_hour(
        term in proptest::sample::select(vec![1u32, 3]),
        horizon in 1u32..=87_840,
        start in a_start(),
    ) {
        let s = one_pool(&start, horizon, &format!(
            "kind = \"reserved\"\nreplicas = 1\nprice = \"signed\"\nterm_years = {term}\nrenewal_price = \"renewed\""
        ));
        let (charged, owed) = charged_and_owed(&s);
        let t = f64::from(term * 8760);
        let terms = (f64::from(horizon) / t).ceil();
        let want = 4.0 * (3.0 * t + 2.2 * t * (terms - 1.0));
        proptest::prop_assert!(
            (charged + owed - want).abs() <= 1e-9 * want,
            "{term}y, {horizon} h from {start}: {charged} + {owed} vs {want}"
        );
    }
}

/// The issue's three cases, by hand: a $280,000 server (depreciable
/// $252,000) amortised over 0.5, 1.5 and 4 years in horizons of 1, 2 and 5
/// years is charged its hours' share and owes the rest, exactly.
#[test]
fn amortisation_ending_mid_month_is_charged_by_the_hour() {
    for (years, horizon_years) in [(0.5, 1), (1.5, 2), (4.0, 5)] {
        let horizon = horizon_years * 8760;
        let s = one_pool(
            "2027-01-01",
            horizon,
            &format!(
                "kind = \"owned\"\ngpus_per_instance = 4\ninstances = 1\npurchase_usd = 280000\nresidual_fraction = 0.1\namortisation_years = {years}\npower_kw_load = 0\nusd_per_kwh = 0"
            ),
        );
        let (charged, owed) = charged_and_owed(&s);
        assert!(
            (charged - 252_000.0).abs() < 1e-6,
            "{years} over {horizon_years}: {charged}"
        );
        assert_eq!(owed, 0.0);
    }
}
