#!/usr/bin/env bash
# The floor for GET /api/v1/products/{id} on this machine: builds
# crates/api/examples/floor.rs (actix-web and tokio-postgres, nothing else)
# and measures it next to the real server and pgbench on one seeded
# database, the three alternating, each the median of BENCH_RUNS runs of
# BENCH_DURATION s at 32 connections over TCP. About 2 minutes plus the
# build; not part of run.sh. Shows what any server of this shape reaches
# against pgbench here, and what Zonmart's own layers cost on top.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
RUNS=${BENCH_RUNS:-3}
DURATION=${BENCH_DURATION:-5}
PORT=${BENCH_PORT:-18100}
FLOOR_PORT=${BENCH_FLOOR_PORT:-18101}
DB=${BENCH_FLOOR_DB:-zonmart_floor}
export PGHOST=${BENCH_PGHOST:-127.0.0.1} PGPORT=${BENCH_PGPORT:-5432} PGUSER=${BENCH_PGUSER:-postgres}
URL=postgres://$PGUSER@$PGHOST:$PGPORT/$DB
OUT=${BENCH_OUT:-$BENCH/out}/floor
export BENCH_DIR=$BENCH BENCH_WRK_THREADS=2 BENCH_WRK_JSON=/dev/null

STARTED=$(date +%s)
step() { printf '[%4ds] %s\n' "$(($(date +%s) - STARTED))" "$*"; }
PIDS=()
cleanup() {
    local status=$?
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    psql -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
    exit "$status"
}
trap cleanup EXIT
mkdir -p "$OUT"

command -v wrk >/dev/null || { echo "floor: wrk is missing (apt-get install -y wrk)" >&2; exit 1; }
step "building release: the server and examples/floor.rs"
(cd "$ROOT" && cargo build --release --quiet --bin zonmart --example floor)

wait_for() { # url
    for _ in $(seq 1 100); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done
    echo "floor: nothing answered at $1" >&2
    return 1
}

step "fresh database $DB, migrated by the server, then seeded"
psql -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
(cd "$OUT" && exec env -i PATH="$PATH" HOME="$HOME" ZONMART_DATABASE_URL="$URL" ZONMART_BIND="127.0.0.1:$PORT" \
    ZONMART_JWT_SECRET=zonmart-floor-secret-0123456789abcdef ZONMART_RATE_LIMIT_PER_MINUTE=0 ZONMART_LOG=warn \
    ZONMART_DATABASE_MAX_CONNECTIONS=33 "$ROOT/target/release/zonmart" serve) >"$OUT/server.log" 2>&1 &
PIDS+=($!)
wait_for "http://127.0.0.1:$PORT/ready"
psql -q -d "$DB" -v hash='unused-for-reads' -f "$BENCH/seed-postgres.sql" >/dev/null
FLOOR_DATABASE_URL=$URL FLOOR_BIND=127.0.0.1:$FLOOR_PORT "$ROOT/target/release/examples/floor" >"$OUT/floor.log" 2>&1 &
PIDS+=($!)
wait_for "http://127.0.0.1:$FLOOR_PORT/api/v1/products/01KBPR$(printf '%020d' 1)"
wrk -t2 -c32 -d1s -s "$BENCH/wrk/product.lua" "http://127.0.0.1:$PORT" >/dev/null # warm-up

wrk_rps() { # base url
    local out
    out=$(wrk -t2 -c32 -d"${DURATION}s" -s "$BENCH/wrk/product.lua" "$1")
    grep -q 'Non-2xx\|Socket errors' <<<"$out" && { echo "floor: errors at $1: $out" >&2; return 1; }
    awk '/^Requests\/sec/ {print $2}' <<<"$out"
}
: >"$OUT/figures.txt"
for run in $(seq 1 "$RUNS"); do
    psql -q -d "$DB" -c ANALYZE
    step "run $run/$RUNS: Zonmart, the floor, pgbench (${DURATION} s each)"
    echo "zonmart $(wrk_rps "http://127.0.0.1:$PORT")" >>"$OUT/figures.txt"
    echo "floor $(wrk_rps "http://127.0.0.1:$FLOOR_PORT")" >>"$OUT/figures.txt"
    tps=$(pgbench -n -M prepared -c 32 -j 2 -T "$DURATION" -f "$BENCH/pgbench/product.sql" "$DB" 2>&1 |
        awk '/^tps/ {print $3}')
    echo "pgbench $tps" >>"$OUT/figures.txt"
done

python3 - "$OUT/figures.txt" <<'EOF'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    name, value = line.split()
    runs.setdefault(name, []).append(float(value))
m = {name: statistics.median(values) for name, values in runs.items()}
print()
print("| GET /api/v1/products/{id}, 32 connections | req/s (median) | / pgbench |")
print("|---|---:|---:|")
for name, label in (("pgbench", "pgbench, the same SELECT"), ("floor", "floor: actix-web + tokio-postgres only"),
                    ("zonmart", "Zonmart")):
    print(f"| {label} | {m[name]:.0f} | {m[name] / m['pgbench']:.2f} |")
print(f"\nZonmart / floor: {m['zonmart'] / m['floor']:.2f}")
EOF
