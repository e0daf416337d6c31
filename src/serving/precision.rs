//! Number formats of weights and KV cache: bytes per value (block scales
//! included) and the tensor-core rate the matrix products run at.

use serde::Serialize;

/// Number formats of weights and KV cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dtype {
    /// NVIDIA's 4-bit float: e2m1 values with one FP8 (e4m3) scale per 16
    /// (NVIDIA, "Introducing NVFP4", 2025): 4.5 bits a value.
    Nvfp4,
    /// OCP microscaling 4-bit float: e2m1 values with one 8-bit (e8m0)
    /// scale per 32 (OCP MX specification v1.0): 4.25 bits a value.
    Mxfp4,
    /// 8-bit float (e4m3 / e5m2); matrix products at FP8 rate.
    Fp8,
    /// 8-bit integer; matrix products at the 8-bit rate.
    Int8,
    /// 4-bit integer weights only (AWQ/GPTQ, group 128 with a 16-bit scale
    /// and zero point: 4.25 bits a value); products at the 16-bit rate.
    Int4,
    /// bfloat16.
    Bf16,
    /// float16.
    Fp16,
}

/// The tensor-core rate a matrix product runs at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MathRate {
    /// 4-bit float (FP4 / MXFP4) tensor cores.
    Bits4,
    /// 8-bit (FP8 / INT8) tensor cores.
    Bits8,
    /// 16-bit (BF16 / FP16) tensor cores.
    Bits16,
}

impl Dtype {
    /// Every name [`Dtype::parse`] accepts.
    pub const NAMES: &'static str = "fp4 (= nvfp4), nvfp4, mxfp4, fp8, int8, int4, bf16, fp16";

    /// From its name in a profile or on the command line.
    pub fn parse(s: &str) -> Option<Dtype> {
        Some(match s.to_ascii_lowercase().as_str() {
            "fp4" | "nvfp4" | "e2m1" => Dtype::Nvfp4,
            "mxfp4" => Dtype::Mxfp4,
            "fp8" | "e4m3" | "e5m2" => Dtype::Fp8,
            "int8" | "w8a8" => Dtype::Int8,
            "int4" | "awq" | "gptq" | "w4a16" => Dtype::Int4,
            "bf16" | "bfloat16" => Dtype::Bf16,
            "fp16" | "float16" => Dtype::Fp16,
            _ => return None,
        })
    }

    /// Its name in reports, upper case as model cards write it (`MXFP4`, `FP8`).
    pub fn label(self) -> &'static str {
        match self {
            Dtype::Nvfp4 => "NVFP4",
            Dtype::Mxfp4 => "MXFP4",
            Dtype::Fp8 => "FP8",
            Dtype::Int8 => "INT8",
            Dtype::Int4 => "INT4",
            Dtype::Bf16 => "BF16",
            Dtype::Fp16 => "FP16",
        }
    }

    /// Bytes per value, block scales included.
    pub fn bytes(self) -> f64 {
        match self {
            Dtype::Nvfp4 => 0.5 + 1.0 / 16.0,
            Dtype::Mxfp4 => 0.5 + 1.0 / 32.0,
            Dtype::Int4 => 0.5 + 4.0 / 128.0,
            Dtype::Fp8 | Dtype::Int8 => 1.0,
            Dtype::Bf16 | Dtype::Fp16 => 2.0,
        }
    }

    /// The rate products with weights of this format would like to run at
    /// (the chip may lack it: see [`crate::serving::Gpu::tflops`]).
    pub fn math(self) -> MathRate {
        match self {
            Dtype::Nvfp4 | Dtype::Mxfp4 => MathRate::Bits4,
            Dtype::Fp8 | Dtype::Int8 => MathRate::Bits8,
            Dtype::Int4 | Dtype::Bf16 | Dtype::Fp16 => MathRate::Bits16,
        }
    }

    /// Whether it is a 4-bit float (stored with block scales).
    pub fn is_fp4(self) -> bool {
        matches!(self, Dtype::Nvfp4 | Dtype::Mxfp4)
    }

    /// The format of the weights outside the routed experts when these are
    /// the experts' format: beside 4-bit MoE experts, FP8 for NVFP4
    /// (NVIDIA's NVFP4 MoE checkpoints, e.g. DeepSeek-R1-FP4, quantize the
    /// expert products and keep attention in FP8) and BF16 for MXFP4
    /// (gpt-oss's MXFP4 checkpoint keeps attention, router and embeddings
    /// in BF16); else the same format. ASSUMPTION for other checkpoints.
    pub fn default_dense(self, moe: bool) -> Dtype {
        match self {
            Dtype::Nvfp4 if moe => Dtype::Fp8,
            Dtype::Mxfp4 if moe => Dtype::Bf16,
            d => d,
        }
    }

    /// The KV-cache format a server uses by default with these weights on a
    /// chip with (or without) 8-bit math: FP8 beside 4-bit float weights
    /// (TensorRT-LLM's NVFP4 and MXFP4 checkpoints quantize the cache), else
    /// the 16-bit format: TensorRT-LLM's FP8 checkpoints keep a BF16 cache
    /// unless told (its published FP8 figures since release 0.19 fit with
    /// one; ASSUMPTION for other engines).
    pub fn default_kv_cache(self, chip_has_fp8: bool) -> Dtype {
        match self {
            Dtype::Nvfp4 | Dtype::Mxfp4 if chip_has_fp8 => Dtype::Fp8,
            Dtype::Fp16 => Dtype::Fp16,
            _ => Dtype::Bf16,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fp4_formats_carry_their_scales() {
        // 16 values share one byte of scale (NVFP4), 32 share one (MXFP4).
        assert_eq!(Dtype::Nvfp4.bytes() * 16.0, 9.0);
        assert_eq!(Dtype::Mxfp4.bytes() * 32.0, 17.0);
        assert_eq!(Dtype::parse("FP4"), Some(Dtype::Nvfp4));
        assert_eq!(Dtype::parse("MXFP4"), Some(Dtype::Mxfp4));
        assert_eq!(Dtype::parse("fp5"), None);
    }
}
