#!/usr/bin/env bash
# The Citus scenario: Zonmart on sharded PostgreSQL (scripts/citus.sh: a
# coordinator and worker groups under Patroni + etcd, on loopback ports
# 5451-5455; 5432 is only used for step 7's comparison, in a scratch database).
#
#   scripts/citus-test.sh                       everything
#   CITUS_TEST_SUITES=0 scripts/citus-test.sh   without the Rust suites (step 2)
#
# 1. brings the cluster up (builds Citus if missing) and prints its status;
# 2. runs the adapters' and the api's test suites against the coordinator,
#    each test in a schema of its own, 4 shards a table (CITUS_TEST_SUITES=0
#    skips this step);
# 3. starts the release server on the coordinator (built only if missing, or
#    with CITUS_TEST_BUILD=1), which migrates the schema; then runs
#    migrations/citus/distribute.sql (idempotent: a no-op once the server
#    distributes the schema by itself) and prints the layout;
# 4. races over HTTP (scripts/citus-races.py): 50 buyers of the last 10, two-line
#    orders crossing their lock order across two workers, one Idempotency-Key
#    sent 10 times at once, 10 customers racing for a code with 3 uses;
# 5. online growth: under orders and reads, a third worker group is added
#    and the shards are rebalanced onto it: no request may fail, every
#    acknowledged order is stored; prints the rebalance's time and the shards
#    per node;
# 6. a worker lost: group 1's primary is killed (kill -9) under load: every
#    201 is stored exactly once, stock adds up, writes are served again
#    within 60 s;
# 7. performance: pgbench (8 clients, 10 s, -M prepared) of the order
#    transaction (bench/citus/order.sql) and the product read
#    (bench/pgbench/product.sql), over bench/seed-postgres.sql, on the
#    coordinator and on plain PostgreSQL (127.0.0.1:5432, a scratch database
#    dropped after), and wrk (32 connections, 5 s) of GET
#    /api/v1/products/{id} against the server on Citus;
# 8. prints the figures; stops everything it started on exit (the server,
#    the scratch database, `scripts/citus.sh down`) and the total time.
# Exits 1 if any check failed (the run goes on after a failed check, so all
# the figures are printed). Every step is bounded in time.
#
# Settings: CITUS_TEST_PORT (the server's port; default: a free one),
# CITUS_TEST_SUITES (1), CITUS_TEST_BUILD (0), CITUS_TEST_GROW_SECONDS (180:
# the load around add-worker + rebalance, which must end within it; the
# rebalance moves one shard group at a time, about 70 s here unloaded),
# and scripts/citus.sh's ZONMART_CITUS_* settings. About 8 minutes without
# the suites.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CITUS="$ROOT/scripts/citus.sh"
CITUS_TEST_SUITES=${CITUS_TEST_SUITES:-1}
CITUS_TEST_BUILD=${CITUS_TEST_BUILD:-0}
GROW_SECONDS=${CITUS_TEST_GROW_SECONDS:-180}
RECOVERY_BOUND_S=60
COORDINATOR_PORT=${ZONMART_CITUS_PG_PORT:-5451}
PORT=${CITUS_TEST_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
BASE="http://127.0.0.1:$PORT"
BIN="$ROOT/target/release/zonmart"
PLAIN_DB="zonmart_citus_cmp_$$"
PLAIN_URL="postgres://postgres@127.0.0.1:5432/$PLAIN_DB"
WORK=$(mktemp -d /tmp/zonmart-citus-test.XXXXXX)
SERVER_PID=
PLAIN_CREATED=
FAILED=()
STARTED=$SECONDS
step=0
STEP_STARTED=$SECONDS

say() {
    if ((step > 0)); then printf '[citus-test %d] took %d s\n' "$step" $((SECONDS - STEP_STARTED)); fi
    step=$((step + 1)); STEP_STARTED=$SECONDS
    printf '\n[citus-test %d %s +%ds] %s\n' "$step" "$(date +%H:%M:%S)" $((SECONDS - STARTED)) "$*"
}
fail() { echo "FAIL: $*" >&2; FAILED+=("$*"); }
figure() { echo "$*" | tee -a "$WORK/figures.txt"; }
json() { python3 -c "import json,sys; v=json.load(sys.stdin); print($1)"; }
result_of() { grep '^RESULT ' "$1" | tail -1 | cut -c8-; } # order-load's summary line

cleanup() {
    local status=$?
    trap - EXIT
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ -n $PLAIN_CREATED ]]; then
        psql -h 127.0.0.1 -p 5432 -U postgres -XqAtc "drop database if exists $PLAIN_DB with (force)" >/dev/null 2>&1 || true
    fi
    if [[ $status -ne 0 ]]; then
        if [[ -f $WORK/server.log ]]; then echo "--- last server log lines ---"; tail -30 "$WORK/server.log"; fi
        timeout 30 "$CITUS" status 2>&1 || true
    fi
    timeout 120 "$CITUS" down >/dev/null 2>&1 || true
    if [[ $status -eq 0 ]]; then rm -rf "$WORK"; else echo "logs kept in $WORK"; fi
    echo "[citus-test] total $((SECONDS - STARTED)) s, exit $status"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --------------------------------------------------------------------------
say "Citus cluster up"
URLS=$(timeout 900 "$CITUS" up) # PRIMARY_URL=...
eval "$URLS"
timeout 30 "$CITUS" status
CITUS_DB=$PRIMARY_URL # psql's URL of the coordinator's zonmart database
coordinator() { PGCONNECT_TIMEOUT=3 psql "$CITUS_DB" -XtAq -v ON_ERROR_STOP=1 "$@"; }
shards_per_node() {
    coordinator -c "select string_agg(format('%s:%s=%s', nodename, nodeport, n), ', ' order by nodeport)
                    from (select nodename, nodeport, count(*) n from citus_shards
                          where citus_table_type = 'distributed' group by 1, 2) s"
}

# --------------------------------------------------------------------------
if [[ $CITUS_TEST_SUITES == 1 ]]; then
    say "the adapters' and the api's test suites on the coordinator (4 shards a table)"
    TEST_URL="postgres://postgres@127.0.0.1:$COORDINATOR_PORT/zonmart?options=-c%20citus.shard_count%3D4"
    t0=$SECONDS
    if ZONMART_TEST_DATABASE_URL=$TEST_URL CI=true timeout 1800 cargo test --no-fail-fast -p zonmart-adapters --features test-support; then
        figure "suites: zonmart-adapters passed on Citus in $((SECONDS - t0)) s"
    else
        fail "cargo test -p zonmart-adapters on Citus"
    fi
    t0=$SECONDS
    if ZONMART_TEST_DATABASE_URL=$TEST_URL CI=true timeout 1800 cargo test --no-fail-fast -p zonmart-api --test api; then
        figure "suites: zonmart-api --test api passed on Citus in $((SECONDS - t0)) s"
    else
        fail "cargo test -p zonmart-api --test api on Citus"
    fi
else
    say "the Rust test suites: skipped (CITUS_TEST_SUITES=0)"
fi

# --------------------------------------------------------------------------
say "release server on the coordinator, 127.0.0.1:$PORT"
if [[ ! -x $BIN ]] && pgrep -x cargo >/dev/null; then
    echo "waiting (at most 15 min) for the cargo build under way to write $BIN"
    for _ in $(seq 1 180); do [[ -x $BIN ]] && break; pgrep -x cargo >/dev/null || break; sleep 5; done
    sleep 3 # let the linker's copy finish
fi
if [[ $CITUS_TEST_BUILD == 1 || ! -x $BIN ]]; then
    timeout 1800 cargo build --release --bin zonmart
fi
ls -la "$BIN"
ADMIN_PASSWORD="citus-admin-$RANDOM$RANDOM"
server_env=(ZONMART_DATABASE_URL="$PRIMARY_URL" ZONMART_BIND="127.0.0.1:$PORT"
    ZONMART_JWT_SECRET="citus-secret-$RANDOM-citus-secret-$RANDOM-citus" ZONMART_BCRYPT_COST=4
    ZONMART_ADMIN_USERNAME=admin ZONMART_ADMIN_PASSWORD="$ADMIN_PASSWORD"
    ZONMART_RATE_LIMIT_AUTH_PER_MINUTE=0 ZONMART_RATE_LIMIT_PER_MINUTE=0 ZONMART_LOG=info)
t0=$(date +%s%N)
env "${server_env[@]}" "$BIN" >"$WORK/server.log" 2>&1 </dev/null &
SERVER_PID=$!
for _ in $(seq 1 600); do # migrating a fresh Citus database takes a while
    curl -fsS -m 1 -o /dev/null "$BASE/ready" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -30 "$WORK/server.log"; echo "the server exited"; exit 1; }
    sleep 0.2
done
curl -fsS -m 2 -o /dev/null "$BASE/ready"
figure "server: ready on Citus in $((($(date +%s%N) - t0) / 1000000)) ms (migrations included)"
# Until the server distributes the schema itself when it finds Citus, this
# does it; afterwards it is a no-op that checks the layout is in place.
t0=$(date +%s%N)
psql "$CITUS_DB" -Xq -v ON_ERROR_STOP=1 -f "$ROOT/migrations/citus/distribute.sql" >"$WORK/distribute.log" 2>&1 ||
    { cat "$WORK/distribute.log"; echo "distribute.sql failed"; exit 1; }
figure "layout: distribute.sql ran in $((($(date +%s%N) - t0) / 1000000)) ms; tables: $(coordinator -c \
    "select string_agg(format('%s %s', n, t), ', ' order by t) from (select citus_table_type t, count(*) n from citus_tables group by 1) s")"
for table in products orders order_items idempotency_keys discount_customer_uses; do
    [[ $(coordinator -c "select citus_table_type from citus_tables where table_name = '$table'::regclass") == distributed ]] ||
        fail "$table is not a distributed table"
done
figure "layout: distributed shards per node: $(shards_per_node)"
LOAD=(python3 "$ROOT/scripts/order-load.py" --base "$BASE" --admin "admin:$ADMIN_PASSWORD" --psql-url "$CITUS_DB")

# --------------------------------------------------------------------------
say "races over HTTP: last stock, crossing lines, one Idempotency-Key, a code's last uses"
if ! timeout 300 python3 "$ROOT/scripts/citus-races.py" --base "$BASE" --admin "admin:$ADMIN_PASSWORD" \
    --psql-url "$CITUS_DB" --citus --buyers 50 --stock 10 --cross-threads 20 --cross-seconds 10 \
    --same-key 10 --discount-buyers 10 --max-uses 3 | tee "$WORK/races.out"; then
    fail "races (see the FAILED lines above)"
fi
grep '^  ' "$WORK/races.out" | sed 's/^  /races: /' >>"$WORK/figures.txt" || true

# --------------------------------------------------------------------------
say "online growth: worker group 3 added and the shards rebalanced under ${GROW_SECONDS} s of orders and reads"
cat >"$WORK/grow.sh" <<EOF
#!/usr/bin/env bash
# add-worker, then rebalance; their durations in ms on stdout.
set -euo pipefail
t0=\$(date +%s%N)
'$CITUS' add-worker
t1=\$(date +%s%N)
'$CITUS' rebalance
t2=\$(date +%s%N)
echo "add_worker_ms=\$(( (t1 - t0) / 1000000 )) rebalance_ms=\$(( (t2 - t1) / 1000000 ))"
EOF
chmod +x "$WORK/grow.sh"
if ! timeout $((GROW_SECONDS + 120)) "${LOAD[@]}" --label growth --seconds "$GROW_SECONDS" --writers 6 --readers 2 \
    --event-at 5 --event "$WORK/grow.sh" --event-timeout "$((GROW_SECONDS - 10))" --max-failures 0 | tee "$WORK/growth.out"; then
    fail "growth: order-load's checks (every acknowledged order stored, no failed request)"
fi
if [[ -n $(result_of "$WORK/growth.out") ]]; then
    result_of "$WORK/growth.out" >"$WORK/growth.json"
    status=0
    python3 - "$WORK/growth.json" "$GROW_SECONDS" >"$WORK/growth.txt" <<'EOF' || status=$?
import json, re, sys
r = json.load(open(sys.argv[1])); seconds = float(sys.argv[2])
times = dict(re.findall(r"(add_worker_ms|rebalance_ms)=(\d+)", r["event"] or ""))
moved = re.search(r"rebalanced in (\d+) s", r["event"] or "")
w = r["writes"]
secs = lambda k: f"{int(times[k]) / 1000:.1f} s" if k in times else "? s"
print(f"growth: add-worker {secs('add_worker_ms')}, rebalance {secs('rebalance_ms')} (event exit {r['event_exit_status']}, done "
      f"{5 + (r['event_seconds'] or 0):.1f} s into the {seconds:g} s load); acknowledged {w['acknowledged_201']}, "
      f"stored {r['stored_orders']}, acknowledged but missing {r['acknowledged_missing']}, failed requests "
      f"{r['failed_requests_total']} (writes {w['failed_by_status']} + {w['unknown_no_answer']} unanswered, reads "
      f"{r['reads']['failed_by_status']} + {r['reads']['unknown_no_answer']} unanswered), reads ok {r['reads']['ok_200']}, "
      f"write p50 {w['p50_ms']} ms, max {w['max_ms']} ms")
ok = r["event_exit_status"] == 0 and "rebalance_ms" in times and 5 + (r["event_seconds"] or 1e9) <= seconds
sys.exit(0 if ok else 3)
EOF
    cat "$WORK/growth.txt" | tee -a "$WORK/figures.txt"
    if [[ $status -ne 0 ]]; then
        fail "growth: add-worker + rebalance did not finish (cleanly) within the load: $(result_of "$WORK/growth.out" | json 'v["event"]')"
    fi
else
    fail "growth: no RESULT line from order-load"
fi
figure "growth: distributed shards per node afterwards: $(shards_per_node)"
W3_SHARDS=$(coordinator -c "select count(*) from citus_shards where citus_table_type = 'distributed' and nodeport = $((COORDINATOR_PORT + 4))")
((W3_SHARDS > 0)) || fail "growth: no shard was moved onto worker group 3"

# --------------------------------------------------------------------------
say "a worker lost: group 1's primary killed (kill -9) at 8 s of 40 s of orders and reads"
if ! timeout 180 "${LOAD[@]}" --label worker-loss --seconds 40 --writers 6 --readers 2 \
    --event-at 8 --event "$CITUS kill-worker-primary" \
    --max-recovery-seconds "$RECOVERY_BOUND_S" | tee "$WORK/loss.out"; then
    fail "worker loss: order-load's checks (stored once, stock, writes back within $RECOVERY_BOUND_S s)"
fi
if [[ -n $(result_of "$WORK/loss.out") ]]; then
    result_of "$WORK/loss.out" >"$WORK/loss.json"
    python3 - "$WORK/loss.json" <<'EOF' | tee -a "$WORK/figures.txt"
import json, sys
r = json.load(open(sys.argv[1])); w = r["writes"]
killed = r["event"].splitlines()[-1] if r["event"] else None
print(f"worker loss: killed {killed}; acknowledged {w['acknowledged_201']}, stored {r['stored_orders']}, "
      f"lost (acknowledged but missing) {r['acknowledged_missing']}, stored but unacknowledged "
      f"{r['stored_not_acknowledged']}, failed requests {r['failed_requests_total']} (writes {w['failed_by_status']} + "
      f"{w['unknown_no_answer']} unanswered, reads {r['reads']['failed_by_status']} + {r['reads']['unknown_no_answer']} "
      f"unanswered), first failed write {r['first_write_failure_after_event_s']} s after the kill, writes served "
      f"again after {r['writes_served_again_after_s']} s (bound 60 s); stock {r['stock_now']} = "
      f"{r['initial_stock']} - stored quantity: {r['stock_now'] == r['initial_stock'] - r['stored_orders']}")
EOF
else
    fail "worker loss: no RESULT line from order-load"
fi
# What a 500 was, if any: the server logs each internal error's detail.
if grep -aq 'internal error' "$WORK/server.log"; then
    echo "internal errors the server logged (distinct, at most 5):"
    sed 's/\x1b\[[0-9;]*m//g' "$WORK/server.log" | grep -a 'internal error' | sed -E 's/.*internal error *(detail=)?//' |
        cut -c1-300 | sort | uniq -c | sort -rn | head -5 | sed 's/^ */  /' | tee -a "$WORK/figures.txt"
fi
timeout 30 "$CITUS" status || true

# --------------------------------------------------------------------------
say "performance: pgbench on Citus and on plain PostgreSQL, wrk on the server on Citus"
PGBENCH=$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | tail -1)
if ! command -v wrk >/dev/null; then
    timeout 300 apt-get install -y -qq wrk >/dev/null 2>&1 ||
        { timeout 300 apt-get update -qq && timeout 300 apt-get install -y -qq wrk >/dev/null; } || true
fi
seed() { # URL (bench/seed-postgres.sql: 1,000 users, 10,000 products, 10,000 past orders)
    # Citus: the seed's one transaction writes a reference table (users) and
    # then distributed tables with foreign keys to it, which must go shard by
    # shard; plain PostgreSQL ignores the setting it does not know.
    PGOPTIONS='-c citus.multi_shard_modify_mode=sequential' \
        psql "$1" -Xq -v ON_ERROR_STOP=1 -v hash=not-a-bcrypt-hash-nobody-logs-in \
        -f "$ROOT/bench/seed-postgres.sql" >>"$WORK/seed.log" 2>&1
}
pgbench_run() { # label script URL: sets PB_TPS and PB_LAT (average latency, ms)
    local out="$WORK/pgbench-$1-$(basename "$2" .sql).txt"
    if ! timeout 60 "$PGBENCH" -n -M prepared -c 8 -j 2 -T 10 -f "$ROOT/$2" "$3" >"$out" 2>&1; then
        fail "pgbench $2 on $1 exited non-zero: $(tail -3 "$out" | tr '\n' ' ')"
    fi
    local tps lat failed
    tps=$(sed -nE 's/^tps = ([0-9]+)(\.[0-9]*)? .*/\1/p' "$out" | tail -1)
    lat=$(sed -nE 's/^latency average = ([0-9.]+) ms/\1/p' "$out")
    failed=$(sed -nE 's/^number of failed transactions: ([0-9]+).*/\1/p' "$out")
    [[ ${failed:-0} == 0 ]] || fail "pgbench $2 on $1: $failed failed transactions"
    PB_TPS=${tps:-?} PB_LAT=${lat:-?}
}
node_cpu() { # [first port] [count]: CPU seconds each node (postmaster and backends) has used, as "port=seconds ..."
    python3 - "${1:-$COORDINATOR_PORT}" "${2:-5}" <<'EOF'
import os, subprocess, sys
hz = os.sysconf("SC_CLK_TCK"); first, count = int(sys.argv[1]), int(sys.argv[2]); out = []
def stat(pid):
    return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
def ticks(fields, children):  # utime stime (+ cutime cstime: the backends that exited)
    return int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if children else 0)
for port in range(first, first + count):
    ss = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True).stdout
    if "pid=" not in ss:
        continue
    pid = ss.split("pid=")[1].split(",")[0]
    total = ticks(stat(pid), True)
    for p in os.listdir("/proc"):
        try:
            fields = stat(p) if p.isdigit() else None
            if fields and fields[1] == pid:
                total += ticks(fields, False)
        except OSError:
            pass
    out.append(f"{port}={total / hz:.2f}")
print(" ".join(out))
EOF
}
cpu_per_order() { # before after transactions: "port ms, ..." of CPU per transaction, for each node that worked
    python3 - "$1" "$2" "$3" <<'EOF'
import sys
before = dict(kv.split("=") for kv in sys.argv[1].split())
after = dict(kv.split("=") for kv in sys.argv[2].split())
n = max(int(sys.argv[3] or 0), 1)
used = {p: float(after[p]) - float(before.get(p, 0)) for p in after}
print(", ".join(f"{p} {1000 * used[p] / n:.2f} ms" for p in sorted(used) if used[p] > 0.05))
EOF
}
t0=$SECONDS
seed "$CITUS_DB" || { tail -5 "$WORK/seed.log"; fail "seeding the coordinator"; }
SEED_CITUS_S=$((SECONDS - t0))
CPU_BEFORE=$(node_cpu)
pgbench_run citus bench/citus/order.sql "$CITUS_DB"; C_ORDER_TPS=$PB_TPS C_ORDER_LAT=$PB_LAT
CPU_AFTER=$(node_cpu)
C_ORDER_TX=$(sed -nE 's/^number of transactions actually processed: ([0-9]+).*/\1/p' "$WORK/pgbench-citus-order.txt")
C_ORDER_CPU=$(cpu_per_order "$CPU_BEFORE" "$CPU_AFTER" "${C_ORDER_TX:-0}")
pgbench_run citus bench/pgbench/product.sql "$CITUS_DB"; C_READ_TPS=$PB_TPS C_READ_LAT=$PB_LAT

psql -h 127.0.0.1 -p 5432 -U postgres -XqAtc "create database $PLAIN_DB" && PLAIN_CREATED=1
t0=$SECONDS
if ZONMART_DATABASE_URL=$PLAIN_URL ZONMART_LOG=warn timeout 120 "$BIN" migrate >"$WORK/plain-migrate.log" 2>&1 && seed "$PLAIN_URL"; then
    SEED_PLAIN_S=$((SECONDS - t0))
    CPU_BEFORE=$(node_cpu 5432 1)
    pgbench_run plain bench/citus/order.sql "$PLAIN_URL"; P_ORDER_TPS=$PB_TPS P_ORDER_LAT=$PB_LAT
    CPU_AFTER=$(node_cpu 5432 1)
    P_ORDER_TX=$(sed -nE 's/^number of transactions actually processed: ([0-9]+).*/\1/p' "$WORK/pgbench-plain-order.txt")
    P_ORDER_CPU=$(cpu_per_order "$CPU_BEFORE" "$CPU_AFTER" "${P_ORDER_TX:-0}")
    pgbench_run plain bench/pgbench/product.sql "$PLAIN_URL"; P_READ_TPS=$PB_TPS P_READ_LAT=$PB_LAT
else
    tail -5 "$WORK/plain-migrate.log" "$WORK/seed.log"; fail "preparing the plain PostgreSQL database"
    SEED_PLAIN_S='?' P_ORDER_CPU='?' P_ORDER_TPS='?' P_ORDER_LAT='?' P_READ_TPS='?' P_READ_LAT='?'
fi
psql -h 127.0.0.1 -p 5432 -U postgres -XqAtc "drop database if exists $PLAIN_DB with (force)" && PLAIN_CREATED=

WRK_LINE="wrk missing"
if command -v wrk >/dev/null; then
    if BENCH_DIR="$ROOT/bench" BENCH_WRK_THREADS=2 BENCH_WRK_JSON="$WORK/wrk.json" \
        timeout 60 wrk -t2 -c32 -d5s --timeout 10s -s "$ROOT/bench/wrk/product.lua" "$BASE" >"$WORK/wrk.txt" 2>&1 &&
        [[ -s $WORK/wrk.json ]]; then
        WRK_LINE=$(json '"%.0f req/s, p50 %.2f ms, p99 %.2f ms, errors %d" % (v["rps"], v["p50_us"] / 1000, v["p99_us"] / 1000, v["err_connect"] + v["err_read"] + v["err_write"] + v["err_status"] + v["err_timeout"])' <"$WORK/wrk.json")
        errors=$(json 'v["err_connect"] + v["err_read"] + v["err_write"] + v["err_status"] + v["err_timeout"]' <"$WORK/wrk.json")
        [[ $errors == 0 ]] || fail "wrk: $errors failed requests"
    else
        fail "wrk failed: $(tail -3 "$WORK/wrk.txt" | tr '\n' ' ')"
    fi
else
    fail "wrk is not installed"
fi
ratio() { python3 -c "import sys; a, b = sys.argv[1:3]; print(f'{float(b) / float(a):.2f}x' if a.replace('.', '').isdigit() and b.replace('.', '').isdigit() else '?')" "$1" "$2"; }
{
    echo "performance (pgbench: 8 clients, 10 s, -M prepared; seeding took ${SEED_CITUS_S} s on Citus, ${SEED_PLAIN_S} s on plain):"
    row() { printf '  %-40s %-18s %-18s %s\n' "$@"; }
    row "" "plain PostgreSQL" "Citus" "Citus/plain"
    row "pgbench order transaction, tps" "$P_ORDER_TPS" "$C_ORDER_TPS" "$(ratio "$P_ORDER_TPS" "$C_ORDER_TPS")"
    row "pgbench order transaction, latency avg" "$P_ORDER_LAT ms" "$C_ORDER_LAT ms" ""
    echo "  CPU per order transaction, by node port: plain ${P_ORDER_CPU:-?}; Citus (coordinator $COORDINATOR_PORT) $C_ORDER_CPU"
    row "pgbench product read, tps" "$P_READ_TPS" "$C_READ_TPS" "$(ratio "$P_READ_TPS" "$C_READ_TPS")"
    row "pgbench product read, latency avg" "$P_READ_LAT ms" "$C_READ_LAT ms" ""
    row "wrk GET /api/v1/products/{id}, 32 conn" "-" "$WRK_LINE" ""
} | tee -a "$WORK/figures.txt"

# --------------------------------------------------------------------------
say "figures"
cat "$WORK/figures.txt"
if ((${#FAILED[@]})); then
    echo
    echo "FAILED checks (${#FAILED[@]}):"
    printf '  - %s\n' "${FAILED[@]}"
    exit 1
fi
printf '[citus-test %d] took %d s\n\n[citus-test] every check passed in %d s\n' "$step" $((SECONDS - STEP_STARTED)) $((SECONDS - STARTED))
