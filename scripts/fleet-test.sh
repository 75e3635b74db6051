#!/usr/bin/env bash
# The fleet scenario (CI runs it): three instances behind HAProxy
# (scripts/fleet.sh), one PostgreSQL, Redis for the rate limits.
#
# 1. Under 20 s of orders and product reads through HAProxy (6 threads), instance 2 is
#    killed with kill -9 at 5 s and started again once HAProxy has taken it
#    out: every order acknowledged 201 is stored exactly once, stock adds
#    up, and the failed requests are at most those in flight (one per
#    load thread). Prints how long HAProxy took to stop sending there.
# 2. 30 logins for one client IP spread over the three instances: exactly
#    the burst (5) get through, not three times it.
# 3. An Idempotency-Key retried against another instance replays.
# 4. 300 orders at once over the fleet: every order.placed reaches a webhook
#    receiver, none sent by two instances at once.
# 5. Every unpaid order expires (ZONMART_ORDER_PAYMENT_TIMEOUT_S) exactly once.
#
# Bounded: about 2 minutes at most after the release build. Cleans up after itself.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export ZONMART_FLEET_DIR=${ZONMART_FLEET_DIR:-/tmp/zonmart-fleet-test}
export ZONMART_FLEET_PORT=${ZONMART_FLEET_PORT:-18100}
export ZONMART_FLEET_DB=zonmart_fleet_test
export ZONMART_REDIS_URL=${ZONMART_REDIS_URL:-redis://127.0.0.1:6379/2}
FLEET="$ROOT/scripts/fleet.sh"
step=0
say() { step=$((step + 1)); printf '[fleet-test %d] %s (%s)\n' "$step" "$*" "$(date +%H:%M:%S)"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

RECEIVER_PORT=$((ZONMART_FLEET_PORT + 20))
RECEIVER_PID=
cleanup() {
    "$FLEET" down >/dev/null 2>&1 || true
    [[ -n $RECEIVER_PID ]] && kill "$RECEIVER_PID" 2>/dev/null || true
    return 0
}
trap cleanup EXIT

say "a fresh database and Redis counters"
rm -rf "$ZONMART_FLEET_DIR"; mkdir -p "$ZONMART_FLEET_DIR"
psql -h 127.0.0.1 -U postgres -Xqc "drop database if exists $ZONMART_FLEET_DB" -c "create database $ZONMART_FLEET_DB" >/dev/null
redis-cli -u "$ZONMART_REDIS_URL" flushdb >/dev/null 2>&1 || true

ADMIN_PASSWORD="fleet-admin-$RANDOM$RANDOM"
export ZONMART_ADMIN_USERNAME=admin ZONMART_ADMIN_PASSWORD=$ADMIN_PASSWORD ZONMART_BCRYPT_COST=4
export ZONMART_RATE_LIMIT_AUTH_PER_MINUTE=10 ZONMART_RATE_LIMIT_PER_MINUTE=0
export ZONMART_WEBHOOK_ALLOW_PRIVATE_TARGETS=true ZONMART_WEBHOOK_BACKOFF_MS=200
export ZONMART_ORDER_PAYMENT_TIMEOUT_S=35

say "three instances, HAProxy and Redis"
"$FLEET" up
eval "$("$FLEET" env)"

# A webhook receiver that records each delivery's event id and when it
# started and ended (held 5 ms, so two deliveries of one event at once show).
python3 "$ROOT/scripts/webhook-receiver.py" "$RECEIVER_PORT" "$ZONMART_FLEET_DIR/deliveries.jsonl" 5 &
RECEIVER_PID=$!

json() { python3 -c "import json,sys; v=json.load(sys.stdin); print($1)"; }
# login URL USER PASSWORD CLIENT_IP: through a trusted proxy's X-Forwarded-For.
login() {
    curl -fsS -m 10 -X POST "$1/api/v1/auth/login" -H 'content-type: application/json' -H "x-forwarded-for: $4" \
        -d "{\"username\":\"$2\",\"password\":\"$3\"}" | json 'v["access_token"]'
}
ADMIN_TOKEN=$(login "$FLEET_URL" admin "$ADMIN_PASSWORD" 192.0.2.10)

say "20 s of orders and reads through HAProxy; instance 2 killed (kill -9) at 5 s and started again"
cat >"$ZONMART_FLEET_DIR/kill-2.sh" <<EOF
#!/usr/bin/env bash
# kill -9 instance 2; time until HAProxy marks it DOWN; start it again; wait until it is UP.
start=\$(date +%s%N)
'$FLEET' kill 2 >/dev/null 2>&1
for _ in \$(seq 1 200); do '$FLEET' haproxy-status | grep -q 'zonmart-2 DOWN' && break; sleep 0.05; done
echo "haproxy_took_instance_2_out_after_ms=\$(( (\$(date +%s%N) - start) / 1000000 ))"
sleep 3; '$FLEET' start 2 >/dev/null 2>&1
back=\$(date +%s%N)
for _ in \$(seq 1 200); do '$FLEET' haproxy-status | grep -q 'zonmart-2 UP' && break; sleep 0.05; done
echo "instance_2_back_in_rotation_after_ms=\$(( (\$(date +%s%N) - back) / 1000000 ))"
EOF
chmod +x "$ZONMART_FLEET_DIR/kill-2.sh"
EVENT="$ZONMART_FLEET_DIR/kill-2.sh"
# Each of the 8 load threads (4 order writers, 2 readers, 2 racing on one
# cart) has at most one request in flight on the killed instance; nothing
# else may fail. (4 writers: a release build places
# about 500 orders a second here, and every one of them is then followed to
# its webhook delivery and its expiry.)
python3 "$ROOT/scripts/order-load.py" --base "$FLEET_URL" --admin "admin:$ADMIN_PASSWORD" \
    --seconds 20 --writers 4 --readers 2 --carters 2 --event-at 5 --event "$EVENT" \
    --psql-url "$FLEET_DATABASE_URL" --label fleet-kill --max-failures 8 | tee "$ZONMART_FLEET_DIR/load.out"
grep -q '^RESULT ' "$ZONMART_FLEET_DIR/load.out" || fail "no load result"
"$FLEET" status

say "30 logins for one client IP over the three instances: exactly the burst of 5 get through"
passed=0; limited=0
for n in $(seq 0 29); do
    url_var="INSTANCE_$((n % 3 + 1))_URL"
    status=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' -X POST "${!url_var}/api/v1/auth/login" \
        -H 'content-type: application/json' -H 'x-forwarded-for: 203.0.113.77' -d '{"username":"nobody","password":"wrong-password"}')
    case $status in 429) limited=$((limited + 1)) ;; 401) passed=$((passed + 1)) ;; *) fail "login answered $status" ;; esac
done
echo "logins: $passed answered, $limited rate limited"
[[ $passed == 5 && $limited == 25 ]] || fail "the auth limit is not fleet-wide: $passed passed"
# The header from a client that is not a trusted proxy is not believed: the
# instance counts the real peer (127.0.0.1 itself here, a fresh bucket).
status=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' -X POST "$INSTANCE_1_URL/api/v1/auth/login" --interface 127.0.0.2 \
    -H 'content-type: application/json' -H 'x-forwarded-for: 203.0.113.77' -d '{"username":"nobody","password":"wrong-password"}')
[[ $status == 401 ]] || fail "an untrusted peer's X-Forwarded-For was believed ($status)"

say "an Idempotency-Key retried against another instance replays"
curl -fsS -m 10 -o /dev/null -X POST "$FLEET_URL/api/v1/auth/register" -H 'content-type: application/json' \
    -H 'x-forwarded-for: 192.0.2.20' -d '{"username":"retrier","password":"retrier-password"}'
TOKEN=$(login "$FLEET_URL" retrier retrier-password 192.0.2.20)
PRODUCT=$(curl -fsS -m 10 -X POST "$FLEET_URL/api/v1/products" -H "authorization: Bearer $ADMIN_TOKEN" \
    -H 'content-type: application/json' -d '{"name":"Retry tea","price_cents":300,"stock":10}' | json 'v["id"]')
ORDER="{\"items\":[{\"product_id\":\"$PRODUCT\",\"quantity\":1}]}"
FIRST=$(curl -fsS -m 10 -X POST "$INSTANCE_1_URL/api/v1/orders" -H "authorization: Bearer $TOKEN" \
    -H 'content-type: application/json' -H 'idempotency-key: fleet-retry-1' -d "$ORDER" | json 'v["id"]')
AGAIN=$(curl -fsS -m 10 -D "$ZONMART_FLEET_DIR/replay.headers" -X POST "$INSTANCE_3_URL/api/v1/orders" \
    -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -H 'idempotency-key: fleet-retry-1' -d "$ORDER" | json 'v["id"]')
[[ $FIRST == "$AGAIN" ]] || fail "the retry placed another order: $FIRST then $AGAIN"
grep -qi '^idempotent-replayed: true' "$ZONMART_FLEET_DIR/replay.headers" || fail "the retry was not a replay"
STOCK=$(curl -fsS -m 10 "$INSTANCE_2_URL/api/v1/products/$PRODUCT" | json 'v["stock"]')
[[ $STOCK == 9 ]] || fail "stock $STOCK after one order and its replay"

# Every order.placed in the feed, as the event ids the receiver must see.
feed_ids() { # TYPE
    local cursor="" out="$ZONMART_FLEET_DIR/feed-$1.txt"; : >"$out"
    while :; do
        page=$(curl -fsS -m 10 "$FLEET_URL/api/v1/events?type=$1&limit=1000${cursor:+&cursor=$cursor}" -H "authorization: Bearer $ADMIN_TOKEN")
        n=$(echo "$page" | json 'len(v["items"])')
        echo "$page" | json '"\n".join(e["id"] + " " + e["resource"]["id"] for e in v["items"])' | sed '/^$/d' >>"$out"
        [[ $n == 0 ]] && break
        cursor=$(echo "$page" | json 'v["next_cursor"]')
    done
    cat "$out"
}

say "300 orders at once over the fleet: each order.placed reaches a receiver, none sent by two instances at once"
# The subscription starts here: the dispatcher delivers some tens a second
# (a receiver answering in 5 ms), far fewer than the load above places.
curl -fsS -m 10 -o /dev/null -X POST "$FLEET_URL/api/v1/webhooks" -H "authorization: Bearer $ADMIN_TOKEN" \
    -H 'content-type: application/json' -d "{\"url\":\"http://127.0.0.1:$RECEIVER_PORT/hook\",\"events\":[\"order.placed\"]}"
PRODUCT=$(curl -fsS -m 10 -X POST "$FLEET_URL/api/v1/products" -H "authorization: Bearer $ADMIN_TOKEN" \
    -H 'content-type: application/json' -d '{"name":"Hook tea","price_cents":300,"stock":1000}' | json 'v["id"]')
mkdir -p "$ZONMART_FLEET_DIR/hook"
seq 1 300 | xargs -P 8 -I{} curl -fsS -m 10 -o "$ZONMART_FLEET_DIR/hook/{}.json" -X POST "$FLEET_URL/api/v1/orders" \
    -H "authorization: Bearer $TOKEN" -H "content-type: application/json" \
    -d "{\"items\":[{\"product_id\":\"$PRODUCT\",\"quantity\":1}]}"
python3 -c "import glob,json,sys; [print(json.load(open(f))['id']) for f in glob.glob(sys.argv[1] + '/*.json')]" \
    "$ZONMART_FLEET_DIR/hook" >"$ZONMART_FLEET_DIR/hook-orders.txt"
[[ $(wc -l <"$ZONMART_FLEET_DIR/hook-orders.txt") == 300 ]] || fail "not every one of the 300 orders was placed"
for n in $(seq 1 600); do
    DELIVERED=$(python3 -c "import json,sys; print(len({json.loads(l)['order'] for l in open(sys.argv[1])}))" "$ZONMART_FLEET_DIR/deliveries.jsonl" 2>/dev/null || echo 0)
    [[ $DELIVERED -ge 300 ]] && break
    (( n % 50 == 0 )) && echo "  $DELIVERED of 300 delivered after $((n / 5)) s"
    sleep 0.2
done
python3 - "$ZONMART_FLEET_DIR/deliveries.jsonl" "$ZONMART_FLEET_DIR/hook-orders.txt" <<'EOF' || fail "webhook deliveries"
import json, sys
seen = [json.loads(line) for line in open(sys.argv[1])]
placed = {line.strip() for line in open(sys.argv[2]) if line.strip()}
by_id = {}
for d in seen:
    by_id.setdefault(d["id"], []).append(d)
missing = placed - {d["order"] for d in seen}
at_once = [i for i, ds in by_id.items() if any(a["start"] < b["end"] and b["start"] < a["end"]
           for n, a in enumerate(ds) for b in ds[n + 1:])]
print(f"events: {len(placed)} orders, {len(by_id)} order.placed delivered, {len(seen) - len(by_id)} duplicates, "
      f"{len(missing)} missing, {len(at_once)} sent twice at once")
sys.exit(1 if missing or at_once else 0)
EOF

say "every unpaid order expires once ($ZONMART_ORDER_PAYMENT_TIMEOUT_S s timeout), over the fleet"
for _ in $(seq 1 300); do
    PENDING=$(psql "$FLEET_DATABASE_URL" -XtAc "select count(*) from orders where status = 'pending'")
    [[ $PENDING == 0 ]] && break
    sleep 0.2
done
[[ $PENDING == 0 ]] || fail "$PENDING orders still pending"
CANCELLED=$(feed_ids order.cancelled)
python3 - "$FLEET_DATABASE_URL" <<EOF || fail "expiry"
import subprocess, sys
rows = """$CANCELLED""".split("\n")
orders = [r.split()[1] for r in rows if r.strip()]
stored = int(subprocess.run(["psql", sys.argv[1], "-XtAc", "select count(*) from orders where cancel_reason = 'payment_timeout'"],
                            capture_output=True, text=True, check=True).stdout)
twice = len(orders) - len(set(orders))
print(f"expired: {stored} orders cancelled for payment_timeout, {len(orders)} order.cancelled events, {twice} twice")
sys.exit(1 if twice or len(set(orders)) != stored or stored == 0 else 0)
EOF
LOAD_STOCK=$(psql "$FLEET_DATABASE_URL" -XtAc "select stock from products where name like 'Load %'")
[[ $LOAD_STOCK == 1000000 ]] || fail "the load product's stock is $LOAD_STOCK once every order expired, not 1000000"
echo "fleet scenario passed"
