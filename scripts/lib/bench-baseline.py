#!/usr/bin/env python3
"""bench-baseline.py -- paired rounds of the same commands with two builds' binaries (see
bench-baseline); medians and ratios (this tree / the baseline) into BENCHMARKS.md."""
import argparse
import json
import os
import statistics

import benchmd
from benchproc import as_user, drop_caches, timed


def main():
    p = argparse.ArgumentParser()
    for a in ["--old", "--new", "--user", "--work", "--layout", "--image", "--cluster", "--results", "--markdown", "--command", "--machine", "--stack"]:
        p.add_argument(a, required=True)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--labels", nargs=2, required=True)
    a = p.parse_args()
    prefix, env = as_user(a.user)
    bins = {"new": a.new, "old": a.old}
    cases = {
        "convert": lambda b: (prefix + [f"{b}/vessel", "build", "-q", "--force", f"{a.work}/out.sqsh", f"oci:{a.layout}"], 1, True),
        "run": lambda b: (prefix + ["sh", "-c", f"for i in $(seq 20); do {b}/vessel exec {a.image} /bin/true; done"], 20, False),
    }
    if a.cluster == "yes":
        cases["slurm"] = lambda b: (prefix + ["srun", "-p", "cpu", f"{b}/vessel", "exec", a.image, "/bin/true"], 1, False)
        cases["plugin"] = lambda b: (prefix + ["srun", "-p", "cpu", f"--container-image={a.image}", "/bin/true"], 1, False)
    original_stack = open(a.stack).read() if os.path.exists(a.stack) else None

    def plugin_of(b):
        with open(a.stack, "w") as f:
            f.write(f"required {b}/libvessel-spank.so runtime={b}/vessel\n")
    samples = {c: {"new": [], "old": []} for c in cases}
    try:
        for rnd in range(a.runs):
            for case, make in cases.items():
                order = ["new", "old"] if rnd % 2 == 0 else ["old", "new"]
                for side in order:
                    argv, per, cold = make(bins[side])
                    if case == "plugin":
                        plugin_of(bins[side])
                    if cold:
                        drop_caches()
                    wall, cpu = timed(argv, env, a.work)
                    samples[case][side].append((wall / per, cpu / per))
    finally:
        if original_stack is not None:
            with open(a.stack, "w") as f:
                f.write(original_stack)
    rows = []
    with open(a.results, "a") as out:
        for case, s in samples.items():
            med = {side: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for side, v in s.items()}
            # The ratio of the medians: each side ran first in half the rounds, so an order effect
            # (the first of a pair is slower) falls on both; a median of per-round ratios would
            # take the side of whichever order had one round more.
            ratio_wall = med["new"][0] / med["old"][0]
            ratio_cpu = med["new"][1] / med["old"][1] if med["old"][1] > 0 else float("nan")
            out.write(json.dumps({"case": case, "new": s["new"], "old": s["old"], "ratio_wall": ratio_wall, "ratio_cpu": ratio_cpu}) + "\n")
            unit = 1000 if case != "convert" else 1
            fmt = (lambda x: f"{x * 1000:.1f} ms") if unit == 1000 else (lambda x: f"{x:.2f} s")
            rows.append(f"| {case} | {fmt(med['new'][0])} | {fmt(med['old'][0])} | **{ratio_wall:.2f}x** | "
                        f"{fmt(med['new'][1])} | {fmt(med['old'][1])} | **{ratio_cpu:.2f}x** |")
    here, rev = a.labels
    text = (f"## baseline\n\nThis tree ({here}) against {rev}, the same commands in paired rounds (order alternating), "
            f"{a.runs} rounds. Ratios are of the medians, this tree over {rev} (each ran first in half the rounds): under 1.00 is faster.\n\n"
            f"Command: `{a.command}`. Machine: {a.machine}.\n\n"
            f"| case | wall, {here} | wall, {rev} | wall ratio | CPU, {here} | CPU, {rev} | CPU ratio |\n"
            "| --- | --- | --- | --- | --- | --- | --- |\n" + "\n".join(rows) + "\n\n"
            "convert: `vessel build` of the debian fixture from its OCI layout, page cache dropped. run: `vessel exec "
            "debian.sqsh /bin/true`, per start (20 a round). slurm: `srun -p cpu vessel exec debian.sqsh /bin/true` on the "
            "test cluster. plugin: `srun -p cpu --container-image=debian.sqsh /bin/true`, each side's libvessel-spank.so on the "
            "plugin's line in plugstack.conf (srun and slurmstepd load it at each run).\n")
    benchmd.replace(a.markdown, "baseline", text)
    print(text)


if __name__ == "__main__":
    main()
