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
use crate::model::serve::{month_sums, replays_alike, reprice, simulate};
use crate::model::{Calendar, Keys, Scratch, StrategyTotals, TrialParams, demand};
use crate::scenario::Scenario;

/// Trials per block of [`Engine::run_chunked`]: enough to keep every core
/// busy, few enough that a block's outcomes and its Parquet rows stay small
/// (about 8 MB for six strategies); small enough too that writing the last
/// block, which nothing overlaps, is short.
pub const CHUNK_TRIALS: u64 = 1024;

/// Trials of the last block of [`Engine::run_chunked`]. Nothing overlaps
/// the last block's writing, so the block before it stops this many trials
/// short of the end: that block is written while the small last one is
/// simulated, and only a small write is left at the end.
pub const LAST_BLOCK_TRIALS: u64 = CHUNK_TRIALS / 8;

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
    /// Per strategy, an earlier one that replays alike but for prices
    /// ([`replays_alike`]): [`Engine::trial`] reprices its result instead of
    /// replaying it again.
    twins: Vec<Option<usize>>,
}

impl<'a> Engine<'a> {
    /// Prepare `scenario` with `seed`.
    pub fn new(scenario: &'a Scenario, seed: u64) -> Self {
        Engine {
            scenario,
            calendar: Calendar::new(scenario),
            params: ParamSet::new(scenario, seed),
            keys: Keys::new(scenario, seed),
            twins: (0..scenario.strategies.len())
                .map(|b| (0..b).find(|&a| replays_alike(scenario, a, b)))
                .collect(),
        }
    }

    /// The calendar (months) of the horizon.
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// Run one trial using `scratch` buffers. A strategy that differs from
    /// an earlier one only in prices, with the same drawn pool parameters
    /// in this trial, is repriced from its result rather than replayed:
    /// the same bits as [`Engine::simulate`].
    pub fn trial(&self, trial: u64, scratch: &mut Scratch) -> TrialOutcome {
        let params = self.prepare(trial, scratch);
        let strategies = self.simulate_all(&params, trial, scratch);
        TrialOutcome {
            trial,
            params,
            strategies,
        }
    }

    /// Every strategy replayed on the demand and outages in `scratch` (see
    /// [`Engine::prepare`]), in scenario order: what [`Engine::simulate`]
    /// gives for each, bit for bit, with each month's demand summed once for
    /// all and twins repriced (see [`Engine::trial`]).
    pub fn simulate_all(
        &self,
        params: &TrialParams,
        trial: u64,
        scratch: &mut Scratch,
    ) -> Vec<StrategyTotals> {
        scratch.month_demand = Some(month_sums(&self.calendar, &scratch.demand));
        let mut strategies: Vec<StrategyTotals> = Vec::with_capacity(self.twins.len());
        for (si, twin) in self.twins.iter().enumerate() {
            let result = match *twin {
                Some(t) if params.pools[t] == params.pools[si] => {
                    reprice(self.scenario, si, &self.calendar, params, &strategies[t])
                }
                _ => self.simulate(si, params, trial, scratch),
            };
            strategies.push(result);
        }
        scratch.month_demand = None;
        strategies
    }

    /// Strategy `si`'s capacity in each hour of trial `trial` (drawn as
    /// `params`, prepared in `scratch`) into `out`, when it does not depend
    /// on demand ([`crate::model::serve::capacity_is_fixed`]); `false`
    /// otherwise.
    pub fn capacity_profile(
        &self,
        si: usize,
        params: &TrialParams,
        trial: u64,
        scratch: &mut Scratch,
        out: &mut Vec<f64>,
    ) -> bool {
        let s = self.scenario;
        if !crate::model::serve::capacity_is_fixed(&s.strategies[si], params, si) {
            return false;
        }
        crate::model::serve::capacity_profile(
            s,
            si,
            params,
            &self.keys,
            trial,
            &scratch.region_events,
            &mut scratch.events,
            out,
        );
        true
    }

    /// Strategy `si` of trial `trial` (drawn as `params`, prepared in
    /// `scratch`) ready to replay at any demand, when it is autoscaled in
    /// the common shape ([`crate::model::serve::Autoscaled`]); `None`
    /// otherwise.
    pub fn autoscaled(
        &self,
        si: usize,
        params: &TrialParams,
        trial: u64,
        scratch: &mut Scratch,
    ) -> Option<crate::model::serve::Autoscaled> {
        crate::model::serve::Autoscaled::new(
            self.scenario,
            si,
            &self.calendar,
            params,
            &self.keys,
            trial,
            &scratch.region_events,
            &mut scratch.events,
        )
    }

    /// [`Engine::simulate`] of an autoscaled strategy from its
    /// [`Engine::autoscaled`] form, on the demand in `scratch`: the same
    /// bits.
    pub fn simulate_autoscaled(
        &self,
        a: &crate::model::serve::Autoscaled,
        params: &TrialParams,
        scratch: &mut Scratch,
    ) -> StrategyTotals {
        a.simulate(self.scenario, &self.calendar, params, scratch)
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

    /// Run trials `range` in blocks of [`CHUNK_TRIALS`] (the last
    /// [`LAST_BLOCK_TRIALS`] a block of their own), each in parallel on
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
            let end = block_end(start, range.end);
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

/// The end of the block of [`Engine::run_chunked`] that starts at trial
/// `start` of a range ending at `end`: [`CHUNK_TRIALS`] on, but short of the
/// last [`LAST_BLOCK_TRIALS`] trials, which make a block of their own
/// unless that would leave a block shorter than they are.
fn block_end(start: u64, end: u64) -> u64 {
    let tail = end.saturating_sub(LAST_BLOCK_TRIALS);
    match end.min(start.saturating_add(CHUNK_TRIALS)) {
        e if e > tail && tail >= start.saturating_add(LAST_BLOCK_TRIALS) => tail,
        e => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::serve::simulate_any;

    /// Blocks cover the range in order without gaps, none is longer than
    /// [`CHUNK_TRIALS`] or shorter than [`LAST_BLOCK_TRIALS`] (unless the
    /// range is), and the last is short: below twice that, and exactly that
    /// when the block before it could give it up.
    #[test]
    fn blocks_tile_the_range_and_end_small() {
        for (start, end) in [
            (0, 1),
            (0, 100),
            (0, 128),
            (0, 129),
            (0, 255),
            (0, 256),
            (0, 1024),
            (0, 1153),
            (0, 10_000),
            (5_000, 7_300),
            (u64::MAX - 3000, u64::MAX),
        ] {
            let mut blocks = Vec::new();
            let mut s = start;
            while s < end {
                let e = block_end(s, end);
                assert!(
                    e > s && e - s <= CHUNK_TRIALS,
                    "{start}..{end}: block {s}..{e}"
                );
                blocks.push((s, e));
                s = e;
            }
            assert_eq!(s, end, "{start}..{end}");
            let n = end - start;
            for &(a, b) in &blocks {
                assert!(
                    b - a >= LAST_BLOCK_TRIALS.min(n),
                    "{start}..{end}: {blocks:?}"
                );
            }
            let (a, b) = *blocks.last().expect("a block");
            assert!(b - a < 2 * LAST_BLOCK_TRIALS || blocks.len() == 1);
            if n >= 2 * LAST_BLOCK_TRIALS && n % CHUNK_TRIALS >= 2 * LAST_BLOCK_TRIALS {
                assert_eq!(b - a, LAST_BLOCK_TRIALS, "{start}..{end}: {blocks:?}");
            }
            if n < 2 * LAST_BLOCK_TRIALS {
                assert_eq!(blocks, [(start, end)]);
            }
        }
    }

    /// A trial's strategies ([`Engine::trial`]: the months' demand summed
    /// once for all, some repriced from a twin) get what their own replay
    /// gives, bit for bit:
    /// reserved pools at another price (realistic-2027's reserved-3y),
    /// queues, API-only twins, and twins whose drawn drift differs in a
    /// trial (replayed then).
    #[test]
    fn repriced_twins_equal_their_own_replay() {
        let path = format!(
            "{}/scenarios/realistic-2027.toml",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut text = std::fs::read_to_string(path).expect("shipped scenario");
        for (name, price, overflow) in [
            (
                "queue-a",
                "reserved",
                "\"queue\"\nqueue_max_delay_hours = 3",
            ),
            (
                "queue-b",
                "reserved_3y",
                "\"queue\"\nqueue_max_delay_hours = 3",
            ),
            ("od-a", "on_demand", "\"spill\""),
            ("od-b", "spot", "\"spill\""),
        ] {
            let kind = if name.starts_with("od") {
                "kind = \"on_demand\"\nmin_replicas = 1\nmax_replicas = 5\nstartup_lag_hours = 2\n\
                 price_drift_per_year = { low = -0.3, likely = -0.1, high = 0.05 }"
            } else {
                "kind = \"reserved\"\nreplicas = 1\nspares = 1"
            };
            text.push_str(&format!(
                "\n[[strategy]]\nname = \"{name}\"\noverflow = {overflow}\n\
                 [[strategy.pool]]\n{kind}\nprice = \"{price}\"\n"
            ));
        }
        text.push_str("\n[[strategy]]\nname = \"api-again\"\n");
        let s = crate::scenario::parse(&text, "twins", None).expect("valid scenario");
        let e = Engine::new(&s, 11);
        let index = |name: &str| s.strategies.iter().position(|st| st.name == name).unwrap();
        let expect = [
            ("reserved-3y", "reserved-2"),
            ("queue-b", "queue-a"),
            ("od-b", "od-a"),
            ("api-again", "api-only"),
        ];
        for (b, a) in expect {
            assert_eq!(e.twins[index(b)], Some(index(a)), "{b}");
        }
        let twins = e.twins.iter().filter(|t| t.is_some()).count();
        assert_eq!(twins, expect.len(), "{:?}", e.twins);
        let mut scratch = Scratch::default();
        let mut repriced = 0;
        for trial in 0..12 {
            let outcome = e.trial(trial, &mut scratch);
            let params = e.prepare(trial, &mut scratch);
            for (si, got) in outcome.strategies.iter().enumerate() {
                let own = e.simulate(si, &params, trial, &mut scratch);
                assert_eq!(got, &own, "trial {trial}, {}", s.strategies[si].name);
                repriced +=
                    usize::from(e.twins[si].is_some_and(|t| params.pools[t] == params.pools[si]));
            }
            // The on-demand twins draw their drift under different price
            // names: never repriced.
            assert_ne!(params.pools[index("od-a")], params.pools[index("od-b")]);
        }
        assert_eq!(
            repriced,
            12 * 3,
            "reserved-3y, queue-b and api-again in every trial"
        );
    }

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
