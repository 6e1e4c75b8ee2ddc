#!/usr/bin/env bash
# Runs Ferry's cluster layout on one machine: a 3-node nats-server JetStream cluster on loopback,
# s3rver, and Ferry as separate processes (control, projector, lister, notifier and 2 copiers) with
# FERRY_NATS_REPLICAS=3. Pids, logs and data go under a temp dir; Ctrl-C stops everything.
#
#   npx tsc -p .                     # build first
#   deploy/local-cluster.sh [--keep] # --keep leaves the temp dir (logs, data) after stopping
#
# FERRY_LOCAL_PORT_OFFSET=N adds N to every port below (to run next to `make run`).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KEEP=0
for arg in "$@"; do
  case "$arg" in
    --keep) KEEP=1 ;;
    -h | --help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

OFFSET="${FERRY_LOCAL_PORT_OFFSET:-0}"
NATS_PORTS=($((4222 + OFFSET)) $((4223 + OFFSET)) $((4224 + OFFSET)))
ROUTE_PORTS=($((6222 + OFFSET)) $((6223 + OFFSET)) $((6224 + OFFSET)))
MONITOR_PORTS=($((8222 + OFFSET)) $((8223 + OFFSET)) $((8224 + OFFSET)))
S3_PORT=$((9100 + OFFSET))
HTTP_PORT=$((9000 + OFFSET))
GRPC_PORT=$((9090 + OFFSET))
METRICS_BASE=$((9101 + OFFSET))

NATS_BIN="$(command -v nats-server || true)"
for candidate in /usr/sbin/nats-server /usr/bin/nats-server /usr/local/bin/nats-server; do
  [[ -z "$NATS_BIN" && -x "$candidate" ]] && NATS_BIN="$candidate"
done
[[ -n "$NATS_BIN" ]] || { echo "nats-server not found: sudo apt-get install nats-server" >&2; exit 1; }
[[ -f "$ROOT/dist/services/main.js" ]] || { echo "build first: (cd $ROOT && npx tsc -p .)" >&2; exit 1; }

RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/ferry-local-XXXXXX")"
mkdir -p "$RUN_DIR/logs" "$RUN_DIR/pids"
PIDS=()

start() { # name, command...: runs in the background, logging to logs/<name>.log
  local name="$1"; shift
  "$@" >"$RUN_DIR/logs/$name.log" 2>&1 &
  echo $! >"$RUN_DIR/pids/$name.pid"
  PIDS+=("$name:$!")
}

stop_group() { # names matching the pattern get SIGTERM, then SIGKILL after 20 s
  local pattern="$1" entry pid waiting=()
  for entry in "${PIDS[@]}"; do
    [[ "${entry%%:*}" == $pattern ]] || continue
    pid="${entry##*:}"
    kill -TERM "$pid" 2>/dev/null && waiting+=("$pid")
  done
  for pid in "${waiting[@]}"; do
    for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
}

STOPPED=0
cleanup() {
  [[ $STOPPED == 1 ]] && return
  STOPPED=1
  trap - INT TERM EXIT
  echo "stopping..."
  stop_group 'ferry-*'
  stop_group 's3rver'
  stop_group 'nats-*'
  if [[ $KEEP == 1 ]]; then echo "logs and data kept in $RUN_DIR"; else rm -rf "$RUN_DIR"; fi
  echo "stopped"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_until() { # what, seconds, command...: polls the command every 0.2 s
  local what="$1" seconds="$2"; shift 2
  for _ in $(seq $((seconds * 5))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "timed out waiting for $what; logs in $RUN_DIR/logs (kept)" >&2
  KEEP=1
  exit 1
}

# --- 3-node JetStream cluster ---
routes=""
for i in 0 1 2; do routes+="nats-route://127.0.0.1:${ROUTE_PORTS[$i]}, "; done
for i in 0 1 2; do
  n=$((i + 1))
  cat >"$RUN_DIR/nats-$n.conf" <<EOF
server_name: n$n
listen: 127.0.0.1:${NATS_PORTS[$i]}
http: 127.0.0.1:${MONITOR_PORTS[$i]}
jetstream {
  store_dir: "$RUN_DIR/nats-$n"
}
cluster {
  name: ferry-local
  listen: 127.0.0.1:${ROUTE_PORTS[$i]}
  routes: [${routes%, }]
}
EOF
  start "nats-$n" "$NATS_BIN" -c "$RUN_DIR/nats-$n.conf"
done
for i in 0 1 2; do
  # healthz answers 200 once this server's JetStream is up and in contact with a meta leader.
  wait_until "nats-server n$((i + 1))" 30 curl -fs "http://127.0.0.1:${MONITOR_PORTS[$i]}/healthz"
done

# --- S3 endpoint with a source and a destination bucket ---
start s3rver node --openssl-legacy-provider "$ROOT/dist/libs/embedded/s3rverMain.js" 127.0.0.1 "$S3_PORT" "$RUN_DIR/s3" source destination
wait_until s3rver 30 grep -q "s3rver listening" "$RUN_DIR/logs/s3rver.log"

# --- Ferry, one process per service ---
export NATS_URL="nats://127.0.0.1:${NATS_PORTS[0]},nats://127.0.0.1:${NATS_PORTS[1]},nats://127.0.0.1:${NATS_PORTS[2]}"
export FERRY_NATS_REPLICAS=3
export FERRY_SOURCE_ENDPOINT="http://127.0.0.1:$S3_PORT" FERRY_SOURCE_ACCESS_KEY=S3RVER FERRY_SOURCE_SECRET_KEY=S3RVER
export FERRY_DATA_DIR="$RUN_DIR/ferry"
export FERRY_ADMIN_TOKEN="${FERRY_ADMIN_TOKEN:-$(openssl rand -hex 16)}"
export FERRY_SECRET_KEY="${FERRY_SECRET_KEY:-$(openssl rand -hex 32)}"
export LOG_LEVEL="${LOG_LEVEL:-info}"

FERRY_HTTP_ADDR="127.0.0.1:$HTTP_PORT" FERRY_GRPC_ADDR="127.0.0.1:$GRPC_PORT" \
  start ferry-control node --initial-old-space-size=64 "$ROOT/dist/services/main.js" --target control
wait_until "ferry control" 60 curl -fs "http://127.0.0.1:$HTTP_PORT/readyz"

port=$METRICS_BASE
# The lister's smaller semi-spaces: services/nodeFlags.ts says why.
service_flags() { if [ "$1" = lister ]; then echo --max-semi-space-size=4; fi; }
for target in projector lister notifier copier-1 copier-2; do
  # shellcheck disable=SC2046 # the service's flags are words, or none
  FERRY_METRICS_ADDR="127.0.0.1:$port" start "ferry-$target" node --initial-old-space-size=64 $(service_flags "${target%-[0-9]}") "$ROOT/dist/services/main.js" --target "${target%-[0-9]}"
  port=$((port + 1))
done
for p in $(seq "$METRICS_BASE" $((port - 1))); do
  wait_until "ferry on metrics port $p" 60 curl -fs "http://127.0.0.1:$p/readyz"
done

cat <<EOF

Ferry local cluster is up (dir $RUN_DIR):
  NATS      $NATS_URL (JetStream, 3 replicas; monitoring on ${MONITOR_PORTS[*]})
  S3        $FERRY_SOURCE_ENDPOINT (S3RVER/S3RVER; buckets source, destination)
  REST      http://127.0.0.1:$HTTP_PORT    gRPC 127.0.0.1:$GRPC_PORT
  metrics   http://127.0.0.1:$METRICS_BASE..$((port - 1))/metrics (projector, lister, notifier, copier-1, copier-2)
  logs      $RUN_DIR/logs    pids $RUN_DIR/pids

  export TOKEN=$FERRY_ADMIN_TOKEN
  export FERRY_SERVER=127.0.0.1:$GRPC_PORT FERRY_ADMIN_TOKEN=\$TOKEN   # for the ferry CLI

Ctrl-C stops everything.
EOF

# Wait on the children; a service that is killed on purpose (to try recovery) does not stop the rest.
while true; do
  wait || true
  sleep 1
done
