//! `capsim breakeven`: at the end of the shared run, solve each trial's
//! break-even volume and sweep P(self-hosting cheaper) over volume.

use anyhow::Result;
use polars::prelude::DataFrame;

use capsim::breakeven;
use capsim::engine::Engine;
use capsim::report::{self, terminal};
use capsim::scenario::Scenario;

/// The files and lines `breakeven` adds to a run of `trials` trials.
#[allow(clippy::too_many_arguments)]
pub(super) fn ending(
    s: &Scenario,
    engine: &Engine,
    pool: &rayon::ThreadPool,
    seed: u64,
    trials: u64,
    mut volumes: Vec<f64>,
    names: &[String],
    extra: &mut Vec<(&'static str, DataFrame)>,
    text: &mut Vec<String>,
) -> Result<()> {
    if volumes.is_empty() {
        volumes = default_volumes(s, seed);
    }
    let (per_trial, rows) =
        pool.install(|| breakeven::per_trial_and_sweep(engine, 0..trials, &volumes, names));
    let dist = breakeven::distribution(names, &per_trial);
    extra.push((
        "breakeven_trials.parquet",
        report::parquet::breakeven_trials_frame(s, &per_trial)?,
    ));
    extra.push((
        "breakeven.parquet",
        report::parquet::breakeven_frame(&rows)?,
    ));
    text.push(terminal::breakeven_table(&dist, &api_label(s)));
    text.push(terminal::sweep_table(names, &rows));
    Ok(())
}

/// The API the break-even is against: its name, or "each strategy's API"
/// when strategies spill to different `[[api]]` alternatives.
fn api_label(s: &capsim::scenario::Scenario) -> String {
    let first = s.strategies.first().map_or(0, |st| st.api);
    if s.strategies.iter().all(|st| st.api == first) {
        s.apis[first].name.clone()
    } else {
        "each strategy's API".into()
    }
}

/// 13 volumes from 0.1× to 10× the scenario's point volume.
pub(super) fn default_volumes(s: &Scenario, seed: u64) -> Vec<f64> {
    let point = capsim::model::params::ParamSet::new(&s.deterministic(), seed)
        .draw(0)
        .monthly_tokens;
    breakeven::log_volumes(0.1 * point, 10.0 * point, 13)
}

/// The volume sweep of `plan`'s shortlist on its first `trials` trials, for
/// the decision page's break-even chart.
pub(super) fn plan_sweep(
    s: &Scenario,
    engine: &Engine,
    pool: &rayon::ThreadPool,
    seed: u64,
    trials: u64,
    names: &[String],
    extra: &mut Vec<(&'static str, DataFrame)>,
) -> Result<()> {
    let volumes = default_volumes(s, seed);
    let rows = pool.install(|| breakeven::sweep_rows(engine, 0..trials, &volumes, names));
    extra.push((
        "breakeven.parquet",
        report::parquet::breakeven_frame(&rows)?,
    ));
    Ok(())
}
