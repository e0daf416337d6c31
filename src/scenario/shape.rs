//! An architecture file's shape, checked: counts in range, heads that
//! group, MoE and MLA tables that agree with `attention`, and the parameter
//! counts against what the shape implies (a warning for a likely slip of
//! units).

use super::Validator;
use super::profile::positive;
use super::raw::{RawArchitecture, RawMla, RawMoe};
use crate::serving::{Architecture, Mla, Moe};

/// The validated [`Architecture`] of file `origin`, or `None` after issues.
pub(super) fn architecture(
    v: &mut Validator,
    a: RawArchitecture,
    origin: &str,
) -> Option<Architecture> {
    let f = |k: &str| format!("{origin}: {k}");
    let heads = v.count(&f("heads"), Some(a.heads), 1, 1, 100_000);
    let kv_heads = v.count(&f("kv_heads"), Some(a.kv_heads), 1, 1, i64::from(heads));
    if heads % kv_heads != 0 {
        v.push(
            f("kv_heads"),
            None,
            format!(
                "{kv_heads} KV heads do not group {heads} query heads evenly: it must divide heads"
            ),
        );
    }
    let layers = v.count(&f("layers"), Some(a.layers), 1, 1, 10_000);
    let params_billion = positive(
        v,
        &f("params_billion"),
        a.params_billion,
        1e5,
        "billions: 70.6 for Llama 3 70B",
    );
    let moe = a.moe.as_ref().map(|m| moe(v, m, layers, &f));
    let mla = mla(v, a.attention.as_deref(), a.mla.as_ref(), &f);
    let sliding = sliding(v, a.sliding_window, a.sliding_layers, layers, &f);
    let arch = Architecture {
        name: a.name.clone(),
        layers,
        hidden: v.count(&f("hidden"), Some(a.hidden), 1, 1, 1_000_000),
        heads,
        kv_heads,
        head_dim: v.count(&f("head_dim"), Some(a.head_dim), 1, 1, 100_000),
        params_billion,
        active_params_billion: a.active_params_billion.map(|x| {
            positive(
                v,
                &f("active_params_billion"),
                x,
                1e5,
                "billions: 5.1 for gpt-oss-120b",
            )
        }),
        moe,
        mla,
        sliding,
        ffn: a.ffn.map(|x| v.count(&f("ffn"), Some(x), 1, 1, 10_000_000)),
        vocab: a
            .vocab
            .map(|x| v.count(&f("vocab"), Some(x), 1, 1, 100_000_000)),
    };
    check_counts(v, &arch, &a, origin);
    Some(arch)
}

/// `[moe]`, checked against the layer count.
fn moe(v: &mut Validator, m: &RawMoe, layers: u32, f: &dyn Fn(&str) -> String) -> Moe {
    let experts = v.count(&f("moe.experts"), Some(m.experts), 1, 1, 100_000);
    Moe {
        experts,
        experts_per_token: v.count(
            &f("moe.experts_per_token"),
            Some(m.experts_per_token),
            1,
            1,
            i64::from(experts),
        ),
        shared_experts: v.count(
            &f("moe.shared_experts"),
            Some(m.shared_experts),
            0,
            0,
            1_000,
        ),
        expert_ffn: v.count(&f("moe.expert_ffn"), Some(m.expert_ffn), 1, 1, 10_000_000),
        moe_layers: v.count(
            &f("moe.moe_layers"),
            Some(m.moe_layers.unwrap_or(i64::from(layers))),
            layers,
            1,
            i64::from(layers),
        ),
    }
}

/// `attention` and `[mla]`: MLA's sizes, or `None` for GQA.
fn mla(
    v: &mut Validator,
    attention: Option<&str>,
    raw: Option<&RawMla>,
    f: &dyn Fn(&str) -> String,
) -> Option<Mla> {
    let attention = attention.unwrap_or("gqa").to_ascii_lowercase();
    match (attention.as_str(), raw) {
        ("mla", Some(m)) => Some(Mla {
            kv_lora_rank: v.count(
                &f("mla.kv_lora_rank"),
                Some(m.kv_lora_rank),
                1,
                1,
                1_000_000,
            ),
            qk_rope_head_dim: v.count(
                &f("mla.qk_rope_head_dim"),
                Some(m.qk_rope_head_dim),
                0,
                0,
                100_000,
            ),
            qk_nope_head_dim: v.count(
                &f("mla.qk_nope_head_dim"),
                Some(m.qk_nope_head_dim),
                1,
                1,
                100_000,
            ),
            v_head_dim: v.count(&f("mla.v_head_dim"), Some(m.v_head_dim), 1, 1, 100_000),
        }),
        ("mla", None) => {
            v.push(f("mla"), None, "attention = \"mla\" needs an [mla] table (kv_lora_rank, qk_rope_head_dim, qk_nope_head_dim, v_head_dim)");
            None
        }
        ("gqa" | "mha" | "mqa", None) => None,
        ("gqa" | "mha" | "mqa", Some(_)) => {
            v.push(f("mla"), None, "only applies with attention = \"mla\"");
            None
        }
        (other, _) => {
            v.push(
                f("attention"),
                None,
                format!("`{other}`: must be gqa or mla"),
            );
            None
        }
    }
}

/// `sliding_window` and `sliding_layers`: (window, windowed layers).
fn sliding(
    v: &mut Validator,
    window: Option<i64>,
    windowed: Option<i64>,
    layers: u32,
    f: &dyn Fn(&str) -> String,
) -> Option<(u32, u32)> {
    match (window, windowed) {
        (None, None) => None,
        (Some(w), n) => {
            let w = v.count(&f("sliding_window"), Some(w), 1, 1, 100_000_000);
            let n = v.count(&f("sliding_layers"), n, layers, 0, i64::from(layers));
            Some((w, n))
        }
        (None, Some(_)) => {
            v.push(
                f("sliding_layers"),
                None,
                "needs sliding_window (the tokens a windowed layer attends over)",
            );
            None
        }
    }
}

/// The parameter counts against each other and against the shape (an
/// error for a count the shape rules out, a warning for a likely slip).
fn check_counts(v: &mut Validator, arch: &Architecture, a: &RawArchitecture, origin: &str) {
    let params_billion = arch.params_billion;
    if !params_billion.is_finite() {
        return;
    }
    let f = |k: &str| format!("{origin}: {k}");
    if let Some(act) = arch.active_params_billion {
        if arch.moe.is_none() {
            v.push(
                f("active_params_billion"),
                None,
                "only applies to an MoE model (a [moe] table)",
            );
        } else if act > params_billion {
            v.push(
                f("active_params_billion"),
                None,
                format!("{act} billion active is more than the {params_billion} billion in all"),
            );
        }
    }
    let routed = arch.routed_expert_params() / 1e9;
    if routed > params_billion {
        v.push(
            f("params_billion"),
            None,
            format!(
                "{params_billion} billion is less than the routed experts alone ({routed:.1} billion = moe_layers × experts × 3 × hidden × expert_ffn): check the units"
            ),
        );
    }
    // The dense count against the shape, when the file gives it all.
    if let (Some(ffn), Some(vocab), None) = (a.ffn, a.vocab, &arch.moe) {
        let (l, d) = (f64::from(arch.layers), f64::from(arch.hidden));
        let q = f64::from(arch.heads * arch.head_dim);
        let kv = f64::from(arch.kv_heads * arch.head_dim);
        let est = l * (2.0 * d * q + 2.0 * d * kv + 3.0 * d * ffn as f64) + 2.0 * vocab as f64 * d;
        if (est / (params_billion * 1e9) - 1.0).abs() > 0.15 {
            v.warnings.push(format!(
                "{origin}: params_billion = {params_billion} but the shape gives {:.2} billion (layers × (attention + 3 × hidden × ffn) + 2 × vocab × hidden): check the units",
                est / 1e9
            ));
        }
    }
}
