//! Engine benchmark: trial-hours per second per core, and peak memory.
//!
//! `cargo bench --bench engine -- [SCENARIO] [TRIALS]`
//! (default `scenarios/realistic-2027.toml`, 10,000 trials).
//!
//! A trial-hour is one hour of one trial with every strategy of the scenario
//! replayed on it. Each figure is the best of three runs on all cores (rayon's
//! default pool); per-core figures divide by the pool's thread count. Peak
//! memory is the process's resident high-water mark (`VmHWM`, Linux).

use std::time::Instant;

use capsim::engine::Engine;
use capsim::report::summarise;
use capsim::scenario;

fn vm_hwm_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() {
    // `cargo bench` passes `--bench`; ignore flags.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let path = args
        .first()
        .map_or("scenarios/realistic-2027.toml", String::as_str);
    let trials: u64 = args.get(1).map_or(10_000, |t| {
        t.parse().expect("TRIALS must be a whole number")
    });
    let s = scenario::load(path.as_ref()).unwrap_or_else(|e| panic!("{path}: {e}"));
    let threads = rayon::current_num_threads();
    let engine = Engine::new(&s, s.seed);
    let trial_hours = trials as f64 * f64::from(s.horizon_hours);

    let mut best = f64::INFINITY;
    let mut best_total = f64::INFINITY;
    for _ in 0..3 {
        let t0 = Instant::now();
        let outcomes = engine.run(0..trials, &|| {});
        let engine_s = t0.elapsed().as_secs_f64();
        let rows = summarise(&s, &outcomes);
        std::hint::black_box(&rows);
        best = best.min(engine_s);
        best_total = best_total.min(t0.elapsed().as_secs_f64());
    }
    let rate = trial_hours / best;
    println!(
        "scenario          {path} ({} strategies)",
        s.strategies.len()
    );
    println!("trials × hours    {trials} × {}", s.horizon_hours);
    println!("threads           {threads}");
    println!("engine            {best:.3} s (best of 3)");
    println!("engine + summary  {best_total:.3} s");
    println!("trial-hours/s     {:.1} M on {threads} threads", rate / 1e6);
    println!(
        "per core          {:.1} M trial-hours/s",
        rate / threads as f64 / 1e6
    );
    println!(
        "strategy-hours/s  {:.1} M per core",
        rate * s.strategies.len() as f64 / threads as f64 / 1e6
    );
    match vm_hwm_mib() {
        Some(m) => println!("peak memory       {m:.0} MiB (VmHWM)"),
        None => println!("peak memory       unavailable (no /proc/self/status)"),
    }
}
