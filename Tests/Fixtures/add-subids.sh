#!/bin/bash
# add-subids.sh USER... -- give each user a subordinate uid and gid range (65536 ids) past every
# range /etc/subuid and /etc/subgid already hold, unless the user has one. Needs root.
set -euo pipefail
for user in "$@"; do
  for f in /etc/subuid /etc/subgid; do
    touch "$f"
    grep -q "^$user:" "$f" && continue
    start=$(awk -F: 'BEGIN { end = 100000 } { if ($2 + $3 > end) end = $2 + $3 } END { print end }' "$f")
    if [ "$f" = /etc/subuid ]; then
      usermod --add-subuids "$start-$((start + 65535))" "$user"
    else
      usermod --add-subgids "$start-$((start + 65535))" "$user"
    fi
  done
done
