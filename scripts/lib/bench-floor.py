#!/usr/bin/env python3
"""bench-floor.py -- how far `vessel build` of an OCI layout is from the hardware's floor, and
how it scales from one core to two (taskset), in paired rounds with the page cache dropped.

The floor is the CPU time of the work no converter can skip, divided by the cores: every layer
decompressed by the fastest decoder here (ISA-L's `igzip -dc` for gzip, `zstd -dc` for zstd,
nothing for plain tar), and the decompressed bytes compressed once with zstd level 3 (`zstd -3
-T1`, one stream: SquashFS's 128 KiB blocks cost more). Both are measured in the same rounds,
from files in the page cache (the decompressed layers are written once, before the rounds)."""
import json
import os
import statistics
import subprocess

import benchmd
from benchproc import drop_caches, layout_arguments, timed


def main():
    a, prefix, env, manifest = layout_arguments(runs=5)
    cores = os.cpu_count()
    layers = [(f"{a.layout}/blobs/{l['digest'].replace(':', '/')}", l["mediaType"]) for l in manifest["layers"]]
    decoder = lambda media: ["igzip", "-dc"] if media.endswith("gzip") else ["zstd", "-dc"] if media.endswith("zstd") else ["cat"]

    # The decompressed layers, once (not timed): the compressor's input.
    plain = f"{a.work}/layers.tar"
    with open(plain, "wb") as out:
        for blob, media in layers:
            subprocess.run(decoder(media) + [blob], stdout=out, check=True)
    size = os.path.getsize(plain)
    script = 'for f in "$@"; do case $f in *gzip) igzip -dc "${f%:*}";; *zstd) zstd -dc "${f%:*}";; *) cat "${f%:*}";; esac; done >/dev/null'
    cases = {
        "vessel build, 2 cores": prefix + ["taskset", "-c", "0,1", a.vessel, "build", "-q", "--force", f"{a.work}/two.sqsh", f"oci:{a.layout}"],
        "vessel build, 1 core": prefix + ["taskset", "-c", "0", a.vessel, "build", "-q", "--force", f"{a.work}/one.sqsh", f"oci:{a.layout}"],
        "decompress every layer (igzip/zstd -dc)": prefix + ["sh", "-c", script, "sh"] + [f"{b}:{m.rsplit('.', 1)[-1]}" for b, m in layers],
        "compress the decompressed bytes (zstd -3 -T1)": prefix + ["sh", "-c", 'zstd -3 -T1 -q -c "$1" >/dev/null', "sh", plain],
    }
    samples = {c: [] for c in cases}
    for rnd in range(a.runs):
        order = list(cases) if rnd % 2 == 0 else list(reversed(cases))
        for case in order:
            drop_caches()
            if case.startswith("compress"):  # its input is a scratch file: read it into the cache first
                subprocess.run(["cat", plain], stdout=subprocess.DEVNULL, check=True)
            samples[case].append(timed(cases[case], env, a.work))
    os.unlink(plain)
    med = {c: (statistics.median(w for w, _ in s), statistics.median(u for _, u in s)) for c, s in samples.items()}
    with open(a.results, "a") as out:
        out.write(json.dumps({"samples": samples, "cores": cores, "bytes": size}) + "\n")
    floor_cpu = med["decompress every layer (igzip/zstd -dc)"][1] + med["compress the decompressed bytes (zstd -3 -T1)"][1]
    floor = floor_cpu / cores
    two, one = med["vessel build, 2 cores"], med["vessel build, 1 core"]
    per_round = [s2[0] / ((d[1] + z[1]) / cores) for s2, d, z in zip(samples["vessel build, 2 cores"],
                 samples["decompress every layer (igzip/zstd -dc)"], samples["compress the decompressed bytes (zstd -3 -T1)"])]
    rows = [f"| {c} | {med[c][0]:.2f} s | {med[c][1]:.2f} s |" for c in cases]
    text = (f"## floor\n\n`vessel build` of the {os.path.basename(a.layout)} fixture's OCI layout ({len(layers)} layers, "
            f"{size / 1e6:.0f} MB decompressed) against the floor: the CPU time of decompressing every layer with the fastest "
            f"decoder here (ISA-L's `igzip -dc`; `zstd -dc`) plus compressing the decompressed bytes once with `zstd -3 -T1`, "
            f"divided by the {cores} cores. Page cache dropped before each run ({a.runs} paired rounds, order alternating); "
            f"the builds pinned with `taskset`.\n\n"
            f"Command: `{a.command}`. Machine: {a.machine}.\n\n"
            "| case | wall | CPU |\n| --- | --- | --- |\n" + "\n".join(rows) + "\n\n"
            f"- Floor: {floor_cpu:.2f} s of CPU / {cores} cores = **{floor:.2f} s**. Vessel on {cores} cores: {two[0]:.2f} s, "
            f"**{two[0] / floor:.2f}x the floor** (median over rounds of each round's ratio: {statistics.median(per_round):.2f}x; "
            f"target at most 1.3x). Vessel's CPU is {two[1] / floor_cpu:.2f}x the floor's.\n"
            f"- Scaling: 1 core {one[0]:.2f} s, 2 cores {two[0]:.2f} s: **{one[0] / two[0]:.2f}x** "
            f"(2.00x would be perfect).\n")
    benchmd.replace(a.markdown, "floor", text)
    print(text)


if __name__ == "__main__":
    main()
