//! Hourly demand (output tokens requested per hour).
//!
//! `demand(h) = monthly volume / 730 × shape(h) × growth(h) × noise(h) × burst(h)`
//! (docs/model.md, "Demand"), where
//! - `shape` is diurnal × weekly, mean 1 over the horizon ([`super::Calendar`]);
//! - `growth(h) = (1 + g)^(h / 8760)`, compounding the annual growth `g`;
//! - `noise(h) = exp(σ z_h − σ²/2)` with `z` a stationary AR(1) process of
//!   lag-1 correlation ρ and unit variance, so `E[noise] = 1` and the
//!   volume's meaning is kept (the log-normal mean correction);
//! - bursts arrive as a Poisson process (rate per 730-hour month) and multiply
//!   demand by their size for their duration (rounded up to whole hours).
//!   Bursts come on top of the volume: they raise the expected demand.
//!
//! A day-level noise (`daily_noise_sigma`, AR(1) from day to day with
//! `daily_noise_autocorrelation`) multiplies every hour of a day by
//! `exp(σ_d u_d − σ_d²/2)`: the level shifts that persist through a day,
//! which hourly AR(1) noise alone cannot give (fitted traces show them).
//!
//! With `replay` (a traffic profile's complete days), `shape × noise` is
//! replaced by a day of the trace drawn uniformly at random (with
//! replacement) for each day of the horizon: a block bootstrap with one-day
//! blocks. The days are scaled to mean 1 over the trace, so the volume keeps
//! its meaning; weekly structure and day-to-day persistence are not kept.

use rand::Rng as _;
use rand_distr::{Exp1, StandardNormal};

use super::normal::normals;
use super::{Keys, TrialParams, fastexp};
use crate::model::Calendar;
use crate::scenario::{Demand, HOURS_PER_MONTH};

/// Fill `out` (one value per hour of the horizon) with trial `trial`'s demand.
pub fn fill(p: &TrialParams, cal: &Calendar, d: &Demand, keys: &Keys, trial: u64, out: &mut [f64]) {
    let bursts = d.bursts.as_ref();
    let base = p.monthly_tokens / HOURS_PER_MONTH;
    let growth_step = (1.0 + p.annual_growth).powf(1.0 / 8760.0);
    let mut growth = 1.0;
    let sigma = p.noise_sigma;
    if !d.replay_days.is_empty() {
        let mut rng = keys.replay.for_trial(trial);
        let n = d.replay_days.len();
        for day in out.chunks_mut(24) {
            let src = &d.replay_days[if n == 1 { 0 } else { rng.random_range(0..n) }];
            for (o, &x) in day.iter_mut().zip(src) {
                *o = base * x * growth;
                growth *= growth_step;
            }
        }
    } else if sigma > 0.0 {
        let mut rng = keys.noise.for_trial(trial);
        // The innovations drawn first, in a loop of their own (a draw would
        // push the recursion's state out of registers).
        let z = normals(&mut rng, out);
        let correction = -0.5 * sigma * sigma;
        // The exponent first (the AR(1) is sequential), growth folded into
        // it, then one vectorised pass of exp.
        let log_growth = (1.0 + p.annual_growth).ln() / 8760.0;
        ar1_exponents(out, z, p.noise_rho, sigma, correction, log_growth);
        fastexp::exp_in_place(out);
        for (o, &shape) in out.iter_mut().zip(&cal.shape) {
            *o *= base * shape;
        }
    } else {
        for (o, &shape) in out.iter_mut().zip(&cal.shape) {
            *o = base * shape * growth;
            growth *= growth_step;
        }
    }
    let ds = p.daily_noise_sigma;
    if ds > 0.0 && d.replay_days.is_empty() {
        // Day-level noise: one AR(1) step per day, shared by its 24 hours.
        let mut rng = keys.daily.for_trial(trial);
        let rho = p.daily_noise_rho;
        let innov = (1.0 - rho * rho).sqrt();
        let mut u: f64 = rng.sample(StandardNormal);
        let correction = -0.5 * ds * ds;
        for day in out.chunks_mut(24) {
            let m = (ds * u + correction).exp();
            day.iter_mut().for_each(|x| *x *= m);
            let e: f64 = rng.sample(StandardNormal);
            u = rho * u + innov * e;
        }
    }
    if let Some(b) = bursts {
        let rate = p.bursts_per_month / HOURS_PER_MONTH;
        if rate > 0.0 {
            let mut rng = keys.bursts.for_trial(trial);
            let n = out.len() as f64;
            let mut t = 0.0;
            loop {
                let gap: f64 = rng.sample(Exp1);
                t += gap / rate;
                if t >= n {
                    break;
                }
                let size = b.size.sample(&mut rng);
                let hours = b.duration_hours.sample(&mut rng).ceil().max(1.0);
                let start = t as usize;
                let end = (start + hours as usize).min(out.len());
                out[start..end].iter_mut().for_each(|x| *x *= size);
            }
        }
    }
}

/// Replace the innovations `e` in `out` by the exponents of the hourly
/// noise: `σ z(h) + correction + h × log_growth`, where `z(0) = z0` and
/// `z(h+1) = ρ z(h) + √(1−ρ²) e(h)`.
///
/// Four hours a step: `z(h+k) = ρ^k z(h) + s_k`, where the innovations'
/// part `s_k = ρ s_(k−1) + √(1−ρ²) e(h+k−1)` does not depend on `z`, so the
/// recursion's chain is one multiplication and one addition per four hours
/// instead of per hour (the same process, summed in another order: tested
/// against the hour-by-hour recursion).
fn ar1_exponents(out: &mut [f64], z0: f64, rho: f64, sigma: f64, correction: f64, log_growth: f64) {
    let innov = (1.0 - rho * rho).sqrt();
    let rho_k = [rho, rho * rho, rho * rho * rho, (rho * rho) * (rho * rho)];
    let level = |z: f64, h: usize| sigma * z + correction + h as f64 * log_growth;
    let mut z = z0;
    let mut blocks = out.chunks_exact_mut(4);
    let mut h = 0;
    for b in &mut blocks {
        let mut s = [0.0; 4];
        s[0] = innov * b[0];
        for k in 1..4 {
            s[k] = rho * s[k - 1] + innov * b[k];
        }
        for k in 0..4 {
            b[k] = level(
                if k == 0 {
                    z
                } else {
                    rho_k[k - 1] * z + s[k - 1]
                },
                h + k,
            );
        }
        z = rho_k[3] * z + s[3];
        h += 4;
    }
    for (k, o) in blocks.into_remainder().iter_mut().enumerate() {
        let e = *o;
        *o = level(z, h + k);
        z = rho * z + innov * e;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::StreamKey;

    /// The four-hour steps give the hour-by-hour recursion's exponents (to
    /// rounding), at every position within and across steps and in the
    /// remainder, for strong and weak correlation and with growth.
    #[test]
    fn ar1_steps_are_the_hourly_recursion() {
        let mut rng = StreamKey::new(9, "t").for_trial(0);
        for (n, rho, sigma, growth) in [
            (8761, 0.8, 0.15, 1e-5),
            (37, 0.99, 1.0, 0.0),
            (3, 0.0, 0.3, -2e-5),
        ] {
            let e: Vec<f64> = (0..n).map(|_| rng.sample(StandardNormal)).collect();
            let (z0, correction) = (0.7, -0.5 * sigma * sigma);
            let mut got = e.clone();
            ar1_exponents(&mut got, z0, rho, sigma, correction, growth);
            let innov = (1.0 - rho * rho).sqrt();
            let mut z = z0;
            for (h, (&g, &e)) in got.iter().zip(&e).enumerate() {
                let want = sigma * z + correction + h as f64 * growth;
                assert!((g - want).abs() < 1e-12, "hour {h} of {n}: {g} vs {want}");
                z = rho * z + innov * e;
            }
        }
    }
}
