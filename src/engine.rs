//! Trials in parallel.
//!
//! Trial `i` draws its parameters and hourly randomness from streams keyed by
//! the run's seed and `i` only ([`crate::rng`]), uses per-thread scratch
//! buffers, and results are collected in trial order. So the output is the
//! same for any thread count, and any split of the trials into shards.

use std::ops::Range;

use rayon::prelude::*;

use crate::model::outages::timeline_events;
use crate::model::params::ParamSet;
use crate::model::serve::simulate;
use crate::model::{Calendar, Keys, Scratch, StrategyTotals, TrialParams, demand};
use crate::scenario::Scenario;

/// Trials per block of [`Engine::run_chunked`]: enough to keep every core
/// busy, few enough that a block's outcomes and its Parquet rows stay small
/// (about 8 MB for six strategies); small enough too that writing the last
/// block, which nothing overlaps, is short.
pub const CHUNK_TRIALS: u64 = 1024;

/// One trial: its draws and every strategy's result.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialOutcome {
    /// Trial index.
    pub trial: u64,
    /// The trial's parameter draws.
    pub params: TrialParams,
    /// One entry per strategy, in scenario order.
    pub strategies: Vec<StrategyTotals>,
}

/// A scenario prepared for running: distributions, calendar and streams built once.
#[derive(Debug, Clone)]
pub struct Engine<'a> {
    scenario: &'a Scenario,
    calendar: Calendar,
    params: ParamSet,
    keys: Keys,
}

impl<'a> Engine<'a> {
    /// Prepare `scenario` with `seed`.
    pub fn new(scenario: &'a Scenario, seed: u64) -> Self {
        Engine {
            scenario,
            calendar: Calendar::new(scenario),
            params: ParamSet::new(scenario, seed),
            keys: Keys::new(scenario, seed),
        }
    }

    /// The calendar (months) of the horizon.
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// Run one trial using `scratch` buffers.
    pub fn trial(&self, trial: u64, scratch: &mut Scratch) -> TrialOutcome {
        let params = self.prepare(trial, scratch);
        let strategies = (0..self.scenario.strategies.len())
            .map(|si| self.simulate(si, &params, trial, scratch))
            .collect();
        TrialOutcome {
            trial,
            params,
            strategies,
        }
    }

    /// Draw trial `trial`'s parameters and fill `scratch` with its hourly
    /// demand and region outages, ready for [`Engine::simulate`]. A caller may
    /// rescale `scratch.demand` in between (break-even) without touching any
    /// other random draw.
    pub fn prepare(&self, trial: u64, scratch: &mut Scratch) -> TrialParams {
        let s = self.scenario;
        let n = s.horizon_hours as usize;
        let params = self.params.draw(trial);
        scratch.demand.resize(n, 0.0);
        demand::fill(
            &params,
            &self.calendar,
            &s.demand,
            &self.keys,
            trial,
            &mut scratch.demand,
        );
        scratch.region_events.clear();
        let events = &mut scratch.region_events;
        timeline_events(
            &self.keys.region,
            trial,
            params.region_outages_per_year / 8760.0,
            &s.outages.region_outage_hours,
            n,
            |h, d| events.push((h, d)),
        );
        params
    }

    /// Replay strategy `si` on the demand and outages in `scratch` (see
    /// [`Engine::prepare`]).
    pub fn simulate(
        &self,
        si: usize,
        params: &TrialParams,
        trial: u64,
        scratch: &mut Scratch,
    ) -> StrategyTotals {
        simulate(
            self.scenario,
            si,
            &self.calendar,
            params,
            &self.keys,
            trial,
            scratch,
        )
    }

    /// [`Engine::simulate`] by the hour-by-hour reference replay
    /// ([`crate::model::serve::simulate_hourly`]), for tests.
    #[doc(hidden)]
    pub fn simulate_hourly(
        &self,
        si: usize,
        params: &TrialParams,
        trial: u64,
        scratch: &mut Scratch,
    ) -> StrategyTotals {
        crate::model::serve::simulate_hourly(
            self.scenario,
            si,
            &self.calendar,
            params,
            &self.keys,
            trial,
            scratch,
        )
    }

    /// The scenario being run.
    pub fn scenario(&self) -> &Scenario {
        self.scenario
    }

    /// Run trials `range` in blocks of [`CHUNK_TRIALS`], each in parallel on
    /// the current rayon pool, handing each block's outcomes (in trial order)
    /// to `sink`. The sink of one block runs while the next block is
    /// simulated (`rayon::join`: the thread that writes joins the simulation
    /// when it is done), so memory is bounded by two blocks, whatever the
    /// trial count. Stops at the first error of `sink` (the block being
    /// simulated then is finished and dropped).
    pub fn run_chunked<E: Send>(
        &self,
        range: Range<u64>,
        progress: &(dyn Fn() + Sync),
        sink: &mut (dyn FnMut(Vec<TrialOutcome>) -> Result<(), E> + Send),
    ) -> Result<(), E> {
        let mut start = range.start;
        let mut pending: Option<Vec<TrialOutcome>> = None;
        while start < range.end {
            let end = range.end.min(start.saturating_add(CHUNK_TRIALS));
            let (written, next) = rayon::join(
                || pending.take().map_or(Ok(()), &mut *sink),
                || self.run(start..end, progress),
            );
            written?;
            pending = Some(next);
            start = end;
        }
        pending.map_or(Ok(()), sink)
    }

    /// Run trials `range` in parallel on the current rayon pool, calling
    /// `progress` after each trial; results in trial order.
    pub fn run(&self, range: Range<u64>, progress: &(dyn Fn() + Sync)) -> Vec<TrialOutcome> {
        range
            .into_par_iter()
            .map_init(Scratch::default, |scratch, i| {
                let t = self.trial(i, scratch);
                progress();
                t
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::serve::simulate_any;

    /// The replay compiled for AVX2 (chosen at run time where the CPU has
    /// it, as here) gives the baseline build's results bit for bit, on every
    /// shipped scenario: reserved, spot, on-demand with drift, replayed
    /// traffic, queues' absence and presence alike.
    #[test]
    fn every_build_of_the_replay_gives_the_same_bits() {
        for name in ["seed", "realistic-2027", "fitted-2027"] {
            let path = format!("{}/scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"));
            let s = crate::scenario::load(path.as_ref()).expect("shipped scenario");
            let e = Engine::new(&s, s.seed);
            let mut scratch = Scratch::default();
            for trial in 0..12 {
                let params = e.prepare(trial, &mut scratch);
                for si in 0..s.strategies.len() {
                    let dispatched = e.simulate(si, &params, trial, &mut scratch);
                    let any =
                        simulate_any(&s, si, &e.calendar, &params, &e.keys, trial, &mut scratch);
                    assert_eq!(dispatched, any, "{name}, trial {trial}, strategy {si}");
                }
            }
        }
    }
}
