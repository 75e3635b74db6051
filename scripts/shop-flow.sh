#!/usr/bin/env bash
# A shop's day through curl, as a newcomer would try it against a running
# Zonmart: the admin adds products, a customer fills a cart and orders it,
# cancels one order (stock comes back), orders again, and the admin pays and
# ships it. Every step checks the status and what the answer says.
#
#   ZONMART_BASE_URL=http://127.0.0.1:8000 ZONMART_ADMIN_USERNAME=admin \
#   ZONMART_ADMIN_PASSWORD=... scripts/shop-flow.sh
set -euo pipefail
B=${ZONMART_BASE_URL:-http://127.0.0.1:8000}
ADMIN=${ZONMART_ADMIN_USERNAME:-admin}
: "${ZONMART_ADMIN_PASSWORD:?set ZONMART_ADMIN_PASSWORD}"
step=0
say() { step=$((step + 1)); printf '[shop-flow %2d] %s\n' "$step" "$*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# call METHOD PATH TOKEN [JSON] [extra curl args...]: sets STATUS, BODY, HEADERS.
call() {
    local method=$1 path=$2 token=$3 data=${4:-}
    shift $(( $# < 4 ? $# : 4 ))
    local args=(-sS -m 10 -X "$method" "$B$path" -D /tmp/shop-flow.headers -o /tmp/shop-flow.body -w '%{http_code}')
    [[ -n $token ]] && args+=(-H "authorization: Bearer $token")
    [[ -n $data ]] && args+=(-H 'content-type: application/json' -d "$data")
    STATUS=$(curl "${args[@]}" "$@")
    BODY=$(cat /tmp/shop-flow.body)
}
expect() { [[ $STATUS == "$1" ]] || fail "expected $1, got $STATUS: $BODY"; }
field() { python3 -c "import json,sys; v=json.loads(sys.argv[1])$2; print(v if not isinstance(v,bool) else str(v).lower())" "$BODY" 2>/dev/null; }

say "admin logs in"
call POST /api/v1/auth/login "" "{\"username\":\"$ADMIN\",\"password\":\"$ZONMART_ADMIN_PASSWORD\"}"
expect 200; ADMIN_TOKEN=$(field . '["access_token"]')

say "admin adds two products"
call POST /api/v1/products "$ADMIN_TOKEN" '{"name":"Flow teapot","price_cents":1999,"stock":5,"sku":"FLOW-TEA-'$RANDOM'"}'
expect 201; TEAPOT=$(field . '["id"]')
call POST /api/v1/products "$ADMIN_TOKEN" '{"name":"Flow mug","price_cents":700,"stock":10}'
expect 201; MUG=$(field . '["id"]')

say "a customer registers and logs in"
USER="flow-$RANDOM$RANDOM"
call POST /api/v1/auth/register "" "{\"username\":\"$USER\",\"email\":\"$USER@example.com\",\"password\":\"correct horse battery\"}"
expect 201
call POST /api/v1/auth/login "" "{\"username\":\"$USER\",\"password\":\"correct horse battery\"}"
expect 200; TOKEN=$(field . '["access_token"]')

say "the customer fills a cart (each write states the cart version it read)"
call GET /api/v1/cart "$TOKEN"; expect 200; V=$(field . '["version"]')
call PUT "/api/v1/cart/items/$TEAPOT" "$TOKEN" '{"quantity":2}' -H "if-match: \"$V\""; expect 200; V=$(field . '["version"]')
call PUT "/api/v1/cart/items/$MUG" "$TOKEN" "{\"quantity\":3,\"version\":$V}"; expect 200
[[ $(field . '["total_cents"]') == 6098 ]] || fail "cart total: $BODY"

say "the customer orders the cart"
call POST /api/v1/orders "$TOKEN" '{"from_cart":true}' -H 'idempotency-key: flow-checkout-1'
expect 201; FIRST=$(field . '["id"]')
[[ $(field . '["total_cents"]') == 6098 ]] || fail "order total: $BODY"
call GET /api/v1/cart "$TOKEN"; [[ $(field . '["items"]') == "[]" ]] || fail "cart not emptied: $BODY"
call GET "/api/v1/products/$TEAPOT" ""; [[ $(field . '["stock"]') == 3 ]] || fail "stock after order: $BODY"

say "a retry with the same Idempotency-Key replays the order, creating nothing"
call POST /api/v1/orders "$TOKEN" '{"from_cart":true}' -H 'idempotency-key: flow-checkout-1'
expect 201; [[ $(field . '["id"]') == "$FIRST" ]] || fail "replay gave another order: $BODY"

say "ordering more than the stock is refused, naming the product"
call POST /api/v1/orders "$TOKEN" "{\"items\":[{\"product_id\":\"$TEAPOT\",\"quantity\":4}]}"
expect 409; [[ $(field . '["code"]') == insufficient_stock ]] || fail "$BODY"

say "the customer cancels the order; stock comes back"
call PATCH "/api/v1/orders/$FIRST" "$TOKEN" '{"status":"cancelled"}' -H 'if-match: "1"'
expect 200; [[ $(field . '["status"]') == cancelled ]] || fail "$BODY"
call GET "/api/v1/products/$TEAPOT" ""; [[ $(field . '["stock"]') == 5 ]] || fail "stock after cancel: $BODY"

say "the customer orders again; the admin marks it paid and ships it"
call POST /api/v1/orders "$TOKEN" "{\"items\":[{\"product_id\":\"$MUG\",\"quantity\":1}]}"
expect 201; SECOND=$(field . '["id"]')
call PATCH "/api/v1/orders/$SECOND" "$TOKEN" '{"status":"paid","version":1}'
expect 403
call PATCH "/api/v1/orders/$SECOND" "$ADMIN_TOKEN" '{"status":"paid","version":1}'; expect 200
call PATCH "/api/v1/orders/$SECOND" "$ADMIN_TOKEN" '{"status":"shipped","version":2}'; expect 200
[[ $(field . '["status"]') == shipped ]] || fail "$BODY"

say "the customer sees both orders; a stale write is refused"
call GET /api/v1/orders "$TOKEN"; expect 200
[[ $(field . '["items"].__len__()') == 2 ]] || fail "orders: $BODY"
call PATCH "/api/v1/orders/$SECOND" "$ADMIN_TOKEN" '{"status":"delivered"}' -H 'if-match: "2"'
expect 412; [[ $(field . '["current_version"]') == 3 ]] || fail "$BODY"

echo "shop flow: $step steps passed"
