//! The named random streams of a run (see [`crate::rng`]).

use crate::rng::StreamKey;
use crate::scenario::Scenario;

/// Every stream key a trial uses, built once per run.
#[derive(Debug, Clone)]
pub struct Keys {
    /// The run's seed.
    pub seed: u64,
    /// Hourly demand noise.
    pub noise: StreamKey,
    /// Day-level demand noise.
    pub daily: StreamKey,
    /// Replay: which trace day each day of the horizon copies.
    pub replay: StreamKey,
    /// Burst arrivals, sizes and durations.
    pub bursts: StreamKey,
    /// Region-wide outages.
    pub region: StreamKey,
    /// Hardware failures of replica slot j (shared by all strategies).
    pub failure_slot: Vec<StreamKey>,
    /// Spot interruptions of replica slot j.
    pub spot_slot: Vec<StreamKey>,
}

impl Keys {
    /// Keys for a scenario run with `seed`.
    pub fn new(s: &Scenario, seed: u64) -> Self {
        let slots = s
            .strategies
            .iter()
            .map(|st| st.pools.iter().map(|p| p.slots() as usize).sum::<usize>())
            .max()
            .unwrap_or(0);
        Keys {
            seed,
            noise: StreamKey::new(seed, "demand.noise"),
            bursts: StreamKey::new(seed, "demand.bursts"),
            replay: StreamKey::new(seed, "demand.replay"),
            daily: StreamKey::new(seed, "demand.daily"),
            region: StreamKey::new(seed, "outages.region"),
            failure_slot: (0..slots)
                .map(|j| StreamKey::new(seed, &format!("outages.slot.{j}")))
                .collect(),
            spot_slot: (0..slots)
                .map(|j| StreamKey::new(seed, &format!("spot.slot.{j}")))
                .collect(),
        }
    }
}
