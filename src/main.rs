//! The `capsim` command line: parse, hand over, print errors. Clap types stay here.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use capsim::engine::Engine;
use capsim::report::{self, RunInfo, terminal};
use capsim::scenario::{self, Scenario};
use capsim::seed_table::seed_table;

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

#[derive(Subcommand)]
enum Command {
    /// Run a scenario (the built-in seed scenario if none is given) and write a report folder.
    Run {
        /// Scenario file (TOML).
        scenario: Option<PathBuf>,
        /// Trials (default: the scenario's run.trials).
        #[arg(long)]
        trials: Option<u64>,
        /// Seed (default: the scenario's run.seed).
        #[arg(long)]
        seed: Option<u64>,
        /// Folder under which the run folder is created.
        #[arg(long, default_value = "reports")]
        out: PathBuf,
        /// Worker threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Collapse every distribution to its point value.
        #[arg(long)]
        deterministic: bool,
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
    /// Print the output schema (Markdown).
    Schema,
}

fn load(path: Option<&PathBuf>) -> Result<Scenario> {
    Ok(match path {
        Some(p) => scenario::load(p)?,
        None => scenario::builtin_seed(),
    })
}

fn run() -> Result<()> {
    match Cli::parse().command {
        Command::Run {
            scenario,
            trials,
            seed,
            out,
            threads,
            deterministic,
        } => {
            let mut s = load(scenario.as_ref())?;
            if deterministic {
                s = s.deterministic();
            }
            let trials = trials.unwrap_or(s.trials);
            anyhow::ensure!(trials >= 1, "--trials: must be at least 1");
            let seed = seed.unwrap_or(s.seed);
            if threads == Some(0) {
                anyhow::bail!("--threads: must be at least 1");
            }
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads.unwrap_or(0))
                .build()
                .context("starting worker threads")?;
            let started_at = chrono::Utc::now().to_rfc3339();
            let mut info = RunInfo {
                capsim_version: env!("CARGO_PKG_VERSION").into(),
                scenario_name: s.name.clone(),
                seed,
                trials,
                threads: pool.current_num_threads(),
                horizon_hours: s.horizon_hours,
                deterministic,
                started_at,
                elapsed_seconds: 0.0,
                scenario_toml: s.source_text.clone(),
                scenario: s.clone(),
            };
            let dir = report::prepare_out(&out, &info)?;
            let t0 = Instant::now();
            let engine = Engine::new(&s, seed);
            let outcomes = pool.install(|| engine.run(0..trials, &|| {}));
            info.elapsed_seconds = t0.elapsed().as_secs_f64();
            let summary = report::summarise(&s, &outcomes);
            report::write_run(&dir, &s, engine.calendar(), &info, &outcomes, &summary)?;
            println!(
                "{} — {} trials, seed {}, {:.2} s",
                s.name, trials, seed, info.elapsed_seconds
            );
            println!("{}", terminal::summary_table(&s, &summary));
            println!("report: {}", dir.display());
        }
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
            println!(
                "{}: valid ({} strategies, {} trials, {} hours)",
                scenario.display(),
                s.strategies.len(),
                s.trials,
                s.horizon_hours
            );
        }
        Command::Schema => print!("{}", report::columns::schema_markdown()),
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
