#!/bin/bash
# start-with-plugin.sh BIN -- start the test cluster with Vessel's Slurm plugin from BIN (the
# directory holding libvessel-spank.so and vessel) installed as a site does
# (contrib/slurm/plugstack.conf). start-with-plugin.sh --installed: the plugin a package installed
# (scripts/package), on a line with no arguments, as the package's plugstack.conf.d file has it. srun, sbatch and slurmstepd read plugstack.conf at each run,
# but slurmd decides when it starts whether plugins have a job epilog (where results are
# collected), and refuses to start when a listed plugin is missing: so the line is written
# before the cluster starts, and a changed line restarts it.
set -euo pipefail
BIN=${1:?usage: start-with-plugin.sh BIN}
HERE=$(dirname "$0")
STACK=${SLURM_TEST_DIR:-/tmp/slurm-test}/etc/plugstack.conf.d
if [ "$BIN" = --installed ]; then
  LINE="required /usr/lib/vessel/libvessel-spank.so"
else
  LINE="required $BIN/libvessel-spank.so runtime=$BIN/vessel"
fi
if [ "$(cat "$STACK/vessel.conf" 2>/dev/null)" != "$LINE" ]; then
  bash "$HERE/stop-cluster.sh" >/dev/null 2>&1 || true
  mkdir -p "$STACK"
  echo "$LINE" > "$STACK/vessel.conf"
fi
# slurmd loads Slurm's MPI plugins when it starts: one started before libpmix.so was installed
# (scripts/install-deps) leaves every `srun --mpi=pmix` step waiting for good. Restart it then.
PMIX=/usr/lib/x86_64-linux-gnu/pmix2/lib/libpmix.so
PIDFILE=${SLURM_TEST_DIR:-/tmp/slurm-test}/run/slurmctld.pid
if [ -e "$PMIX" ] && [ -e "$PIDFILE" ] && [ "$(stat -c %Z "$PMIX")" -gt "$(stat -c %Y "$PIDFILE")" ]; then
  bash "$HERE/stop-cluster.sh" >/dev/null 2>&1 || true
fi
bash "$HERE/start-cluster.sh"
