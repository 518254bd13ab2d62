#!/bin/bash
# make-gpu-standins.sh -- stand-ins for an NVIDIA driver on a machine without a GPU (needs root).
#
# Real ELF shared libraries (built with gcc) under the driver's sonames, registered in the
# ld.so cache; a stand-in nvidia-smi; device nodes /dev/nvidia0, /dev/nvidia1, /dev/nvidiactl,
# /dev/nvidia-uvm cloned from /dev/null (major 1, minor 3), as the Slurm test cluster's are.
# Idempotent. `make-gpu-standins.sh --remove` takes them away again.
set -euo pipefail
LIB=/usr/local/lib/vessel-test-nvidia
CONF=/etc/ld.so.conf.d/vessel-test-nvidia.conf
SMI=/usr/local/bin/nvidia-smi
DEVS="nvidia0 nvidia1 nvidiactl nvidia-uvm"

if [ "${1:-}" = --remove ]; then
  rm -rf "$LIB" "$CONF" "$SMI"
  for d in $DEVS; do rm -f "/dev/$d"; done
  ldconfig
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "make-gpu-standins.sh: needs root" >&2; exit 1; }

if [ ! -f "$LIB/.done" ]; then
  mkdir -p "$LIB"
  src=$(mktemp --suffix=.c)
  cat > "$src" <<'C'
int cuInit(unsigned int flags) { (void)flags; return 0; }
int cuDriverGetVersion(int *v) { *v = 12040; return 0; }
const char *vessel_standin(void) { return "stand-in NVIDIA driver for Vessel's tests"; }
C
  for so in libcuda.so.1 libnvidia-ml.so.1 libnvidia-ptxjitcompiler.so.1; do
    base=${so%.1}
    gcc -shared -fPIC -o "$LIB/$base.550.54.14" -Wl,-soname,"$so" "$src"
    ln -sf "$base.550.54.14" "$LIB/$so"
  done
  rm -f "$src"
  touch "$LIB/.done"
fi
echo "$LIB" > "$CONF"
ldconfig

cat > "$SMI" <<'SH'
#!/bin/sh
# Stand-in nvidia-smi for Vessel's tests.
echo "NVIDIA-SMI stand-in; CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES:-unset}"
SH
chmod 755 "$SMI"

for d in $DEVS; do
  [ -e "/dev/$d" ] || mknod -m 666 "/dev/$d" c 1 3
done
