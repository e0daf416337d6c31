//! `e^x` for arrays: branch-free, so that a loop over a slice vectorises
//! (libm's `exp` is a call per value and was a sixth of a realistic run's
//! time). Table-driven, as glibc's and ARM's optimized routines do it:
//! `x = k ln 2 / 128 + r` with `k = 128 m + j`, `0 ≤ j < 128` and
//! `|r| ≤ ln 2 / 256`, so
//! `e^x = 2^m × 2^(j/128) × e^r`: `2^(j/128)` from a table of 128 doubles
//! (each correctly rounded), `e^r` by its Taylor series to degree 5
//! (truncation error below `r^6 / 6! < 6e-19`), and `2^m` added to the
//! table value's exponent. Within a few units in the last place of
//! `f64::exp` on `[-708, 709]` (tested); inputs outside are clamped to it.
//! (It replaced a degree-13 series on `|r| ≤ ln 2 / 2`: a third fewer
//! floating-point operations, which is what a value costs on this CPU.)

/// 1.5 × 2^52: adding it rounds a double to an integer held in its low bits.
const ROUND: f64 = 6_755_399_441_055_744.0;
/// 128 / ln 2.
const N_INV_LN2: f64 = 128.0 * std::f64::consts::LOG2_E;
/// ln 2 / 128 split so that `k × LN2_HI_N` is exact for |k| < 2^21
/// (fdlibm's `ln2_hi` and `ln2_lo`, divided by 128 exactly).
const LN2_HI_N: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000) / 128.0;
const LN2_LO_N: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76) / 128.0;

/// `2^(j/128)`, `j = 0..128`, each the double nearest the exact value
/// (computed to 60 digits with Python's `decimal`).
#[rustfmt::skip]
static TABLE: [f64; 128] = [
    1.0, 1.0054299011128027, 1.0108892860517005, 1.016378314910953,
    1.0218971486541166, 1.0274459491187637, 1.0330248790212284, 1.0386341019613787,
    1.0442737824274138, 1.0499440858006872, 1.0556451783605572, 1.061377227289262,
    1.0671404006768237, 1.0729348675259756, 1.0787607977571199, 1.0846183622133092,
    1.0905077326652577, 1.0964290818163769, 1.102382583307841, 1.1083684117236787,
    1.1143867425958924, 1.1204377524096067, 1.1265216186082418, 1.1326385195987192,
    1.1387886347566916, 1.1449721444318042, 1.1511892299529827, 1.1574400736337511,
    1.1637248587775775, 1.1700437696832502, 1.1763969916502812, 1.182784710984341,
    1.189207115002721, 1.1956643920398273, 1.202156731452703, 1.2086843236265816,
    1.215247359980469, 1.2218460329727576, 1.22848053610687, 1.2351510639369334,
    1.241857812073484, 1.2486009771892048, 1.255380757024691, 1.2621973503942507,
    1.2690509571917332, 1.275941778396392, 1.2828700160787783, 1.2898358734066657,
    1.2968395546510096, 1.3038812651919358, 1.3109612115247644, 1.318079601266064,
    1.3252366431597413, 1.3324325470831615, 1.339667524053303, 1.3469417862329458,
    1.3542555469368927, 1.3616090206382248, 1.3690024229745905, 1.3764359707545302,
    1.383909881963832, 1.3914243757719262, 1.3989796725383112, 1.4065759938190154,
    std::f64::consts::SQRT_2, 1.4218926021691656, 1.42961333839197, 1.4373759974489824,
    1.4451808069770467, 1.4530279958490526, 1.460917794180647, 1.4688504333369818,
    1.4768261459394993, 1.4848451658727524, 1.4929077282912648, 1.5010140696264256,
    1.5091644275934228, 1.5173590411982147, 1.5255981507445384, 1.533881997840956,
    1.5422108254079407, 1.550584877685, 1.559004400237837, 1.567469639965553,
    1.5759808451078865, 1.5845382652524937, 1.593142151342267, 1.6017927556826934,
    1.6104903319492543, 1.6192351351948637, 1.6280274218573478, 1.6368674497669644,
    1.645755478153965, 1.6546917676561943, 1.6636765803267364, 1.6727101796415966,
    1.681792830507429, 1.6909247992693053, 1.7001063537185235, 1.709337763100463,
    1.718619298122478, 1.7279512309618377, 1.7373338352737062, 1.746767386199169,
    1.7562521603732995, 1.7657884359332727, 1.7753764925265212, 1.785016611318935,
    1.7947090750031072, 1.804454167806624, 1.8142521755003989, 1.8241033854070534,
    1.8340080864093424, 1.843966568958626, 1.8539791250833855, 1.864046048397789,
    1.8741676341103, 1.8843441790323345, 1.8945759815869656, 1.9048633418176741,
    1.9152065613971474, 1.925605943636125, 1.9360617934922943, 1.9465744175792332,
    1.9571441241754002, 1.9677712232331759, 1.978456026387951, 1.9891988469672663,
];

/// `e^x` (see the module documentation).
#[inline]
pub fn exp(x: f64) -> f64 {
    let x = x.clamp(-708.0, 709.0);
    let kd = x * N_INV_LN2 + ROUND;
    let k = kd - ROUND;
    let r = (x - k * LN2_HI_N) - k * LN2_LO_N;
    // 1 + r + r²/2 + r³/6 + r⁴/24 + r⁵/120, as a shallow tree (a chain
    // would cost its latency per value).
    let r2 = r * r;
    let p = (1.0 + r) + r2 * (0.5 + r * (1.0 / 6.0)) + (r2 * r2) * (1.0 / 24.0 + r * (1.0 / 120.0));
    // k sits in the low bits of kd (two's complement, |k| < 2^18): j its
    // low 7 bits, m the rest (an arithmetic shift rounds towards −∞).
    let k_bits = kd.to_bits().wrapping_sub(ROUND.to_bits()) as i64;
    let j = (k_bits & 127) as usize;
    let m = k_bits >> 7;
    // 2^m × 2^(j/128): m added to the exponent of a value in [1, 2),
    // which stays a normal double for |m| ≤ 1022 (the clamp's range).
    let scale = f64::from_bits(TABLE[j].to_bits().wrapping_add((m << 52) as u64));
    scale * p
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
