#!/usr/bin/env python3
"""bench-run-report.py DIR BENCHMARKS.md COMMAND MACHINE CH_VERSION -- the "run" section."""
import datetime
import glob
import json
import re

import benchmd
import statistics
import sys

d, md, command, machine, chv = sys.argv[1:6]


def load(name):
    """Each round's hyperfine medians, in ms: [{command: ms}, ...]."""
    rounds = sorted(glob.glob(f"{d}/run-{name}.*.json"), key=lambda p: int(p.rsplit(".", 2)[1]))
    return [{r["command"]: r["median"] * 1000 for r in json.load(open(p))["results"]} for p in rounds]


def median(xs):
    return statistics.median(xs)


def spread(xs):
    return f"{min(xs):.2f}-{max(xs):.2f}x" if len(xs) > 1 else ""


lat, warm, cold, conc = (load(n) for n in ("latency", "import-warm", "import-cold", "concurrent"))
rows = []
def row(what, rounds, target, slack):
    v, c = median([r["vessel"] for r in rounds]), median([r["ch-run"] for r in rounds])
    ratios = [r["vessel"] / r["ch-run"] for r in rounds]
    ratio = median(ratios)
    rows.append(f"| {what} | {v:.1f} | {c:.1f} | {ratio:.2f}x | {spread(ratios)} | {target} | {'met' if ratio <= slack else 'NOT met'} |")

row("`exec IMAGE /bin/true`, start-up", lat, "vessel <= ch-run", 1.0)


def cpu(name):
    """Each round's CPU per run (user + system, hyperfine's means), in ms."""
    rounds = sorted(glob.glob(f"{d}/run-{name}.*.json"), key=lambda p: int(p.rsplit(".", 2)[1]))
    return [{r["command"]: (r["user"] + r["system"]) * 1000 for r in json.load(open(p))["results"]} for p in rounds]


row("`exec IMAGE /bin/true`, CPU per start (user + system)", cpu("latency"), "vessel <= ch-run", 1.0)
row("`import numpy, scipy`, warm", warm, "vessel <= ch-run", 1.05)
row("`import numpy, scipy`, page cache dropped", cold, "vessel <= ch-run", 1.05)
v16s = [r["vessel x16"] / r["vessel x1"] for r in conc]
c16s = [r["ch-run x16"] / r["ch-run x1"] for r in conc]
v16, c16 = median(v16s), median(c16s)
cm = {k: median([r[k] for r in conc]) for k in conc[0]}
x16 = [r["vessel x16"] / r["ch-run x16"] for r in conc]
rows.append(f"| 16 concurrent starts | {cm['vessel x16']:.1f} | {cm['ch-run x16']:.1f} | {median(x16):.2f}x | {spread(x16)} | vessel <= ch-run | {'met' if median(x16) <= 1.05 else 'NOT met'} |")
cold_reads = {}  # read-ahead -> tool -> (bytes in the page cache, bytes of its files, files, disk read-ahead KiB)
for ra in ("disk", "default"):
    for t in ("vessel", "ch-run"):
        try:
            res, size, files, disk_kb = (int(x) for x in open(f"{d}/cold-{t}-{ra}.txt").read().split())
            cold_reads.setdefault(ra, {})[t] = (res, size, files, disk_kb)
        except (OSError, ValueError):
            pass


def reads(ra):
    def one(t, v):
        res, size, files, _ = v
        what = "its program" if files == 1 else f"its program and the {files - 1} libraries only it loads"
        return f"{t} {res / 1e6:.1f} MB of {what}, {size / 1e6:.1f} MB"
    return "; ".join(one(t, v) for t, v in cold_reads.get(ra, {}).items())


disk_kb = next(iter(cold_reads.get("disk", {}).values()), (0, 0, 0, 0))[3]
cold_lines = ["", "Cold start (page cache dropped, one `exec IMAGE /bin/true`): what of each program's files is then in "
              f"the page cache, read-ahead included. At this disk's read-ahead ({disk_kb} KiB): {reads('disk')}."]
if "default" in cold_reads:
    cold_lines.append(f"At the kernel's default read-ahead (128 KiB, the disk set so for this measurement and set back): {reads('default')}.")

text = "\n".join([
    "## run", "",
    f"Command: `{command}`  ", f"Machine: {machine}  ", f"Peer: Charliecloud ch-run {chv} (Debian), on the same SquashFS files.  ",
    f"Date: {datetime.date.today().isoformat()}; every command as an unprivileged user. Each comparison ran in rounds, "
    f"the tools' order swapped every round ({len(lat)} rounds; the cold import {len(cold)}): times are the medians "
    "of the rounds' hyperfine medians, the ratio the median of the rounds' ratios, the spread their range.", "",
    "| measurement | vessel ms | ch-run ms | vessel / ch-run | rounds' spread | target | |",
    "| --- | ---: | ---: | ---: | --- | --- | --- |",
    *rows,
    "", f"16 concurrent starts: vessel {cm['vessel x16']:.0f} ms (one: {cm['vessel x1']:.0f} ms); "
        f"ch-run {cm['ch-run x16']:.0f} ms (one: {cm['ch-run x1']:.0f} ms); 16 over one: vessel {v16:.2f}x, ch-run {c16:.2f}x. "
        "Within 5% counts as no slower.",
    *cold_lines, ""]) + "\n"
benchmd.replace(md, "run", text)
print(text)
