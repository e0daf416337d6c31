//! Summary statistics over trials: pure functions over slices.
//!
//! - Mean, its Monte Carlo standard error `s / √n` and the normal-theory 95%
//!   interval `mean ± 1.96 se` (central limit theorem; trials are i.i.d.).
//! - Percentiles by linear interpolation between order statistics (Hyndman &
//!   Fan 1996, definition 7 — the default of R, NumPy and polars).
//! - CVaR95: the mean of the worst 5% of outcomes (upper tail, for costs),
//!   Rockafellar & Uryasev (2000), on the empirical distribution.
//! - Probabilities get the Wilson score interval (Wilson 1927), which stays
//!   inside [0, 1] and behaves at 0 and 1, unlike mean ± 1.96 se.
//!
//! Sums run in slice order, so results do not depend on thread count.

/// Whether cost `a` is below cost `b` by more than floating-point rounding
/// (one part in 10^9). Costs summed hour by hour in different orders differ
/// in their last bits; without this, equal costs would "win" at random.
pub fn cheaper(a: f64, b: f64) -> bool {
    a < b - 1e-9 * b.abs().max(a.abs())
}

/// Whether cost `a` ties or beats `best` (within rounding, see [`cheaper`]).
pub fn at_most(a: f64, best: f64) -> bool {
    !cheaper(best, a)
}

/// z for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Summary of one metric across trials.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Trials with a value.
    pub n: usize,
    /// Mean.
    pub mean: f64,
    /// Standard deviation across trials.
    pub sd: f64,
    /// Monte Carlo standard error of the mean.
    pub std_error: f64,
    /// 95% interval of the mean, low end.
    pub ci95_low: f64,
    /// 95% interval of the mean, high end.
    pub ci95_high: f64,
    /// 5th percentile.
    pub p5: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Mean of the worst (largest) 5% of values.
    pub cvar95: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

/// The mean of `v` from a compensated (Neumaier) sum: exact to the last
/// place for sums a plain loop rounds, and exactly the value when every
/// value is the same (so a metric that is constant across trials reports
/// itself, with a standard error of 0). NaN for an empty slice.
pub fn mean(v: &[f64]) -> f64 {
    let Some(&first) = v.first() else {
        return f64::NAN;
    };
    if v.iter().all(|&x| x == first) {
        return first;
    }
    let (mut sum, mut c) = (0.0f64, 0.0f64);
    for &x in v {
        let t = sum + x;
        c += if sum.abs() >= x.abs() {
            (sum - t) + x
        } else {
            (x - t) + sum
        };
        sum = t;
    }
    (sum + c) / v.len() as f64
}

/// Summarise `values` (NaN values are skipped: they mean "not defined in that
/// trial"). `None` when no value is left.
pub fn summarise(values: &[f64]) -> Option<Summary> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    let n = v.len();
    if n == 0 {
        return None;
    }
    let mean = mean(&v);
    let sd = if n > 1 {
        (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
    } else {
        0.0
    };
    let std_error = sd / (n as f64).sqrt();
    // Only a few order statistics and the top 5% are read: selected in
    // linear time, the top sorted (so its sum runs in the sorted order),
    // instead of sorting everything. `v` then holds the sorted values at
    // every position read below.
    let tail = n - cvar_count(n, 0.95);
    let mut ranks = vec![0, n - 1, tail];
    for q in [0.05, 0.50, 0.95] {
        let (lo, hi, _) = quantile_ranks(n, q);
        ranks.extend([lo, hi]);
    }
    ranks.sort_unstable();
    ranks.dedup();
    select_ranks(&mut v, 0, &ranks);
    v[tail..].sort_unstable_by(f64::total_cmp);
    Some(Summary {
        n,
        mean,
        sd,
        std_error,
        ci95_low: mean - Z95 * std_error,
        ci95_high: mean + Z95 * std_error,
        p5: quantile_sorted(&v, 0.05),
        p50: quantile_sorted(&v, 0.50),
        p95: quantile_sorted(&v, 0.95),
        cvar95: cvar_sorted(&v, 0.95),
        min: v[0],
        max: v[n - 1],
    })
}

/// Rearrange `v`, the part of a slice from rank `offset` on, so that the
/// value at each of `ranks` (ascending, distinct, within `v`) is the one a
/// sort by [`f64::total_cmp`] would put there, in linear expected time:
/// select the middle rank, then recurse on each side with the ranks that
/// fall there.
fn select_ranks(v: &mut [f64], offset: usize, ranks: &[usize]) {
    let Some(&r) = ranks.get(ranks.len() / 2) else {
        return;
    };
    let (below, above) = ranks.split_at(ranks.len() / 2);
    let (left, _, right) = v.select_nth_unstable_by(r - offset, f64::total_cmp);
    select_ranks(left, offset, below);
    select_ranks(right, r + 1, &above[1..]);
}

/// The ranks of sorted values that quantile `q` of `n` values (Hyndman &
/// Fan type 7) interpolates between, and the weight of the upper one.
fn quantile_ranks(n: usize, q: f64) -> (usize, usize, f64) {
    let h = (n - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    (lo, (lo + 1).min(n - 1), h - lo as f64)
}

/// Quantile `q` of sorted values (Hyndman & Fan type 7).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let (lo, hi, w) = quantile_ranks(n, q);
    sorted[lo] + w * (sorted[hi] - sorted[lo])
}

/// How many of `n` values are the worst `1 - level` share (at least one).
fn cvar_count(n: usize, level: f64) -> usize {
    (((1.0 - level) * n as f64 - 1e-9).ceil() as usize).clamp(1, n)
}

/// Mean of the values at or above the `level` quantile of sorted values: the
/// worst `1 - level` share, at least one value.
pub fn cvar_sorted(sorted: &[f64], level: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let k = cvar_count(n, level);
    sorted[n - k..].iter().sum::<f64>() / k as f64
}

/// Wilson score 95% interval for `successes` out of `n`.
pub fn wilson95(successes: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let n = n as f64;
    let p = successes as f64 / n;
    let z2 = Z95 * Z95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Distribution-free 95% interval of the median of sorted values (which may
/// hold +∞): the order statistics at ranks n/2 ∓ 1.96 √n / 2 (normal
/// approximation to the binomial). `None` for fewer than 2 values.
pub fn median_ci95_sorted(sorted: &[f64]) -> Option<(f64, f64)> {
    let n = sorted.len();
    if n < 2 {
        return None;
    }
    let half = Z95 * (n as f64).sqrt() / 2.0;
    let lo = ((n as f64 / 2.0 - half).floor().max(0.0)) as usize;
    let hi = ((n as f64 / 2.0 + half).ceil() as usize).min(n - 1);
    Some((sorted[lo], sorted[hi]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_values_are_exact() {
        // 0.1 summed 10,000 times in a plain loop is 1000.0000000001588.
        let v = vec![0.1; 10_000];
        let s = summarise(&v).unwrap();
        assert_eq!((s.mean, s.sd, s.std_error), (0.1, 0.0, 0.0));
        assert_eq!((s.ci95_low, s.ci95_high), (0.1, 0.1));
        // Compensation: 1e16 + 1 + 1 - 1e16 has mean 0.5, a plain sum 0.
        assert_eq!(mean(&[1e16, 1.0, 1.0, -1e16]), 0.5);
    }

    #[test]
    fn known_values() {
        let s = summarise(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!(s.mean, 3.0);
        assert!((s.sd - 2.5f64.sqrt()).abs() < 1e-12);
        assert_eq!(s.p50, 3.0);
        assert!((s.p5 - 1.2).abs() < 1e-12);
        assert!((s.p95 - 4.8).abs() < 1e-12);
        assert_eq!(s.cvar95, 5.0);
        assert!(summarise(&[f64::NAN]).is_none());
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(
            cvar_sorted(&v, 0.95),
            (96.0 + 97.0 + 98.0 + 99.0 + 100.0) / 5.0
        );
    }

    /// The selection gives what a full sort gives, bit for bit: every
    /// field, for sizes around the ranks' edges, ties, ±0, infinities and
    /// NaN (skipped).
    #[test]
    fn selection_equals_a_full_sort() {
        fn by_sorting(values: &[f64]) -> Option<Summary> {
            let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
            v.sort_by(f64::total_cmp);
            let mut s = summarise(values)?;
            let n = v.len();
            s.p5 = quantile_sorted(&v, 0.05);
            s.p50 = quantile_sorted(&v, 0.50);
            s.p95 = quantile_sorted(&v, 0.95);
            s.cvar95 = cvar_sorted(&v, 0.95);
            s.min = v[0];
            s.max = v[n - 1];
            Some(s)
        }
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for n in (1..70).chain([99, 100, 101, 1000, 4321, 20_000]) {
            for kind in 0..4 {
                let v: Vec<f64> = (0..n)
                    .map(|_| {
                        let r = next();
                        match kind {
                            0 => (r >> 11) as f64 * 1e-3,
                            1 => (r % 7) as f64,
                            2 => [0.0, -0.0, 1.0, f64::NAN, f64::INFINITY, -2.5][r as usize % 6],
                            _ => ((r >> 11) as f64 - 4.5e15) * 1e-9,
                        }
                    })
                    .collect();
                let (got, want) = (summarise(&v), by_sorting(&v));
                let bits = |s: Option<Summary>| {
                    s.map(|s| {
                        [s.p5, s.p50, s.p95, s.cvar95, s.min, s.max, s.mean, s.sd].map(f64::to_bits)
                    })
                };
                assert_eq!(bits(got), bits(want), "n {n}, kind {kind}");
            }
        }
    }

    #[test]
    fn wilson_matches_textbook() {
        // 8 of 10: Wilson interval (0.490, 0.943), e.g. Newcombe (1998) Table I method 3.
        let (lo, hi) = wilson95(8, 10);
        assert!(
            (lo - 0.4902).abs() < 1e-3 && (hi - 0.9433).abs() < 1e-3,
            "{lo} {hi}"
        );
        let (lo, hi) = wilson95(0, 10);
        assert_eq!(lo, 0.0);
        assert!(hi > 0.2 && hi < 0.35);
    }
}
