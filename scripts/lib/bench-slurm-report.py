#!/usr/bin/env python3
"""bench-slurm-report.py HYPERFINE.json BENCHMARKS.md COMMAND MACHINE: the "slurm" section."""
import datetime
import json
import re

import benchmd
import sys

data, md, command, machine = sys.argv[1:5]
r = {x["command"]: x for x in json.load(open(data))["results"]}
med = lambda n: r[n]["median"] * 1000
out = ["## slurm", "", f"Command: `{command}`  ", f"Machine: {machine}  ",
       f"Date: {datetime.date.today().isoformat()}; one-machine test cluster (4 emulated nodes), job user, "
       "time from `srun` to all tasks done (`/bin/true`), medians in ms.", "",
       "| tasks | bare srun | srun --container-image (plugin) | plugin overhead | srun vessel exec | exec overhead |",
       "| --- | ---: | ---: | ---: | ---: | ---: |"]
over = {}
for n in (1, 8):
    b, p, e = med(f"bare -n{n}"), med(f"plugin -n{n}"), med(f"exec -n{n}")
    over[n] = p - b
    out.append(f"| {n} | {b:.0f} | {p:.0f} | {p - b:.0f} | {e:.0f} | {e - b:.0f} |")
ratio = over[8] / over[1] if over[1] > 0 else float("nan")
out += ["", f"Plugin overhead for -n 8 is {ratio:.2f}x that for -n 1 (target under 1.5x: "
        f"{'met' if ratio < 1.5 else 'NOT met'}). With the plugin the image is mounted and the root built once per "
        "node per step, and each task only joins the namespaces; `srun vessel exec` makes a container per task.", ""]
text = "\n".join(out) + "\n"
benchmd.replace(md, "slurm", text)
print(text)
