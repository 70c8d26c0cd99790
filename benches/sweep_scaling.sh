#!/usr/bin/env bash
# Target 5 of issue 10 (a 64-run sweep at least 1.9 times faster on 2 threads than on 1),
# read beside the machine's own ceiling. Each round runs, in turn:
#   1. `ecsim sweep benches/scenarios/sweep-64.toml --no-events --jobs 1`;
#   2. the same with `--jobs 2`;
#   3. two copies of (1) at once, as two processes: the same work twice, so the ratio
#      2 x time(1) / time(3) is what this machine gives two busy single-thread processes
#      that share nothing (its ceiling for any two-thread speed-up at that moment).
# It prints the median of each over ROUNDS rounds (default 3), the sweep's speed-up
# time(1) / time(2), the ceiling, and the speed-up as a share of the ceiling. Wall time by
# /usr/bin/time; outputs go to a temporary directory.
#
#   benches/sweep_scaling.sh [ROUNDS]
set -euo pipefail
rounds=${1:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
cargo build --release --locked --bin ecsim >/dev/null 2>&1
ecsim=./target/release/ecsim
scenario=benches/scenarios/sweep-64.toml
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
seconds() { # command...: prints the elapsed seconds
  /usr/bin/time -f "%e" -o "$out/time" "$@" >/dev/null 2>"$out/err" || { cat "$out/err" >&2; exit 1; }
  cat "$out/time"
}
pair() { # two single-thread sweeps at once; prints the elapsed seconds until both end
  local start end
  start=$(date +%s.%N)
  "$ecsim" sweep "$scenario" --no-events --jobs 1 --out "$out/p1" >/dev/null 2>&1 &
  local a=$!
  "$ecsim" sweep "$scenario" --no-events --jobs 1 --out "$out/p2" >/dev/null 2>&1 &
  local b=$!
  wait "$a"; wait "$b"
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f\n", e - s }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
: >"$out/one"; : >"$out/two"; : >"$out/pair"
for _ in $(seq "$rounds"); do
  rm -rf "$out/s1" "$out/s2" "$out/p1" "$out/p2"
  seconds "$ecsim" sweep "$scenario" --no-events --jobs 1 --out "$out/s1" >>"$out/one"
  seconds "$ecsim" sweep "$scenario" --no-events --jobs 2 --out "$out/s2" >>"$out/two"
  pair >>"$out/pair"
done
one=$(median <"$out/one"); two=$(median <"$out/two"); both=$(median <"$out/pair")
echo "1 thread: ${one} s   2 threads: ${two} s   two 1-thread processes at once: ${both} s (medians of $rounds)"
awk -v a="$one" -v b="$two" -v p="$both" 'BEGIN {
  s = a / b; c = 2 * a / p
  printf "speed-up on 2 threads: %.2f   the machine'"'"'s ceiling: %.2f   speed-up / ceiling: %.2f\n", s, c, s / c
}'
