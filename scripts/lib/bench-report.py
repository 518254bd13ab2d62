#!/usr/bin/env python3
"""bench-report.py SECTION RESULTS.jsonl BENCHMARKS.md COMMAND MACHINE

Replaces the section `## SECTION` of BENCHMARKS.md with a table of the results: median
seconds, peak RSS, output size, and each peer's time as a multiple of Vessel's."""
import collections
import datetime
import json
import re

import benchmd
import sys

section, results, md, command, machine = sys.argv[1:6]
rows = [json.loads(l) for l in open(results) if l.strip()]
by_image = collections.OrderedDict()
for r in rows:
    img, tool = r["name"].split("/", 1)
    by_image.setdefault(img, {})[tool] = r

TARGETS = {"umoci+mksquashfs-zstd3": 2.0, "umoci+mksquashfs-gzip": 7.0,
           "skopeo+umoci+mksquashfs-zstd3": 2.0, "ch-image-pull+ch-convert": 2.0}
BASES = ("vessel-zstd3", "vessel-pull")
out = [f"## {section}", "",
       f"Command: `{command}`  ", f"Machine: {machine}  ",
       f"Date: {datetime.date.today().isoformat()}; every tool run as an unprivileged user, page cache dropped "
       "(and for pull, every tool's own cache emptied) before each run.", ""]
for img, tools in by_image.items():
    base = next((tools[b] for b in BASES if b in tools), None)
    out += [f"### {img}", "", "| tool | median s | min s | max s | peak RSS MiB | output MiB | time vs vessel | target |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for tool, r in tools.items():
        ratio = r["median"] / base["median"] if base else float("nan")
        target = f"vessel at least {TARGETS[tool]:g}x faster: {'met' if ratio >= TARGETS[tool] else 'NOT met'}" if tool in TARGETS else ""
        ok = "" if all(c == 0 for c in r["exit_codes"]) else " (failed)"
        out.append(f"| {tool}{ok} | {r['median']:.2f} | {r['min']:.2f} | {r['max']:.2f} | {r['peak_rss_kib']/1024:.0f} | "
                   f"{(r['output_bytes'] or 0)/2**20:.1f} | {ratio:.2f}x | {target} |")
    if "vessel-gzip" in tools and "umoci+mksquashfs-gzip" in tools:
        same = tools["umoci+mksquashfs-gzip"]["median"] / tools["vessel-gzip"]["median"]
        out.append(f"\nSame codec (gzip level 9 both): umoci+mksquashfs takes {same:.2f}x the time of vessel --compression gzip; "
                   "there most of the time is gzip compression itself.")
    out.append("")
if section == "pull":
    out.append("Vessel downloads the blobs on 3 connections, top layer first, into its cache (checking each digest as it "
               "arrives) and converts each layer as soon as it is complete, so the download hides behind the conversion; "
               "the peers download to a layout or store, unpack a tree to disk and compress it. Charliecloud speaks HTTPS "
               "only, so it pulls from the TLS twin of the same registry; ch-convert writes gzip (mksquashfs's default).")
    out.append("")
text = "\n".join(out) + "\n"

benchmd.replace(md, section, text)
print(text)
