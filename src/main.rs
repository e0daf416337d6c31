//! The `capsim` command line: parse, hand over, print errors. Clap types stay here.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use capsim::engine::Engine;
use capsim::report::stream::RunFiles;
use capsim::report::{self, RunInfo, terminal};
use capsim::scenario::{self, Scenario};
use capsim::seed_table::seed_table;
use capsim::{breakeven, compare};

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
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Also write report.html (charts and tables, self-contained) into the run folder.
    #[arg(long)]
    report: bool,
    /// Run until the 95% CI of every strategy's mean cost is within this much
    /// of the mean (e.g. 1% or 0.5%), doubling trials from 1,000; --trials is
    /// then the cap (default 1,000,000).
    #[arg(long, value_name = "PCT")]
    precision: Option<String>,
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
        #[arg(long, value_delimiter = ',')]
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
        /// Which pool to resize: reserved or spot (replicas), on-demand (ceiling, max_replicas).
        #[arg(long, value_enum, default_value = "reserved")]
        pool: PoolArg,
        /// Sizes to try (comma-separated; default 1 to 6).
        #[arg(long, value_delimiter = ',', default_value = "1,2,3,4,5,6")]
        replicas: Vec<u32>,
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
        /// Model profile: a built-in name (llama3-70b-fp8-h100, llama3-70b-fp8-h200,
        /// llama3-70b-bf16-h100, llama3-8b-bf16-h100, …) or a path ending in .toml.
        profile: String,
        /// Prompt tokens per request.
        #[arg(long, requires = "output_tokens")]
        input_tokens: Option<f64>,
        /// Output tokens per request.
        #[arg(long, requires = "input_tokens")]
        output_tokens: Option<f64>,
        /// GPUs per replica (tensor-parallel size; default: the profile's).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
        tp: Option<u32>,
        /// Time-per-output-token target, milliseconds.
        #[arg(long)]
        tpot_ms: Option<f64>,
        /// Time-to-first-token target, milliseconds.
        #[arg(long)]
        ttft_ms: Option<f64>,
        /// Print one JSON object (or an array, for the grid).
        #[arg(long)]
        json: bool,
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
        #[arg(long, default_value_t = 600.0, value_name = "SECONDS")]
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

fn parse_shard(text: &str) -> Result<[u64; 2]> {
    let bad = || anyhow::anyhow!("--shard {text}: expected I/N with 0 <= I < N, e.g. 0/4");
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let (i, n): (u64, u64) = (
        i.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    anyhow::ensure!(n >= 1 && i < n, bad());
    anyhow::ensure!(
        n <= MAX_SHARDS,
        "--shard {text}: at most {MAX_SHARDS} shards (each shard is a process and a folder)"
    );
    Ok([i, n])
}

enum Job {
    Run,
    Compare,
    Breakeven(Vec<f64>),
    Size(Option<String>, scenario::PoolKind, Vec<u32>),
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum PoolArg {
    Reserved,
    OnDemand,
    Spot,
}

impl PoolArg {
    fn kind(self) -> scenario::PoolKind {
        match self {
            PoolArg::Reserved => scenario::PoolKind::Reserved,
            PoolArg::OnDemand => scenario::PoolKind::OnDemand,
            PoolArg::Spot => scenario::PoolKind::Spot,
        }
    }
}

fn execute(args: RunArgs, job: Job) -> Result<()> {
    let RunArgs {
        scenario,
        trials,
        seed,
        out,
        threads,
        deterministic,
        api_model,
        catalog,
        quiet,
        shard,
        report: want_report,
        name,
        force,
        precision,
    } = args;
    let precision = precision
        .as_deref()
        .map(capsim::precision::parse_precision)
        .transpose()
        .map_err(|e| anyhow::anyhow!(e))?;
    let mut s = match &api_model {
        Some(key) => scenario::load_with_api(scenario.as_deref(), key, catalog.as_deref())?,
        None => load(scenario.as_ref())?,
    };
    if deterministic {
        s = s.deterministic();
    }
    print_warnings(&s);
    if let Job::Size(name, kind, replicas) = &job {
        let kind = *kind;
        let si = match name {
            Some(n) => s
                .strategies
                .iter()
                .position(|st| &st.name == n)
                .with_context(|| format!("--strategy: no strategy named `{n}` in the scenario"))?,
            None => s
                .strategies
                .iter()
                .position(|st| st.pools.iter().any(|p| p.kind == kind))
                .context("--pool: the scenario has no strategy with a pool of that kind")?,
        };
        anyhow::ensure!(
            !replicas.is_empty() && replicas.iter().all(|&r| (1..=1000).contains(&r)),
            "--replicas: give replica counts between 1 and 1000"
        );
        anyhow::ensure!(
            replicas.len() <= 100,
            "--replicas: at most 100 sizes in one run (got {})",
            replicas.len()
        );
        s.strategies = compare::size_variants(&s, si, kind, replicas).with_context(|| {
            format!(
                "--strategy: `{}` has no pool of that kind to resize",
                s.strategies[si].name
            )
        })?;
    }
    let trials = match precision {
        Some(_) => trials.unwrap_or(1_000_000),
        None => trials.unwrap_or(s.trials),
    };
    anyhow::ensure!(trials >= 1, "--trials: must be at least 1");
    anyhow::ensure!(
        matches!(job, Job::Run) || trials <= MAX_KEPT_TRIALS,
        "--trials {trials}: compare, size and breakeven keep every trial's figures in memory, so at most {MAX_KEPT_TRIALS} trials (about 2.5 GB); use `capsim run` for more"
    );
    anyhow::ensure!(
        trials <= scenario::MAX_TRIALS as u64,
        "--trials {trials}: must be at most {} (as run.trials in a scenario)",
        scenario::MAX_TRIALS
    );
    let seed = seed.unwrap_or(s.seed);
    let shard = match &shard {
        None => None,
        Some(text) => {
            anyhow::ensure!(
                matches!(job, Job::Run),
                "--shard: only `capsim run` can be sharded"
            );
            anyhow::ensure!(
                precision.is_none(),
                "--shard: a sharded run has a fixed number of trials; drop --precision"
            );
            Some(parse_shard(text)?)
        }
    };
    let range = match shard {
        None => 0..trials,
        Some([i, n]) => {
            let cut = |k: u64| (u128::from(trials) * u128::from(k) / u128::from(n)) as u64;
            cut(i)..cut(i + 1)
        }
    };
    if threads == Some(0) {
        anyhow::bail!("--threads: must be at least 1");
    }
    if let Some(t) = threads.filter(|t| *t > MAX_THREADS) {
        anyhow::bail!("--threads {t}: must be at most {MAX_THREADS}");
    }
    if let Job::Breakeven(v) = &job {
        anyhow::ensure!(
            v.len() <= MAX_SWEEP,
            "--volumes: at most {MAX_SWEEP} volumes in one sweep (got {})",
            v.len()
        );
        if let Some(bad) = v.iter().find(|x| !(x.is_finite() && **x > 0.0)) {
            anyhow::bail!("--volumes: {bad} is not a positive, finite number of tokens");
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .context("starting worker threads")?;
    let mut info = RunInfo {
        capsim_run_format: report::folder::RUN_FORMAT.into(),
        capsim_version: env!("CARGO_PKG_VERSION").into(),
        scenario_name: s.name.clone(),
        seed,
        trials,
        threads: pool.current_num_threads(),
        horizon_hours: s.horizon_hours,
        deterministic,
        started_at: chrono::Utc::now().to_rfc3339(),
        elapsed_seconds: 0.0,
        trial_range: [range.start, range.end],
        shard,
        scenario_toml: s.source_text.clone(),
        scenario: s.clone(),
    };
    let target = report::prepare_out(&out, &info, name.as_deref(), force)?;
    let t0 = Instant::now();
    let engine = Engine::new(&s, seed);
    let bar = progress_bar(range.end - range.start, quiet);
    // Trials go to the run folder block by block; the jobs that compare
    // strategies trial by trial (compare, size) also keep the few columns
    // they read (compare::TrialColumns), not the trials.
    let mut files = RunFiles::create(&target)?;
    files.append(&s, engine.calendar(), &[])?;
    let keep = matches!(job, Job::Compare | Job::Size(..));
    let plain_run = matches!(job, Job::Run);
    let mut kept = compare::TrialColumns::new(&s);
    if keep && precision.is_none() {
        kept.reserve((range.end - range.start) as usize);
    }
    let mut n_run = 0u64;
    let mut sink = |chunk: Vec<capsim::engine::TrialOutcome>| -> Result<()> {
        files.append(&s, engine.calendar(), &chunk)?;
        n_run += chunk.len() as u64;
        if keep {
            kept.push(&chunk);
        }
        Ok(())
    };
    let converged = match precision {
        None => {
            pool.install(|| engine.run_chunked(range.clone(), &|| bar.inc(1), &mut sink))?;
            None
        }
        Some(target) => {
            let c = pool.install(|| {
                capsim::precision::run_to_precision(
                    &engine,
                    target,
                    1000,
                    trials,
                    &|r| bar.set_length(r.end),
                    &|| bar.inc(1),
                    &mut sink,
                )
            })?;
            Some((target, c))
        }
    };
    bar.finish_and_clear();
    let trials = if converged.is_some() {
        info.trials = n_run;
        info.trial_range = [0, n_run];
        n_run
    } else {
        trials
    };
    let names: Vec<String> = s.strategies.iter().map(|st| st.name.clone()).collect();
    let mut extra = Vec::new();
    let mut text = Vec::new();
    match job {
        Job::Run => {}
        Job::Compare | Job::Size(..) => {
            let c = compare::compare(&s, &kept).context("nothing to compare")?;
            extra.push(("compare.parquet", report::parquet::compare_frame(&c)?));
            extra.push(("paired.parquet", report::parquet::paired_frame(&c)?));
            let sens = capsim::sensitivity::sensitivity(&s, &kept.inputs, &kept.cost);
            // Not needed any more: freed before the summary's read-back.
            drop(kept);
            extra.push((
                "sensitivity.parquet",
                report::parquet::sensitivity_frame(&sens)?,
            ));
            text.push(terminal::compare_table(&c));
            text.push(terminal::sensitivity_lines(&sens));
            text.push(if matches!(job, Job::Size(..)) {
                format!("Recommended size: {}.", compare::recommend(&c, 0.02).1)
            } else {
                format!(
                    "Least regret (regret = cost minus the cheapest strategy's cost in the same trial):\n  {}",
                    c.reasoning().join("\n  ")
                )
            });
        }
        Job::Breakeven(mut volumes) => {
            if volumes.is_empty() {
                let point = capsim::model::params::ParamSet::new(&s.deterministic(), seed)
                    .draw(0)
                    .monthly_tokens;
                volumes = breakeven::log_volumes(0.1 * point, 10.0 * point, 13);
            }
            let per_trial = pool.install(|| breakeven::per_trial(&engine, 0..trials));
            let rows = pool.install(|| breakeven::sweep_rows(&engine, 0..trials, &volumes, &names));
            let dist = breakeven::distribution(&names, &per_trial);
            extra.push((
                "breakeven_trials.parquet",
                report::parquet::breakeven_trials_frame(&s, &per_trial)?,
            ));
            extra.push((
                "breakeven.parquet",
                report::parquet::breakeven_frame(&rows)?,
            ));
            text.push(terminal::breakeven_table(&dist, &s.api.name));
            text.push(terminal::sweep_table(&names, &rows));
        }
    }
    info.elapsed_seconds = t0.elapsed().as_secs_f64();
    let run_json = serde_json::to_string_pretty(&info).context("serialising run.json")?;
    let meta = report::parquet::metadata(
        &info.capsim_version,
        &info.scenario_name,
        info.seed,
        info.trials,
        info.horizon_hours,
        &run_json,
    );
    let (summary, dir) = files.finish(&names, &run_json, &meta, extra, want_report)?;
    if plain_run {
        text.push(terminal::summary_table(&s, &summary));
        text.extend(terminal::headline(&s, &summary));
    }
    println!(
        "{} — {} trials, seed {}, {:.2} s",
        s.name, trials, seed, info.elapsed_seconds
    );
    if let Some((target, c)) = &converged {
        if c.met {
            println!(
                "Precision ±{:.2}% reached after {} trials (widest: {}, ±{:.2}%).",
                100.0 * target,
                c.trials,
                c.worst_strategy,
                100.0 * c.worst_half_width
            );
        } else {
            println!(
                "Precision ±{:.2}% NOT reached: stopped at the cap of {} trials, {} is at ±{:.2}% (raise --trials).",
                100.0 * target,
                c.trials,
                c.worst_strategy,
                100.0 * c.worst_half_width
            );
        }
    }
    for t in text {
        println!("{t}");
    }
    if want_report {
        println!("report: {}", dir.join(report::REPORT_FILE).display());
    } else {
        println!(
            "run folder: {} (add --report, or run `capsim report` on it, for report.html)",
            dir.display()
        );
    }
    Ok(())
}

fn fit_traffic(
    path: &std::path::Path,
    opts: capsim::traffic::ReadOptions,
    name: Option<String>,
    source: String,
    out: Option<PathBuf>,
    force: bool,
) -> Result<()> {
    use capsim::traffic;
    if let Some(o) = &out {
        anyhow::ensure!(
            force || !o.exists(),
            "--out {}: the file exists (add --force to replace it)",
            o.display()
        );
    }
    let trace = traffic::trace::read(path, &opts)?;
    let fit = traffic::fit(&trace.hourly);
    let name = name.unwrap_or_else(|| {
        path.file_stem()
            .map_or("traffic".into(), |s| s.to_string_lossy().into_owned())
    });
    let meta = traffic::ProfileMeta {
        name,
        source,
        file: path
            .file_name()
            .map_or_else(String::new, |f| f.to_string_lossy().into_owned()),
    };
    let text = traffic::render(&meta, &trace, &fit);
    eprint!("{}", traffic::summary(&trace, &fit));
    match out {
        None => print!("{text}"),
        Some(o) => {
            report::write_atomic(&o, text.as_bytes())?;
            eprintln!("profile: {}", o.display());
        }
    }
    Ok(())
}

/// `capsim capacity`.
fn capacity(
    profile: &str,
    mix: Option<(f64, f64)>,
    tp: Option<u32>,
    tpot_ms: Option<f64>,
    ttft_ms: Option<f64>,
    json: bool,
) -> Result<()> {
    use capsim::report::capacity::{GRID, row, table};
    use capsim::serving::{LatencyTarget, Mix};
    let mut model = scenario::load_profile(profile)?;
    if let Some(g) = tp {
        model.gpus_per_replica = g;
        if let scenario::Throughput::Serving { replica, .. } = &mut model.throughput {
            replica.gpus = g;
        }
    }
    for (name, v) in [("--tpot-ms", tpot_ms), ("--ttft-ms", ttft_ms)] {
        if let Some(v) = v {
            anyhow::ensure!(
                v.is_finite() && v > 0.0,
                "{name}: {v} must be a time in milliseconds, greater than 0"
            );
        }
    }
    let target = LatencyTarget { tpot_ms, ttft_ms };
    if let Some((i, o)) = mix {
        anyhow::ensure!(
            i.is_finite() && i >= 0.0,
            "--input-tokens: {i} must be a number of tokens, zero or more"
        );
        anyhow::ensure!(
            o.is_finite() && o >= 1.0,
            "--output-tokens: {o} must be a number of tokens, at least 1"
        );
        let mix = Mix {
            prompt_tokens: i,
            output_tokens: o,
        };
        let r = row(&model, mix, target).with_context(|| {
            format!(
                "{} on {} GPU(s), {i} + {o} tokens",
                model.name, model.gpus_per_replica
            )
        })?;
        if json {
            println!("{}", serde_json::to_string_pretty(&r)?);
        } else {
            println!("{}", table(&[Ok(r.clone())]));
            println!("{}: {}", r.profile, r.binding);
        }
        return Ok(());
    }
    let rows: Vec<_> = GRID
        .iter()
        .map(|&(i, o)| {
            let mix = Mix {
                prompt_tokens: i,
                output_tokens: o,
            };
            row(&model, mix, target).map_err(|e| (mix, e))
        })
        .collect();
    if json {
        let ok: Vec<_> = rows.iter().filter_map(|r| r.as_ref().ok()).collect();
        println!("{}", serde_json::to_string_pretty(&ok)?);
    } else {
        println!(
            "{} on {} GPU(s) per replica ({}), output tokens/s of one replica at {}:",
            model.name,
            model.gpus_per_replica,
            model.gpu,
            if target.tpot_ms.is_some() || target.ttft_ms.is_some() {
                "the latency targets"
            } else {
                "maximum load"
            }
        );
        println!("{}", table(&rows));
        println!(
            "Give --input-tokens and --output-tokens for one mix; capsim plans with these × the utilization ceiling ({}).",
            model.utilization_ceiling.point()
        );
    }
    Ok(())
}

fn run() -> Result<()> {
    match Cli::parse().command {
        Command::Run(args) => execute(args, Job::Run)?,
        Command::Compare(args) => execute(args, Job::Compare)?,
        Command::Breakeven { run, volumes } => execute(run, Job::Breakeven(volumes))?,
        Command::Size {
            run,
            strategy,
            pool,
            replicas,
        } => execute(run, Job::Size(strategy, pool.kind(), replicas))?,
        Command::SeedTable { scenario } => {
            let s = load(scenario.as_ref())?;
            let rows = seed_table(&s)?;
            let mut t = comfy_table::Table::new();
            t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
            t.set_header(vec![
                "figure",
                "seed says",
                "capsim (seed's arithmetic)",
                "corrected",
                "why",
            ]);
            for r in rows {
                t.add_row(vec![
                    r.label,
                    r.seed,
                    r.reproduced_text,
                    r.corrected_text,
                    r.reason.unwrap_or_default(),
                ]);
            }
            println!("{t}");
            println!(
                "Run `capsim run` to see what these point values hide: the same scenario with its uncertainty."
            );
        }
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
            input_tokens,
            output_tokens,
            tp,
            tpot_ms,
            ttft_ms,
            json,
        } => capacity(
            &profile,
            input_tokens.zip(output_tokens),
            tp,
            tpot_ms,
            ttft_ms,
            json,
        )?,
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
        } => fit_traffic(
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

fn main() -> ExitCode {
    if let Err(e) = report::folder::handle_signals() {
        eprintln!("Error: {e:#}");
        return ExitCode::from(2);
    }
    // Like other command-line tools, end quietly when the reader of our output
    // goes away (`capsim schema | head`) instead of failing on the broken pipe.
    // SAFETY: setting a signal disposition to its default at start-up, before
    // any thread exists.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
