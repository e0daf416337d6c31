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
    map: &[String],
    extra: &mut Vec<(&'static str, DataFrame)>,
    text: &mut Vec<String>,
) -> Result<compare::Comparison> {
    let c = compare::compare(s, &kept).context("nothing to compare")?;
    if let Some(m) = least_regret_map(s, &kept, map)? {
        extra.push((
            "regret_map.parquet",
            report::parquet::regret_map_frame(s, &m)?,
        ));
    }
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
    text.extend(terminal::pools(s));
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
    Ok(c)
}

/// `capsim size`: the comparison of the sizes (with the API-only baseline)
/// and the recommended size among those meeting the constraints, which is
/// also returned for run.json.
pub(super) fn size_ending(
    s: &Scenario,
    kept: TrialColumns,
    constraints: &capsim::plan::Constraints,
    map: &[String],
    extra: &mut Vec<(&'static str, DataFrame)>,
    text: &mut Vec<String>,
) -> Result<(String, bool)> {
    let reasons: Vec<Vec<String>> = s
        .strategies
        .iter()
        .enumerate()
        .map(|(si, st)| {
            let figures = capsim::plan::TrialFigures {
                hours_short: &kept.hours_short[si],
                has_gpus: !st.pools.is_empty(),
                spills: st.overflow == capsim::scenario::Overflow::Spill,
                cost: &kept.cost[si],
                year_costs: &kept.year_cost[si],
                commitment: &kept.commitment[si],
            };
            capsim::plan::violations(constraints, &kept.years, &figures)
        })
        .collect();
    let c = ending(s, kept, true, map, extra, text)?;
    // The generic line is replaced by one that honours the constraints.
    text.pop();
    let allowed: Vec<bool> = reasons.iter().map(Vec::is_empty).collect();
    let pick = compare::recommend_among(&c, 0.02, &allowed);
    let feasible = pick.is_some();
    let words = match pick {
        Some(r) => format!("Recommended size: {}.", terminal::recommendation(&c, &r)),
        None => format!(
            "No size meets the constraints: {}.",
            s.strategies
                .iter()
                .zip(&reasons)
                .map(|(st, r)| format!("{} ({})", st.name, r.join("; ")))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let excluded: Vec<String> = s
        .strategies
        .iter()
        .zip(&reasons)
        .filter(|(_, r)| !r.is_empty())
        .map(|(st, r)| format!("{}: {}", st.name, r.join("; ")))
        .collect();
    text.push(if excluded.is_empty() {
        words.clone()
    } else {
        format!(
            "{words}\nNot meeting the constraints: {}.",
            excluded.join("; ")
        )
    });
    Ok((words, feasible))
}

/// The input that moves the most of `s`'s pools' prices and varies: a
/// rented pool's `gpu_prices.<name>`, an owned pool's node cost; ties go to
/// the first pool's.
fn pools_price_input<'a>(s: &Scenario, kept: &'a TrialColumns) -> Option<&'a (String, Vec<f64>)> {
    let mut uses: Vec<(String, usize)> = Vec::new();
    for pool in s.strategies.iter().flat_map(|st| &st.pools) {
        let name = if pool.owned.is_some() {
            format!("{}.usd_per_replica_hour", pool.stream)
        } else if let Some((n, _)) = s.gpu_prices.get(pool.price) {
            format!("gpu_prices.{n}")
        } else {
            continue;
        };
        match uses.iter_mut().find(|(n, _)| *n == name) {
            Some((_, k)) => *k += 1,
            None => uses.push((name, 1)),
        }
    }
    // Most uses first; the sort is stable, so ties keep the pools' order.
    uses.sort_by_key(|u| std::cmp::Reverse(u.1));
    uses.iter().find_map(|(name, _)| {
        kept.inputs
            .iter()
            .find(|(n, v)| n == name && v.iter().any(|x| *x != v[0]))
    })
}

/// The least-regret map over the inputs `map` names (or the defaults:
/// volume against the GPU market level, or else the price that moves the
/// most of the strategies' pools); `None` when the inputs do not vary or
/// the trials are too few for 6 × 6 cells. A named input that does not
/// exist is an error listing them.
fn least_regret_map(
    s: &Scenario,
    kept: &TrialColumns,
    map: &[String],
) -> Result<Option<capsim::regret_map::Map>> {
    let varies = |x: &[f64]| x.iter().any(|v| *v != x[0]);
    let find = |name: &str| kept.inputs.iter().find(|(n, _)| n == name);
    let (x, y) = if map.len() == 2 {
        let get = |name: &str| {
            find(name).with_context(|| {
                format!(
                    "--map: no input `{name}` (inputs: {})",
                    kept.inputs
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
        };
        (get(&map[0])?, get(&map[1])?)
    } else {
        let Some(x) = find("demand.monthly_tokens").filter(|(_, v)| varies(v)) else {
            return Ok(None);
        };
        let y = find("gpu_market.level")
            .filter(|(_, v)| varies(v))
            .or_else(|| pools_price_input(s, kept));
        let Some(y) = y else {
            return Ok(None);
        };
        (x, y)
    };
    Ok(capsim::regret_map::regret_map(
        (&x.0, &y.0),
        &x.1,
        &y.1,
        &kept.cost,
        6,
    ))
}
