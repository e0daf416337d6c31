//! The serving model of one replica: how many output tokens per second a
//! tensor-parallel group of GPUs delivers for a request mix, from the
//! hardware's datasheet, the model's shape and a few efficiencies.
//!
//! Pure arithmetic, no I/O: profiles are read in [`crate::scenario`], and
//! `docs/model.md` explains the same formulas for users.
//!
//! # The replica in steady state
//!
//! An in-flight-batching server (TensorRT-LLM, vLLM) keeps `B` sequences
//! running. Each step every running sequence produces one output token, and
//! the prompts of the requests that replace finished ones are processed
//! (prefilled) in the same steps. With prompts of `I` tokens and answers of
//! `O` tokens, a request stays `O` steps, so on average each step carries
//! `n = B (1 + I/O)` tokens through the matrix products: `B` decode tokens
//! and `B·I/O` prompt tokens. Output throughput is `B / t_step`.
//!
//! A step on one of the `G` GPUs of the replica takes
//!
//! ```text
//! t_step = t_overhead
//!        + max(W / G / BW, 2 P n / G / F)            matrix products: read the weights or compute
//!        + B (I + O/2) k / G / BW                    decode attention: read each sequence's KV cache
//!        + B (I/O) 2 L h I / G / F                   prompt attention (causal: 2·L·h·I FLOPs a token)
//!        + 2 L (t_ar + 2 (G−1)/G · n d a / NV)       two all-reduces per layer (none when G = 1)
//! ```
//!
//! with `P` parameters (2 FLOPs per parameter and token), `W = P × bytes per
//! weight`, `k` bytes of KV cache per token (`2 L kv_heads head_dim ×
//! bytes`; a GPU holds `max(kv_heads / G, 1)` heads of it), `I + O/2` the
//! mean context a decoding sequence attends over, `L` layers, `h = heads ×
//! head_dim`, `d` the hidden size, `a = 2` bytes per activation (bf16
//! all-reduce), `BW`, `F`, `NV` the HBM bandwidth, dense FLOP/s of the weight
//! dtype and per-direction interconnect bandwidth, each times its achieved
//! fraction (the profile's efficiencies), and `t_ar` an all-reduce's latency.
//!
//! # The batch
//!
//! `B` is the largest whole batch that satisfies every limit:
//! - **KV memory**: `B (I + O) ≤` KV-cache tokens, the memory left on each GPU
//!   after its share of the weights and a runtime reserve, times the fraction
//!   the server gives the cache (TensorRT-LLM's default scheduler reserves a
//!   sequence's whole length when it admits it);
//! - **the engine's maximum batch** and its **token budget per step**
//!   (`n ≤ max_num_tokens`);
//! - a **latency target**, when given: time per output token = `t_step`,
//!   time to first token = the prompt's own prefill (`max(W/G/BW, 2 P I/G/F)`,
//!   plus its attention and all-reduces) plus one step of the running batch.
//!   No queueing is counted: the utilization ceiling leaves that headroom.
//!
//! `B / t_step` rises with `B` (the step grows at most linearly in `B` from a
//! positive constant), so the largest batch gives the most throughput, and
//! every limit above only lowers it: longer prompts never raise output
//! capacity, a tighter target never raises it, more memory or bandwidth
//! never lowers it.
//!
//! # Calibration
//!
//! The bandwidth efficiency is the device-to-device copy ceiling measured on
//! an H100 (2,976–3,010 GB/s of 3,350: 0.89, `../shared/data/h100-decode/`
//! README). The compute and interconnect efficiencies, the all-reduce
//! latency and the step overhead are fitted (least squares on log error) to
//! the 16 published TensorRT-LLM 0.20 figures for Llama 3.3 70B FP8 on H100
//! at TP 2, 4 and 8 (`models/calibration/`); they live in the hardware file,
//! and H200 uses H100's (same Hopper chip and software) with its own memory
//! and bandwidth. The fit reproduces the 16 rows within −8% … +10% (median
//! |error| 3%); `tests::calibration_rows` holds it to that.

use serde::Serialize;

/// Seconds.
pub type Seconds = f64;

/// Number formats of weights and KV cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dtype {
    /// 8-bit float (e4m3 / e5m2); matrix products at FP8 rate.
    Fp8,
    /// 8-bit integer; matrix products at INT8 rate (= FP8 on Hopper).
    Int8,
    /// 4-bit integer weights (AWQ/GPTQ): half a byte, products at FP16 rate.
    Int4,
    /// bfloat16.
    Bf16,
    /// float16.
    Fp16,
}

impl Dtype {
    /// Every name [`Dtype::parse`] accepts.
    pub const NAMES: &'static str = "fp8, int8, int4, bf16, fp16";

    /// From its name in a profile.
    pub fn parse(s: &str) -> Option<Dtype> {
        Some(match s.to_ascii_lowercase().as_str() {
            "fp8" | "e4m3" | "e5m2" => Dtype::Fp8,
            "int8" => Dtype::Int8,
            "int4" => Dtype::Int4,
            "bf16" | "bfloat16" => Dtype::Bf16,
            "fp16" | "float16" => Dtype::Fp16,
            _ => return None,
        })
    }

    /// Bytes per value.
    pub fn bytes(self) -> f64 {
        match self {
            Dtype::Fp8 | Dtype::Int8 => 1.0,
            Dtype::Int4 => 0.5,
            Dtype::Bf16 | Dtype::Fp16 => 2.0,
        }
    }

    /// Whether matrix products run at the 8-bit rate.
    fn eight_bit_math(self) -> bool {
        matches!(self, Dtype::Fp8 | Dtype::Int8)
    }
}

/// A GPU, from its datasheet, and what serving software achieves of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gpu {
    /// Profile name (`hardware/<name>.toml`).
    pub name: String,
    /// Device memory, GiB.
    pub memory_gib: f64,
    /// HBM bandwidth, TB/s.
    pub hbm_tb_s: f64,
    /// Dense (no sparsity) 8-bit tensor TFLOP/s.
    pub dense_tflops_8bit: f64,
    /// Dense 16-bit tensor TFLOP/s.
    pub dense_tflops_16bit: f64,
    /// GPU-to-GPU bandwidth per GPU and direction, GB/s.
    pub interconnect_gb_s: f64,
    /// Achieved fractions and overheads.
    pub efficiency: Efficiency,
}

/// What serving software achieves of a GPU's datasheet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Efficiency {
    /// Fraction of HBM bandwidth reached by weight and KV-cache reads.
    pub bandwidth: f64,
    /// Fraction of dense tensor FLOP/s reached by matrix products.
    pub compute: f64,
    /// Fraction of interconnect bandwidth reached by all-reduces.
    pub interconnect: f64,
    /// Fixed time of one all-reduce, microseconds.
    pub allreduce_latency_us: f64,
    /// Fixed time of one step (scheduling, sampling, launches), milliseconds.
    pub step_overhead_ms: f64,
}

/// A transformer's shape (decoder-only, grouped-query attention).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Architecture {
    /// Profile name.
    pub name: String,
    /// Decoder layers.
    pub layers: u32,
    /// Hidden size.
    pub hidden: u32,
    /// Query heads.
    pub heads: u32,
    /// Key/value heads.
    pub kv_heads: u32,
    /// Dimension of one head.
    pub head_dim: u32,
    /// Parameters, billions (weights held in memory; 2 FLOPs each per token).
    pub params_billion: f64,
}

impl Architecture {
    fn params(&self) -> f64 {
        self.params_billion * 1e9
    }
}

/// Serving-engine settings that bound the batch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EngineLimits {
    /// Most sequences in flight.
    pub max_batch: u32,
    /// Most tokens through the model in one step.
    pub max_num_tokens: u32,
    /// Fraction of the memory left after weights and reserve given to the KV cache.
    pub kv_cache_memory_fraction: f64,
    /// Memory per GPU kept for activations, CUDA context and graphs, GiB.
    pub runtime_reserve_gib: f64,
}

/// One replica: a model on `gpus` GPUs, tensor-parallel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Replica {
    /// The GPU.
    pub gpu: Gpu,
    /// The model's shape.
    pub architecture: Architecture,
    /// Weight format.
    pub weights: Dtype,
    /// KV-cache format.
    pub kv_cache: Dtype,
    /// GPUs per replica (tensor-parallel size).
    pub gpus: u32,
    /// Engine limits.
    pub engine: EngineLimits,
}

/// A request mix: mean prompt and output tokens per request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mix {
    /// Prompt tokens per request.
    pub prompt_tokens: f64,
    /// Output tokens per request.
    pub output_tokens: f64,
}

/// Latency targets; `None` for no target.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct LatencyTarget {
    /// Time per output token, milliseconds.
    pub tpot_ms: Option<f64>,
    /// Time to first token, milliseconds.
    pub ttft_ms: Option<f64>,
}

impl LatencyTarget {
    /// Whether any target is set.
    pub fn is_set(&self) -> bool {
        self.tpot_ms.is_some() || self.ttft_ms.is_some()
    }
}

/// What limits the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchLimit {
    /// The KV cache is full.
    KvMemory,
    /// The engine's maximum batch.
    MaxBatch,
    /// The engine's token budget per step.
    TokenBudget,
    /// A latency target.
    LatencyTarget,
}

/// The largest term of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepBound {
    /// Matrix products and prompt attention, at the compute rate.
    Compute,
    /// Reading weights and KV cache from HBM.
    MemoryBandwidth,
    /// All-reduces between the GPUs.
    Communication,
    /// The fixed per-step overhead.
    Overhead,
}

impl BatchLimit {
    /// In words.
    pub fn words(self) -> &'static str {
        match self {
            BatchLimit::KvMemory => "KV-cache memory",
            BatchLimit::MaxBatch => "the engine's maximum batch",
            BatchLimit::TokenBudget => "the engine's tokens per step",
            BatchLimit::LatencyTarget => "the latency target",
        }
    }
}

impl StepBound {
    /// In words.
    pub fn words(self) -> &'static str {
        match self {
            StepBound::Compute => "compute",
            StepBound::MemoryBandwidth => "memory bandwidth",
            StepBound::Communication => "GPU-to-GPU communication",
            StepBound::Overhead => "per-step overhead",
        }
    }
}

/// One replica at its operating point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OperatingPoint {
    /// Output tokens per second of the replica.
    pub output_tokens_per_s: f64,
    /// Prompt tokens per second of the replica.
    pub prompt_tokens_per_s: f64,
    /// Sequences in flight.
    pub batch: u32,
    /// Time of one step = time per output token, milliseconds.
    pub step_ms: f64,
    /// Time to first token without queueing, milliseconds.
    pub ttft_ms: f64,
    /// KV-cache capacity of the replica, tokens.
    pub kv_cache_tokens: f64,
    /// Fraction of the KV cache the batch holds (at full sequence length).
    pub kv_cache_used: f64,
    /// Weights per GPU, GiB.
    pub weights_gib_per_gpu: f64,
    /// What limits the batch.
    pub batch_limit: BatchLimit,
    /// The largest term of the step.
    pub step_bound: StepBound,
    /// Step terms, milliseconds: matrix products, decode attention, prompt
    /// attention, all-reduces, overhead.
    pub step_terms_ms: [f64; 5],
}

/// Why a replica cannot serve a mix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ServingError {
    /// The weights alone fill the GPUs.
    #[error(
        "the weights need {weights_gib:.1} GiB per GPU on {gpus} GPU(s), and {memory_gib:.1} GiB (less a {reserve_gib} GiB runtime reserve) is all a GPU has: use more GPUs per replica or smaller weights"
    )]
    WeightsDoNotFit {
        /// Weights per GPU, GiB.
        weights_gib: f64,
        /// Memory per GPU, GiB.
        memory_gib: f64,
        /// Runtime reserve, GiB.
        reserve_gib: f64,
        /// GPUs per replica.
        gpus: u32,
    },
    /// Not even one request fits in the KV cache.
    #[error(
        "one request of {tokens:.0} tokens (prompt + output) does not fit in the {capacity:.0}-token KV cache"
    )]
    RequestDoesNotFit {
        /// Prompt + output tokens.
        tokens: f64,
        /// KV-cache tokens.
        capacity: f64,
    },
    /// A latency target is missed even at batch 1.
    #[error(
        "the {which} target of {target_ms} ms cannot be met: a batch of one already takes {at_one_ms:.1} ms"
    )]
    TargetUnreachable {
        /// "time per output token" or "time to first token".
        which: &'static str,
        /// The target, ms.
        target_ms: f64,
        /// What batch 1 gives, ms.
        at_one_ms: f64,
    },
    /// Lengths that are not positive and finite.
    #[error(
        "prompt tokens must be zero or more and output tokens at least 1 (got {prompt} and {output})"
    )]
    BadMix {
        /// Prompt tokens.
        prompt: f64,
        /// Output tokens.
        output: f64,
    },
}

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
/// Bytes per activation value in the all-reduces (bf16: an assumption about
/// the engine, as TensorRT-LLM and vLLM reduce in the activation dtype).
const ACTIVATION_BYTES: f64 = 2.0;

impl Replica {
    fn bandwidth(&self) -> f64 {
        self.gpu.hbm_tb_s * 1e12 * self.gpu.efficiency.bandwidth
    }

    fn flops(&self) -> f64 {
        let peak = if self.weights.eight_bit_math() {
            self.gpu.dense_tflops_8bit
        } else {
            self.gpu.dense_tflops_16bit
        };
        peak * 1e12 * self.gpu.efficiency.compute
    }

    fn g(&self) -> f64 {
        f64::from(self.gpus)
    }

    /// Weight bytes on one GPU.
    fn weight_bytes_per_gpu(&self) -> f64 {
        self.architecture.params() * self.weights.bytes() / self.g()
    }

    /// KV-cache bytes of one token on one GPU (KV heads split over the GPUs,
    /// replicated when there are more GPUs than heads).
    fn kv_bytes_per_token_per_gpu(&self) -> f64 {
        let a = &self.architecture;
        let heads = (f64::from(a.kv_heads) / self.g()).max(1.0);
        2.0 * f64::from(a.layers) * heads * f64::from(a.head_dim) * self.kv_cache.bytes()
    }

    /// Tokens the replica's KV cache holds.
    pub fn kv_cache_tokens(&self) -> Result<f64, ServingError> {
        let e = &self.engine;
        let free =
            self.gpu.memory_gib * GIB - self.weight_bytes_per_gpu() - e.runtime_reserve_gib * GIB;
        if free <= 0.0 {
            return Err(ServingError::WeightsDoNotFit {
                weights_gib: self.weight_bytes_per_gpu() / GIB,
                memory_gib: self.gpu.memory_gib,
                reserve_gib: e.runtime_reserve_gib,
                gpus: self.gpus,
            });
        }
        Ok(e.kv_cache_memory_fraction * free / self.kv_bytes_per_token_per_gpu())
    }

    /// Two all-reduces per layer over `tokens` tokens' activations.
    fn allreduce_s(&self, tokens: f64) -> Seconds {
        if self.gpus <= 1 {
            return 0.0;
        }
        let g = self.g();
        let e = &self.gpu.efficiency;
        let bytes = tokens * f64::from(self.architecture.hidden) * ACTIVATION_BYTES;
        let nv = self.gpu.interconnect_gb_s * 1e9 * e.interconnect;
        2.0 * f64::from(self.architecture.layers)
            * (e.allreduce_latency_us * 1e-6 + 2.0 * (g - 1.0) / g * bytes / nv)
    }

    /// Attention FLOPs per prompt token of a prompt of `i` tokens (causal:
    /// position p attends over p tokens, 4·L·h FLOPs each; mean over p).
    fn prompt_attention_flops_per_token(&self, i: f64) -> f64 {
        let a = &self.architecture;
        2.0 * f64::from(a.layers) * f64::from(a.heads) * f64::from(a.head_dim) * i
    }

    /// The terms of one step at batch `b` (see the module doc).
    fn step_terms(&self, b: f64, mix: Mix) -> [Seconds; 5] {
        let (i, o) = (mix.prompt_tokens, mix.output_tokens);
        let n = b * (1.0 + i / o);
        let g = self.g();
        let p = self.architecture.params();
        let weights = self.weight_bytes_per_gpu() / self.bandwidth();
        let products = (2.0 * p * n / g / self.flops()).max(weights);
        let kv = b * (i + 0.5 * o) * self.kv_bytes_per_token_per_gpu() / self.bandwidth();
        let prompt_attn = b * (i / o) * self.prompt_attention_flops_per_token(i) / g / self.flops();
        [
            products,
            kv,
            prompt_attn,
            self.allreduce_s(n),
            self.gpu.efficiency.step_overhead_ms * 1e-3,
        ]
    }

    fn step_s(&self, b: f64, mix: Mix) -> Seconds {
        self.step_terms(b, mix).iter().sum()
    }

    /// Time to first token at batch `b`: the prompt's own prefill plus one
    /// step of the running batch (no queueing).
    fn ttft_s(&self, b: f64, mix: Mix) -> Seconds {
        let i = mix.prompt_tokens;
        let g = self.g();
        let p = self.architecture.params();
        let weights = self.weight_bytes_per_gpu() / self.bandwidth();
        let prefill = (2.0 * p * i / g / self.flops()).max(weights)
            + i * self.prompt_attention_flops_per_token(i) / g / self.flops()
            + self.allreduce_s(i);
        prefill + self.step_s(b, mix)
    }

    /// The replica's operating point on `mix`: the largest batch within
    /// every limit and target, its throughput and what binds.
    pub fn operate(&self, mix: Mix, target: LatencyTarget) -> Result<OperatingPoint, ServingError> {
        let (i, o) = (mix.prompt_tokens, mix.output_tokens);
        if !(i.is_finite() && o.is_finite() && i >= 0.0 && o >= 1.0) {
            return Err(ServingError::BadMix {
                prompt: i,
                output: o,
            });
        }
        let kv_tokens = self.kv_cache_tokens()?;
        let by_kv = kv_tokens / (i + o);
        let by_tokens = f64::from(self.engine.max_num_tokens) / (1.0 + i / o);
        let by_batch = f64::from(self.engine.max_batch);
        if by_kv < 1.0 {
            return Err(ServingError::RequestDoesNotFit {
                tokens: i + o,
                capacity: kv_tokens,
            });
        }
        // The token budget is an average over steps: one long prompt is
        // chunked over several, so it allows at least one sequence.
        let (mut cap, mut limit) = (by_kv, BatchLimit::KvMemory);
        if by_batch < cap {
            (cap, limit) = (by_batch, BatchLimit::MaxBatch);
        }
        if by_tokens.max(1.0) < cap {
            (cap, limit) = (by_tokens.max(1.0), BatchLimit::TokenBudget);
        }
        let mut b = cap.floor().max(1.0);
        if target.is_set() {
            let meets = |b: f64| {
                target
                    .tpot_ms
                    .is_none_or(|t| self.step_s(b, mix) * 1e3 <= t)
                    && target
                        .ttft_ms
                        .is_none_or(|t| self.ttft_s(b, mix) * 1e3 <= t)
            };
            if !meets(1.0) {
                let (which, target_ms, at_one_ms) = match target.tpot_ms {
                    Some(t) if self.step_s(1.0, mix) * 1e3 > t => {
                        ("time per output token", t, self.step_s(1.0, mix) * 1e3)
                    }
                    _ => (
                        "time to first token",
                        target.ttft_ms.unwrap_or(f64::NAN),
                        self.ttft_s(1.0, mix) * 1e3,
                    ),
                };
                return Err(ServingError::TargetUnreachable {
                    which,
                    target_ms,
                    at_one_ms,
                });
            }
            if !meets(b) {
                // Both latencies rise with the batch: bisect on whole batches.
                let (mut lo, mut hi) = (1.0_f64, b);
                while hi - lo > 1.0 {
                    let mid = (0.5 * (lo + hi)).floor();
                    if meets(mid) { lo = mid } else { hi = mid }
                }
                b = lo;
                limit = BatchLimit::LatencyTarget;
            }
        }
        let terms = self.step_terms(b, mix);
        let step = terms.iter().sum::<f64>();
        let out = b / step;
        // The step's largest part: the matrix products count as compute when
        // the FLOPs outlast the weight reads.
        let weights = self.weight_bytes_per_gpu() / self.bandwidth();
        let compute = if terms[0] > weights { terms[0] } else { 0.0 } + terms[2];
        let memory = if terms[0] > weights { 0.0 } else { terms[0] } + terms[1];
        let parts = [
            (compute, StepBound::Compute),
            (memory, StepBound::MemoryBandwidth),
            (terms[3], StepBound::Communication),
            (terms[4], StepBound::Overhead),
        ];
        let step_bound = parts
            .iter()
            .fold(parts[0], |m, x| if x.0 > m.0 { *x } else { m })
            .1;
        Ok(OperatingPoint {
            output_tokens_per_s: out,
            prompt_tokens_per_s: out * i / o,
            batch: b as u32,
            step_ms: step * 1e3,
            ttft_ms: self.ttft_s(b, mix) * 1e3,
            kv_cache_tokens: kv_tokens,
            kv_cache_used: b * (i + o) / kv_tokens,
            weights_gib_per_gpu: self.weight_bytes_per_gpu() / GIB,
            batch_limit: limit,
            step_bound,
            step_terms_ms: terms.map(|t| t * 1e3),
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The H100 and Llama-3-70B of the shipped profiles, as code (the
    /// scenario tests check the files give the same).
    pub(crate) fn h100() -> Gpu {
        Gpu {
            name: "h100-sxm".into(),
            memory_gib: 80.0,
            hbm_tb_s: 3.35,
            dense_tflops_8bit: 1979.0,
            dense_tflops_16bit: 989.0,
            interconnect_gb_s: 450.0,
            efficiency: Efficiency {
                bandwidth: 0.89,
                compute: 0.574,
                interconnect: 0.607,
                allreduce_latency_us: 6.11,
                step_overhead_ms: 0.605,
            },
        }
    }

    pub(crate) fn llama70b(gpu: Gpu, gpus: u32) -> Replica {
        Replica {
            gpu,
            architecture: Architecture {
                name: "llama3-70b".into(),
                layers: 80,
                hidden: 8192,
                heads: 64,
                kv_heads: 8,
                head_dim: 128,
                params_billion: 70.6,
            },
            weights: Dtype::Fp8,
            kv_cache: Dtype::Bf16,
            gpus,
            engine: EngineLimits {
                max_batch: 2048,
                max_num_tokens: 8192,
                kv_cache_memory_fraction: 0.95,
                runtime_reserve_gib: 4.0,
            },
        }
    }

    fn mix(i: f64, o: f64) -> Mix {
        Mix {
            prompt_tokens: i,
            output_tokens: o,
        }
    }

    const NONE: LatencyTarget = LatencyTarget {
        tpot_ms: None,
        ttft_ms: None,
    };

    /// The 16 TensorRT-LLM 0.20 rows (../shared/data/throughput/), within
    /// the fit's −8% … +10%, median |error| under 4%.
    #[test]
    fn calibration_rows() {
        let rows = [
            (2, 128, 128, 6216.91),
            (2, 128, 2048, 5782.57),
            (4, 128, 2048, 11464.94),
            (8, 128, 2048, 17424.32),
            (2, 500, 2000, 4684.06),
            (4, 500, 2000, 9903.53),
            (8, 500, 2000, 14553.93),
            (2, 1000, 1000, 4247.19),
            (4, 1000, 1000, 7435.65),
            (8, 1000, 1000, 11018.81),
            (2, 2048, 128, 736.89),
            (4, 2048, 128, 1213.33),
            (8, 2048, 128, 1839.22),
            (2, 5000, 500, 862.91),
            (4, 5000, 500, 1552.68),
            (8, 5000, 500, 2369.84),
        ];
        let mut errors = Vec::new();
        for (g, i, o, published) in rows {
            let r = llama70b(h100(), g);
            let got = r.operate(mix(i as f64, o as f64), NONE).unwrap();
            let e = got.output_tokens_per_s / published - 1.0;
            assert!(
                (-0.09..=0.11).contains(&e),
                "TP{g} {i}/{o}: {:.0} against {published} ({:+.1}%)",
                got.output_tokens_per_s,
                100.0 * e
            );
            errors.push(e.abs());
        }
        errors.sort_by(f64::total_cmp);
        assert!(errors[8] < 0.04, "median |error| {}", errors[8]);
    }

    fn tput(r: &Replica, i: f64, o: f64, t: LatencyTarget) -> f64 {
        r.operate(mix(i, o), t)
            .map_or(0.0, |p| p.output_tokens_per_s)
    }

    #[test]
    fn longer_prompts_never_raise_output_capacity() {
        for g in [1, 2, 4, 8] {
            let r = llama70b(h100(), g);
            for o in [16.0, 128.0, 500.0, 2048.0, 8000.0] {
                let mut last = f64::INFINITY;
                for i in [
                    0.0, 10.0, 100.0, 500.0, 1000.0, 3000.0, 8000.0, 30000.0, 100000.0,
                ] {
                    let t = tput(&r, i, o, NONE);
                    assert!(t <= last * (1.0 + 1e-12), "TP{g} {i}/{o}: {t} > {last}");
                    last = t;
                }
            }
        }
    }

    #[test]
    fn tighter_targets_never_raise_capacity() {
        let r = llama70b(h100(), 4);
        for (i, o) in [(128.0, 2048.0), (2048.0, 128.0), (3000.0, 300.0)] {
            let mut last = tput(&r, i, o, NONE);
            for tpot in [200.0, 100.0, 50.0, 30.0, 20.0, 15.0, 10.0] {
                let t = tput(
                    &r,
                    i,
                    o,
                    LatencyTarget {
                        tpot_ms: Some(tpot),
                        ttft_ms: None,
                    },
                );
                assert!(
                    t <= last * (1.0 + 1e-12),
                    "{i}/{o} at {tpot} ms: {t} > {last}"
                );
                last = t;
            }
            let mut last = tput(&r, i, o, NONE);
            for ttft in [5000.0, 2000.0, 1000.0, 500.0, 300.0, 200.0] {
                let t = tput(
                    &r,
                    i,
                    o,
                    LatencyTarget {
                        tpot_ms: None,
                        ttft_ms: Some(ttft),
                    },
                );
                assert!(
                    t <= last * (1.0 + 1e-12),
                    "{i}/{o} at ttft {ttft} ms: {t} > {last}"
                );
                last = t;
            }
        }
    }

    #[test]
    fn a_target_is_met_at_the_batch_chosen() {
        let r = llama70b(h100(), 4);
        let t = LatencyTarget {
            tpot_ms: Some(25.0),
            ttft_ms: Some(1500.0),
        };
        let p = r.operate(mix(3000.0, 300.0), t).unwrap();
        assert!(p.step_ms <= 25.0 && p.ttft_ms <= 1500.0, "{p:?}");
        assert_eq!(p.batch_limit, BatchLimit::LatencyTarget);
        // One more sequence would miss it.
        let next = r.step_s(f64::from(p.batch + 1), mix(3000.0, 300.0)) * 1e3;
        let next_ttft = r.ttft_s(f64::from(p.batch + 1), mix(3000.0, 300.0)) * 1e3;
        assert!(next > 25.0 || next_ttft > 1500.0);
        let impossible = LatencyTarget {
            tpot_ms: Some(1.0),
            ttft_ms: None,
        };
        assert!(matches!(
            r.operate(mix(100.0, 100.0), impossible),
            Err(ServingError::TargetUnreachable { .. })
        ));
    }

    #[test]
    fn more_memory_or_bandwidth_never_lowers_capacity() {
        for (i, o) in [
            (128.0, 128.0),
            (128.0, 2048.0),
            (2048.0, 128.0),
            (5000.0, 500.0),
            (20000.0, 2000.0),
        ] {
            for g in [1, 2, 4, 8] {
                let base = tput(&llama70b(h100(), g), i, o, NONE);
                let mut more_mem = h100();
                more_mem.memory_gib = 141.0;
                let mut more_bw = h100();
                more_bw.hbm_tb_s = 4.8;
                assert!(tput(&llama70b(more_mem, g), i, o, NONE) >= base);
                assert!(tput(&llama70b(more_bw, g), i, o, NONE) >= base);
            }
        }
    }

    #[test]
    fn weights_that_do_not_fit_are_an_error() {
        let mut r = llama70b(h100(), 1);
        r.weights = Dtype::Bf16;
        assert!(matches!(
            r.operate(mix(100.0, 100.0), NONE),
            Err(ServingError::WeightsDoNotFit { .. })
        ));
        let r = llama70b(h100(), 2);
        assert!(matches!(
            r.operate(mix(2e6, 100.0), NONE),
            Err(ServingError::RequestDoesNotFit { .. })
        ));
    }

    /// Closed form at batch 1 on one GPU with no prompt: the step is the
    /// overhead + reading the weights + the KV cache of O/2 tokens.
    #[test]
    fn batch_one_decode_is_the_weight_read() {
        let mut r = llama70b(h100(), 8);
        r.gpus = 1;
        r.gpu.memory_gib = 1000.0;
        r.engine.max_batch = 1;
        let p = r.operate(mix(0.0, 1000.0), NONE).unwrap();
        let bw = 3.35e12 * 0.89;
        let step = 0.605e-3 + 70.6e9 / bw + 500.0 * 2.0 * 80.0 * 8.0 * 128.0 * 2.0 / bw;
        assert!(
            (p.step_ms - step * 1e3).abs() < 1e-9,
            "{} vs {}",
            p.step_ms,
            step * 1e3
        );
        assert_eq!(p.batch, 1);
        assert_eq!(p.batch_limit, BatchLimit::MaxBatch);
        assert_eq!(p.step_bound, StepBound::MemoryBandwidth);
    }
}
