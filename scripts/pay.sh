#!/usr/bin/env bash
# Pays an order the way Stripe would: sends a signed
# `payment_intent.succeeded` event for it to the payments webhook. For trying
# payments without a Stripe account (the demo, the shop flow, by hand).
#
#   ZONMART_PAYMENT_WEBHOOK_SECRET=whsec_... scripts/pay.sh ORDER_ID AMOUNT_CENTS CURRENCY
#   ZONMART_PAYMENT_WEBHOOK_SECRET=whsec_... ZONMART_TOKEN=<access token> scripts/pay.sh ORDER_ID
#
# AMOUNT_CENTS and CURRENCY default to the order's own `total_cents` and
# `currency`, read with ZONMART_TOKEN (the customer's or an admin's). The
# server is ZONMART_BASE_URL (default http://127.0.0.1:8000) and must run with
# the same ZONMART_PAYMENT_WEBHOOK_SECRET. Prints the webhook's answer; exits
# non-zero unless the event was handled (200).
set -euo pipefail
B=${ZONMART_BASE_URL:-http://127.0.0.1:8000}
: "${ZONMART_PAYMENT_WEBHOOK_SECRET:?set ZONMART_PAYMENT_WEBHOOK_SECRET (the server must have the same)}"
ORDER=${1:?usage: scripts/pay.sh ORDER_ID [AMOUNT_CENTS CURRENCY]}
AMOUNT=${2:-}
CURRENCY=${3:-}

if [[ -z $AMOUNT || -z $CURRENCY ]]; then
    : "${ZONMART_TOKEN:?give AMOUNT_CENTS and CURRENCY, or set ZONMART_TOKEN to read them from the order}"
    ORDER_JSON=$(curl -sS -m 10 --fail-with-body "$B/api/v1/orders/$ORDER" -H "authorization: Bearer $ZONMART_TOKEN") ||
        { echo "pay.sh: could not read order $ORDER: $ORDER_JSON" >&2; exit 1; }
    read -r AMOUNT CURRENCY < <(python3 -c 'import json,sys; o=json.load(sys.stdin); print(o["total_cents"], o["currency"])' <<<"$ORDER_JSON")
fi
[[ $AMOUNT =~ ^[0-9]+$ ]] || { echo "pay.sh: AMOUNT_CENTS must be a whole number of cents, not '$AMOUNT'" >&2; exit 2; }

SUFFIX=$(openssl rand -hex 12)
BODY=$(printf '{"id":"evt_%s","object":"event","type":"payment_intent.succeeded","data":{"object":{"id":"pi_%s","object":"payment_intent","amount":%s,"amount_received":%s,"currency":"%s","status":"succeeded","metadata":{"order_id":"%s"}}}}' \
    "$SUFFIX" "$SUFFIX" "$AMOUNT" "$AMOUNT" "${CURRENCY,,}" "$ORDER")
T=$(date +%s)
SIG=$(printf '%s.%s' "$T" "$BODY" | openssl dgst -sha256 -hmac "$ZONMART_PAYMENT_WEBHOOK_SECRET" -r | cut -d' ' -f1)

STATUS=$(curl -sS -m 10 -o /tmp/pay.$$.body -w '%{http_code}' -X POST "$B/api/v1/payments/webhook" \
    -H 'content-type: application/json' -H "stripe-signature: t=$T,v1=$SIG" --data-binary "$BODY")
REPLY=$(cat /tmp/pay.$$.body); rm -f /tmp/pay.$$.body
echo "$REPLY"
[[ $STATUS == 200 ]] || { echo "pay.sh: the webhook answered $STATUS" >&2; exit 1; }
