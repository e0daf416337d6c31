#!/usr/bin/env bash
# The decision commands against one `capsim run` of the same trials, in the
# same session (alternated, best of ROUNDS): the targets in docs/performance.md are
# plan (≥ 48 candidates) ≤ 10× a run and breakeven ≤ 4× a run.
# Usage: benches/decision.sh [SCENARIO] [TRIALS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-scenarios/realistic-2027.toml}
trials=${2:-10000}
rounds=${3:-3}
cargo build --release --locked -q
bin=${CARGO_TARGET_DIR:-target}/release/capsim
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
best() { sort -n | head -1; }
# Wall seconds of one command (bash's own timer: nothing to install).
t() { local TIMEFORMAT=%R; { time "$@" >/dev/null 2>&1; } 2>&1; }
declare -A times
for _ in $(seq "$rounds"); do
  times[run]+="$(t "$bin" run "$scenario" --trials "$trials" -q --out "$out/r")"$'\n'
  times[plan]+="$(t "$bin" plan "$scenario" --trials "$trials" -q --out "$out/p")"$'\n'
  times[breakeven]+="$(t "$bin" breakeven "$scenario" --trials "$trials" -q --out "$out/b")"$'\n'
  rm -rf "$out/r" "$out/p" "$out/b"
done
run=$(printf '%s' "${times[run]}" | best)
candidates=$("$bin" plan "$scenario" --trials 100 -q --out "$out/c" | grep -o '[0-9]* candidates on' | grep -o '^[0-9]*')
for cmd in run plan breakeven; do
  b=$(printf '%s' "${times[$cmd]}" | best)
  awk -v c="$cmd" -v b="$b" -v r="$run" 'BEGIN { printf "%-10s %6.2f s  %5.1f× run\n", c, b, b / r }'
done
echo "plan searched $candidates candidates; $trials trials of $scenario, best of $rounds"
