//! A GPU from its datasheet, and what serving software achieves of it.

use serde::{Deserialize, Serialize};

use super::precision::{Dtype, MathRate};

/// A GPU, from its datasheet, and what serving software achieves of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gpu {
    /// Profile name (`hardware/<name>.toml`).
    pub name: String,
    /// The calibration family whose efficiencies it uses (`hopper`,
    /// `blackwell`, `blackwell-ultra`, `instinct`).
    pub family: String,
    /// Device memory, GiB.
    pub memory_gib: f64,
    /// HBM bandwidth, TB/s.
    pub hbm_tb_s: f64,
    /// Dense 4-bit float tensor TFLOP/s (`None`: the chip has no FP4 math).
    pub dense_tflops_4bit: Option<f64>,
    /// Dense (no sparsity) 8-bit tensor TFLOP/s.
    pub dense_tflops_8bit: f64,
    /// Dense 16-bit tensor TFLOP/s.
    pub dense_tflops_16bit: f64,
    /// Scale-up (NVLink / Infinity Fabric) bandwidth per GPU and direction, GB/s.
    pub interconnect_gb_s: f64,
    /// GPUs in one scale-up domain (8 in an HGX server, 72 in an NVL72 rack).
    pub scale_up_gpus: u32,
    /// Scale-out network bandwidth per GPU and direction, GB/s.
    pub scale_out_gb_s: f64,
    /// Board power, W (for reports; owned servers' power is priced per node).
    pub tdp_w: Option<f64>,
    /// Achieved fractions and overheads.
    pub efficiency: Efficiency,
}

/// What serving software achieves of a GPU's datasheet (a family's row of
/// `models/calibration/efficiency.toml`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Efficiency {
    /// Fraction of HBM bandwidth reached by weight and KV-cache reads.
    pub bandwidth: f64,
    /// Fraction of dense tensor FLOP/s reached by matrix products.
    pub compute: f64,
    /// Fraction of interconnect bandwidth reached by all-reduces and all-to-alls.
    pub interconnect: f64,
    /// Fixed time of one collective (all-reduce, all-to-all), microseconds.
    pub allreduce_latency_us: f64,
    /// Fixed time of one step (scheduling, sampling, launches), milliseconds.
    pub step_overhead_ms: f64,
    /// Fraction of `compute` that grouped expert products reach (small
    /// per-expert matrices, routing, imbalance between experts).
    pub moe_compute: f64,
    /// Host time per running sequence and step (scheduling, sampling,
    /// detokenizing), microseconds: a step of `B` sequences on one
    /// scheduler takes `B` times this on top of `step_overhead_ms`.
    #[serde(default)]
    pub sequence_overhead_us: f64,
    /// Times the activations of a token ([`crate::serving::Architecture::activation_values_per_token`],
    /// 2 bytes each) cross HBM in a step: the element-wise work between
    /// the products, which grows with the tokens of a step and is nothing
    /// at a batch of one.
    #[serde(default)]
    pub activation_passes: f64,
    /// Fixed time of one all-to-all (an expert-parallel dispatch or
    /// combine: many small messages, slower to start than an all-reduce),
    /// microseconds.
    #[serde(default)]
    pub all_to_all_latency_us: f64,
    /// Fraction of the achieved 16-bit rate (`compute` of the datasheet's,
    /// and `moe_compute` of that for grouped experts) that products of
    /// 4-bit weights reach on a chip without math for their format
    /// ([`Gpu::dequantizes`], W4A16): the kernels dequantize the weights
    /// to 16 bits in the product's main loop and run smaller tiles than a
    /// native product (TensorRT-LLM's and vLLM's MXFP4 MoE kernels on
    /// Hopper, Marlin's INT4 ones). 1 (no slowdown) for a family without
    /// such figures to fit it on. ASSUMPTION: one fraction for every W4A16
    /// product, grouped expert or dense, MXFP4 or INT4; it is fitted on
    /// gpt-oss's MXFP4 experts on H100 and H200.
    #[serde(default = "one")]
    pub w4a16_compute: f64,
}

fn one() -> f64 {
    1.0
}

impl Gpu {
    /// Peak dense TFLOP/s for products that would like `rate`: a chip
    /// without FP4 math runs 4-bit weights dequantized to 16-bit products
    /// (W4A16: TensorRT-LLM's and vLLM's MXFP4 path on Hopper, Marlin
    /// kernels; the same as INT4 weight-only).
    pub fn tflops(&self, rate: MathRate) -> f64 {
        match rate {
            MathRate::Bits4 => self.dense_tflops_4bit.unwrap_or(self.dense_tflops_16bit),
            MathRate::Bits8 => self.dense_tflops_8bit,
            MathRate::Bits16 => self.dense_tflops_16bit,
        }
    }

    /// Whether products with weights of format `d` run as W4A16: 4-bit
    /// weights dequantized to 16-bit products because the chip has no math
    /// for their format (FP4 on H100, H200, MI300X, MI325X; INT4
    /// weight-only on every chip).
    pub fn dequantizes(&self, d: Dtype) -> bool {
        match d {
            Dtype::Nvfp4 | Dtype::Mxfp4 => !self.has_fp4(),
            Dtype::Int4 => true,
            Dtype::Fp8 | Dtype::Int8 | Dtype::Bf16 | Dtype::Fp16 => false,
        }
    }

    /// Whether the chip has FP4 tensor cores.
    pub fn has_fp4(&self) -> bool {
        self.dense_tflops_4bit.is_some()
    }
}
