"""Derive pages.csv: TensorRT-LLM performance-overview figures (releases 0.17 to 1.2),
transcribed below as facts with their pages (SRC), in the columns of rows.csv.

    python3 models/calibration/derive_pages.py > models/calibration/pages.csv

Rows that rows.csv already holds are left out (their values are checked equal). Half
the rows, alternating in page order, are fitted (fit = yes); the other half are held
out (fit = holdout) so that `capsim calibrate` reports an error on figures the
efficiencies were not fitted on. KV cache: FP8 for FP4 checkpoints and on the v0.17 page
(its FP8 quantization sets an FP8 cache); BF16 for the FP8 checkpoints of later releases
(no page says; they fit the figures better with it, as the 16 rows of rows.csv do),
for BF16 weights, and for gpt-oss on Hopper ('auto'); FP8 where a page's config says.
"""
import csv, sys
GH = "https://github.com/{repo}/blob/{commit}/{path}"
SRC = {
 "v0.17": ("TensorRT-LLM v0.17 perf-overview (commit 258c754)", "NVIDIA/TensorRT-LLM@258c7540c03517def55d9a5aadfa9288af474e1b docs/source/performance/perf-overview.md; " + GH.format(repo="NVIDIA/TensorRT-LLM", commit="258c7540c03517def55d9a5aadfa9288af474e1b", path="docs/source/performance/perf-overview.md") + "; engine flow, --quantization FP8 sets FP8 KV cache (page)"),
 "v0.19": ("TensorRT-LLM v0.19 perf-overview (index file id 2997649200)", "NVIDIA/TensorRT-LLM docs/source/performance/perf-overview.md, v0.19 version read from the stored index by file id 2997649200 (commit not returned); H100 405B 1000/2000 = 3253.17 matches rows.csv v0.19"),
 "v0.20": ("TensorRT-LLM v0.20 perf-overview (fork commit ab4143e)", "dominicshanshan/TensorRT-LLM@ab4143e1d3c82df550f0d5673090a8feee84c7bd docs/source/performance/perf-overview.md (same tables as NVIDIA version, index id 8901493438); " + GH.format(repo="dominicshanshan/TensorRT-LLM", commit="ab4143e1d3c82df550f0d5673090a8feee84c7bd", path="docs/source/performance/perf-overview.md")),
 "v0.21": ("TensorRT-LLM v0.21 perf-overview (commit f6a35f3)", "NVIDIA/TensorRT-LLM@f6a35f3a88cf27041d8c0fc7f56e83827459344a docs/source/legacy/performance/perf-overview.md; " + GH.format(repo="NVIDIA/TensorRT-LLM", commit="f6a35f3a88cf27041d8c0fc7f56e83827459344a", path="docs/source/legacy/performance/perf-overview.md")),
 "v1.0": ("TensorRT-LLM v1.0 perf-overview (commit 00f3768)", "NVIDIA/TensorRT-LLM@00f37686aa854010d68bcbd0f4ab000221541ca6 docs/source/performance/perf-overview.md; " + GH.format(repo="NVIDIA/TensorRT-LLM", commit="00f37686aa854010d68bcbd0f4ab000221541ca6", path="docs/source/performance/perf-overview.md")),
 "v1.0d": ("TensorRT-LLM v1.0 perf-overview (index file id 1183216079)", "NVIDIA/TensorRT-LLM perf-overview.md, v1.0-era version read from the stored index by file id 1183216079 (commit not returned); its other tables equal commit 00f37686; DeepSeek R1 table only here"),
 "v1.1": ("TensorRT-LLM v1.1 perf-overview (commit 03e27c7)", "NVIDIA/TensorRT-LLM@03e27c7d5ff0c6e89f8328838c0a8e64f1b34f9d docs/source/developer-guide/perf-overview.md (same tables at 585c7565); " + GH.format(repo="NVIDIA/TensorRT-LLM", commit="03e27c7d5ff0c6e89f8328838c0a8e64f1b34f9d", path="docs/source/developer-guide/perf-overview.md")),
 "v1.2": ("TensorRT-LLM v1.2 perf-overview (index file id 53206213621)", "NVIDIA/TensorRT-LLM developer-guide perf-overview.md, release/1.2 version read from the stored index by file id 53206213621 (commit not returned); B200 Qwen3-235B DEP4 1024/8192 3881/GPU matches rows.csv v1.2"),
}
G = {"H100":"h100-sxm","H200":"h200-sxm","B200":"b200","GB200":"gb200","B300":"b300","GB300":"gb300"}
rows = []
def table(rel, model, cols, text, per_gpu=False, extra=""):
    # cols: list of "GPU:par:n:prec"
    specs = []
    for c in cols:
        g, par, n, prec = c.split(":")
        specs.append((G[g], par, int(n), prec))
    for line in text.strip().splitlines():
        f = line.split()
        isl, osl, vals = int(f[0]), int(f[1]), f[2:]
        assert len(vals) == len(specs), (rel, model, line)
        for (gpu, par, n, prec), v in zip(specs, vals):
            if v == "-": continue
            # Attention data parallel with the experts spread is what capsim calls dep.
            if "enable_attention_dp" in extra: par = "dep"
            v = float(v.replace(",", ""))
            hopper = gpu in ("h100-sxm", "h200-sxm")
            if prec == "FP4":
                w = "mxfp4" if model.startswith("gpt-oss") else "nvfp4"; kv = "fp8"
            elif prec == "FP16":
                w = "bf16"; kv = "bf16"
            else:
                w = "fp8"; kv = "fp8" if rel == "v0.17" else "bf16"
            notes = ["max load"]
            if rel == "v0.17": kv = "fp8"
            if model == "deepseek-r1" and rel in ("v1.1", "v1.2"): kv = "fp8"; 
            if model.startswith("gpt-oss"):
                if prec == "FP8":
                    w = "mxfp4"; kv = "bf16"
                    notes.append("page labels this Hopper column FP8; gpt-oss checkpoint is MXFP4 (TRITON MoE backend), taken as mxfp4 weights; KV 'auto' on Hopper")
            if model == "deepseek-r1" and rel in ("v1.1","v1.2"):
                notes.append("page config sets kv_cache dtype fp8")
            total = v * n if per_gpu else v
            if per_gpu and n > 1:
                notes.append(f"page gives {v:g} tokens/s/GPU; x{n} GPUs")
            elif per_gpu:
                notes.append("page gives tokens/s/GPU; 1 GPU")
            if extra: notes.append(extra)
            if gpu in ("b300","gb300"): notes.append("B300/GB300 marked beta on the page")
            notes.append(SRC[rel][1])
            rows.append(dict(rel=rel, source=SRC[rel][0], gpu=gpu, model=model, weights=w, kv_cache=kv,
                             system_gpus=n, replica_gpus=n, parallel=par, input_tokens=isl, output_tokens=osl,
                             tpot_ms="", ttft_ms="", output_tokens_per_s=round(total, 2), note="; ".join(notes), fit="no"))
# ---------------- v0.17 (total output tokens/s; H200, H100 columns) -------------
HH = lambda n: [f"H200:tp:{n}:FP8", f"H100:tp:{n}:FP8"]
table("v0.17","llama3-8b",HH(1),"""
128 128 29526.04 28836.77
128 2048 25398.86 21109.38
128 4096 17370.8 13593.65
500 2000 21020.81 16500.69
1000 1000 17537.96 15244.78
2048 128 3794.14 3556.73
2048 2048 11968.5 9488.42
5000 500 3987.79 3559.36
20000 2000 1804.1 1401.31""", extra="Llama 3.1 8B")
X70="Llama 3.1 70B"
table("v0.17","llama3-70b",HH(1),"""
128 128 4020.75 3378.03
128 2048 4165.68 911.62
128 4096 2651.75 426.32
500 2000 3018.39 775.57
1000 1000 2823.45 839.97
2048 128 465.99 343.29
2048 2048 1913.8 -
5000 500 560.16 245.34
20000 2000 279.52 -""", extra=X70)
table("v0.17","llama3-70b",HH(2),"""
128 128 6823.01 6645.12
128 2048 8290.35 6169.58
128 4096 6526.67 3897.06
500 2000 6848.02 4972.57
1000 1000 5164.76 4390.53
2048 128 809 772.66
2048 2048 4183.88 2898.16
5000 500 1025.38 919.73
20000 2000 640.62 443.01""", extra=X70)
table("v0.17","llama3-70b",HH(4),"""
128 128 11098.63 11127.53
128 2048 14156 11511.93
128 4096 10574.06 7439.41
500 2000 12452.79 9836.7
1000 1000 8911.29 7430.99
2048 128 1358.06 1302.6
2048 2048 7130.44 5480.03
5000 500 1811.55 1602.78
20000 2000 1199.68 920.19""", extra=X70)
table("v0.17","llama3-70b",HH(8),"""
128 128 15355.84 14730.69
128 2048 21195.88 17061.82
128 4096 16941.52 14171.43
500 2000 17278.4 14679.33
1000 1000 13181.24 11451.16
2048 128 1983.03 1923.41
2048 2048 11142.47 8801.95
5000 500 2717.83 2457.42
20000 2000 1920.45 1512.6""", extra=X70)
table("v0.17","llama3.1-405b",["H200:tp:8:FP8"],"""
128 128 3874.19
128 2048 5938.09
128 4096 5168.37
500 2000 5084.29
1000 1000 3399.69
2048 128 463.42
2048 2048 2940.62
5000 500 669.13
20000 2000 535.31""")
table("v0.17","mixtral-8x7b",HH(1),"""
128 128 17157.72 15962.49
128 2048 15095.21 8290.13
128 4096 9534.62 4784.86
500 2000 12105.27 6800.6
1000 1000 10371.36 6868.52
2048 128 2009.67 1892.81
2048 2048 6940.32 3983.1
5000 500 2309.1 1764.7
20000 2000 1151.78 673.7""")
table("v0.17","mixtral-8x7b",HH(2),"""
128 128 27825.34 27451.13
128 2048 29584.05 22830.08
128 4096 21564.68 14237.01
500 2000 23410.63 17036.04
1000 1000 19151.19 15770.89
2048 128 3383.16 3333.68
2048 2048 14007.29 10685.85
5000 500 4223.68 3646.09
20000 2000 2299.21 1757.45""")
table("v0.17","mixtral-8x7b",HH(4),"""
128 128 42551.59 41068.23
128 2048 52291.78 41164.73
128 4096 39513.73 27912.48
500 2000 43818.99 34489.34
1000 1000 33580.9 27784.74
2048 128 5467.62 5234.98
2048 2048 24980.93 19432.08
5000 500 7084.94 6401.56
20000 2000 4236.84 3303.83""")
table("v0.17","mixtral-8x7b",HH(8),"""
128 128 53212.55 50849.55
128 2048 68608.45 61607.7
128 4096 54827.78 48280.37
500 2000 58706.39 52583.65
1000 1000 44705.48 40631.71
2048 128 7554.38 6988.18
2048 2048 36193.64 30983.35
5000 500 10271.8 9210.11
20000 2000 6835.53 5602.43""")
table("v0.17","mixtral-8x22b",HH(8),"""
128 128 22948.57 21876.08
128 2048 32415.81 25150.03
128 4096 25753.14 18387.4
500 2000 27429.6 21421.86
1000 1000 19712.35 16573.24
2048 128 2899.84 2794.97
2048 2048 15798.59 12244.93
5000 500 4031.79 3645.27
20000 2000 2815.76 2227.63""")

# ---------------- v0.19 -------------
table("v0.19","llama3-70b",["B200:tp:1:FP4","B200:tp:2:FP4","B200:tp:4:FP4","B200:tp:8:FP4"],"""
128 128 11253.28 17867.66 24944.50 27471.49
128 2048 9925.00 15459.71 23608.58 30742.86
128 4096 6318.92 8711.88 17659.74 24947.05
500 2000 7559.88 10602.27 20910.23 28182.34
1000 1000 6866.96 10838.01 16567.86 19991.64
1000 2000 6736.88 9132.08 15737.02 20518.04
1024 2048 6580.56 8767.45 15722.55 20437.96
2048 128 1375.49 1610.69 2707.58 3717.82
2048 2048 4544.73 6956.14 12292.23 15661.22
5000 500 1488.19 2379.73 3588.45 4810.21
20000 2000 580.96 1043.58 1957.84 3167.30""", extra="Llama 3.3 70B FP4")
table("v0.19","llama3.1-405b",["B200:tp:8:FP4"],"""
128 128 9184.83
128 2048 10387.23
128 4096 8741.80
500 2000 9242.34
1000 1000 7565.50
1000 2000 7696.76
1024 2048 7568.93
2048 128 953.57
2048 2048 6092.32
5000 500 1332.22
20000 2000 961.58""")
table("v0.19","llama3-8b",HH(1),"""
128 128 28447.38 27568.68
128 2048 23294.74 22003.62
128 4096 17481.48 13640.35
500 2000 21462.57 17794.39
1000 1000 17590.60 15270.02
1000 2000 17139.51 13850.22
1024 2048 16970.63 13374.15
2048 128 3531.33 3495.05
2048 2048 12022.38 9653.67
5000 500 3851.65 3371.16
20000 2000 1706.06 1340.92""")
table("v0.19","llama3-70b",["H200:tp:1:FP8","H200:tp:2:FP8","H200:tp:4:FP8","H200:tp:8:FP8","H100:tp:1:FP8","H100:tp:2:FP8","H100:tp:4:FP8","H100:tp:8:FP8"],"""
128 128 3657.58 6477.50 10466.04 15554.57 3191.27 6183.41 10260.68 14686.01
128 2048 4351.07 8450.31 13438.71 20750.58 745.19 5822.02 11442.01 17463.99
128 4096 2696.61 5598.92 11524.93 16634.90 - 3714.87 8209.91 12598.55
500 2000 3475.58 6712.35 12332.32 17311.28 - 4704.31 10278.02 14630.41
1000 1000 2727.42 5097.36 8698.15 12794.92 734.67 4191.26 7427.35 11082.48
1000 2000 2913.54 5841.15 9016.49 13174.68 526.31 3920.44 7590.35 11108.11
1024 2048 2893.02 5565.28 9017.72 13117.34 525.43 3896.14 7557.32 11028.32
2048 128 433.30 772.97 1278.26 1947.33 315.90 747.51 1240.12 1840.12
2048 2048 1990.25 3822.83 7068.68 10529.06 357.98 2732.86 5640.31 8772.88
5000 500 543.88 1005.81 1714.77 2683.22 203.27 866.77 1571.92 2399.78
20000 2000 276.99 618.01 1175.35 2021.08 - 408.43 910.77 1568.84""", extra="Llama 3.1 70B FP8")
table("v0.19","llama3.1-405b",HH(8),"""
128 128 3800.11 3732.40
128 2048 5661.13 4572.23
128 4096 5167.18 2911.42
500 2000 4854.29 3661.85
1000 1000 3332.15 2963.36
1000 2000 3682.15 3253.17
1024 2048 3685.56 3089.16
2048 128 453.42 448.89
2048 2048 3055.73 2139.94
5000 500 656.11 579.14
20000 2000 514.02 370.26""")
# ---------------- v0.20 -------------
table("v0.20","llama3-70b",["B200:tp:1:FP4","B200:tp:2:FP4","B200:tp:4:FP4","B200:tp:8:FP4"],"""
128 128 10994.48 17542.11 24667.31 27272.27
128 2048 9580.46 15432.35 23568.12 31174.31
128 4096 6418.39 9841.53 17808.76 25229.25
500 2000 7343.32 11850.57 20709.67 28038.78
1000 1000 6752.53 10815.88 16413.04 20060.66
1000 2000 6670.07 9830.73 15597.49 20672.37
1024 2048 6636.75 9807.13 15519.23 20617.28
2048 128 1342.17 1989.41 3033.14 4035.64
5000 500 1429.67 2419.67 3686.84 5182.96
20000 2000 629.77 1177.01 2120.66 3429.03""", extra="Llama 3.3 70B FP4")
table("v0.20","llama3.1-405b",["B200:tp:4:FP4","B200:tp:8:FP4"],"""
128 128 6163.81 9002.90
128 2048 7081.21 10288.28
128 4096 6028.37 8713.77
500 2000 5858.75 9125.86
1000 1000 4848.00 7582.97
1000 2000 5375.25 7626.28
1024 2048 5345.70 7464.03
2048 128 693.55 1086.56
5000 500 947.49 1532.45
20000 2000 641.11 1097.84""")
table("v0.20","llama3-8b",HH(1),"""
128 128 27970.14 27688.36
128 2048 23326.38 21841.15
128 4096 17508.51 13730.89
500 2000 21390.41 17833.34
1000 1000 17366.89 15270.62
1000 2000 16831.31 13798.08
1024 2048 16737.03 13385.50
2048 128 3488.03 3414.67
5000 500 3813.69 3394.54
20000 2000 1696.66 1345.42""")
table("v0.20","llama3-70b",["H200:tp:1:FP8","H200:tp:2:FP8","H200:tp:4:FP8","H200:tp:8:FP8","H100:tp:1:FP8","H100:tp:2:FP8","H100:tp:4:FP8","H100:tp:8:FP8"],"""
128 128 3605.47 6427.69 10407.42 15434.37 3128.33 6216.91 - -
128 2048 4315.80 8464.03 13508.59 20759.72 756.42 5782.57 11464.94 17424.32
128 4096 2701.17 5573.55 11458.56 16668.75 - 3868.37 8206.39 12624.61
500 2000 3478.76 6740.06 12200.18 - - 4684.06 9903.53 14553.93
1000 1000 2744.32 5119.72 8685.44 12744.51 742.14 4247.19 7435.65 11018.81
1000 2000 2896.44 5847.26 9031.21 13141.17 533.74 3866.53 7611.12 11139.22
1024 2048 2874.18 5568.61 8946.71 13082.62 530.16 3796.68 7575.24 11004.31
2048 128 435.90 772.67 1264.76 - - 736.89 1213.33 1839.22
2048 2048 - - - 10412.85 - - - -
5000 500 545.96 997.15 1698.22 2655.28 204.94 862.91 1552.68 2369.84
20000 2000 276.66 620.33 1161.29 1985.85 - 416.13 903.66 1554.10""", extra="Llama 3.3 70B FP8")
table("v0.20","llama3.1-405b",HH(8),"""
128 2048 5567.87 -
128 4096 5136.85 -
500 2000 4787.61 3673.91
1000 1000 3286.30 3012.22
1000 2000 3636.76 3262.20
1024 2048 3618.66 3109.70
2048 128 443.10 449.02
5000 500 645.46 -
20000 2000 - 372.12""")
table("v0.20","llama4-maverick",HH(8),"""
128 2048 27543.87 -
128 4096 18541.01 11163.12
500 2000 21117.34 -
1000 2000 - 10556.00
1024 2048 16859.45 11584.33
2048 128 4364.06 3832.38
2048 2048 12800.89 -
5000 500 5128.60 -
20000 2000 1764.27 1400.79""", extra="page gives TP Size 8")

# ---------------- v0.21 -------------
table("v0.21","llama3-70b",["B200:tp:1:FP4","GB200:tp:1:FP4"],"""
128 128 10613.84 11100.97
128 2048 9445.51 10276.05
128 4096 6276.85 7351.12
500 2000 6983.27 8194.30
1000 1000 6434.29 7401.80
1000 2000 6725.03 6478.72
1024 2048 6546.61 7922.88
2048 128 1330.35 1418.47
2048 2048 4528.48 5326.77
5000 500 1427.44 1502.44
20000 2000 636.36 732.43""", extra="Llama 3.3 70B FP4")
table("v0.21","llama3.1-405b",["B200:tp:4:FP4","GB200:tp:4:FP4"],"""
128 128 6218.89 6598.97
128 2048 7178.10 7497.40
128 4096 5890.89 5898.19
500 2000 5844.37 6198.33
1000 1000 4958.53 5243.35
1000 2000 4874.16 4905.51
1024 2048 4833.19 4686.38
2048 128 737.95 761.58
2048 2048 4024.02 4326.56
5000 500 1032.40 1078.87
20000 2000 667.39 649.95""")
table("v0.21","llama3-8b",["H100:tp:1:FP8","H200:tp:1:FP8"],"""
128 128 26401.48 27027.80
128 2048 21413.21 23102.25
128 4096 13541.54 17396.83
500 2000 17571.01 19759.16
1000 1000 14991.62 17162.49
1000 2000 13505.23 16227.11
1024 2048 13165.91 16057.66
2048 128 3275.55 3390.69
2048 2048 9462.43 11822.14
5000 500 3276.47 3758.08
20000 2000 1340.69 1705.68""")
table("v0.21","llama3-70b",["H100:tp:2:FP8","H200:tp:2:FP8"],"""
128 128 6092.28 6327.98
128 2048 5892.94 7467.36
128 4096 3828.46 5526.42
500 2000 4654.74 6639.15
1000 1000 4181.06 4773.33
1000 2000 3708.93 5790.36
1024 2048 3785.04 5480.44
2048 128 723.40 747.55
2048 2048 2785.53 3775.80
5000 500 865.55 978.28
20000 2000 411.85 609.42""", extra="Llama 3.3 70B FP8")
table("v0.21","llama3.1-405b",["H100:tp:8:FP8","H200:tp:8:FP8"],"""
128 128 - 3705.18
128 2048 4517.39 4715.13
128 4096 2910.31 4475.91
500 2000 3664.62 4804.10
1000 1000 2955.50 3208.25
1000 2000 2884.69 3630.29
1024 2048 3237.41 3609.50
2048 128 433.47 441.35
2048 2048 2216.55 2840.86
5000 500 579.05 645.26
20000 2000 363.27 509.87""")
# ---------------- v1.0 (total output) -------------
table("v1.0","llama4-scout",["B200:tp:1:FP4","GB200:tp:1:FP4","H200:tp:4:FP8","H100:tp:4:FP8"],"""
128 128 25342 19954 30354 -
128 2048 14699 15238 34316 15130
128 4096 8932 9556 21332 8603
500 2000 11977 11795 24630 12399
1000 1000 10591 7738 21636 12129
1000 2000 9356 8581 18499 9838
2048 128 3137 3295 3699 3253
2048 2048 7152 7464 14949 7972
5000 500 2937 3107 4605 3342
20000 2000 1644 1767 2105 -""", extra="Llama 4 Scout; no Scout checkpoint listed in the page's model lists")
table("v1.0","llama3-70b",["B200:tp:1:FP4","GB200:tp:1:FP4","H200:tp:1:FP8","H100:tp:2:FP8"],"""
128 128 11147 12189 3803 6378
128 2048 9922 11309 4336 6651
128 4096 6831 7849 2872 4199
500 2000 7762 9028 3666 5222
1000 1000 7007 7326 2909 4205
1000 2000 6271 6513 2994 4146
2048 128 1339 1450 442 762
2048 2048 4783 5646 2003 3082
5000 500 1459 1602 566 898
20000 2000 665 755 283 437""", extra="Llama 3.3 70B")
MOE10 = "page says TP8 but its MoE llm_options set enable_attention_dp: true: taken as attention-DP + EP (dep)"
table("v1.0","qwen3-235b-a22b",["B200:tp:8:FP4","H200:tp:8:FP8","H100:tp:8:FP8"],"""
128 128 63362 30429 -
128 2048 66057 42821 19658
128 4096 39496 26852 12447
500 2000 57117 28026 18351
1000 1000 42391 23789 14898
1000 2000 34105 22061 15136
2048 128 7329 3331 -
2048 2048 26854 16672 9924
5000 500 8190 3623 3225
20000 2000 4453 1876 -""", extra=MOE10)
table("v1.0","qwen3-30b-a3b",["B200:tp:1:FP4","GB200:tp:1:FP4"],"""
128 128 39827 24107
128 2048 37844 31311
128 4096 24953 26337
500 2000 27817 20604
1000 1000 25828 17481
1000 2000 22051 17177
2048 128 6251 6595
2048 2048 17554 14719
5000 500 6142 5908
20000 2000 2944 3203""")
table("v1.0","llama4-maverick",["B200:tp:8:FP4","H200:tp:8:FP8","H100:tp:8:FP8"],"""
128 128 124323 63994 -
128 2048 112676 40572 10829
128 4096 68170 24616 6744
500 2000 - 37835 10108
1000 1000 79617 31782 9677
1000 2000 63766 34734 9151
2048 128 18088 7307 -
2048 2048 52195 20957 6916
5000 500 - 8456 3457
20000 2000 12678 4106 -""", extra=MOE10 + "; no Maverick FP4 checkpoint listed in the page's model lists")
table("v1.0","llama3.1-405b",["B200:tp:4:FP4","GB200:tp:4:FP4","H200:tp:8:FP8","H100:tp:8:FP8"],"""
128 128 6281 6740 3814 3627
128 2048 8020 8151 5348 4340
128 4096 6345 6608 4741 3116
500 2000 6244 6540 4724 3994
1000 1000 5209 5389 3330 2919
1000 2000 4933 5135 3722 2895
2048 128 749 797 456 453
2048 2048 4212 4407 2948 2296
5000 500 1048 1112 650 610
20000 2000 672 739 505 345""")
table("v1.0","llama3-8b",["H200:tp:1:FP8","H100:tp:1:FP8"],"""
128 128 27911 28312
128 2048 26221 22714
128 4096 18027 14325
500 2000 20770 17660
1000 1000 17744 15220
1000 2000 16828 13899
2048 128 3538 3450
2048 2048 12194 9305
5000 500 3902 3459
20000 2000 1804 1351""")
table("v1.0d","deepseek-r1",["B200:tp:8:FP4"],"""
128 2048 62599
128 4096 44046
1000 1000 37634
1000 2000 40538
2048 128 5026
2048 2048 28852""", extra="DeepSeek-R1-0528 FP4; " + MOE10)

# ---------------- v1.1 (per GPU) -------------
table("v1.1","deepseek-r1",["B200:dep:4:FP4","GB200:dep:4:FP4","H200:dep:8:FP8"],"""
1000 1000 6463 6939 1627
1024 1024 6430 6924 1620
1024 8192 3862 4379 1218
1024 32768 1451 1465 438
8192 1024 1168 1192 -""", per_gpu=True, extra="DeepSeek-R1-0528")
table("v1.1","gpt-oss-120b",["B200:dep:2:FP4","GB200:tp:1:FP4","H200:tp:1:FP8","H100:dep:4:FP8"],"""
1000 1000 25943 27198 6868 4685
1024 1024 25870 26609 6798 4715
1024 8192 17289 14800 3543 -
1024 32768 6279 5556 - 1177
8192 1024 6111 6835 1828 1169
32768 1024 1392 1645 519 333""", per_gpu=True)
table("v1.1","gpt-oss-20b",["B200:tp:1:FP4","GB200:tp:1:FP4","H200:tp:1:FP8","H100:tp:1:FP8"],"""
1000 1000 53812 55823 13858 11557
1024 1024 53491 56528 13890 11403
1024 8192 34702 38100 12743 8617
1024 32768 14589 16463 - -
8192 1024 11904 12941 4015 3366
32768 1024 2645 2905 915 785""", per_gpu=True)
table("v1.1","llama3-70b",["B200:tp:1:FP4","GB200:tp:1:FP4","H200:tp:2:FP8","H100:tp:2:FP8"],"""
1000 1000 6920 7769 2587 2209
1024 1024 6842 7751 2582 -
1024 8192 3242 3805 2009 -
8192 1024 1362 1491 537 398
32768 1024 274 302 120 -""", per_gpu=True, extra="Llama 3.3 70B")
table("v1.1","llama4-maverick",["B200:dep:4:FP4","GB200:dep:4:FP4","H200:dep:8:FP8"],"""
1000 1000 11337 11828 4146
1024 1024 11227 11905 4180
1024 8192 5174 5508 1157
1024 32768 2204 2300 679
8192 1024 3279 3444 1276
32768 1024 859 963 -""", per_gpu=True)
table("v1.1","qwen3-235b-a22b",["B200:dep:4:FP4","GB200:dep:4:FP4","H200:dep:4:FP8","H100:dep:8:FP8"],"""
1000 1000 5764 6172 3288 1932
1024 1024 5756 5862 3268 1935
1024 8192 3389 3423 1417 873
1024 32768 1255 - - -
8192 1024 1410 1464 627 -
32768 1024 319 333 134 -""", per_gpu=True)
table("v1.1","qwen3-30b-a3b",["B200:tp:1:FP4","GB200:tp:1:FP4"],"""
1000 1000 26971 22856
1024 1024 26611 22201
1024 8192 13497 14272
1024 32768 4494 4925
8192 1024 5735 6201
32768 1024 1265 1380""", per_gpu=True)

# ---------------- v1.2 (per GPU) -------------
table("v1.2","deepseek-r1",["B200:dep:4:FP4","B300:dep:4:FP4","GB200:dep:4:FP4","GB300:dep:4:FP4","H200:dep:8:FP8"],"""
1024 1024 5757 6046 4989 4981 1724
1024 8192 4228 6235 4474 6842 1335
1024 32768 1472 2177 1582 2904 -
8192 1024 1176 1489 1276 1599 -
32768 1024 - - - 335 -""", per_gpu=True, extra="DeepSeek-R1-0528")
table("v1.2","gpt-oss-120b",["B200:dep:2:FP4","B300:tp:1:FP4","GB200:tp:1:FP4","GB300:tp:1:FP4","H200:dep:2:FP8"],"""
1024 1024 29061 34737 29056 38702 6391
1024 8192 16434 18338 17079 19866 4260
1024 32768 7020 7284 6313 7958 -
8192 1024 6938 8361 7874 9407 1881
32768 1024 1623 2052 1929 2307 500""", per_gpu=True)
table("v1.2","gpt-oss-20b",["B200:tp:1:FP4","B300:tp:1:FP4","GB200:tp:1:FP4","GB300:tp:1:FP4","H200:tp:1:FP8"],"""
1024 1024 59084 60925 51870 53604 14719
1024 8192 37824 42986 35280 44998 12441
1024 32768 15799 17461 17414 19147 4240
8192 1024 13439 14955 15466 16880 4196
32768 1024 2970 3408 3331 3833 965""", per_gpu=True)
table("v1.2","llama3-70b",["B200:tp:1:FP4","B300:tp:1:FP4","GB200:tp:1:FP4","GB300:tp:1:FP4","H200:tp:2:FP8"],"""
1024 1024 6943 8196 7576 8910 2637
1024 8192 3270 3926 3856 4739 1995
8192 1024 1347 1597 1593 1900 544
32768 1024 279 351 315 418 120""", per_gpu=True, extra="Llama 3.3 70B")
table("v1.2","qwen3-235b-a22b",["B200:dep:4:FP4","B300:dep:4:FP4","GB200:dep:4:FP4","GB300:dep:4:FP4","H200:dep:4:FP8"],"""
1024 1024 6423 8143 6777 8430 3494
1024 8192 3881 4938 3955 5110 1677
1024 32768 1216 1922 1240 1841 -
8192 1024 1518 1730 1575 1791 679
32768 1024 326 383 342 398 143""", per_gpu=True)
table("v1.2","qwen3-30b-a3b",["B200:tp:1:FP4","B300:tp:1:FP4","GB200:tp:1:FP4","GB300:tp:1:FP4"],"""
1024 1024 26431 30714 19682 22536
1024 8192 13940 15182 14916 16920
1024 32768 4570 5209 - -
8192 1024 5945 6374 6450 6947
32768 1024 1284 1452 1398 1575""", per_gpu=True)

# ---------------- exclusion against rows.csv -------------
import re, collections
import os
fit = list(csv.DictReader(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "rows.csv"))))
def key(rel, r):
    return (rel, r["gpu"], r["model"], r["weights"], int(r["replica_gpus"]), r["parallel"],
            round(float(r["input_tokens"])), round(float(r["output_tokens"])))
fitkeys = {}
for r in fit:
    m = re.match(r"TensorRT-LLM (v[\d.]+)$", r["source"])
    if m: fitkeys[key(m.group(1), r)] = float(r["output_tokens_per_s"])
out, excluded = [], []
for r in rows:
    rel = "v1.0" if r["rel"] == "v1.0d" else r["rel"]
    k = key(rel, r)
    if k in fitkeys:
        excluded.append((k, r["output_tokens_per_s"], fitkeys[k])); continue
    out.append(r)
print("transcribed", len(rows), "excluded", len(excluded), "of", len(fitkeys), file=sys.stderr)
for k, mine, theirs in excluded:
    flag = "" if abs(mine - theirs) / theirs < 1e-4 else "  <-- VALUE MISMATCH"
    print("  excl", k, mine, theirs, flag, file=sys.stderr)
missing = set(fitkeys) - {e[0] for e in excluded}
print("fitted TRT rows not found in transcription:", missing, file=sys.stderr)
# duplicate keys within holdout
seen = collections.Counter((r["rel"], r["gpu"], r["model"], r["weights"], r["replica_gpus"], r["parallel"], r["input_tokens"], r["output_tokens"]) for r in out)
print("dups:", [k for k, c in seen.items() if c > 1], file=sys.stderr)
cols = "source,gpu,model,weights,kv_cache,system_gpus,replica_gpus,parallel,input_tokens,output_tokens,tpot_ms,ttft_ms,output_tokens_per_s,note,fit".split(",")
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(cols)
for k, r in enumerate(out):
    r["fit"] = "yes" if k % 2 == 0 else "holdout"
    w.writerow([r[c] for c in cols])
print("written", len(out), file=sys.stderr)
