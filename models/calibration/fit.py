"""Fit the serving model's open efficiencies to published throughput.

The same step-time formula as src/serving.rs (module doc), in numpy,
fitted by least squares on log error to trtllm_v0.20_llama3.3-70b_fp8_h100.csv
(16 figures from NVIDIA's TensorRT-LLM 0.20 performance overview, copied from
shared/data/throughput/ with its citation). Bandwidth efficiency is held at
the measured H100 copy ceiling (0.89); compute, interconnect efficiency,
all-reduce latency and step overhead are fitted. The Rust test
serving::tests::calibration_rows checks the result.

    pip install numpy scipy && python3 models/calibration/fit.py
"""
import csv, os
import numpy as np
from scipy.optimize import least_squares

GIB = 2**30
L, D, H, KVH, HD, P = 80, 8192, 64, 8, 128, 70.6e9      # llama3-70b
MEM, BW, F, NV = 80 * GIB, 3.35e12, 1979e12, 450e9       # h100-sxm
MAX_BATCH, MAX_TOKENS, KV_FRACTION, RESERVE = 2048, 8192, 0.95, 4 * GIB
KV_BYTES = 2.0  # bf16 KV cache

here = os.path.dirname(os.path.abspath(__file__))
rows = [(int(r["tp"]), float(r["input_tokens"]), float(r["output_tokens"]), float(r["value"]))
        for r in csv.DictReader(open(os.path.join(here, "trtllm_v0.20_llama3.3-70b_fp8_h100.csv")))]


def throughput(g, i, o, e_bw, e_c, e_nv, ar_us, t0_ms):
    w = P * 1.0 / g
    kv_tok = 2 * L * max(KVH / g, 1) * HD * KV_BYTES
    kv_cap = KV_FRACTION * (MEM - w - RESERVE) / kv_tok
    b = np.floor(max(1.0, min(kv_cap / (i + o), MAX_BATCH, max(1.0, MAX_TOKENS / (1 + i / o)))))
    n = b * (1 + i / o)
    bw, f = BW * e_bw, F * e_c
    step = (t0_ms * 1e-3 + max(w / bw, 2 * P * n / g / f) + b * (i + o / 2) * kv_tok / bw
            + b * (i / o) * 2 * L * H * HD * i / g / f)
    if g > 1:
        step += 2 * L * (ar_us * 1e-6 + 2 * (g - 1) / g * n * D * 2 / (NV * e_nv))
    return b / step


def residuals(x):
    return [np.log(throughput(g, i, o, 0.89, *x) / v) for g, i, o, v in rows]


fit = least_squares(residuals, [0.5, 0.5, 10, 1], bounds=([0.05, 0.05, 0, 0], [1, 1, 100, 20]))
print("compute %.3f  interconnect %.3f  allreduce_latency_us %.2f  step_overhead_ms %.3f" % tuple(fit.x))
for (g, i, o, v), r in zip(rows, residuals(fit.x)):
    print(f"TP{g} {i:>5.0f}/{o:<5.0f} published {v:>9.0f}  model {v * np.exp(r):>9.0f}  {100 * (np.exp(r) - 1):+5.1f}%")
