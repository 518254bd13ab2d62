#!/usr/bin/env python3
"""bench-mpi.py: the rounds of `scripts/bench mpi` and its BENCHMARKS.md section ("mpi").
Each round runs host, plugin and exec back to back (the order rotating), so the machine's
drift is shared by the three; a container's ratio is taken to the host's run of its round."""
import argparse
import datetime
import statistics
import subprocess

import benchmd

p = argparse.ArgumentParser()
for a in ("--user", "--dir", "--vessel", "--md", "--command", "--machine"):
    p.add_argument(a, required=True)
p.add_argument("--rounds", type=int, default=9)
p.add_argument("--iters", type=int, default=20000)
o = p.parse_args()

srun = ["srun", "-p", "cpu", "-n", "2", "--mpi=pmix"]
img = f"{o.dir}/mpi.sqsh"
variants = {
    "host": srun + [f"{o.dir}/pingpong", str(o.iters)],
    "plugin": srun + [f"--container-image={img}", "pingpong", str(o.iters)],
    "exec": srun + [o.vessel, "exec", img, "pingpong", str(o.iters)],
}
names = list(variants)


def run(name):
    # The same transport in all three, OpenMPI's shared memory (ob1 over vader, with CMA): the
    # host's OpenMPI would otherwise take its libfabric (pml cm), or poll its other BTLs (ofi,
    # openib) on every progress call, and be measured on a different path from the image's.
    cmd = ["runuser", "-u", o.user, "--", "env", "-C", o.dir, "OMPI_MCA_pml=ob1", "OMPI_MCA_btl=self,vader",
           "timeout", "300"] + variants[name]
    r = subprocess.run(cmd, capture_output=True, text=True)
    values = dict(line.split() for line in r.stdout.splitlines() if line.count(" ") == 1)
    if r.returncode != 0 or "latency_us" not in values:
        raise SystemExit(f"bench mpi: {name} failed ({r.returncode}): {r.stderr.strip()[-400:]}")
    return float(values["latency_us"]), float(values["bandwidth_MBps"])


for name in names:  # warm up: the image's pages, the cluster's first step
    run(name)
rounds = []
for i in range(o.rounds):
    order = names[i % 3:] + names[:i % 3]
    rounds.append({name: run(name) for name in order})
    print(f"round {i + 1}: " + ", ".join(f"{n} {rounds[-1][n][0]:.2f} us {rounds[-1][n][1]:.0f} MB/s" for n in names), flush=True)

med = {n: (statistics.median(r[n][0] for r in rounds), statistics.median(r[n][1] for r in rounds)) for n in names}
lat_ratio = {n: statistics.median(r[n][0] / r["host"][0] for r in rounds) for n in names}
bw_ratio = {n: statistics.median(r[n][1] / r["host"][1] for r in rounds) for n in names}
label = {"host": "host (no container)", "plugin": "srun --container-image (plugin)", "exec": "srun vessel exec"}
out = ["## mpi", "", f"Command: `{o.command}`  ", f"Machine: {o.machine}  ",
       f"Date: {datetime.date.today().isoformat()}; two ranks on one node of the test cluster (`srun -n 2 --mpi=pmix`), "
       "OpenMPI's shared-memory transport in all three (`OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader`: "
       "the host's OpenMPI would otherwise take its libfabric, or poll its other BTLs, 4x slower in latency here), the MPI fixture image's `pingpong`; "
       f"{o.rounds} paired rounds, medians; ratios are the median over rounds of each run to the host's run of its round.", "",
       "| | latency, 8 B (us) | latency ratio to host | bandwidth, 1 MiB (MB/s) | bandwidth ratio to host |",
       "| --- | ---: | ---: | ---: | ---: |"]
for n in names:
    out.append(f"| {label[n]} | {med[n][0]:.2f} | {lat_ratio[n]:.3f} | {med[n][1]:.0f} | {bw_ratio[n]:.3f} |")
worst = max(max(lat_ratio[n], 1 / bw_ratio[n]) for n in ("plugin", "exec"))
out += ["", f"Worst container ratio (latency over host, or host bandwidth over the container's): {worst:.3f} "
        f"(target within 5% of the host: {'met' if worst <= 1.05 else 'NOT met'}). Both containers run the ranks of a node "
        "in one user and mount namespace, so OpenMPI's shared memory and CMA work as on the host.", ""]
text = "\n".join(out) + "\n"
benchmd.replace(o.md, "mpi", text)
print(text)
