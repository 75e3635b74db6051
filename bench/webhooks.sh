#!/usr/bin/env bash
# Webhook deliveries per second: how fast the dispatcher empties the outbox
# to a local receiver. A release server (or several on one database, which
# share the work) on PostgreSQL; EVENTS events written into the outbox in one
# transaction; a receiver on loopback answering 204 after HOLD_MS. Prints the
# figures and writes bench/webhooks-results.md.
#
#   bench/webhooks.sh      (BENCH_WEBHOOK_EVENTS=5000 BENCH_WEBHOOK_HOLD_MS=5 BENCH_WEBHOOK_INSTANCES="1 3")
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/target/release/zonmart
EVENTS=${BENCH_WEBHOOK_EVENTS:-5000}
HOLD_MS=${BENCH_WEBHOOK_HOLD_MS:-5}
INSTANCES=${BENCH_WEBHOOK_INSTANCES:-"1 3"}
PORT=${BENCH_PORT:-18200}
RECEIVER_PORT=$((PORT + 90))
DB=zonmart_bench_webhooks
PG=postgres://postgres@127.0.0.1:5432
OUT=$ROOT/bench/out/webhooks
RESULTS=$ROOT/bench/webhooks-results.md
PASSWORD=bench-admin-password
PIDS=()

say() { printf '[webhooks %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { say "error: $*" >&2; exit 1; }
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

mkdir -p "$OUT"
if [[ ! -x $BIN ]]; then
    say "building $BIN (release)"
    (cd "$ROOT" && cargo build --release --bin zonmart --quiet)
fi
rows=()
for n in $INSTANCES; do
    say "$n instance(s): fresh database $DB"
    psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
    PIDS=()
    for i in $(seq 1 "$n"); do
        env -i PATH="$PATH" HOME="$HOME" ZONMART_DATABASE_URL="$PG/$DB" ZONMART_BIND="127.0.0.1:$((PORT + i))" \
            ZONMART_JWT_SECRET=bench-webhooks-secret-0123456789abcdef ZONMART_ADMIN_USERNAME=admin \
            ZONMART_ADMIN_PASSWORD="$PASSWORD" ZONMART_BCRYPT_COST=4 ZONMART_LOG=warn \
            ZONMART_RATE_LIMIT_PER_MINUTE=0 ZONMART_WEBHOOK_ALLOW_PRIVATE_TARGETS=true \
            "$BIN" serve >>"$OUT/server-$n-$i.log" 2>&1 &
        PIDS+=($!)
        # One at a time: the first runs the migrations.
        for _ in $(seq 1 300); do curl -fsS -o /dev/null "http://127.0.0.1:$((PORT + i))/ready" 2>/dev/null && break; sleep 0.1; done
        curl -fsS -o /dev/null "http://127.0.0.1:$((PORT + i))/ready" || die "instance $i did not get ready"
    done
    : >"$OUT/deliveries.jsonl"
    python3 "$ROOT/scripts/webhook-receiver.py" "$RECEIVER_PORT" "$OUT/deliveries.jsonl" "$HOLD_MS" &
    PIDS+=($!)
    BASE=http://127.0.0.1:$((PORT + 1))
    TOKEN=$(curl -fsS -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
        -d "{\"username\":\"admin\",\"password\":\"$PASSWORD\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
    for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$RECEIVER_PORT") 2>/dev/null && break; sleep 0.1; done
    curl -fsS -o /dev/null -X POST "$BASE/api/v1/webhooks" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
        -d "{\"url\":\"http://127.0.0.1:$RECEIVER_PORT/hook\",\"events\":[\"product.created\"]}"
    sleep 1 # the subscription's creation time is before every event's
    # EVENTS product.created events with ULID ids, in one transaction.
    python3 - "$EVENTS" >"$OUT/events.csv" <<'PYEOF'
import datetime, os, sys, time
now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None).isoformat()
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
def ulid():
    n = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    return "".join(ALPHABET[(n >> (5 * i)) & 31] for i in reversed(range(26)))
for _ in range(int(sys.argv[1])):
    product = ulid()
    print(f'{ulid()},product.created,product,{product},1,"{{""id"":""{product}""}}",{now}')
PYEOF
    psql -q "$PG/$DB" -c "\\copy events (id, event_type, resource_type, resource_id, resource_version, data, created_at) FROM '$OUT/events.csv' WITH (FORMAT csv)"
    t1=$(python3 -c 'import time; print(time.time())')
    for s in $(seq 1 1200); do
        got=$(wc -l <"$OUT/deliveries.jsonl")
        ((got >= EVENTS)) && break
        ((s % 50 == 0)) && say "  $got of $EVENTS delivered after $((s / 10)) s"
        sleep 0.1
    done
    row=$(python3 - "$OUT/deliveries.jsonl" "$EVENTS" "$t1" "$n" "$HOLD_MS" <<'PYEOF'
import json, statistics, sys
seen = [json.loads(line) for line in open(sys.argv[1])]
events, committed, instances, hold = int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
ids = {d["id"] for d in seen}
by_id = {}
for d in seen:
    by_id.setdefault(d["id"], []).append(d)
at_once = sum(1 for ds in by_id.values() if any(a["start"] < b["end"] and b["start"] < a["end"]
              for n, a in enumerate(ds) for b in ds[n + 1:]))
last = max(d["end"] for d in seen) if seen else committed
first = min(d["start"] for d in seen) if seen else committed
rate = len(ids) / (last - committed) if last > committed else 0
print(f"| {instances} | {events:,} | {hold} ms | {len(ids):,} | {len(seen) - len(ids)} | {at_once} | "
      f"{first - committed:.2f} s | {last - committed:.2f} s | **{rate:,.0f}** |")
PYEOF
)
    say "$row"
    rows+=("$row")
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    PIDS=()
done
{
    echo "# Webhook deliveries per second"
    echo
    echo "\`bench/webhooks.sh\` at \`$(git -C "$ROOT" rev-parse --short HEAD)\`$(git -C "$ROOT" diff --quiet HEAD -- crates || echo ' (with uncommitted changes)'), release build, $(date -u +%Y-%m-%d), on this 2-core"
    echo "machine shared by the servers, PostgreSQL and the receiver (one Python process). The events are written"
    echo "into the outbox in one transaction; the clock runs from psql's return after that commit (so a first delivery can come"
    echo "before it) to the receiver's last 204. Each instance claims 64 deliveries per round and sends them at once."
    echo
    echo "| instances | events | receiver holds | delivered | duplicates | sent twice at once | first after | last after | deliveries/s |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${rows[@]}"
} >"$RESULTS"
cat "$RESULTS"
