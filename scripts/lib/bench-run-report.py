#!/usr/bin/env python3
"""bench-run-report.py DIR BENCHMARKS.md COMMAND MACHINE CH_VERSION -- the "run" section."""
import datetime
import json
import re
import sys

d, md, command, machine, chv = sys.argv[1:6]


def load(name):
    return {r["command"]: r for r in json.load(open(f"{d}/{name}"))["results"]}


def ms(r):
    return r["median"] * 1000


lat, warm, cold, conc = (load(f"run-{n}.json") for n in ("latency", "import-warm", "import-cold", "concurrent"))
rows = []
def row(what, v, c, target, met):
    rows.append(f"| {what} | {v:.1f} | {c:.1f} | {v / c:.2f}x | {target} | {'met' if met else 'NOT met'} |")

row("`exec IMAGE /bin/true`, start-up", ms(lat["vessel"]), ms(lat["ch-run"]), "vessel <= ch-run", ms(lat["vessel"]) <= ms(lat["ch-run"]))
row("`import numpy, scipy`, warm", ms(warm["vessel"]), ms(warm["ch-run"]), "vessel <= ch-run", ms(warm["vessel"]) <= ms(warm["ch-run"]) * 1.05)
row("`import numpy, scipy`, page cache dropped", ms(cold["vessel"]), ms(cold["ch-run"]), "vessel <= ch-run", ms(cold["vessel"]) <= ms(cold["ch-run"]) * 1.05)
v16 = ms(conc["vessel x16"]) / ms(conc["vessel x1"])
c16 = ms(conc["ch-run x16"]) / ms(conc["ch-run x1"])
rows.append(f"| 16 concurrent starts / 1 start (time ratio) | {v16:.2f}x | {c16:.2f}x | | vessel <= 2x | {'met' if v16 <= 2 else 'NOT met'} |")

text = "\n".join([
    "## run", "",
    f"Command: `{command}`  ", f"Machine: {machine}  ", f"Peer: Charliecloud ch-run {chv} (Debian), on the same SquashFS files.  ",
    f"Date: {datetime.date.today().isoformat()}; hyperfine medians, every command as an unprivileged user.", "",
    "| measurement | vessel ms | ch-run ms | vessel / ch-run | target | |", "| --- | ---: | ---: | ---: | --- | --- |",
    *rows,
    "", f"16 concurrent starts: vessel {ms(conc['vessel x16']):.0f} ms (one: {ms(conc['vessel x1']):.0f} ms); "
        f"ch-run {ms(conc['ch-run x16']):.0f} ms (one: {ms(conc['ch-run x1']):.0f} ms). Within 5% counts as no slower.", ""]) + "\n"
doc = open(md).read()
pattern = re.compile(r"^## run\n.*?(?=^## |\Z)", re.S | re.M)
doc = pattern.sub(lambda _: text, doc) if pattern.search(doc) else doc.rstrip("\n") + "\n\n" + text
open(md, "w").write(doc)
print(text)
