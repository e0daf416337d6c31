//! The columns of the Parquet files: one table per file, each column with its
//! unit and meaning. The same tables write the files and generate the schema
//! document (`capsim schema`, `docs/schema.md`), so the two cannot drift.

use crate::engine::TrialOutcome;
use crate::model::StrategyTotals;
use crate::model::TrialParams;
use crate::model::serve::Tally;

/// One trial × strategy, as the trial columns see it.
pub struct TrialRecord<'a> {
    /// The strategy's result.
    pub t: &'a StrategyTotals,
    /// The trial's draws.
    pub p: &'a TrialParams,
    /// Horizon in 730-hour months.
    pub months: f64,
}

/// One trial × strategy × month.
pub struct MonthRecord<'a> {
    /// The month's sums.
    pub m: &'a Tally,
}

/// A float column: name (snake_case, unit in the name), meaning, getter.
/// `None` is written as null ("not defined in this trial").
pub struct Col<R> {
    /// Column name.
    pub name: &'static str,
    /// Meaning and unit.
    pub doc: &'static str,
    /// Value of a record.
    pub get: fn(&R) -> Option<f64>,
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0).then(|| a / b)
}

/// Key columns of `trials.parquet`, before the float columns.
pub const TRIAL_KEYS: &[(&str, &str, &str)] = &[
    (
        "trial",
        "UInt64",
        "trial index (its random streams depend only on the seed and this index)",
    ),
    (
        "strategy",
        "String",
        "strategy name, as in the scenario (`size`: the strategy and its size, `owned-1 ×2`; `plan`: the candidate, named by its pools)",
    ),
    (
        "self_host_cheaper",
        "Boolean",
        "total_cost_usd < api_only_cost_usd in this trial, by more than rounding (1e-9 relative); false for a strategy without GPUs",
    ),
];

/// Float columns of `trials.parquet`.
pub fn trial_columns<'a>() -> Vec<Col<TrialRecord<'a>>> {
    vec![
        Col {
            name: "demanded_tokens",
            doc: "output tokens requested over the horizon",
            get: |r| Some(r.t.total.demanded),
        },
        Col {
            name: "served_tokens",
            doc: "output tokens served on the strategy's own GPUs",
            get: |r| Some(r.t.total.served),
        },
        Col {
            name: "spilled_tokens",
            doc: "output tokens sent to the API (overflow = spill, or expired from the queue with queue_expiry = spill)",
            get: |r| Some(r.t.total.spilled),
        },
        Col {
            name: "dropped_tokens",
            doc: "output tokens lost (overflow = drop, or expired from the queue)",
            get: |r| Some(r.t.total.dropped),
        },
        Col {
            name: "queued_end_tokens",
            doc: "output tokens still queued when the horizon ends; demanded = served + spilled + dropped + queued_end",
            get: |r| Some(r.t.queued_end),
        },
        Col {
            name: "gpu_cost_usd",
            doc: "GPU cost of all pools, USD",
            get: |r| Some(r.t.total.gpu_cost),
        },
        Col {
            name: "api_spill_cost_usd",
            doc: "API cost of spilled tokens (output + input tokens), USD",
            get: |r| Some(r.t.total.spill_cost),
        },
        Col {
            name: "overhead_cost_usd",
            doc: "overhead: percent of GPU cost plus itemised lines (strategies with GPUs only), USD",
            get: |r| Some(r.t.total.overhead_cost),
        },
        Col {
            name: "total_cost_usd",
            doc: "gpu + api spill + overhead, USD",
            get: |r| Some(r.t.total.total_cost()),
        },
        Col {
            name: "committed_after_horizon_usd",
            doc: "commitments still owed when the horizon ends, USD: the rest of each reserved term under way (term_years) and the amortisation left of owned nodes; not in total_cost_usd",
            get: |r| Some(r.t.committed_after_horizon),
        },
        Col {
            name: "committed_total_usd",
            doc: "total_cost_usd + committed_after_horizon_usd: what the strategy commits to, USD",
            get: |r| Some(r.t.total.total_cost() + r.t.committed_after_horizon),
        },
        Col {
            name: "cost_per_mtok_usd",
            doc: "total cost per million output tokens delivered (served + spilled), USD; null if none",
            get: |r| {
                ratio(
                    r.t.total.total_cost() * 1e6,
                    r.t.total.served + r.t.total.spilled,
                )
            },
        },
        Col {
            name: "utilization",
            doc: "served tokens / tokens the paid replicas could serve at the utilization ceiling (0..1); null without GPUs",
            get: |r| ratio(r.t.total.served, r.t.total.paid_capacity),
        },
        Col {
            name: "hours_short",
            doc: "hours in which offered load (demand + queue) exceeded available capacity",
            get: |r| Some(r.t.total.hours_short),
        },
        Col {
            name: "api_only_cost_usd",
            doc: "what the strategy's API (strategy.api; the first [[api]] by default) would charge for all demanded tokens in this trial, USD",
            get: |r| Some(r.t.api_only_cost),
        },
        Col {
            name: "savings_usd",
            doc: "api_only_cost_usd - total_cost_usd (positive: self-hosting is cheaper), USD",
            get: |r| Some(r.t.api_only_cost - r.t.total.total_cost()),
        },
        Col {
            name: "breakeven_monthly_tokens",
            doc: "output tokens per 730-hour month at which the strategy's API bill equals this trial's GPU + overhead cost (the fixed-fleet break-even; the API's price per output token incl. input tokens as the API-only bill paid it: with price drift, its months' prices weighted by their demand); null without GPUs",
            get: |r| {
                let per_token = r.t.api_usd_per_output_token;
                (r.t.has_gpus && per_token > 0.0 && r.months > 0.0)
                    .then(|| (r.t.total.gpu_cost + r.t.total.overhead_cost) / per_token / r.months)
            },
        },
        Col {
            name: "breakeven_utilization",
            doc: "breakeven_monthly_tokens / the serving replicas' monthly capacity (spares excluded; on-demand at max_replicas); null without GPUs",
            get: |r| {
                let per_token = r.t.api_usd_per_output_token;
                (r.t.has_gpus
                    && per_token > 0.0
                    && r.months > 0.0
                    && r.t.fleet_monthly_capacity > 0.0)
                    .then(|| {
                        (r.t.total.gpu_cost + r.t.total.overhead_cost)
                            / per_token
                            / r.months
                            / r.t.fleet_monthly_capacity
                    })
            },
        },
        Col {
            name: "draw_monthly_tokens",
            doc: "trial draw: demand volume at the start of the horizon, output tokens per 730-hour month",
            get: |r| Some(r.p.monthly_tokens),
        },
        Col {
            name: "draw_tok_s_per_gpu",
            doc: "trial draw: output tokens per second per GPU at full load ([model]'s profile on this trial's request mix, with its throughput error)",
            get: |r| Some(r.p.tok_s_per_gpu),
        },
        Col {
            name: "draw_throughput_error",
            doc: "trial draw: the serving model's relative error (0.1 = 10% more than the model; 0 for a measured tok_s_per_gpu)",
            get: |r| Some(r.p.throughput_error),
        },
        Col {
            name: "draw_prompt_tokens",
            doc: "trial draw: mean prompt tokens per request",
            get: |r| Some(r.p.prompt_tokens),
        },
        Col {
            name: "draw_output_tokens",
            doc: "trial draw: mean output tokens per request",
            get: |r| Some(r.p.output_tokens),
        },
        Col {
            name: "draw_utilization_ceiling",
            doc: "trial draw: usable fraction of peak throughput",
            get: |r| Some(r.p.utilization_ceiling),
        },
        Col {
            name: "draw_annual_growth",
            doc: "trial draw: compound demand growth per year (0.2 = +20%)",
            get: |r| Some(r.p.annual_growth),
        },
        Col {
            name: "draw_gpu_failures_per_gpu_year",
            doc: "trial draw: hardware failures per GPU-year",
            get: |r| Some(r.p.gpu_failures_per_year),
        },
        Col {
            name: "draw_api_output_usd_per_mtok",
            doc: "trial draw: API price, USD per million output tokens",
            get: |r| Some(r.p.apis[0].output_usd_per_mtok),
        },
    ]
}

/// Key columns of `monthly.parquet`.
pub const MONTH_KEYS: &[(&str, &str, &str)] = &[
    ("trial", "UInt64", "trial index"),
    ("strategy", "String", "strategy name"),
    (
        "month",
        "UInt32",
        "month number, 1 = the month holding the horizon's first hour",
    ),
    (
        "month_start",
        "String",
        "first day of the month inside the horizon, YYYY-MM-DD",
    ),
    ("hours", "UInt32", "hours of the month inside the horizon"),
];

/// Float columns of `monthly.parquet`.
pub fn month_columns<'a>() -> Vec<Col<MonthRecord<'a>>> {
    vec![
        Col {
            name: "demanded_tokens",
            doc: "output tokens requested in the month",
            get: |r| Some(r.m.demanded),
        },
        Col {
            name: "served_tokens",
            doc: "output tokens served on own GPUs",
            get: |r| Some(r.m.served),
        },
        Col {
            name: "spilled_tokens",
            doc: "output tokens sent to the API",
            get: |r| Some(r.m.spilled),
        },
        Col {
            name: "dropped_tokens",
            doc: "output tokens lost",
            get: |r| Some(r.m.dropped),
        },
        Col {
            name: "gpu_cost_usd",
            doc: "GPU cost, USD",
            get: |r| Some(r.m.gpu_cost),
        },
        Col {
            name: "api_spill_cost_usd",
            doc: "API cost of spilled tokens, USD",
            get: |r| Some(r.m.spill_cost),
        },
        Col {
            name: "overhead_cost_usd",
            doc: "overhead cost, USD",
            get: |r| Some(r.m.overhead_cost),
        },
        Col {
            name: "total_cost_usd",
            doc: "gpu + spill + overhead, USD",
            get: |r| Some(r.m.total_cost()),
        },
        Col {
            name: "utilization",
            doc: "served / paid capacity (0..1); null without GPUs",
            get: |r| ratio(r.m.served, r.m.paid_capacity),
        },
        Col {
            name: "hours_short",
            doc: "hours short of capacity",
            get: |r| Some(r.m.hours_short),
        },
    ]
}

/// Columns of `summary.parquet`.
pub const SUMMARY_COLUMNS: &[(&str, &str, &str)] = &[
    ("strategy", "String", "strategy name"),
    (
        "metric",
        "String",
        "a float column of trials.parquet, or prob_self_host_cheaper",
    ),
    ("n", "UInt64", "trials with a value (nulls are skipped)"),
    (
        "mean",
        "Float64",
        "mean across trials (for prob_self_host_cheaper: the probability)",
    ),
    (
        "std_error",
        "Float64",
        "Monte Carlo standard error of the mean",
    ),
    (
        "ci95_low",
        "Float64",
        "95% interval of the mean, low (mean - 1.96 se; Wilson score for the probability)",
    ),
    ("ci95_high", "Float64", "95% interval of the mean, high"),
    (
        "p5",
        "Float64",
        "5th percentile across trials (linear interpolation); null for the probability",
    ),
    (
        "p50",
        "Float64",
        "median across trials; null for the probability",
    ),
    (
        "p95",
        "Float64",
        "95th percentile across trials; null for the probability",
    ),
    (
        "cvar95",
        "Float64",
        "mean of the highest 5% of values (tail risk for costs); null for the probability",
    ),
    ("min", "Float64", "smallest value; null for the probability"),
    ("max", "Float64", "largest value; null for the probability"),
];

/// Columns of `compare.parquet` (written by `capsim compare`).
pub const COMPARE_COLUMNS: &[(&str, &str, &str)] = &[
    ("strategy", "String", "strategy name"),
    (
        "least_regret_rank",
        "UInt32",
        "1 = least mean regret (ties: lower P95 regret)",
    ),
    (
        "cost_mean_usd",
        "Float64",
        "mean total cost over the horizon, USD",
    ),
    (
        "cost_ci95_low_usd",
        "Float64",
        "95% interval of the mean cost, low, USD",
    ),
    (
        "cost_ci95_high_usd",
        "Float64",
        "95% interval of the mean cost, high, USD",
    ),
    (
        "cost_p5_usd",
        "Float64",
        "5th percentile of total cost, USD",
    ),
    ("cost_p50_usd", "Float64", "median total cost, USD"),
    (
        "cost_p95_usd",
        "Float64",
        "95th percentile of total cost, USD",
    ),
    (
        "cost_cvar95_usd",
        "Float64",
        "mean of the costliest 5% of trials, USD",
    ),
    (
        "prob_cheapest",
        "Float64",
        "share of trials in which this strategy is the cheapest (ties count for each)",
    ),
    (
        "prob_cheapest_ci95_low",
        "Float64",
        "Wilson 95% interval of prob_cheapest, low",
    ),
    (
        "prob_cheapest_ci95_high",
        "Float64",
        "Wilson 95% interval of prob_cheapest, high",
    ),
    (
        "regret_mean_usd",
        "Float64",
        "mean of (this cost - the cheapest strategy's cost in the same trial), USD",
    ),
    (
        "regret_p95_usd",
        "Float64",
        "95th percentile of regret, USD",
    ),
    (
        "hours_short_mean",
        "Float64",
        "mean hours short of capacity over the horizon; null without GPUs (no capacity of its own)",
    ),
    (
        "spilled_tokens_mean",
        "Float64",
        "mean output tokens sent to the API",
    ),
    (
        "dropped_tokens_mean",
        "Float64",
        "mean output tokens dropped",
    ),
];

/// Columns of `sensitivity.parquet` (written by `capsim compare`).
pub const SENSITIVITY_COLUMNS: &[(&str, &str, &str)] = &[
    ("strategy", "String", "strategy name"),
    (
        "input",
        "String",
        "a trial-level input that varies across trials, named as in the scenario (e.g. demand.monthly_tokens, gpu_prices.reserved)",
    ),
    (
        "rank",
        "UInt32",
        "1 = the input with the largest absolute rank correlation with this strategy's total cost",
    ),
    (
        "spearman",
        "Float64",
        "Spearman rank correlation between the input's draw and the strategy's total cost over the trials",
    ),
    (
        "cost_at_p10_usd",
        "Float64",
        "mean total cost of the trials whose draw of the input is at or below its 10th percentile, USD",
    ),
    (
        "cost_at_p90_usd",
        "Float64",
        "mean total cost of the trials whose draw is at or above its 90th percentile, USD",
    ),
    (
        "swing_usd",
        "Float64",
        "cost_at_p90_usd minus cost_at_p10_usd (the tornado bar), USD",
    ),
];

/// Columns of `paired.parquet` (written by `capsim compare`).
pub const PAIRED_COLUMNS: &[(&str, &str, &str)] = &[
    ("strategy_a", "String", "first strategy"),
    ("strategy_b", "String", "second strategy"),
    (
        "diff_mean_usd",
        "Float64",
        "mean over trials of cost(a) - cost(b) on the same trial, USD",
    ),
    (
        "diff_std_error_usd",
        "Float64",
        "standard error of that mean (paired), USD",
    ),
    (
        "diff_ci95_low_usd",
        "Float64",
        "95% interval of the mean difference, low, USD",
    ),
    (
        "diff_ci95_high_usd",
        "Float64",
        "95% interval of the mean difference, high, USD",
    ),
    (
        "diff_p5_usd",
        "Float64",
        "5th percentile of the per-trial difference, USD",
    ),
    (
        "diff_p95_usd",
        "Float64",
        "95th percentile of the per-trial difference, USD",
    ),
    (
        "prob_a_cheaper",
        "Float64",
        "share of trials in which a costs less than b",
    ),
];

/// Columns of `breakeven_trials.parquet` (written by `capsim breakeven`).
pub const BREAKEVEN_TRIAL_COLUMNS: &[(&str, &str, &str)] = &[
    ("trial", "UInt64", "trial index"),
    (
        "strategy",
        "String",
        "strategy name (strategies with GPUs only)",
    ),
    (
        "breakeven_monthly_tokens",
        "Float64",
        "volume (scenario monthly_tokens: output tokens per 730-hour month at the start, before growth and bursts) at which the strategy costs what the API would, solved on this trial's scaled demand path; null when the fleet saturates before it pays for itself",
    ),
    (
        "breakeven_mean_monthly_tokens",
        "Float64",
        "the same point as mean demanded output tokens per 730-hour month over the horizon (growth and bursts included); null as above",
    ),
    (
        "breakeven_utilization",
        "Float64",
        "served / paid capacity at break-even; null as above",
    ),
];

/// Columns of `breakeven.parquet` (written by `capsim breakeven`).
pub const BREAKEVEN_COLUMNS: &[(&str, &str, &str)] = &[
    (
        "monthly_tokens",
        "Float64",
        "swept volume (scenario monthly_tokens units, see above)",
    ),
    ("strategy", "String", "strategy name"),
    ("n", "UInt64", "trials"),
    (
        "prob_self_host_cheaper",
        "Float64",
        "share of trials in which the strategy costs less than the API at this volume; null without GPUs",
    ),
    ("prob_ci95_low", "Float64", "Wilson 95% interval, low"),
    ("prob_ci95_high", "Float64", "Wilson 95% interval, high"),
    (
        "cost_mean_usd",
        "Float64",
        "mean total cost over the horizon, USD",
    ),
    (
        "cost_per_mtok_usd",
        "Float64",
        "mean of total cost / demanded output tokens, USD per million",
    ),
    (
        "api_cost_per_mtok_usd",
        "Float64",
        "the API's cost per million output tokens (input tokens included at the trial's ratio), USD",
    ),
];

/// Columns of `plan.parquet` (written by `capsim plan`).
pub const PLAN_COLUMNS: &[(&str, &str, &str)] = &[
    (
        "candidate",
        "String",
        "the candidate fleet, named by its pools and counts (e.g. `owned 8×H100 server ×1 + on-demand aws/p5.48xlarge (8×H100) ≤4`), or `buy nothing (API)`",
    ),
    (
        "committed_option",
        "String",
        "the reserved or owned pool it buys (a pool of the scenario), by its label: kind, unit with its GPUs (e.g. `owned 8×H100 server`, `reserved 4×H100 replica`), and the model in brackets when the scenario's pools serve several; null if none",
    ),
    (
        "committed_units",
        "UInt32",
        "committed units (instances of an instance pool, or the instances of one replica spanning several; else replicas); 0 if none. A staged fleet: the units held in its last stage",
    ),
    (
        "committed_units_by_stage",
        "String",
        "a staged fleet (bought in stages): the committed units held in each stage from the horizon's start, comma-separated (`2,4,7`: 2 in year 1, 4 from year 2, 7 from year 3; `plan --stage-months` sets a stage's length); null for a fixed fleet",
    ),
    (
        "on_demand_option",
        "String",
        "the on-demand pool, by its label (e.g. `on-demand aws/p5.48xlarge (8×H100)`); null if none",
    ),
    (
        "on_demand_max_units",
        "UInt32",
        "on-demand ceiling, units; 0 if none",
    ),
    (
        "spot_option",
        "String",
        "the spot pool, by its label; null if none",
    ),
    ("spot_units", "UInt32", "spot units; 0 if none"),
    (
        "order",
        "String",
        "which of on-demand and spot serves first, after the committed units: `on-demand first` (on-demand kept warm: fewer hours short, more cost) or `spot first` (the cheap capacity first, on-demand started for what spot leaves after its start-up lag); both are candidates, and the candidate's label ends with it; null without both an on-demand and a spot option",
    ),
    (
        "api",
        "String",
        "the API spilled to (buying nothing: paid for everything)",
    ),
    (
        "trials",
        "UInt64",
        "trials evaluated (the first ones; fewer than the run's for a candidate the search dropped after its first round)",
    ),
    (
        "cost_mean_usd",
        "Float64",
        "mean total cost over the horizon, USD",
    ),
    (
        "cost_ci95_low_usd",
        "Float64",
        "95% interval of the mean cost, low, USD",
    ),
    (
        "cost_ci95_high_usd",
        "Float64",
        "95% interval of the mean cost, high, USD",
    ),
    (
        "cost_p95_usd",
        "Float64",
        "95th percentile of total cost, USD",
    ),
    (
        "cost_cvar95_usd",
        "Float64",
        "mean of the costliest 5% of trials, USD",
    ),
    (
        "hours_short_per_year",
        "Float64",
        "hours a year the fleet's own capacity was short (of the latency target with [slo]; the overflow went where the strategy says: for a plan candidate, the API), mean over trials; null without GPUs",
    ),
    (
        "hours_short_per_year_quantile",
        "Float64",
        "hours a year the fleet's own capacity was short (its overflow spilled to the API) at the --hours-short-quantile quantile over trials (default 0.95: the 95th percentile), the figure --max-hours-on-api holds (--max-hours-short counts hours nothing served: none for a plan candidate, which spills); null without GPUs or with --hours-short-quantile mean",
    ),
    (
        "prob_over_budget",
        "Float64",
        "share of trials whose total cost exceeds --budget; null without a budget",
    ),
    (
        "prob_any_year_over_budget",
        "Float64",
        "share of trials in which some year's cost exceeds --budget-per-year (years of 8,760 hours from the horizon's start; a partial last year against its pro-rata share); null without a yearly budget",
    ),
    (
        "regret_mean_usd",
        "Float64",
        "mean of (cost - the cheapest candidate's cost in the same trial), USD, over the trials every candidate was evaluated on (the first round when the search halved), so every candidate is compared with the same set",
    ),
    (
        "commitment_p95_usd",
        "Float64",
        "95th percentile of the commitment: reserved terms started within the horizon paid in full, owned nodes' depreciable cost, USD",
    ),
    (
        "committed_total_mean_usd",
        "Float64",
        "mean of total cost + commitments still owed after the horizon, USD",
    ),
    ("feasible", "Boolean", "meets every constraint given"),
    (
        "infeasible_reason",
        "String",
        "which constraints it fails, each with its figure and limit (e.g. `hours short P95 205 h a year > 50 h`, `year 3 over $1.5M in 31% of trials (some year over in 34%, at most 5%)`); empty if feasible",
    ),
    (
        "on_frontier",
        "Boolean",
        "feasible, evaluated on every trial, and no other such candidate has both a lower mean cost and a lower CVaR95",
    ),
    (
        "recommended",
        "Boolean",
        "the recommendation: the cheapest feasible candidate, or one within 2% of its mean cost with a lower CVaR95",
    ),
];

/// Columns of `regret_map.parquet` (written by `capsim compare`, `size` and `plan`).
pub const REGRET_MAP_COLUMNS: &[(&str, &str, &str)] = &[
    (
        "x_input",
        "String",
        "the first input of the map, as named in sensitivity.parquet (default demand.monthly_tokens)",
    ),
    (
        "x_low",
        "Float64",
        "the cell's lowest draw of the first input (quantile bins of the trials' draws)",
    ),
    (
        "x_high",
        "Float64",
        "the cell's highest draw of the first input",
    ),
    (
        "y_input",
        "String",
        "the second input (default gpu_market.level, or the first GPU price that varies)",
    ),
    (
        "y_low",
        "Float64",
        "the cell's lowest draw of the second input",
    ),
    (
        "y_high",
        "Float64",
        "the cell's highest draw of the second input",
    ),
    ("trials", "UInt64", "trials whose draws fall in the cell"),
    (
        "least_regret",
        "String",
        "the strategy with the least mean regret in the cell",
    ),
    (
        "mean_regret_usd",
        "Float64",
        "its mean regret there (cost minus the cheapest strategy's cost in the same trial), USD",
    ),
    (
        "runner_up",
        "String",
        "the strategy with the next least mean regret in the cell",
    ),
    (
        "margin_mean_usd",
        "Float64",
        "mean of cost(runner_up) - cost(least_regret) over the cell's trials, USD",
    ),
    (
        "margin_ci95_low_usd",
        "Float64",
        "95% interval of that mean, low, USD",
    ),
    (
        "margin_ci95_high_usd",
        "Float64",
        "95% interval of that mean, high, USD",
    ),
    (
        "certain",
        "Boolean",
        "the interval excludes 0: the least-regret strategy is not in doubt in the cell (false near the boundary)",
    ),
];

/// The schema document, in Markdown.
pub fn schema_markdown() -> String {
    let mut s = String::from(
        "# Output schema\n\nGenerated by `capsim schema`; a test checks this file against the code.\n\
         Tokens are output tokens; costs are USD over the run's horizon unless the column says otherwise.\n\
         Every Parquet file carries the run's facts as key-value metadata (`capsim.version`, `capsim.scenario`,\n\
         `capsim.seed`, `capsim.trials`, `capsim.horizon_hours`, `capsim.run_json`).\n\
         Rows of `trials.parquet` and `monthly.parquet` come in trial order, and within a trial in the\n\
         scenario's strategy order (then month order); they are written in row groups, block by block,\n\
         as the run goes.\n",
    );
    let table = |s: &mut String, title: &str, rows: Vec<(&str, &str, &str)>| {
        s.push_str(&format!(
            "\n## {title}\n\n| column | type | meaning |\n|---|---|---|\n"
        ));
        for (n, t, d) in rows {
            s.push_str(&format!("| `{n}` | {t} | {d} |\n"));
        }
    };
    let mut trials: Vec<(&str, &str, &str)> = TRIAL_KEYS.to_vec();
    trials.extend(trial_columns().iter().map(|c| (c.name, "Float64", c.doc)));
    table(
        &mut s,
        "trials.parquet — one row per trial × strategy",
        trials,
    );
    table(
        &mut s,
        "summary.parquet — one row per strategy × metric",
        SUMMARY_COLUMNS.to_vec(),
    );
    let mut months: Vec<(&str, &str, &str)> = MONTH_KEYS.to_vec();
    months.extend(month_columns().iter().map(|c| (c.name, "Float64", c.doc)));
    table(
        &mut s,
        "monthly.parquet — one row per trial × strategy × calendar month",
        months,
    );
    table(
        &mut s,
        "compare.parquet — one row per strategy (`capsim compare`)",
        COMPARE_COLUMNS.to_vec(),
    );
    table(
        &mut s,
        "paired.parquet — one row per pair of strategies (`capsim compare`)",
        PAIRED_COLUMNS.to_vec(),
    );
    table(
        &mut s,
        "sensitivity.parquet — one row per strategy × varying input (`capsim compare`)",
        SENSITIVITY_COLUMNS.to_vec(),
    );
    table(
        &mut s,
        "breakeven_trials.parquet — one row per trial × strategy with GPUs (`capsim breakeven`)",
        BREAKEVEN_TRIAL_COLUMNS.to_vec(),
    );
    table(
        &mut s,
        "breakeven.parquet — one row per swept volume × strategy (`capsim breakeven`)",
        BREAKEVEN_COLUMNS.to_vec(),
    );
    table(
        &mut s,
        "regret_map.parquet — one row per cell of the least-regret map (`capsim compare`, `size`, `plan`)",
        REGRET_MAP_COLUMNS.to_vec(),
    );
    table(
        &mut s,
        "plan.parquet — one row per candidate fleet (`capsim plan`)",
        PLAN_COLUMNS.to_vec(),
    );
    s.push_str(
        "\n## run.json\n\nThe resolved scenario (`scenario`, every input as validated, with the validation's \
         warnings in `scenario.warnings`, shown as the report's Notes), the scenario file as given \
         (`scenario_toml`), `seed`, `trials`, `threads`, `capsim_version`, `started_at`, `elapsed_seconds`, the \
         command (`command`, and `argv` as given), and for `size` and `plan` the `constraints` and the \
         `recommendation` in words, and `feasible` (false when no candidate met the constraints: the \
         recommendation then says so and names the binding constraint). `pools` names every pool of the strategies run, one object each: `strategy`, \
         `pool` (its name in the scenario), `label` (e.g. `owned 8×H100 server`), `count` (`×2`, `≤4`, `1–3`), \
         `kind` (with a price of its own and a reserved term), `unit`, `replicas_per_unit`, `gpus_per_replica`, \
         `gpu`, `model`, `precision` (null when the profile does not say) and `profile`; `pools_model` is the line \
         \"Every pool serves …\" when the scenario's profiles serve one model (else null: each label names its model).\n",
    );
    s
}

/// Records of every trial × strategy, in trial then strategy order.
pub fn trial_records(
    outcomes: &[TrialOutcome],
    months: f64,
) -> impl Iterator<Item = (u64, usize, TrialRecord<'_>)> {
    outcomes.iter().flat_map(move |o| {
        o.strategies.iter().enumerate().map(move |(si, t)| {
            (
                o.trial,
                si,
                TrialRecord {
                    t,
                    p: &o.params,
                    months,
                },
            )
        })
    })
}
