#!/usr/bin/env bash
# What the fleet tier costs (#20), on a release build: HAProxy in front of
# three instances against one instance direct, for GET /api/v1/products/{id}
# and POST /api/v1/orders (wrk, 32 connections), and the latency a
# Redis-backed rate-limit check adds (one connection: p50 and p99 of the same
# read on an instance counting in Redis and on one counting in its process).
# On a 2-core machine throughput cannot grow with instances; this measures
# overhead only. Writes bench/fleet-results.md.
#
#   bench/fleet.sh            (BENCH_DURATION=5 for longer runs)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${BENCH_DURATION:-3}
OUT=$ROOT/bench/out/fleet; mkdir -p "$OUT"
RESULTS=${BENCH_FLEET_RESULTS:-$ROOT/bench/fleet-results.md}
export ZONMART_FLEET_DIR=$OUT/fleet ZONMART_FLEET_PORT=18200 ZONMART_FLEET_DB=zonmart_fleet_bench
export ZONMART_REDIS_URL=${ZONMART_REDIS_URL:-redis://127.0.0.1:6379/3}
export ZONMART_FLEET_BIN=$ROOT/target/release/zonmart
FLEET="$ROOT/scripts/fleet.sh"
log() { printf '[bench/fleet] %s (%s)\n' "$*" "$(date +%H:%M:%S)"; }

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
log "release build"
(cd "$ROOT" && cargo build --release --bin zonmart)

LOCAL_PORT=$((ZONMART_FLEET_PORT + 5))
LOCAL_PID=
cleanup() { "$FLEET" down >/dev/null 2>&1 || true; [[ -n $LOCAL_PID ]] && kill "$LOCAL_PID" 2>/dev/null; return 0; }
trap cleanup EXIT

psql -h 127.0.0.1 -U postgres -Xqc "drop database if exists $ZONMART_FLEET_DB" -c "create database $ZONMART_FLEET_DB" >/dev/null
ADMIN_PASSWORD="bench-admin-$RANDOM$RANDOM"
export ZONMART_ADMIN_USERNAME=admin ZONMART_ADMIN_PASSWORD=$ADMIN_PASSWORD ZONMART_BCRYPT_COST=4
# Limits on, and too high to refuse anything: every request is counted.
export ZONMART_RATE_LIMIT_PER_MINUTE=100000000 ZONMART_RATE_LIMIT_AUTH_PER_MINUTE=100000
export ZONMART_DATABASE_MAX_CONNECTIONS=12
log "fleet up"
"$FLEET" up
eval "$("$FLEET" env)"
# A fourth instance on the same database, counting in its own process.
ZONMART_DATABASE_URL=$FLEET_DATABASE_URL ZONMART_BIND=127.0.0.1:$LOCAL_PORT ZONMART_JWT_SECRET=$FLEET_JWT_SECRET \
ZONMART_LOG=warn ZONMART_REDIS_URL= "$ZONMART_FLEET_BIN" >"$OUT/local.log" 2>&1 &
LOCAL_PID=$!
LOCAL_URL=http://127.0.0.1:$LOCAL_PORT
for _ in $(seq 1 100); do curl -fsS -m 1 -o /dev/null "$LOCAL_URL/ready" 2>/dev/null && break; sleep 0.1; done

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
ADMIN=$(curl -fsS -X POST "$FLEET_URL/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" | json '["access_token"]')
PRODUCT=$(curl -fsS -X POST "$FLEET_URL/api/v1/products" -H "authorization: Bearer $ADMIN" \
    -H 'content-type: application/json' -d '{"name":"Bench tea","price_cents":100,"stock":1000000000}' | json '["id"]')
curl -fsS -o /dev/null -X POST "$FLEET_URL/api/v1/auth/register" -H 'content-type: application/json' \
    -d '{"username":"bencher","password":"bencher-password"}'
TOKEN=$(curl -fsS -X POST "$FLEET_URL/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"username":"bencher","password":"bencher-password"}' | json '["access_token"]')
cat >"$OUT/order.lua" <<EOF
wrk.method = "POST"
wrk.body = '{"items":[{"product_id":"$PRODUCT","quantity":1}]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
EOF

# run LABEL URL CONNECTIONS [wrk args...]: prints "req/s p50_ms p99_ms errors".
run() {
    local label=$1 url=$2 connections=$3; shift 3
    wrk -t"$(( connections < 2 ? 1 : 2 ))" -c"$connections" -d"${DURATION}s" --latency "$@" "$url" >"$OUT/$label.txt" 2>&1
    python3 - "$OUT/$label.txt" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
def ms(v, unit): return float(v) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p = {k: ms(v, u) for k, v, u in re.findall(r"\s(50|99)%\s+([\d.]+)(us|ms|s)", text)}
errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", text))
errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))
print(f"{rps:.0f} {p['50']:.2f} {p['99']:.2f} {errors}")
EOF
}

log "GET /api/v1/products/{id}, 32 connections: direct, then through HAProxy"
READ_DIRECT=$(run read-direct "$INSTANCE_1_URL/api/v1/products/$PRODUCT" 32)
READ_PROXY=$(run read-proxy "$FLEET_URL/api/v1/products/$PRODUCT" 32)
log "POST /api/v1/orders, 32 connections: direct, then through HAProxy"
ORDER_DIRECT=$(run order-direct "$INSTANCE_1_URL/api/v1/orders" 32 -s "$OUT/order.lua")
ORDER_PROXY=$(run order-proxy "$FLEET_URL/api/v1/orders" 32 -s "$OUT/order.lua")
# The proxy alone: HAProxy sending everything to instance 1 (2 and 3 taken
# out of rotation), against instance 1 direct.
haproxy_cmd() {
    python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall((sys.argv[2]+'\n').encode()); s.recv(4096)" \
        "$ZONMART_FLEET_DIR/haproxy.sock" "$1"
}
haproxy_cmd "disable server instances/zonmart-2"; haproxy_cmd "disable server instances/zonmart-3"
# The proxy's cost, in ROUNDS interleaved pairs (direct, then through
# HAProxy, seconds apart): this machine's speed drifts within minutes, so
# the overhead is the median of the pairs' ratios, each figure the median
# of its runs.
ROUNDS=${BENCH_ROUNDS:-5}
log "the proxy alone (one backend): $ROUNDS interleaved pairs of direct and through HAProxy to instance 1"
pairs() { # label url [wrk args...]: prints "direct-median proxy-median overhead%"
    local label=$1 path=$2; shift 2
    : >"$OUT/$label.pairs"
    for r in $(seq 1 "$ROUNDS"); do
        echo "$(run "$label-direct-$r" "$INSTANCE_1_URL$path" 32 "$@") | $(run "$label-proxy-$r" "$FLEET_URL$path" 32 "$@")" >>"$OUT/$label.pairs"
    done
    python3 - "$OUT/$label.pairs" <<'PYEOF2'
import statistics, sys
pairs = [[list(map(float, half.split())) for half in line.split("|")] for line in open(sys.argv[1]) if line.strip()]
def med(side, i): return statistics.median(p[side][i] for p in pairs)
over = statistics.median(100 * (1 - p[1][0] / p[0][0]) for p in pairs)
errors = sum(p[0][3] + p[1][3] for p in pairs)
print(f"{med(0,0):.0f} {med(0,1):.2f} {med(0,2):.2f} {med(1,0):.0f} {med(1,1):.2f} {med(1,2):.2f} {over:.1f} {errors:.0f}")
PYEOF2
}
READ_PAIR=$(pairs read "/api/v1/products/$PRODUCT")
log "  GET: $READ_PAIR"
ORDER_PAIR=$(pairs order "/api/v1/orders" -s "$OUT/order.lua")
log "  POST: $ORDER_PAIR"
haproxy_cmd "enable server instances/zonmart-2"; haproxy_cmd "enable server instances/zonmart-3"

log "one connection: the same read counted in Redis, then in the process"
CHECK_REDIS=$(run check-redis "$INSTANCE_1_URL/api/v1/products/$PRODUCT" 1)
CHECK_LOCAL=$(run check-local "$LOCAL_URL/api/v1/products/$PRODUCT" 1)

python3 - "$RESULTS" "$(git -C "$ROOT" rev-parse --short HEAD)" "$DURATION" \
    "$ROUNDS" "$READ_DIRECT" "$READ_PROXY" "$ORDER_DIRECT" "$ORDER_PROXY" "$READ_PAIR" "$ORDER_PAIR" "$CHECK_REDIS" "$CHECK_LOCAL" \
    "$(haproxy -v | head -1)" "${ZONMART_FLEET_HAPROXY_THREADS:-1}" "${ZONMART_WORKERS:-1}" <<'EOF'
import sys
path, commit, duration, rounds, *rows, haproxy, threads, workers = sys.argv[1:]
read_d, read_p, order_d, order_p, read_pair, order_pair, redis, local = [list(map(float, r.split())) for r in rows]
def overhead(direct, proxy): return 100 * (1 - proxy[0] / direct[0])
lines = [
    "# Fleet tier: HAProxy and Redis-backed rate limits",
    "",
    f"`bench/fleet.sh` at `{commit}`, release build, {duration:s} s per run, on this 2-core machine shared by wrk,",
    "HAProxy, three instances and PostgreSQL (throughput cannot grow with instances here; this is overhead).",
    "",
    f"{haproxy.split(' - ')[0]}, `nbthread {threads}`; each instance with `ZONMART_WORKERS={workers}`.",
    "",
    f"The proxy's cost: {rounds:s} interleaved pairs of one instance direct and HAProxy sending everything to that",
    "instance (the others out of rotation), 32 connections; medians of the runs, and the overhead is the median of",
    "the pairs' ratios.",
    "",
    "| endpoint (32 connections) | direct req/s | p50 / p99 ms | through HAProxy req/s | p50 / p99 ms | proxy overhead | errors |",
    "|---|---:|---:|---:|---:|---:|---:|",
    f"| GET /api/v1/products/{{id}} | {read_pair[0]:,.0f} | {read_pair[1]:.2f} / {read_pair[2]:.2f} | {read_pair[3]:,.0f} | {read_pair[4]:.2f} / {read_pair[5]:.2f} | **{read_pair[6]:.1f} %** | {int(read_pair[7])} |",
    f"| POST /api/v1/orders | {order_pair[0]:,.0f} | {order_pair[1]:.2f} / {order_pair[2]:.2f} | {order_pair[3]:,.0f} | {order_pair[4]:.2f} / {order_pair[5]:.2f} | **{order_pair[6]:.1f} %** | {int(order_pair[7])} |",
    "",
    "HAProxy round robin over all three instances against one instance direct (one run each; on 2 cores three",
    "instances only share the same CPU):",
    "",
    "| endpoint (32 connections) | one instance direct req/s | p50 / p99 ms | HAProxy → 3 instances req/s | p50 / p99 ms | difference | errors |",
    "|---|---:|---:|---:|---:|---:|---:|",
    f"| GET /api/v1/products/{{id}} | {read_d[0]:,.0f} | {read_d[1]:.2f} / {read_d[2]:.2f} | {read_p[0]:,.0f} | {read_p[1]:.2f} / {read_p[2]:.2f} | {overhead(read_d, read_p):.1f} % | {int(read_d[3] + read_p[3])} |",
    f"| POST /api/v1/orders | {order_d[0]:,.0f} | {order_d[1]:.2f} / {order_d[2]:.2f} | {order_p[0]:,.0f} | {order_p[1]:.2f} / {order_p[2]:.2f} | {overhead(order_d, order_p):.1f} % | {int(order_d[3] + order_p[3])} |",
    "",
    "| one connection, GET /api/v1/products/{id} | req/s | p50 ms | p99 ms |",
    "|---|---:|---:|---:|",
    f"| rate limit counted in Redis | {redis[0]:,.0f} | {redis[1]:.3f} | {redis[2]:.3f} |",
    f"| rate limit counted in the process | {local[0]:,.0f} | {local[1]:.3f} | {local[2]:.3f} |",
    f"| added by the Redis check | | {redis[1] - local[1]:+.3f} | {redis[2] - local[2]:+.3f} |",
    "",
]
open(path, "w").write("\n".join(lines))
print("\n".join(lines))
EOF
