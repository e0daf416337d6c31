//! A replica larger than its instance: 16 GPUs over two 8-GPU servers, or
//! a whole 72-GPU rack. One unit is the instances of one replica: counted
//! in instances (whole units only), priced for every instance, failed by
//! the replica's GPUs and spared whole.

use capsim::engine::Engine;
use capsim::model::StrategyTotals;
use capsim::plan::{self, Grid};
use capsim::scenario::{self, Scenario};

use super::common::{capsim, run_dir};

fn parse(text: &str) -> Scenario {
    scenario::parse(text, "test", None).unwrap_or_else(|e| panic!("{e}"))
}

fn totals(s: &Scenario, trials: u64) -> Vec<Vec<StrategyTotals>> {
    Engine::new(s, s.seed)
        .run(0..trials, &|| {})
        .into_iter()
        .map(|o| o.strategies)
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// The measured 4×H100 FP8 profile run on `gpus` GPUs a replica, at fixed
/// 850 tok/s per GPU and a 0.85 ceiling; flat demand of `monthly` tokens
/// over one year; `rest` adds tables and strategies.
fn scenario_text(gpus: u32, monthly: &str, rest: &str) -> String {
    format!(
        r#"name = "multinode"
[run]
trials = 8
[model]
profile = "llama3-70b-fp8-4xh100"
gpus_per_replica = {gpus}
tok_s_per_gpu = 850
utilization_ceiling = 0.85
[demand]
monthly_tokens = {monthly}
prompt_tokens = 1000
output_tokens = 250
[api]
model = "gpt-4o"
{rest}"#
    )
}

/// Output tokens one replica of `gpus` GPUs serves in an hour.
fn replica_tokens_per_hour(gpus: u32) -> f64 {
    850.0 * f64::from(gpus) * 3600.0 * 0.85
}

/// The closed form: a 16-GPU replica over 8-GPU instances at $X an
/// instance-hour, reserved, 1 replica + 1 spare (4 instances) for a year
/// costs 4 × X × 8,760 and serves one replica's capacity; it is the same
/// fleet as 1 + 1 replicas of 16 GPUs counted in replicas, failures
/// included.
#[test]
fn a_two_instance_replica_costs_both_instances() {
    let x = 55.04; // USD per 8-GPU instance-hour
    let text = scenario_text(
        16,
        "1e12",
        &format!(
            r#"[gpu_prices]
reserved = {}
[outages]
gpu_failures_per_year = 0.5
repair_hours = 48
[[strategy]]
name = "instances"
[[strategy.pool]]
name = "hgx-pairs"
kind = "reserved"
gpus_per_instance = 8
instances = 2
spare_instances = 2
[[strategy]]
name = "replicas"
[[strategy.pool]]
kind = "reserved"
replicas = 1
spares = 1
"#,
            x / 8.0
        ),
    );
    let s = parse(&text);
    let pool = &s.strategies[0].pools[0];
    let shape = pool.instance.as_ref().unwrap();
    assert_eq!((shape.instances, shape.replicas), (2, 1));
    assert_eq!((pool.replicas, pool.spares, pool.unit_gpus), (1, 1, 16));
    assert_eq!(pool.unit_paid_gpus, 16.0);
    // Failures included, the instances are the replicas written another way.
    for trial in totals(&s, 8) {
        assert_eq!(trial[0].total, trial[1].total);
    }
    // No failures: 4 instances every hour, one replica's capacity served.
    let t = &totals(&s.deterministic(), 1)[0][0];
    let want = 4.0 * x * 8760.0;
    assert!(
        close(t.total.gpu_cost, want),
        "{} vs {want}",
        t.total.gpu_cost
    );
    assert!(
        close(t.total.served, replica_tokens_per_hour(16) * 8760.0),
        "{}",
        t.total.served
    );

    // A 12-GPU replica still takes two 8-GPU instances: 4 GPUs paid and idle.
    let odd = parse(&text.replace("gpus_per_replica = 16", "gpus_per_replica = 12"));
    let pool = &odd.strategies[0].pools[0];
    assert_eq!(
        (pool.replicas, pool.unit_gpus, pool.unit_paid_gpus),
        (1, 12, 16.0)
    );
    assert!(
        odd.warnings.iter().any(|w| w
            .contains("spans 2 instances of 8; 4 GPU(s) of its last instance are paid and idle")),
        "{:?}",
        odd.warnings
    );
}

/// An on-demand pool of catalog instances scales whole replicas: a floor
/// and ceiling of 2 p5.48xlarge is one 16-GPU replica, paid 2 × $55.04 an
/// hour; a ceiling of 4 is two replicas.
#[test]
fn on_demand_scales_whole_replicas_of_instances() {
    let s = parse(&scenario_text(
        16,
        "1e12",
        r#"[[strategy]]
name = "p5"
[[strategy.pool]]
kind = "on_demand"
instance = "aws/p5.48xlarge"
region = "us-east-1"
min_instances = 2
max_instances = 4
startup_lag_hours = 0
"#,
    ))
    .deterministic();
    let pool = &s.strategies[0].pools[0];
    assert_eq!(
        (
            pool.replicas,
            pool.max_replicas,
            pool.unit_replicas,
            pool.unit_gpus
        ),
        (1, 2, 1, 16)
    );
    let t = &totals(&s, 1)[0][0];
    // Demand far above two replicas: both units run all year.
    let want = 4.0 * 55.04 * 8760.0;
    assert!(
        close(t.total.gpu_cost, want),
        "{} vs {want}",
        t.total.gpu_cost
    );
    assert!(close(
        t.total.served,
        2.0 * replica_tokens_per_hour(16) * 8760.0
    ));
}

/// Owned NVL72: one 72-GPU node holding one 72-GPU replica pays one node's
/// amortisation, power and colocation; at r failures per GPU-year its
/// replica fails 72·r times a year (each outage one hour, counted from the
/// capacity lost; the mean within 4 Poisson standard errors).
#[test]
fn a_rack_replica_is_one_owned_node_and_fails_by_all_its_gpus() {
    let r = 0.05;
    let text = scenario_text(
        72,
        "1e13",
        &format!(
            r#"[outages]
gpu_failures_per_year = {r}
repair_hours = 1
[[strategy]]
name = "nvl72"
[[strategy.pool]]
name = "gb200-rack"
kind = "owned"
gpus_per_instance = 72
instances = 1
purchase_usd = 3500000
amortisation_years = 4
power_kw_load = 132
usd_per_kwh = 0.08
pue = 1.3
colo_usd_per_month = 20000
"#
        ),
    );
    let s = parse(&text);
    let pool = &s.strategies[0].pools[0];
    assert_eq!(
        (pool.replicas, pool.unit_gpus, pool.unit_paid_gpus),
        (1, 72, 72.0)
    );
    let det = s.deterministic();
    let t = &totals(&det, 1)[0][0];
    let want = 3_500_000.0 / 4.0 + 132.0 * 1.3 * 0.08 * 8760.0 + 20_000.0 * 12.0;
    assert!(
        (t.total.gpu_cost - want).abs() < 1e-6 * want,
        "{} vs {want}",
        t.total.gpu_cost
    );
    let rcap = replica_tokens_per_hour(72);
    assert!(close(t.total.served, rcap * 8760.0), "{}", t.total.served);

    let trials = 400;
    let outages: Vec<f64> = totals(&s, trials)
        .iter()
        .map(|t| (8760.0 - t[0].total.served / rcap).round())
        .collect();
    let mean = outages.iter().sum::<f64>() / trials as f64;
    let lambda = 72.0 * r;
    let se = (lambda / trials as f64).sqrt();
    assert!(
        (mean - lambda).abs() < 4.0 * se,
        "{mean} outages a year vs {lambda} ± {se}"
    );
}

/// A replica over two nodes pays two nodes' costs.
#[test]
fn an_owned_replica_over_two_nodes_pays_both() {
    let s = parse(&scenario_text(
        16,
        "1e12",
        r#"[[strategy]]
name = "own"
[[strategy.pool]]
kind = "owned"
gpus_per_instance = 8
instances = 4
purchase_usd = 300000
amortisation_years = 5
power_kw_load = 10
usd_per_kwh = 0.1
pue = 1.5
colo_usd_per_month = 2000
"#,
    ))
    .deterministic();
    assert_eq!(s.strategies[0].pools[0].replicas, 2);
    let t = &totals(&s, 1)[0][0];
    let node = 300_000.0 / 5.0 + 10.0 * 1.5 * 0.1 * 8760.0 + 2000.0 * 12.0;
    assert!(
        (t.total.gpu_cost - 4.0 * node).abs() < 1e-6 * node,
        "{}",
        t.total.gpu_cost
    );
}

/// Counts that are not whole replicas are refused, naming the field and
/// the nearest valid counts.
#[test]
fn instances_must_be_whole_replicas() {
    let cases = [
        ("instances = 3", "strategy[0].pool[0].instances", "(2 or 4)"),
        ("instances = 1", "strategy[0].pool[0].instances", "(2)"),
        (
            "instances = 2\nspare_instances = 1",
            "strategy[0].pool[0].spare_instances",
            "(2)",
        ),
    ];
    for (counts, field, nearest) in cases {
        let text = scenario_text(
            16,
            "1e10",
            &format!(
                "[gpu_prices]\nreserved = 2.4\n[[strategy]]\nname = \"r\"\n[[strategy.pool]]\nkind = \"reserved\"\ngpus_per_instance = 8\n{counts}\n"
            ),
        );
        let e = scenario::parse(&text, "test", None)
            .unwrap_err()
            .to_string();
        assert!(e.contains(field), "{e}");
        assert!(e.contains("spans 2 instances of 8 GPUs"), "{e}");
        assert!(e.contains(nearest), "{e}");
    }
    let od = scenario_text(
        16,
        "1e10",
        "[[strategy]]\nname = \"od\"\n[[strategy.pool]]\nkind = \"on_demand\"\ninstance = \"aws/p5.48xlarge\"\nmin_instances = 2\nmax_instances = 5\n",
    );
    let e = scenario::parse(&od, "test", None).unwrap_err().to_string();
    assert!(e.contains("max_instances"), "{e}");
    assert!(e.contains("(4 or 6)"), "{e}");
}

/// `capsim plan` steps committed counts in whole replicas: ×n is n units
/// of two instances.
#[test]
fn plan_counts_whole_replicas() {
    let s = parse(&scenario_text(
        16,
        "2e10",
        "[gpu_prices]\nreserved = 2.4\n[[strategy]]\nname = \"r\"\n[[strategy.pool]]\nkind = \"reserved\"\ngpus_per_instance = 8\ninstances = 2\n",
    ));
    let grid = Grid {
        max_committed: 3,
        on_demand_ceilings: vec![],
        max_spot: 0,
        stage_hours: 0,
    };
    let cands = plan::candidates(&s, &grid);
    let fleets: Vec<_> = cands.iter().filter(|c| !c.buys_nothing()).collect();
    assert_eq!(fleets.len(), 3);
    for (n, c) in (1..).zip(&fleets) {
        let (label, units) = c.committed.clone().unwrap();
        assert_eq!(units, n);
        assert_eq!(label, "reserved 2 × 8×H100 servers");
        let p = &c.strategy.pools[0];
        assert_eq!((p.replicas, p.unit_paid_gpus), (n, 16.0));
    }
}

/// The 16-GPU scenario the command-line tests run: a reserved pool of
/// 8-GPU instance pairs against on-demand p5 pairs.
fn cli_scenario() -> String {
    scenario_text(
        16,
        "3e10",
        r#"[gpu_prices]
reserved = 4.0
[outages]
gpu_failures_per_year = 0.5
[[strategy]]
name = "reserved-pairs"
[[strategy.pool]]
name = "hgx-pair-pool"
kind = "reserved"
gpus_per_instance = 8
instances = 2
spare_instances = 2
[[strategy]]
name = "p5-on-demand"
[[strategy.pool]]
name = "p5-pair-pool"
kind = "on_demand"
instance = "aws/p5.48xlarge"
region = "us-east-1"
max_instances = 4
"#,
    )
}

/// `run`, `compare`, `size` and `plan` each run a scenario of 16-GPU
/// replicas over 8-GPU instances: run.json of run and compare records the
/// pool by name with its two-instance unit, and the terminal names the strategies (run,
/// compare) or the units bought (size, plan).
#[test]
fn commands_run_a_multinode_scenario() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("multinode.toml");
    std::fs::write(&path, cli_scenario()).unwrap();
    let path = path.to_str().unwrap();
    for (cmd, extra, want) in [
        ("run", vec![], "reserved-pairs"),
        ("compare", vec![], "p5-on-demand"),
        ("size", vec!["--replicas", "0,1,2"], "reserved-pairs ×2"),
        (
            "plan",
            vec!["--max-committed", "2"],
            "reserved 2 × 8×H100 servers ×1",
        ),
    ] {
        let out_dir = d.path().join(cmd);
        let out = capsim()
            .args([cmd, path, "--trials", "20"])
            .args(&extra)
            .arg("--out")
            .arg(&out_dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(want), "{cmd}: no `{want}` in\n{text}");
        let info: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(run_dir(&out_dir).join("run.json")).unwrap(),
        )
        .unwrap();
        if !matches!(cmd, "run" | "compare") {
            continue; // size and plan record the strategies they built
        }
        let pool = &info["scenario"]["strategies"][0]["pools"][0];
        assert_eq!(pool["name"], "hgx-pair-pool", "{cmd}");
        assert_eq!(pool["instance"]["instances"], 2, "{cmd}");
        assert_eq!(pool["replicas"], 1, "{cmd}");
    }
}

/// Serving-model replicas larger than a server: DeepSeek-R1 FP4 over a
/// whole GB200 NVL72 (72 GPUs, one owned rack, composed in `[model]`) and
/// FP8 over two 8×H200 servers (16 GPUs, DEP16, a pool's own profile) run
/// through `run`, `compare` and `plan`, each a unit of its own.
#[test]
fn serving_model_replicas_of_16_and_72_gpus_run_everywhere() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("dsr1-h200-16.toml"),
        r#"name = "dsr1-h200-16"
source = "test: DeepSeek-R1 FP8 over two 8xH200 servers, DEP16"
architecture = "deepseek-r1"
hardware = "H200"
weights_dtype = "fp8"
gpus_per_replica = 16
parallel = "dep"
utilization_ceiling = 0.85
"#,
    )
    .unwrap();
    let path = d.path().join("racks.toml");
    std::fs::write(
        &path,
        r#"name = "racks"
[run]
trials = 20
[model]
hardware = "GB200"
architecture = "DeepSeek-R1"
precision = "fp4"
gpus_per_replica = 72
parallel = "dep"
[demand]
monthly_tokens = 2e11
prompt_tokens = 2000
output_tokens = 500
cached_prompt_fraction = 0.6
[api]
output_usd_per_mtok = 2.19
input_usd_per_mtok = 0.55
cached_input_usd_per_mtok = 0.14
[outages]
gpu_failures_per_year = 0.1
[gpu_prices]
reserved = 3.0
[[strategy]]
name = "owned-nvl72"
[[strategy.pool]]
name = "rack"
kind = "owned"
gpus_per_instance = 72
instances = 1
purchase_usd = 3000000
power_kw_load = 120
power_kw_idle = 40
usd_per_kwh = 0.1
colo_usd_per_month = 5000
[[strategy]]
name = "h200-pairs"
[[strategy.pool]]
name = "two-servers"
kind = "reserved"
profile = "dsr1-h200-16.toml"
gpus_per_instance = 8
instances = 2
"#,
    )
    .unwrap();
    let path = path.to_str().unwrap();
    for (cmd, extra) in [
        ("run", vec![]),
        ("compare", vec![]),
        ("plan", vec!["--max-committed", "2"]),
    ] {
        let out_dir = d.path().join(cmd);
        let out = capsim()
            .args([cmd, path, "--trials", "20"])
            .args(&extra)
            .arg("--out")
            .arg(&out_dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if cmd == "plan" {
            continue;
        }
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("owned-nvl72") && text.contains("h200-pairs"),
            "{cmd}: {text}"
        );
        // Each pool named by its unit's GPUs and, the profiles serving
        // two formats of DeepSeek-R1, by its model.
        for want in [
            "owned-nvl72: owned 72×GB200 rack [deepseek-r1 NVFP4] ×1",
            "h200-pairs: reserved 2 × 8×H200 servers [deepseek-r1 FP8] ×1",
        ] {
            assert!(text.contains(want), "{cmd}: no `{want}` in\n{text}");
        }
        let info: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(run_dir(&out_dir).join("run.json")).unwrap(),
        )
        .unwrap();
        let pools = &info["scenario"]["strategies"];
        assert_eq!(pools[0]["pools"][0]["unit_gpus"], 72, "{cmd}");
        assert_eq!(pools[1]["pools"][0]["unit_gpus"], 16, "{cmd}");
        assert_eq!(pools[1]["pools"][0]["instance"]["instances"], 2, "{cmd}");
    }
}
