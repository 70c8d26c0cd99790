#!/usr/bin/env bash
# ecsim against the bare hand-written loop (benches/reference_loop.rs) on the reference
# workload cluster-80 (../shared/bench/WORKLOAD.md), side by side in one run: the whole
# process of each (`ecsim run --no-plots --no-events` on benches/scenarios/cluster-80-h*.toml,
# parsing and outputs included; the loop prints its counters only), alternating, median of
# ROUNDS runs (default 5), wall time and peak RSS by /usr/bin/time, and two ratios: of the
# medians, and the median of each round's own ratio (paired: a round's two runs see the same
# machine, so a slow spell of a shared host moves both; this machine's single runs move by
# up to 45 %).
#
#   benches/versus_reference_loop.sh [ROUNDS] [HORIZON_FACTOR]
#   benches/versus_reference_loop.sh --instructions [HORIZON_FACTOR]
#
# HORIZON_FACTOR (default 1) multiplies both horizons (10 for the 10-million-task run).
# With --instructions, each program runs once under `valgrind --tool=cachegrind
# --cache-sim=no` and the script prints the instructions each executed and their ratio:
# the same figures on every run whatever else the machine is doing (a few minutes).
set -euo pipefail
mode=time
if [ "${1:-}" = "--instructions" ]; then
  mode=instructions
  shift
  set -- 1 "$@"
fi
rounds=${1:-5}
factor=${2:-1}
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
cargo build --release --locked --bin ecsim --example reference_loop >/dev/null 2>&1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
duration_of() { # scenario: its duration in seconds times the horizon factor
  local seconds
  seconds=$(awk -F'"' '/^duration/ { sub("s", "", $2); print $2 }' "$1")
  awk -v s="$seconds" -v f="$factor" 'BEGIN { printf "%d", s * f }'
}
if [ "$mode" = instructions ]; then
  command -v valgrind >/dev/null || { echo "--instructions needs valgrind (apt-get install valgrind)" >&2; exit 1; }
  count() { # command...: prints the instructions it executed
    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$@" 2>"$out/vg" >/dev/null \
      || { cat "$out/vg" >&2; exit 1; }
    awk '/I *refs:/ { gsub(",", "", $NF); print $NF }' "$out/vg"
  }
  printf '%-7s %16s %16s %8s\n' hosts "ecsim run" reference_loop ratio
  for hosts in 1000 10000; do
    scenario=benches/scenarios/cluster-80-h$hosts.toml
    e=$(count ./target/release/ecsim run "$scenario" --out "$out/run" --no-plots --no-events \
      --set "scenario.duration=$(duration_of "$scenario")s")
    l=$(count ./target/release/examples/reference_loop "$hosts" "$factor")
    printf '%-7s %16s %16s %8s\n' "$hosts" "$e" "$l" "$(awk -v a="$e" -v b="$l" 'BEGIN { printf "%.3fx", a / b }')"
  done
  exit 0
fi
measure() { # label command...: prints "seconds kilobytes"
  /usr/bin/time -f "%e %M" -o "$out/time" "$@" >/dev/null 2>"$out/err" || { cat "$out/err" >&2; exit 1; }
  cat "$out/time"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
printf '%-7s %-28s %9s %9s %8s %8s\n' hosts program "time (s)" "RSS (MB)" ratio paired
for hosts in 1000 10000; do
  scenario=benches/scenarios/cluster-80-h$hosts.toml
  duration=$(duration_of "$scenario")
  : >"$out/e"; : >"$out/l"
  for _ in $(seq "$rounds"); do
    measure ./target/release/ecsim run "$scenario" --out "$out/run" --no-plots --no-events \
      --set "scenario.duration=${duration}s" >>"$out/e"
    measure ./target/release/examples/reference_loop "$hosts" "$factor" >>"$out/l"
  done
  et=$(median <"$out/e"); lt=$(median <"$out/l")
  em=$(awk '{ print $2 }' "$out/e" | median); lm=$(awk '{ print $2 }' "$out/l" | median)
  paired=$(paste -d' ' "$out/e" "$out/l" | awk '{ print $1 / $3 }' | median)
  printf '%-7s %-28s %9s %9.1f %8s %8s\n' "$hosts" "ecsim run" "$et" "$(awk -v k="$em" 'BEGIN { print k / 1024 }')" \
    "$(awk -v a="$et" -v b="$lt" 'BEGIN { printf "%.2fx", a / b }')" "$(awk -v r="$paired" 'BEGIN { printf "%.2fx", r }')"
  printf '%-7s %-28s %9s %9.1f %8s %8s\n' "$hosts" "reference_loop" "$lt" "$(awk -v k="$lm" 'BEGIN { print k / 1024 }')" "1.00x" "1.00x"
done
