//! How a replica spreads over its GPUs, and what the GPUs then say to each
//! other every step.
//!
//! - **Tensor parallel** (`tp`): every layer's weights split over the `G`
//!   GPUs; every GPU works on every token; two all-reduces of the
//!   activations per layer.
//! - **Attention data parallel + expert parallel** (`dep`, what the
//!   TensorRT-LLM pages call DEP): each GPU runs attention (and dense FFNs)
//!   for its own sequences with a full copy of those weights, and holds
//!   `1/G` of the routed experts; every MoE layer sends each token to the
//!   GPUs of its experts and back (all-to-all dispatch and combine).
//!
//! A replica larger than its scale-up domain (8 GPUs of an HGX server, 72
//! of an NVL72 rack) sends the part of the traffic that leaves the domain
//! over the scale-out network.

use serde::Serialize;

use super::hardware::Gpu;

/// Bytes per activation value exchanged (bf16: an assumption about the
/// engine, as TensorRT-LLM and vLLM reduce and dispatch in the activation
/// dtype; FP8 dispatch would halve the dispatch part).
pub const ACTIVATION_BYTES: f64 = 2.0;

/// How a replica's GPUs share the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Parallel {
    /// Tensor parallel over every GPU of the replica.
    Tp,
    /// Attention data parallel, experts spread over the GPUs (expert parallel).
    Dep,
}

impl Parallel {
    /// Every name [`Parallel::parse`] accepts.
    pub const NAMES: &'static str = "tp, dep";

    /// From its name in a profile or on the command line.
    pub fn parse(s: &str) -> Option<Parallel> {
        Some(match s.to_ascii_lowercase().as_str() {
            "tp" | "tensor" => Parallel::Tp,
            "dep" | "ep" | "attention-dp" => Parallel::Dep,
            _ => return None,
        })
    }
}

/// Seconds to move `bytes` from each GPU to peers spread evenly over a
/// replica of `g` GPUs: the share to peers in the same scale-up domain at
/// the interconnect's rate, the share beyond it at the scale-out rate.
fn spread_s(gpu: &Gpu, g: f64, bytes: f64) -> f64 {
    if g <= 1.0 {
        return 0.0;
    }
    let d = f64::from(gpu.scale_up_gpus.max(1)).min(g);
    let e = gpu.efficiency.interconnect;
    let inside = (d - 1.0) / g;
    let outside = (g - d) / g;
    bytes * inside / (gpu.interconnect_gb_s * 1e9 * e)
        + bytes * outside / (gpu.scale_out_gb_s.max(1e-9) * 1e9 * e)
}

/// Two all-reduces of `tokens` activations of width `hidden` in each of
/// `layers` layers over `g` GPUs (ring: each GPU sends `2 (G−1)/G` of the
/// data).
pub fn allreduce_s(gpu: &Gpu, g: f64, layers: f64, tokens: f64, hidden: f64) -> f64 {
    if g <= 1.0 {
        return 0.0;
    }
    let bytes = tokens * hidden * ACTIVATION_BYTES;
    // Ring traffic, as a spread to every peer: 2 (G−1)/G of the data.
    let moved = 2.0 * bytes * (g - 1.0) / g;
    let t = spread_s(gpu, g, moved * g / (g - 1.0));
    2.0 * layers * (gpu.efficiency.allreduce_latency_us * 1e-6 + t)
}

/// Dispatch and combine of `tokens_per_gpu` tokens, each to `k` experts,
/// in each of `moe_layers` layers over `g` GPUs (a token's copies go to
/// every GPU alike; those for its own GPU stay).
pub fn all_to_all_s(
    gpu: &Gpu,
    g: f64,
    moe_layers: f64,
    tokens_per_gpu: f64,
    k: f64,
    hidden: f64,
) -> f64 {
    if g <= 1.0 || moe_layers == 0.0 {
        return 0.0;
    }
    let bytes = tokens_per_gpu * k * hidden * ACTIVATION_BYTES;
    2.0 * moe_layers * (gpu.efficiency.all_to_all_latency_us * 1e-6 + spread_s(gpu, g, bytes))
}
