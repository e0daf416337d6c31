//! Property tests (proptest) over random valid scenarios: tokens are
//! conserved, costs and counts are finite and non-negative, more capacity
//! never increases spill, results do not depend on threads or shard splits,
//! and deterministic runs equal the closed form.

use capsim::engine::{Engine, TrialOutcome};
use capsim::scenario::{self, Scenario};
use proptest::prelude::*;

/// One pool of a strategy, as TOML.
#[derive(Debug, Clone)]
enum Pool {
    Reserved {
        replicas: u32,
        spares: u32,
    },
    OnDemand {
        min: u32,
        extra: u32,
        lag: u32,
    },
    Spot {
        replicas: u32,
        interruptions: f64,
        drift: f64,
    },
}

impl Pool {
    fn toml(&self) -> String {
        match self {
            Pool::Reserved { replicas, spares } => format!(
                "[[strategy.pool]]\nkind = \"reserved\"\nreplicas = {replicas}\nspares = {spares}\n"
            ),
            Pool::OnDemand { min, extra, lag } => format!(
                "[[strategy.pool]]\nkind = \"on_demand\"\nmin_replicas = {min}\nmax_replicas = {}\nstartup_lag_hours = {lag}\n",
                min + extra
            ),
            Pool::Spot {
                replicas,
                interruptions,
                drift,
            } => format!(
                "[[strategy.pool]]\nkind = \"spot\"\nreplicas = {replicas}\ninterruptions_per_month = {interruptions}\nprice_drift_per_year = {drift}\n"
            ),
        }
    }
}

fn pool() -> impl Strategy<Value = Pool> {
    prop_oneof![
        (0u32..4, 0u32..2).prop_map(|(replicas, spares)| Pool::Reserved { replicas, spares }),
        (0u32..3, 0u32..4, 0u32..5).prop_map(|(min, extra, lag)| Pool::OnDemand {
            min,
            extra,
            lag
        }),
        (0u32..4, 0.0f64..6.0, -0.5f64..0.5).prop_map(|(replicas, interruptions, drift)| {
            Pool::Spot {
                replicas,
                interruptions,
                drift,
            }
        }),
    ]
}

#[derive(Debug, Clone)]
struct Strat {
    overflow: &'static str,
    delay: u32,
    pools: Vec<Pool>,
}

fn strat() -> impl Strategy<Value = Strat> {
    (
        prop_oneof![Just("spill"), Just("queue"), Just("drop")],
        1u32..8,
        prop::collection::vec(pool(), 0..3),
    )
        .prop_map(|(overflow, delay, pools)| Strat {
            overflow,
            delay,
            pools,
        })
}

/// A random valid scenario: uncertain demand, noise, bursts, failures,
/// region outages, deployments and 1–3 strategies of random pools.
#[derive(Debug, Clone)]
struct Case {
    horizon: u32,
    util: [f64; 3],
    sigma: f64,
    rho: f64,
    bursts: (f64, f64, f64),
    failures: f64,
    repair: f64,
    regions: f64,
    deploys: f64,
    ratio: f64,
    strategies: Vec<Strat>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        (24u32..400, 0.05f64..1.5, 0.0f64..1.0, 0.0f64..1.5),
        (0.0f64..0.5, 0.0f64..0.95),
        (0.0f64..6.0, 0.0f64..3.0, 1.0f64..12.0),
        (
            0.0f64..6.0,
            1.0f64..72.0,
            0.0f64..6.0,
            0.0f64..4.0,
            0.0f64..3.0,
        ),
        prop::collection::vec(strat(), 1..4),
    )
        .prop_map(
            |(
                (horizon, lo, mid, hi),
                (sigma, rho),
                bursts,
                (failures, repair, regions, deploys, ratio),
                strategies,
            )| {
                let likely = lo + mid;
                Case {
                    horizon,
                    util: [lo, likely, likely + hi],
                    sigma,
                    rho,
                    bursts,
                    failures,
                    repair,
                    regions,
                    deploys,
                    ratio,
                    strategies,
                }
            },
        )
}

impl Case {
    fn toml(&self) -> String {
        let [lo, likely, hi] = self.util;
        let (bn, bs, bd) = self.bursts;
        let mut t = format!(
            r#"name = "prop"
[run]
trials = 4
horizon_hours = {}
[model]
profile = "llama3-70b-fp8-4xh100"
[demand]
utilization = {{ low = {lo}, likely = {likely}, high = {hi} }}
utilization_basis_replicas = 2
input_per_output = {}
noise_sigma = {}
noise_autocorrelation = {}
bursts = {{ per_month = {bn}, size = {bs}, duration_hours = {bd} }}
[api]
output_usd_per_mtok = {{ low = 5, likely = 10, high = 15 }}
input_usd_per_mtok = 2.5
[gpu_prices]
reserved = 1.6
on_demand = {{ low = 2, likely = 2.5, high = 4 }}
spot = 1.1
[outages]
gpu_failures_per_year = {}
repair_hours = {}
region_outages_per_year = {}
[deployments]
per_month = {}
hours = 2
[overhead]
percent_of_gpu = 0.2
"#,
            self.horizon,
            self.ratio,
            self.sigma,
            self.rho,
            self.failures,
            self.repair,
            self.regions,
            self.deploys
        );
        for (i, s) in self.strategies.iter().enumerate() {
            t.push_str(&format!(
                "[[strategy]]\nname = \"s{i}\"\noverflow = \"{}\"\n",
                s.overflow
            ));
            if s.overflow == "queue" {
                t.push_str(&format!("queue_max_delay_hours = {}\n", s.delay));
            }
            for p in &s.pools {
                t.push_str(&p.toml());
            }
        }
        t
    }

    fn scenario(&self) -> Scenario {
        let text = self.toml();
        scenario::parse(&text, "proptest", None)
            .unwrap_or_else(|e| panic!("generated scenario is invalid: {e}\n{text}"))
    }
}

fn run(s: &Scenario, seed: u64, trials: u64) -> Vec<TrialOutcome> {
    Engine::new(s, seed).run(0..trials, &|| {})
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Pools bought later (`start_after_months`) replay alike in the event
/// replay and the hourly reference: reserved, spot and owned pools starting
/// in months 3 and 14 of two years, with failures, interruptions, drift, an
/// on-demand pool behind them and a queue.
#[test]
fn staged_pools_replay_like_the_reference() {
    let text = r#"name = "staged"
[run]
trials = 4
horizon_hours = 17520
[model]
profile = "llama3-70b-fp8-h100"
[demand]
monthly_tokens = { low = 4e9, likely = 8e9, high = 16e9 }
prompt_tokens = 1000
output_tokens = 250
annual_growth = 0.8
[api]
model = "gpt-4o"
[gpu_prices]
reserved = 2.4
on_demand = 4.0
spot = { low = 1.0, likely = 1.5, high = 2.5 }
[outages]
gpu_failures_per_year = 6.0
repair_hours = 48
[[strategy]]
name = "spill"
[[strategy.pool]]
kind = "reserved"
replicas = 1
term_years = 1
[[strategy.pool]]
kind = "reserved"
replicas = 2
spares = 1
term_years = 1
start_after_months = 3
[[strategy.pool]]
kind = "spot"
replicas = 2
interruptions_per_month = 2
price_drift_per_year = -0.2
start_after_months = 14
[[strategy.pool]]
kind = "on_demand"
max_replicas = 3
[[strategy]]
name = "queue"
overflow = "queue"
[[strategy.pool]]
kind = "owned"
gpus_per_instance = 4
instances = 2
purchase_usd = 150000
power_kw_load = 5
power_kw_idle = 2
usd_per_kwh = 0.1
start_after_months = 14
[[strategy.pool]]
kind = "reserved"
replicas = 1
"#;
    let s = scenario::parse(text, "staged", None).unwrap_or_else(|e| panic!("{e}"));
    replay_matches_reference(&s, 7, 4).unwrap();
}

/// `Engine::simulate` against `Engine::simulate_hourly` on `trials` trials.
fn replay_matches_reference(s: &Scenario, seed: u64, trials: u64) -> Result<(), String> {
    let e = Engine::new(s, seed);
    let mut scratch = capsim::model::Scratch::default();
    for trial in 0..trials {
        let p = e.prepare(trial, &mut scratch);
        for si in 0..s.strategies.len() {
            let fast = e.simulate(si, &p, trial, &mut scratch);
            let slow = e.simulate_hourly(si, &p, trial, &mut scratch);
            let tallies = |t: &capsim::model::StrategyTotals| {
                std::iter::once(t.total)
                    .chain(t.months.iter().copied())
                    .collect::<Vec<_>>()
            };
            if fast.months.len() != slow.months.len() {
                return Err(format!("strategy {si}: month counts differ"));
            }
            for (a, b) in tallies(&fast).iter().zip(&tallies(&slow)) {
                for (x, y, what) in [
                    (a.demanded, b.demanded, "demanded"),
                    (a.served, b.served, "served"),
                    (a.spilled, b.spilled, "spilled"),
                    (a.dropped, b.dropped, "dropped"),
                    (a.gpu_cost, b.gpu_cost, "gpu_cost"),
                    (a.spill_cost, b.spill_cost, "spill_cost"),
                    (a.overhead_cost, b.overhead_cost, "overhead_cost"),
                    (a.paid_capacity, b.paid_capacity, "paid_capacity"),
                    (a.hours_short, b.hours_short, "hours_short"),
                    (fast.queued_end, slow.queued_end, "queued_end"),
                    (fast.api_only_cost, slow.api_only_cost, "api_only_cost"),
                ] {
                    // Spilled, served and dropped tokens are differences of
                    // demand and capacity: their rounding is of the demand's size.
                    let scale = if matches!(what, "served" | "spilled" | "dropped") {
                        a.demanded.abs()
                    } else {
                        0.0
                    };
                    if (x - y).abs() > 1e-9 * x.abs().max(y.abs()).max(scale).max(1.0) {
                        return Err(format!(
                            "{}: strategy {si} trial {trial} {what}: {x} vs {y}",
                            s.name
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// The shipped scenarios (full years: region outages, deployments, spot,
/// on-demand with start-up lag, drift) replay the same both ways.
#[test]
fn shipped_scenarios_replay_as_the_hourly_reference() {
    for name in [
        "seed",
        "realistic-2027",
        "fitted-2027",
        "h100-vs-h200",
        "buy-or-rent-2027",
        "nextgen-2027",
    ] {
        let s = scenario::load(format!("scenarios/{name}.toml").as_ref()).unwrap();
        replay_matches_reference(&s, 3, 40).unwrap();
    }
    // Instances, owned nodes and terms over two and a half years (renewals,
    // amortisation ending inside the horizon with a shorter period).
    let mut s = scenario::load("scenarios/buy-or-rent-2027.toml".as_ref()).unwrap();
    s.horizon_hours = 21_900;
    for p in s.strategies.iter_mut().flat_map(|st| st.pools.iter_mut()) {
        if p.owned.is_some() {
            p.term_hours = Some(2 * 8760);
        }
    }
    replay_matches_reference(&s, 5, 6).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// The event-driven replay the engine uses gives what the hour-by-hour
    /// reference gives, field by field, month by month, for every strategy.
    #[test]
    fn event_replay_equals_the_hourly_reference(c in case(), seed in 0u64..1000) {
        let s = c.scenario();
        if let Err(e) = replay_matches_reference(&s, seed, 3) {
            prop_assert!(false, "{}", e);
        }
    }

    /// Tokens are conserved at the end of every horizon length (so at every
    /// hour boundary, queue included), in every month and in total; every cost
    /// and count is finite and non-negative; served never exceeds capacity.
    #[test]
    fn conservation_and_non_negative(c in case(), seed in 0u64..1000, cut in 1u32..24) {
        let mut s = c.scenario();
        // The full horizon and a few shorter ones ending at arbitrary hours.
        let h = s.horizon_hours;
        for horizon in [h, (h / cut).max(1), (h - cut).max(1), 1] {
            s.horizon_hours = horizon;
            for o in run(&s, seed, 2) {
                for t in &o.strategies {
                    let tot = &t.total;
                    let out = tot.served + tot.spilled + tot.dropped + t.queued_end;
                    prop_assert!(close(tot.demanded, out), "horizon {horizon}: demanded {} vs {}", tot.demanded, out);
                    for v in [tot.demanded, tot.served, tot.spilled, tot.dropped, t.queued_end,
                              tot.gpu_cost, tot.spill_cost, tot.overhead_cost, tot.hours_short, t.api_only_cost] {
                        prop_assert!(v.is_finite() && v >= 0.0, "{v}");
                    }
                    prop_assert!(tot.served <= tot.paid_capacity * (1.0 + 1e-12) + 1e-6);
                    prop_assert!(tot.hours_short <= f64::from(horizon));
                    let sum = |f: fn(&capsim::model::serve::Tally) -> f64| t.months.iter().map(f).sum::<f64>();
                    prop_assert!(close(sum(|m| m.demanded), tot.demanded));
                    prop_assert!(close(sum(|m| m.served), tot.served));
                    prop_assert!(close(sum(|m| m.spilled), tot.spilled));
                    prop_assert!(close(sum(|m| m.gpu_cost), tot.gpu_cost));
                }
            }
        }
    }

    /// Trials do not depend on the thread count or on how the trials are split.
    #[test]
    fn threads_and_shards_do_not_change_results(c in case(), seed in 0u64..1000, split in 1u64..6) {
        let s = c.scenario();
        let e = Engine::new(&s, seed);
        let pool = |n| rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap();
        let one = pool(1).install(|| e.run(0..6, &|| {}));
        let two = pool(2).install(|| e.run(0..6, &|| {}));
        prop_assert_eq!(&one, &two);
        let mut parts = e.run(0..split, &|| {});
        parts.extend(e.run(split..6, &|| {}));
        prop_assert_eq!(&one, &parts);
    }

    /// A reserved pool one replica larger never spills or drops more, and is
    /// never short more hours, on the same trial.
    #[test]
    fn more_capacity_never_increases_spill(
        c in case(),
        seed in 0u64..1000,
        replicas in 0u32..4,
        spares in 0u32..2,
        overflow in prop_oneof![Just("spill"), Just("queue"), Just("drop")],
    ) {
        let mut small = c.clone();
        small.strategies = vec![Strat { overflow, delay: 3, pools: vec![Pool::Reserved { replicas, spares }] }];
        let mut big = small.clone();
        big.strategies[0].pools = vec![Pool::Reserved { replicas: replicas + 1, spares }];
        let (a, b) = (run(&small.scenario(), seed, 3), run(&big.scenario(), seed, 3));
        for (x, y) in a.iter().zip(&b) {
            let (x, y) = (&x.strategies[0], &y.strategies[0]);
            prop_assert!(close(x.total.demanded, y.total.demanded), "same demand");
            let lost = |t: &capsim::model::serve::StrategyTotals| t.total.spilled + t.total.dropped + t.queued_end;
            prop_assert!(lost(y) <= lost(x) * (1.0 + 1e-9) + 1e-6, "{} > {}", lost(y), lost(x));
            prop_assert!(y.total.hours_short <= x.total.hours_short);
        }
    }
}

/// The case proptest found when a deployment on a replica already down for
/// repair counted as a second replica out: one more reserved replica then
/// spilled more (10.37 M tokens against 8.89 M). A slot is now down while
/// any of its outages lasts.
#[test]
fn overlapping_outages_on_one_replica_count_once() {
    let small = Case {
        horizon: 119,
        util: [0.9839227824708818, 0.9839227824708818, 1.2083653866148292],
        sigma: 0.0,
        rho: 0.0,
        bursts: (0.0, 0.0, 1.0),
        failures: 1.7946868734721382,
        repair: 34.943341723787164,
        regions: 0.0,
        deploys: 3.2542006622857897,
        ratio: 0.0,
        strategies: vec![Strat {
            overflow: "spill",
            delay: 3,
            pools: vec![Pool::Reserved {
                replicas: 3,
                spares: 0,
            }],
        }],
    };
    let mut big = small.clone();
    big.strategies[0].pools = vec![Pool::Reserved {
        replicas: 4,
        spares: 0,
    }];
    let (a, b) = (run(&small.scenario(), 876, 3), run(&big.scenario(), 876, 3));
    for (x, y) in a.iter().zip(&b) {
        let (x, y) = (&x.strategies[0].total, &y.strategies[0].total);
        assert!(y.spilled <= x.spilled, "{} > {}", y.spilled, x.spilled);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// `--deterministic` with flat demand and no failures equals the closed form
    /// for one reserved pool with spill.
    #[test]
    fn deterministic_equals_closed_form(
        monthly in 1e6f64..5e10,
        replicas in 1u32..5,
        tok_s in 100.0f64..5000.0,
        ceiling in 0.3f64..1.0,
        price in 0.5f64..5.0,
        pct in 0.0f64..1.0,
        out_price in 0.5f64..30.0,
        in_price in 0.0f64..10.0,
        ratio in 0.0f64..4.0,
        horizon in 1u32..2000,
    ) {
        let text = format!(r#"
[run]
horizon_hours = {horizon}
[model]
profile = "llama3-70b-fp8-4xh100"
tok_s_per_gpu = {{ low = {lo}, likely = {tok_s}, high = {hi} }}
utilization_ceiling = {ceiling}
[demand]
monthly_tokens = {{ low = {mlo}, likely = {monthly}, high = {mhi} }}
input_per_output = {ratio}
[api]
output_usd_per_mtok = {out_price}
input_usd_per_mtok = {in_price}
[gpu_prices]
reserved = {price}
[overhead]
percent_of_gpu = {pct}
[[strategy]]
name = "r"
[[strategy.pool]]
kind = "reserved"
replicas = {replicas}
"#, lo = tok_s * 0.5, hi = tok_s * 2.0, mlo = monthly * 0.1, mhi = monthly * 3.0);
        let s = scenario::parse(&text, "closed", None).unwrap().deterministic();
        let t = &run(&s, 1, 1)[0].strategies[0];
        let h = f64::from(horizon);
        let demand = monthly / 730.0;
        let cap = f64::from(replicas) * 4.0 * tok_s * 3600.0 * ceiling;
        let served = demand.min(cap) * h;
        let spilled = (demand - cap).max(0.0) * h;
        let gpu = f64::from(replicas) * 4.0 * price * h;
        prop_assert!(close(t.total.demanded, demand * h), "demanded {} vs {}", t.total.demanded, demand * h);
        prop_assert!((t.total.served - served).abs() <= 1e-9 * served.max(1.0) + 1e-3);
        prop_assert!((t.total.spilled - spilled).abs() <= 1e-9 * (demand * h) + 1e-3);
        prop_assert!(close(t.total.gpu_cost, gpu));
        prop_assert!(close(t.total.overhead_cost, pct * gpu));
        let api = (out_price + ratio * in_price) / 1e6;
        prop_assert!((t.total.spill_cost - spilled * api).abs() <= 1e-9 * (demand * h * api) + 1e-6);
        prop_assert!(close(t.api_only_cost, demand * h * api));
    }
}

/// An autoscaled strategy of the common shape replayed from its
/// once-per-trial form ([`Engine::autoscaled`], what `breakeven` replays at
/// every volume) gives the full replay's result bit for bit, at any scale
/// of the trial's demand; `None` for every other shape.
fn autoscaled_matches_replay(s: &Scenario, seed: u64, trials: u64) -> Result<usize, String> {
    let e = Engine::new(s, seed);
    let mut scratch = capsim::model::Scratch::default();
    let mut checked = 0;
    for trial in 0..trials {
        let p = e.prepare(trial, &mut scratch);
        let base = scratch.demand.clone();
        for si in 0..s.strategies.len() {
            let st = &s.strategies[si];
            let queue = matches!(
                st.overflow,
                scenario::Overflow::Queue { max_delay_hours, .. } if max_delay_hours > 0
            );
            let common = !queue
                && st
                    .pools
                    .last()
                    .is_some_and(|q| q.kind == scenario::PoolKind::OnDemand)
                && st
                    .pools
                    .iter()
                    .filter(|q| q.kind == scenario::PoolKind::OnDemand)
                    .count()
                    == 1;
            let Some(a) = e.autoscaled(si, &p, trial, &mut scratch) else {
                if common {
                    return Err(format!("strategy {si}: no autoscaled form"));
                }
                continue;
            };
            if !common {
                return Err(format!(
                    "strategy {si}: an autoscaled form of another shape"
                ));
            }
            for k in [1.0, 0.003, 0.37, 2.9, 41.0, 1e4] {
                scratch.demand.clear();
                scratch.demand.extend(base.iter().map(|d| d * k));
                let fast = e.simulate_autoscaled(&a, &p, &mut scratch);
                let full = e.simulate(si, &p, trial, &mut scratch);
                if fast != full {
                    return Err(format!(
                        "{}: strategy {si} trial {trial} scale {k}:\n{fast:?}\nvs\n{full:?}",
                        s.name
                    ));
                }
                checked += 1;
            }
            scratch.demand.clone_from(&base);
        }
    }
    Ok(checked)
}

/// The shipped scenarios' autoscaled strategies (on-demand alone and after
/// reserved pools, price drift, start-up lag, failures and region outages).
#[test]
fn shipped_autoscaled_strategies_replay_alike_at_any_scale() {
    let mut checked = 0;
    for name in ["realistic-2027", "seed", "fitted-2027", "buy-or-rent-2027"] {
        let path = format!("{}/scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"));
        let s = scenario::load(path.as_ref()).expect("shipped scenario");
        checked += autoscaled_matches_replay(&s, 3, 4).unwrap();
    }
    assert!(checked >= 4 * 2 * 6, "{checked}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Random scenarios: any pools before the on-demand one, spill or drop,
    /// any start-up lag, outages and drift.
    #[test]
    fn autoscaled_form_equals_the_replay(c in case(), seed in 0u64..1000) {
        let s = c.scenario();
        if let Err(e) = autoscaled_matches_replay(&s, seed, 3) {
            prop_assert!(false, "{}", e);
        }
    }
}
