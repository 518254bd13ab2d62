#!/usr/bin/env python3
"""make-inventory.py OUT.json [NODES] [PARTITIONS] -- a synthetic recorded cluster inventory for
`vessel submit --inventory` (what scripts/bench place measures): NODES nodes (default 2000) in
PARTITIONS partitions (default 30), GPU partitions of a100 / v100 / h100 nodes with 4 or 8 GPUs,
some CPU-only partitions, some drained nodes, some group-restricted partitions, MaxTime limits,
and one start estimate per partition (seconds from now). Deterministic (fixed seed)."""
import json
import random
import sys

out = sys.argv[1]
n_nodes = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
n_parts = int(sys.argv[3]) if len(sys.argv) > 3 else 30
rng = random.Random(42)
types = ["a100", "v100", "h100", None]
nodes, parts, estimates = [], [], {}
per = n_nodes // n_parts
for p in range(n_parts):
    gpu = types[p % len(types)]
    count = 8 if p % 2 else 4
    names = []
    for i in range(per + (1 if p < n_nodes % n_parts else 0)):
        name = f"p{p:02d}n{i:03d}"
        names.append(name)
        nodes.append({
            "name": name, "state": "IDLE", "isAvailable": rng.random() > 0.03,
            "cpus": 64, "memoryMB": 512000,
            "features": ["gpu", gpu, "cuda12.2"] if gpu else ["cpu"],
            "gpus": [{"type": gpu, "count": count}] if gpu else [], "gpusUsed": [],
        })
    part = {"name": f"part{p:02d}", "isUp": True, "state": "UP", "nodeNames": names,
            "maxTimeMinutes": rng.choice([720, 1440, 2880, 10080]), "priorityTier": rng.choice([1, 1, 1, 10]),
            "isDefault": p == 0}
    if p % 7 == 6:
        part["allowGroups"] = ["physics"]
    parts.append(part)
    estimates[part["name"]] = {"startIn": rng.choice([0, 0, 600, 3600, 7200, 86400])}
json.dump({"inventory": {"partitions": parts, "nodes": nodes}, "estimates": estimates}, open(out, "w"))
print(f"{out}: {len(nodes)} nodes, {len(parts)} partitions")
