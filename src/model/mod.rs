//! The model: what one trial (one possible year) is.
//!
//! A trial first draws its [`params::TrialParams`] (what we do not know:
//! volume, growth, throughput, prices, failure rates), then builds the hourly
//! demand path ([`demand`]) and outage timelines ([`outages`]), and replays
//! every hour of every strategy against them ([`serve`]). What a replica
//! serves in an hour comes from [`crate::serving`], the serving model. Everything here is
//! pure: no I/O, no threads. The random streams are named in [`keys`], so every
//! strategy of a trial sees the same draws (common random numbers).

pub mod calendar;
pub mod commitment;
pub mod demand;
pub mod fastexp;
pub mod keys;
mod normal;
pub mod outages;
pub mod params;
pub mod serve;
pub mod years;
mod ziggurat_tables;

pub use calendar::Calendar;
pub use keys::Keys;
pub use params::TrialParams;
pub use serve::{Scratch, StrategyTotals};

/// `f()` compiled for AVX2 as well, and run in that build where the CPU has
/// it (checked once, then cached by std), else in the baseline build. For
/// the hot loops: four lanes of `f64` per instruction instead of SSE2's two.
/// Only AVX2 is enabled, not FMA (which would round `a × b + c` once instead
/// of twice), so every operation is the baseline's IEEE operation and the
/// results are identical bit for bit on any x86-64 machine (tested). `f`
/// and what it calls must be inlined into it (`#[inline(always)]` on the
/// closure and its callees) to be compiled for AVX2.
#[inline(always)]
pub(crate) fn with_avx2<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        /// # Safety
        /// The CPU must support AVX2.
        #[target_feature(enable = "avx2")]
        unsafe fn avx2<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        // SAFETY: the CPU has AVX2 (checked just above).
        return unsafe { avx2(f) };
    }
    f()
}
