//! `capsim merge`: combine the run folders of shards into one run.
//!
//! Shards of one run (`capsim run --shard I/N`) hold disjoint, contiguous
//! ranges of trial indices, each drawn from the same per-trial random streams
//! as in an unsharded run. Merging checks that the folders come from the same
//! scenario text, seed, trial count, horizon and capsim version and that their
//! ranges tile `0..trials` exactly, appends their `trials.parquet` and
//! `monthly.parquet` in trial order (one shard in memory at a time), and
//! computes `summary.parquet` from the merged trials with the same code as a
//! run ([`super::stream`]). The data files are then
//! identical to those of the unsharded run (a test checks it).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow, bail, ensure};
use serde_json::Value;

use super::stream::RunFiles;
use super::{parquet, prepare_dir};

struct Shard {
    dir: PathBuf,
    info: Value,
    start: u64,
    end: u64,
}

fn read_shard(dir: &Path) -> Result<Shard> {
    let path = dir.join("run.json");
    let text = crate::input::read_text_bounded(&path, crate::input::MAX_JSON_BYTES)
        .with_context(|| format!("{}: not a capsim run folder", dir.display()))?;
    let info: Value = serde_json::from_str(&text)
        .with_context(|| format!("{}: run.json is not valid JSON", path.display()))?;
    let range = info["trial_range"]
        .as_array()
        .and_then(|r| Some((r.first()?.as_u64()?, r.get(1)?.as_u64()?)))
        .ok_or_else(|| anyhow!("{}: run.json has no trial_range", path.display()))?;
    Ok(Shard {
        dir: dir.to_owned(),
        info,
        start: range.0,
        end: range.1,
    })
}

/// Merge shard folders `dirs` into a new run folder under `out` (with
/// `report.html` if `report`); returns its path.
pub fn merge(dirs: &[PathBuf], out: &Path, report: bool) -> Result<PathBuf> {
    ensure!(!dirs.is_empty(), "give the shard folders to merge");
    let mut shards = dirs
        .iter()
        .map(|d| read_shard(d))
        .collect::<Result<Vec<_>>>()?;
    shards.sort_by_key(|s| s.start);
    let first = &shards[0].info;
    for s in &shards[1..] {
        for key in [
            "capsim_version",
            "scenario_toml",
            "seed",
            "trials",
            "horizon_hours",
            "deterministic",
            "scenario",
        ] {
            if s.info[key] != first[key] {
                bail!(
                    "{}: `{key}` differs from {} — not shards of the same run",
                    s.dir.display(),
                    shards[0].dir.display()
                );
            }
        }
    }
    let trials = first["trials"]
        .as_u64()
        .context("run.json: trials is missing")?;
    let mut next = 0;
    for s in &shards {
        if s.start > next {
            bail!(
                "{}: holds trials {}..{}, so trials {next}..{} are missing (no shard holds them)",
                s.dir.display(),
                s.start,
                s.end,
                s.start
            );
        }
        if s.start < next {
            bail!(
                "{}: holds trials {}..{}, so trials {}..{} are held twice (also by the shard before it)",
                s.dir.display(),
                s.start,
                s.end,
                s.start,
                next.min(s.end)
            );
        }
        next = s.end;
    }
    ensure!(
        next == trials,
        "the shards hold trials 0..{next} of {trials}: trials {next}..{trials} are missing"
    );

    let names: Vec<String> = first["scenario"]["strategies"]
        .as_array()
        .context("run.json: scenario.strategies is missing")?
        .iter()
        .filter_map(|st| st["name"].as_str().map(str::to_owned))
        .collect();
    let mut info = first.clone();
    info["capsim_run_format"] = super::folder::RUN_FORMAT.into();
    info["trial_range"] = serde_json::json!([0, trials]);
    info["shard"] = Value::Null;
    info["elapsed_seconds"] = shards
        .iter()
        .filter_map(|s| s.info["elapsed_seconds"].as_f64())
        .sum::<f64>()
        .into();
    info["merged_from"] = shards
        .iter()
        .map(|s| Value::String(s.dir.display().to_string()))
        .collect();
    let run_json = serde_json::to_string_pretty(&info).context("serialising run.json")?;
    let name = first["scenario_name"].as_str().unwrap_or("run");
    let seed = first["seed"].as_u64().unwrap_or(0);
    let horizon = first["horizon_hours"].as_u64().unwrap_or(0) as u32;
    let version = first["capsim_version"].as_str().unwrap_or("");
    let meta = parquet::metadata(version, name, seed, trials, horizon, &run_json);
    let target = prepare_dir(out, name, &format!("seed{seed}"))?;
    // One shard in memory at a time.
    let mut files = RunFiles::create(&target)?.encode_in_parallel();
    for s in &shards {
        let trials = parquet::read(&s.dir.join("trials.parquet"), None, None)?;
        let monthly = parquet::read(&s.dir.join("monthly.parquet"), None, None)?;
        files
            .append_frames(&trials, &monthly)
            .with_context(|| format!("{}: does not match the other shards", s.dir.display()))?;
    }
    let (_, dir) = files.finish(&names, &run_json, &meta, Vec::new(), report)?;
    Ok(dir)
}
