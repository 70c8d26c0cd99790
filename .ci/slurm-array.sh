#!/usr/bin/env bash
# The README's Slurm array example against a real single-node Slurm (issue 15): installs
# Debian's slurmctld, slurmd and munge, starts them as root on localhost only, submits the
# README's own sweep.slurm (extracted from README.md, so the two cannot drift apart), merges
# the shards as the README says, and checks the result equals a single-machine sweep byte for
# byte, plots included. Then one shard is killed (scancel) and a run of it left half-written,
# the shard is resubmitted, and the merge must again equal the single-machine sweep.
#
#   bash .ci/slurm-array.sh        (as root; .ci/run calls it after the tests)
#
# ECSIM_SKIP_SLURM=1 skips it (for a developer machine that is not root); CI never sets it.
set -euo pipefail
cd "$(dirname "$0")/.."
project=$(pwd)

if [ "${ECSIM_SKIP_SLURM:-}" = 1 ]; then
  echo "== Slurm array test skipped (ECSIM_SKIP_SLURM=1)"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "error: the Slurm array test starts slurmctld, slurmd and munged and must run as root" >&2
  echo "  (set ECSIM_SKIP_SLURM=1 to skip it on a developer machine)" >&2
  exit 1
fi

echo "== Slurm: install"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null \
  || ! command -v munged >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    slurmctld slurmd slurm-client munge >/dev/null
fi

cargo build --release --locked --bin ecsim
export PATH="$project/target/release:$PATH"

work=$(mktemp -d /tmp/ecsim-slurm.XXXXXX)
state="$work/slurm-state"
mkdir -p "$state/ctld" "$state/d" "$state/log"
host=$(hostname -s)

# The daemons this script starts are stopped when it exits, however it exits; its working
# directory is removed only after a pass (left for a look after a failure).
passed=0
# Whether a daemon is running (a zombie left for its parent to reap does not count).
alive() { pgrep -x "$1" -r R,S,D,I,T >/dev/null; }
stop_daemons() {
  scancel --user=root >/dev/null 2>&1 || true
  for d in slurmd slurmctld; do
    [ -f "$state/$d.pid" ] && kill "$(cat "$state/$d.pid")" 2>/dev/null || true
  done
  [ -f "$state/munged.pid" ] && kill "$(cat "$state/munged.pid")" 2>/dev/null || true
  # Wait until they are gone, so that the next start finds the ports free.
  for _ in $(seq 50); do
    alive slurmctld || alive slurmd || break
    sleep 0.2
  done
}
cleanup() {
  stop_daemons
  if [ "$passed" = 1 ]; then
    cd /
    rm -rf "$work"
  fi
}
trap cleanup EXIT

# A Slurm left running by an earlier, interrupted run of this script holds the ports.
if alive slurmctld || alive slurmd; then
  echo "error: slurmctld or slurmd is already running; stop it first (this script starts its own)" >&2
  exit 1
fi

echo "== Slurm: munge and a one-node cluster on $host"
mkdir -p /etc/munge /run/munge /var/log/munge /var/lib/munge
if [ ! -s /etc/munge/munge.key ]; then
  mungekey --create --keyfile /etc/munge/munge.key
fi
chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge
chmod 0700 /etc/munge
chmod 0400 /etc/munge/munge.key
if ! alive munged; then
  runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid
  cp /run/munge/munged.pid "$state/munged.pid"
fi

# The node offers 8 CPUs whatever the machine has (config_overrides), so the README's
# --cpus-per-task=4 is schedulable on a 2-core CI machine; jobs only share the cores.
mkdir -p /etc/slurm
cat > /etc/slurm/slurm.conf <<EOF
ClusterName=ecsim-ci
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
SlurmdParameters=config_overrides
NodeName=$host NodeAddr=127.0.0.1 CPUs=8 State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
cp /etc/slurm/slurm.conf "$state/slurm.conf"
slurmctld
slurmd
for _ in $(seq 60); do
  if sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then break; fi
  sleep 1
done
sinfo
if ! sinfo -h -o %T | grep -qE '^(idle|mixed|allocated)'; then
  echo "error: the Slurm node did not come up" >&2
  tail -20 "$state/log/slurmctld.log" "$state/log/slurmd.log" >&2 || true
  exit 1
fi

echo "== Slurm: the README's array job"
cd "$work"
ln -s "$project/scenarios" scenarios
# The README's sweep.slurm, as printed there: the bash block after "A Slurm array job".
awk '/^A Slurm array job/ {found = 1} found && /^```bash$/ {inside = 1; next} inside && /^```$/ {exit} inside {print}' \
  "$project/README.md" > sweep.slurm
cat sweep.slurm
grep -q 'shard auto/' sweep.slurm || { echo "error: no sweep.slurm found in README.md" >&2; exit 1; }
merge_command=$(sed -n 's/^# afterwards: //p' sweep.slurm)
[ -n "$merge_command" ] || { echo "error: sweep.slurm has no '# afterwards:' merge line" >&2; exit 1; }
shards=$(sed -n 's/^#SBATCH --array=0-\([0-9]*\)$/\1/p' sweep.slurm)

sbatch --wait --output="$work/slurm-%A_%a.out" sweep.slurm
$merge_command
ecsim sweep scenarios/capacity-planning-sweep.toml --out whole --jobs 2 >/dev/null

compare() {
  if ! diff -r "$1" "$2" >/dev/null; then
    echo "error: $1 and $2 differ:" >&2
    diff -rq "$1" "$2" >&2 || true
    exit 1
  fi
  [ -n "$(ls "$1/plots")" ] || { echo "error: $1 has no plots" >&2; exit 1; }
  echo "$1 equals $2 byte for byte ($(find "$1" -type f | wc -l) files, plots included)"
}
compare sweep whole

echo "== Slurm: a shard killed and resubmitted"
rm -rf shards sweep
# Hold the array, release it, and cancel the last shard as soon as Slurm starts it (or
# before, if it is quicker); then also leave one of its runs half-written, as a kill
# between two writes does.
job=$(sbatch --parsable --hold --output="$work/slurm-%A_%a.out" sweep.slurm)
scontrol release "$job"
for _ in $(seq 200); do
  st=$(squeue -h -j "${job}_${shards}" -o %T 2>/dev/null || true)
  if [ "$st" = RUNNING ] || [ -z "$st" ]; then break; fi
  sleep 0.05
done
echo "shard $shards was ${st:-already done} when cancelled"
scancel "${job}_${shards}" || true
while squeue -h -j "$job" 2>/dev/null | grep -q .; do sleep 0.5; done
last="shards/shard-$shards"
mkdir -p "$last/runs"
victim=$(find "$last/runs" -mindepth 1 -maxdepth 1 -type d | sort | head -1)
if [ -n "$victim" ]; then
  rm -f "$victim/summary.csv" "$victim/metrics.csv"
fi
if $merge_command 2>/dev/null; then
  # A merge of an incomplete set must refuse; it may only succeed if the cancelled shard had
  # already finished, and then the run deleted above is missing: it must not.
  echo "error: merge accepted shards with a killed shard" >&2
  exit 1
fi
sbatch --wait --array="$shards" --output="$work/slurm-%A_%a.out" sweep.slurm
rm -rf sweep
$merge_command
compare sweep whole
passed=1
echo "Slurm array test passed"
