//! Hourly demand (output tokens requested per hour).
//!
//! `demand(h) = monthly volume / 730 × shape(h) × growth(h) × noise(h) × burst(h)`
//! (DESIGN.md), where
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

use rand::{Rng as _, RngCore};
use rand_distr::{Distribution, Exp1, StandardNormal};

use super::{Keys, TrialParams, fastexp};
use crate::model::Calendar;
use crate::rng::Rng;
use crate::scenario::{Demand, HOURS_PER_MONTH};

/// A generator's next words read ahead in bulk (one call fills many ChaCha
/// blocks), then, past them, the generator itself: the same sequence of
/// `next_u64` as the generator gives, so whatever is drawn through it is
/// drawn identically, only without a call and a block-index check per word.
/// (Only `next_u64` keeps that identity; the normal distribution draws
/// nothing else — tested.)
struct ReadAhead<'a> {
    words: &'a mut [u64],
    pos: usize,
    rng: &'a mut Rng,
}

impl<'a> ReadAhead<'a> {
    /// Fill `words` from `rng` and read from them first.
    fn new(words: &'a mut [u64], rng: &'a mut Rng) -> Self {
        rng.fill(&mut *words);
        ReadAhead { words, pos: 0, rng }
    }
}

impl RngCore for ReadAhead<'_> {
    #[inline(always)]
    fn next_u64(&mut self) -> u64 {
        match self.words.get(self.pos) {
            Some(&w) => {
                self.pos += 1;
                w
            }
            None => self.rng.next_u64(),
        }
    }

    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        rand::rand_core::impls::fill_bytes_via_next(self, dst)
    }
}

/// `out.len()` standard normals of `rng` into `out`, after a first one that
/// is returned: the values and order of `rng.sample(StandardNormal)` called
/// `out.len() + 1` times. Each normal takes at least one word, so `out` is
/// the read-ahead buffer, and a normal is written only where its words have
/// been read.
fn normals(rng: &mut Rng, out: &mut [f64]) -> f64 {
    let mut ahead = ReadAhead::new(bytemuck::cast_slice_mut(out), rng);
    let first: f64 = StandardNormal.sample(&mut ahead);
    for i in 0..ahead.words.len() {
        let e: f64 = StandardNormal.sample(&mut ahead);
        debug_assert!(ahead.pos > i);
        ahead.words[i] = e.to_bits();
    }
    first
}

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
        let rho = p.noise_rho;
        let innov = (1.0 - rho * rho).sqrt();
        // The innovations drawn first, in a loop of their own (a draw would
        // push the recursion's state out of registers).
        let mut z = normals(&mut rng, out);
        let correction = -0.5 * sigma * sigma;
        // The exponent first (the AR(1) is sequential), growth folded into
        // it, then one vectorised pass of exp.
        let log_growth = (1.0 + p.annual_growth).ln() / 8760.0;
        let mut hours = 0.0;
        for o in out.iter_mut() {
            let e = *o;
            *o = sigma * z + correction + hours * log_growth;
            hours += 1.0;
            z = rho * z + innov * e;
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::StreamKey;

    /// Normals drawn through the read-ahead buffer are those drawn from the
    /// generator directly, bit for bit, including past the buffer's end and
    /// after the ziggurat's rare extra draws; and the generator is left
    /// where direct draws leave it.
    #[test]
    fn read_ahead_normals_are_the_generators() {
        for (trial, n) in [(0, 1), (3, 17), (7, 8760)] {
            let key = StreamKey::new(5, "demand.noise");
            let mut direct = key.for_trial(trial);
            let want: Vec<f64> = (0..=n).map(|_| direct.sample(StandardNormal)).collect();
            let mut rng = key.for_trial(trial);
            let mut out = vec![0.0; n];
            let first = normals(&mut rng, &mut out);
            assert_eq!(first.to_bits(), want[0].to_bits());
            for (i, (a, b)) in out.iter().zip(&want[1..]).enumerate() {
                assert_eq!(a.to_bits(), b.to_bits(), "normal {i} of {n}");
            }
            assert_eq!(rng.next_u64(), direct.next_u64(), "stream position");
        }
    }
}
