//! `capsim capacity`: one replica's operating point as a terminal table or
//! one JSON object (the interface scripts call: keep the field names).

use serde::Serialize;

use crate::scenario::{Model, Throughput};
use crate::serving::{LatencyTarget, Mix, OperatingPoint, ServingError};

/// Request mixes of the table printed without `--input-tokens`: the
/// published TensorRT-LLM grid, long-context chat, and the two Azure traces'
/// means (code: 2,048 + 28; conversation: 1,155 + 211).
pub const GRID: &[(f64, f64)] = &[
    (128.0, 128.0),
    (128.0, 2048.0),
    (500.0, 2000.0),
    (1000.0, 1000.0),
    (2048.0, 128.0),
    (2048.0, 2048.0),
    (5000.0, 500.0),
    (20000.0, 2000.0),
    (1155.0, 211.0),
    (2048.0, 28.0),
];

/// One replica on one mix: what `--json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct CapacityRow {
    /// Profile name.
    pub profile: String,
    /// GPU type.
    pub gpu: String,
    /// GPUs per replica.
    pub gpus: u32,
    /// Prompt tokens per request.
    pub input_tokens: f64,
    /// Output tokens per request.
    pub output_tokens: f64,
    /// Share of prompt tokens served from the prefix cache (skipping prefill).
    pub cached_prompt_fraction: f64,
    /// Weight format (`null` for a measured profile).
    pub weights_dtype: Option<crate::serving::Dtype>,
    /// Format of the weights outside the routed experts (`null` for a measured profile).
    pub dense_weights_dtype: Option<crate::serving::Dtype>,
    /// KV-cache format (`null` for a measured profile).
    pub kv_cache_dtype: Option<crate::serving::Dtype>,
    /// `tp` or `dep` (`null` for a measured profile).
    pub parallel: Option<crate::serving::Parallel>,
    /// `serving_model` or `measured` (a profile's fixed tok/s per GPU).
    pub throughput_from: &'static str,
    /// Output tokens per second of the replica at maximum load (or at the
    /// latency targets), before the utilization ceiling.
    pub output_tokens_per_s: f64,
    /// The same per GPU.
    pub output_tokens_per_s_per_gpu: f64,
    /// Prompt tokens per second the replica processes meanwhile.
    pub prompt_tokens_per_s: f64,
    /// Output tokens per hour capsim plans with: × 3,600 × the profile's
    /// utilization ceiling (its point value).
    pub planning_output_tokens_per_hour: f64,
    /// The serving model's operating point: batch, step and its terms,
    /// TTFT, KV cache (null for a measured profile).
    pub operating_point: Option<OperatingPoint>,
    /// What binds, in words.
    pub binding: String,
}

/// The row for `model` on `mix` under `target`, or why the replica cannot serve it.
pub fn row(model: &Model, mix: Mix, target: LatencyTarget) -> Result<CapacityRow, ServingError> {
    let ceiling = model.utilization_ceiling.point();
    let (from, out, point, binding) = match &model.throughput {
        Throughput::Measured { tok_s_per_gpu } => (
            "measured",
            tok_s_per_gpu.point() * f64::from(model.gpus_per_replica),
            None,
            "a measured figure: the same for every mix".to_owned(),
        ),
        Throughput::Serving { replica, .. } => {
            let p = replica.operate(mix, target)?;
            let binding = format!(
                "batch {} limited by {}; step bound by {}",
                p.batch,
                p.batch_limit.words(),
                p.step_bound.words()
            );
            ("serving_model", p.output_tokens_per_s, Some(p), binding)
        }
    };
    let gpus = model.replica().map_or(model.gpus_per_replica, |r| r.gpus);
    Ok(CapacityRow {
        profile: model.name.clone(),
        gpu: model.gpu.clone(),
        gpus,
        input_tokens: mix.prompt_tokens,
        output_tokens: mix.output_tokens,
        cached_prompt_fraction: mix.cached_prompt_fraction,
        weights_dtype: model.replica().map(|r| r.weights),
        dense_weights_dtype: model.replica().map(|r| r.dense_weights),
        kv_cache_dtype: model.replica().map(|r| r.kv_cache),
        parallel: model.replica().map(|r| r.parallel),
        throughput_from: from,
        output_tokens_per_s: out,
        output_tokens_per_s_per_gpu: out / f64::from(gpus),
        prompt_tokens_per_s: out * mix.prompt_tokens / mix.output_tokens,
        planning_output_tokens_per_hour: out * 3600.0 * ceiling,
        operating_point: point,
        binding,
    })
}

/// Rows as a terminal table.
pub fn table(rows: &[Result<CapacityRow, (Mix, ServingError)>]) -> String {
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "prompt",
        "output",
        "out tok/s",
        "per GPU",
        "prompt tok/s",
        "batch",
        "step ms",
        "TTFT ms",
        "KV used",
        "what binds",
    ]);
    let n = |x: f64| crate::fmt::thousands(x.round().max(0.0) as u64);
    for r in rows {
        match r {
            Ok(r) => {
                let p = r.operating_point.as_ref();
                t.add_row(vec![
                    n(r.input_tokens),
                    n(r.output_tokens),
                    n(r.output_tokens_per_s),
                    n(r.output_tokens_per_s_per_gpu),
                    n(r.prompt_tokens_per_s),
                    p.map_or("—".into(), |p| p.batch.to_string()),
                    p.map_or("—".into(), |p| format!("{:.1}", p.step_ms)),
                    p.map_or("—".into(), |p| format!("{:.0}", p.ttft_ms)),
                    p.map_or("—".into(), |p| format!("{:.0}%", 100.0 * p.kv_cache_used)),
                    p.map_or(r.binding.clone(), |p| {
                        format!("{}; {}", p.batch_limit.words(), p.step_bound.words())
                    }),
                ]);
            }
            Err((mix, e)) => {
                t.add_row(vec![
                    n(mix.prompt_tokens),
                    n(mix.output_tokens),
                    "—".into(),
                    "—".into(),
                    "—".into(),
                    "—".into(),
                    "—".into(),
                    "—".into(),
                    "—".into(),
                    e.to_string(),
                ]);
            }
        }
    }
    t.to_string()
}
