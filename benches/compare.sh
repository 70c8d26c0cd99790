#!/usr/bin/env bash
# Compares this checkout with another one (a baseline) on the same machine, side by side:
# instructions executed by `ecsim run` (valgrind's callgrind: a count, not a time, so it is
# repeatable on a noisy machine) on two bench scenarios, and the ratio after / before.
#
#   benches/compare.sh /path/to/baseline-checkout
#
# Both checkouts are built in release mode with their own Cargo profiles. Needs valgrind.
set -euo pipefail
base=${1:?usage: benches/compare.sh BASELINE_CHECKOUT}
here=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for tree in "$base" "$here"; do
  (cd "$tree" && cargo build --release --locked --bin ecsim >/dev/null 2>&1)
done
count() { # tree scenario [--set ...]
  local tree=$1 sc=$2; shift 2
  (cd "$tree" && valgrind --tool=callgrind --callgrind-out-file="$out/cg" \
    ./target/release/ecsim run "$sc" --out "$out/run" --no-plots --no-events "$@" \
    >/dev/null 2>"$out/err")
  grep -o 'Collected : [0-9]*' "$out/err" | grep -o '[0-9]*$'
}
printf '%-48s %15s %15s %7s\n' scenario before after ratio
for spec in "benches/scenarios/cluster-80-h1000.toml --set scenario.duration=3000s" \
            "benches/scenarios/elastic-7d-200.toml"; do
  # shellcheck disable=SC2086
  b=$(count "$base" $spec); a=$(count "$here" $spec)
  printf "%-48s %15s %15s %7s\n" "${spec%% *}" "$b" "$a" "$(awk -v a="$a" -v b="$b" "BEGIN { printf \"%.3f\", a / b }")"
done
