#!/usr/bin/env python3
"""bench-fuzz-report.py DIR BENCHMARKS.md COMMAND MACHINE TARGETS...: the "fuzz" section, from
each target's libFuzzer log (DIR/TARGET/log): runs, executions per second, coverage (edges and
features), corpus, peak RSS, and what it found."""
import datetime
import os
import re

import benchmd
import sys

d, md, command, machine = sys.argv[1:5]
targets = sys.argv[5:]
out = ["## fuzz", "", f"Command: `{command}`  ", f"Machine: {machine}  ",
       f"Date: {datetime.date.today().isoformat()}; libFuzzer (-sanitize=fuzzer), one process per target, "
       "from the kept corpus (Tests/Fixtures/fuzz), 10 s an input at most, 2 GiB at most.", "",
       "| target | what it reads | seconds | runs | exec/s | coverage (edges) | features | corpus | peak RSS | found |",
       "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
what = {"manifest": "index, manifest and config JSON; platform choice; assembly",
        "layer": "layer bytes (gzip, zstd, tar/pax/GNU) read and merged as two layers",
        "imagefile": "an image file's SIF header and descriptors, Vessel's signature block and its records"}
# Rows of targets not run this time are kept, marked with the date of their run.
old = benchmd.section(md, "fuzz")
kept = {}
if old:
    date0 = re.search(r"Date: (\S+);", old)
    for line in old.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 2 and cells[1] in what and cells[1] not in targets:
            kept[cells[1]] = line if "(run " in line else line.rstrip(" |") + f" (run {date0.group(1) if date0 else '?'}) |"
for name in what:
    if name in kept:
        out.append(kept[name])
for t in targets:
    log = open(os.path.join(d, t, "log"), errors="replace").read()
    last = [l for l in log.splitlines() if re.match(r"#\d+\s+(DONE|NEW|REDUCE|pulse|INITED)", l)]
    m = re.search(r"#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/(\S+).*?exec/s: (\d+) rss: (\d+)Mb", last[-1] if last else "")
    secs = re.search(r"stat::number_of_executed_units: (\d+)", log)
    peak = re.search(r"stat::peak_rss_mb: (\d+)", log)
    found = sorted(f for f in os.listdir(os.path.join(d, t, "found")) if re.match(r"(crash|timeout|oom|leak)-", f))
    took = re.search(r"Done (\d+) runs in (\d+) second", log)
    if m:
        runs = secs.group(1) if secs else m.group(1)
        out.append(f"| {t} | {what.get(t, '')} | {took.group(2) if took else '?'} | {int(runs):,} | {int(m.group(6)):,} | {m.group(2)} | {m.group(3)} | "
                   f"{m.group(4)} inputs, {m.group(5)} | {peak.group(1) if peak else m.group(7)} MB | {', '.join(found) or 'nothing'} |")
    else:
        out.append(f"| {t} | {what.get(t, '')} | | | | | | | | no statistics (see {d}/{t}/log) |")
out += ["", "A crash, hang or memory blow-up is kept in Tests/Fixtures/fuzz/TARGET as crash-* (or timeout-*, oom-*) "
        "and replayed by VesselFuzzingTests in every test run.", ""]
text = "\n".join(out) + "\n"
benchmd.replace(md, "fuzz", text)
print(text)
