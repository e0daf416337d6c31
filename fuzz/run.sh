#!/usr/bin/env bash
# Fuzz capsim's input readers with libFuzzer (cargo-fuzz), each target for a
# fixed time. Usage: fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
# Needs a nightly toolchain (`rustup toolchain list`) and cargo-fuzz
# (`cargo install cargo-fuzz`). Seeds come from scenarios/, tests/bad_scenarios/
# and the built-in catalog; crashes land in fuzz/artifacts/<target>/ — copy each
# into tests/bad_scenarios/ (or tests/fuzz_regressions/) once fixed.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-300}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(scenario scenario_run catalog)
# Its own build folder (nightly, sanitizer flags): fuzz/target unless set.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
for t in scenario scenario_run; do
  mkdir -p "corpus/$t"
  cp ../scenarios/*.toml ../tests/bad_scenarios/*.toml "corpus/$t/"
done
mkdir -p corpus/catalog
{ echo gpt-4o; cat ../data/litellm_prices_subset.json; } > corpus/catalog/builtin
for f in ../tests/bad_scenarios/*.json; do { echo m; cat "$f"; } > "corpus/catalog/$(basename "$f")"; done
for t in "${targets[@]}"; do
  dict=()
  [ "$t" = catalog ] || dict=(-dict=scenario.dict)
  echo "== $t: ${secs}s"
  cargo +nightly fuzz run -O "$t" "corpus/$t" -- -max_total_time="$secs" -max_len=8192 \
    -print_final_stats=1 "${dict[@]}" 2>&1 | grep -E "stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|ERROR|panicked|SUMMARY|Test unit written" || true
done
