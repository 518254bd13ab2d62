#!/bin/bash
# stop-registry.sh -- stops the test registries started by start-registry.sh (state is kept).
STATE=${VESSEL_REGISTRY_DIR:-/var/tmp/vessel-registry}
for f in "$STATE"/*/pid; do
  [ -f "$f" ] || continue
  kill "$(cat "$f")" 2>/dev/null || true
  rm -f "$f"
done
