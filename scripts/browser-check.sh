#!/usr/bin/env bash
# Real-browser check of Swagger UI on a running Zonmart: opens /docs in headless
# Chromium, authorizes through the Authorize button (the OAuth2 password form,
# then a pasted bearer token) and executes GET /api/v1/users/me.
# See tests/browser/swagger.mjs for the steps. It starts no server.
#
#   ZONMART_BASE_URL=http://127.0.0.1:8000 ZONMART_ADMIN_USERNAME=admin \
#   ZONMART_ADMIN_PASSWORD=... scripts/browser-check.sh
#
# Optional: SWAGGER_SCHEMES (default oauth2,bearer), SWAGGER_SCREENSHOT_DIR
# (default /tmp: swagger-<scheme>-<ok|fail>.png), CHROMIUM_PATH (default
# /usr/bin/chromium), BROWSER_CHECK_TIMEOUT (whole run, seconds, default 180).
# Needs Node.js >= 20 and Debian's chromium; when chromium is missing and we are
# root, it is installed with apt-get (playwright's own browser download does not
# work here and is never used).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR="$ROOT/tests/browser"
export ZONMART_BASE_URL=${ZONMART_BASE_URL:-http://127.0.0.1:8000}
export CHROMIUM_PATH=${CHROMIUM_PATH:-/usr/bin/chromium}

if [[ -z ${ZONMART_ADMIN_PASSWORD:-} ]]; then
    echo "error: set ZONMART_ADMIN_PASSWORD (and ZONMART_ADMIN_USERNAME, default admin)" >&2
    exit 2
fi

if [[ ! -x $CHROMIUM_PATH ]]; then
    if [[ $CHROMIUM_PATH == /usr/bin/chromium && $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        echo "installing Debian's chromium" >&2
        timeout 300 apt-get update -qq
        DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq chromium >/dev/null
    else
        echo "error: no browser at $CHROMIUM_PATH (apt-get install -y chromium)" >&2
        exit 2
    fi
fi

if [[ ! -d $DIR/node_modules/playwright-core ]]; then
    echo "installing node dependencies (npm ci) in $DIR" >&2
    (cd "$DIR" && timeout 300 npm ci --no-audit --no-fund --loglevel=error)
fi

if ! curl -fsS -m 5 -o /dev/null "$ZONMART_BASE_URL/health"; then
    echo "error: no server answering at $ZONMART_BASE_URL/health" >&2
    exit 2
fi

cd "$DIR"
exec timeout --kill-after=10 "${BROWSER_CHECK_TIMEOUT:-180}" node swagger.mjs
