//! A decoder-only transformer's shape: dense or Mixture-of-Experts,
//! grouped-query or multi-head latent attention, full or sliding-window
//! layers; and what one token costs it in weights, FLOPs and KV cache.

use serde::Serialize;

/// A transformer's shape.
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
    /// Key/value heads (grouped-query attention; ignored by MLA's cache).
    pub kv_heads: u32,
    /// Dimension of one head.
    pub head_dim: u32,
    /// Parameters, billions: what memory holds (every expert).
    pub params_billion: f64,
    /// Parameters one token runs through, billions (`None`: dense, or
    /// derived from the MoE shape).
    pub active_params_billion: Option<f64>,
    /// The Mixture-of-Experts layers, if any.
    pub moe: Option<Moe>,
    /// Multi-head latent attention (DeepSeek), if used.
    pub mla: Option<Mla>,
    /// Sliding-window (or chunked) attention: (window tokens, windowed layers).
    pub sliding: Option<(u32, u32)>,
    /// Intermediate size of a dense FFN layer (`None`: unknown, taken as
    /// 3.5 × hidden, Llama's ratio).
    pub ffn: Option<u32>,
    /// Vocabulary size (`None`: unknown): the engine's logits buffers.
    pub vocab: Option<u32>,
}

/// The Mixture-of-Experts part of a model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Moe {
    /// Routed experts per MoE layer.
    pub experts: u32,
    /// Routed experts each token goes to.
    pub experts_per_token: u32,
    /// Always-on experts per MoE layer (counted with the dense weights).
    pub shared_experts: u32,
    /// Intermediate size of one expert.
    pub expert_ffn: u32,
    /// Layers whose FFN is MoE.
    pub moe_layers: u32,
}

/// Multi-head latent attention: one compressed latent cached per token and
/// layer instead of keys and values per head (DeepSeek-V2/V3).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mla {
    /// Rank of the compressed key-value latent.
    pub kv_lora_rank: u32,
    /// Rotary part of a query/key head (cached beside the latent).
    pub qk_rope_head_dim: u32,
    /// Non-rotary part of a query/key head.
    pub qk_nope_head_dim: u32,
    /// Value head dimension.
    pub v_head_dim: u32,
}

impl Architecture {
    /// Every parameter, in memory.
    pub fn params(&self) -> f64 {
        self.params_billion * 1e9
    }

    /// Parameters of all routed experts (0 for a dense model): gate, up and
    /// down projections, `3 × hidden × expert_ffn` each.
    pub fn routed_expert_params(&self) -> f64 {
        self.moe.as_ref().map_or(0.0, |m| {
            f64::from(m.moe_layers)
                * f64::from(m.experts)
                * 3.0
                * f64::from(self.hidden)
                * f64::from(m.expert_ffn)
        })
    }

    /// Parameters every token runs through: attention, dense FFNs, shared
    /// experts, embeddings (all but the routed experts).
    pub fn dense_params(&self) -> f64 {
        (self.params() - self.routed_expert_params()).max(0.0)
    }

    /// Routed-expert parameters one token runs through.
    pub fn routed_active_params(&self) -> f64 {
        match &self.moe {
            None => 0.0,
            Some(m) => {
                self.routed_expert_params() * f64::from(m.experts_per_token) / f64::from(m.experts)
            }
        }
    }

    /// Parameters one token runs through (2 FLOPs each): the published
    /// active count when given, else dense + routed active.
    pub fn active_params(&self) -> f64 {
        match self.active_params_billion {
            Some(a) => a * 1e9,
            None => self.dense_params() + self.routed_active_params(),
        }
    }

    /// Expected fraction of a layer's routed experts that `tokens` tokens
    /// touch, each choosing `k` of `E` uniformly: `1 − (1 − k/E)^tokens`
    /// (1 for a dense model). A decode step reads only these.
    pub fn experts_touched(&self, tokens: f64) -> f64 {
        match &self.moe {
            None => 1.0,
            Some(m) => {
                let miss = 1.0 - f64::from(m.experts_per_token) / f64::from(m.experts);
                1.0 - miss.max(0.0).powf(tokens.max(0.0))
            }
        }
    }

    /// Activation values one token writes and reads through the
    /// element-wise work of all layers (norms, residuals, the FFN's gate),
    /// counted as the hidden state plus the FFN intermediate it runs
    /// through in each layer: a dense layer's `ffn`, an MoE layer's
    /// `(k + shared) × expert_ffn`.
    pub fn activation_values_per_token(&self) -> f64 {
        let d = f64::from(self.hidden);
        let dense_ffn = self.ffn.map_or(3.5 * d, f64::from);
        let layers = f64::from(self.layers);
        match &self.moe {
            None => layers * (d + dense_ffn),
            Some(m) => {
                let moe = f64::from(m.moe_layers);
                let per =
                    f64::from(m.experts_per_token + m.shared_experts) * f64::from(m.expert_ffn);
                layers * d + moe * per + (layers - moe) * dense_ffn
            }
        }
    }

    /// KV-cache values of one token in one layer: the latent and its rotary
    /// key (MLA), or a key and a value per KV head.
    pub fn kv_values_per_layer(&self) -> f64 {
        match &self.mla {
            Some(m) => f64::from(m.kv_lora_rank + m.qk_rope_head_dim),
            None => 2.0 * f64::from(self.kv_heads) * f64::from(self.head_dim),
        }
    }

    /// `(full layers, windowed layers, window)`.
    pub fn layer_split(&self) -> (f64, f64, f64) {
        match self.sliding {
            Some((w, n)) => {
                let n = n.min(self.layers);
                (f64::from(self.layers - n), f64::from(n), f64::from(w))
            }
            None => (f64::from(self.layers), 0.0, f64::INFINITY),
        }
    }

    /// Token-layers of KV cache a sequence of `len` tokens holds: every
    /// token in a full layer, the last `window` in a windowed one.
    pub fn kv_token_layers(&self, len: f64) -> f64 {
        let (full, windowed, w) = self.layer_split();
        full * len + windowed * len.min(w)
    }

    /// FLOPs of one query token against one cached key in one layer, in
    /// decode: `4 × heads × head_dim` (scores and values), or MLA's absorbed
    /// form `2 × heads × (2 × kv_lora_rank + rope)`.
    pub fn decode_attention_flops_per_key(&self) -> f64 {
        let h = f64::from(self.heads);
        match &self.mla {
            Some(m) => 2.0 * h * f64::from(2 * m.kv_lora_rank + m.qk_rope_head_dim),
            None => 4.0 * h * f64::from(self.head_dim),
        }
    }

    /// The same in prefill, where MLA runs as ordinary attention over
    /// decompressed heads: `2 × heads × (qk_nope + rope + v)`.
    pub fn prefill_attention_flops_per_key(&self) -> f64 {
        let h = f64::from(self.heads);
        match &self.mla {
            Some(m) => 2.0 * h * f64::from(m.qk_nope_head_dim + m.qk_rope_head_dim + m.v_head_dim),
            None => 4.0 * h * f64::from(self.head_dim),
        }
    }

    /// Attention FLOPs of prefilling prompt positions `from .. to` (causal:
    /// position p attends over p keys, or the last `window` of them),
    /// summed over layers.
    pub fn prefill_attention_flops(&self, from: f64, to: f64) -> f64 {
        if to <= from {
            return 0.0;
        }
        let (full, windowed, w) = self.layer_split();
        let per_key = self.prefill_attention_flops_per_key();
        // ∫ p dp over [from, to], and ∫ min(p, w) dp.
        let full_keys = 0.5 * (to * to - from * from);
        let windowed_keys = if w >= to {
            full_keys
        } else if w <= from {
            w * (to - from)
        } else {
            0.5 * (w * w - from * from) + w * (to - w)
        };
        per_key * (full * full_keys + windowed * windowed_keys)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// gpt-oss-120b's shape (models/architectures/gpt-oss-120b.toml).
    pub(crate) fn gpt_oss_120b() -> Architecture {
        Architecture {
            name: "gpt-oss-120b".into(),
            layers: 36,
            hidden: 2880,
            heads: 64,
            kv_heads: 8,
            head_dim: 64,
            params_billion: 117.0,
            active_params_billion: Some(5.1),
            moe: Some(Moe {
                experts: 128,
                experts_per_token: 4,
                shared_experts: 0,
                expert_ffn: 2880,
                moe_layers: 36,
            }),
            mla: None,
            sliding: Some((128, 18)),
            ffn: Some(2880),
            vocab: Some(201088),
        }
    }

    #[test]
    fn routed_experts_and_what_a_token_touches() {
        let a = gpt_oss_120b();
        // 36 × 128 × 3 × 2880 × 2880 = 114.66 B routed parameters.
        let routed = 36.0 * 128.0 * 3.0 * 2880.0 * 2880.0;
        assert!((a.routed_expert_params() - routed).abs() < 1.0);
        assert!((a.dense_params() - (117e9 - routed)).abs() < 1.0);
        assert!((a.routed_active_params() - routed * 4.0 / 128.0).abs() < 1.0);
        // One token touches k of E; many touch nearly all.
        assert!((a.experts_touched(1.0) - 4.0 / 128.0).abs() < 1e-12);
        assert!(a.experts_touched(2000.0) > 0.999);
    }

    #[test]
    fn windowed_layers_hold_and_attend_over_the_window_only() {
        let a = gpt_oss_120b();
        assert_eq!(a.kv_token_layers(1000.0), 18.0 * 1000.0 + 18.0 * 128.0);
        // Prefill of 0..1000: full layers ∫p = 500,000; windowed ∫min(p,128) = 128²/2 + 128·872.
        let per_key = 4.0 * 64.0 * 64.0;
        let want = per_key * (18.0 * 500_000.0 + 18.0 * (0.5 * 128.0 * 128.0 + 128.0 * 872.0));
        assert!((a.prefill_attention_flops(0.0, 1000.0) / want - 1.0).abs() < 1e-12);
    }
}
