#!/usr/bin/env bash
# The scale benchmark (issue #24): the catalogue's hot paths at 10,000,
# 100,000 and 1,000,000 products. For each size it seeds a fresh PostgreSQL
# database straight through SQL, serves it with the release binary and
# measures each query with one client (bench/scale/load.py), then does the
# same on SQLite at the largest size. Prints the table and writes it to
# bench/scale-results.md. Exits non-zero if any request failed.
#
# Knobs (environment): SCALE_SIZES ("10000 100000 1000000"),
# SCALE_REQUESTS (200 per query), SCALE_WARMUP (20), SCALE_SQLITE_SIZE
# (1000000; 0 skips SQLite), SCALE_PORT (18200), SCALE_PG_DB (zonmart_scale,
# dropped and recreated), SCALE_SQLITE_DB (/tmp/zonmart_scale.db),
# SCALE_SKIP_BUILD=1 (use target/release/zonmart as it is),
# SCALE_RESULTS (bench/scale-results.md).
# Needs: PostgreSQL at 127.0.0.1:5432 (user postgres, trust), psql,
# python3 (its sqlite3 module seeds SQLite), curl.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCALE=$ROOT/bench/scale
OUT=$ROOT/bench/out/scale
RESULTS=${SCALE_RESULTS:-$ROOT/bench/scale-results.md}
SIZES=${SCALE_SIZES:-"10000 100000 1000000"}
REQUESTS=${SCALE_REQUESTS:-200}
WARMUP=${SCALE_WARMUP:-20}
SQLITE_SIZE=${SCALE_SQLITE_SIZE:-1000000}
PORT=${SCALE_PORT:-18200}
PG_DB=${SCALE_PG_DB:-zonmart_scale}
SQLITE_DB=${SCALE_SQLITE_DB:-/tmp/zonmart_scale.db}
export PGHOST=${SCALE_PGHOST:-127.0.0.1} PGPORT=${SCALE_PGPORT:-5432} PGUSER=${SCALE_PGUSER:-postgres}
PG_URL=postgres://$PGUSER@$PGHOST:$PGPORT/$PG_DB
BASE=http://127.0.0.1:$PORT
BIN=$ROOT/target/release/zonmart
STARTED=$(date +%s)
SERVER_PID=""

step() { printf '[%4ds] %s\n' "$(($(date +%s) - STARTED))" "$*"; }
die() { printf 'scale: error: %s\n' "$*" >&2; exit 1; }

stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID" 2>/dev/null
    fi
    SERVER_PID=""
}
cleanup() {
    stop_server
    psql -qX -d postgres -c "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1 || true
    rm -f "$SQLITE_DB" "$SQLITE_DB-wal" "$SQLITE_DB-shm"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v psql >/dev/null || die "psql is missing (PostgreSQL's client)"
pg_isready -q || die "PostgreSQL does not answer at $PGHOST:$PGPORT"
mkdir -p "$OUT"

if [ "${SCALE_SKIP_BUILD:-0}" != 1 ]; then
    step "building the release binary"
    (cd "$ROOT" && nice -n 10 cargo build --release --quiet -p zonmart-api) || die "the release build failed"
fi
[ -x "$BIN" ] || die "$BIN is missing"

start_server() { # database_url label
    ZONMART_DATABASE_URL=$1 ZONMART_BIND=127.0.0.1:$PORT ZONMART_LOG=warn \
        ZONMART_JWT_SECRET=zonmart-scale-secret-0123456789abcdef ZONMART_BCRYPT_COST=4 \
        ZONMART_RATE_LIMIT_PER_MINUTE=0 ZONMART_RATE_LIMIT_AUTH_PER_MINUTE=0 \
        "$BIN" serve >"$OUT/server-$2.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 300); do
        curl -fs "$BASE/ready" >/dev/null 2>&1 && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$OUT/server-$2.log" >&2; die "the server exited ($2)"; }
        sleep 0.1
    done
    die "the server did not get ready within 30 s ($2)"
}

migrate() { # database_url
    ZONMART_DATABASE_URL=$1 ZONMART_LOG=warn "$BIN" migrate >/dev/null || die "migrating $1 failed"
}

customer_token() { # label: registers a customer and prints an access token
    local user=scale_$1
    curl -fs -X POST "$BASE/api/v1/auth/register" -H 'content-type: application/json' \
        -d "{\"username\":\"$user\",\"email\":\"$user@example.com\",\"password\":\"scale-password-1\"}" >/dev/null ||
        die "registering $user failed"
    curl -fs -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
        -d "{\"username\":\"$user\",\"password\":\"scale-password-1\"}" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

# PostgreSQL, size by size: a fresh database each time, migrated by the
# server, the product indexes set aside while the rows go in and rebuilt
# from their own definitions afterwards (a bulk load; the same indexes).
seed_postgres() { # n
    psql -qX -d postgres -c "DROP DATABASE IF EXISTS $PG_DB" -c "CREATE DATABASE $PG_DB" >/dev/null
    migrate "$PG_URL"
    psql -qX -d "$PG_DB" -v ON_ERROR_STOP=1 -v n="$1" -v seed="$SCALE/seed-products.sql" <<'SQL'
CREATE TEMP TABLE set_aside AS
    SELECT indexname, indexdef FROM pg_indexes
    WHERE tablename = 'products' AND schemaname = current_schema() AND indexname LIKE 'products_live_%';
SELECT format('DROP INDEX %I', indexname) FROM set_aside \gexec
\i :seed
SET maintenance_work_mem = '256MB';
SELECT indexdef FROM set_aside \gexec
VACUUM (ANALYZE) products;
SQL
}

RAW_FILES=()
for n in $SIZES; do
    step "PostgreSQL: seeding $n products"
    t0=$(date +%s)
    seed_postgres "$n"
    step "PostgreSQL: $n products in $(($(date +%s) - t0)) s; measuring ($REQUESTS requests per query, load $(cut -d' ' -f1 /proc/loadavg))"
    start_server "$PG_URL" "pg-$n"
    token=$(customer_token "pg$n")
    python3 "$SCALE/load.py" "$BASE" "$n" "$REQUESTS" "$OUT/pg-$n.json" --warmup "$WARMUP" --token "$token" ||
        die "requests failed at $n products (PostgreSQL)"
    RAW_FILES+=("postgres:$n:$OUT/pg-$n.json")
    stop_server
done
psql -qX -d postgres -c "DROP DATABASE IF EXISTS $PG_DB" >/dev/null

if [ "$SQLITE_SIZE" != 0 ]; then
    step "SQLite: seeding $SQLITE_SIZE products"
    t0=$(date +%s)
    rm -f "$SQLITE_DB" "$SQLITE_DB-wal" "$SQLITE_DB-shm"
    migrate "sqlite://$SQLITE_DB"
    python3 "$SCALE/seed_sqlite.py" "$SQLITE_DB" "$SQLITE_SIZE"
    step "SQLite: $SQLITE_SIZE products in $(($(date +%s) - t0)) s; measuring (load $(cut -d' ' -f1 /proc/loadavg))"
    start_server "sqlite://$SQLITE_DB" "sqlite-$SQLITE_SIZE"
    token=$(customer_token "sqlite")
    python3 "$SCALE/load.py" "$BASE" "$SQLITE_SIZE" "$REQUESTS" "$OUT/sqlite-$SQLITE_SIZE.json" --warmup "$WARMUP" --token "$token" ||
        die "requests failed at $SQLITE_SIZE products (SQLite)"
    RAW_FILES+=("sqlite:$SQLITE_SIZE:$OUT/sqlite-$SQLITE_SIZE.json")
    stop_server
fi

python3 "$SCALE/report.py" "$RESULTS" "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" "${RAW_FILES[@]}"
step "done: $RESULTS"
