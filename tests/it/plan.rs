//! `capsim plan`: the search finds known optima, respects constraints,
//! buys nothing when the API wins, keeps only non-dominated candidates on
//! the frontier, and every candidate's figures are a plain run's.

use capsim::engine::Engine;
use capsim::plan::{self, Constraints, Grid};
use capsim::scenario::{self, Scenario};

/// One measured 4-GPU replica serves 850 tok/s per GPU at a ceiling of 1:
/// 12.24 M output tokens an hour. Flat demand of `replicas_of_demand`
/// replicas' worth; reserved at $1.60 per GPU-hour ($6.40 a replica-hour);
/// the API at `api` USD per million output tokens (no input tokens).
fn scenario(replicas_of_demand: f64, api: f64, extra: &str) -> Scenario {
    let monthly = replicas_of_demand * 12.24e6 * 730.0;
    let text = format!(
        r#"name = "plan-test"
[run]
trials = 200
[model]
profile = "llama3-70b-fp8-4xh100"
tok_s_per_gpu = 850
utilization_ceiling = 1.0
[demand]
monthly_tokens = {monthly}
input_per_output = 0
{extra}
[api]
output_usd_per_mtok = {api}
[gpu_prices]
reserved = 1.6
on_demand = 2.5
[[strategy]]
name = "r"
[[strategy.pool]]
kind = "reserved"
replicas = 1
[[strategy]]
name = "od"
[[strategy.pool]]
kind = "on_demand"
max_replicas = 2
"#
    );
    scenario::parse(&text, "plan-test", None).unwrap_or_else(|e| panic!("{e}"))
}

fn search(s: &Scenario, trials: u64, c: Constraints) -> plan::Plan {
    let grid = Grid {
        max_committed: 4,
        on_demand_ceilings: vec![],
        max_spot: 0,
    };
    plan::search(
        s,
        plan::candidates(s, &grid),
        s.seed,
        trials,
        c,
        1000,
        1000,
        0.02,
    )
}

/// Deterministic, one reserved option: the cost of n replicas is
/// n × $6.40 × 8,760 + the spill at the API's price, so with demand of 2.6
/// replicas and a $10/M API three replicas are best; plan finds them, at
/// their closed-form cost.
#[test]
fn finds_the_closed_form_best_fleet() {
    let s = scenario(2.6, 10.0, "").deterministic();
    let p = search(&s, 4, Constraints::default());
    let names: Vec<&str> = p
        .rows
        .iter()
        .map(|r| r.candidate.strategy.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "reserved 4×H100 replica ×1",
            "reserved 4×H100 replica ×2",
            "reserved 4×H100 replica ×3",
            "reserved 4×H100 replica ×4",
            "buy nothing (api)"
        ]
    );
    let hourly = 12.24e6;
    let cost =
        |n: f64| n * 6.4 * 8760.0 + (2.6 * hourly - n * hourly).max(0.0) * 8760.0 * 10.0 / 1e6;
    for (n, r) in (1..=4).zip(&p.rows) {
        let want = cost(f64::from(n));
        assert!(
            (r.cost.mean - want).abs() < 1e-6 * want,
            "×{n}: {} vs {want}",
            r.cost.mean
        );
    }
    let pick = p.pick.unwrap();
    assert_eq!(
        p.rows[pick].candidate.strategy.name,
        "reserved 4×H100 replica ×3"
    );
    assert_eq!(
        p.rows[pick].candidate.committed,
        Some(("reserved 4×H100 replica".into(), 3))
    );
}

/// With noise and a tight limit on hours short, the pick always meets it,
/// and feasibility is exactly the limit.
#[test]
fn never_recommends_an_infeasible_fleet() {
    let s = scenario(2.0, 10.0, "noise_sigma = 0.4\nnoise_autocorrelation = 0.5");
    for limit in [0.0, 50.0, 500.0] {
        let c = Constraints {
            max_hours_short: Some(limit),
            ..Constraints::default()
        };
        let p = search(&s, 200, c);
        for r in &p.rows {
            let ok = r.hours_short_per_year.is_none_or(|h| h <= limit);
            assert_eq!(r.feasible(), ok, "{}", r.candidate.strategy.name);
        }
        let pick = &p.rows[p.pick.expect("buying nothing is always feasible here")];
        assert!(pick.feasible());
        assert!(pick.hours_short_per_year.is_none_or(|h| h <= limit));
    }
    // A budget nothing meets: no recommendation, and the words say so.
    let c = Constraints {
        budget: Some(1.0),
        max_prob_over_budget: 0.05,
        ..Constraints::default()
    };
    let p = search(&s, 100, c);
    assert_eq!(p.pick, None);
    assert!(capsim::report::terminal::plan_recommendation(&p).starts_with("No candidate meets"));
}

/// An API far cheaper than any replica: buy nothing.
#[test]
fn a_very_cheap_api_means_buying_nothing() {
    let s = scenario(2.0, 0.01, "");
    let p = search(&s, 100, Constraints::default());
    let pick = &p.rows[p.pick.unwrap()];
    assert!(
        pick.candidate.buys_nothing(),
        "{}",
        pick.candidate.strategy.name
    );
    let words = capsim::report::terminal::plan_recommendation(&p);
    assert!(
        words.starts_with("Buy nothing: send everything to api"),
        "{words}"
    );
}

/// The frontier holds exactly the feasible candidates no other feasible one
/// beats on both mean cost and CVaR95; and each candidate's figures equal a
/// plain run of that fleet alone, on the same seed and trials.
#[test]
fn the_frontier_is_non_dominated_and_figures_are_plain_runs() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/realistic-2027.toml"
    ))
    .unwrap();
    let s = scenario::parse(&text, "realistic", None).unwrap();
    let grid = Grid {
        max_committed: 3,
        on_demand_ceilings: vec![2, 4, 6],
        max_spot: 1,
    };
    let trials = 60;
    let p = plan::search(
        &s,
        plan::candidates(&s, &grid),
        11,
        trials,
        Constraints::default(),
        1000,
        1000,
        0.02,
    );
    assert!(p.rows.len() >= 48, "{} candidates", p.rows.len());
    let feasible: Vec<&plan::Evaluated> = p.rows.iter().filter(|r| r.feasible()).collect();
    let dominates = |a: &plan::Evaluated, b: &plan::Evaluated| {
        a.cost.mean <= b.cost.mean
            && a.cost.cvar95 <= b.cost.cvar95
            && (a.cost.mean < b.cost.mean || a.cost.cvar95 < b.cost.cvar95)
    };
    for r in &feasible {
        let dominated = feasible.iter().any(|o| dominates(o, r));
        if r.on_frontier {
            assert!(
                !dominated,
                "{} is on the frontier but dominated",
                r.candidate.strategy.name
            );
        } else {
            // Off the frontier: dominated, or tied with a frontier member.
            assert!(
                dominated
                    || feasible.iter().any(|o| o.on_frontier
                        && o.cost.mean == r.cost.mean
                        && o.cost.cvar95 == r.cost.cvar95),
                "{} is off the frontier but not dominated",
                r.candidate.strategy.name
            );
        }
    }
    for i in [0, p.rows.len() / 2, p.rows.len() - 1] {
        let r = &p.rows[i];
        let mut alone = s.clone();
        alone.strategies = vec![r.candidate.strategy.clone()];
        let costs: Vec<f64> = Engine::new(&alone, 11)
            .run(0..trials, &|| {})
            .iter()
            .map(|o| o.strategies[0].total.total_cost())
            .collect();
        let plain = capsim::stats::summarise(&costs).unwrap();
        assert_eq!(plain.mean, r.cost.mean, "{}", r.candidate.strategy.name);
        assert_eq!(plain.cvar95, r.cost.cvar95, "{}", r.candidate.strategy.name);
    }
}

/// The search halves: after a first round, dropped candidates keep their
/// first-round figures (and say how many trials), and the ones kept have
/// the figures of the full search.
#[test]
fn halving_keeps_the_full_figures_of_survivors() {
    let s = scenario(2.6, 10.0, "noise_sigma = 0.3");
    let c = Constraints::default();
    let grid = Grid {
        max_committed: 4,
        on_demand_ceilings: vec![2, 4],
        max_spot: 0,
    };
    let full = plan::search(&s, plan::candidates(&s, &grid), 3, 300, c, 1000, 1000, 0.02);
    let halved = plan::search(&s, plan::candidates(&s, &grid), 3, 300, c, 4, 100, 0.02);
    assert!(halved.first_round == Some(100));
    let mut kept = 0;
    for (a, b) in full.rows.iter().zip(&halved.rows) {
        if b.trials == 300 {
            kept += 1;
            assert_eq!(a.cost.mean, b.cost.mean);
        } else {
            assert_eq!(b.trials, 100);
        }
    }
    assert!(kept > 0 && kept < full.rows.len(), "{kept}");
    assert_eq!(
        full.rows[full.pick.unwrap()].candidate.strategy.name,
        halved.rows[halved.pick.unwrap()].candidate.strategy.name
    );
}

/// A plan in which nothing meets the constraints runs to the end, keeps its
/// run folder with plan.parquet, says so, and exits with status 3 (the one
/// status docs/limits.md gives for it), as does `size`.
#[test]
fn nothing_feasible_exits_three_with_the_run_kept() {
    let out = tempfile::tempdir().unwrap();
    let a = crate::common::capsim()
        .args([
            "plan",
            "scenarios/buy-or-rent-2027.toml",
            "--trials",
            "60",
            "-q",
            "--budget",
            "1",
            "--out",
        ])
        .arg(out.path())
        .assert()
        .code(3);
    let text = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    assert!(
        text.contains("No candidate meets the constraints"),
        "{text}"
    );
    assert!(crate::common::stderr_of(&a).contains("no candidate meets the constraints"));
    let dir = crate::common::run_dir(out.path());
    assert!(dir.join("plan.parquet").is_file());
    let out = tempfile::tempdir().unwrap();
    crate::common::capsim()
        .args([
            "size",
            "scenarios/realistic-2027.toml",
            "--replicas",
            "0,1",
            "--trials",
            "60",
            "-q",
            "--budget",
            "1",
            "--out",
        ])
        .arg(out.path())
        .assert()
        .code(3);
    assert!(
        crate::common::run_dir(out.path())
            .join("compare.parquet")
            .is_file()
    );
    // A feasible plan still exits 0.
    let out = tempfile::tempdir().unwrap();
    crate::common::capsim()
        .args([
            "plan",
            "scenarios/buy-or-rent-2027.toml",
            "--trials",
            "60",
            "-q",
            "--out",
        ])
        .arg(out.path())
        .assert()
        .success();
}

/// Under halving, every candidate's mean regret is against the same set of
/// candidates in every trial it averages: the first round's trials, where
/// all were evaluated — equal to the regret of a search on those trials
/// alone (survivors' later trials, compared with a dozen, do not count).
#[test]
fn regret_under_halving_compares_every_trial_with_every_candidate() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/realistic-2027.toml"
    ))
    .unwrap();
    let s = scenario::parse(&text, "realistic", None).unwrap();
    let grid = Grid {
        max_committed: 3,
        on_demand_ceilings: vec![2, 4],
        max_spot: 1,
    };
    let run = |trials: u64, halve_above: usize| {
        plan::search(
            &s,
            plan::candidates(&s, &grid),
            5,
            trials,
            Constraints::default(),
            halve_above,
            20,
            0.02,
        )
    };
    let halved = run(60, 8);
    assert_eq!(halved.first_round, Some(20), "the search halved");
    assert!(halved.rows.iter().any(|r| r.trials == 60));
    let first_round = run(20, 100_000);
    for (a, b) in halved.rows.iter().zip(&first_round.rows) {
        assert_eq!(a.candidate.strategy.name, b.candidate.strategy.name);
        assert!(
            (a.regret_mean - b.regret_mean).abs() <= 1e-9 * b.regret_mean.abs().max(1.0),
            "{}: {} vs {}",
            a.candidate.strategy.name,
            a.regret_mean,
            b.regret_mean
        );
    }
}

/// A spot pool and an on-demand pool with a 2-hour start-up lag, written
/// in both orders as strategies of their own.
const TWO_ORDERS: &str = r#"name = "plan-orders"
[run]
trials = 300
seed = 35
[model]
profile = "llama3-70b-fp8-4xh100"
tok_s_per_gpu = 850
utilization_ceiling = 1.0
[demand]
# 0.9 replicas' worth a month on average, wandering above one replica.
monthly_tokens = 8.04e9
input_per_output = 0
noise_sigma = 0.3
noise_autocorrelation = 0.9
[api]
output_usd_per_mtok = 10
[gpu_prices]
on_demand = 2.5
spot = 1.0
[[strategy]]
name = "on-demand, then spot"
[[strategy.pool]]
kind = "on_demand"
max_replicas = 2
startup_lag_hours = 2
[[strategy.pool]]
kind = "spot"
replicas = 1
interruptions_per_month = 4
interruption_hours = 6
[[strategy]]
name = "spot, then on-demand"
[[strategy.pool]]
kind = "spot"
replicas = 1
interruptions_per_month = 4
interruption_hours = 6
[[strategy.pool]]
kind = "on_demand"
max_replicas = 2
startup_lag_hours = 2
"#;

/// A fleet of on-demand and spot is searched in both serving orders, each
/// named and marked in plan.parquet, and each with exactly the figures of a
/// plain run of the strategy that lists its pools in that order (the
/// scenario's own strategies, as `capsim run` runs them), on the same seed
/// and trials. Spot first costs less and is short more hours (on-demand
/// starts two hours after spot falls short); on-demand first, the reverse
/// ($156,585 and 26 hours short a year against $90,127 and 849).
#[test]
fn both_serving_orders_are_candidates_with_plain_run_figures() {
    let s = scenario::parse(TWO_ORDERS, "plan-orders", None).unwrap_or_else(|e| panic!("{e}"));
    let grid = Grid {
        max_committed: 0,
        on_demand_ceilings: vec![2],
        max_spot: 1,
    };
    let trials = 300;
    let p = plan::search(
        &s,
        plan::candidates(&s, &grid),
        s.seed,
        trials,
        Constraints::default(),
        1000,
        1000,
        0.02,
    );
    let names: Vec<&str> = p
        .rows
        .iter()
        .map(|r| r.candidate.strategy.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "spot 4×H100 replica ×1",
            "on-demand 4×H100 replica ≤2",
            "on-demand 4×H100 replica ≤2 + spot 4×H100 replica ×1 (on-demand first)",
            "spot 4×H100 replica ×1 + on-demand 4×H100 replica ≤2 (spot first)",
            "buy nothing (api)",
        ]
    );
    let orders: Vec<Option<plan::Order>> = p.rows.iter().map(|r| r.candidate.order).collect();
    use plan::Order::{OnDemandFirst, SpotFirst};
    assert_eq!(
        orders,
        [None, None, Some(OnDemandFirst), Some(SpotFirst), None]
    );
    let frame = capsim::report::parquet::plan_frame(&p).unwrap();
    let col: Vec<Option<&str>> = frame
        .column("order")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(
        col,
        [
            None,
            None,
            Some("on-demand first"),
            Some("spot first"),
            None
        ]
    );

    // The scenario's strategies, run as `capsim run` runs them.
    let outcomes = Engine::new(&s, s.seed).run(0..trials, &|| {});
    let horizon = f64::from(s.horizon_hours);
    let mut figures = Vec::new();
    for (si, order) in [(0, OnDemandFirst), (1, SpotFirst)] {
        let cost: Vec<f64> = outcomes
            .iter()
            .map(|o| o.strategies[si].total.total_cost())
            .collect();
        let short: Vec<f64> = outcomes
            .iter()
            .map(|o| o.strategies[si].total.hours_short)
            .collect();
        let plain = capsim::stats::summarise(&cost).unwrap();
        let hours = capsim::stats::mean(&short) * 8760.0 / horizon;
        let r = p
            .rows
            .iter()
            .find(|r| r.candidate.order == Some(order))
            .unwrap();
        assert_eq!(r.trials, trials as usize);
        assert_eq!(r.cost.mean, plain.mean, "{}", s.strategies[si].name);
        assert_eq!(r.cost.cvar95, plain.cvar95, "{}", s.strategies[si].name);
        assert_eq!(
            r.hours_short_per_year,
            Some(hours),
            "{}",
            s.strategies[si].name
        );
        figures.push((plain.mean, hours));
    }
    // The trade: on-demand first costs more and is short fewer hours.
    let [(od_cost, od_short), (spot_cost, spot_short)] = figures[..] else {
        unreachable!()
    };
    assert!(od_cost > spot_cost, "{od_cost} vs {spot_cost}");
    assert!(od_short < spot_short, "{od_short} vs {spot_short}");
}

/// The budget counts what `candidates` builds, without building it: the
/// same number on grids with zeros and repeated ceilings, one order or two,
/// one API or several (issue 33).
#[test]
fn candidates_are_counted_without_building_them() {
    let two = scenario::parse(TWO_ORDERS, "plan-orders", None).unwrap_or_else(|e| panic!("{e}"));
    let realistic = scenario::load(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/realistic-2027.toml"
    )))
    .unwrap_or_else(|e| panic!("{e}"));
    let grids = [
        Grid::default(),
        Grid {
            max_committed: 0,
            on_demand_ceilings: vec![2],
            max_spot: 1,
        },
        Grid {
            max_committed: 3,
            on_demand_ceilings: vec![0, 2, 2, 5],
            max_spot: 0,
        },
        Grid {
            max_committed: 0,
            on_demand_ceilings: vec![],
            max_spot: 0,
        },
    ];
    for s in [&scenario(2.0, 10.0, ""), &two, &realistic] {
        for g in &grids {
            assert_eq!(
                plan::count_candidates(s, g),
                plan::candidates(s, g).len() as u64,
                "{} {g:?}",
                s.name
            );
        }
    }
    assert_eq!(plan::count_candidates(&realistic, &Grid::default()), 225);
}
