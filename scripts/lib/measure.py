#!/usr/bin/env python3
"""measure.py -- run a shell command N times; record wall time and peak RSS.

usage: measure.py [--runs N] [--prepare CMD] [--drop-caches] [--user NAME]
                [--output PATH] [--results FILE.jsonl] --name NAME -- CMD...

Each run: run PREPARE (sh -c, as the caller, untimed), optionally
`sync; echo 3 > /proc/sys/vm/drop_caches` (needs root), then run CMD via
`sh -c` (as NAME through setpriv when --user is given, with HOME/USER set)
and measure wall-clock time and the peak RSS (GNU time's %M: ru_maxrss
of the largest single process in the tree under sh -c; the small
/usr/bin/time wrapper adds ~1 ms). Prints and appends one JSON line:
name, runs, times, median/min/max seconds, peak RSS (KiB, max over runs),
exit codes and the size of --output (bytes; a directory counts apparent
size of its files) after the last run.
"""
import argparse
import json
import os
import pwd
import statistics
import subprocess
import sys
import time


def size_of(path):
    if not path or not os.path.lexists(path):
        return None
    if os.path.isdir(path) and not os.path.islink(path):
        total = 0
        for root, dirs, files in os.walk(path):
            for f in files:
                try:
                    total += os.lstat(os.path.join(root, f)).st_size
                except OSError:
                    pass
        return total
    return os.path.getsize(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--prepare")
    ap.add_argument("--drop-caches", action="store_true")
    ap.add_argument("--user")
    ap.add_argument("--output")
    ap.add_argument("--results")
    ap.add_argument("--name", required=True)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    shell_cmd = " ".join(cmd)
    argv = ["sh", "-c", shell_cmd]
    env = dict(os.environ)
    if a.user:
        pw = pwd.getpwnam(a.user)
        argv = ["setpriv", "--reuid", str(pw.pw_uid), "--regid", str(pw.pw_gid), "--init-groups"] + argv
        env.update(HOME=pw.pw_dir, USER=a.user, LOGNAME=a.user)
    # peak RSS comes from /usr/bin/time (%M of its child): a process exec'd
    # straight from this Python inherits Python's RSS as its ru_maxrss floor.
    import tempfile
    rssf = tempfile.NamedTemporaryFile(prefix="bench-rss-", delete=False).name
    os.chmod(rssf, 0o666)
    i = argv.index("sh")
    argv = argv[:i] + ["/usr/bin/time", "-f", "%M", "-o", rssf] + argv[i:]
    times, rss, codes = [], [], []
    for i in range(a.runs):
        if a.prepare:
            subprocess.run(["sh", "-c", a.prepare], check=True)
        if a.drop_caches:
            subprocess.run(["sh", "-c", "sync; echo 3 > /proc/sys/vm/drop_caches"], check=True)
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        dt = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        try:
            with open(rssf) as f:
                kib = int(f.read().strip().splitlines()[-1])
        except (OSError, ValueError, IndexError):
            kib = -1
        times.append(dt)
        rss.append(kib)
        codes.append(p.returncode)
        print("  %s run %d/%d: %.3fs rss=%dKiB rc=%d" % (a.name, i + 1, a.runs, dt, kib, p.returncode),
              file=sys.stderr, flush=True)
    res = {
        "name": a.name, "cmd": shell_cmd, "user": a.user or "root", "runs": a.runs,
        "drop_caches": a.drop_caches, "times": [round(t, 4) for t in times],
        "median": round(statistics.median(times), 4), "min": round(min(times), 4),
        "max": round(max(times), 4), "peak_rss_kib": max(rss), "exit_codes": codes,
        "output": a.output, "output_bytes": size_of(a.output),
    }
    os.unlink(rssf)
    line = json.dumps(res)
    print(line)
    if a.results:
        with open(a.results, "a") as f:
            f.write(line + "\n")
    return 0 if all(c == 0 for c in codes) else 1


if __name__ == "__main__":
    sys.exit(main())
