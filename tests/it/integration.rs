//! Integration tests: one binary, a module per promise.

use capsim::engine::Engine;
use capsim::scenario::{self, builtin_seed};
use capsim::seed_table::seed_table;

mod seed_table_figures {
    use super::*;

    #[test]
    fn every_figure() {
        let rows = seed_table(&builtin_seed()).unwrap();
        let get = |label: &str| {
            rows.iter()
                .find(|r| r.label.starts_with(label))
                .unwrap_or_else(|| panic!("{label}"))
        };
        assert!((get("Replica cost, on-demand").reproduced - 10.0).abs() < 1e-9);
        assert!((get("Replica cost, reserved").reproduced - 6.4).abs() < 1e-9);
        assert!((get("Tokens per replica-hour").reproduced - 12.24e6).abs() < 1e-3);
        assert_eq!(get("$/M tokens, on-demand").reproduced_text, "$0.82");
        assert_eq!(get("$/M tokens, reserved").reproduced_text, "$0.52");
        assert_eq!(get("$/M with overhead, low").reproduced_text, "$0.68");
        let hi = get("$/M with overhead, high");
        assert_eq!(hi.reproduced_text, "$1.06");
        assert!(hi.reason.is_some());
        let month = get("Reserved replica per month");
        assert!(
            (month.reproduced - 4608.0).abs() < 1e-9 && (month.corrected - 4672.0).abs() < 1e-9
        );
        assert!((get("Capacity per month").reproduced - 8935.2e6).abs() < 1.0);
        assert_eq!(get("Effective $/M at 100%").reproduced_text, "$0.52");
        assert_eq!(get("Effective $/M at 30%").reproduced_text, "$1.72");
        assert_eq!(get("Effective $/M at 10%").reproduced_text, "$5.16");
        // Break-even against $10/M with the seed's 720-hour cost month: 460.8 M.
        let be = get("Break-even vs $10/M at 100%");
        assert!((be.corrected - 460.8e6).abs() < 1.0);
        assert!((get("Break-even vs $10/M at 30%").reproduced - 1536e6).abs() < 1.0);
        assert!((get("Break-even with a 730-h").corrected - 467.2e6).abs() < 1.0);
        assert!((get("Break-even with 0.5 FTE").corrected - 1294.1e6).abs() < 0.1e6);
        assert!((get("Break-even with 2 FTE").corrected - 3794.1e6).abs() < 0.1e6);
        assert!(
            get("Rule of thumb")
                .reason
                .as_ref()
                .unwrap()
                .contains("92×")
        );
    }
}

mod conservation_and_determinism {
    use super::*;

    const NOISY: &str = r#"
name = "noisy"
[run]
trials = 16
horizon_hours = 2000
[model]
profile = "llama3-70b-fp8-4xh100"
[demand]
utilization = { low = 0.3, likely = 0.8, high = 1.5 }
noise_sigma = 0.3
noise_autocorrelation = 0.8
bursts = { per_month = 4, size = 2.0, duration_hours = 5 }
[api]
output_usd_per_mtok = 10
[gpu_prices]
reserved = 1.6
on_demand = 2.5
spot = 1.0
[outages]
gpu_failures_per_year = 2.0
repair_hours = { low = 4, likely = 24, high = 72 }
region_outages_per_year = 3
[deployments]
per_month = 2
hours = 2
[[strategy]]
name = "spill"
[[strategy.pool]]
kind = "reserved"
replicas = 1
spares = 1
[[strategy.pool]]
kind = "on_demand"
min_replicas = 0
max_replicas = 2
startup_lag_hours = 2
[[strategy]]
name = "queue"
overflow = "queue"
queue_max_delay_hours = 3
[[strategy.pool]]
kind = "spot"
replicas = 2
interruptions_per_month = 3
[[strategy]]
name = "drop"
overflow = "drop"
[[strategy.pool]]
kind = "reserved"
replicas = 1
"#;

    #[test]
    fn tokens_are_conserved_every_trial_and_month() {
        let s = scenario::parse(NOISY, "noisy", None).unwrap();
        let e = Engine::new(&s, 7);
        let out = e.run(0..16, &|| {});
        for o in &out {
            for t in &o.strategies {
                let tot = t.total;
                let rhs = tot.served + tot.spilled + tot.dropped + t.queued_end;
                assert!(
                    (tot.demanded - rhs).abs() <= 1e-9 * tot.demanded,
                    "{} vs {}",
                    tot.demanded,
                    rhs
                );
                assert!(tot.served <= tot.paid_capacity + 1e-6);
                for v in [
                    tot.gpu_cost,
                    tot.spill_cost,
                    tot.overhead_cost,
                    tot.served,
                    tot.spilled,
                    tot.dropped,
                ] {
                    assert!(v.is_finite() && v >= 0.0);
                }
            }
            // Some trial must exercise the overflow paths, or this test proves nothing.
        }
        assert!(out.iter().any(|o| o.strategies[0].total.spilled > 0.0));
        assert!(out.iter().any(|o| o.strategies[2].total.dropped > 0.0));
    }

    #[test]
    fn same_results_on_one_and_two_threads() {
        let s = scenario::parse(NOISY, "noisy", None).unwrap();
        let e = Engine::new(&s, 11);
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| e.run(0..12, &|| {}));
        let two = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap()
            .install(|| e.run(0..12, &|| {}));
        assert_eq!(one, two);
        // A sub-range (a shard) gives the same trials.
        let shard = e.run(5..9, &|| {});
        assert_eq!(&one[5..9], &shard[..]);
    }
}

mod closed_form {
    use super::*;

    #[test]
    fn fixed_inputs_match_hand_computed_totals() {
        // One reserved replica, flat demand of 1e9 tokens/month, capacity 4×1000×3600×0.5 = 7.2 M/h.
        let text = r#"
[run]
trials = 3
[model]
profile = "llama3-70b-fp8-4xh100"
tok_s_per_gpu = 1000
utilization_ceiling = 0.5
[demand]
monthly_tokens = 7.3e9
input_per_output = 2
[api]
output_usd_per_mtok = 10
input_usd_per_mtok = 1
[gpu_prices]
reserved = 2
[overhead]
percent_of_gpu = 0.1
item = [{ name = "eng", usd_per_year = 87600 }]
[[strategy]]
name = "r"
[[strategy.pool]]
kind = "reserved"
replicas = 1
"#;
        let s = scenario::parse(text, "t", None).unwrap();
        let o = Engine::new(&s, 1).run(0..3, &|| {});
        let t = &o[0].strategies[0].total;
        // demand per hour = 7.3e9 / 730 = 1e7 > capacity 7.2e6: spill 2.8e6 every hour.
        assert!((t.demanded - 1e7 * 8760.0).abs() < 1.0);
        assert!((t.served - 7.2e6 * 8760.0).abs() < 1.0);
        assert!((t.spilled - 2.8e6 * 8760.0).abs() < 1.0);
        assert!((t.gpu_cost - 8.0 * 8760.0).abs() < 1e-6);
        assert!((t.overhead_cost - (0.1 * 8.0 * 8760.0 + 87600.0)).abs() < 1e-6);
        // API: 10 + 2×1 = 12 USD per M output tokens.
        assert!((t.spill_cost - 2.8e6 * 8760.0 * 12e-6).abs() < 1e-6);
        assert_eq!(t.hours_short, 8760.0);
        assert_eq!(o[0], Engine::new(&s, 1).run(0..1, &|| {})[0]);
    }

    #[test]
    fn random_volume_ci_covers_closed_form_mean() {
        // Spill everything (no pools): API-only cost mean = E[volume] × 12 months × price.
        let text = r#"
[run]
trials = 400
[model]
profile = "llama3-70b-fp8-4xh100"
[demand]
monthly_tokens = { dist = "uniform", low = 1e8, high = 5e8 }
noise_sigma = 0.4
noise_autocorrelation = 0.9
[api]
output_usd_per_mtok = 10
[[strategy]]
name = "api"
"#;
        let s = scenario::parse(text, "t", None).unwrap();
        let out = Engine::new(&s, 3).run(0..400, &|| {});
        let rows = capsim::report::summarise(&s, &out);
        let r = rows
            .iter()
            .find(|r| r.metric == "api_only_cost_usd")
            .unwrap();
        let truth = 3e8 * 8760.0 / 730.0 * 10e-6;
        assert!(
            r.summary.ci95_low <= truth && truth <= r.summary.ci95_high,
            "{truth} not in [{}, {}]",
            r.summary.ci95_low,
            r.summary.ci95_high
        );
    }
}

mod bad_input {
    use super::*;

    fn err(text: &str) -> String {
        scenario::parse(text, "bad.toml", None)
            .unwrap_err()
            .to_string()
    }
    const BASE: &str = "[model]\nprofile = \"llama3-70b-fp8-4xh100\"\n[demand]\nmonthly_tokens = 1e9\n[api]\noutput_usd_per_mtok = 10\n[gpu_prices]\nreserved = 1.6\n[[strategy]]\nname = \"r\"\n[[strategy.pool]]\nkind = \"reserved\"\nreplicas = 1\n";

    #[test]
    fn each_names_its_field() {
        assert!(scenario::parse(BASE, "ok", None).is_ok());
        let cases = [
            (
                BASE.replace("replicas = 1", "replicas = 1\nbogus = 3"),
                "bogus",
            ),
            (
                BASE.replace("reserved = 1.6", "reserved = -1.6"),
                "gpu_prices.reserved",
            ),
            (
                BASE.replace(
                    "monthly_tokens = 1e9",
                    "monthly_tokens = { low = 5e9, likely = 2e9, high = 1e9 }",
                ),
                "demand.monthly_tokens (line 4)",
            ),
            (
                BASE.replace("monthly_tokens = 1e9", "monthly_tokens = nan"),
                "demand.monthly_tokens",
            ),
            (
                BASE.replace("output_usd_per_mtok = 10", "output_usd_per_mtok = \"ten\""),
                "api.output_usd_per_mtok",
            ),
            (
                BASE.replace("llama3-70b-fp8-4xh100", "nope"),
                "model.profile",
            ),
            (format!("[run]\ntrials = 0\n{BASE}"), "run.trials"),
            (
                format!("[run]\nhorizon_hours = 0\n{BASE}"),
                "run.horizon_hours",
            ),
            (
                format!("{BASE}[outages]\ngpu_failures_per_year = -1\n"),
                "outages.gpu_failures_per_year",
            ),
            (
                format!("{BASE}[[strategy]]\nname = \"r\"\n"),
                "duplicate strategy name",
            ),
            (
                BASE.replace("kind = \"reserved\"", "kind = \"leased\""),
                "strategy[0].pool[0].kind",
            ),
            (
                BASE.replace("monthly_tokens = 1e9", "monthly_tokens = 1e300"),
                "demand.monthly_tokens",
            ),
        ];
        for (text, field) in cases {
            let e = err(&text);
            assert!(e.contains(field), "expected `{field}` in: {e}");
        }
    }
}

mod precision {
    use super::*;
    use capsim::engine::TrialOutcome;
    use capsim::precision::{Converged, run_to_precision, worst_half_width};

    /// `run_to_precision` with a sink that keeps every outcome.
    fn run_kept(e: &Engine, target: f64, cap: u64) -> (Vec<TrialOutcome>, Converged) {
        let mut out = Vec::new();
        let c = run_to_precision(e, target, 100, cap, &|_| {}, &|| {}, &mut |chunk| {
            out.extend(chunk);
            Ok::<(), ()>(())
        })
        .unwrap();
        (out, c)
    }

    fn costs(e: &Engine, out: &[TrialOutcome]) -> Vec<Vec<f64>> {
        (0..e.scenario().strategies.len())
            .map(|si| {
                out.iter()
                    .map(|o| o.strategies[si].total.total_cost())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn stops_at_the_first_doubling_that_meets_the_target_and_equals_a_plain_run() {
        let s = builtin_seed();
        let e = Engine::new(&s, 5);
        let target = 0.02;
        let (out, c) = run_kept(&e, target, 100_000);
        assert!(c.met);
        assert_eq!(c.trials, out.len() as u64);
        assert!(c.worst_half_width <= target);
        // Doubling from 100: the count is 100 × 2^k, and half of it was not enough.
        assert!(c.trials > 100 && (c.trials / 100).is_power_of_two());
        let half = e.run(0..c.trials / 2, &|| {});
        assert!(worst_half_width(&e, &costs(&e, &half)).0 > target);
        // Exactly the plain run of that many trials.
        assert_eq!(out, e.run(0..c.trials, &|| {}));
        // A cap below the need stops there and says so.
        let (capped, c) = run_kept(&e, target, 150);
        assert_eq!((capped.len(), c.trials, c.met), (150, 150, false));
    }
}

mod startup_lag {
    use super::*;

    /// Flat demand of 1e6 tokens an hour, below one replica's capacity; an
    /// on-demand pool of 0–1 replicas asks for one replica every hour from
    /// hour 0. With a start-up lag of L hours it serves from hour L on: the
    /// first L hours spill (L × 1e6 tokens), and every hour is paid (a
    /// request is paid from the hour it is made).
    #[test]
    fn the_first_lag_hours_spill_and_every_hour_is_paid() {
        for lag in [0u32, 1, 3, 7] {
            let text = format!(
                r#"name = "lag"
[run]
horizon_hours = 48
[model]
profile = "llama3-70b-fp8-4xh100"
[demand]
monthly_tokens = 730e6
[api]
output_usd_per_mtok = 10
input_usd_per_mtok = 0
[gpu_prices]
on_demand = 2.5
[[strategy]]
name = "od"
[[strategy.pool]]
kind = "on_demand"
min_replicas = 0
max_replicas = 1
startup_lag_hours = {lag}
"#
            );
            let s = scenario::parse(&text, "lag", None).unwrap();
            let t = &Engine::new(&s, 1).run(0..1, &|| {})[0].strategies[0];
            let spilled = f64::from(lag) * 1e6;
            assert!(
                (t.total.spilled - spilled).abs() < 1e-6 * 1e6,
                "lag {lag}: spilled {} tokens, expected {spilled}",
                t.total.spilled
            );
            // 48 paid replica-hours of 4 GPUs at $2.50.
            assert!((t.total.gpu_cost - 48.0 * 4.0 * 2.5).abs() < 1e-9);
        }
    }
}

mod serving_model {
    use super::*;
    use capsim::serving::{LatencyTarget, Mix};

    fn scenario_with(model: &str, demand: &str, extra: &str) -> String {
        format!(
            r#"
[run]
trials = 40
[model]
{model}
[demand]
monthly_tokens = 8e9
{demand}
[api]
output_usd_per_mtok = 10
input_usd_per_mtok = 2
[gpu_prices]
reserved = 2.4
{extra}
[[strategy]]
name = "r2"
[[strategy.pool]]
kind = "reserved"
replicas = 2
"#
        )
    }

    /// The same fleet and volume spill far more under the Azure code trace's
    /// mix (2,048 prompt + 28 output tokens) than under the conversation
    /// trace's (1,155 + 211): prefill is counted.
    #[test]
    fn prompt_heavy_traffic_spills_more() {
        let spill = |traffic: &str| {
            let text = scenario_with(
                "profile = \"llama3-70b-fp8-h100\"",
                &format!("traffic = \"{traffic}\""),
                "",
            );
            let s = scenario::parse(&text, "t", None).unwrap();
            let o = Engine::new(&s, 1).run(0..40, &|| {});
            let (mut spilled, mut demanded) = (0.0, 0.0);
            for t in &o {
                spilled += t.strategies[0].total.spilled;
                demanded += t.strategies[0].total.demanded;
            }
            spilled / demanded
        };
        let (code, conv) = (spill("azure-code-2023"), spill("azure-conv-2023"));
        eprintln!("spilled share of demand: azure-code {code:.3}, azure-conv {conv:.3}");
        assert!(code > 0.5 && conv < 0.1, "code {code}, conv {conv}");
    }

    /// A trial's capacity is the serving model's throughput on that trial's
    /// drawn mix × 3,600 × the ceiling × (1 + error), exactly.
    #[test]
    fn capacity_follows_each_trials_mix() {
        let text = scenario_with(
            "profile = \"llama3-70b-fp8-h100\"",
            "prompt_tokens = { low = 200, likely = 1000, high = 6000 }\noutput_tokens = { low = 100, likely = 300, high = 600 }",
            "",
        );
        let s = scenario::parse(&text, "t", None).unwrap();
        let e = Engine::new(&s, 7);
        let r = s.model.replica().unwrap();
        let mut scratch = Default::default();
        let mut seen = Vec::new();
        for trial in 0..30 {
            let p = e.prepare(trial, &mut scratch);
            let mix = Mix::new(p.prompt_tokens, p.output_tokens);
            let tok = r
                .operate(mix, LatencyTarget::default())
                .unwrap()
                .output_tokens_per_s;
            let want = tok * (1.0 + p.throughput_error) * 3600.0 * p.utilization_ceiling;
            assert!((p.replica_tokens_per_hour / want - 1.0).abs() < 1e-12);
            assert!((p.input_per_output - p.prompt_tokens / p.output_tokens).abs() < 1e-12);
            seen.push((p.prompt_tokens / p.output_tokens, tok));
        }
        // Drawn mixes differ, and so do capacities: more prompt per output, less output.
        seen.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert!(seen[0].1 > 2.0 * seen[29].1, "{seen:?}");
    }

    /// H100 and H200 pools in one scenario, on common random numbers: the
    /// H200 replica never serves less, and the event replay of a strategy
    /// mixing the two equals the hour-by-hour definition.
    #[test]
    fn pools_on_different_hardware() {
        let text = scenario_with(
            "profile = \"llama3-70b-fp8-h100\"",
            "prompt_tokens = { low = 500, likely = 2000, high = 8000 }\noutput_tokens = 250\nnoise_sigma = 0.3\nnoise_autocorrelation = 0.8",
            r#"on_demand = 4.0
[outages]
preset = "llama3-h100"
[[strategy]]
name = "h200"
[[strategy.pool]]
kind = "reserved"
replicas = 2
profile = "llama3-70b-fp8-h200"
[[strategy]]
name = "mixed"
[[strategy.pool]]
kind = "reserved"
replicas = 1
[[strategy.pool]]
kind = "on_demand"
max_replicas = 3
profile = "llama3-70b-fp8-h200""#,
        );
        let s = scenario::parse(&text, "t", None).unwrap();
        assert_eq!(s.pool_models.len(), 1);
        let e = Engine::new(&s, 3);
        let mut scratch = Default::default();
        for trial in 0..20 {
            let p = e.prepare(trial, &mut scratch);
            assert!(p.model_tokens_per_hour[1] >= p.model_tokens_per_hour[0]);
            let out = e.trial(trial, &mut scratch);
            // The extra strategies come first: h200, mixed, then r2 (H100).
            let (h200, h100) = (&out.strategies[0].total, &out.strategies[2].total);
            assert!(
                h200.served >= h100.served - 1e-6 * h100.served,
                "trial {trial}: {h200:?} vs {h100:?} caps {:?}",
                p.model_tokens_per_hour
            );
            let p = e.prepare(trial, &mut scratch);
            for si in 0..s.strategies.len() {
                let ev = e.simulate(si, &p, trial, &mut scratch);
                let hr = e.simulate_hourly(si, &p, trial, &mut scratch);
                let (a, b) = (&ev.total, &hr.total);
                for (x, y) in [
                    (a.served, b.served),
                    (a.spilled, b.spilled),
                    (a.gpu_cost, b.gpu_cost),
                    (a.paid_capacity, b.paid_capacity),
                    (a.hours_short, b.hours_short),
                ] {
                    assert!(
                        (x - y).abs() <= 1e-9 * x.abs().max(1.0),
                        "strategy {si} trial {trial}: {x} vs {y}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_latency_target_lowers_capacity() {
        let cap = |slo: &str| {
            let text = scenario_with(
                "profile = \"llama3-70b-fp8-h100\"",
                "prompt_tokens = 1000\noutput_tokens = 250",
                slo,
            );
            let s = scenario::parse(&text, "t", None).unwrap();
            Engine::new(&s, 1)
                .prepare(0, &mut Default::default())
                .replica_tokens_per_hour
        };
        let (free, loose, tight) = (
            cap(""),
            cap("[slo]\ntpot_ms = 60"),
            cap("[slo]\ntpot_ms = 20\nttft_ms = 500"),
        );
        assert!(
            free >= loose && loose > tight && tight > 0.0,
            "{free} {loose} {tight}"
        );
        let text = scenario_with(
            "profile = \"llama3-70b-fp8-h100\"",
            "",
            "[slo]\ntpot_ms = 2",
        );
        let e = scenario::parse(&text, "t", None).unwrap_err().to_string();
        assert!(
            e.contains("model.profile") && e.contains("time per output token"),
            "{e}"
        );
    }

    #[test]
    fn a_measured_figure_on_prompt_heavy_demand_is_warned_about() {
        let text = scenario_with(
            "profile = \"llama3-70b-fp8-4xh100\"",
            "prompt_tokens = 3000\noutput_tokens = 300",
            "",
        );
        let s = scenario::parse(&text, "t", None).unwrap();
        assert!(
            s.warnings
                .iter()
                .any(|w| w.contains("counts output tokens only")
                    && w.contains("10.0 prompt tokens per output token")),
            "{:?}",
            s.warnings
        );
        // The seed (output tokens only) gets no such warning.
        assert!(builtin_seed().warnings.is_empty());
    }

    #[test]
    fn request_lengths_are_checked() {
        let bad = [
            (
                "prompt_tokens = 1000\noutput_tokens = 200\ninput_per_output = 5",
                "demand.input_per_output",
            ),
            ("prompt_tokens = 1000", "demand.output_tokens"),
            ("output_tokens = 0.5", "demand.output_tokens"),
            (
                "prompt_tokens = 900000\noutput_tokens = 200",
                "cannot serve",
            ),
        ];
        for (demand, want) in bad {
            let text = scenario_with("profile = \"llama3-70b-fp8-h100\"", demand, "");
            let e = scenario::parse(&text, "t", None).unwrap_err().to_string();
            assert!(e.contains(want), "{demand}: {e}");
        }
        let text = scenario_with("profile = \"llama3-70b-fp8-h100\"", "", "[slo]");
        assert!(
            scenario::parse(&text, "t", None)
                .unwrap_err()
                .to_string()
                .contains("slo")
        );
        let text = scenario_with("profile = \"llama3-70b-fp8-h100\"", "", "").replace(
            "replicas = 2\n",
            "replicas = 2\nprofile = \"llama3-405b\"\n",
        );
        let e = scenario::parse(&text, "t", None).unwrap_err().to_string();
        assert!(e.contains("strategy[0].pool[0].profile"), "{e}");
    }
}
