#!/usr/bin/env python3
"""bench-inflate.py -- vessel build of one OCI layout with gzip layers decompressed by ISA-L
(the default) and by zlib (VESSEL_INFLATE=zlib, libarchive's gzip filter), on a thread of their
own (the default) or not (VESSEL_LAYER_THREAD=0; zlib on one thread is what Vessel did before),
in rounds with the order alternating and the page cache dropped; beside them
the decompression alone of the same layers by GNU gzip (its own inflate, slower than zlib's) and
by ISA-L's igzip: the floor of the inflate part. Medians, ratios
and whether both outputs are the same bytes, into BENCHMARKS.md."""
import hashlib
import json
import os
import statistics

import benchmd
from benchproc import drop_caches, layout_arguments, timed


def main():
    a, prefix, env, manifest = layout_arguments(runs=6)
    gz = [f"{a.layout}/blobs/{l['digest'].replace(':', '/')}" for l in manifest["layers"] if l["mediaType"].endswith("gzip")]
    build = lambda name: prefix + [a.vessel, "build", "-q", "--force", f"{a.work}/{name}.sqsh", f"oci:{a.layout}"]
    outputs = {name: f"{a.work}/{name}.sqsh" for name in ["isal", "isal-1", "zlib-1"]}
    cases = {
        "ISA-L, decoding on its own thread (the default)": (build("isal"), env),
        "ISA-L, one thread (VESSEL_LAYER_THREAD=0)": (build("isal-1"), dict(env, VESSEL_LAYER_THREAD="0")),
        "zlib, one thread (as before)": (build("zlib-1"), dict(env, VESSEL_INFLATE="zlib", VESSEL_LAYER_THREAD="0")),
        "gzip -dc": (prefix + ["sh", "-c", 'for f in "$@"; do gzip -dc "$f"; done >/dev/null', "sh"] + gz, env),
        "igzip -dc": (prefix + ["sh", "-c", 'for f in "$@"; do igzip -dc "$f"; done >/dev/null', "sh"] + gz, env),
    }
    samples = {c: [] for c in cases}
    for rnd in range(a.runs):
        order = list(cases) if rnd % 2 == 0 else list(reversed(cases))
        for case in order:
            argv, e = cases[case]
            drop_caches()
            samples[case].append(timed(argv, e, a.work))
    digests = {k: hashlib.sha256(open(v, "rb").read()).hexdigest() for k, v in outputs.items()}
    med = {c: (statistics.median(w for w, _ in s), statistics.median(u for _, u in s)) for c, s in samples.items()}
    with open(a.results, "a") as out:
        out.write(json.dumps({"samples": samples, "digests": digests}) + "\n")
    before = med["zlib, one thread (as before)"][0]
    rows = [f"| {c} | {med[c][0]:.2f} s | {med[c][1]:.2f} s | **{before / med[c][0]:.2f}x** |" for c in cases]
    text = (f"## inflate\n\nGzip layers decompressed by ISA-L (libisal, the default) against zlib (`VESSEL_INFLATE=zlib`: "
            f"libarchive's gzip filter), and decoded on a thread of their own (the default) or on the one that parses and merges "
            f"(`VESSEL_LAYER_THREAD=0`, as before), `vessel build` of the ML fixture's OCI layout ({len(gz)} gzip layers of "
            f"{len(manifest['layers'])}), page cache dropped before each run, {a.runs} paired rounds (order alternating); "
            f"beside them the decompression alone of the same layers, by GNU gzip (`gzip -dc`, its own inflate, slower than zlib's) "
            f"and by ISA-L (`igzip -dc`). Speed-up is the median wall time of the build as before (zlib, one thread) over the row's.\n\n"
            f"Command: `{a.command}`. Machine: {a.machine}.\n\n"
            "| case | wall | CPU | speed-up over the build as before |\n| --- | --- | --- | --- |\n" + "\n".join(rows) + "\n\n"
            f"All builds give the same bytes: {'yes' if len(set(digests.values())) == 1 else 'NO'} (sha256 {digests['isal'][:16]}...).\n")
    benchmd.replace(a.markdown, "inflate", text)
    print(text)


if __name__ == "__main__":
    main()
