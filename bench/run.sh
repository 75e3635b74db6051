#!/usr/bin/env bash
# Zonmart's reproducible benchmark: builds the release binary, serves it on
# PostgreSQL and then on SQLite over seeded data, loads it with wrk on
# 127.0.0.1, runs the same SQL through pgbench, and writes bench/results.md.
# Usage and knobs: bench/README.md. Exits non-zero if any request failed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
OUT=${BENCH_OUT:-$BENCH/out}            # git-ignored scratch: logs, raw figures
RAW=$OUT/raw
RESULTS=${BENCH_RESULTS:-$BENCH/results.md}

DURATION=${BENCH_DURATION:-3}           # seconds per measured run
RUNS=${BENCH_RUNS:-3}                   # runs per figure; the median is reported
CONNECTIONS=${BENCH_CONNECTIONS:-"32 256"}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
PG_ENDPOINTS=${BENCH_PG_ENDPOINTS:-"product list me patch order checkout"}
PGBENCH_SCRIPTS=${BENCH_PGBENCH_SCRIPTS:-"product list me order order-pipelined checkout"}
# pgbench at 256 clients cannot run here (max_connections 100, shared): by
# default it runs at 32 only; "32 256" runs the second at what is free.
PGBENCH_CONNECTIONS=${BENCH_PGBENCH_CONNECTIONS:-32}
# The server's connections to PostgreSQL: as many for its HTTP workers as
# pgbench has clients (32), plus the one it keeps for start-up and
# housekeeping, so both meet the database with the same concurrency. (With
# the default 16, orders at 32 connections wait for a connection: commits
# wait on the disk, and fewer of them share each flush.)
SERVER_DB_CONNECTIONS=${BENCH_SERVER_DB_CONNECTIONS:-33}
SQLITE_ENDPOINTS=${BENCH_SQLITE_ENDPOINTS:-"product order"}
LOGIN_CONNECTIONS=${BENCH_LOGIN_CONNECTIONS:-4}
PORT=${BENCH_PORT:-18100}
PGHOST=${BENCH_PGHOST:-127.0.0.1}
PGPORT=${BENCH_PGPORT:-5432}
PGUSER=${BENCH_PGUSER:-postgres}
PG_DB=${BENCH_PG_DB:-zonmart_bench}
SQLITE_DB=${BENCH_SQLITE_DB:-/tmp/zonmart_bench.db}
BCRYPT_COST=${BENCH_BCRYPT_COST:-12}
QUIET_BUDGET=${BENCH_QUIET_BUDGET:-300} # total seconds to wait for other builds to end
SKIP_BUILD=${BENCH_SKIP_BUILD:-0}

TOKEN_USERS=16                          # customers logged in for /users/me and /orders
PASSWORD=bench-password-1
JWT_SECRET=zonmart-bench-secret-0123456789abcdef
ADMIN=bench_admin
BASE=http://127.0.0.1:$PORT
# Another binary (an A/B of one change: build each, copy it aside, run this
# once per binary and compare the API / pgbench ratios): implies no build.
BIN=${BENCH_BIN:-$ROOT/target/release/zonmart}
[[ -n ${BENCH_BIN:-} ]] && SKIP_BUILD=1
PG_URL=postgres://$PGUSER@$PGHOST:$PGPORT/$PG_DB
export PGHOST PGPORT PGUSER
export BENCH_DIR=$BENCH BENCH_WRK_THREADS=$WRK_THREADS   # read by bench/wrk/*.lua

STARTED=$(date +%s)
SERVER_PID=""
mkdir -p "$OUT"
rm -rf "$RAW"
mkdir -p "$RAW"
META=$OUT/meta.env
: >"$META"

step() { printf '[%4ds] %s\n' "$(($(date +%s) - STARTED))" "$*"; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }
meta() { printf '%s=%s\n' "$1" "$2" >>"$META"; }

# The peer (bench/peer/app.py: FastAPI, SQLAlchemy async, asyncpg, two
# uvicorn workers), what a Python shop backend would serve: the same product
# read over the same seeded table, measured by the same wrk script.
PEER=${BENCH_PEER:-1}
PEER_PORT=$((PORT + 1))
PEER_PID=""
stop_peer() {
    [[ -n $PEER_PID ]] || return 0
    kill -TERM "$PEER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$PEER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$PEER_PID" 2>/dev/null && pkill -KILL -P "$PEER_PID" 2>/dev/null && kill -KILL "$PEER_PID" 2>/dev/null
    wait "$PEER_PID" 2>/dev/null || true
    PEER_PID=""
}

stop_server() {
    [[ -n $SERVER_PID ]] || return 0
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID" 2>/dev/null
    fi
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

cleanup() {
    local status=$?
    stop_server
    stop_peer
    if [[ ${BENCH_KEEP_DB:-0} != 1 ]]; then
        psql -q -d postgres -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
        rm -f "$SQLITE_DB" "$SQLITE_DB-wal" "$SQLITE_DB-shm"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- tools
step "checking tools"
if ! command -v wrk >/dev/null; then
    step "installing wrk from Debian"
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; } ||
        die "wrk is missing and could not be installed (apt-get install -y wrk)"
fi
PGBENCH=$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | tail -1 || true)
[[ -x $PGBENCH ]] || die "pgbench not found (it comes with the PostgreSQL server package)"
for tool in psql curl python3 git; do command -v "$tool" >/dev/null || die "$tool not found"; done
pg_isready -q -h "$PGHOST" -p "$PGPORT" || die "PostgreSQL does not answer at $PGHOST:$PGPORT"
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    die "port $PORT is taken; set BENCH_PORT"
fi
VENV=$ROOT/.venv                        # the repository's git-ignored venv (scripts/schemathesis.sh uses it too)
[[ -x $VENV/bin/python ]] || python3 -m venv "$VENV"
if ! "$VENV/bin/python" -c 'import bcrypt' 2>/dev/null; then
    step "installing bcrypt from PyPI into $VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check 'bcrypt==5.0.0'
fi
PY=$VENV/bin/python
if [[ $PEER == 1 ]] && ! "$PY" -c 'import fastapi, uvicorn, sqlalchemy, asyncpg' 2>/dev/null; then
    step "installing the peer's packages from PyPI into $VENV (fastapi, uvicorn, sqlalchemy, asyncpg)"
    "$PY" -m pip install --quiet --disable-pip-version-check fastapi 'uvicorn[standard]' 'sqlalchemy[asyncio]' asyncpg ||
        die "the peer's packages did not install (BENCH_PEER=0 skips the peer)"
fi

# ---------------------------------------------------------------- quiet machine
# Figures are only meaningful when nothing else loads the 2 cores. Before
# each measurement, wait (within a total budget) until no cargo or rustc
# runs (builds, and tests under cargo). Each measurement also records how
# much of the machine's CPU other processes took meanwhile (tools.py cpu:
# everything but this script's children, the server and PostgreSQL); a
# figure with a run beside a build or with others above 10% is marked.
QUIET_SPENT=0
OTHERS_LIMIT=10
quiet() {
    local waited=0
    while { pgrep -x rustc || pgrep -x cargo; } >/dev/null && ((QUIET_SPENT < QUIET_BUDGET)); do
        ((waited == 0)) && step "  waiting for other cargo/rustc processes to end (budget left $((QUIET_BUDGET - QUIET_SPENT)) s)"
        sleep 2
        waited=$((waited + 2))
        QUIET_SPENT=$((QUIET_SPENT + 2))
    done
}
busy_now() { pgrep -x rustc >/dev/null; }
cpu_start() { rm -f "$OUT/cpu.state"; python3 "$BENCH/tools.py" cpu-start "$OUT/cpu.state" $$ "${SERVER_PID:-0}"; }
finish() { # kind name busy
    python3 "$BENCH/tools.py" finish "$1" "$RAW" "$2" "$OUT/cpu.state" $$ "${SERVER_PID:-0}" "$3" "$OTHERS_LIMIT"
}

# ---------------------------------------------------------------- build
COMMIT=$(git -C "$ROOT" rev-parse HEAD)
meta commit "$COMMIT"
meta commit_subject "$(git -C "$ROOT" log -1 --format=%s)"
# The last commit that changed what the server is built from.
meta code_commit "$(git -C "$ROOT" log -1 --format='%h %s' -- crates migrations Cargo.toml Cargo.lock)"
if [[ -n $(git -C "$ROOT" status --porcelain -- crates migrations Cargo.toml Cargo.lock) ]]; then
    meta dirty "yes (uncommitted changes under crates/, migrations/ or Cargo.*)"
else
    meta dirty no
fi
if [[ $SKIP_BUILD == 1 && -x $BIN ]]; then
    step "using the existing $BIN (BENCH_SKIP_BUILD=1 or BENCH_BIN)"
    meta build_s skipped
else
    waited=0
    while pgrep -x cargo >/dev/null && ((waited < 120)); do
        ((waited == 0)) && step "another cargo is running; waiting up to 120 s before building"
        sleep 2; waited=$((waited + 2))
    done
    step "building release (cargo build --release --bin zonmart) at ${COMMIT:0:12}"
    build_started=$(date +%s)
    (cd "$ROOT" && cargo build --release --bin zonmart --quiet) || die "the release build failed"
    meta build_s $(($(date +%s) - build_started))
fi
[[ -x $BIN ]] || die "no binary at $BIN"

# ---------------------------------------------------------------- raw bcrypt
quiet
step "raw bcrypt: verify at cost $BCRYPT_COST in a loop (python bcrypt, one thread)"
"$PY" "$BENCH/tools.py" bcrypt-cost "$BCRYPT_COST" 3 "$PASSWORD" >"$RAW/bcrypt.json"
HASH=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["hash"])' "$RAW/bcrypt.json")
meta cores "$(nproc)"

# ---------------------------------------------------------------- server
# The server reads ZONMART_* only from here (env -i), run from $OUT so no
# developer's .env is picked up.
STARTUP_MS=""
start_server() { # label database_url [max_connections]; sets SERVER_PID and STARTUP_MS (spawn to the first 200 from /ready)
    local label=$1 url=$2 connections=${3:-} t0
    t0=$(date +%s%N)
    (cd "$OUT" && exec env -i PATH="$PATH" HOME="$HOME" \
        ZONMART_DATABASE_URL="$url" ZONMART_BIND="127.0.0.1:$PORT" ZONMART_JWT_SECRET="$JWT_SECRET" \
        ZONMART_BCRYPT_COST="$BCRYPT_COST" ZONMART_ADMIN_USERNAME="$ADMIN" ZONMART_ADMIN_PASSWORD="$PASSWORD" \
        ZONMART_RATE_LIMIT_PER_MINUTE=0 ZONMART_RATE_LIMIT_AUTH_PER_MINUTE=0 ZONMART_LOG=warn \
        ${connections:+ZONMART_DATABASE_MAX_CONNECTIONS="$connections"} \
        "$BIN" serve) >>"$OUT/server-$label.log" 2>&1 &
    SERVER_PID=$!
    STARTUP_MS=$(python3 "$BENCH/tools.py" wait-ready "$BASE/ready" "$t0" 30) ||
        { tail -20 "$OUT/server-$label.log" >&2; die "the server did not get ready ($label)"; }
    kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited ($label); see $OUT/server-$label.log"
}

peak_rss() { awk '/^VmHWM/ {print $2}' "/proc/$SERVER_PID/status"; }

# ---------------------------------------------------------------- measuring
wrk_run() { # backend endpoint connections run
    local backend=$1 endpoint=$2 c=$3 run=$4 name busy=0
    name=${backend}__${endpoint}__c${c}__r${run}
    if [[ $endpoint == patch ]]; then
        # The users' current versions, read just before the run (patch.lua).
        psql -qAt -F ' ' -d "$PG_DB" -c "SELECT id, version FROM users WHERE username LIKE 'bench\_user\_%' AND id > '01KBCS$(printf '%020d' "$TOKEN_USERS")' ORDER BY id" >"$OUT/patch-users.txt"
        local per_thread=$(($(wc -l <"$OUT/patch-users.txt") / WRK_THREADS))
        ((per_thread > c / WRK_THREADS)) || die "patch needs more users per wrk thread ($per_thread) than connections per thread"
    fi
    quiet
    busy_now && busy=1
    cpu_start
    env BENCH_WRK_JSON="$RAW/$name.json" BENCH_TOKENS="$OUT/tokens.txt" BENCH_ADMIN_TOKEN="$(cat "$OUT/admin-token.txt")" \
        BENCH_PATCH_USERS="$OUT/patch-users.txt" BENCH_USERNAMES="$OUT/usernames.txt" BENCH_PASSWORD="$PASSWORD" \
        wrk -t"$WRK_THREADS" -c"$c" -d"${DURATION}s" --timeout 10s -s "$BENCH/wrk/$endpoint.lua" "${RUN_BASE:-$BASE}" \
        >"$RAW/$name.txt" 2>&1 || die "wrk failed: $(tail -5 "$RAW/$name.txt")"
    busy_now && busy=1
    [[ -s $RAW/$name.json ]] || die "wrk wrote no figures for $name: $(tail -5 "$RAW/$name.txt")"
    finish wrk "$name" "$busy"
}

# Fresh statistics before every round of PostgreSQL runs. PostgreSQL
# re-plans a session's cached statements (the foreign-key checks of each
# insert among them) when a table is analyzed; autovacuum does that as a
# table grows, but a server may run with it off (this machine's CI settings
# do), and then the server's long-lived sessions keep the plans they made
# while `orders` was empty: a sequential scan of `orders` for every order
# line's key check, slower with each order (pgbench, reconnecting for every
# run, re-plans anyway). ANALYZE here stands in for autovacuum's; with the
# seed's 10,000 past orders every plan is an index scan from the start, and
# once per round keeps the statistics within a small factor of the truth.
analyze_pg() { psql -q -d "$PG_DB" -c ANALYZE >/dev/null; }
meta pg_autovacuum "$(psql -qAt -d postgres -c 'SHOW autovacuum')"

PGBENCH_MAX=${BENCH_PGBENCH_MAX_CLIENTS:-64}
pgbench_run() { # script clients run
    local script=$1 c=$2 run=$3 name clients free busy=0 status=0
    # PostgreSQL is shared (max_connections 100 here): pgbench takes at most
    # $PGBENCH_MAX clients, and leaves 30 of the connections free right now
    # free for others, so their tests never meet "too many clients".
    free=$(psql -qAt -d postgres -c "SELECT current_setting('max_connections')::int - count(*) - 30 FROM pg_stat_activity")
    clients=$c
    ((clients > PGBENCH_MAX)) && clients=$PGBENCH_MAX
    ((clients > free)) && clients=$free
    ((clients >= 1)) || die "PostgreSQL has no connections to spare for pgbench"
    name=pgbench__${script}__c${c}__r${run}
    echo "$clients" >"$RAW/$name.clients"
    quiet
    busy_now && busy=1
    cpu_start
    "$PGBENCH" -n -M prepared -c "$clients" -j "$WRK_THREADS" -T "$DURATION" -f "$BENCH/pgbench/$script.sql" \
        -l --log-prefix="$RAW/$name.log" "$PG_DB" >"$RAW/$name.txt" 2>&1 || status=$?
    busy_now && busy=1
    echo "$status" >"$RAW/$name.status"
    ((status == 0)) || { tail -5 "$RAW/$name.txt" >&2; step "  pgbench exited $status (counted as an error)"; }
    finish pgbench "$name" "$busy"
    rm -f "$RAW/$name.log"*
}

login_tokens() { # backend
    step "$1: logging in $TOKEN_USERS customers and the admin for their tokens"
    local names=()
    for i in $(seq 1 "$TOKEN_USERS"); do names+=("$(printf 'bench_user_%04d' "$i")"); done
    python3 "$BENCH/tools.py" login "$BASE" "$PASSWORD" "$OUT/tokens.txt" "${names[@]}" || die "login failed"
    python3 "$BENCH/tools.py" login "$BASE" "$PASSWORD" "$OUT/admin-token.txt" "$ADMIN" || die "admin login failed"
}

smoke() { # endpoints...: one request each, the status the benchmark expects
    local token admin
    token=$(head -1 "$OUT/tokens.txt")
    admin=$(cat "$OUT/admin-token.txt")
    for endpoint in "$@"; do
        case $endpoint in
            product) python3 "$BENCH/tools.py" check GET "$BASE/api/v1/products/01KBPR$(printf '%020d' 1)" 200 ;;
            list) python3 "$BENCH/tools.py" check GET "$BASE/api/v1/products?limit=20" 200 ;;
            me) python3 "$BENCH/tools.py" check GET "$BASE/api/v1/users/me" 200 "$token" ;;
            order) python3 "$BENCH/tools.py" check POST "$BASE/api/v1/orders" 201 "$token" \
                "{\"items\":[{\"product_id\":\"01KBPR$(printf '%020d' 2)\",\"quantity\":1}]}" ;;
            checkout) python3 "$BENCH/tools.py" check POST "$BASE/api/v1/orders" 201 "$token" \
                "{\"items\":[{\"product_id\":\"01KBPR$(printf '%020d' 3)\",\"quantity\":1}],\"shipping_address\":{\"name\":\"Bench Buyer\",\"line1\":\"Hauptstr. 1\",\"city\":\"Berlin\",\"country\":\"DE\"},\"shipping_method_id\":\"01KBSM$(printf '%020d' 1)\",\"discount_code\":\"BENCH10\"}" ;;
            patch) curl -fsS -o /dev/null -X PATCH "$BASE/api/v1/users/01KBCS$(printf '%020d' 1000)" \
                -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
                -H "If-Match: \"$(psql -qAt -d "$PG_DB" -c "SELECT version FROM users WHERE id = '01KBCS$(printf '%020d' 1000)'")\"" \
                -d '{"full_name":"Bench Smoke"}' ;;
        esac || die "smoke check of $endpoint failed: it would fail under load too"
    done
}

# ---------------------------------------------------------------- PostgreSQL
step "PostgreSQL: fresh database $PG_DB"
psql -q -d postgres -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null
psql -q -d postgres -c "CREATE DATABASE $PG_DB" >/dev/null
quiet
start_server pg "$PG_URL" "$SERVER_DB_CONNECTIONS"
ms=$STARTUP_MS
step "PostgreSQL: start-up to /ready on the empty database (migrations + first admin): $ms ms"
meta pg_start_empty_ms "$ms"
stop_server
step "PostgreSQL: seeding 10,000 products and 1,000 users (SQL, generate_series)"
psql -q -d "$PG_DB" -v hash="$HASH" -f "$BENCH/seed-postgres.sql" >/dev/null
quiet
start_server pg "$PG_URL" "$SERVER_DB_CONNECTIONS"
ms=$STARTUP_MS
step "PostgreSQL: start-up to /ready on the seeded database: $ms ms"
meta pg_start_seeded_ms "$ms"
meta pg_server_pid "$SERVER_PID"
login_tokens pg
printf 'bench_user_%04d\n' $(seq 1 1000) >"$OUT/usernames.txt"
smoke $PG_ENDPOINTS
meta pgbench_max_clients "$PGBENCH_MAX"
meta server_db_connections "$SERVER_DB_CONNECTIONS"
meta pg_max_connections "$(psql -qAt -d postgres -c 'SHOW max_connections')"
step "PostgreSQL: warm-up (1 s of GET /products/{id}, not counted)"
wrk -t"$WRK_THREADS" -c32 -d1s -s "$BENCH/wrk/product.lua" "$BASE" >/dev/null 2>&1 || true
# The peer's run of the product read follows the API's at 32 connections.
# It runs only for its own runs: its two workers hold 32 connections of
# PostgreSQL's 100 once warm, which pgbench's runs need.
start_peer() {
    (cd "$BENCH/peer" && exec env REF_DB="postgresql+asyncpg://$PGUSER@$PGHOST:$PGPORT/$PG_DB" \
        "$VENV/bin/uvicorn" app:app --host 127.0.0.1 --port "$PEER_PORT" --workers 2 --log-level warning) \
        >>"$OUT/peer.log" 2>&1 &
    PEER_PID=$!
    python3 "$BENCH/tools.py" wait-ready "http://127.0.0.1:$PEER_PORT/api/v1/products/01KBPR$(printf '%020d' 1)" \
        "$(date +%s%N)" 30 >/dev/null || { tail -20 "$OUT/peer.log" >&2; die "the peer did not answer"; }
    # Warm-up, not counted: every worker opens its pool.
    wrk -t"$WRK_THREADS" -c32 -d1s -s "$BENCH/wrk/product.lua" "http://127.0.0.1:$PEER_PORT" >/dev/null 2>&1 || true
}
peer_after() { # endpoint connections run
    [[ $PEER == 1 && $1 == product && $2 == 32 ]] || return 0
    step "the peer (FastAPI + SQLAlchemy async + asyncpg, 2 uvicorn workers), run $3/$RUNS: product at 32 connections (${DURATION} s)"
    start_peer
    local SERVER_PID=$PEER_PID
    RUN_BASE="http://127.0.0.1:$PEER_PORT" wrk_run peer product 32 "$3"
    stop_peer
}
# pgbench runs the scripts of an endpoint (`product`; `order` and
# `order-pipelined`) right after the API's run at the same connection count,
# so each API / pgbench ratio compares runs seconds apart: this machine's
# speed drifts by a third within minutes (other tenants of its host), and
# the report takes the median of the per-round ratios.
pgbench_after() { # endpoint connections run
    local script c
    for script in $PGBENCH_SCRIPTS; do
        [[ ${script%%-*} == "$1" ]] || continue
        for c in $PGBENCH_CONNECTIONS; do
            [[ $c == "$2" ]] || continue
            step "pgbench run $3/$RUNS: $script at $c clients (at most $PGBENCH_MAX) (${DURATION} s)"
            pgbench_run "$script" "$c" "$3"
        done
    done
}
for run in $(seq 1 "$RUNS"); do
    analyze_pg
    for endpoint in $PG_ENDPOINTS; do
        for c in $CONNECTIONS; do
            step "PostgreSQL run $run/$RUNS: $endpoint at $c connections (${DURATION} s)"
            wrk_run pg "$endpoint" "$c" "$run"
            pgbench_after "$endpoint" "$c" "$run"
            peer_after "$endpoint" "$c" "$run"
        done
    done
    # Scripts of endpoints the API did not run, or at other client counts.
    for script in $PGBENCH_SCRIPTS; do
        for c in $PGBENCH_CONNECTIONS; do
            [[ " $PG_ENDPOINTS " == *" ${script%%-*} "* && " $CONNECTIONS " == *" $c "* ]] && continue
            step "pgbench run $run/$RUNS: $script at $c clients (at most $PGBENCH_MAX) (${DURATION} s)"
            pgbench_run "$script" "$c" "$run"
        done
    done
done
for run in $(seq 1 "$RUNS"); do
    step "PostgreSQL run $run/$RUNS: login at $LOGIN_CONNECTIONS connections (${DURATION} s)"
    wrk_run pg login "$LOGIN_CONNECTIONS" "$run"
done
meta pg_peak_rss_kib "$(peak_rss)"
step "PostgreSQL: server peak RSS (VmHWM) $(peak_rss) KiB"
stop_server

# ---------------------------------------------------------------- SQLite
step "SQLite: fresh database $SQLITE_DB"
rm -f "$SQLITE_DB" "$SQLITE_DB-wal" "$SQLITE_DB-shm"
quiet
start_server sqlite "sqlite://$SQLITE_DB"
ms=$STARTUP_MS
step "SQLite: start-up to /ready on the empty database (migrations + first admin): $ms ms"
meta sqlite_start_empty_ms "$ms"
stop_server
step "SQLite: seeding 10,000 products and 1,000 users"
python3 "$BENCH/seed_sqlite.py" "$SQLITE_DB" "$HASH"
quiet
start_server sqlite "sqlite://$SQLITE_DB"
ms=$STARTUP_MS
step "SQLite: start-up to /ready on the seeded database: $ms ms"
meta sqlite_start_seeded_ms "$ms"
login_tokens sqlite
smoke $SQLITE_ENDPOINTS
step "SQLite: warm-up (1 s of GET /products/{id}, not counted)"
wrk -t"$WRK_THREADS" -c32 -d1s -s "$BENCH/wrk/product.lua" "$BASE" >/dev/null 2>&1 || true
for run in $(seq 1 "$RUNS"); do
    for endpoint in $SQLITE_ENDPOINTS; do
        for c in $CONNECTIONS; do
            step "SQLite run $run/$RUNS: $endpoint at $c connections (${DURATION} s)"
            wrk_run sqlite "$endpoint" "$c" "$run"
        done
    done
done
meta sqlite_peak_rss_kib "$(peak_rss)"
step "SQLite: server peak RSS (VmHWM) $(peak_rss) KiB"
stop_server

# ---------------------------------------------------------------- report
meta quiet_waited_s "$QUIET_SPENT"
meta duration_s "$DURATION"
meta runs "$RUNS"
meta wrk_threads "$WRK_THREADS"
meta login_connections "$LOGIN_CONNECTIONS"
meta wrk_version "$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
meta pgbench_version "$("$PGBENCH" --version)"
meta postgres_version "$(psql -qAt -d postgres -c 'SHOW server_version')"
meta elapsed_s $(($(date +%s) - STARTED))
step "report"
python3 "$BENCH/report.py" "$OUT" "$RESULTS"
