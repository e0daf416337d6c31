//! The run session shared by `run`, `compare`, `breakeven` and `size`:
//! resolve and check the flags, load the scenario, simulate block by block
//! into the run folder, and finish with what the command keeps and writes.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};

use capsim::compare;
use capsim::engine::Engine;
use capsim::report::stream::RunFiles;
use capsim::report::{self, RunInfo, terminal};
use capsim::scenario;

use super::*;

/// The flags and the scenario, resolved and checked: nothing below runs
/// on a value that has not been checked here.
struct Settings {
    s: scenario::Scenario,
    trials: u64,
    seed: u64,
    shard: Option<[u64; 2]>,
    range: std::ops::Range<u64>,
    threads: Option<usize>,
    precision: Option<f64>,
    out: PathBuf,
    name: Option<String>,
    force: bool,
    quiet: bool,
    want_report: bool,
    deterministic: bool,
    map: Vec<String>,
}

impl Settings {
    /// Check the flags that need no scenario first, then load the scenario
    /// and resolve what it sets the defaults of.
    fn resolve(args: RunArgs, job: &Job) -> Result<Settings> {
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
            map,
        } = args;
        if threads == Some(0) {
            anyhow::bail!("--threads: must be at least 1");
        }
        if let Some(t) = threads.filter(|t| *t > MAX_THREADS) {
            anyhow::bail!("--threads {t}: must be at most {MAX_THREADS}");
        }
        if shard.is_some() {
            anyhow::ensure!(
                matches!(job, Job::Run),
                "--shard: only `capsim run` can be sharded"
            );
            anyhow::ensure!(
                precision.is_none(),
                "--shard: a sharded run has a fixed number of trials; drop --precision"
            );
        }
        if let Job::Breakeven(v) = job {
            anyhow::ensure!(
                v.len() <= MAX_SWEEP,
                "--volumes: at most {MAX_SWEEP} volumes in one sweep (got {})",
                v.len()
            );
            if let Some(bad) = v.iter().find(|x| !(x.is_finite() && **x > 0.0)) {
                anyhow::bail!("--volumes: {bad} is not a positive, finite number of tokens");
            }
        }
        if !map.is_empty() {
            anyhow::ensure!(
                matches!(job, Job::Compare | Job::Size(..) | Job::Plan(..)),
                "--map: only compare, size and plan draw the least-regret map"
            );
            anyhow::ensure!(
                map.len() == 2 && map[0] != map[1],
                "--map: give two different inputs, e.g. --map demand.monthly_tokens,gpu_prices.reserved"
            );
        }
        if matches!(job, Job::Plan(..)) {
            anyhow::ensure!(
                precision.is_none(),
                "--precision: plan compares many fleets on a fixed number of trials; drop --precision"
            );
        }
        if let Job::Size(_, _, replicas, _) = job {
            anyhow::ensure!(
                !replicas.is_empty() && replicas.iter().all(|&r| r <= 1000),
                "--replicas: give counts between 0 and 1000"
            );
            anyhow::ensure!(
                replicas.len() <= 100,
                "--replicas: at most 100 sizes in one run (got {})",
                replicas.len()
            );
        }
        let mut s = match &api_model {
            Some(key) => scenario::load_with_api(scenario.as_deref(), key, catalog.as_deref())?,
            None => load(scenario.as_ref())?,
        };
        if deterministic {
            s = s.deterministic();
        }
        print_warnings(&s);
        if let Job::Plan(_, grid, cap) = job {
            check_candidates(&s, grid, *cap)?;
        }
        if let Job::Size(name, kind, replicas, _) = job {
            let kind = *kind;
            let si = match name {
                Some(n) => s
                    .strategies
                    .iter()
                    .position(|st| &st.name == n)
                    .with_context(|| {
                        format!("--strategy: no strategy named `{n}` in the scenario")
                    })?,
                None => s
                    .strategies
                    .iter()
                    .position(|st| st.pools.iter().any(|p| p.kind == kind))
                    .with_context(|| {
                        // Name the kinds the scenario has, as --pool spells them.
                        let mut have: Vec<&str> = s
                            .strategies
                            .iter()
                            .flat_map(|st| &st.pools)
                            .map(|p| p.kind.word())
                            .collect();
                        have.sort_unstable();
                        have.dedup();
                        match have.first() {
                            None => format!(
                                "--pool {}: the scenario has no strategy with pools to resize",
                                kind.word()
                            ),
                            Some(first) => format!(
                                "--pool {}: no strategy of the scenario has a {} pool; its pools are {} (try --pool {first})",
                                kind.word(),
                                kind.word(),
                                have.join(", "),
                            ),
                        }
                    })?,
            };
            s.strategies = compare::size_variants(&s, si, kind, replicas).with_context(|| {
                format!(
                    "--strategy: `{}` has no pool of that kind to resize",
                    s.strategies[si].name
                )
            })?;
        }
        if map.len() == 2 {
            check_map(&s, &map)?;
        }
        let args_trials = trials;
        let trials = match precision {
            Some(_) => trials.unwrap_or(1_000_000),
            None => trials.unwrap_or(s.trials),
        };
        anyhow::ensure!(trials >= 1, "--trials: must be at least 1");
        // What compare, size, plan and breakeven print is a spread over trials
        // (intervals, tails, how often one fleet is cheaper): one trial has
        // none, and would print zero-width intervals and "in 100% of them".
        if trials < 2 && !matches!(job, Job::Run) {
            let given = if args_trials.is_some() {
                format!("--trials {trials}")
            } else {
                format!("run.trials = {trials} (the scenario's; override with --trials)")
            };
            anyhow::bail!(
                "{given}: {} reports spreads over trials (confidence intervals, tails, how often one fleet is cheaper), which one trial does not have; give at least 2 (`capsim run` runs a single trial)",
                job.command()
            );
        }
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
        let range = match shard {
            None => 0..trials,
            Some([i, n]) => {
                let cut = |k: u64| (u128::from(trials) * u128::from(k) / u128::from(n)) as u64;
                cut(i)..cut(i + 1)
            }
        };
        Ok(Settings {
            s,
            trials,
            seed,
            shard,
            range,
            threads,
            precision,
            out,
            name,
            force,
            quiet,
            want_report,
            deterministic,
            map,
        })
    }
}

/// Refuse a `--map` input that the scenario does not have, before any trial
/// runs (the names are the scenario's sensitivity inputs). For `plan` the
/// shortlist is a subset of the scenario's pools, so an input of a pool
/// that no shortlisted fleet uses is still refused after the search.
fn check_map(s: &scenario::Scenario, map: &[String]) -> Result<()> {
    let names = capsim::sensitivity::input_names(s);
    for m in map {
        anyhow::ensure!(
            names.contains(m),
            "--map: no input `{m}` (inputs: {})",
            names.join(", ")
        );
    }
    Ok(())
}

/// Refuse a plan grid of more than `cap` candidates, counted before any is
/// built, naming the count and what narrows it.
fn check_candidates(s: &scenario::Scenario, grid: &capsim::plan::Grid, cap: u64) -> Result<()> {
    use capsim::fmt::thousands;
    let n = capsim::plan::count_candidates(s, grid);
    if n <= cap {
        return Ok(());
    }
    let (c, o, sp) = capsim::plan::option_counts(s);
    let ceilings: Vec<String> = grid.on_demand_ceilings.iter().map(u32::to_string).collect();
    anyhow::bail!(
        "plan: the grid gives {} candidates, more than --max-candidates {}; narrow it with a smaller --max-committed (now {}), fewer --on-demand ceilings (now {}), a smaller --max-spot (now {}), or fewer distinct pools in the scenario ({c} committed, {o} on-demand, {sp} spot); or raise the cap with --max-candidates {n}",
        thousands(n),
        thousands(cap),
        grid.max_committed,
        if ceilings.is_empty() {
            "none".to_string()
        } else {
            ceilings.join(",")
        },
        grid.max_spot,
    )
}

pub(super) fn execute(args: RunArgs, job: Job) -> Result<()> {
    let Settings {
        mut s,
        trials,
        seed,
        shard,
        range,
        threads,
        precision,
        out,
        name,
        force,
        quiet,
        want_report,
        deterministic,
        map,
    } = Settings::resolve(args, &job)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .context("starting worker threads")?;
    // The output folder is checked (--out a folder, writable; --name free or
    // a run with --force) before any work, as `run` does: plan's search can
    // take minutes. Nothing is created in it until the run folder is.
    let target = report::prepare_out(&out, &s.name, seed, shard, name.as_deref(), force)?;
    // plan: search the candidates first; the run folder then holds the shortlist.
    let t0 = Instant::now();
    let plan = match &job {
        Job::Plan(constraints, grid, _) => {
            let all = capsim::plan::candidates(&s, grid);
            if !quiet {
                eprintln!(
                    "plan: {} candidates on {} trials…",
                    all.len(),
                    range.end - range.start
                );
            }
            let first = (trials / 10).max(1000);
            let plan = pool.install(|| {
                capsim::plan::search(
                    &s,
                    all,
                    seed,
                    trials,
                    *constraints,
                    24,
                    first,
                    0.02,
                    capsim::plan::stage_hours(&s, grid),
                )
            });
            s.strategies = plan
                .shortlist()
                .iter()
                .map(|&i| plan.rows[i].candidate.strategy.clone())
                .collect();
            Some(plan)
        }
        _ => None,
    };
    let constraints = match &job {
        Job::Plan(c, ..) | Job::Size(_, _, _, c) => Some(*c),
        _ => None,
    };
    let mut info = RunInfo {
        command: job.command().into(),
        argv: std::env::args().collect(),
        recommendation: None,
        feasible: None,
        constraints: constraints.map(|c| {
            serde_json::json!({
                "max_hours_short_per_year": c.max_hours_short,
                "max_hours_on_api_per_year": c.max_hours_on_api,
                "hours_short_at": (c.max_hours_short.is_some() || c.max_hours_on_api.is_some())
                    .then(|| c.hours_short_at.words()),
                "budget_usd": c.budget,
                "budget_per_year_usd": c.budget_per_year,
                "max_prob_over_budget": (c.budget.is_some() || c.budget_per_year.is_some())
                    .then_some(c.max_prob_over_budget),
                "max_commitment_usd": c.max_commitment,
            })
        }),
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
        pools: report::pool_rows(&s),
        pools_model: s.models_line(),
        scenario: s.clone(),
    };
    let engine = Engine::new(&s, seed);
    let bar = progress_bar(range.end - range.start, quiet);
    // Trials go to the run folder block by block; the jobs that compare
    // strategies trial by trial (compare, size) also keep the few columns
    // they read (compare::TrialColumns), not the trials.
    let mut files = RunFiles::create(&target)?;
    files.append(&s, engine.calendar(), &[])?;
    let keep = matches!(job, Job::Compare | Job::Size(..) | Job::Plan(..));
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
    let mut nothing_feasible = false;
    let constrained = matches!(job, Job::Size(..) | Job::Plan(..));
    // What differs per command at the end: the files and lines it adds.
    match job {
        Job::Run => {}
        Job::Compare => {
            super::compare::ending(&s, kept, false, &map, &mut extra, &mut text)?;
        }
        Job::Size(_, _, _, c) => {
            let (words, feasible) =
                super::compare::size_ending(&s, kept, &c, &map, &mut extra, &mut text)?;
            info.recommendation = Some(words);
            nothing_feasible = !feasible;
        }
        Job::Plan(..) => {
            let plan = plan.as_ref().expect("searched above");
            nothing_feasible = plan.pick.is_none();
            super::compare::ending(&s, kept, false, &map, &mut extra, &mut text)?;
            // The plan's own lines replace the shortlist's least-regret lines.
            text.truncate(text.len().saturating_sub(1));
            extra.push(("plan.parquet", report::parquet::plan_frame(plan)?));
            // Where the answer changes with volume: the shortlist's sweep on
            // the first trials (at most 1,000: the page's chart, not a figure).
            super::breakeven::plan_sweep(
                &s,
                &engine,
                &pool,
                seed,
                trials.min(1000),
                &names,
                &mut extra,
            )?;
            let mut words = terminal::plan_recommendation(plan);
            if let Some(per_gpu) = terminal::per_gpu_sentence(plan, &s) {
                words.push(' ');
                words.push_str(&per_gpu);
            }
            text.push(terminal::plan_table(plan, &s));
            text.push(words.clone());
            info.recommendation = Some(words);
        }
        Job::Breakeven(volumes) => super::breakeven::ending(
            &s, &engine, &pool, seed, trials, volumes, &names, &mut extra, &mut text,
        )?,
    }
    if constrained {
        info.feasible = Some(!nothing_feasible);
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
        text.extend(terminal::pools(&s));
        text.extend(terminal::commitments(&s, &summary));
        text.extend(s.omissions_line());
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
    if nothing_feasible {
        // The run is complete and kept; the status tells a script that no
        // candidate met the constraints (docs/limits.md, "Exit status").
        return Err(NothingFeasible.into());
    }
    Ok(())
}

/// `plan` or `size` ran to the end, but no candidate meets the
/// constraints: exit status 3, the run folder kept.
#[derive(Debug, thiserror::Error)]
#[error("no candidate meets the constraints (the run folder is complete; exit status 3)")]
pub struct NothingFeasible;
