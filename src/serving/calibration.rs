//! The calibrated efficiencies of each GPU family, read from
//! `models/calibration/efficiency.toml` (compiled in), and the small
//! optimiser `capsim calibrate --fit` refits them with.
//!
//! A family groups GPUs that share a chip generation and software stack:
//! `hopper` (H100, H200), `blackwell` (B200, GB200), `blackwell-ultra`
//! (B300, GB300) and `instinct` (MI300X, MI325X, MI350X, MI355X).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::hardware::Efficiency;

/// The families, in the order reports list them.
pub const FAMILIES: [&str; 4] = ["hopper", "blackwell", "blackwell-ultra", "instinct"];

/// The shipped table.
pub const EFFICIENCY_TOML: &str = include_str!("../../models/calibration/efficiency.toml");

/// Parse a table of families.
pub fn parse_table(text: &str) -> Result<BTreeMap<String, Efficiency>, toml::de::Error> {
    toml::from_str(text)
}

fn shipped() -> &'static BTreeMap<String, Efficiency> {
    static TABLE: OnceLock<BTreeMap<String, Efficiency>> = OnceLock::new();
    // The shipped file is checked by a unit test below: a parse error here
    // is a build defect, not an input error.
    TABLE.get_or_init(|| {
        parse_table(EFFICIENCY_TOML).expect("models/calibration/efficiency.toml parses")
    })
}

/// The shipped efficiencies of `family`.
pub fn family_efficiency(family: &str) -> Option<Efficiency> {
    shipped().get(family).cloned()
}

/// Minimise `f` from `x0` by Nelder–Mead (Nelder & Mead 1965; the standard
/// coefficients 1, 2, ½, ½) in `iterations` steps, each coordinate first
/// moved by `step[i]`. Small and dependency-free: the fit has at most a
/// dozen parameters and a smooth-enough objective.
pub fn nelder_mead(
    f: &dyn Fn(&[f64]) -> f64,
    x0: &[f64],
    step: &[f64],
    iterations: usize,
) -> Vec<f64> {
    let n = x0.len();
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n + 1);
    simplex.push((x0.to_vec(), f(x0)));
    for i in 0..n {
        let mut x = x0.to_vec();
        x[i] += step[i];
        let v = f(&x);
        simplex.push((x, v));
    }
    let at = |c: &[f64], d: &[f64], t: f64| -> Vec<f64> {
        c.iter().zip(d).map(|(a, b)| a + t * (b - a)).collect()
    };
    for _ in 0..iterations {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let centroid: Vec<f64> = (0..n)
            .map(|j| simplex[..n].iter().map(|p| p.0[j]).sum::<f64>() / n as f64)
            .collect();
        let worst = simplex[n].clone();
        let reflected = at(&centroid, &worst.0, -1.0);
        let fr = f(&reflected);
        if fr < simplex[0].1 {
            let expanded = at(&centroid, &worst.0, -2.0);
            let fe = f(&expanded);
            simplex[n] = if fe < fr {
                (expanded, fe)
            } else {
                (reflected, fr)
            };
        } else if fr < simplex[n - 1].1 {
            simplex[n] = (reflected, fr);
        } else {
            let contracted = at(&centroid, &worst.0, 0.5);
            let fc = f(&contracted);
            if fc < worst.1 {
                simplex[n] = (contracted, fc);
            } else {
                let best = simplex[0].0.clone();
                for p in simplex.iter_mut().skip(1) {
                    p.0 = at(&best, &p.0, 0.5);
                    p.1 = f(&p.0);
                }
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    simplex.swap_remove(0).0
}

/// One published figure with the replica that produced it.
#[derive(Debug, Clone)]
pub struct Row {
    /// The replica, as composed from the row.
    pub replica: super::Replica,
    /// GPUs of the whole system measured (`system / replica` replicas).
    pub system_gpus: u32,
    /// The request mix.
    pub mix: super::Mix,
    /// Latency targets of the run (MLPerf Server and Interactive limits).
    pub target: super::LatencyTarget,
    /// Published output tokens per second of the whole system.
    pub published: f64,
    /// Weight of the row in a fit.
    pub weight: f64,
}

impl Row {
    /// The model's output tokens per second for the whole system, or `None`
    /// when the replica cannot serve the row.
    pub fn predicted(&self) -> Option<f64> {
        let p = self.replica.operate(self.mix, self.target).ok()?;
        Some(p.output_tokens_per_s * f64::from(self.system_gpus) / f64::from(self.replica.gpus))
    }

    /// `predicted / published − 1`; +∞ when the replica cannot serve it.
    pub fn error(&self) -> f64 {
        self.predicted()
            .map_or(f64::INFINITY, |p| p / self.published - 1.0)
    }
}

/// Median and 90th percentile of |error| (nearest rank), and the count.
pub fn error_summary(errors: &[f64]) -> (f64, f64, usize) {
    let mut a: Vec<f64> = errors.iter().map(|e| e.abs()).collect();
    a.sort_by(f64::total_cmp);
    if a.is_empty() {
        return (f64::NAN, f64::NAN, 0);
    }
    let q = |p: f64| {
        let k = ((p * a.len() as f64).ceil() as usize).clamp(1, a.len());
        a[k - 1]
    };
    let median = if a.len() % 2 == 1 {
        a[a.len() / 2]
    } else {
        0.5 * (a[a.len() / 2 - 1] + a[a.len() / 2])
    };
    (median, q(0.9), a.len())
}

/// Efficiencies a fit may move: the nine of every family and `w4a16_compute`.
pub const PARAMETERS: usize = 10;

/// The efficiencies a fit moves, as unbounded coordinates: fractions by
/// their logit, times by their logarithm, and `w4a16_compute` by its
/// logarithm held to at most 0 (it is 1, no slowdown, wherever nothing
/// fits it, where a logit would be infinite and flat).
fn to_coords(e: &Efficiency) -> Vec<f64> {
    let logit = |p: f64| (p / (1.0 - p).max(1e-9)).ln();
    vec![
        logit(e.bandwidth),
        logit(e.compute),
        logit(e.interconnect),
        e.allreduce_latency_us.max(0.01).ln(),
        e.step_overhead_ms.max(0.01).ln(),
        logit(e.moe_compute),
        e.sequence_overhead_us.max(0.001).ln(),
        e.activation_passes.max(0.01).ln(),
        e.all_to_all_latency_us.max(0.01).ln(),
        e.w4a16_compute.max(0.01).ln(),
    ]
}

fn from_coords(x: &[f64]) -> Efficiency {
    let sig = |v: f64| (1.0 / (1.0 + (-v).exp())).clamp(0.02, 0.99);
    Efficiency {
        bandwidth: sig(x[0]),
        compute: sig(x[1]),
        interconnect: sig(x[2]),
        allreduce_latency_us: x[3].exp().min(1e4),
        step_overhead_ms: x[4].exp().min(1e3),
        moe_compute: sig(x[5]),
        sequence_overhead_us: x[6].exp().min(1e3),
        activation_passes: x[7].exp().min(1e3),
        all_to_all_latency_us: x[8].exp().min(1e5),
        w4a16_compute: x[9].exp().clamp(0.02, 1.0),
    }
}

/// Refit the efficiencies of every row's GPU (one family) to minimise the
/// pseudo-Huber log errors plus `weight × ‖coords − prior's‖²` (a pull towards
/// `prior`, so that a family with few rows moves only what its rows say).
/// A row the replica cannot serve counts as a log error of 3. Only the
/// efficiencies named in `free` move (bandwidth, compute, interconnect,
/// all-reduce latency, step overhead, MoE compute, sequence overhead,
/// activation passes, all-to-all latency, W4A16 compute, in that order);
/// the others keep the prior's values.
pub fn fit(
    rows: &mut [Row],
    prior: &Efficiency,
    weight: f64,
    free: [bool; PARAMETERS],
) -> Efficiency {
    let p0 = to_coords(prior);
    let idx: Vec<usize> = (0..PARAMETERS).filter(|&i| free[i]).collect();
    if idx.is_empty() || rows.is_empty() {
        return prior.clone();
    }
    let full = |y: &[f64]| {
        let mut x = p0.clone();
        for (k, &i) in idx.iter().enumerate() {
            x[i] = y[k];
        }
        x
    };
    let objective = |y: &[f64], rows: &mut [Row]| -> f64 {
        let x = full(y);
        let e = from_coords(&x);
        let mut sum = 0.0;
        for r in rows.iter_mut() {
            r.replica.gpu.efficiency = e.clone();
            let err = r
                .predicted()
                .map_or(3.0, |p| (p / r.published).ln().clamp(-3.0, 3.0));
            // Pseudo-Huber with a 10% scale: squares small errors, counts
            // large ones by size, so that a few rows far off (conditions the
            // model lacks) do not pull the rest.
            sum += r.weight * ((1.0 + (err / 0.1).powi(2)).sqrt() - 1.0) * 0.01;
        }
        sum + weight
            * x.iter()
                .zip(&p0)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
    };
    let cell = std::cell::RefCell::new(rows);
    let f = |y: &[f64]| objective(y, &mut cell.borrow_mut());
    let mut best: Vec<f64> = idx.iter().map(|&i| p0[i]).collect();
    // Restarts from the best point so far: Nelder–Mead stalls on the kinks
    // where a different term of a step starts to bind.
    for _ in 0..4 {
        best = nelder_mead(&f, &best, &vec![0.5; idx.len()], 400);
    }
    let e = from_coords(&full(&best));
    for r in cell.borrow_mut().iter_mut() {
        r.replica.gpu.efficiency = e.clone();
    }
    e
}

/// The table as `efficiency.toml` text.
pub fn table_toml(header: &str, table: &BTreeMap<String, Efficiency>) -> String {
    let mut s = String::from(header);
    for fam in FAMILIES {
        if let Some(e) = table.get(fam) {
            s.push_str(&format!(
                "\n[{fam}]\nbandwidth = {:.4}\ncompute = {:.4}\ninterconnect = {:.4}\nallreduce_latency_us = {:.3}\nstep_overhead_ms = {:.4}\nmoe_compute = {:.4}\nsequence_overhead_us = {:.4}\nactivation_passes = {:.4}\nall_to_all_latency_us = {:.3}\nw4a16_compute = {:.4}\n",
                e.bandwidth, e.compute, e.interconnect, e.allreduce_latency_us, e.step_overhead_ms, e.moe_compute, e.sequence_overhead_us, e.activation_passes, e.all_to_all_latency_us, e.w4a16_compute
            ));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_has_every_family_in_range() {
        let t = parse_table(EFFICIENCY_TOML).unwrap();
        for fam in FAMILIES {
            let e = t.get(fam).unwrap_or_else(|| panic!("{fam} missing"));
            for (k, v) in [
                ("bandwidth", e.bandwidth),
                ("compute", e.compute),
                ("interconnect", e.interconnect),
                ("moe_compute", e.moe_compute),
                ("w4a16_compute", e.w4a16_compute),
            ] {
                assert!(v > 0.0 && v <= 1.0, "{fam}.{k} = {v}");
            }
        }
    }

    fn row(replica: super::super::Replica, published: f64) -> Row {
        Row {
            system_gpus: replica.gpus,
            replica,
            mix: super::super::Mix::new(1024.0, 1024.0),
            target: super::super::LatencyTarget::default(),
            published,
            weight: 1.0,
        }
    }

    /// gpt-oss-120b MXFP4 on one H100 (W4A16).
    fn gpt_oss_h100() -> super::super::Replica {
        use super::super::*;
        Replica {
            gpu: tests::h100(),
            architecture: architecture::tests::gpt_oss_120b(),
            weights: Dtype::Mxfp4,
            dense_weights: Dtype::Bf16,
            kv_cache: Dtype::Fp8,
            gpus: 1,
            parallel: Parallel::Tp,
            engine: EngineLimits::default(),
        }
    }

    /// A held parameter keeps the prior's value: `w4a16_compute` exactly 1
    /// (a family without W4A16 figures), the fractions through their logit.
    #[test]
    fn a_held_parameter_keeps_its_value() {
        let mut prior = family_efficiency("hopper").unwrap();
        prior.w4a16_compute = 1.0;
        let mut r = gpt_oss_h100();
        r.gpu.efficiency = prior.clone();
        let published = 0.6 * row(r.clone(), 1.0).predicted().unwrap();
        let mut rows = vec![row(r, published)];
        let mut free = [false; PARAMETERS];
        free[1] = true;
        let e = fit(&mut rows, &prior, 0.01, free);
        assert_eq!(e.w4a16_compute, 1.0);
        assert!((e.moe_compute - prior.moe_compute).abs() < 1e-12);
        assert!(e.compute < prior.compute);
    }

    /// From 1 (no slowdown), a fit of W4A16 compute alone finds the
    /// fraction that brings an overestimated W4A16 figure back.
    #[test]
    fn w4a16_compute_fits_from_one() {
        let mut prior = family_efficiency("hopper").unwrap();
        prior.w4a16_compute = 1.0;
        let mut r = gpt_oss_h100();
        r.gpu.efficiency = prior.clone();
        // A prompt-heavy mix, so that the step is bound by the W4A16
        // products (at 1,024/1,024 one H100's KV cache holds too few
        // sequences, and the step is bound by reading the experts).
        let prompt_heavy = |mut x: Row| {
            x.mix = super::super::Mix::new(8192.0, 128.0);
            x
        };
        let published = 0.6 * prompt_heavy(row(r.clone(), 1.0)).predicted().unwrap();
        let mut rows = vec![prompt_heavy(row(r, published))];
        let mut free = [false; PARAMETERS];
        free[9] = true;
        let e = fit(&mut rows, &prior, 0.0, free);
        assert!(e.w4a16_compute < 0.8, "{}", e.w4a16_compute);
        assert!(rows[0].error().abs() < 0.01, "{}", rows[0].error());
        assert!((e.compute - prior.compute).abs() < 1e-12);
    }

    #[test]
    fn nelder_mead_finds_a_quadratic_minimum() {
        let f = |x: &[f64]| (x[0] - 3.0).powi(2) + 10.0 * (x[1] + 1.0).powi(2);
        let x = nelder_mead(&f, &[0.0, 0.0], &[1.0, 1.0], 400);
        assert!(
            (x[0] - 3.0).abs() < 1e-4 && (x[1] + 1.0).abs() < 1e-4,
            "{x:?}"
        );
    }
}
