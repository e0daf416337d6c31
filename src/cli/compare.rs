//! `capsim compare` and `capsim size`: at the end of the shared run, compare
//! the strategies on the columns kept per trial and write the comparison,
//! the paired differences and the sensitivity.

use anyhow::{Context, Result};
use polars::prelude::DataFrame;

use capsim::compare::{self, TrialColumns};
use capsim::report::{self, terminal};
use capsim::scenario::Scenario;

/// The files and lines `compare` (or, with `size`, `size`) adds to a run.
pub(super) fn ending(
    s: &Scenario,
    kept: TrialColumns,
    size: bool,
    extra: &mut Vec<(&'static str, DataFrame)>,
    text: &mut Vec<String>,
) -> Result<()> {
    let c = compare::compare(s, &kept).context("nothing to compare")?;
    extra.push(("compare.parquet", report::parquet::compare_frame(&c)?));
    extra.push(("paired.parquet", report::parquet::paired_frame(&c)?));
    let sens = capsim::sensitivity::sensitivity(s, &kept.inputs, &kept.cost);
    // Not needed any more: freed before the summary's read-back.
    drop(kept);
    extra.push((
        "sensitivity.parquet",
        report::parquet::sensitivity_frame(&sens)?,
    ));
    text.push(terminal::compare_table(&c));
    text.push(terminal::sensitivity_lines(&sens));
    text.push(if size {
        format!(
            "Recommended size: {}.",
            terminal::recommendation(&c, &compare::recommend(&c, 0.02))
        )
    } else {
        format!(
            "Least regret (regret = cost minus the cheapest strategy's cost in the same trial):\n  {}",
            terminal::reasoning(&c).join("\n  ")
        )
    });
    Ok(())
}
