//! One step of an in-flight-batching server, term by term (see the module
//! doc of [`crate::serving`] for the formulas in one place).

use super::parallel::{Parallel, all_to_all_s, allreduce_s};
use super::precision::MathRate;
use super::{GIB, Mix, Replica, Seconds, ServingError};

impl Replica {
    pub(super) fn g(&self) -> f64 {
        f64::from(self.gpus)
    }

    /// Weight bytes one GPU reads in a step at batch `b` on `mix`.
    pub(super) fn weight_reads_per_gpu_at(&self, b: f64, mix: Mix) -> f64 {
        let n = b * (1.0 + (1.0 - mix.cached()) * mix.prompt_tokens / mix.output_tokens);
        self.weight_reads_per_gpu(n)
    }

    pub(super) fn bandwidth(&self) -> f64 {
        self.gpu.hbm_tb_s * 1e12 * self.gpu.efficiency.bandwidth
    }

    /// Achieved FLOP/s of products with the weights.
    fn flops(&self) -> f64 {
        self.gpu.tflops(self.weights.math()) * 1e12 * self.gpu.efficiency.compute
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
        self.architecture.dense_params() * self.weights.bytes()
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

    /// Weight bytes one GPU reads in a step of `tokens` tokens: its dense
    /// part and its share of the experts those tokens touch.
    fn weight_reads_per_gpu(&self, tokens: f64) -> f64 {
        let experts = self.routed_bytes() * self.architecture.experts_touched(tokens) / self.g();
        match self.parallel {
            Parallel::Tp => self.dense_bytes() / self.g() + experts,
            Parallel::Dep => self.dense_bytes() + experts,
        }
    }

    /// Seconds of the products of `tokens` tokens spread over the replica's
    /// GPUs: grouped expert products at `moe_compute` of the dense rate.
    fn product_compute_s(&self, tokens: f64) -> Seconds {
        let a = &self.architecture;
        let routed = a.routed_active_params();
        let dense = (a.active_params() - routed).max(0.0);
        2.0 * tokens / self.g() / self.flops() * (dense + routed / self.gpu.efficiency.moe_compute)
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

    /// Sequences of `len` tokens the replica's KV cache holds.
    pub(super) fn sequences_that_fit(&self, len: f64) -> Result<f64, ServingError> {
        let free = self.free_bytes_per_gpu()?;
        let per_seq = self.architecture.kv_token_layers(len)
            * self.kv_bytes_per_token_layer()
            * self.kv_share();
        Ok(self.engine.kv_cache_memory_fraction * free / per_seq)
    }

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

    /// Tokens the replica's KV cache holds (counted in full-attention layers).
    pub fn kv_cache_tokens(&self) -> Result<f64, ServingError> {
        let free = self.free_bytes_per_gpu()?;
        let per_token =
            f64::from(self.architecture.layers) * self.kv_bytes_per_token_layer() * self.kv_share();
        Ok(self.engine.kv_cache_memory_fraction * free / per_token)
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
        let products =
            (self.weight_reads_per_gpu(n) / self.bandwidth()).max(self.product_compute_s(n));
        // Decode attention over the mean context of a decoding sequence.
        let ctx = a.kv_token_layers(i + 0.5 * o);
        let kv_read =
            b * ctx * self.kv_bytes_per_token_layer() * self.kv_share() / self.bandwidth();
        let kv_math =
            b * ctx * a.decode_attention_flops_per_key() / self.g() / self.attention_flops();
        // The prompts of the b/o requests that start each step, past their cached prefix.
        let prompt_attn =
            b / o * a.prefill_attention_flops(c * i, i) / self.g() / self.attention_flops();
        [
            products,
            kv_read.max(kv_math),
            prompt_attn,
            self.communication_s(n),
            self.gpu.efficiency.step_overhead_ms * 1e-3,
        ]
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
        let routed = a.routed_active_params();
        let dense = (a.active_params() - routed).max(0.0);
        let compute = 2.0 * fresh / self.flops()
            * (dense / spread + routed / g / self.gpu.efficiency.moe_compute);
        let reads = self.weight_reads_per_gpu(fresh) / self.bandwidth();
        let attn = a.prefill_attention_flops(c * i, i) / spread / self.attention_flops();
        let comm = match self.parallel {
            Parallel::Tp => self.communication_s(fresh),
            // One GPU's prompt dispatched to every GPU's experts.
            Parallel::Dep => self.communication_s(fresh * g),
        };
        reads.max(compute) + attn + comm + self.step_s(b, mix)
    }
}
