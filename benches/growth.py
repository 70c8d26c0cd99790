#!/usr/bin/env python3
"""How ecsim's work grows with its input (issue 15 item 3): each case runs at a size n and at
4n and prints the ratio of the wall-clock times. Linear growth gives about 4; quadratic
growth, about 16.

    cargo build --release && python3 benches/growth.py [--instructions] [ECSIM_BINARY] [ROUNDS]

ECSIM_BINARY defaults to target/release/ecsim (pass another checkout's binary for a
before/after); ROUNDS (default 3) runs of each size, alternating, median taken. With
--instructions the measure is the instruction count under `valgrind --tool=callgrind` (one
run each; deterministic, so not disturbed by a noisy machine, but about 50x slower).
Scenarios are generated into a temporary directory; only the standard library is used.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ELASTIC = open(os.path.join(HERE, "scenarios", "elastic-7d-200.toml")).read()

# A service whose memberOf no instance of the cluster satisfies: its tasks wait for ever.
UNSATISFIABLE = """
[[services]]
name = "nowhere"
task_definition = "web"
desired_count = 20
placement_constraints = [{ type = "memberOf", expression = "attribute:ecs.instance-type == c5.large" }]
"""


def elastic(days, unsatisfiable=False):
    text = ELASTIC.replace('duration = "7d"', f'duration = "{days}d"')
    return text + (UNSATISFIABLE if unsatisfiable else "")


def services(n):
    """n one-task services on a fixed cluster of 400 m5.4xlarge (the default placement)."""
    parts = [
        f'[scenario]\nname = "services-{n}"\nseed = 1\nduration = "6h"\nmetrics_interval = "5m"\n',
        '[[instance_groups]]\nname = "g"\ninstance_type = "m5.4xlarge"\ncount = 400\n',
        '[[task_definitions]]\nfamily = "t"\ncpu = 256\nmemory = 512\n',
    ]
    parts += [f'[[services]]\nname = "s{k}"\ntask_definition = "t"\ndesired_count = 1\n' for k in range(n)]
    return "\n".join(parts)


def launches(n):
    """n instances launched at t = 0, one minute of simulated time."""
    return (
        f'[scenario]\nname = "launch-{n}"\nseed = 1\nduration = "1m"\nmetrics_interval = "1m"\n\n'
        f"[cluster]\nmax_container_instances = {n}\n\n"
        f'[[instance_groups]]\nname = "g"\ninstance_type = "m5.large"\ncount = {n}\n'
    )


def zones(n):
    """A zone list of n entries (rejected at the ceiling of 32, which is the point)."""
    listed = ", ".join(f'"z{k}"' for k in range(n))
    return services(1).replace("[[instance_groups]]", f"[cluster]\navailability_zones = [{listed}]\n\n[[instance_groups]]", 1)


# (name, command, generator, n, 4n)
CASES = [
    ("elastic run, simulated days", "run", elastic, 7, 28),
    ("elastic run with an unsatisfiable memberOf, days", "run", lambda d: elastic(d, True), 7, 28),
    ("services on a fixed cluster, run", "run", services, 1250, 5000),
    ("services, validate", "validate", services, 1250, 5000),
    ("instances launched at t = 0, run", "run", launches, 25000, 100000),
    ("availability-zone list entries, validate", "validate", zones, 50000, 200000),
]


def timed(binary, command, path, out, instructions=False):
    args = [binary, command, path]
    if command == "run":
        args += ["--out", out, "--no-plots", "--no-events"]
    if instructions:
        counts = os.path.join(out + ".callgrind")
        args = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={counts}"] + args
    start = time.perf_counter()
    proc = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if instructions:
        line = [l for l in proc.stderr.decode().splitlines() if "Collected" in l]
        elapsed = int(line[-1].split(":")[-1]) / 1e9 if line else float("nan")
    # validate of the zone list is expected to fail (exit 2, the ceiling error).
    if proc.returncode not in (0, 2) or (command == "run" and proc.returncode != 0):
        sys.exit(f"{' '.join(args)} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return elapsed


def main():
    argv = sys.argv[1:]
    instructions = "--instructions" in argv
    argv = [a for a in argv if a != "--instructions"]
    binary = argv[0] if argv else os.path.join(HERE, "..", "target", "release", "ecsim")
    rounds = 1 if instructions else (int(argv[1]) if len(argv) > 1 else 3)
    unit = "G instructions" if instructions else "s"
    print(f"binary: {binary}; median of {rounds}; unit: {unit}")
    print(f"| case | n | 4n | at n | at 4n | ratio (4 = linear) |")
    print(f"| --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        for name, command, make, small, large in CASES:
            paths = []
            for size in (small, large):
                p = os.path.join(tmp, f"case-{size}.toml")
                with open(p, "w") as f:
                    f.write(make(size))
                paths.append(p)
            times = ([], [])
            for _ in range(rounds):
                for k, p in enumerate(paths):
                    times[k].append(timed(binary, command, p, os.path.join(tmp, "out"), instructions))
            a, b = (statistics.median(t) for t in times)
            print(f"| {name} | {small:,} | {large:,} | {a:.3f} {unit} | {b:.3f} {unit} | {b / max(a, 1e-3):.1f} |")


if __name__ == "__main__":
    main()
