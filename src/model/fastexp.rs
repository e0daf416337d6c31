//! `e^x` for arrays: branch-free, so that a loop over a slice vectorises
//! (libm's `exp` is a call per value and was a sixth of a realistic run's
//! time). Range reduction `x = k ln 2 + r`, `|r| ≤ ln 2 / 2`, Taylor series
//! of `e^r` to degree 13 (evaluated by Estrin's scheme) (truncation error below `r^14 / 14! < 5e-18`), and
//! `2^k` built from its bits. Within a few units in the last place of
//! `f64::exp` on `[-708, 709]` (tested); inputs outside are clamped to it.

/// 1.5 × 2^52: adding it rounds a double to an integer held in its low bits.
const ROUND: f64 = 6_755_399_441_055_744.0;
const INV_LN2: f64 = std::f64::consts::LOG2_E;
/// ln 2 split so that `k × LN2_HI` is exact for |k| < 2^11 (fdlibm's
/// `ln2_hi` and `ln2_lo`).
const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);

/// `e^x` (see the module documentation).
#[inline]
pub fn exp(x: f64) -> f64 {
    let x = x.clamp(-708.0, 709.0);
    let kd = x * INV_LN2 + ROUND;
    let k = kd - ROUND;
    let r = (x - k * LN2_HI) - k * LN2_LO;
    // Σ r^i / i!, i ≤ 13, by Estrin's scheme (a shallow tree of products,
    // so consecutive values overlap in the pipeline; Horner is a chain).
    const C: [f64; 14] = [
        1.0,
        1.0,
        0.5,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5_040.0,
        1.0 / 40_320.0,
        1.0 / 362_880.0,
        1.0 / 3_628_800.0,
        1.0 / 39_916_800.0,
        1.0 / 479_001_600.0,
        1.0 / 6_227_020_800.0,
    ];
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let a = |i: usize| C[i] + C[i + 1] * r;
    let b0 = a(0) + a(2) * r2;
    let b1 = a(4) + a(6) * r2;
    let b2 = a(8) + a(10) * r2;
    let b3 = a(12);
    let p = (b0 + b1 * r4) + (b2 + b3 * r4) * r8;
    // 2^k: k sits in the low bits of kd (two's complement, |k| ≤ 1023).
    let k_bits = kd.to_bits().wrapping_sub(ROUND.to_bits());
    p * f64::from_bits(k_bits.wrapping_add(1023) << 52)
}

/// `x[i] = e^{x[i]}` for every element (compiled for AVX2 too: see
/// [`super::with_avx2`]).
pub fn exp_in_place(x: &mut [f64]) {
    super::with_avx2(
        #[inline(always)]
        || exp_in_place_any(x),
    );
}

#[inline(always)]
fn exp_in_place_any(x: &mut [f64]) {
    for v in x {
        *v = exp(*v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_libm_to_a_few_ulp() {
        let mut worst: f64 = 0.0;
        let mut x = -708.0;
        while x < 709.0 {
            let (got, want) = (exp(x), x.exp());
            worst = worst.max(((got - want) / want).abs());
            x += 0.001_37;
        }
        // Near 0, where demand noise lives, densely.
        for i in -200_000..200_000 {
            let x = f64::from(i) * 1e-5;
            worst = worst.max(((exp(x) - x.exp()) / x.exp()).abs());
        }
        assert!(worst < 4.0 * f64::EPSILON, "worst relative error {worst:e}");
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-1e9), exp(-708.0));
    }

    /// The AVX2 build gives the baseline build's values, bit for bit.
    #[test]
    fn every_build_gives_the_same_bits() {
        let xs: Vec<f64> = (0..10_001).map(|i| f64::from(i - 5_000) * 0.1417).collect();
        let mut any = xs.clone();
        exp_in_place_any(&mut any);
        let mut dispatched = xs;
        exp_in_place(&mut dispatched);
        for (a, b) in any.iter().zip(&dispatched) {
            assert_eq!(a.to_bits(), b.to_bits());
        }
    }
}
