#!/usr/bin/env python3
"""bench-place.py: runs the placement measurements for scripts/bench place and writes the
"place" section of BENCHMARKS.md (see scripts/lib/bench-place)."""
import argparse
import datetime
import json
import re

import benchmd
import statistics
import subprocess
import time

a = argparse.ArgumentParser()
for opt in ("vessel", "user", "dir", "benchmarks", "command", "machine"):
    a.add_argument("--" + opt, required=True)
a.add_argument("--runs", type=int, default=20)
args = a.parse_args()
AS = ["runuser", "-u", args.user, "--", "env", "-C", args.dir]
image = args.dir + "/tiny.sqsh"


def timed(cmd):
    t = time.monotonic()
    p = subprocess.run(AS + cmd, capture_output=True, text=True)
    wall = time.monotonic() - t
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {p.stderr.strip()}")
    return wall, p.stdout


def series(cmd, runs=args.runs, warmup=2):
    out = []
    for i in range(runs + warmup):
        wall, stdout = timed(cmd)
        if i >= warmup:
            out.append((wall, stdout))
    return out


ms = lambda xs: statistics.median(xs) * 1000

# 1. the decision alone, on the recorded 2,000-node inventory
rec = series([args.vessel, "submit", "--inventory", args.dir + "/inventory.json", "--json",
              "--gpus", "4", "--gpu-type", "h100,a100", "--nodes", "2", "--time", "12:00:00", image, "--", "true"])
reports = [json.loads(s) for _, s in rec]
decision = ms([r["timings"]["decision"] for r in reports])
rec_wall = ms([w for w, _ in rec])
verdicts = reports[0]["placement"]["verdicts"]
considered = sum(1 for v in verdicts if v["status"] != "excluded")

# 2. end to end on the test cluster
gpu = ["--gpus", "1", "--gpu-type", "a100,v100"]
live = series([args.vessel, "submit", "--dry-run", "--json"] + gpu + [image, "--", "true"])
live_reports = [json.loads(s) for _, s in live]
dry_wall = ms([w for w, _ in live])
inv = ms([r["timings"]["inventory"] for r in live_reports])
est = ms([r["timings"]["estimates"] for r in live_reports])
dec_live = ms([r["timings"]["decision"] for r in live_reports])
sub = series([args.vessel, "submit", "-q", "--results", args.dir + "/results"] + gpu + [image, "--", "true"],
             runs=max(5, args.runs // 2), warmup=1)
sub_wall = ms([w for w, _ in sub])
slurm = series(["sbatch", "--test-only", "-p", "gpu-a100,gpu-v100,cpu", "--gres=gpu:1", "--wrap", "true"])
slurm_wall = ms([w for w, _ in slurm])

out = ["## place", "", f"Command: `{args.command}`  ", f"Machine: {args.machine}  ",
       f"Date: {datetime.date.today().isoformat()}; medians in ms, as the cluster's job user.", "",
       "| what | vessel | target |", "| --- | ---: | --- |",
       f"| decision, recorded inventory of 2,000 nodes / 30 partitions ({considered} candidates) | {decision:.2f} | under 50 ms: {'met' if decision < 50 else 'NOT met'} |",
       f"| `vessel submit --inventory` process, same input (start-up, reading the 0.4 MB inventory, decision) | {rec_wall:.0f} | |",
       f"| `vessel submit --dry-run` on the test cluster (3 partitions) | {dry_wall:.0f} | under 1 s: {'met' if dry_wall < 1000 else 'NOT met'} |",
       f"| of which: live inventory (libslurm) | {inv:.1f} | |",
       f"| of which: will-run, once per candidate partition (libslurm) | {est:.1f} | |",
       f"| of which: decision | {dec_live:.2f} | |",
       f"| `vessel submit` (placement and submission) | {sub_wall:.0f} | under 1 s: {'met' if sub_wall < 1000 else 'NOT met'} |",
       "", "Beside it, Slurm's own answer for a partition list, one will-run that names the first partition "
       "in which the job fits (not the earliest):", "",
       "| command | median ms | vessel submit --dry-run / it |", "| --- | ---: | ---: |",
       f"| `sbatch --test-only -p gpu-a100,gpu-v100,cpu --gres=gpu:1` | {slurm_wall:.0f} | {dry_wall / slurm_wall:.2f}x |", ""]
text = "\n".join(out) + "\n"
benchmd.replace(args.benchmarks, "place", text)
print(text)
subprocess.run(["scancel", "-u", args.user], check=False)
