//! The measured H100 decode table (`models/h100_decode_step.csv`: Llama-3-70B,
//! tensor-parallel over 4 H100s, by weight dtype, batch and context; measured
//! for this project 2026-11-28). It is an upper bound on serving throughput:
//! no all-reduce, prefill or scheduling time.

/// The table, compiled in.
pub const TABLE: &str = include_str!("../../models/h100_decode_step.csv");

/// Output tokens per second per GPU at (`dtype`, `batch`, `context`), or an
/// error listing the measured points of that dtype.
pub fn per_gpu_tok_s(dtype: &str, batch: i64, context: i64) -> Result<f64, DecodeError> {
    lookup(dtype, batch, context).map_err(DecodeError)
}

/// A point the decode table does not hold, with the points it does.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(String);

fn lookup(dtype: &str, batch: i64, context: i64) -> Result<f64, String> {
    let mut points = Vec::new();
    for line in TABLE.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() < 6 || f[0] != dtype {
            continue;
        }
        let (b, c) = (f[1].parse::<i64>(), f[2].parse::<i64>());
        if let (Ok(b), Ok(c)) = (b, c) {
            if b == batch && c == context {
                return f[5].parse().map_err(|_| {
                    format!("models/h100_decode_step.csv: bad per_gpu_tok_s `{}`", f[5])
                });
            }
            points.push(format!("{b}×{c}"));
        }
    }
    if points.is_empty() {
        return Err(format!(
            "weights_dtype `{dtype}` is not in the decode table (measured: bf16, fp8)"
        ));
    }
    Err(format!(
        "batch {batch} at {context}-token context is not measured for {dtype}; measured batch×context: {}",
        points.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_measured_points_and_lists_the_others() {
        assert_eq!(per_gpu_tok_s("fp8", 64, 2048).unwrap(), 1226.3);
        let v = per_gpu_tok_s("bf16", 32, 512).unwrap();
        assert_eq!(v, 529.8);
        let e = per_gpu_tok_s("fp8", 48, 2048).unwrap_err().to_string();
        assert!(e.contains("64×2048"), "{e}");
        assert!(
            per_gpu_tok_s("int4", 1, 512)
                .unwrap_err()
                .to_string()
                .contains("not in the decode table")
        );
    }
}
