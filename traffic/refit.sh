#!/usr/bin/env bash
# Regenerate the built-in traffic profiles from the traces in data/traffic/.
# Usage: traffic/refit.sh [CAPSIM_BINARY]   (default: cargo run --release)
# tests/traffic.rs checks that these files equal what this script writes.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $# -ge 1 ]]; then capsim=("$1"); else capsim=(cargo run --release --quiet --); fi
SERVEGEN="Alibaba ServeGen production trace (github.com/alibaba/ServeGen, data/language/%s, commit f891d11), summed over clients per 10-minute window; Apache-2.0. Cite: Xiang et al., ServeGen: Workload Characterization of Large Language Model Serving in Production, NSDI 2026. Weekday of day 0 unknown (assumed Monday)."
AZURE="Azure LLM inference trace 2023 (github.com/Azure/AzurePublicDataset, AzureLLMInferenceTrace_%s.csv), one hour of requests; CC-BY-4.0. Cite: Patel et al., Splitwise: Efficient Generative LLM Inference Using Phase Splitting, ISCA 2024."
OUT="${OUT:-traffic}"
for s in large small; do
  "${capsim[@]}" fit-traffic "data/traffic/servegen_m_${s}_10min.csv" --name "servegen-m-$s" \
    --source "$(printf "$SERVEGEN" "m-$s")" --out "$OUT/servegen-m-$s.toml" --force
done
for k in conv code; do
  "${capsim[@]}" fit-traffic "data/traffic/azure-llm-2023/AzureLLMInferenceTrace_$k.csv" --name "azure-$k-2023" \
    --source "$(printf "$AZURE" "$k")" --out "$OUT/azure-$k-2023.toml" --force
done
