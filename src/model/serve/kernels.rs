//! Numeric kernels of the replays: on-demand requests, and sums over a
//! segment's hours in four lanes (vectorised; exact where it matters).

/// Replicas an on-demand pool asks for to serve `residual` tokens in an hour:
/// `ceil(residual / rcap)` within `lo..=hi` (`hi` if a replica serves
/// nothing).
#[inline]
pub(super) fn request(residual: f64, rcap: f64, lo: u32, hi: u32) -> u32 {
    // The integer read from the low bits of c + 2^52 (c is whole and
    // small) instead of a saturating cast.
    let c = request_count(residual, rcap, f64::from(lo), f64::from(hi));
    (c + TWO52).to_bits() as u32
}

/// 2^52: adding and taking away 2^52 rounds a double in [0, 2^52) to an
/// integer.
pub(super) const TWO52: f64 = 4_503_599_627_370_496.0;

/// [`request`] as a whole `f64`, with `lo` and `hi` as `f64` (the segment
/// replay keeps replica counts as `f64`: no conversion per hour).
#[inline(always)]
pub(super) fn request_count(residual: f64, rcap: f64, lo: f64, hi: f64) -> f64 {
    if rcap <= 0.0 {
        return hi;
    }
    // ceil(x) for 0 ≤ x ≤ hi without a libm call (f64::ceil is not inlined
    // without SSE4.1) and branch-free, so a loop of requests vectorises:
    // adding and taking away 2^52 rounds x to an integer t, and t < x means
    // it rounded down.
    // Comparisons instead of f64::min/max (their NaN rules cost
    // instructions; residual and rcap are never NaN).
    let x = residual / rcap;
    let x = if x < hi { x } else { hi };
    let t = (x + TWO52) - TWO52;
    let c = t + one_if(t < x);
    if c > lo { c } else { lo }
}

/// 1 if `b`, else 0: a select between two constants, which vectorises as
/// a comparison mask and an AND (a conversion of the bool to an integer
/// and then to `f64` does not).
#[inline(always)]
pub(super) fn one_if(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// A replica count as `f64`, through `i32`: x86 converts signed 32-bit
/// lanes to `f64` in one instruction, unsigned ones in several. Counts are
/// far below 2^31 (pools are limited to far fewer replicas).
#[inline(always)]
pub(super) fn count(n: u32) -> f64 {
    debug_assert!(n <= i32::MAX as u32);
    f64::from(n as i32)
}

/// `max(x, 0)` for an `x` that is never NaN (`f64::max`'s NaN rule costs
/// instructions in loops that should vectorise).
#[inline(always)]
pub(super) fn positive(x: f64) -> f64 {
    if x > 0.0 { x } else { 0.0 }
}

/// `min(x, cap)` for an `x` that is never NaN.
#[inline(always)]
pub(super) fn at_most(x: f64, cap: f64) -> f64 {
    if x < cap { x } else { cap }
}

/// Σ x in four lanes (vectorisable; every path sums demand this way, so
/// all strategies of a trial see the same demanded tokens).
#[inline(always)]
pub(super) fn lane_sum(x: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let chunks = x.chunks_exact(4);
    let rest: f64 = chunks.remainder().iter().sum();
    for c in chunks {
        for (a, v) in acc.iter_mut().zip(c) {
            *a += v;
        }
    }
    lanes_total(acc) + rest
}

/// Σ f(a, b) over pairs of `a` and `b`, in four lanes.
#[inline(always)]
pub(super) fn lane_sum_by(a: &[f64], b: &[f64], f: impl Fn(f64, f64) -> f64) -> f64 {
    let mut acc = [0.0; 4];
    let (a4, b4) = (a.chunks_exact(4), b.chunks_exact(4));
    let rest: f64 = a4
        .remainder()
        .iter()
        .zip(b4.remainder())
        .map(|(&x, &y)| f(x, y))
        .sum();
    for (x, y) in a4.zip(b4) {
        for i in 0..4 {
            acc[i] += f(x[i], y[i]);
        }
    }
    lanes_total(acc) + rest
}

/// (Σ min(d, cap), Σ (d − min(d, cap)), hours with d > cap) over hours of
/// demand `d` and active replicas `a`, with `cap = cap_of(a)`, in four lanes
/// (one running sum would be a chain of dependent additions, an addition's
/// latency per hour). Demand is never NaN, so a plain comparison is the
/// minimum.
#[inline(always)]
pub(super) fn capped_by(
    active: &[f64],
    hours: &[f64],
    cap_of: impl Fn(f64) -> f64,
) -> (f64, f64, f64) {
    let hour = |a: f64, d: f64| {
        let cap = cap_of(a);
        let s = at_most(d, cap);
        (s, d - s, one_if(d > cap))
    };
    let (mut served, mut over, mut short) = ([0.0; 4], [0.0; 4], [0.0; 4]);
    let (a4, d4) = (active.chunks_exact(4), hours.chunks_exact(4));
    let mut tail = (0.0, 0.0, 0.0);
    for (&a, &d) in a4.remainder().iter().zip(d4.remainder()) {
        let (s, o, x) = hour(a, d);
        tail.0 += s;
        tail.1 += o;
        tail.2 += x;
    }
    for (a, d) in a4.zip(d4) {
        for i in 0..4 {
            let (s, o, x) = hour(a[i], d[i]);
            served[i] += s;
            over[i] += o;
            short[i] += x;
        }
    }
    (
        lanes_total(served) + tail.0,
        lanes_total(over) + tail.1,
        lanes_total(short) + tail.2,
    )
}

/// The sum of four lanes, in a fixed order.
#[inline(always)]
pub(super) fn lanes_total(a: [f64; 4]) -> f64 {
    (a[0] + a[1]) + (a[2] + a[3])
}

/// (Σ x, Σ min(x, cap), hours with x > cap) over `x`, in four lanes.
#[inline(always)]
pub(super) fn capped_sums(x: &[f64], cap: f64) -> (f64, f64, f64) {
    let (mut sum, mut served, mut short) = ([0.0; 4], [0.0; 4], [0.0; 4]);
    let chunks = x.chunks_exact(4);
    let mut tail = (0.0, 0.0, 0.0);
    for &d in chunks.remainder() {
        tail.0 += d;
        tail.1 += at_most(d, cap);
        tail.2 += one_if(d > cap);
    }
    for c in chunks {
        for i in 0..4 {
            sum[i] += c[i];
            served[i] += at_most(c[i], cap);
            short[i] += one_if(c[i] > cap);
        }
    }
    (
        lanes_total(sum) + tail.0,
        lanes_total(served) + tail.1,
        lanes_total(short) + tail.2,
    )
}
