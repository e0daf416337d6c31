//! Fitting the demand model to an hourly series.
//!
//! The model (see [`crate::model::demand`]) is multiplicative:
//! `log y_h = μ + a[hour of day] + b[day of week] + e_h`, with `e` an AR(1)
//! process plus rare bursts. The fit:
//! 1. **shapes** by backfitting: `a` and `b` are alternately set to the mean
//!    log residual of their hour of day and day of week (20 rounds; the
//!    weekly term only with at least 14 days, so that each weekday is seen
//!    twice). `diurnal = exp(a)` and `weekly = exp(b)`, each scaled to mean 1;
//! 2. **bursts**: hours whose residual is more than 4 robust standard
//!    deviations (1.4826 × MAD) above the median residual and at least +40%
//!    (a ratio of 1.4) are burst hours; a run of consecutive burst hours is
//!    one burst, of size `exp(mean excess)` and its length in hours;
//! 3. **noise** on the other hours: `σ² = Σ(e − ē)² / (n − p)`, with `p` the
//!    shape parameters fitted (so short traces are not under-dispersed), and
//!    `ρ` the lag-1 correlation over pairs of consecutive kept hours,
//!    clamped to 0..0.99.
//!
//! No trend is fitted: growth over a two-week trace is not identifiable from
//! the weekly cycle, and a year's growth is a planning input (`annual_growth`).

use super::trace::Hourly;

/// Backfitting rounds (the shapes settle to 1e-12 within ~10 on full data).
const ROUNDS: usize = 20;
/// Residuals beyond this many robust standard deviations are bursts.
const BURST_SIGMAS: f64 = 4.0;
/// A burst raises traffic by at least this factor.
const BURST_MIN_RATIO: f64 = 1.4;
/// Days needed to fit a daily shape, and a weekly one.
pub const MIN_DAYS_DIURNAL: usize = 2;
/// See [`MIN_DAYS_DIURNAL`].
pub const MIN_DAYS_WEEKLY: usize = 14;

/// One detected burst.
#[derive(Debug, Clone, PartialEq)]
pub struct Burst {
    /// First hour.
    pub start: usize,
    /// Hours.
    pub hours: usize,
    /// Demand multiplier.
    pub size: f64,
}

/// What was fitted; `None` where the trace is too short.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// Mean-1 shape by hour of day.
    pub diurnal: Option<[f64; 24]>,
    /// Mean-1 shape by day of week, Monday first.
    pub weekly: Option<[f64; 7]>,
    /// Hourly log-noise standard deviation.
    pub noise_sigma: Option<f64>,
    /// Hourly log-noise lag-1 autocorrelation.
    pub noise_autocorrelation: Option<f64>,
    /// Bursts found.
    pub bursts: Vec<Burst>,
    /// Valid hours the fit used.
    pub hours_used: usize,
    /// Statistics of the source series.
    pub stats: SeriesStats,
}

/// Summary statistics of an hourly series (the reproduction test's targets).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SeriesStats {
    /// Mean over complete days of (max hour / min hour).
    pub peak_to_trough: Option<f64>,
    /// Autocorrelation at lag 24 h (pairs where both hours are valid).
    pub lag24_autocorrelation: Option<f64>,
    /// Standard deviation / mean of the valid hours.
    pub cv: Option<f64>,
    /// Complete days (all 24 hours valid).
    pub complete_days: usize,
}

/// Statistics of a series with gaps (`None` = masked hour); hour 0 is midnight.
pub fn series_stats(values: &[Option<f64>]) -> SeriesStats {
    let valid: Vec<f64> = values.iter().flatten().copied().collect();
    let n = valid.len() as f64;
    let mean = valid.iter().sum::<f64>() / n;
    let var = valid.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    let cv = (valid.len() > 1 && mean > 0.0).then(|| var.sqrt() / mean);

    let mut ratios = Vec::new();
    for day in values.chunks_exact(24) {
        let hours: Option<Vec<f64>> = day.iter().copied().collect();
        if let Some(h) = hours {
            let max = h.iter().copied().fold(f64::MIN, f64::max);
            let min = h.iter().copied().fold(f64::MAX, f64::min);
            if min > 0.0 {
                ratios.push(max / min);
            }
        }
    }
    let peak_to_trough =
        (!ratios.is_empty()).then(|| ratios.iter().sum::<f64>() / ratios.len() as f64);

    let (mut num, mut pairs) = (0.0, 0usize);
    for (a, b) in values.iter().zip(values.iter().skip(24)) {
        if let (Some(a), Some(b)) = (a, b) {
            num += (a - mean) * (b - mean);
            pairs += 1;
        }
    }
    let lag24_autocorrelation = (pairs > 24 && var > 0.0).then(|| num / pairs as f64 / var);
    SeriesStats {
        peak_to_trough,
        lag24_autocorrelation,
        cv,
        complete_days: ratios.len(),
    }
}

/// Fit the demand model to `h`.
pub fn fit(h: &Hourly) -> Fit {
    let stats = series_stats(&h.values);
    let days = h.values.len().div_ceil(24);
    let logs: Vec<Option<f64>> = h
        .values
        .iter()
        .map(|v| v.filter(|x| *x > 0.0).map(f64::ln))
        .collect();
    let used = logs.iter().flatten().count();
    if days < MIN_DAYS_DIURNAL || used < 24 * MIN_DAYS_DIURNAL {
        return Fit {
            diurnal: None,
            weekly: None,
            noise_sigma: None,
            noise_autocorrelation: None,
            bursts: Vec::new(),
            hours_used: used,
            stats,
        };
    }
    let with_weekly = days >= MIN_DAYS_WEEKLY;
    let dow = |i: usize| (h.first_weekday + i / 24) % 7;

    let mu = logs.iter().flatten().sum::<f64>() / used as f64;
    let mut a = [0.0; 24];
    let mut b = [0.0; 7];
    let mut keep: Vec<bool> = logs.iter().map(Option::is_some).collect();
    let mut bursts = Vec::new();
    // Two passes: shapes on every hour, then again without the bursts found.
    for _pass in 0..2 {
        for _ in 0..ROUNDS {
            a = group_means(&logs, &keep, |i| i % 24, |i, l| l - mu - b[dow(i)]);
            if with_weekly {
                b = group_means(&logs, &keep, dow, |i, l| l - mu - a[i % 24]);
            }
        }
        let resid = residuals(&logs, |i| mu + a[i % 24] + b[dow(i)]);
        bursts = find_bursts(&resid);
        keep = logs.iter().map(Option::is_some).collect();
        for bu in &bursts {
            keep[bu.start..bu.start + bu.hours].fill(false);
        }
    }
    let resid = residuals(&logs, |i| mu + a[i % 24] + b[dow(i)]);
    let kept: Vec<Option<f64>> = resid
        .iter()
        .zip(&keep)
        .map(|(r, k)| r.filter(|_| *k))
        .collect();
    let n = kept.iter().flatten().count();
    let params = 1 + 23 + if with_weekly { 6 } else { 0 };
    let mean = kept.iter().flatten().sum::<f64>() / n as f64;
    let ss: f64 = kept.iter().flatten().map(|e| (e - mean).powi(2)).sum();
    let sigma = (ss / (n.saturating_sub(params).max(1)) as f64).sqrt();
    let mut num = 0.0;
    let mut den = 0.0;
    for w in kept.windows(2) {
        if let (Some(x), Some(y)) = (w[0], w[1]) {
            num += (x - mean) * (y - mean);
            den += 0.5 * ((x - mean).powi(2) + (y - mean).powi(2));
        }
    }
    let rho = if den > 0.0 {
        (num / den).clamp(0.0, 0.99)
    } else {
        0.0
    };
    Fit {
        diurnal: Some(mean_one(a.map(f64::exp))),
        weekly: with_weekly.then(|| mean_one(b.map(f64::exp))),
        noise_sigma: Some(sigma),
        noise_autocorrelation: Some(rho),
        bursts,
        hours_used: n,
        stats,
    }
}

/// Mean of `value(i, log)` over kept hours, by group `group(i)`; groups with
/// no hour get 0 (no effect).
fn group_means<const N: usize>(
    logs: &[Option<f64>],
    keep: &[bool],
    group: impl Fn(usize) -> usize,
    value: impl Fn(usize, f64) -> f64,
) -> [f64; N] {
    let mut sum = [0.0; N];
    let mut count = [0usize; N];
    for (i, l) in logs.iter().enumerate() {
        if let (Some(l), true) = (l, keep[i]) {
            let g = group(i);
            sum[g] += value(i, *l);
            count[g] += 1;
        }
    }
    let mut out = [0.0; N];
    for g in 0..N {
        if count[g] > 0 {
            out[g] = sum[g] / count[g] as f64;
        }
    }
    // Centre, so that μ keeps the level (a group with no data stays neutral).
    let seen: Vec<usize> = (0..N).filter(|g| count[*g] > 0).collect();
    let centre = seen.iter().map(|g| out[*g]).sum::<f64>() / seen.len().max(1) as f64;
    for g in seen {
        out[g] -= centre;
    }
    out
}

fn residuals(logs: &[Option<f64>], fitted: impl Fn(usize) -> f64) -> Vec<Option<f64>> {
    logs.iter()
        .enumerate()
        .map(|(i, l)| l.map(|l| l - fitted(i)))
        .collect()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

fn find_bursts(resid: &[Option<f64>]) -> Vec<Burst> {
    let mut r: Vec<f64> = resid.iter().flatten().copied().collect();
    if r.is_empty() {
        return Vec::new();
    }
    let m = median(&mut r);
    let mut dev: Vec<f64> = r.iter().map(|x| (x - m).abs()).collect();
    let scale = 1.4826 * median(&mut dev);
    let threshold = (BURST_SIGMAS * scale).max(BURST_MIN_RATIO.ln());
    let mut out = Vec::new();
    let mut run: Option<(usize, f64)> = None;
    for (i, e) in resid.iter().enumerate() {
        let hot = e.map(|e| e - m > threshold).unwrap_or(false);
        match (hot, &mut run) {
            (true, Some((_, sum))) => *sum += e.unwrap_or(0.0) - m,
            (true, None) => run = Some((i, e.unwrap_or(0.0) - m)),
            (false, Some((start, sum))) => {
                let hours = i - *start;
                out.push(Burst {
                    start: *start,
                    hours,
                    size: (*sum / hours as f64).exp(),
                });
                run = None;
            }
            (false, None) => {}
        }
    }
    if let Some((start, sum)) = run {
        let hours = resid.len() - start;
        out.push(Burst {
            start,
            hours,
            size: (sum / hours as f64).exp(),
        });
    }
    out
}

fn mean_one<const N: usize>(v: [f64; N]) -> [f64; N] {
    let mean = v.iter().sum::<f64>() / N as f64;
    v.map(|x| x / mean)
}
