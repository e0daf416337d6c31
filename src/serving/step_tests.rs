//! Hand-computed steps: prefix caching, MoE expert reads, DEP against TP.

use super::architecture::tests::gpt_oss_120b;
use super::tests::{h100, llama70b};
use super::*;

/// Llama 3 70B FP8 (bf16 cache) on 4 H100s at a batch of 64, 1,000 + 250
/// tokens, 60% of each prompt cached: the step's products carry
/// `64 (1 + 0.4 × 4)` tokens and the new prompts' attention covers
/// positions 600 … 1,000 only.
#[test]
fn a_cached_prefix_skips_its_prefill_and_its_attention() {
    let mut r = llama70b(h100(), 4);
    r.engine.max_batch = Some(64);
    let mix = Mix {
        cached_prompt_fraction: 0.6,
        ..Mix::new(1000.0, 250.0)
    };
    let p = r.operate(mix, LatencyTarget::default()).unwrap();
    assert_eq!(p.batch, 64);
    let e = &r.gpu.efficiency;
    let bw = 3.35e12 * e.bandwidth;
    let f8 = 1979e12 * e.compute;
    let f16 = 989e12 * e.compute;
    let n = 64.0 * (1.0 + 0.4 * 1000.0 / 250.0);
    let activations = n * 80.0 * (8192.0 + 28672.0) * 2.0 * e.activation_passes / 4.0 / bw;
    let products = activations + (70.6e9 / 4.0 / bw).max(2.0 * 70.6e9 * n / 4.0 / f8);
    let per_key = 4.0 * 64.0 * 128.0 * 80.0;
    let prompt_attn =
        64.0 / 250.0 * per_key * 0.5 * (1000.0f64.powi(2) - 600.0f64.powi(2)) / 4.0 / f16;
    let t = p.step_terms_ms;
    assert!(
        (t[0] - products * 1e3).abs() < 1e-9,
        "{} vs {}",
        t[0],
        products * 1e3
    );
    assert!(
        (t[2] - prompt_attn * 1e3).abs() < 1e-9,
        "{} vs {}",
        t[2],
        prompt_attn * 1e3
    );
    // The cache saves prefill, not memory: the same sequences fit.
    let plain = r
        .operate(Mix::new(1000.0, 250.0), LatencyTarget::default())
        .unwrap();
    assert_eq!(plain.kv_cache_tokens, p.kv_cache_tokens);
    assert!(p.output_tokens_per_s > plain.output_tokens_per_s);
}

fn gpt_oss_on(gpus: u32, parallel: Parallel) -> Replica {
    let mut gpu = h100();
    gpu.memory_gib = 180.0;
    Replica {
        gpu,
        architecture: gpt_oss_120b(),
        weights: Dtype::Mxfp4,
        dense_weights: Dtype::Mxfp4,
        kv_cache: Dtype::Fp8,
        gpus,
        parallel,
        engine: EngineLimits::default(),
    }
}

/// DEP keeps the dense part whole on every GPU and spreads the experts; TP
/// splits both. One decoding token reads the dense part and `k` of `E`
/// experts of each layer.
#[test]
fn expert_parallel_weights_and_what_one_token_reads() {
    let a = gpt_oss_120b();
    let bytes = Dtype::Mxfp4.bytes();
    let (dense, routed) = (a.dense_params() * bytes, a.routed_expert_params() * bytes);
    let dep = gpt_oss_on(4, Parallel::Dep);
    let tp = gpt_oss_on(4, Parallel::Tp);
    assert!((dep.weight_bytes_per_gpu() - (dense + routed / 4.0)).abs() < 1.0);
    assert!((tp.weight_bytes_per_gpu() - (dense + routed) / 4.0).abs() < 1.0);
    let mut one = gpt_oss_on(1, Parallel::Tp);
    one.engine.max_batch = Some(1);
    let p = one
        .operate(Mix::new(0.0, 100.0), LatencyTarget::default())
        .unwrap();
    assert_eq!(p.batch, 1);
    let bw = 3.35e12 * one.gpu.efficiency.bandwidth;
    // One token's activations: the hidden state and the 4 experts' intermediate a layer.
    let activations = 36.0 * (2880.0 + 4.0 * 2880.0) * 2.0 * one.gpu.efficiency.activation_passes;
    let read = (dense + routed * 4.0 / 128.0 + activations) / bw;
    assert!(
        (p.step_terms_ms[0] - read * 1e3).abs() < 1e-9,
        "{} vs {}",
        p.step_terms_ms[0],
        read * 1e3
    );
    assert!((p.experts_touched - 4.0 / 128.0).abs() < 1e-12);
}

/// A replica beyond its scale-up domain sends the traffic that leaves it at
/// the scale-out rate: slower than the same replica inside one domain.
#[test]
fn traffic_beyond_the_domain_is_slower() {
    let mut inside = gpt_oss_on(16, Parallel::Dep);
    inside.gpu.scale_up_gpus = 72;
    let mut split = inside.clone();
    split.gpu.scale_up_gpus = 8;
    let mix = Mix::new(1000.0, 1000.0);
    let a = inside.operate(mix, LatencyTarget::default()).unwrap();
    let b = split.operate(mix, LatencyTarget::default()).unwrap();
    assert!(
        b.step_terms_ms[3] > 2.0 * a.step_terms_ms[3],
        "{:?} {:?}",
        a.step_terms_ms,
        b.step_terms_ms
    );
    assert_eq!((a.scale_up_domains, b.scale_up_domains), (1, 2));
}

/// gpt-oss-120b's MXFP4 experts on an H100 (no FP4 math) run W4A16: at
/// `w4a16_compute` ½ their products, compute-bound at 8,192 tokens a step,
/// take twice as long, while its BF16 dense part, a Llama FP8 replica and
/// the same experts on a chip with FP4 math do not move.
#[test]
fn w4a16_products_run_at_their_fraction_of_the_16_bit_rate() {
    let mut full = gpt_oss_on(1, Parallel::Tp);
    full.dense_weights = Dtype::Bf16;
    full.gpu.efficiency.w4a16_compute = 1.0;
    let mut half = full.clone();
    half.gpu.efficiency.w4a16_compute = 0.5;
    assert!(full.has_w4a16_products());
    let e = &full.gpu.efficiency;
    let a = gpt_oss_120b();
    let tokens = 8192.0;
    let expert_math =
        2.0 * tokens * a.routed_active_params() / (989e12 * e.compute) / e.moe_compute;
    let expert_reads = a.routed_expert_params() * Dtype::Mxfp4.bytes() / (3.35e12 * e.bandwidth);
    assert!(expert_math > expert_reads, "{expert_math} {expert_reads}");
    let (f, h) = (full.products(tokens, 1.0), half.products(tokens, 1.0));
    assert_eq!(f.memory, h.memory);
    assert!(
        (h.math - f.math - expert_math).abs() < 1e-12,
        "{} − {} against {expert_math}",
        h.math,
        f.math
    );
    let mix = Mix::new(1024.0, 1024.0);
    let tput = |r: &Replica| {
        r.operate(mix, LatencyTarget::default())
            .unwrap()
            .output_tokens_per_s
    };
    assert!(tput(&half) < 0.8 * tput(&full));

    // A chip with FP4 math (a B200's datasheet) runs the same experts natively.
    let mut b200 = full.clone();
    b200.gpu.dense_tflops_4bit = Some(9000.0);
    b200.gpu.dense_tflops_8bit = 4500.0;
    b200.gpu.dense_tflops_16bit = 2250.0;
    let mut b200_half = b200.clone();
    b200_half.gpu.efficiency.w4a16_compute = 0.5;
    assert!(!b200.has_w4a16_products());
    assert_eq!(b200.products(tokens, 1.0), b200_half.products(tokens, 1.0));
    assert_eq!(tput(&b200), tput(&b200_half));
    // INT4 weight-only is W4A16 on every chip; FP8 and BF16 never.
    assert!(b200.gpu.dequantizes(Dtype::Int4));
    assert!(!full.gpu.dequantizes(Dtype::Fp8) && !full.gpu.dequantizes(Dtype::Bf16));

    let mut llama = llama70b(h100(), 4);
    llama.gpu.efficiency.w4a16_compute = 1.0;
    let mut llama_half = llama.clone();
    llama_half.gpu.efficiency.w4a16_compute = 0.5;
    assert_eq!(tput(&llama), tput(&llama_half));
}
