//! Pools are named by what they buy and serve: the unit with its GPUs
//! (`owned 8×H100 server`, `on-demand aws/p5.48xlarge (8×H100)`), and the
//! model, once for the scenario when every pool serves one, else in each
//! label; in `plan`'s candidates, the terminal, run.json, plan.parquet and
//! report.html.

use std::fs::File;
use std::path::Path;

use polars::prelude::*;

use crate::common::{capsim, run_dir};
use capsim::plan::{self, Grid};
use capsim::scenario::{self, Scenario};

/// Two strategies on different profiles: a reserved pool of `[model]`
/// (llama3-70b-fp8-h100, counted in replicas) and an owned 8-GPU server of
/// profile `other`.
fn two_profiles(other: &str) -> String {
    format!(
        r#"name = "two-profiles"
[run]
trials = 20
[model]
profile = "llama3-70b-fp8-h100"
[demand]
monthly_tokens = 5e9
prompt_tokens = 1500
output_tokens = 250
[api]
model = "gpt-4o"
[gpu_prices]
reserved = 2.4
[[strategy]]
name = "rented"
[[strategy.pool]]
kind = "reserved"
replicas = 2
[[strategy]]
name = "bought"
[[strategy.pool]]
kind = "owned"
profile = "{other}"
gpus_per_instance = 8
instances = 1
purchase_usd = 300000
power_kw_load = 10
usd_per_kwh = 0.1
"#
    )
}

fn parse(text: &str) -> Scenario {
    scenario::parse(text, "names-test", None).unwrap_or_else(|e| panic!("{e}"))
}

/// Every pool's label, strategy by strategy.
fn labels(s: &Scenario) -> Vec<String> {
    s.strategies
        .iter()
        .flat_map(|st| st.pools.iter().map(|p| s.pool_label(p)))
        .collect()
}

fn all_unique(names: &[String]) -> bool {
    let mut v = names.to_vec();
    v.sort();
    v.dedup();
    v.len() == names.len()
}

/// buy-or-rent-2027's owned pool is an 8×H100 server, its on-demand pool a
/// p5.48xlarge of 8 H100s, and plan's candidates say so with their counts.
#[test]
fn plan_names_the_gpus_of_buy_or_rent() {
    let s = scenario::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/buy-or-rent-2027.toml"
    )))
    .unwrap();
    let cands = plan::candidates(&s, &Grid::default());
    let owned = cands
        .iter()
        .filter_map(|c| c.committed.as_ref())
        .find(|(l, _)| l.starts_with("owned"))
        .expect("an owned option");
    assert_eq!(owned.0, "owned 8×H100 server");
    let names: Vec<String> = cands.iter().map(|c| c.strategy.name.clone()).collect();
    assert!(
        names
            .iter()
            .any(|n| n == "owned 8×H100 server ×1 + on-demand aws/p5.48xlarge (8×H100) ≤6"),
        "{names:#?}"
    );
    assert!(
        names
            .iter()
            .any(|n| n == "reserved (aws_reserved_3y, 3y term) aws/p5.48xlarge (8×H100) ×2"),
        "{names:#?}"
    );
    assert!(all_unique(&names), "{names:#?}");
    assert_eq!(
        s.models_line().as_deref(),
        Some("Every pool serves llama3-70b FP8 (profile llama3-70b-fp8-h100).")
    );
}

/// Two profiles of one model (Llama 3 70B FP8 on H100 and on H200): the
/// units tell the GPUs apart and one line names the model and both
/// profiles; labels carry no model.
#[test]
fn one_model_on_two_gpus_is_named_once() {
    let s = parse(&two_profiles("llama3-70b-fp8-h200"));
    assert_eq!(
        labels(&s),
        ["reserved 4×H100 replica", "owned 8×H200 server"]
    );
    assert_eq!(
        s.models_line().as_deref(),
        Some(
            "Every pool serves llama3-70b FP8 (profiles llama3-70b-fp8-h100, llama3-70b-fp8-h200)."
        )
    );
}

/// Two models (Llama 3 70B FP8 on H100, gpt-oss-120b MXFP4 on B200): each
/// label names its model, there is no line for one model, and plan's
/// candidates are unique and carry the models.
#[test]
fn two_models_are_named_in_each_label() {
    let s = parse(&two_profiles("gpt-oss-120b-mxfp4-b200"));
    assert_eq!(
        labels(&s),
        [
            "reserved 4×H100 replica [llama3-70b FP8]",
            "owned 8×B200 server [gpt-oss-120b MXFP4]"
        ]
    );
    assert_eq!(s.models_line(), None);
    let names: Vec<String> = plan::candidates(&s, &Grid::default())
        .iter()
        .map(|c| c.strategy.name.clone())
        .collect();
    assert!(all_unique(&names), "{names:#?}");
    assert!(
        names
            .iter()
            .any(|n| n == "owned 8×B200 server [gpt-oss-120b MXFP4] ×2"),
        "{names:#?}"
    );
}

/// Two profiles of one model on one GPU and one instance (TP8 composed in
/// `[model]`, TP4 from a profile) differ only by profile: the labels name
/// it, so plan keeps them as two options.
#[test]
fn profiles_alike_but_for_layout_stay_apart() {
    let s = parse(
        r#"name = "two-layouts"
[model]
hardware = "H100"
architecture = "llama3-70b"
precision = "fp8"
gpus_per_replica = 8
[demand]
monthly_tokens = 5e9
prompt_tokens = 1500
output_tokens = 250
[api]
model = "gpt-4o"
[gpu_prices]
reserved = 4.0
[[strategy]]
name = "tp8"
[[strategy.pool]]
kind = "reserved"
instance = "aws/p5.48xlarge"
price = "reserved"
instances = 1
[[strategy]]
name = "tp4"
[[strategy.pool]]
kind = "reserved"
profile = "llama3-70b-fp8-h100"
instance = "aws/p5.48xlarge"
price = "reserved"
instances = 1
"#,
    );
    let l = labels(&s);
    assert_eq!(
        l[1],
        "reserved aws/p5.48xlarge (8×H100) [profile llama3-70b-fp8-h100]"
    );
    assert!(
        l[0].starts_with("reserved aws/p5.48xlarge (8×H100) [profile llama3-70b-fp8-8xh100"),
        "{l:?}"
    );
    let grid = Grid {
        max_committed: 1,
        on_demand_ceilings: vec![],
        max_spot: 0,
        stage_hours: 0,
    };
    let fleets = plan::candidates(&s, &grid)
        .iter()
        .filter(|c| !c.buys_nothing())
        .count();
    assert_eq!(fleets, 2);
}

/// `run` and `compare` list each strategy's pools under their table, and
/// report.html has a pools table with each pool's GPU and model, and the
/// line for one model.
#[test]
fn terminal_and_report_name_every_pools_model() {
    let d = tempfile::tempdir().unwrap();
    for (other, cmd, want) in [
        (
            "gpt-oss-120b-mxfp4-b200",
            "compare",
            vec![
                "  rented: reserved 4×H100 replica [llama3-70b FP8] ×2",
                "  bought: owned 8×B200 server [gpt-oss-120b MXFP4] ×1",
            ],
        ),
        (
            "llama3-70b-fp8-h200",
            "run",
            vec![
                "  rented: reserved 4×H100 replica ×2",
                "  bought: owned 8×H200 server ×1",
                "Every pool serves llama3-70b FP8 (profiles llama3-70b-fp8-h100, llama3-70b-fp8-h200).",
            ],
        ),
    ] {
        let path = d.path().join(format!("{cmd}.toml"));
        std::fs::write(&path, two_profiles(other)).unwrap();
        let out_dir = d.path().join(cmd);
        let out = capsim()
            .args([cmd, path.to_str().unwrap(), "--trials", "20", "--report"])
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
        for w in &want {
            assert!(text.contains(w), "{cmd}: no `{w}` in\n{text}");
        }
        let dir = run_dir(&out_dir);
        let info: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap();
        let pools = info["pools"].as_array().unwrap();
        assert_eq!(pools.len(), 2);
        assert_eq!(pools[1]["strategy"], "bought");
        assert_eq!(
            pools[1]["replicas_per_unit"],
            8 / pools[1]["gpus_per_replica"].as_u64().unwrap()
        );
        let page = std::fs::read_to_string(dir.join("report.html")).unwrap();
        assert!(page.contains("<h2>The pools</h2>"), "{cmd}");
        let gpu = if other.contains("b200") {
            "B200"
        } else {
            "H200"
        };
        let model = if other.contains("gpt-oss") {
            "gpt-oss-120b MXFP4"
        } else {
            "llama3-70b FP8"
        };
        for w in [
            "<td>H100</td>".to_owned(),
            format!("<td>{gpu}</td>"),
            "<td>llama3-70b FP8</td>".to_owned(),
            format!("<td>{model}</td>"),
            format!("<td>8×{gpu} server</td>"),
            "<td>4×H100 replica</td>".to_owned(),
        ] {
            assert!(page.contains(&w), "{cmd}: no `{w}` in report.html");
        }
        assert_eq!(
            page.contains("Every pool serves llama3-70b FP8"),
            cmd == "run",
            "{cmd}"
        );
    }
}

/// plan.parquet's option columns hold the labels.
#[test]
fn plan_parquet_holds_the_labels() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("s.toml");
    std::fs::write(&path, two_profiles("llama3-70b-fp8-h200")).unwrap();
    let out = capsim()
        .args([
            "plan",
            path.to_str().unwrap(),
            "--trials",
            "20",
            "--quiet",
            "--max-committed",
            "1",
            "--on-demand",
            "0",
            "--max-spot",
            "0",
        ])
        .arg("--out")
        .arg(d.path().join("out"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = run_dir(&d.path().join("out"));
    let df = ParquetReader::new(File::open(dir.join("plan.parquet")).unwrap())
        .finish()
        .unwrap();
    let opts: Vec<String> = df
        .column("committed_option")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .map(str::to_owned)
        .collect();
    assert_eq!(opts, ["reserved 4×H100 replica", "owned 8×H200 server"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("owned 8×H200 server ×1")
            && text.contains("Every pool serves llama3-70b FP8"),
        "{text}"
    );
}

/// Counts follow the label: units with spares, an on-demand floor and
/// ceiling, a ceiling alone, and a price named after the kind with its term.
#[test]
fn strategies_are_named_by_their_pools_and_counts() {
    let s = scenario::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/realistic-2027.toml"
    )))
    .unwrap();
    let fleets: Vec<(String, String)> = s
        .strategies
        .iter()
        .map(|st| (st.name.clone(), s.fleet_label(&st.pools)))
        .collect();
    let want = [
        ("reserved-2", "reserved 4×H100 replica ×2 + 1 spare"),
        (
            "reserved-3y",
            "reserved_3y (3y term) 4×H100 replica ×2 + 1 spare",
        ),
        ("on-demand", "on-demand 4×H100 replica 1–6"),
        (
            "reserved+on-demand",
            "reserved 4×H100 replica ×2 + on-demand 4×H100 replica ≤4",
        ),
        ("spot+api", "spot 4×H100 replica ×3"),
        ("api-only", ""),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(fleets, want);
    // An on-demand pool whose floor is its ceiling runs that many: ×1.
    let seed = scenario::builtin_seed();
    assert_eq!(
        seed.fleet_label(&seed.strategies[1].pools),
        "on-demand 4×H100 replica ×1"
    );
}
