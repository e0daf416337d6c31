//! Criterion benchmarks of the engine, in trial-hours per second (criterion's
//! "elem/s"; a trial-hour is one hour of one trial with every strategy of the
//! scenario replayed on it), on all cores (rayon's default pool):
//!
//! - `engine/seed`: `scenarios/seed.toml` (3 strategies);
//! - `engine/realistic-2027`: `scenarios/realistic-2027.toml` (6 strategies);
//! - `minimal_loop`: the in-house lower bound — per trial-hour one normal draw
//!   (ChaCha8 + ziggurat, as the engine), one `exp`, a multiply, a `min` and
//!   two sums, over the same per-trial streams and rayon split; and the same
//!   loop on xoshiro256++ (`rand_xoshiro`), the fastest well-kept generator,
//!   to show what the engine's choice of ChaCha8 costs the bound.
//!
//! `cargo bench --bench criterion_engine`; divide by the core count for the
//! per-core figure. `cargo bench --bench engine` gives the larger end-to-end
//! run with peak memory.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use capsim::engine::Engine;
use capsim::model::Scratch;
use capsim::scenario;

const HOURS: u64 = 8760;

fn engine(c: &mut Criterion) {
    let mut g = c.benchmark_group("engine");
    g.sample_size(10);
    for (name, trials) in [("seed", 2000u64), ("realistic-2027", 500)] {
        let path = format!("{}/scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"));
        let s = scenario::load(path.as_ref()).expect("shipped scenario is valid");
        let e = Engine::new(&s, s.seed);
        g.throughput(Throughput::Elements(trials * u64::from(s.horizon_hours)));
        g.bench_function(name, |b| b.iter(|| e.run(0..trials, &|| {})));
    }
    g.finish();
}

/// The minimal hourly loop: served = min(demand, capacity) with demand =
/// base × exp(σ z); sums of served and of demand. Returns the sums so the
/// work cannot be optimised away.
fn minimal<R: RngCore + SeedableRng>(trials: u64) -> (f64, f64) {
    (0..trials)
        .into_par_iter()
        .map(|t| {
            let mut rng = R::seed_from_u64(t);
            let (base, sigma, cap) = (1.0e7, 0.2, 1.2e7);
            let (mut served, mut demanded) = (0.0, 0.0);
            for _ in 0..HOURS {
                let z: f64 = StandardNormal.sample(&mut rng);
                let d = base * (sigma * z).exp();
                served += d.min(cap);
                demanded += d;
            }
            (served, demanded)
        })
        .reduce(|| (0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1))
}

fn minimal_loop(c: &mut Criterion) {
    let mut g = c.benchmark_group("minimal_loop");
    g.sample_size(10);
    let trials = 2000;
    g.throughput(Throughput::Elements(trials * HOURS));
    g.bench_function("normal_exp_min_2sums", |b| {
        b.iter(|| std::hint::black_box(minimal::<ChaCha8Rng>(trials)))
    });
    g.bench_function("xoshiro256pp", |b| {
        b.iter(|| std::hint::black_box(minimal::<Xoshiro256PlusPlus>(trials)))
    });
    g.finish();
}

/// One core, one trial at a time: a realistic trial's parts —
/// `prepare` (parameter draws, the hourly demand path, region outages) and
/// each strategy's replay alone — in trial-hours per second, to show where
/// a trial's time goes.
fn trial_parts(c: &mut Criterion) {
    let mut g = c.benchmark_group("parts");
    g.sample_size(10);
    let path = format!(
        "{}/scenarios/realistic-2027.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let s = scenario::load(path.as_ref()).expect("shipped scenario is valid");
    let e = Engine::new(&s, s.seed);
    let trials = 200u64;
    g.throughput(Throughput::Elements(trials * u64::from(s.horizon_hours)));
    let mut scratch = Scratch::default();
    g.bench_function("prepare", |b| {
        b.iter(|| {
            for t in 0..trials {
                std::hint::black_box(e.prepare(t, &mut scratch));
            }
        })
    });
    // The replays timed alone: each trial prepared outside the clock.
    for (si, st) in s.strategies.iter().enumerate() {
        g.bench_function(format!("replay/{}", st.name), |b| {
            b.iter_custom(|iters| {
                let mut spent = std::time::Duration::ZERO;
                for _ in 0..iters {
                    for t in 0..trials {
                        let p = e.prepare(t, &mut scratch);
                        let start = std::time::Instant::now();
                        std::hint::black_box(e.simulate(si, &p, t, &mut scratch));
                        spent += start.elapsed();
                    }
                }
                spent
            })
        });
    }
    g.finish();
}

criterion_group!(benches, engine, minimal_loop, trial_parts);
criterion_main!(benches);
