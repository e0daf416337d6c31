//! The recommendation rule that `compare`, `size` and `plan` all decide by:
//! the lowest tail among the options whose mean is close to the cheapest.
//! A leaf, so that [`crate::compare`] and [`crate::plan`] share it without
//! importing each other.

/// The recommendation rule over `candidates` (indices, in the order ties go
/// to the first): `(pick, cheapest)`, where `cheapest` has the lowest mean
/// and `pick` the lowest CVaR95 among those within `tolerance` of that mean;
/// `None` without candidates. `compare`, `size` and `plan` all decide by it.
pub fn least_tail_within(
    candidates: &[usize],
    mean: impl Fn(usize) -> f64,
    cvar95: impl Fn(usize) -> f64,
    tolerance: f64,
) -> Option<(usize, usize)> {
    let cheapest = candidates
        .iter()
        .copied()
        .min_by(|&a, &b| mean(a).total_cmp(&mean(b)))?;
    let floor = mean(cheapest);
    let pick = candidates
        .iter()
        .copied()
        .filter(|&i| mean(i) <= floor * (1.0 + tolerance))
        .min_by(|&a, &b| cvar95(a).total_cmp(&cvar95(b)))
        .unwrap_or(cheapest);
    Some((pick, cheapest))
}
