#!/usr/bin/env bash
# End-to-end checks of a release server: schemathesis (every check, bounded
# examples) as an admin and as a customer, then the Swagger UI browser check.
#
#   scripts/e2e.sh sqlite|postgres
#
# Starts its own server on a free loopback port over a fresh database (for
# postgres: database zonmart_e2e on 127.0.0.1:5432, recreated), stops it on
# exit. Needs target/release/zonmart (cargo build --release --bin zonmart).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BACKEND=${1:?usage: scripts/e2e.sh sqlite|postgres}
BIN="$ROOT/target/release/zonmart"
PORT=${E2E_PORT:-18321}
BASE="http://127.0.0.1:$PORT"
WORK=$(mktemp -d /tmp/zonmart-e2e.XXXXXX)
SERVER_PID=

say() { printf '[e2e %s %s] %s\n' "$BACKEND" "$(date +%H:%M:%S)" "$*"; }
cleanup() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

[[ -x $BIN ]] || { echo "error: $BIN missing; run cargo build --release --bin zonmart" >&2; exit 2; }
case $BACKEND in
    sqlite) DATABASE_URL="sqlite://$WORK/e2e.db" ;;
    postgres)
        psql -h 127.0.0.1 -U postgres -qc 'DROP DATABASE IF EXISTS zonmart_e2e' -c 'CREATE DATABASE zonmart_e2e' >/dev/null
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/zonmart_e2e" ;;
    *) echo "usage: scripts/e2e.sh sqlite|postgres" >&2; exit 2 ;;
esac

ADMIN_PASSWORD="e2e-admin-$RANDOM$RANDOM"
export ZONMART_PAYMENT_WEBHOOK_SECRET="whsec_e2e_$RANDOM$RANDOM"
say "starting the server on $BASE"
ZONMART_DATABASE_URL=$DATABASE_URL ZONMART_BIND="127.0.0.1:$PORT" \
ZONMART_JWT_SECRET="e2e-secret-$RANDOM-e2e-secret-$RANDOM-e2e" ZONMART_BCRYPT_COST=4 \
ZONMART_ADMIN_USERNAME=admin ZONMART_ADMIN_PASSWORD=$ADMIN_PASSWORD \
ZONMART_RATE_LIMIT_AUTH_PER_MINUTE=0 ZONMART_RATE_LIMIT_PER_MINUTE=0 ZONMART_LOG=warn \
    "$BIN" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -fsS -m 1 -o /dev/null "$BASE/ready" 2>/dev/null && break; sleep 0.1; done
curl -fsS -m 2 -o /dev/null "$BASE/ready" || { cat "$WORK/server.log"; echo "error: the server did not become ready" >&2; exit 1; }

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
login() {
    curl -fsS -m 10 -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"$2\"}" | json '["access_token"]'
}

# Throwaway accounts for schemathesis: it PATCHes and DELETEs the token's own
# user, so never the bootstrap admin the browser check logs in as.
BOOT_TOKEN=$(login admin "$ADMIN_PASSWORD")
curl -fsS -m 10 -o /dev/null -X POST "$BASE/api/v1/users" -H "authorization: Bearer $BOOT_TOKEN" \
    -H 'content-type: application/json' -d '{"username":"fuzz-admin","password":"fuzz-admin-password","role":"admin"}'
curl -fsS -m 10 -o /dev/null -X POST "$BASE/api/v1/auth/register" \
    -H 'content-type: application/json' -d '{"username":"fuzz-customer","password":"fuzz-customer-password"}'
# Something for the catalog and order operations to find.
curl -fsS -m 10 -o /dev/null -X POST "$BASE/api/v1/products" -H "authorization: Bearer $BOOT_TOKEN" \
    -H 'content-type: application/json' -d '{"name":"Teapot","price_cents":1999,"stock":1000000}'

status=0
# The flows first, on a store no fuzzing has touched yet: schemathesis, as an
# admin, may change any user, the bootstrap admin these flows log in as too.
say "client developers' tools on the live document, and a shop flow through the generated Python client"
"$ROOT/scripts/client-check.sh" "$BASE" admin "$ADMIN_PASSWORD" || status=1

say "a shop's day through curl"
ZONMART_BASE_URL=$BASE ZONMART_ADMIN_USERNAME=admin ZONMART_ADMIN_PASSWORD=$ADMIN_PASSWORD \
    "$ROOT/scripts/shop-flow.sh" || status=1

# The customer first: as an admin, schemathesis may change or disable any
# user, the other fuzz account too, so the admin's run comes last.
for who in fuzz-customer fuzz-admin; do
    say "schemathesis as $who"
    token=$(login "$who" "$who-password")
    ST_REPORT_DIR="$WORK/st-$who" "$ROOT/scripts/schemathesis.sh" "$BASE" "$token" || status=1
done

say "Swagger UI in a real browser, as a newly registered customer"
curl -fsS -m 10 -o /dev/null -X POST "$BASE/api/v1/auth/register" \
    -H 'content-type: application/json' -d '{"username":"browser-user","password":"browser-user-password"}'
ZONMART_BASE_URL=$BASE ZONMART_ADMIN_USERNAME=browser-user ZONMART_ADMIN_PASSWORD=browser-user-password \
    "$ROOT/scripts/browser-check.sh" || status=1

if grep -qiE "panicked|internal error" "$WORK/server.log"; then
    say "the server logged panics or internal errors:"
    grep -iE "panicked|internal error" "$WORK/server.log" | head -20
    status=1
fi
say "done (status $status)"
exit $status
