"""benchproc.py -- running a benchmark's commands: as the test user, timed (wall and wait4's CPU),
with the page cache dropped. Shared by the paired-round benchmarks (bench-baseline, bench-inflate)."""
import os
import pwd
import subprocess
import time


def as_user(user):
    pw = pwd.getpwnam(user)
    env = dict(os.environ, HOME=pw.pw_dir, USER=user, LOGNAME=user)
    return ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--init-groups"], env


def timed(argv, env, cwd):
    """Wall and CPU seconds of one command: the CPU is wait4's for that process and the
    descendants it waited for (RUSAGE_CHILDREN deltas also catch whatever else this process
    reaps meanwhile, which made srun's CPU look 1.4x one way)."""
    t = time.monotonic()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)}: exit {proc.returncode}: {err.decode()[-400:]}")
    return wall, usage.ru_utime + usage.ru_stime


def drop_caches():
    subprocess.run(["sh", "-c", "sync; echo 3 > /proc/sys/vm/drop_caches"], check=True)


def layout_arguments(runs):
    """The arguments of a benchmark over one OCI layout built by `vessel` as the test user
    (bench-inflate, bench-floor); with the user's command prefix and environment, and the
    layout's manifest."""
    import argparse
    import json
    p = argparse.ArgumentParser()
    for name in ["--vessel", "--user", "--work", "--layout", "--results", "--markdown", "--command", "--machine"]:
        p.add_argument(name, required=True)
    p.add_argument("--runs", type=int, default=runs)
    a = p.parse_args()
    index = json.load(open(f"{a.layout}/index.json"))
    manifest = json.load(open(f"{a.layout}/blobs/{index['manifests'][0]['digest'].replace(':', '/')}"))
    return (a, *as_user(a.user), manifest)

