//! One step of an in-flight-batching server, term by term (see the module
//! doc of [`crate::serving`] for the formulas in one place).

use super::parallel::{Parallel, all_to_all_s, allreduce_s};
use super::precision::MathRate;
use super::{Dtype, GIB, Mix, Replica, Seconds, ServingError};

impl Replica {
    pub(super) fn g(&self) -> f64 {
        f64::from(self.gpus)
    }

    pub(super) fn bandwidth(&self) -> f64 {
        self.gpu.hbm_tb_s * 1e12 * self.gpu.efficiency.bandwidth
    }

    /// Achieved FLOP/s of products with weights of format `d`: a W4A16
    /// product (4-bit weights dequantized on a chip without their math)
    /// reaches `w4a16_compute` of what a 16-bit one does.
    fn flops(&self, d: Dtype) -> f64 {
        let e = &self.gpu.efficiency;
        let w4a16 = if self.gpu.dequantizes(d) {
            e.w4a16_compute
        } else {
            1.0
        };
        self.gpu.tflops(d.math()) * 1e12 * e.compute * w4a16
    }

    /// Whether any of its products run as W4A16 (its experts' or its dense
    /// part's weights are 4-bit on a chip without their math): what
    /// `w4a16_compute` acts on.
    pub fn has_w4a16_products(&self) -> bool {
        self.gpu.dequantizes(self.weights) || self.gpu.dequantizes(self.dense_weights)
    }

    /// Achieved FLOP/s of attention: at the KV cache's rate (FP8 attention
    /// kernels for an FP8 cache), never the 4-bit one.
    fn attention_flops(&self) -> f64 {
        let rate = match self.kv_cache.math() {
            MathRate::Bits4 | MathRate::Bits8 => MathRate::Bits8,
            MathRate::Bits16 => MathRate::Bits16,
        };
        self.gpu.tflops(rate) * 1e12 * self.gpu.efficiency.compute
    }

    fn dense_bytes(&self) -> f64 {
        self.architecture.dense_params() * self.dense_weights.bytes()
    }

    fn routed_bytes(&self) -> f64 {
        self.architecture.routed_expert_params() * self.weights.bytes()
    }

    /// Weight bytes resident on one GPU: all split (TP), or the dense part
    /// whole and `1/G` of the experts (DEP).
    pub fn weight_bytes_per_gpu(&self) -> f64 {
        match self.parallel {
            Parallel::Tp => (self.dense_bytes() + self.routed_bytes()) / self.g(),
            Parallel::Dep => self.dense_bytes() + self.routed_bytes() / self.g(),
        }
    }

    /// The products of `tokens` tokens, each part at its own roofline: the
    /// dense part (split over `dense_spread` GPUs: all of them under TP, one
    /// for a DEP prompt) reads its weights or computes at its format's
    /// rate; the routed experts read those the tokens touch or compute at
    /// theirs × the grouped-expert efficiency (each rate × `w4a16_compute`
    /// where its weights are W4A16). The parts run one after the
    /// other, so their times add.
    pub(super) fn products(&self, tokens: f64, dense_spread: f64) -> Roof {
        let a = &self.architecture;
        let routed = a.routed_active_params();
        let dense = (a.active_params() - routed).max(0.0);
        let bw = self.bandwidth();
        let dense_reads = self.dense_bytes() / dense_spread / bw;
        let dense_math = 2.0 * tokens * dense / dense_spread / self.flops(self.dense_weights);
        let expert_reads = self.routed_bytes() * a.experts_touched(tokens) / self.g() / bw;
        let expert_math = 2.0 * tokens * routed
            / self.g()
            / self.flops(self.weights)
            / self.gpu.efficiency.moe_compute;
        // Element-wise work between the products: each token's
        // activations cross HBM `activation_passes` times (2 bytes a value).
        let activations =
            tokens * a.activation_values_per_token() * 2.0 * self.gpu.efficiency.activation_passes
                / self.g()
                / bw;
        Roof {
            memory: activations,
            math: 0.0,
        }
        .add(dense_reads, dense_math)
        .add(expert_reads, expert_math)
    }

    /// Share of one sequence's KV cache that one GPU holds, on average:
    /// its KV heads (TP, replicated when there are more GPUs than heads,
    /// and MLA's single latent replicated on every GPU), or `1/G` of the
    /// sequences, whole (DEP).
    fn kv_share(&self) -> f64 {
        match self.parallel {
            Parallel::Dep => 1.0 / self.g(),
            Parallel::Tp if self.architecture.mla.is_some() => 1.0,
            Parallel::Tp => {
                let h = f64::from(self.architecture.kv_heads);
                (h / self.g()).max(1.0) / h
            }
        }
    }

    /// KV-cache bytes of one token in one layer.
    fn kv_bytes_per_token_layer(&self) -> f64 {
        self.architecture.kv_values_per_layer() * self.kv_cache.bytes()
    }

    /// Sequences of `len` tokens the replica's KV cache holds. Every layer
    /// reserves the whole length, windowed (sliding or chunked) layers too:
    /// TensorRT-LLM's KV-cache manager writes a windowed layer's blocks
    /// linearly and allots a sequence blocks for its whole length, parking
    /// those that leave the window (NVIDIA/TensorRT-LLM pull request 6768,
    /// "Support SWA KV cache", 2025), and splits its memory between the
    /// window sizes' pools by a set ratio, not by need (pull request 7923).
    /// The published figures of models with windowed layers (gpt-oss, Llama
    /// 4) fit with it (held-out gpt-oss-120b median 23% → 13%). ASSUMPTION
    /// for other engines (vLLM's hybrid KV-cache manager does save the
    /// memory). Attention still reads only the window ([`Self::decode_attention`]).
    pub(super) fn sequences_that_fit(&self, len: f64, mix: Mix) -> Result<f64, ServingError> {
        self.free_bytes_per_gpu()?;
        let per_seq = f64::from(self.architecture.layers)
            * len
            * self.kv_bytes_per_token_layer()
            * self.kv_share();
        Ok(self.kv_bytes_per_gpu(Some(mix)) / per_seq)
    }

    /// Memory per GPU left after the weights and the runtime reserve; an
    /// error when the weights do not fit.
    fn free_bytes_per_gpu(&self) -> Result<f64, ServingError> {
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
        Ok(free)
    }

    /// Tokens the replica's KV cache holds (counted in full-attention
    /// layers) with the engine's smallest limits, or its limits on `mix`.
    pub fn kv_cache_tokens(&self) -> Result<f64, ServingError> {
        self.kv_cache_tokens_on(None)
    }

    pub(super) fn kv_cache_tokens_on(&self, mix: Option<Mix>) -> Result<f64, ServingError> {
        self.free_bytes_per_gpu()?;
        let per_token =
            f64::from(self.architecture.layers) * self.kv_bytes_per_token_layer() * self.kv_share();
        Ok(self.kv_bytes_per_gpu(mix) / per_token)
    }

    /// Communication of a step of `tokens` tokens.
    fn communication_s(&self, tokens: f64) -> Seconds {
        let a = &self.architecture;
        let g = self.g();
        let d = f64::from(a.hidden);
        match self.parallel {
            Parallel::Tp => allreduce_s(&self.gpu, g, f64::from(a.layers), tokens, d),
            Parallel::Dep => match &a.moe {
                None => 0.0,
                Some(m) => all_to_all_s(
                    &self.gpu,
                    g,
                    f64::from(m.moe_layers),
                    tokens / g,
                    f64::from(m.experts_per_token),
                    d,
                ),
            },
        }
    }

    /// The terms of one step at batch `b` (see the module doc): products,
    /// decode attention, prompt attention, communication, overhead.
    pub(super) fn step_terms(&self, b: f64, mix: Mix) -> [Seconds; 5] {
        let (i, o, c) = (mix.prompt_tokens, mix.output_tokens, mix.cached());
        let n = b * (1.0 + (1.0 - c) * i / o);
        let a = &self.architecture;
        // The prompts of the b/o requests that start each step, past their cached prefix.
        let prompt_attn =
            b / o * a.prefill_attention_flops(c * i, i) / self.g() / self.attention_flops();
        [
            self.products(n, self.g()).total(),
            self.decode_attention(b, mix).total(),
            prompt_attn,
            self.communication_s(n),
            self.overhead_s(b),
        ]
    }

    /// The fixed time of a step of `b` sequences: the step's own and the
    /// host's per sequence, on each GPU's scheduler (one per replica under
    /// TP, one per GPU under DEP).
    fn overhead_s(&self, b: f64) -> Seconds {
        let schedulers = match self.parallel {
            Parallel::Tp => 1.0,
            Parallel::Dep => self.g(),
        };
        let e = &self.gpu.efficiency;
        e.step_overhead_ms * 1e-3 + e.sequence_overhead_us * 1e-6 * b / schedulers
    }

    /// Decode attention of `b` sequences over the mean context of a
    /// decoding sequence: reading the KV cache or its math.
    pub(super) fn decode_attention(&self, b: f64, mix: Mix) -> Roof {
        let a = &self.architecture;
        let ctx = a.kv_token_layers(mix.prompt_tokens + 0.5 * mix.output_tokens);
        let read = b * ctx * self.kv_bytes_per_token_layer() * self.kv_share() / self.bandwidth();
        let math = b * ctx * a.decode_attention_flops_per_key() / self.g() / self.attention_flops();
        Roof::default().add(read, math)
    }

    pub(super) fn step_s(&self, b: f64, mix: Mix) -> Seconds {
        self.step_terms(b, mix).iter().sum()
    }

    /// Time to first token at batch `b`: the prompt's own prefill past its
    /// cached prefix, plus one step of the running batch (no queueing). With
    /// DEP a prompt is prefilled on one GPU: its dense part is not split.
    pub(super) fn ttft_s(&self, b: f64, mix: Mix) -> Seconds {
        let (i, c) = (mix.prompt_tokens, mix.cached());
        let fresh = (1.0 - c) * i;
        let a = &self.architecture;
        let g = self.g();
        let spread = match self.parallel {
            Parallel::Tp => g,
            Parallel::Dep => 1.0,
        };
        let attn = a.prefill_attention_flops(c * i, i) / spread / self.attention_flops();
        let comm = match self.parallel {
            Parallel::Tp => self.communication_s(fresh),
            // One GPU's prompt dispatched to every GPU's experts.
            Parallel::Dep => self.communication_s(fresh * g),
        };
        self.products(fresh, spread).total() + attn + comm + self.step_s(b, mix)
    }
}

/// Time of parts each bound either by memory reads or by math.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Roof {
    /// Seconds of parts bound by reading memory.
    pub memory: Seconds,
    /// Seconds of parts bound by math.
    pub math: Seconds,
}

impl Roof {
    /// With one more part that reads for `read` or computes for `math` seconds.
    fn add(mut self, read: Seconds, math: Seconds) -> Roof {
        if read >= math {
            self.memory += read;
        } else {
            self.math += math;
        }
        self
    }

    /// Seconds of all the parts.
    pub fn total(self) -> Seconds {
        self.memory + self.math
    }
}
