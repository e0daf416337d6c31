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
//! 3. **noise** on the other hours, split in two: each day's mean residual
//!    is a day-level AR(1) (`daily_noise_sigma`, its variance less what the
//!    hourly noise leaves in a day mean; `daily_noise_autocorrelation`, the
//!    lag-1 correlation of consecutive days, corrected for its short-series
//!    bias), and the deviations from it an
//!    hourly AR(1) (`ρ` whose `ρ^k` best match their autocorrelation at lags
//!    1–6 h; `σ` corrected for the share of variance a day mean absorbs).
//!    With 4 days or more, the day-level pair is then **calibrated by
//!    simulation** ([`Sim::calibrate`]): (σ_d, ρ_d) such that traces of the
//!    source's length generated from the whole fit have on average the
//!    source's hourly CV and lag-24 autocorrelation. The moment estimates
//!    above are biased on two weeks of days (a variance and a correlation
//!    from 14 values); the simulation carries the same short-series bias as
//!    the source, so it cancels. Where the simulated peak-to-trough is off
//!    by more than 5%, or the lag-24 is out of reach, the diurnal shape's
//!    amplitude and the hourly σ are adjusted too (see [`Sim::calibrate`]);
//! 4. **shrinkage**: each shape is scaled towards flat by
//!    `1 − (noise variance of its estimate) / (its variance)`, and σ and ρ
//!    are estimated again on the residuals of the shrunk shapes. Without
//!    this, a short trace's noise is counted twice: once in the shapes and
//!    once in σ (14 days of ServeGen m-large: ~40% of the raw diurnal
//!    variance is noise).
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
    /// Day-level log-noise standard deviation.
    pub daily_noise_sigma: Option<f64>,
    /// Day-level log-noise day-to-day autocorrelation.
    pub daily_noise_autocorrelation: Option<f64>,
    /// The simulation calibration of the day-level noise, when the trace
    /// has enough days.
    pub calibrated: Option<Calibrated>,
    /// Bursts found.
    pub bursts: Vec<Burst>,
    /// Statistics of the source series.
    pub stats: SeriesStats,
}

/// Summary statistics of an hourly series (the reproduction test's targets).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SeriesStats {
    /// Mean over complete days of (max hour / min hour).
    pub peak_to_trough: Option<f64>,
    /// Autocorrelation at lag 1 h (pairs where both hours are valid).
    pub lag1_autocorrelation: Option<f64>,
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

    let acf = |lag: usize| {
        let (mut num, mut pairs) = (0.0, 0usize);
        for (a, b) in values.iter().zip(values.iter().skip(lag)) {
            if let (Some(a), Some(b)) = (a, b) {
                num += (a - mean) * (b - mean);
                pairs += 1;
            }
        }
        (pairs > 24 && var > 0.0).then(|| num / pairs as f64 / var)
    };
    SeriesStats {
        peak_to_trough,
        lag1_autocorrelation: acf(1),
        lag24_autocorrelation: acf(24),
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
            daily_noise_sigma: None,
            daily_noise_autocorrelation: None,
            calibrated: None,
            bursts: Vec::new(),
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
    // Shrink the shapes (empirical Bayes): an hour-of-day mean over D days
    // carries noise of variance σ²/D, which a raw estimate adds to the true
    // shape's; generating from raw shapes plus the full noise would count
    // that noise twice (14 days of ServeGen: about 40% of the diurnal
    // variance). Each shape is scaled by 1 − noise variance / its variance.
    let kept_resid = |a: &[f64; 24], b: &[f64; 7]| -> Vec<Option<f64>> {
        residuals(&logs, |i| mu + a[i % 24] + b[dow(i)])
            .into_iter()
            .zip(&keep)
            .map(|(r, k)| r.filter(|_| *k))
            .collect()
    };
    let raw = split(&kept_resid(&a, &b));
    let params = 1 + 23 + if with_weekly { 6 } else { 0 };
    let dof = raw.n as f64 / raw.n.saturating_sub(params).max(1) as f64;
    let shrink = |shape: &mut [f64], noise_var: f64| {
        let var = shape.iter().map(|x| x * x).sum::<f64>() / shape.len() as f64;
        let k = if var > 0.0 {
            (1.0 - noise_var / var).max(0.0)
        } else {
            0.0
        };
        shape.iter_mut().for_each(|x| *x *= k);
    };
    let days_seen = raw.n as f64 / 24.0;
    // An hour-of-day mean (centred over the day) carries the within-day noise
    // over D days; a weekday's mean carries the day means' variance over D/7.
    shrink(&mut a, raw.within_var * dof / days_seen);
    if with_weekly {
        shrink(&mut b, raw.day_var * dof / (days_seen / 7.0));
    }
    let nz = split(&kept_resid(&a, &b));
    let calibrated = match (stats.cv, stats.lag24_autocorrelation) {
        (Some(cv), Some(lag24)) if days >= MIN_DAYS_CALIBRATE => {
            let weekly: Vec<f64> = (0..days * 24).map(|i| b[dow(i)]).collect();
            let sim = Sim {
                paths: Paths::new(days, nz.rho),
                diurnal: &a,
                weekly: &weekly,
                bursts: &bursts,
                sigma: nz.sigma,
            };
            Some(sim.calibrate(cv, lag24, stats.peak_to_trough))
        }
        _ => None,
    };
    let (shape_scale, noise_scale) =
        calibrated.map_or((1.0, 1.0), |c| (c.shape_scale, c.noise_scale));
    Fit {
        diurnal: Some(mean_one(a.map(|x| (shape_scale * x).exp()))),
        weekly: with_weekly.then(|| mean_one(b.map(f64::exp))),
        noise_sigma: Some(nz.sigma * noise_scale),
        noise_autocorrelation: Some(nz.rho),
        daily_noise_sigma: Some(calibrated.map_or(nz.daily_sigma, |c| c.sigma)),
        daily_noise_autocorrelation: Some(calibrated.map_or(nz.daily_rho, |c| c.rho)),
        calibrated,
        bursts,
        stats,
    }
}

/// Days a trace needs for the day-level noise to be calibrated by simulation.
const MIN_DAYS_CALIBRATE: usize = 4;
/// Simulated traces per evaluation of the calibration's moments.
const CALIBRATION_BLOCKS: usize = 2000;
/// Range searched for the day-level standard deviation (log scale).
const MAX_DAILY_SIGMA: f64 = 2.0;
/// Range searched for the day-to-day autocorrelation.
const MAX_DAILY_RHO: f64 = 0.99;

/// The noise (and, where needed, shape) the calibration chose, and what
/// simulated traces with it give on average (the source's statistics,
/// unless out of the model's reach).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calibrated {
    /// `daily_noise_sigma`.
    pub sigma: f64,
    /// `daily_noise_autocorrelation`.
    pub rho: f64,
    /// Factor on the fitted diurnal log-shape (1 = as fitted).
    pub shape_scale: f64,
    /// Factor on the fitted hourly noise σ (1 = as fitted).
    pub noise_scale: f64,
    /// Simulated hourly CV.
    pub cv: f64,
    /// Simulated lag-24 autocorrelation.
    pub lag24: f64,
    /// Simulated daily peak-to-trough.
    pub peak_to_trough: f64,
}

/// Common random numbers of the calibration: per simulated block of the
/// source's length, a unit-variance hourly AR(1) path and one standard
/// normal innovation per day (for the day-level AR(1)), drawn once so the
/// simulated moments are smooth in every parameter.
struct Paths {
    days: usize,
    /// `CALIBRATION_BLOCKS × days × 24` values.
    z: Vec<f64>,
    /// `CALIBRATION_BLOCKS × days` values.
    innov: Vec<f64>,
}

impl Paths {
    fn new(days: usize, rho: f64) -> Self {
        use rand::{Rng as _, SeedableRng as _};
        use rand_distr::StandardNormal;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x0ca1_1b7a);
        let innov_h = (1.0 - rho * rho).sqrt();
        let mut z = Vec::with_capacity(CALIBRATION_BLOCKS * days * 24);
        let mut innov = Vec::with_capacity(CALIBRATION_BLOCKS * days);
        for _ in 0..CALIBRATION_BLOCKS {
            let mut zh: f64 = rng.sample(StandardNormal);
            for _ in 0..days * 24 {
                z.push(zh);
                zh = rho * zh + innov_h * rng.sample::<f64, _>(StandardNormal);
            }
            innov.extend((0..days).map(|_| rng.sample::<f64, _>(StandardNormal)));
        }
        Self { days, z, innov }
    }
}

/// The fit as a generator of traces of the source's length (shapes, bursts
/// at the hours they were found, hourly noise), for calibration by
/// simulation (indirect inference: Gouriéroux, Monfort & Renault,
/// J. Applied Econometrics 1993).
struct Sim<'a> {
    paths: Paths,
    /// Fitted diurnal log-shape.
    diurnal: &'a [f64; 24],
    /// Fitted weekly log-shape at each hour of the source.
    weekly: &'a [f64],
    bursts: &'a [Burst],
    /// Fitted hourly noise σ.
    sigma: f64,
}

/// A simulated statistic within this of the source's counts as reached.
const REACHED: f64 = 0.01;
/// The fitted shapes are kept while the simulated peak-to-trough is within
/// this of the source's.
const P2T_KEPT: f64 = 0.05;

impl Sim<'_> {
    /// Log of the hourly level (shapes and bursts) with the diurnal
    /// log-shape scaled by `s`.
    fn log_level(&self, s: f64) -> Vec<f64> {
        let mut l: Vec<f64> = self
            .weekly
            .iter()
            .enumerate()
            .map(|(i, w)| s * self.diurnal[i % 24] + w)
            .collect();
        for b in self.bursts {
            let end = (b.start + b.hours).min(l.len());
            let ln = b.size.ln();
            l[b.start.min(end)..end].iter_mut().for_each(|x| *x += ln);
        }
        l
    }

    /// Mean over blocks and days of the simulated daily peak-to-trough with
    /// diurnal scale `s` and hourly σ scale `k` (day-level noise cancels in a
    /// day's max / min).
    fn peak_to_trough(&self, s: f64, k: f64) -> f64 {
        let level = self.log_level(s);
        let sigma = self.sigma * k;
        let mut sum = 0.0;
        for block in self.paths.z.chunks_exact(level.len()) {
            for (day, lv) in block.chunks_exact(24).zip(level.chunks_exact(24)) {
                let (mut hi, mut lo) = (f64::MIN, f64::MAX);
                for (z, l) in day.iter().zip(lv) {
                    let x = l + sigma * z;
                    hi = hi.max(x);
                    lo = lo.min(x);
                }
                sum += (hi - lo).exp();
            }
        }
        sum / self.paths.z.len() as f64 * 24.0
    }

    /// The diurnal scale whose simulated peak-to-trough is `p2t` with hourly
    /// σ scale `k`.
    fn shape_scale_for(&self, p2t: f64, k: f64) -> f64 {
        bisect(0.0, MAX_SHAPE_SCALE, 20, |s| {
            self.peak_to_trough(s, k) < p2t
        })
    }

    /// Calibrate to the source's CV, lag-24 autocorrelation and
    /// peak-to-trough (`p2t`, if the trace has a complete day):
    /// 1. the fitted shapes and hourly noise are kept, unless their
    ///    simulated peak-to-trough is more than 5% off, in which case the
    ///    diurnal log-shape is scaled to match it;
    /// 2. the day-level (σ_d, ρ_d) are calibrated to the CV and lag-24
    ///    ([`DailySim::calibrate`]);
    /// 3. if the lag-24 is out of reach, or the CV is (shapes and hourly
    ///    noise alone give more), the variance is moved from hour to
    ///    day: the hourly σ is scaled down by the largest factor `k` with
    ///    which, the diurnal scale matching the peak-to-trough again and the
    ///    day level calibrated again, both are reached. If no `k` does,
    ///    the result (k = 1, the largest `k` reaching both, the largest
    ///    reaching the lag-24) whose worse relative miss is smallest is kept. Hourly noise
    ///    with ρ_h ≈ 0.8 is gone 24 hours on, so it adds to the CV and not
    ///    to the lag-24: on two weeks of data, the moment split between
    ///    hourly and day-level noise is what the source's lag-24 pins down.
    fn calibrate(&self, cv: f64, lag24: f64, p2t: Option<f64>) -> Calibrated {
        let at = |s: f64, k: f64| {
            let daily = DailySim::new(&self.paths, &self.log_level(s), self.sigma * k);
            let (sigma, rho) = daily.calibrate(cv, lag24);
            let (cv, lag24) = daily.moments(sigma, rho);
            Calibrated {
                sigma,
                rho,
                shape_scale: s,
                noise_scale: k,
                cv,
                lag24,
                peak_to_trough: self.peak_to_trough(s, k),
            }
        };
        let reached =
            |c: &Calibrated| c.lag24 >= lag24 * (1.0 - REACHED) && c.cv <= cv * (1.0 + REACHED);
        let scale_for = |k: f64| match p2t {
            Some(p) => self.shape_scale_for(p, k),
            None => 1.0,
        };
        let kept = p2t.is_none_or(|p| (self.peak_to_trough(1.0, 1.0) / p - 1.0).abs() <= P2T_KEPT);
        let first = at(if kept { 1.0 } else { scale_for(1.0) }, 1.0);
        if reached(&first) {
            return first;
        }
        // The largest k with which the lag-24 is reachable (only the top of
        // ρ_d's range decides), and the largest with which the CV is too
        // (shapes and hourly noise alone, σ_d = 0, must not exceed it).
        let daily_at =
            |k: f64| DailySim::new(&self.paths, &self.log_level(scale_for(k)), self.sigma * k);
        let lag_ok = |d: &DailySim| d.lag_at(d.top(), cv) >= lag24 * (1.0 - REACHED);
        let cv_ok = |d: &DailySim| d.moments(0.0, 0.0).0 <= cv * (1.0 + REACHED);
        let k_lag = bisect(0.0, 1.0, 10, |k| lag_ok(&daily_at(k)));
        let k_both = bisect(0.0, 1.0, 10, |k| {
            let d = daily_at(k);
            cv_ok(&d) && lag_ok(&d)
        });
        // Where no k reaches both (a model that cannot fit the trace), the
        // candidate whose worse relative miss of CV and lag-24 is smallest.
        let miss = |c: &Calibrated| (c.cv / cv - 1.0).abs().max((c.lag24 / lag24 - 1.0).abs());
        [at(scale_for(k_both), k_both), at(scale_for(k_lag), k_lag)]
            .into_iter()
            .fold(
                first,
                |best, c| if miss(&c) < miss(&best) { c } else { best },
            )
    }
}

/// Range searched for the diurnal log-shape's scale.
const MAX_SHAPE_SCALE: f64 = 4.0;

/// Simulated traces with the day-level noise left free.
///
/// Hour `i` of block `k` is `c[k][i] × exp(σ_d u[k][day(i)])`, where `c` is
/// the level (shapes and bursts) times the hourly noise. The statistics of
/// [`series_stats`] come from per-day sums of `c`, so trying a (σ_d, ρ_d)
/// costs O(blocks × days).
struct DailySim<'a> {
    days: usize,
    /// Per block and day: Σ c, Σ c², Σ c(h)c(h + 24 h) with the next day.
    sums: Vec<[f64; 3]>,
    /// Per block and day: standard normal innovations of the day AR(1).
    innov: &'a [f64],
}

impl<'a> DailySim<'a> {
    fn new(paths: &'a Paths, log_level: &[f64], sigma: f64) -> Self {
        let days = paths.days;
        let mut sums = Vec::with_capacity(paths.innov.len());
        let mut c = vec![0.0; log_level.len()];
        for block in paths.z.chunks_exact(log_level.len()) {
            for ((ci, l), z) in c.iter_mut().zip(log_level).zip(block) {
                *ci = l.exp() * (sigma * z).exp();
            }
            for d in 0..days {
                let day = &c[24 * d..24 * d + 24];
                let next = c.get(24 * d + 24..24 * d + 48).unwrap_or(&[]);
                sums.push([
                    day.iter().sum(),
                    day.iter().map(|x| x * x).sum(),
                    day.iter().zip(next).map(|(x, y)| x * y).sum(),
                ]);
            }
        }
        Self {
            days,
            sums,
            innov: &paths.innov,
        }
    }

    /// Mean over blocks of (CV, lag-24 autocorrelation) with day-level noise
    /// (`sd`, `rho`), as [`series_stats`] computes them.
    fn moments(&self, sd: f64, rho: f64) -> (f64, f64) {
        let innov_d = (1.0 - rho * rho).sqrt();
        let n = (self.days * 24) as f64;
        let pairs = n - 24.0;
        let (mut cv, mut lag) = (0.0, 0.0);
        let mut m = vec![0.0; self.days];
        let blocks = self
            .sums
            .chunks_exact(self.days)
            .zip(self.innov.chunks_exact(self.days));
        for (block, e) in blocks {
            // Day 0 stationary, then one innovation per day.
            let mut u = e[0];
            for (md, ed) in m.iter_mut().zip(e.iter().skip(1).chain([&0.0])) {
                *md = (sd * u).exp();
                u = rho * u + innov_d * ed;
            }
            let (mut s1, mut s2, mut sab, mut sa, mut sb) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for (d, (s, md)) in block.iter().zip(&m).enumerate() {
                s1 += md * s[0];
                s2 += md * md * s[1];
                if d + 1 < self.days {
                    sab += md * m[d + 1] * s[2];
                    sa += md * s[0];
                }
                if d > 0 {
                    sb += md * s[0];
                }
            }
            let mean = s1 / n;
            let var = s2 / n - mean * mean;
            cv += var.sqrt() / mean;
            // Σ (a − mean)(b − mean) over the pairs, from Σ ab, Σ a and Σ b.
            lag += (sab - mean * (sa + sb) + pairs * mean * mean) / pairs / var;
        }
        let k = (self.sums.len() / self.days) as f64;
        (cv / k, lag / k)
    }

    /// Day-level (σ_d, ρ_d) whose simulated traces have on average the
    /// source's CV and lag-24 autocorrelation: for a given ρ_d, σ_d matches
    /// the CV by bisection (the CV rises with σ_d); ρ_d matches the lag-24
    /// autocorrelation by bisection (it rises with ρ_d, σ_d following).
    ///
    /// ρ_d is searched up to `1 − 2 / days` (a correlation time of half the
    /// trace); a target out of reach keeps the nearest end of the range.
    fn calibrate(&self, cv: f64, lag24: f64) -> (f64, f64) {
        let rho = bisect(0.0, self.top(), 20, |r| self.lag_at(r, cv) < lag24);
        (self.sd_for(rho, cv), rho)
    }

    /// σ_d whose simulated CV is `cv` with day-to-day correlation `rho`.
    fn sd_for(&self, rho: f64, cv: f64) -> f64 {
        bisect(0.0, MAX_DAILY_SIGMA, 30, |sd| self.moments(sd, rho).0 < cv)
    }

    /// Simulated lag-24 autocorrelation at `rho` with σ_d matching `cv`.
    fn lag_at(&self, rho: f64, cv: f64) -> f64 {
        self.moments(self.sd_for(rho, cv), rho).1
    }

    /// Top of ρ_d's range. A trace of D days cannot tell persistence longer
    /// than about half of it (an AR(1)'s correlation time is 1 / (1 − ρ)
    /// days) from a level constant over the trace, which its mean absorbs:
    /// beyond that, σ_d would grow with little effect on the trace and a lot
    /// on a year.
    fn top(&self) -> f64 {
        (1.0 - 2.0 / self.days as f64).clamp(0.0, MAX_DAILY_RHO)
    }
}

/// The point in `lo..hi` where `below` turns false (`below` true means the
/// answer is higher); an end of the range if it never turns.
fn bisect(mut lo: f64, mut hi: f64, steps: usize, below: impl Fn(f64) -> bool) -> f64 {
    if !below(lo) {
        return lo;
    }
    if below(hi) {
        return hi;
    }
    for _ in 0..steps {
        let mid = 0.5 * (lo + hi);
        if below(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Share of a unit-variance AR(1)'s variance that its 24-hour mean keeps.
fn day_mean_share(r: f64) -> f64 {
    let c = |i: usize, j: usize| r.powi(i.abs_diff(j) as i32);
    (0..24)
        .flat_map(|i| (0..24).map(move |j| (i, j)))
        .map(|(i, j)| c(i, j))
        .sum::<f64>()
        / 576.0
}

/// Autocorrelation at lags 1..=6 of a unit AR(1) with coefficient `r` after
/// each 24-hour day's mean is subtracted (pairs within a day).
fn demeaned_acf(r: f64) -> [f64; 6] {
    let c = |i: usize, j: usize| r.powi(i.abs_diff(j) as i32);
    let row: Vec<f64> = (0..24)
        .map(|i| (0..24).map(|j| c(i, j)).sum::<f64>() / 24.0)
        .collect();
    let all = row.iter().sum::<f64>() / 24.0;
    let cov = |i: usize, j: usize| c(i, j) - row[i] - row[j] + all;
    let g0 = (0..24).map(|i| cov(i, i)).sum::<f64>() / 24.0;
    std::array::from_fn(|k| {
        let k = k + 1;
        (0..24 - k).map(|i| cov(i, i + k)).sum::<f64>() / (24 - k) as f64 / g0
    })
}

/// Fit an hourly AR(1) to deviations from day means (`dev`, hour 0 =
/// midnight): ρ whose demeaned autocorrelations (lags 1–6 h, pairs within a
/// day) best match the data's, and the deviations' variance and count.
fn within_day_ar1(dev: &[Option<f64>]) -> (f64, f64, usize) {
    let vals: Vec<f64> = dev.iter().flatten().copied().collect();
    let n = vals.len();
    let var = vals.iter().map(|x| x * x).sum::<f64>() / n.max(1) as f64;
    let mut acf = [0.0; 6];
    for (k, a) in acf.iter_mut().enumerate() {
        let (mut num, mut pairs) = (0.0, 0usize);
        for day in dev.chunks(24) {
            for (x, y) in day.iter().zip(&day[(k + 1).min(day.len())..]) {
                if let (Some(x), Some(y)) = (x, y) {
                    num += x * y;
                    pairs += 1;
                }
            }
        }
        if pairs > 0 && var > 0.0 {
            *a = num / pairs as f64 / var;
        }
    }
    let loss = |r: f64| -> f64 {
        demeaned_acf(r)
            .iter()
            .zip(&acf)
            .map(|(t, a)| (t - a).powi(2))
            .sum()
    };
    let rho = (0..=198)
        .map(|i| f64::from(i) / 200.0)
        .min_by(|a, b| loss(*a).total_cmp(&loss(*b)))
        .unwrap_or(0.0);
    (rho, var, n)
}

/// Residual noise split into an hourly AR(1) and a day-level AR(1).
struct Split {
    sigma: f64,
    rho: f64,
    daily_sigma: f64,
    daily_rho: f64,
    /// Variance of residuals around their day's mean.
    within_var: f64,
    /// Variance of the day means.
    day_var: f64,
    n: usize,
}

/// Days need this many kept hours for their mean to count.
const MIN_DAY_HOURS: usize = 12;

/// Split residuals (hour 0 = midnight) into day means and deviations from
/// them. The hourly process is fitted to the deviations (σ corrected for the
/// part of its variance a day mean absorbs, ρ from lags 1–6 h); the day-level
/// σ_d² is the day means' variance less what hourly noise puts there, and
/// ρ_d the lag-1 correlation of consecutive day means (0..0.99).
fn split(kept: &[Option<f64>]) -> Split {
    let mut means: Vec<Option<f64>> = Vec::new();
    let mut dev: Vec<Option<f64>> = Vec::with_capacity(kept.len());
    for day in kept.chunks(24) {
        let v: Vec<f64> = day.iter().flatten().copied().collect();
        if v.len() >= MIN_DAY_HOURS {
            let m = v.iter().sum::<f64>() / v.len() as f64;
            means.push(Some(m));
            dev.extend(day.iter().map(|e| e.map(|e| e - m)));
        } else {
            means.push(None);
            dev.extend(day.iter().map(|_| None));
        }
    }
    let (rho, within_var, n) = within_day_ar1(&dev);
    let f = day_mean_share(rho);
    let sigma2 = within_var / (1.0 - f).max(1e-6);
    let dm: Vec<f64> = means.iter().flatten().copied().collect();
    let mm = dm.iter().sum::<f64>() / dm.len().max(1) as f64;
    let day_var = dm.iter().map(|x| (x - mm).powi(2)).sum::<f64>() / dm.len().max(1) as f64;
    let daily_var = (day_var - sigma2 * f).max(0.0);
    let (mut num, mut den) = (0.0, 0.0);
    for w in means.windows(2) {
        if let (Some(x), Some(y)) = (w[0], w[1]) {
            num += (x - mm) * (y - mm);
            den += 0.5 * ((x - mm).powi(2) + (y - mm).powi(2));
        }
    }
    let days = dm.len() as f64;
    let daily_rho = if den > 0.0 && daily_var > 0.0 && days > 4.0 {
        // A lag-1 estimate from n values is biased low by about (1 + 3ρ)/n
        // (Marriott & Pope 1954): 14 days turn 0.9 into ~0.63. Invert it.
        let raw = num / den;
        ((raw + 1.0 / days) / (1.0 - 3.0 / days)).clamp(0.0, 0.99)
    } else {
        0.0
    };
    Split {
        sigma: sigma2.sqrt(),
        rho,
        daily_sigma: daily_var.sqrt(),
        daily_rho,
        within_var,
        day_var,
        n,
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
    let hot = |i: usize| resid[i].is_some_and(|e| e - m > threshold);
    let mut out = Vec::new();
    let mut i = 0;
    while i < resid.len() {
        if !hot(i) {
            i += 1;
            continue;
        }
        let start = i;
        while i < resid.len() && hot(i) {
            i += 1;
        }
        let hours = i - start;
        let mean = resid[start..i].iter().flatten().sum::<f64>() / hours as f64;
        // The burst rides on correlated noise: measure it against the hours
        // either side of it where there are some, else the median.
        let sides: Vec<f64> = [start.checked_sub(1), Some(i)]
            .into_iter()
            .flatten()
            .filter_map(|j| resid.get(j).copied().flatten())
            .collect();
        let base = if sides.is_empty() {
            m
        } else {
            sides.iter().sum::<f64>() / sides.len() as f64
        };
        out.push(Burst {
            start,
            hours,
            size: (mean - base).exp(),
        });
    }
    out
}

fn mean_one<const N: usize>(v: [f64; N]) -> [f64; N] {
    let mean = v.iter().sum::<f64>() / N as f64;
    v.map(|x| x / mean)
}

#[cfg(test)]
mod tests;
