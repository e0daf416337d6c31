//! Run until precise enough: `--precision 1%` keeps adding trials until the
//! 95% confidence interval of every strategy's mean total cost is within ±1%
//! of that mean (or a trial cap is reached).
//!
//! Trials are added in doubling rounds (1,000, 2,000, 4,000, …, capped), each
//! round running only the new trial indices. Because every trial's random
//! streams depend only on the seed and its index, the result is exactly the
//! plain run of the final number of trials, on any thread count.

use std::ops::Range;

use crate::engine::{Engine, TrialOutcome};
use crate::stats::{self, Z95};

/// Where the run stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct Converged {
    /// Trials run.
    pub trials: u64,
    /// Largest relative CI half-width over the strategies (1.96 se / |mean|).
    pub worst_half_width: f64,
    /// The strategy with that half-width.
    pub worst_strategy: String,
    /// Whether the target was met (false: stopped at the cap).
    pub met: bool,
}

/// Largest relative 95% half-width of mean total cost over strategies
/// (`costs[si]`: strategy `si`'s total cost in each trial so far).
/// A strategy whose mean cost is zero counts as precise when its standard
/// error is zero too.
pub fn worst_half_width(engine: &Engine, costs: &[Vec<f64>]) -> (f64, String) {
    let mut worst = (0.0, String::new());
    for (st, costs) in engine.scenario().strategies.iter().zip(costs) {
        let Some(s) = stats::summarise(costs) else {
            return (f64::INFINITY, st.name.clone());
        };
        let half = Z95 * s.std_error;
        let rel = if half == 0.0 {
            0.0
        } else if s.mean == 0.0 {
            f64::INFINITY
        } else {
            half / s.mean.abs()
        };
        if rel > worst.0 || worst.1.is_empty() {
            worst = (rel, st.name.clone());
        }
    }
    worst
}

/// Run trials from 0 until [`worst_half_width`] ≤ `target` (a fraction:
/// 0.01 = ±1%), starting with `first` trials and doubling, never beyond `cap`.
/// `round` is called with the range of each new round before it runs; the
/// outcomes go to `sink` block by block ([`Engine::run_chunked`]), in trial
/// order; only each trial's total costs are kept here.
pub fn run_to_precision<E: Send>(
    engine: &Engine,
    target: f64,
    first: u64,
    cap: u64,
    round: &dyn Fn(&Range<u64>),
    progress: &(dyn Fn() + Sync),
    sink: &mut (dyn FnMut(Vec<TrialOutcome>) -> Result<(), E> + Send),
) -> Result<Converged, E> {
    let cap = cap.max(1);
    let mut costs = vec![Vec::new(); engine.scenario().strategies.len()];
    let mut n = 0u64;
    let mut next = first.clamp(2.min(cap), cap);
    loop {
        let range = n..next;
        round(&range);
        engine.run_chunked(range, progress, &mut |chunk: Vec<TrialOutcome>| {
            for o in &chunk {
                for (c, t) in costs.iter_mut().zip(&o.strategies) {
                    c.push(t.total.total_cost());
                }
            }
            sink(chunk)
        })?;
        n = next;
        let (worst, name) = worst_half_width(engine, &costs);
        if worst <= target || n >= cap {
            return Ok(Converged {
                trials: n,
                worst_half_width: worst,
                worst_strategy: name,
                met: worst <= target,
            });
        }
        next = n.saturating_mul(2).min(cap);
    }
}

/// Why a `--precision` value is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct PrecisionError(String);

/// `1%`, `0.5 %` or `0.01` → 0.01. Must be in (0, 0.5].
pub fn parse_precision(text: &str) -> Result<f64, PrecisionError> {
    let t = text.trim();
    let value = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|x| x / 100.0),
        None => t.parse::<f64>(),
    }
    .map_err(|_| PrecisionError(format!("`{text}` is not a percentage such as 1% or 0.5%")))?;
    if !(value > 0.0 && value <= 0.5) {
        return Err(PrecisionError(format!(
            "`{text}` must be above 0% and at most 50%"
        )));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_percentages() {
        assert_eq!(parse_precision("1%"), Ok(0.01));
        assert_eq!(parse_precision(" 0.5 %"), Ok(0.005));
        assert_eq!(parse_precision("0.02"), Ok(0.02));
        assert!(parse_precision("0%").is_err());
        assert!(parse_precision("abc").is_err());
        assert!(parse_precision("80%").is_err());
        assert!(parse_precision("nan").is_err());
    }
}
