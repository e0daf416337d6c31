//! `capsim capacity`: one replica's operating point, from a profile or
//! composed from a GPU, a model, a precision and a layout.

use anyhow::{Context, Result};

use capsim::scenario;
use capsim::scenario::compose::Composition;

/// `capsim capacity`'s arguments, after clap.
pub(super) struct Args {
    /// A model profile (name or path).
    pub profile: Option<String>,
    /// Or a composition (`--gpu`, `--model`, …).
    pub compose: Option<Composition>,
    /// `(prompt, output)` tokens per request.
    pub mix: Option<(f64, f64)>,
    /// Share of prompt tokens served from the prefix cache.
    pub cached_prompt_fraction: Option<f64>,
    /// GPUs per replica.
    pub gpus: Option<u32>,
    /// Time-per-output-token target, ms.
    pub tpot_ms: Option<f64>,
    /// Time-to-first-token target, ms.
    pub ttft_ms: Option<f64>,
    /// One JSON object (or array) instead of a table.
    pub json: bool,
}

/// `capsim capacity`.
pub(super) fn capacity(a: Args) -> Result<()> {
    use capsim::report::capacity::{GRID, row, table};
    use capsim::serving::{LatencyTarget, Mix};
    // Every number is checked before any profile is read.
    for (name, v) in [("--tpot-ms", a.tpot_ms), ("--ttft-ms", a.ttft_ms)] {
        if let Some(v) = v {
            anyhow::ensure!(
                v.is_finite() && v > 0.0,
                "{name}: {v} must be a time in milliseconds, greater than 0"
            );
        }
    }
    let cached = a.cached_prompt_fraction.unwrap_or(0.0);
    anyhow::ensure!(
        cached.is_finite() && (0.0..=1.0).contains(&cached),
        "--cached-prompt-fraction: {cached} must be a fraction between 0 and 1{}",
        if cached > 1.0 && cached <= 100.0 {
            format!(" ({} for {cached}%)", cached / 100.0)
        } else {
            String::new()
        }
    );
    if let Some((i, o)) = a.mix {
        anyhow::ensure!(
            i.is_finite() && i >= 0.0,
            "--input-tokens: {i} must be a number of tokens, zero or more"
        );
        anyhow::ensure!(
            o.is_finite() && o >= 1.0,
            "--output-tokens: {o} must be a number of tokens, at least 1"
        );
    }
    let mut model = match (&a.profile, &a.compose) {
        (_, Some(c)) => scenario::compose::compose(c, "--gpu/--model", None)?,
        (Some(p), None) => {
            let mut m = scenario::load_profile(p)?;
            if let Some(g) = a.gpus {
                // A replica that cannot hold its weights is reported with the mix below.
                let _ = m.set_gpus(g);
                if let Some(r) = m.replica() {
                    let heads = r.architecture.heads;
                    anyhow::ensure!(
                        r.parallel != capsim::serving::Parallel::Tp || g == 1 || heads % g == 0,
                        "--gpus: tensor parallel over {g} GPUs does not split {}'s {heads} query heads evenly: use a divisor of {heads}",
                        r.architecture.name
                    );
                }
            }
            m
        }
        (None, None) => anyhow::bail!("give a profile, or --gpu and --model"),
    };
    let target = LatencyTarget {
        tpot_ms: a.tpot_ms,
        ttft_ms: a.ttft_ms,
    };
    if target.is_set() && model.replica().is_none() {
        eprintln!(
            "warning: {} gives a measured tok_s_per_gpu, which no latency target changes: --tpot-ms and --ttft-ms are ignored",
            model.name
        );
    }
    let at = |i: f64, o: f64| Mix {
        cached_prompt_fraction: cached,
        ..Mix::new(i, o)
    };
    if let Some((i, o)) = a.mix {
        let r = row(&model, at(i, o), target).with_context(|| {
            format!(
                "{} on {} GPU(s), {i} + {o} tokens",
                model.name, model.gpus_per_replica
            )
        })?;
        if a.json {
            println!("{}", serde_json::to_string_pretty(&r)?);
        } else {
            println!("{}", table(&[Ok(r.clone())]));
            println!("{}: {}", r.profile, r.binding);
        }
        return Ok(());
    }
    let rows: Vec<_> = GRID
        .iter()
        .map(|&(i, o)| row(&model, at(i, o), target).map_err(|e| (at(i, o), e)))
        .collect();
    if a.json {
        let ok: Vec<_> = rows.iter().filter_map(|r| r.as_ref().ok()).collect();
        println!("{}", serde_json::to_string_pretty(&ok)?);
    } else {
        model.gpus_per_replica = model.replica().map_or(model.gpus_per_replica, |r| r.gpus);
        println!(
            "{} on {} GPU(s) per replica ({}), output tokens/s of one replica at {}:",
            model.name,
            model.gpus_per_replica,
            model.gpu,
            if target.is_set() {
                "the latency targets"
            } else {
                "maximum load"
            }
        );
        println!("{}", table(&rows));
        println!(
            "Give --input-tokens and --output-tokens for one mix; capsim plans with these × the utilization ceiling ({}).",
            model.utilization_ceiling.point()
        );
    }
    Ok(())
}
