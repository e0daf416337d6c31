//! The model: what one trial (one possible year) is.
//!
//! A trial first draws its [`params::TrialParams`] (what we do not know:
//! volume, growth, throughput, prices, failure rates), then builds the hourly
//! demand path ([`demand`]) and outage timelines ([`outages`]), and replays
//! every hour of every strategy against them ([`serve`]). Everything here is
//! pure: no I/O, no threads. The random streams are named in [`keys`], so every
//! strategy of a trial sees the same draws (common random numbers).

pub mod calendar;
pub mod demand;
pub mod fastexp;
pub mod keys;
pub mod outages;
pub mod params;
pub mod serve;

pub use calendar::Calendar;
pub use keys::Keys;
pub use params::TrialParams;
pub use serve::{Scratch, StrategyTotals};
