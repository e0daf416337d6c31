//! The serving engine's own choices: its batch and token limits when a
//! profile gives none, and the memory it keeps outside the weights and the
//! KV cache.

use super::parallel::Parallel;
use super::{Dtype, GIB, Mix, Replica};

/// The engine's limits on one scheduler (the replica under TP, one GPU
/// under DEP).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Limits {
    /// Most sequences in flight.
    pub max_batch: f64,
    /// Most tokens through the model in one step.
    pub max_num_tokens: f64,
}

/// Limits used where no request mix is at hand (whether the weights fit):
/// the smallest trtllm-bench picks (64 sequences, 2,048 tokens a step).
const SMALLEST: Limits = Limits {
    max_batch: 64.0,
    max_num_tokens: 2048.0,
};

impl Replica {
    /// The engine's limits on `mix`: the profile's, or what TensorRT-LLM's
    /// `trtllm-bench` picks when none is given (`tensorrt_llm/bench/build/
    /// tuning.py`, `calc_engine_setting` and `finetune_setting`): the
    /// requests of `I + O` tokens its KV estimate holds — 0.95 of the
    /// replica's memory less the weights (1 byte a parameter for FP8
    /// checkpoints, 0.5 for NVFP4, 2 otherwise), each token costing
    /// `2 × layers × max(GPUs, kv_heads) × head_dim` values — capped at
    /// 4,096 and rounded up (at least 64); tokens per step that batch times
    /// `1 + I/O`, capped at 32,768 and rounded up (at least 2,048). Its
    /// chunked prefill is off by default, so a step must hold a whole
    /// prompt: at least `I` + the batch (`tensorrt_llm/bench/benchmark/
    /// utils/general.py`, `get_settings`). Formats it does not tune
    /// (MXFP4, INT4, INT8) get the build defaults, 2,048 and 8,192.
    pub(super) fn limits(&self, mix: Option<Mix>) -> Limits {
        let e = &self.engine;
        let auto = mix.map_or(SMALLEST, |m| self.trtllm_bench_limits(m));
        Limits {
            max_batch: e.max_batch.map_or(auto.max_batch, f64::from),
            max_num_tokens: e.max_num_tokens.map_or(auto.max_num_tokens, f64::from),
        }
    }

    fn trtllm_bench_limits(&self, mix: Mix) -> Limits {
        let a = &self.architecture;
        let g = self.g();
        let (i, o) = (mix.prompt_tokens, mix.output_tokens);
        let weight_bytes = match self.weights {
            Dtype::Fp8 => 1.0,
            Dtype::Nvfp4 => 0.5,
            Dtype::Bf16 | Dtype::Fp16 => 2.0,
            // Other formats (MXFP4, INT4, INT8) are not tuned: the build
            // defaults, 2,048 sequences and 8,192 tokens
            // (`tensorrt_llm/bench/build/build.py`, `TUNED_QUANTS`).
            _ => {
                return Limits {
                    max_batch: 2048.0,
                    max_num_tokens: 8192.0_f64.max(i.ceil() + 2048.0),
                };
            }
        };
        let available = (g * self.gpu.memory_gib * GIB - a.params() * weight_bytes).max(0.0);
        let cache = available * self.engine.kv_cache_memory_fraction;
        let kv_values = match &a.mla {
            // The latent on every GPU of a TP replica, once a sequence under DEP.
            Some(_) => {
                a.kv_values_per_layer()
                    * match self.parallel {
                        Parallel::Tp => g,
                        Parallel::Dep => 1.0,
                    }
            }
            None => 2.0 * f64::from(a.kv_heads).max(g) * f64::from(a.head_dim),
        };
        let per_token = f64::from(a.layers) * kv_values * self.kv_cache.bytes();
        let requests = cache / (per_token * (i + o)).max(1.0);
        let raw_bs = requests.min(4096.0);
        let raw_tokens = (raw_bs * (1.0 + i / o)).min(32768.0);
        let up = |x: f64, step: f64| step * (x / step).ceil();
        let max_batch = if raw_bs < 256.0 {
            up(raw_bs, 32.0).max(64.0)
        } else if raw_bs < 1024.0 {
            up(raw_bs, 128.0)
        } else {
            up(raw_bs, 256.0)
        };
        let tokens = if raw_tokens < 4096.0 {
            up(raw_tokens, 256.0).max(2048.0)
        } else if raw_tokens < 8192.0 {
            up(raw_tokens, 512.0)
        } else {
            up(raw_tokens, 1024.0)
        };
        Limits {
            max_batch,
            max_num_tokens: tokens.max(i.ceil() + max_batch),
        }
    }

    /// Bytes one GPU holds for the activations of a step of the engine's
    /// most tokens (what TensorRT-LLM's memory profiling run measures
    /// before it sizes the KV cache): per token, the hidden state four
    /// times over (residual, normed input, attention output, FFN output)
    /// and the FFN's gate and up outputs, their product and its 8-bit copy
    /// (7 bytes an intermediate value), at 2 bytes a value. ASSUMPTION:
    /// counted from the PyTorch backend's tensors, not measured.
    fn activation_bytes(&self, l: Limits) -> f64 {
        let a = &self.architecture;
        let d = f64::from(a.hidden);
        let ffn = match &a.moe {
            Some(m) => f64::from(m.experts_per_token + m.shared_experts) * f64::from(m.expert_ffn),
            None => a.ffn.map_or(3.5 * d, f64::from),
        };
        let split = match self.parallel {
            Parallel::Tp => self.g(),
            Parallel::Dep => 1.0,
        };
        l.max_num_tokens * (4.0 * 2.0 * d + 7.0 * ffn / split)
    }

    /// Bytes one GPU holds for the logits of the engine's largest batch:
    /// one row of the vocabulary a sequence, in FP32 (ASSUMPTION: one
    /// copy; Llama 3's 128,256 where the architecture gives no vocabulary).
    fn logits_bytes(&self, l: Limits) -> f64 {
        let v = f64::from(self.architecture.vocab.unwrap_or(128_256));
        l.max_batch * v * 4.0
    }

    /// Memory per GPU the KV cache gets on `mix`, bytes: the device's
    /// memory less the weights, the runtime reserve (CUDA context,
    /// communication buffers, CUDA graphs) and the activations of the
    /// largest step, times the engine's fraction — and less the logits,
    /// which must fit in what the fraction leaves.
    pub(super) fn kv_bytes_per_gpu(&self, mix: Option<Mix>) -> f64 {
        let l = self.limits(mix);
        let free = self.gpu.memory_gib * GIB
            - self.weight_bytes_per_gpu()
            - self.engine.runtime_reserve_gib * GIB
            - self.activation_bytes(l);
        (self.engine.kv_cache_memory_fraction * free)
            .min(free - self.logits_bytes(l))
            .max(0.0)
    }
}
