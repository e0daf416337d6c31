//! Standard normals in bulk, bit for bit those of
//! `rand_distr::StandardNormal` drawn one at a time from the same generator
//! (tested), only faster.
//!
//! `StandardNormal` is a ziggurat (Marsaglia & Tsang 2000, 256 layers, as
//! rand_distr implements it): one 64-bit word gives a layer `i` (its low 8
//! bits) and a uniform `u` in [−1, 1) (its high 52), and `x = u × X[i]` is
//! the normal when `|x| < X[i+1]` — about 99% of draws. Called through the
//! `Distribution` trait per value, that fast path is a loop around a call
//! with spills and a generator check per word. Here the year's words are
//! drawn in one call into the output buffer itself, the fast path is
//! written out over them, and only a rejected word goes to rand_distr's own
//! slow path (the wedge and tail tests, copied below, then a fresh
//! `StandardNormal` draw), reading the following words.

use rand::{Rng as _, RngCore};
use rand_distr::{Distribution, Open01, StandardNormal};

use super::ziggurat_tables::{ZIG_NORM_F as F, ZIG_NORM_R as R, ZIG_NORM_X as X};
use crate::rng::Rng;

/// `out.len()` standard normals of `rng` into `out`, after a first one that
/// is returned: the values and order of `rng.sample(StandardNormal)` called
/// `out.len() + 1` times, leaving `rng` where those calls leave it. Each
/// normal takes at least one word, so `out` is the buffer of words read
/// ahead, and a normal is written only where its words have been read.
pub(crate) fn normals(rng: &mut Rng, out: &mut [f64]) -> f64 {
    let words: &mut [u64] = bytemuck::cast_slice_mut(out);
    rng.fill(&mut *words);
    let mut next = 0;
    let first = draw(words, &mut next, rng);
    let mut k = 0;
    while k < words.len() {
        // Four words at once while all four take the fast path (about 96%
        // of the time): their normals are read before any is written, and
        // `next > k` throughout, so no unread word is overwritten.
        if let Some(ws) = words.get(next..next + 4)
            && let Some(v) = fast4([ws[0], ws[1], ws[2], ws[3]])
            && k + 4 <= words.len()
        {
            for (o, x) in words[k..k + 4].iter_mut().zip(v) {
                *o = x.to_bits();
            }
            next += 4;
            k += 4;
            continue;
        }
        let v = draw(words, &mut next, rng);
        debug_assert!(next > k);
        words[k] = v.to_bits();
        k += 1;
    }
    first
}

/// The ziggurat's fast path for word `w`: its layer `i`, its uniform `u`
/// in [−1, 1) and `x = u × X[i]`, which is the normal if the last value
/// (`|x| < X[i+1]`) is true.
#[inline(always)]
fn fast_path(w: u64) -> (usize, f64, f64, bool) {
    let i = (w & 0xff) as usize;
    // The high 52 bits as a double in [2, 4), less 3 (rand's
    // `into_float_with_exponent(1) - 3.0`).
    let u = f64::from_bits((w >> 12) | (1024 << 52)) - 3.0;
    let x = u * X[i];
    (i, u, x, x.abs() < X[i + 1])
}

/// The normals of four words if each takes the fast path (four lanes of
/// [`fast_path`]).
#[inline(always)]
fn fast4(w: [u64; 4]) -> Option<[f64; 4]> {
    let mut x = [0.0; 4];
    let mut ok = [false; 4];
    for j in 0..4 {
        (_, _, x[j], ok[j]) = fast_path(w[j]);
    }
    (ok[0] & ok[1] & ok[2] & ok[3]).then_some(x)
}

/// The normal whose first word is `words[*next]` (or, past the words, the
/// generator's next normal); moves `next` past every word it read.
#[inline(always)]
fn draw(words: &[u64], next: &mut usize, rng: &mut Rng) -> f64 {
    let p = *next;
    let Some(&w) = words.get(p) else {
        *next += 1;
        return StandardNormal.sample(rng);
    };
    let (i, u, x, accepted) = fast_path(w);
    if accepted {
        *next = p + 1;
        return x;
    }
    let mut rest = Words {
        words: &words[p + 1..],
        pos: 0,
        rng,
    };
    let v = rejected(i, u, x, &mut rest);
    *next = p + 1 + rest.pos;
    v
}

/// The rest of rand_distr's ziggurat for a word outside the fast path
/// (`rand_distr` 0.5.1, `utils::ziggurat` and `normal.rs`, the same
/// expressions in the same order): the base layer's tail, or the wedge
/// test; a word that fails it is discarded and the draw starts afresh.
#[cold]
#[inline(never)]
fn rejected(i: usize, u: f64, x: f64, rng: &mut Words) -> f64 {
    if i == 0 {
        let (mut x, mut y) = (1.0f64, 0.0f64);
        while -2.0 * y < x * x {
            let x_: f64 = rng.sample(Open01);
            let y_: f64 = rng.sample(Open01);
            x = x_.ln() / R;
            y = y_.ln();
        }
        return if u < 0.0 { x - R } else { R - x };
    }
    if F[i + 1] + (F[i] - F[i + 1]) * rng.random::<f64>() < (-x * x / 2.0).exp() {
        return x;
    }
    StandardNormal.sample(rng)
}

/// Words read from a slice, then from the generator: the generator's own
/// sequence of `next_u64` when the slice is what it drew last.
struct Words<'a> {
    words: &'a [u64],
    pos: usize,
    rng: &'a mut Rng,
}

impl RngCore for Words<'_> {
    fn next_u64(&mut self) -> u64 {
        let w = match self.words.get(self.pos) {
            Some(&w) => w,
            None => self.rng.next_u64(),
        };
        self.pos += 1;
        w
    }

    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        rand::rand_core::impls::fill_bytes_via_next(self, dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::StreamKey;

    /// The bulk normals are `StandardNormal`'s, bit for bit, over enough
    /// draws to pass through every layer, the wedges and the tail many
    /// times, including past the buffer's end; and the generator is left
    /// where direct draws leave it.
    #[test]
    fn bulk_normals_are_rand_distrs() {
        for (trial, n) in [(0, 0), (1, 1), (3, 17), (7, 8760), (11, 300_000)] {
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

    /// The slow path is taken (wedges and tail), so the test above checks
    /// it: rejected words in 300,000 draws, and tail draws among them.
    #[test]
    fn the_test_draws_reach_the_slow_path() {
        let mut rng = StreamKey::new(5, "demand.noise").for_trial(11);
        let (mut rejected, mut tail) = (0, 0);
        for _ in 0..300_000 {
            let (i, _, _, accepted) = fast_path(rng.next_u64());
            if !accepted {
                rejected += 1;
                tail += usize::from(i == 0);
            }
        }
        assert!(
            rejected > 1000 && tail > 10,
            "{rejected} rejected, {tail} in the tail"
        );
    }
}
