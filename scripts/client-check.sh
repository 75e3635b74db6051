#!/usr/bin/env bash
# What client developers run on the live OpenAPI document, each at a pinned
# version, and a shop flow through the generated Python client only:
#   - openapi-spec-validator: no error (it exits 0 on errors: its output is read);
#   - Spectral's spectral:oas ruleset: 0 errors (warnings allowed);
#   - openapi-python-client: a client with no warning, then tests/clients/shop_flow.py through it;
#   - openapi-typescript: types that tsc --noEmit accepts with tests/clients/usage.ts.
#
#   scripts/client-check.sh BASE_URL ADMIN_USERNAME ADMIN_PASSWORD
#
# Python tools go into the project's git-ignored .venv, npm tools into
# tests/clients/node_modules (npm ci from its lock file).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BASE=${1:?usage: scripts/client-check.sh BASE_URL ADMIN_USERNAME ADMIN_PASSWORD}
ADMIN=${2:?admin username}
ADMIN_PASSWORD=${3:?admin password}
VENV="$ROOT/.venv"
CLIENTS="$ROOT/tests/clients"
WORK=$(mktemp -d /tmp/zonmart-clients.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
say() { printf '[clients %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

PY_TOOLS=(openapi-spec-validator==0.9.0 openapi-python-client==0.29.1 ruff==0.17.6 httpx==0.28.1 attrs==26.1.0)
[[ -x $VENV/bin/python ]] || python3 -m venv "$VENV"
missing=()
for tool in "${PY_TOOLS[@]}"; do
    name=${tool%%==*}; version=${tool##*==}
    [[ $("$VENV/bin/python" -m pip show "$name" 2>/dev/null | sed -n 's/^Version: //p') == "$version" ]] || missing+=("$tool")
done
if ((${#missing[@]})); then
    say "installing ${missing[*]} into $VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${missing[@]}"
fi
if [[ ! -x $CLIENTS/node_modules/.bin/tsc ]]; then
    say "installing the npm tools (npm ci) in $CLIENTS"
    (cd "$CLIENTS" && timeout 300 npm ci --no-audit --no-fund --loglevel=error)
fi
export PATH="$VENV/bin:$CLIENTS/node_modules/.bin:$PATH"

say "fetching $BASE/api-docs/openapi.json"
curl -fsS -m 10 "$BASE/api-docs/openapi.json" -o "$WORK/openapi.json"

say "openapi-spec-validator"
out=$(openapi-spec-validator "$WORK/openapi.json" 2>&1) || fail "openapi-spec-validator: $out"
grep -q ': OK$' <<<"$out" || fail "openapi-spec-validator: $out"

say "spectral lint (spectral:oas)"
spectral lint --ruleset "$CLIENTS/.spectral.yaml" --fail-severity error "$WORK/openapi.json" >"$WORK/spectral.txt" 2>&1 ||
    { cat "$WORK/spectral.txt"; fail "spectral found errors"; }
tail -n 2 "$WORK/spectral.txt"

say "openapi-python-client generate"
out=$(cd "$WORK" && openapi-python-client generate --path "$WORK/openapi.json" --output-path "$WORK/python" 2>&1) ||
    fail "openapi-python-client: $out"
if grep -qiE 'warning|error' <<<"$out"; then fail "openapi-python-client warned: $out"; fi
[[ -d $WORK/python/zonmart_client ]] || fail "no client was written: $out"

say "the shop flow through the generated Python client"
PYTHONPATH="$WORK/python" "$VENV/bin/python" "$CLIENTS/shop_flow.py" "$BASE" "$ADMIN" "$ADMIN_PASSWORD"

say "openapi-typescript + tsc --noEmit"
openapi-typescript "$WORK/openapi.json" -o "$CLIENTS/schema.d.ts" >/dev/null 2>"$WORK/ots.txt" ||
    { cat "$WORK/ots.txt"; fail "openapi-typescript failed"; }
(cd "$CLIENTS" && tsc --noEmit -p tsconfig.json) || fail "the generated TypeScript types do not compile"
say "ok"
