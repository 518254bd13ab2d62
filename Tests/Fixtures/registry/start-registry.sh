#!/bin/bash
# start-registry.sh FIXTURES -- the test registries, on 127.0.0.1 (adapted from the shared recipe).
#
#   :5100  docker-registry, plain HTTP          corpus/{tiny,debian,ml,multiarch}:latest
#   :5101  docker-registry, HTTP basic auth     corpus/tiny:latest (user corpus, password corpus-secret)
#   :5102  docker-registry, HTTPS (test CA)     corpus/tiny:latest; CA in STATE/ca/ca.crt
#   :5103  registry-proxy.py: Bearer tokens     a token service in front of :5100
#   :5104  registry-proxy.py: faults            /drop/, /ratelimit/, /corrupt/, /redirect/ + the :5100 path
#
# State (configs, storage, logs, pids) is in $VESSEL_REGISTRY_DIR (default /var/tmp/vessel-registry)
# and survives restarts, so images are pushed again only when the fixtures changed. Writes
# STATE/env.sh for the tests. Idempotent: running registries are left alone. Run as root.
# Needs: docker-registry skopeo curl apache2-utils openssl python3.
set -euo pipefail
FIXTURES=${1:?usage: start-registry.sh FIXTURES_DIR}
STATE=${VESSEL_REGISTRY_DIR:-/var/tmp/vessel-registry}
HERE=$(cd "$(dirname "$0")" && pwd)
CREDS=corpus:corpus-secret
mkdir -p "$STATE"; chmod 0755 "$STATE"

write_config() { # NAME PORT [HTPASSWD] [TLSDIR]
  local n=$1 p=$2 h=${3:-} tls=${4:-}
  mkdir -p "$STATE/$n/storage"
  {
    echo "version: 0.1"
    echo "log: {level: info, accesslog: {disabled: false}}"
    echo "storage:"
    echo "  filesystem: {rootdirectory: $STATE/$n/storage}"
    echo "  delete: {enabled: true}"
    echo "  maintenance: {uploadpurging: {enabled: false}}"
    echo "http:"
    echo "  addr: 127.0.0.1:$p"
    echo "  secret: vessel-local-test-secret"
    [ -n "$tls" ] && echo "  tls: {certificate: $tls/server.crt, key: $tls/server.key}"
    if [ -n "$h" ]; then
      echo "auth:"
      echo "  htpasswd: {realm: vessel-test, path: $h}"
    fi
  } > "$STATE/$n/config.yml"
}

running() { [ -f "$STATE/$1/pid" ] && kill -0 "$(cat "$STATE/$1/pid")" 2>/dev/null; }

wait_up() { # NAME URL
  for _ in $(seq 1 100); do
    code=$(curl -s -k -o /dev/null -w '%{http_code}' "$2" || true)
    case $code in 200|401) return 0 ;; esac
    running "$1" || break
    sleep 0.1
  done
  echo "start-registry: $1 did not start; log:" >&2; tail -20 "$STATE/$1/registry.log" >&2; return 1
}

start_registry() { # NAME PORT SCHEME
  running "$1" && return 0
  setsid docker-registry serve "$STATE/$1/config.yml" >> "$STATE/$1/registry.log" 2>&1 < /dev/null &
  echo $! > "$STATE/$1/pid"
  wait_up "$1" "$3://127.0.0.1:$2/v2/"
}

start_proxy() { # NAME PORT MODE
  mkdir -p "$STATE/$1"
  # A proxy started from another version of registry-proxy.py is replaced.
  local version; version=$(sha256sum "$HERE/registry-proxy.py" | cut -d' ' -f1)
  if running "$1" && [ "$(cat "$STATE/$1/version" 2>/dev/null)" != "$version" ]; then
    kill "$(cat "$STATE/$1/pid")"
    for _ in $(seq 1 50); do running "$1" || break; sleep 0.1; done
  fi
  running "$1" && return 0
  echo "$version" > "$STATE/$1/version"
  setsid python3 "$HERE/registry-proxy.py" --port "$2" --mode "$3" --upstream http://127.0.0.1:5100 \
    --creds "$CREDS" --log "$STATE/$1/registry.log" >> "$STATE/$1/stderr.log" 2>&1 < /dev/null &
  echo $! > "$STATE/$1/pid"
  wait_up "$1" "http://127.0.0.1:$2/v2/"
}

[ -f "$STATE/htpasswd" ] || htpasswd -Bbc "$STATE/htpasswd" "${CREDS%%:*}" "${CREDS#*:}" 2>/dev/null
if [ ! -f "$STATE/tls/server.crt" ]; then
  mkdir -p "$STATE/tls" "$STATE/ca"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=127.0.0.1 \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$STATE/tls/server.key" -out "$STATE/tls/server.crt" 2>/dev/null
  cp "$STATE/tls/server.crt" "$STATE/ca/ca.crt"; chmod 0644 "$STATE/ca/ca.crt"
fi
write_config plain 5100
write_config auth 5101 "$STATE/htpasswd"
write_config tls 5102 "" "$STATE/tls"
start_registry plain 5100 http
start_registry auth 5101 http
start_registry tls 5102 https
start_proxy token 5103 token
start_proxy faults 5104 faults

# Push what is missing or changed (the manifest digest is preserved by skopeo copy).
push() { # LAYOUT_REF PORT NAME [skopeo args]
  local src=$1 port=$2 name=$3; shift 3
  local want have
  want=$(skopeo inspect --raw "oci:$src" | sha256sum | cut -d' ' -f1)
  have=$(skopeo inspect --raw --tls-verify=false --creds "$CREDS" "docker://127.0.0.1:$port/corpus/$name:latest" 2>/dev/null | sha256sum | cut -d' ' -f1 || true)
  [ "$want" = "$have" ] && return 0
  skopeo copy --quiet --dest-tls-verify=false --dest-creds "$CREDS" "$@" "oci:$src" "docker://127.0.0.1:$port/corpus/$name:latest"
  echo "pushed corpus/$name to :$port"
}
for n in tiny debian ml; do
  [ -d "$FIXTURES/oci/$n" ] && push "$FIXTURES/oci/$n:latest" 5100 "$n"
done
[ -d "$FIXTURES/multiarch" ] && push "$FIXTURES/multiarch:latest" 5100 multiarch --all
push "$FIXTURES/oci/tiny:latest" 5101 tiny
push "$FIXTURES/oci/tiny:latest" 5102 tiny
chmod -R a+rX "$STATE/ca" "$STATE"/*/registry.log

cat > "$STATE/env.sh" <<ENV
export VESSEL_REGISTRY_DIR=$STATE
export VESSEL_REGISTRY_PLAIN=127.0.0.1:5100
export VESSEL_REGISTRY_AUTH=127.0.0.1:5101
export VESSEL_REGISTRY_TLS=127.0.0.1:5102
export VESSEL_REGISTRY_TOKEN=127.0.0.1:5103
export VESSEL_REGISTRY_FAULTS=127.0.0.1:5104
export VESSEL_REGISTRY_CREDS=$CREDS
export VESSEL_REGISTRY_CA=$STATE/ca/ca.crt
ENV
echo "registries up; state in $STATE"
