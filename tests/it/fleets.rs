//! What a buyer can buy: instances, catalog prices, commitments over their
//! term, owned nodes, several APIs, and a market level — each against its
//! closed form or the equivalent fleet written another way.

use capsim::engine::Engine;
use capsim::model::StrategyTotals;
use capsim::scenario::{self, Scenario};

fn parse(text: &str) -> Scenario {
    scenario::parse(text, "test", None).unwrap_or_else(|e| panic!("{e}"))
}

/// Each strategy's totals in trial `t`.
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

/// Flat demand (no shape, no noise) of `monthly` tokens, one year, the
/// 4-GPU FP8 H100 profile; `rest` adds tables and strategies.
fn flat(monthly: &str, rest: &str) -> String {
    format!(
        r#"name = "t"
[run]
trials = 8
[model]
profile = "llama3-70b-fp8-h100"
[demand]
monthly_tokens = {monthly}
prompt_tokens = 1000
output_tokens = 250
{rest}"#
    )
}

/// One 8-GPU instance of two TP4 replicas serves and costs exactly what two
/// 4-GPU replicas at the same price per GPU-hour do, failures included:
/// each replica fails by its own four GPUs (one GPU down takes out its
/// replica, not the instance).
#[test]
fn an_instance_of_two_replicas_is_two_replicas() {
    let text = flat(
        "{ low = 4e9, likely = 8e9, high = 16e9 }",
        r#"[api]
model = "gpt-4o"
[gpu_prices]
reserved = 2.4
[outages]
gpu_failures_per_year = 4.0
repair_hours = 48
[[strategy]]
name = "instance"
[[strategy.pool]]
kind = "reserved"
gpus_per_instance = 8
instances = 1
spare_instances = 1
[[strategy]]
name = "replicas"
[[strategy.pool]]
kind = "reserved"
replicas = 2
spares = 2
"#,
    );
    let s = parse(&text);
    let pool = &s.strategies[0].pools[0];
    assert_eq!((pool.replicas, pool.spares, pool.unit_gpus), (2, 2, 4));
    assert_eq!(pool.unit_paid_gpus, 4.0);
    for trial in totals(&s, 8) {
        let (a, b) = (&trial[0], &trial[1]);
        assert_eq!(a.total, b.total, "the instance and the replicas differ");
        assert!(a.total.hours_short >= 0.0);
    }
    // An 8-GPU instance of one 6-GPU replica pays for 8 GPUs, with a warning
    // (a measured profile: tensor parallel over 6 would not split 64 heads).
    let odd = text.replace(
        "[model]\nprofile = \"llama3-70b-fp8-h100\"",
        "[model]\nprofile = \"llama3-70b-fp8-4xh100\"\ngpus_per_replica = 6",
    );
    let s = parse(&odd);
    assert_eq!(s.strategies[0].pools[0].replicas, 1);
    assert_eq!(s.strategies[0].pools[0].unit_paid_gpus, 8.0);
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("2 GPU(s) of each are paid and idle")),
        "{:?}",
        s.warnings
    );
}

/// An on-demand pool of catalog instances pays the catalog's price per
/// instance-hour for every instance it runs: always-on one instance for a
/// year is 8,760 × $55.04 (aws/p5.48xlarge in us-east-1).
#[test]
fn catalog_instances_cost_their_hourly_price() {
    let s = parse(&flat(
        "1e9",
        r#"[api]
model = "gpt-4o"
[[strategy]]
name = "p5"
[[strategy.pool]]
kind = "on_demand"
instance = "aws/p5.48xlarge"
region = "us-east-1"
min_instances = 1
max_instances = 1
startup_lag_hours = 0
"#,
    ))
    .deterministic();
    let pool = &s.strategies[0].pools[0];
    assert_eq!(
        (pool.unit_replicas, pool.unit_gpus, pool.max_replicas),
        (2, 8, 1)
    );
    let t = &totals(&s, 1)[0][0];
    assert!(
        close(t.total.gpu_cost, 8760.0 * 55.04),
        "{}",
        t.total.gpu_cost
    );
    // Two replicas' capacity: a demand of 1e9 a month is served whole.
    assert_eq!(t.total.spilled, 0.0);
    // Without a region the cheapest is taken, and a warning says which.
    let s = parse(&flat(
        "1e9",
        r#"[api]
model = "gpt-4o"
[[strategy]]
name = "p5"
[[strategy.pool]]
kind = "on_demand"
instance = "p5.48xlarge"
max_instances = 1
"#,
    ));
    assert!(
        s.warnings.iter().any(|w| w.contains("cheapest on-demand")),
        "{:?}",
        s.warnings
    );
}

/// A 3-year reserved term over a 1-year horizon: the year's cost in the
/// total, the two years still owed beside it; over 18 months with a
/// 1-year term renewed at another price, the last six months are at the
/// renewal price and half a year of the second term is still owed.
#[test]
fn commitments_are_counted_over_their_term() {
    let three = parse(&flat(
        "5e9",
        r#"[api]
model = "gpt-4o"
[gpu_prices]
reserved_3y = 1.8
[[strategy]]
name = "r3"
[[strategy.pool]]
kind = "reserved"
replicas = 2
spares = 1
price = "reserved_3y"
term_years = 3
"#,
    ))
    .deterministic();
    let t = &totals(&three, 1)[0][0];
    let year = 8760.0 * 3.0 * 4.0 * 1.8;
    assert!(close(t.total.gpu_cost, year), "{}", t.total.gpu_cost);
    assert!(
        close(t.committed_after_horizon, 2.0 * year),
        "{}",
        t.committed_after_horizon
    );

    let renewed = parse(
        &flat(
            "5e9",
            r#"[api]
model = "gpt-4o"
[gpu_prices]
reserved = 2.4
renewal = 3.0
[[strategy]]
name = "r1"
[[strategy.pool]]
kind = "reserved"
replicas = 1
term_years = 1
renewal_price = "renewal"
"#,
        )
        .replace("[run]\n", "[run]\nhorizon_hours = 13104\n"),
    )
    .deterministic();
    let t = &totals(&renewed, 1)[0][0];
    // 2027 has 8,760 hours: months 1–12 at 2.4, months 13–18 at 3.0.
    let first: f64 = t.months[..12].iter().map(|m| m.gpu_cost).sum();
    let second: f64 = t.months[12..].iter().map(|m| m.gpu_cost).sum();
    assert!(close(first, 8760.0 * 4.0 * 2.4), "{first}");
    assert!(close(second, (13104.0 - 8760.0) * 4.0 * 3.0), "{second}");
    assert!(close(
        t.committed_after_horizon,
        (2.0 * 8760.0 - 13104.0) * 4.0 * 3.0
    ));
    // Without a term nothing is owed.
    let plain = parse(&flat(
        "5e9",
        "[api]\nmodel = \"gpt-4o\"\n[gpu_prices]\nreserved = 2.4\n[[strategy]]\nname = \"r\"\n[[strategy.pool]]\nkind = \"reserved\"\nreplicas = 1\n",
    ));
    assert_eq!(totals(&plain, 2)[0][0].committed_after_horizon, 0.0);
}

/// An owned node's year in deterministic mode: amortisation (purchase less
/// residual over the years) + idle power × PUE × hours × price + load power
/// above idle × utilization + colocation; the amortisation of the years left
/// is still owed.
#[test]
fn an_owned_node_costs_its_closed_form() {
    let s = parse(&flat(
        "8e9",
        r#"[api]
model = "gpt-4o"
[[strategy]]
name = "own"
[[strategy.pool]]
kind = "owned"
gpus_per_instance = 8
instances = 1
purchase_usd = { low = 250000, likely = 300000, high = 400000 }
amortisation_years = 4
residual_fraction = 0.1
power_kw_load = 10.2
power_kw_idle = 4.0
pue = 1.4
usd_per_kwh = 0.08
colo_usd_per_month = 2000
"#,
    ))
    .deterministic();
    let t = &totals(&s, 1)[0][0];
    let util = t.total.served / t.total.paid_capacity;
    assert!(util > 0.1 && util < 1.0, "{util}");
    let amortisation = 300_000.0 * 0.9 / 4.0;
    let power = (4.0 + (10.2 - 4.0) * util) * 1.4 * 0.08 * 8760.0;
    let colo = 2000.0 * 12.0;
    let want = amortisation + power + colo;
    assert!(
        (t.total.gpu_cost - want).abs() < 1e-6 * want,
        "{} vs {want}",
        t.total.gpu_cost
    );
    assert!(close(t.committed_after_horizon, 3.0 * amortisation));
    // Power at load all the time when idle power is not given.
    let flat_power = parse(&flat(
        "8e9",
        r#"[api]
model = "gpt-4o"
[[strategy]]
name = "own"
[[strategy.pool]]
kind = "owned"
gpus_per_instance = 8
instances = 1
purchase_usd = 300000
power_kw_load = 10.2
usd_per_kwh = 0.08
"#,
    ))
    .deterministic();
    let t = &totals(&flat_power, 1)[0][0];
    // 5-year amortisation and PUE 1.5 by default (ASSUMPTIONs, documented).
    let want = 300_000.0 / 5.0 + 10.2 * 1.5 * 0.08 * 8760.0;
    assert!(
        (t.total.gpu_cost - want).abs() < 1e-6 * want,
        "{}",
        t.total.gpu_cost
    );
}

/// Two APIs priced on the same demand: each API-only row is its own price ×
/// the same tokens (cached input at its price), and a strategy spills to the
/// API it names.
#[test]
fn several_apis_are_each_priced_on_the_same_demand() {
    let s = parse(&flat(
        "{ low = 10e9, likely = 15e9, high = 30e9 }",
        r#"cached_input_fraction = 0.5
[[api]]
name = "a"
output_usd_per_mtok = 10
input_usd_per_mtok = 2.5
cached_input_usd_per_mtok = 1.25
[[api]]
name = "b"
model = "deepinfra/meta-llama/Llama-3.3-70B-Instruct"
[gpu_prices]
reserved = 2.4
[[strategy]]
name = "r-to-b"
api = "b"
[[strategy.pool]]
kind = "reserved"
replicas = 1
[[strategy]]
name = "api-only"
"#,
    ));
    let names: Vec<&str> = s.strategies.iter().map(|st| st.name.as_str()).collect();
    assert_eq!(names, ["r-to-b", "api-only", "api-only (b)"]);
    // 1,000 prompt tokens per 250 output: 4 input tokens per output token.
    let per_a = (10.0 + 4.0 * (0.5 * 2.5 + 0.5 * 1.25)) / 1e6;
    let per_b = (0.40 + 4.0 * 0.23) / 1e6; // no cached price in the catalog entry
    for trial in totals(&s, 8) {
        let demand = trial[1].total.demanded;
        assert_eq!(trial[2].total.demanded, demand);
        assert!(close(trial[1].total.spill_cost, demand * per_a));
        assert!(close(trial[2].total.spill_cost, demand * per_b));
        assert!(close(
            trial[0].total.spill_cost,
            trial[0].total.spilled * per_b
        ));
        assert!(close(trial[0].api_only_cost, demand * per_b));
        assert!(trial[0].total.spilled > 0.0);
    }
}

/// With a market level, every GPU price moves with it: reserved and
/// reserved-3y prices fixed relative to each other give a cost ratio that
/// is the same in every trial, and the paired difference of two fleets
/// that differ only in price is far tighter than with independent prices.
#[test]
fn prices_move_with_the_market_level() {
    let text = |market: &str| {
        flat(
            "5e9",
            &format!(
                r#"[api]
model = "gpt-4o"
[gpu_prices]
reserved = {{ low = 2.2, likely = 2.4, high = 2.6 }}
reserved_3y = {{ low = 1.6, likely = 1.8, high = 2.0 }}
{market}
[[strategy]]
name = "r1"
[[strategy.pool]]
kind = "reserved"
replicas = 2
[[strategy]]
name = "r3"
[[strategy.pool]]
kind = "reserved"
replicas = 2
price = "reserved_3y"
"#
            ),
        )
        .replace("trials = 8", "trials = 400")
    };
    let paired_sd = |s: &Scenario| {
        let d: Vec<f64> = totals(s, 400)
            .iter()
            .map(|t| t[0].total.gpu_cost - t[1].total.gpu_cost)
            .collect();
        let m = d.iter().sum::<f64>() / d.len() as f64;
        (d.iter().map(|x| (x - m).powi(2)).sum::<f64>() / d.len() as f64).sqrt()
    };
    // Independent prices, each as wide as market × spread.
    let wide = parse(&text("").replace(
        "reserved = { low = 2.2, likely = 2.4, high = 2.6 }\nreserved_3y = { low = 1.6, likely = 1.8, high = 2.0 }",
        "reserved = { low = 1.6, likely = 2.4, high = 3.6 }\nreserved_3y = { low = 1.2, likely = 1.8, high = 2.7 }",
    ));
    let market = parse(&text(
        "[gpu_market]\nlevel = { low = 0.7, likely = 1.0, high = 1.5 }",
    ));
    let (sd_wide, sd_market) = (paired_sd(&wide), paired_sd(&market));
    assert!(sd_market < 0.5 * sd_wide, "{sd_market} vs {sd_wide}");
    // Fixed per-price spreads: the ratio of the two costs is the same in every trial.
    let fixed = parse(&text("[gpu_market]\nlevel = { low = 0.7, likely = 1.0, high = 1.5 }").replace(
        "reserved = { low = 2.2, likely = 2.4, high = 2.6 }\nreserved_3y = { low = 1.6, likely = 1.8, high = 2.0 }",
        "reserved = 2.4\nreserved_3y = 1.8",
    ));
    let costs = totals(&fixed, 50);
    let levels: Vec<f64> = costs.iter().map(|t| t[0].total.gpu_cost).collect();
    assert!(
        levels.iter().any(|&c| !close(c, levels[0])),
        "the level does not vary"
    );
    for t in &costs {
        assert!(close(t[0].total.gpu_cost / t[1].total.gpu_cost, 2.4 / 1.8));
    }
}

/// A scenario that leaves out failures, overhead, staff and deployments
/// says so in one line; one that models them does not.
#[test]
fn omissions_are_named() {
    let bare = parse(&flat(
        "5e9",
        "[api]\nmodel = \"gpt-4o\"\n[gpu_prices]\nreserved = 2.4\n[[strategy]]\nname = \"r\"\n[[strategy.pool]]\nkind = \"reserved\"\nreplicas = 1\n",
    ));
    let line = bare.omissions_line().unwrap();
    for what in ["failures", "overhead", "staff", "deployments"] {
        assert!(line.contains(what), "{line}");
    }
    let full = parse(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/realistic-2027.toml"
        ))
        .unwrap(),
    );
    assert_eq!(full.omissions_line(), None, "{:?}", full.not_modelled);
    // An itemised overhead given as USD a year covers staff; a scenario
    // running no GPUs leaves nothing out; deployments are named only where
    // a pool keeps replicas they would take out (not on-demand alone).
    let items = parse(&flat(
        "5e9",
        "[api]\nmodel = \"gpt-4o\"\n[gpu_prices]\non_demand = 2.4\n[[overhead.item]]\nname = \"on-call rota\"\nusd_per_year = 90000\n[[strategy]]\nname = \"od\"\n[[strategy.pool]]\nkind = \"on_demand\"\nmax_replicas = 2\n",
    ));
    let line = items.omissions_line().unwrap();
    assert!(
        !line.contains("staff") && !line.contains("deployments"),
        "{line}"
    );
    assert!(line.contains("failures"), "{line}");
    let api_only = parse(&flat(
        "5e9",
        "[api]\nmodel = \"gpt-4o\"\n[[strategy]]\nname = \"api\"\n",
    ));
    assert_eq!(api_only.omissions_line(), None);
}

/// Prefix caching is one input for both sides: with `cached_prompt_fraction
/// = 0.6`, the API-only cost of the same demand bills 60% of the input at
/// the cached price (hand-computed below), and a self-hosted replica's
/// capacity is the serving model's on the mix with 60% of each prompt
/// skipping prefill — more than without the cache, on a prompt-heavy mix.
#[test]
fn prefix_caching_moves_self_hosted_capacity_and_api_cost_together() {
    let body = |cache: &str| {
        flat(
            "1e9",
            &format!(
                r#"{cache}
[api]
output_usd_per_mtok = 10
input_usd_per_mtok = 2.5
cached_input_usd_per_mtok = 1.25
[gpu_prices]
reserved = 2.4
[[strategy]]
name = "r"
[[strategy.pool]]
kind = "reserved"
replicas = 1
"#
            ),
        )
    };
    let cached = parse(&body("cached_prompt_fraction = 0.6")).deterministic();
    let plain = parse(&body("")).deterministic();
    // 1,000 prompt tokens per 250 output: 4 input tokens per output token.
    let per_cached = (10.0 + 4.0 * (0.4 * 2.5 + 0.6 * 1.25)) / 1e6;
    let per_plain = (10.0 + 4.0 * 2.5) / 1e6;
    let (tc, tp) = (&totals(&cached, 1)[0][0], &totals(&plain, 1)[0][0]);
    assert!(close(tc.api_only_cost, tc.total.demanded * per_cached));
    assert!(close(tp.api_only_cost, tp.total.demanded * per_plain));
    // The replica: the engine's tokens per hour are the serving model's on
    // the cached mix, × 3,600 × the ceiling.
    let e = Engine::new(&cached, cached.seed);
    let p = e.prepare(0, &mut Default::default());
    let model = scenario::load_profile("llama3-70b-fp8-h100").unwrap();
    let mix = capsim::serving::Mix {
        cached_prompt_fraction: 0.6,
        ..capsim::serving::Mix::new(1000.0, 250.0)
    };
    let point = model
        .replica()
        .unwrap()
        .operate(mix, Default::default())
        .unwrap();
    let ceiling = model.utilization_ceiling.point();
    assert!(close(
        p.replica_tokens_per_hour,
        point.output_tokens_per_s * 3600.0 * ceiling
    ));
    let q = Engine::new(&plain, plain.seed).prepare(0, &mut Default::default());
    assert!(
        p.replica_tokens_per_hour > 1.2 * q.replica_tokens_per_hour,
        "{} vs {}",
        p.replica_tokens_per_hour,
        q.replica_tokens_per_hour
    );
    // The API's own share, when given, overrides the demand's for that API only.
    let apart = parse(&body(
        "cached_prompt_fraction = 0.6\ncached_input_fraction = 0.0",
    ))
    .deterministic();
    let ta = &totals(&apart, 1)[0][0];
    assert!(close(ta.api_only_cost, ta.total.demanded * per_plain));
}

/// An API whose cache share is billed at the full input price is warned
/// about, naming it and the field that gives a cached price: no cached
/// price (catalog or explicit), or a catalog's equal to the input price.
/// Not when the share is 0, nor when a cached price discounts it.
#[test]
fn an_undiscounted_cache_share_is_warned_about() {
    let apis = r#"[[api]]
name = "explicit-cached"
output_usd_per_mtok = 10
input_usd_per_mtok = 2.5
cached_input_usd_per_mtok = 1.25
[[api]]
model = "deepinfra/openai/gpt-oss-120b"
[[api]]
model = "databricks/databricks-gpt-oss-120b"
[[api]]
model = "deepseek/deepseek-chat"
[[api]]
name = "explicit-plain"
output_usd_per_mtok = 10
input_usd_per_mtok = 2.5
[gpu_prices]
reserved = 2.4
[[strategy]]
name = "r"
[[strategy.pool]]
kind = "reserved"
replicas = 1
"#;
    let warnings = |demand: &str| {
        parse(&flat("15e9", &format!("{demand}\n{apis}")))
            .warnings
            .into_iter()
            .filter(|w| w.contains("cache share"))
            .collect::<Vec<_>>()
    };
    let w = warnings("cached_input_fraction = 0.3");
    assert_eq!(w.len(), 3, "{w:#?}");
    assert!(
        w[0].starts_with("api[1]: `deepinfra/openai/gpt-oss-120b` has no cached-input price")
            && w[0].contains("(demand.cached_input_fraction = 0.3)")
            && w[0].contains("priced at the full input price")
            && w[0].contains("api[1].cached_input_usd_per_mtok"),
        "{}",
        w[0]
    );
    assert!(
        w[1].starts_with("api[2]: `databricks/databricks-gpt-oss-120b`'s cached-input price")
            && w[1].contains("equals its input price (0.15")
            && w[1].contains("priced at the full input price")
            && w[1].contains("api[2].cached_input_usd_per_mtok"),
        "{}",
        w[1]
    );
    assert!(
        w[2].starts_with("api[4]: `explicit-plain` has no cached-input price")
            && w[2].contains("api[4].cached_input_usd_per_mtok"),
        "{}",
        w[2]
    );
    // No cache share, or one given as 0: nothing to discount.
    assert!(warnings("").is_empty());
    assert!(warnings("cached_input_fraction = 0").is_empty());
    // The prefix cache's share is the APIs' too; a share that may be above 0.
    let w = warnings("cached_prompt_fraction = { low = 0, likely = 0.2, high = 0.5 }");
    assert_eq!(w.len(), 3, "{w:#?}");
    assert!(
        w[0].contains("(demand.cached_prompt_fraction up to 0.5)"),
        "{}",
        w[0]
    );
    // An API's own share wins over the demand's; a cached price given beside
    // a model is taken as meant.
    let own = apis
        .replace(
            "model = \"deepinfra/openai/gpt-oss-120b\"",
            "model = \"deepinfra/openai/gpt-oss-120b\"\ncached_input_fraction = 0",
        )
        .replace(
            "model = \"databricks/databricks-gpt-oss-120b\"",
            "model = \"databricks/databricks-gpt-oss-120b\"\ncached_input_usd_per_mtok = 0.075",
        )
        .replace(
            "name = \"explicit-plain\"",
            "name = \"explicit-plain\"\ncached_input_fraction = 0.4",
        );
    let w: Vec<String> = parse(&flat("15e9", &own))
        .warnings
        .into_iter()
        .filter(|w| w.contains("cache share"))
        .collect();
    assert_eq!(w.len(), 1, "{w:#?}");
    assert!(
        w[0].starts_with("api[4]: `explicit-plain`")
            && w[0].contains("(api[4].cached_input_fraction = 0.4)"),
        "{}",
        w[0]
    );
}

/// The quick break-even prices the API as its bill paid it: with a price
/// drift, the demand-weighted mean of the months' drifted prices (the
/// API-only bill / the tokens demanded), not the undrifted price.
#[test]
fn the_break_even_uses_the_price_the_api_bill_paid() {
    let s = parse(&flat(
        "{ low = 4e9, likely = 8e9, high = 16e9 }",
        r#"[api]
output_usd_per_mtok = 10
input_usd_per_mtok = 2
price_drift_per_year = -0.5
[gpu_prices]
reserved = 2.4
[[strategy]]
name = "r"
[[strategy.pool]]
kind = "reserved"
replicas = 1
"#,
    ));
    for t in totals(&s, 4).iter().map(|o| &o[0]) {
        let undrifted = (10.0 + 4.0 * 2.0) / 1e6;
        assert!(close(
            t.api_usd_per_output_token,
            t.api_only_cost / t.total.demanded
        ));
        // Half the price after a year: the year's mean is well under the start's.
        assert!(
            t.api_usd_per_output_token < 0.8 * undrifted,
            "{}",
            t.api_usd_per_output_token
        );
    }
}

/// A pool bought later (`start_after_months`) serves and is paid from its
/// start, and its term runs from then: two years, one reserved replica from
/// the start and a second from month 6 (hour 4,380) on 1-year terms. The
/// fleet is as short as one replica before the start and as two after;
/// the second replica's second term (from hour 13,140) is still owed for
/// 4,380 hours when the horizon ends. An owned node bought at month 12 of
/// two years costs nothing in the first year and owes three of its four
/// years of amortisation.
#[test]
fn a_pool_bought_later_serves_and_pays_from_its_start() {
    let rest = |pools: &str| {
        flat(
            "12e9",
            &format!(
                "[api]\nmodel = \"gpt-4o\"\n[gpu_prices]\nreserved = 2.4\n\
                 [[strategy]]\nname = \"one\"\n[[strategy.pool]]\nkind = \"reserved\"\nreplicas = 1\nterm_years = 1\n\
                 [[strategy]]\nname = \"two\"\n[[strategy.pool]]\nkind = \"reserved\"\nreplicas = 2\nterm_years = 1\n\
                 [[strategy]]\nname = \"staged\"\n{pools}"
            ),
        )
        .replace("[run]\n", "[run]\nhorizon_hours = 17520\n")
    };
    let s = parse(&rest(
        "[[strategy.pool]]\nkind = \"reserved\"\nreplicas = 1\nterm_years = 1\n\
         [[strategy.pool]]\nkind = \"reserved\"\nreplicas = 1\nterm_years = 1\nstart_after_months = 6\n",
    ))
    .deterministic();
    let t = &totals(&s, 1)[0];
    let (one, two, staged) = (&t[0], &t[1], &t[2]);
    // The demand lies between one replica's capacity and two's, every hour.
    assert_eq!(one.total.hours_short, 17520.0);
    assert_eq!(two.total.hours_short, 0.0);
    assert_eq!(staged.total.hours_short, 4380.0);
    let per_hour = |x: &StrategyTotals| x.total.served / 17520.0;
    let served = 4380.0 * per_hour(one) + 13140.0 * per_hour(two);
    assert!(
        close(staged.total.served, served),
        "{}",
        staged.total.served
    );
    let gpu_hour = 4.0 * 2.4;
    assert!(close(staged.total.gpu_cost, (17520.0 + 13140.0) * gpu_hour));
    assert!(close(staged.committed_after_horizon, 4380.0 * gpu_hour));
    assert_eq!(one.committed_after_horizon, 0.0);

    let owned = parse(&rest(
        "[[strategy.pool]]\nkind = \"owned\"\ngpus_per_instance = 4\ninstances = 1\n\
         purchase_usd = 200000\namortisation_years = 4\npower_kw_load = 5\npower_kw_idle = 5\n\
         usd_per_kwh = 0.1\npue = 1.0\nstart_after_months = 12\n",
    ))
    .deterministic();
    let t = &totals(&owned, 1)[0][2];
    // 2027's twelve calendar months are its 8,760 hours.
    let first: f64 = t.months[..12].iter().map(|m| m.gpu_cost).sum();
    let second: f64 = t.months[12..].iter().map(|m| m.gpu_cost).sum();
    assert_eq!(first, 0.0);
    assert_eq!(t.months[..12].iter().map(|m| m.served).sum::<f64>(), 0.0);
    let amortisation = 200_000.0 / (4.0 * 8760.0);
    assert!(
        close(second, 8760.0 * (amortisation + 5.0 * 0.1)),
        "{second}"
    );
    assert!(close(
        t.committed_after_horizon,
        3.0 * 8760.0 * amortisation
    ));
}
