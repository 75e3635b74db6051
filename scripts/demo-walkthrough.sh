#!/usr/bin/env bash
# The README's first five minutes, as a newcomer would go through them, on a
# release build over a fresh SQLite file: `zonmart serve --demo`, the printed
# passwords, a customer's quote and order, paying it with scripts/pay.sh,
# then the admin's view. Exits non-zero at the first step that fails.
#
#   scripts/demo-walkthrough.sh          # after cargo build --release --bin zonmart
#   ZONMART_BIN=path/to/zonmart scripts/demo-walkthrough.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${ZONMART_BIN:-target/release/zonmart}
[[ -x $BIN ]] || { echo "demo-walkthrough: no $BIN; run cargo build --release --bin zonmart" >&2; exit 1; }
BIN=$(realpath "$BIN")

STARTED=$SECONDS
TMP=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export ZONMART_BASE_URL="http://127.0.0.1:$PORT"
export ZONMART_PAYMENT_WEBHOOK_SECRET="whsec_$(openssl rand -hex 16)"
B=$ZONMART_BASE_URL
SERVER=
stop() {
    if [[ -n $SERVER ]]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap stop EXIT
fail() {
    echo "demo-walkthrough: $*" >&2
    echo "--- server stdout" >&2; cat "$TMP/stdout" >&2 || true
    echo "--- server stderr (last 40 lines)" >&2; tail -40 "$TMP/stderr" >&2 || true
    exit 1
}
# A JSON answer's member: json '<python expression over d>' <<<"$answer"
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
call() { curl -sS -m 10 --fail-with-body "$@" || fail "request failed: ${*: -1}"; }
post() { local path=$1 token=$2 body=$3; call -X POST "$B$path" -H 'content-type: application/json' ${token:+-H "authorization: Bearer $token"} -d "$body"; }
get() { local path=$1 token=$2; call "$B$path" ${token:+-H "authorization: Bearer $token"}; }
login() { post /api/v1/auth/login "" "{\"username\":\"$1\",\"password\":\"$2\"}" | json 'd["access_token"]'; }

echo "==> zonmart serve --demo on a fresh SQLite file, port $PORT"
# Only what this walk-through sets: no admin from the environment, no .env.
(cd "$TMP" && exec env -u ZONMART_ADMIN_USERNAME -u ZONMART_ADMIN_PASSWORD -u ZONMART_DATABASE_URL \
    ZONMART_DATABASE_URL="sqlite://$TMP/demo.db" ZONMART_BIND="127.0.0.1:$PORT" ZONMART_LOG=info \
    "$BIN" serve --demo >"$TMP/stdout" 2>"$TMP/stderr") &
SERVER=$!
for _ in $(seq 1 600); do
    curl -sf -m 1 "$B/ready" >/dev/null 2>&1 && break
    kill -0 "$SERVER" 2>/dev/null || fail "the server exited before it was ready"
    sleep 0.1
done
curl -sf -m 1 "$B/ready" >/dev/null || fail "the server was not ready within 60 s"
sed -n '/^Demo shop in/,/shown this once/p' "$TMP/stdout"
grep -q '(demo shop)' "$TMP/stdout" || fail "the start-up log does not say the database holds the demo shop"
grep -q "API docs at $B/docs" "$TMP/stdout" || fail "the start-up log does not name $B/docs"

password() { awk -v role="$1" -v user="$2" '$1 == role && $2 == user && $3 == "password" { print $4 }' "$TMP/stdout"; }
ADMIN_PASSWORD=$(password admin admin)
ALICE_PASSWORD=$(password customer alice)
[[ -n $ADMIN_PASSWORD && -n $ALICE_PASSWORD ]] || fail "the demo did not print the admin's and alice's passwords"

echo "==> alice logs in, gets a quote and places the order"
ALICE=$(login alice "$ALICE_PASSWORD")
ADDRESS=$(get /api/v1/addresses "$ALICE" | json 'd["items"][0]["id"]')
METHOD=$(get '/api/v1/shipping-methods?country=US' "" | json '[m["id"] for m in d["items"] if m["name"] == "Standard (US)"][0]')
PRODUCT=$(get '/api/v1/products?q=French%20Press' "" | json 'd["items"][0]["id"]')
ORDER_BODY="{\"items\":[{\"product_id\":\"$PRODUCT\",\"quantity\":1}],\"shipping_address_id\":\"$ADDRESS\",\"shipping_method_id\":\"$METHOD\",\"discount_code\":\"WELCOME10\"}"
QUOTE=$(post /api/v1/checkout/quote "$ALICE" "$ORDER_BODY")
echo "quote: $QUOTE"
ORDER=$(post /api/v1/orders "$ALICE" "$ORDER_BODY")
read -r ORDER_ID TOTAL CURRENCY STATUS < <(json 'd["id"], d["total_cents"], d["currency"], d["status"]' <<<"$ORDER")
[[ $STATUS == pending ]] || fail "the new order is $STATUS, not pending"
[[ $TOTAL == "$(json 'd["total_cents"]' <<<"$QUOTE")" ]] || fail "the order's total $TOTAL is not the quote's"
echo "order $ORDER_ID: $TOTAL $CURRENCY, $STATUS"

echo "==> paying it with scripts/pay.sh"
scripts/pay.sh "$ORDER_ID" "$TOTAL" "$CURRENCY" || fail "scripts/pay.sh failed"
PAID=$(get "/api/v1/orders/$ORDER_ID" "$ALICE" | json 'd["status"]')
[[ $PAID == paid ]] || fail "after paying, the order is $PAID"
echo "order $ORDER_ID is paid"

echo "==> the admin logs in and sees every order"
ADMIN=$(login admin "$ADMIN_PASSWORD")
[[ $(get /api/v1/users/me "$ADMIN" | json 'd["role"]') == admin ]] || fail "the demo's admin is not an admin"
ORDERS=$(get '/api/v1/orders?limit=100' "$ADMIN" | json 'len(d["items"])')
(( ORDERS >= 11 )) || fail "the admin sees $ORDERS orders, not the 10 past ones and alice's new one"
echo "the admin sees $ORDERS orders"

echo "demo walk-through passed in $((SECONDS - STARTED)) s"
