//! The command line: clap types (nothing past this room sees them), the
//! dispatch to one file per command, and the checks that turn flags into
//! settings. `run`, `compare`, `breakeven` and `size` share one run session
//! ([`session`]), which simulates block by block; what differs per command is
//! what it keeps per block and adds at the end ([`compare`], [`breakeven`]).
//! The other commands are in their own files.

mod breakeven;
mod calibrate;
mod capacity;
mod compare;
mod fit_traffic;
mod prices;
mod seed_table;
mod session;
pub(crate) use session::NothingFeasible;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use capsim::report;
use capsim::scenario::{self, Scenario};

#[derive(Parser)]
#[command(
    name = "capsim",
    version,
    about = "Monte Carlo capacity planning for self-hosted LLM inference"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Options shared by every command that runs trials.
#[derive(Args)]
struct RunArgs {
    /// Scenario file (TOML); the built-in seed scenario if omitted.
    scenario: Option<PathBuf>,
    /// Trials (default: the scenario's run.trials).
    #[arg(long, allow_negative_numbers = true, value_parser = whole::<u64>)]
    trials: Option<u64>,
    /// Seed (default: the scenario's run.seed).
    #[arg(long, allow_negative_numbers = true, value_parser = whole::<u64>)]
    seed: Option<u64>,
    /// Folder under which the run folder is created.
    #[arg(long, default_value = "reports")]
    out: PathBuf,
    /// Worker threads (default: all cores).
    #[arg(long, allow_negative_numbers = true, value_parser = whole::<usize>)]
    threads: Option<usize>,
    /// Collapse every distribution to its point value.
    #[arg(long)]
    deterministic: bool,
    /// Price the API as this model of a LiteLLM-format catalog (replaces the scenario's [api]),
    /// e.g. gpt-4o or deepinfra/meta-llama/Llama-3.3-70B-Instruct.
    #[arg(long)]
    api_model: Option<String>,
    /// Run only shard I of N (0-based: 0/4 … 3/4): a contiguous block of the trials,
    /// with the same random streams as the whole run. Combine with `capsim merge`.
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    shard: Option<[u64; 2]>,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Also write report.html (charts and tables, self-contained) into the run folder.
    #[arg(long)]
    report: bool,
    /// Run until the 95% CI of every strategy's mean cost is within this much
    /// of the mean (e.g. 1% or 0.5%), doubling trials from 1,000; --trials is
    /// then the cap (default 1,000,000).
    // Hyphen values, not only negative numbers: `-1%` reaches the parser too.
    #[arg(long, value_name = "PCT", allow_hyphen_values = true, value_parser = capsim::precision::parse_precision)]
    precision: Option<f64>,
    /// Name of the run folder under --out (default: <scenario>-seed<S>-<time>).
    #[arg(long)]
    name: Option<String>,
    /// Replace the run folder given by --name if it already holds a run (the
    /// old run stays in place until the new one is complete).
    #[arg(long, requires = "name")]
    force: bool,
    /// Catalog file for --api-model (default: the built-in subset of LiteLLM's catalog).
    #[arg(long, requires = "api_model")]
    catalog: Option<PathBuf>,
    /// compare, size and plan: the two inputs of the least-regret map, as named in
    /// sensitivity.parquet (default: demand.monthly_tokens and the GPU market level
    /// or the first GPU price that varies).
    #[arg(long, value_delimiter = ',', value_name = "X,Y")]
    map: Vec<String>,
}

/// What a recommended fleet must meet (`plan` and `size`).
#[derive(Args, Clone, Copy)]
#[command(group(clap::ArgGroup::new("budgets").multiple(true).args(["budget", "budget_per_year"])))]
#[command(group(clap::ArgGroup::new("hour_limits").multiple(true).args(["max_hours_short", "max_hours_on_api"])))]
struct LimitArgs {
    /// At most this many hours a year over the target: hours in which demand was
    /// not served within its hour by the fleet (of the latency target with
    /// [slo]) or by an API, i.e. dropped or queued. At the quantile over trials
    /// of --hours-short-quantile (default: the 95th percentile, in 19 trials
    /// of 20). A strategy that spills to an API (every plan candidate, buying
    /// nothing) is never over it: the API serves what the fleet cannot.
    #[arg(long, value_name = "HOURS", allow_negative_numbers = true)]
    max_hours_short: Option<f64>,
    /// At most this many hours a year in which the fleet's own capacity was
    /// short and its overflow went to the API (buying nothing: every hour with
    /// demand), at the same quantile: how much a fleet may lean on the API.
    #[arg(long, value_name = "HOURS", allow_negative_numbers = true)]
    max_hours_on_api: Option<f64>,
    /// Which figure over trials of hours per year --max-hours-short and
    /// --max-hours-on-api hold: a quantile above 0 and at most 1 (0.95: the 95th
    /// percentile; 1: the worst trial), or `mean`.
    #[arg(
        long,
        value_name = "Q|mean",
        default_value = "0.95",
        requires = "hour_limits",
        value_parser = capsim::plan::HoursShortAt::parse
    )]
    hours_short_quantile: capsim::plan::HoursShortAt,
    /// Budget for the horizon's total cost, USD (with --max-prob-over-budget).
    #[arg(long, value_name = "USD", allow_negative_numbers = true)]
    budget: Option<f64>,
    /// Budget for each year's cost, USD: years of 8,760 hours from the horizon's
    /// start, a partial last year against its pro-rata share; met when every year
    /// of a trial is within it, in all but --max-prob-over-budget of trials.
    #[arg(long, value_name = "USD", allow_negative_numbers = true)]
    budget_per_year: Option<f64>,
    /// Largest allowed probability that the cost exceeds --budget, and that some
    /// year of a trial exceeds --budget-per-year (0.05 = 5%).
    #[arg(
        long,
        value_name = "P",
        default_value_t = 0.05,
        requires = "budgets",
        allow_negative_numbers = true
    )]
    max_prob_over_budget: f64,
    /// Largest commitment (95th percentile): reserved terms started within the
    /// horizon paid in full, and owned nodes' depreciable cost, USD.
    #[arg(long, value_name = "USD", allow_negative_numbers = true)]
    max_commitment: Option<f64>,
}

impl LimitArgs {
    /// The constraints, each checked: a fraction as a fraction, money and hours not negative.
    fn constraints(self) -> Result<capsim::plan::Constraints> {
        for (flag, v) in [
            ("--max-hours-short", self.max_hours_short),
            ("--max-hours-on-api", self.max_hours_on_api),
            ("--budget", self.budget),
            ("--budget-per-year", self.budget_per_year),
            ("--max-commitment", self.max_commitment),
        ] {
            if let Some(v) = v {
                anyhow::ensure!(
                    v.is_finite() && v >= 0.0,
                    "{flag}: {v} must be a number, zero or more"
                );
            }
        }
        for (flag, h) in [
            ("--max-hours-short", self.max_hours_short),
            ("--max-hours-on-api", self.max_hours_on_api),
        ] {
            if let Some(h) = h {
                anyhow::ensure!(h <= 8784.0, "{flag}: {h} is more hours than a year has");
            }
        }
        let p = self.max_prob_over_budget;
        anyhow::ensure!(
            (0.0..=1.0).contains(&p),
            "--max-prob-over-budget: {p} must be a probability between 0 and 1 (0.05 means 5%)"
        );
        Ok(capsim::plan::Constraints {
            max_hours_short: self.max_hours_short,
            max_hours_on_api: self.max_hours_on_api,
            hours_short_at: self.hours_short_quantile,
            budget: self.budget,
            budget_per_year: self.budget_per_year,
            max_prob_over_budget: p,
            max_commitment: self.max_commitment,
        })
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario and write a report folder.
    Run(RunArgs),
    /// Compare the scenario's strategies on the same trials: risk, regret, paired differences.
    Compare(RunArgs),
    /// Break-even volume per trial, and a sweep of P(self-hosting cheaper) over monthly volume.
    Breakeven {
        #[command(flatten)]
        run: RunArgs,
        /// Monthly volumes to sweep (output tokens per 730-hour month, comma-separated,
        /// e.g. 1e8,5e8,2e9). Default: 13 points from 0.1× to 10× the scenario's volume.
        #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
        volumes: Vec<f64>,
    },
    /// Sweep the reserved replica count of one strategy: expected cost against tail risk,
    /// and a recommended size.
    Size {
        #[command(flatten)]
        run: RunArgs,
        /// Strategy to resize (default: the first with a pool of that kind).
        #[arg(long)]
        strategy: Option<String>,
        /// Which pool to resize: reserved, spot or owned (replicas; instances for an
        /// instance pool, or the instances of one replica when it spans several),
        /// on-demand (ceiling, max_replicas).
        #[arg(long, value_enum, default_value = "reserved")]
        pool: PoolArg,
        /// Sizes to try (comma-separated; 0 is no such pool; default 0 to 6).
        #[arg(long, value_delimiter = ',', default_value = "0,1,2,3,4,5,6", allow_negative_numbers = true, value_parser = whole::<u32>)]
        replicas: Vec<u32>,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Search fleets built from the scenario's pools (committed, on-demand and
    /// spot counts, or buying nothing) on the same trials, under constraints,
    /// and recommend one: plan.parquet, the frontier, the reason.
    Plan {
        #[command(flatten)]
        run: RunArgs,
        #[command(flatten)]
        limits: LimitArgs,
        /// Committed (reserved or owned) units tried: 1 to this (instances for an
        /// instance pool; the instances of one replica when it spans several).
        #[arg(long, default_value_t = 4, allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(0..=50))]
        max_committed: u32,
        /// On-demand ceilings tried (units, comma-separated).
        #[arg(long, value_delimiter = ',', default_value = "2,4,6", allow_negative_numbers = true, value_parser = whole::<u32>)]
        on_demand: Vec<u32>,
        /// Spot units tried: 1 to this.
        #[arg(long, default_value_t = 3, allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(0..=50))]
        max_spot: u32,
        /// Months of a stage of a staged fleet (730-hour months): besides fixed
        /// fleets, plan tries buying the committed option in stages, each bought
        /// at a stage's start. Default: 12 (yearly) when the horizon is longer
        /// than a year; 0 tries fixed fleets only.
        #[arg(long, value_name = "MONTHS", allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(0..=120))]
        stage_months: Option<u32>,
        /// Most candidates searched: a larger grid is refused before the search,
        /// with its count and how to narrow it.
        #[arg(long, value_name = "N", default_value_t = capsim::plan::MAX_CANDIDATES, allow_negative_numbers = true, value_parser = whole::<u64>)]
        max_candidates: u64,
    },
    /// Reproduce the seed calculation and print the corrected figures beside it.
    SeedTable {
        /// Scenario holding the seed's point values (default: built-in seed).
        scenario: Option<PathBuf>,
    },
    /// Check a scenario and report every problem with its field.
    Validate {
        /// Scenario file (TOML).
        scenario: PathBuf,
    },
    /// Merge the run folders of shards (`capsim run --shard I/N`) into one run.
    Merge {
        /// Shard run folders.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Folder under which the merged run folder is created.
        #[arg(long, default_value = "reports")]
        out: PathBuf,
        /// Also write report.html into the merged folder.
        #[arg(long)]
        report: bool,
    },
    /// Write report.html (self-contained: tables and SVG charts) for a run folder.
    Report {
        /// Run folder (as written by run, compare, breakeven, size or merge).
        run_dir: PathBuf,
        /// Where to write the page (default: RUN_DIR/report.html).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Print the output schema (Markdown).
    Schema,
    /// One replica's output tokens/s from the serving model: at maximum load,
    /// or at the latency targets; a table over a grid of mixes without
    /// --input-tokens/--output-tokens.
    Capacity {
        /// Model profile: a built-in name (llama3-70b-fp8-h100, gpt-oss-120b-mxfp4-b200,
        /// deepseek-r1-fp4-b200, …) or a path ending in .toml. Or compose one with
        /// --gpu and --model instead.
        #[arg(required_unless_present_all = ["gpu", "model"], conflicts_with_all = ["gpu", "model"])]
        profile: Option<String>,
        /// Compose without a profile: the GPU (a hardware profile or alias: H100, H200,
        /// B200, GB200, B300, GB300, MI300X, MI325X, MI350X, MI355X; or a .toml path).
        #[arg(long, requires = "model")]
        gpu: Option<String>,
        /// Compose without a profile: the model (an architecture or alias: gpt-oss-120b,
        /// deepseek-r1, qwen3-235b-a22b, llama3.3-70b, …; or a .toml path).
        #[arg(long, requires = "gpu")]
        model: Option<String>,
        /// Weight format of a composed replica: fp4 (nvfp4), mxfp4, fp8, int8, int4,
        /// bf16 (default), fp16.
        #[arg(long, requires = "gpu")]
        precision: Option<String>,
        /// KV-cache format of a composed replica (default: fp8 for 4-bit float
        /// weights, else bf16).
        #[arg(long, requires = "gpu")]
        kv_cache_dtype: Option<String>,
        /// How a composed replica's GPUs share the model: tp (tensor parallel) or dep
        /// (attention data parallel + expert parallel). Default: for MoE on >1 GPU, whichever serves more on a 1,155 + 211 token mix; else tp.
        #[arg(long, requires = "gpu")]
        parallel: Option<String>,
        /// Prompt tokens per request.
        #[arg(long, requires = "output_tokens", allow_negative_numbers = true)]
        input_tokens: Option<f64>,
        /// Output tokens per request.
        #[arg(long, requires = "input_tokens", allow_negative_numbers = true)]
        output_tokens: Option<f64>,
        /// Share of prompt tokens served from the prefix cache (0-1): they skip prefill.
        #[arg(long, allow_negative_numbers = true)]
        cached_prompt_fraction: Option<f64>,
        /// GPUs per replica (default: the profile's; composed: the fewest that hold
        /// the weights).
        #[arg(long, alias = "tp", allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..=1024))]
        gpus: Option<u32>,
        /// Time-per-output-token target, milliseconds.
        #[arg(long, allow_negative_numbers = true)]
        tpot_ms: Option<f64>,
        /// Time-to-first-token target, milliseconds.
        #[arg(long, allow_negative_numbers = true)]
        ttft_ms: Option<f64>,
        /// Print one JSON object (or an array, for the grid).
        #[arg(long)]
        json: bool,
    },
    /// The serving model against published throughput: the error per figure, per GPU
    /// family and per model; with --fit, the family efficiencies refitted on them.
    Calibrate {
        /// Rows files instead of the shipped ones (columns of models/calibration/rows.csv;
        /// the `fit` column says yes, holdout or no). Repeat for several.
        #[arg(long)]
        rows: Vec<PathBuf>,
        /// Refit the efficiencies of each family (printed as efficiency.toml, or to --write).
        #[arg(long)]
        fit: bool,
        /// Write the refitted table to this file (e.g. models/calibration/efficiency.toml).
        #[arg(long, requires = "fit")]
        write: Option<PathBuf>,
    },
    /// What the price catalogs hold: GPU instances (GPUs per node, on-demand,
    /// spot and reserved prices by region) and API models (input, cached input
    /// and output prices), filtered.
    Prices {
        /// Only instances of this GPU (e.g. H100; also matches instance types).
        #[arg(long)]
        gpu: Option<String>,
        /// Only API models whose key contains this text (e.g. llama-3.3).
        #[arg(long)]
        api: Option<String>,
        /// A catalog file instead of the built-in one of its kind: a SkyPilot-format
        /// CSV (GPU instances) or a LiteLLM-format JSON (API models).
        #[arg(long)]
        catalog: Option<PathBuf>,
    },
    /// Fit a traffic profile (daily and weekly shape, noise, bursts, input/output
    /// ratio) to a request-rate series or a request log; use it from a scenario
    /// with `[demand] traffic = "FILE"`.
    FitTraffic {
        /// Trace (CSV with a header): `window_start_s,requests_per_s` (ServeGen) or
        /// `TIMESTAMP,ContextTokens,GeneratedTokens` (Azure LLM trace).
        trace: PathBuf,
        /// Form of the trace (auto: from the header's column names).
        #[arg(long, value_enum, default_value = "auto")]
        format: capsim::traffic::Format,
        /// Request logs: count requests into windows of this many seconds.
        #[arg(
            long,
            default_value_t = 600.0,
            value_name = "SECONDS",
            allow_negative_numbers = true
        )]
        window: f64,
        /// Treat windows with a zero rate as real traffic, not as collection gaps.
        #[arg(long)]
        keep_zeros: bool,
        /// Weekday of day 0 when the times are bare seconds (ServeGen's is unknown).
        #[arg(long, value_enum, default_value = "monday")]
        first_weekday: Weekday,
        /// Profile name (default: the trace's file name).
        #[arg(long)]
        name: Option<String>,
        /// Citation of the trace, written into the profile.
        #[arg(long, default_value = "not given (fit-traffic --source)")]
        source: String,
        /// Write the profile here (default: standard output).
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Replace --out if it exists.
        #[arg(long, requires = "out")]
        force: bool,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

/// What the scenario allows but looks wrong, on standard error.
fn print_warnings(s: &Scenario) {
    for w in &s.warnings {
        eprintln!("warning: {w}");
    }
}

fn load(path: Option<&PathBuf>) -> Result<Scenario> {
    Ok(match path {
        Some(p) => scenario::load(p)?,
        None => scenario::builtin_seed(),
    })
}

/// A progress bar on standard error: trials done, rate and time left. Hidden
/// when standard error is not a terminal or with `--quiet`.
fn progress_bar(trials: u64, quiet: bool) -> ProgressBar {
    use std::io::IsTerminal as _;
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(trials), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{bar:40} {human_pos}/{human_len} trials · {per_sec} · {eta} left",
    ) {
        bar.set_style(style);
    }
    bar
}

/// `I/N` with 0 ≤ I < N.
/// A whole number, zero or more, with a message that says so (clap's own
/// for `-1` is "unexpected argument").
fn whole<T: std::str::FromStr>(s: &str) -> Result<T, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a whole number, zero or more (e.g. 1000 or 2027)"))
}

/// Most shards a run may be cut into.
const MAX_SHARDS: u64 = 100_000;
/// Most worker threads (a machine with more cores is rare; more threads
/// than cores only cost memory).
const MAX_THREADS: usize = 1024;
/// Most trials of the commands that keep a few numbers per trial and
/// strategy in memory (compare, size, breakeven): 1,000,000 realistic
/// trials peak at about 0.6 GB, so this bounds them near 2.5 GB. Larger runs
/// are `capsim run` (streamed to disk), sharded if need be.
const MAX_KEPT_TRIALS: u64 = 4_000_000;
/// Most break-even volumes and sizes swept in one run.
const MAX_SWEEP: usize = 1000;

/// `I/N` with 0 ≤ I < N ≤ [`MAX_SHARDS`] (a clap value parser).
fn parse_shard(text: &str) -> Result<[u64; 2], String> {
    let bad = || format!("`{text}`: expected I/N with 0 <= I < N, e.g. 0/4");
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let (i, n): (u64, u64) = (
        i.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if !(n >= 1 && i < n) {
        return Err(bad());
    }
    if n > MAX_SHARDS {
        return Err(format!(
            "`{text}`: at most {MAX_SHARDS} shards (each shard is a process and a folder)"
        ));
    }
    Ok([i, n])
}

enum Job {
    Run,
    Compare,
    Breakeven(Vec<f64>),
    Size(
        Option<String>,
        scenario::PoolKind,
        Vec<u32>,
        capsim::plan::Constraints,
    ),
    /// Constraints, grid, and the most candidates searched.
    Plan(capsim::plan::Constraints, capsim::plan::Grid, u64),
}

impl Job {
    /// The command's name, for run.json.
    fn command(&self) -> &'static str {
        match self {
            Job::Run => "run",
            Job::Compare => "compare",
            Job::Breakeven(_) => "breakeven",
            Job::Size(..) => "size",
            Job::Plan(..) => "plan",
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum PoolArg {
    Reserved,
    OnDemand,
    Spot,
    Owned,
}

impl PoolArg {
    fn kind(self) -> scenario::PoolKind {
        match self {
            PoolArg::Reserved => scenario::PoolKind::Reserved,
            PoolArg::OnDemand => scenario::PoolKind::OnDemand,
            PoolArg::Spot => scenario::PoolKind::Spot,
            PoolArg::Owned => scenario::PoolKind::Owned,
        }
    }
}

/// Parse the command line and run the command.
pub(crate) fn run() -> Result<()> {
    match Cli::parse().command {
        Command::Run(args) => session::execute(args, Job::Run)?,
        Command::Compare(args) => session::execute(args, Job::Compare)?,
        Command::Breakeven { run, volumes } => session::execute(run, Job::Breakeven(volumes))?,
        Command::Size {
            run,
            strategy,
            pool,
            replicas,
            limits,
        } => session::execute(
            run,
            Job::Size(strategy, pool.kind(), replicas, limits.constraints()?),
        )?,
        Command::Plan {
            run,
            limits,
            max_committed,
            on_demand,
            max_spot,
            stage_months,
            max_candidates,
        } => {
            anyhow::ensure!(
                on_demand.len() <= 20 && on_demand.iter().all(|&n| n <= 2000),
                "--on-demand: at most 20 ceilings, each at most 2000"
            );
            let grid = capsim::plan::Grid {
                max_committed,
                on_demand_ceilings: on_demand,
                max_spot,
                // Resolved against the horizon once the scenario is read.
                stage_hours: stage_months.map_or(u32::MAX, |m| m * 730),
            };
            session::execute(run, Job::Plan(limits.constraints()?, grid, max_candidates))?
        }
        Command::SeedTable { scenario } => seed_table::print(scenario.as_ref())?,
        Command::Validate { scenario } => {
            let s = scenario::load(&scenario)?;
            print_warnings(&s);
            println!(
                "{}: valid ({} strategies, {} trials, {} hours)",
                scenario.display(),
                s.strategies.len(),
                s.trials,
                s.horizon_hours
            );
        }
        Command::Merge {
            shards,
            out,
            report,
        } => {
            let dir = report::merge::merge(&shards, &out, report)?;
            println!("merged {} shards: {}", shards.len(), dir.display());
        }
        Command::Report { run_dir, output } => {
            let target = output.unwrap_or_else(|| run_dir.join(report::REPORT_FILE));
            report::html::write_report(&run_dir, &target)?;
            println!("report: {}", target.display());
        }
        Command::Schema => print!("{}", report::columns::schema_markdown()),
        Command::Capacity {
            profile,
            gpu,
            model,
            precision,
            kv_cache_dtype,
            parallel,
            input_tokens,
            output_tokens,
            cached_prompt_fraction,
            gpus,
            tpot_ms,
            ttft_ms,
            json,
        } => capacity::capacity(capacity::Args {
            profile,
            compose: gpu.zip(model).map(|(hardware, architecture)| {
                capsim::scenario::compose::Composition {
                    hardware,
                    architecture,
                    precision,
                    kv_cache: kv_cache_dtype,
                    gpus,
                    parallel,
                }
            }),
            mix: input_tokens.zip(output_tokens),
            cached_prompt_fraction,
            gpus,
            tpot_ms,
            ttft_ms,
            json,
        })?,
        Command::Calibrate { rows, fit, write } => {
            calibrate::calibrate(&rows, fit, write.as_ref())?
        }
        Command::Prices { gpu, api, catalog } => {
            prices::prices(gpu.as_deref(), api.as_deref(), catalog.as_deref())?
        }
        Command::FitTraffic {
            trace,
            format,
            window,
            keep_zeros,
            first_weekday,
            name,
            source,
            out,
            force,
        } => fit_traffic::fit_traffic(
            &trace,
            capsim::traffic::ReadOptions {
                format,
                window_s: window,
                keep_zeros,
                first_weekday: first_weekday as usize,
            },
            name,
            source,
            out,
            force,
        )?,
    }
    Ok(())
}
