//! `capsim capacity`: one replica's operating point.

use anyhow::{Context, Result};

use capsim::scenario;

/// `capsim capacity`.
pub(super) fn capacity(
    profile: &str,
    mix: Option<(f64, f64)>,
    tp: Option<u32>,
    tpot_ms: Option<f64>,
    ttft_ms: Option<f64>,
    json: bool,
) -> Result<()> {
    use capsim::report::capacity::{GRID, row, table};
    use capsim::serving::{LatencyTarget, Mix};
    let mut model = scenario::load_profile(profile)?;
    if let Some(g) = tp {
        // A replica that cannot hold its weights is reported with the mix below.
        let _ = model.set_gpus(g);
    }
    for (name, v) in [("--tpot-ms", tpot_ms), ("--ttft-ms", ttft_ms)] {
        if let Some(v) = v {
            anyhow::ensure!(
                v.is_finite() && v > 0.0,
                "{name}: {v} must be a time in milliseconds, greater than 0"
            );
        }
    }
    let target = LatencyTarget { tpot_ms, ttft_ms };
    if let Some((i, o)) = mix {
        anyhow::ensure!(
            i.is_finite() && i >= 0.0,
            "--input-tokens: {i} must be a number of tokens, zero or more"
        );
        anyhow::ensure!(
            o.is_finite() && o >= 1.0,
            "--output-tokens: {o} must be a number of tokens, at least 1"
        );
        let mix = Mix {
            prompt_tokens: i,
            output_tokens: o,
        };
        let r = row(&model, mix, target).with_context(|| {
            format!(
                "{} on {} GPU(s), {i} + {o} tokens",
                model.name, model.gpus_per_replica
            )
        })?;
        if json {
            println!("{}", serde_json::to_string_pretty(&r)?);
        } else {
            println!("{}", table(&[Ok(r.clone())]));
            println!("{}: {}", r.profile, r.binding);
        }
        return Ok(());
    }
    let rows: Vec<_> = GRID
        .iter()
        .map(|&(i, o)| {
            let mix = Mix {
                prompt_tokens: i,
                output_tokens: o,
            };
            row(&model, mix, target).map_err(|e| (mix, e))
        })
        .collect();
    if json {
        let ok: Vec<_> = rows.iter().filter_map(|r| r.as_ref().ok()).collect();
        println!("{}", serde_json::to_string_pretty(&ok)?);
    } else {
        println!(
            "{} on {} GPU(s) per replica ({}), output tokens/s of one replica at {}:",
            model.name,
            model.gpus_per_replica,
            model.gpu,
            if target.tpot_ms.is_some() || target.ttft_ms.is_some() {
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
