#!/usr/bin/env bash
# A shop's day through curl, as a newcomer would try it against a running
# Zonmart: the admin adds products, a customer fills a cart and orders it,
# cancels one order (stock comes back), orders again, and the admin pays and
# ships it. Then a real checkout: the admin ships to two countries, sets a
# 19 % tax rate and a 10 % code; the customer saves an address, asks for a
# quote, orders with code and shipping, and the numbers match. Every step
# checks the status and what the answer says.
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

say "admin ships to DE and FR, taxes DE at 19 % (shipping too) and makes a 10 % code"
call POST /api/v1/shipping-methods "$ADMIN_TOKEN" '{"name":"Flow parcel","price_cents":490,"countries":["DE","FR"]}'
expect 201; METHOD=$(field . '["id"]')
call POST /api/v1/tax-rates "$ADMIN_TOKEN" '{"country":"DE","rate_bp":1900,"includes_shipping":true}'
if [[ $STATUS == 409 ]]; then
    # A second run against the same database: DE has its rate; set it to 19 %.
    call GET /api/v1/tax-rates?limit=100 ""; expect 200
    RATE=$(field . '["items"]' | python3 -c "import ast,sys; print(next(r['id'] for r in ast.literal_eval(sys.stdin.read()) if r['country']=='DE'))")
    call GET "/api/v1/tax-rates/$RATE" ""; V=$(field . '["version"]')
    call PATCH "/api/v1/tax-rates/$RATE" "$ADMIN_TOKEN" "{\"rate_bp\":1900,\"includes_shipping\":true,\"version\":$V}"
    expect 200
else
    expect 201
fi
CODE="FLOW10-$RANDOM"
call POST /api/v1/discounts "$ADMIN_TOKEN" "{\"code\":\"$CODE\",\"kind\":\"percent\",\"value\":10,\"max_uses_per_user\":1}"
expect 201; [[ $(field . '["uses"]') == 0 ]] || fail "$BODY"

say "the customer saves an address in Germany"
call POST /api/v1/addresses "$TOKEN" '{"name":"Ada Lovelace","line1":"Hauptstr. 1","city":"Berlin","postal_code":"10115","country":"de"}'
expect 201; ADDRESS=$(field . '["id"]'); [[ $(field . '["country"]') == DE ]] || fail "$BODY"

CHECKOUT="{\"items\":[{\"product_id\":\"$TEAPOT\",\"quantity\":2}],\"shipping_address_id\":\"$ADDRESS\",\"shipping_method_id\":\"$METHOD\",\"discount_code\":\"${CODE,,}\"}"
amounts() {
    python3 -c "import json,sys; v=json.loads(sys.argv[1]); print(*(v[k] for k in ('subtotal_cents','discount_cents','shipping_cents','tax_cents','total_cents')))" "$BODY"
}
say "the customer asks for a quote: 39.98 − 4.00 + 4.90 shipping + 19 % of 40.88 = 48.65"
call POST /api/v1/checkout/quote "$TOKEN" "$CHECKOUT"; expect 200
QUOTED=$(amounts); [[ $QUOTED == "3998 400 490 777 4865" ]] || fail "quote: $BODY"
call GET "/api/v1/products/$TEAPOT" ""; [[ $(field . '["stock"]') == 5 ]] || fail "a quote took stock: $BODY"

say "the customer orders with code and shipping; the order costs what the quote said"
call POST /api/v1/orders "$TOKEN" "$CHECKOUT"; expect 201
[[ $(amounts) == "$QUOTED" ]] || fail "order: $BODY"
CHECKED_OUT=$(field . '["id"]')
[[ $(field . '["discount_code"]') == "$CODE" ]] || fail "$BODY"
[[ $(field . '["shipping_address"]["city"]') == Berlin ]] || fail "$BODY"

say "the code's one use per customer is spent: a second order is refused with its reason"
call POST /api/v1/orders "$TOKEN" "$CHECKOUT"; expect 409
[[ $(field . '["code"]') == discount_unavailable && $(field . '["reason"]') == already_used ]] || fail "$BODY"

if [[ -n ${ZONMART_PAYMENT_WEBHOOK_SECRET:-} ]]; then
    say "the payment provider confirms the payment (scripts/pay.sh): the order is paid"
    PAID=$(ZONMART_BASE_URL=$B ZONMART_TOKEN=$TOKEN "$(dirname "$0")/pay.sh" "$CHECKED_OUT") || fail "pay.sh: $PAID"
    [[ $PAID == *'"result":"paid"'* ]] || fail "payment: $PAID"
    call GET "/api/v1/orders/$CHECKED_OUT" "$TOKEN"; expect 200
    [[ $(field . '["status"]') == paid && $(field . '["version"]') == 2 ]] || fail "not paid: $BODY"
    [[ -n $(field . '["paid_at"]') && $(field . '["payment_reference"]') == pi_* ]] || fail "payment not recorded: $BODY"
    say "the admin ships the paid order"
    call PATCH "/api/v1/orders/$CHECKED_OUT" "$ADMIN_TOKEN" '{"status":"shipped"}' -H 'if-match: "2"'; expect 200
    [[ $(field . '["status"]') == shipped ]] || fail "$BODY"
    say "a payment for the cancelled first order is kept for a person to look at, not applied"
    PAID=$(ZONMART_BASE_URL=$B "$(dirname "$0")/pay.sh" "$FIRST" 6098 usd) || fail "pay.sh: $PAID"
    [[ $PAID == *'"needs_attention"'*'"after_cancel"'* ]] || fail "payment after cancel: $PAID"
    call GET "/api/v1/orders/$FIRST" "$TOKEN"; [[ $(field . '["status"]') == cancelled ]] || fail "$BODY"
fi

echo "shop flow: $step steps passed"
