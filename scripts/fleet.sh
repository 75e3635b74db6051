#!/usr/bin/env bash
# A fleet on one machine: three `zonmart` instances on loopback ports behind
# HAProxy, sharing the JWT secret, one PostgreSQL (the 3-node Patroni cluster
# of scripts/cluster.sh when it is up, else the local one on 5432) and Redis
# for the rate-limit counters. HAProxy checks `/ready` every 500 ms, sets
# `X-Forwarded-For`, and the instances trust that header from 127.0.0.1
# (HAProxy's address) only.
#
#   scripts/fleet.sh up          start (or complete) the fleet; installs haproxy with apt if missing
#   scripts/fleet.sh down        stop everything `up` started
#   scripts/fleet.sh status      each instance's process and HAProxy's view of it
#   scripts/fleet.sh kill N      kill -9 instance N (1..3)
#   scripts/fleet.sh start N     start instance N again
#   scripts/fleet.sh env         the fleet's addresses, as shell variables
#
# Settings: ZONMART_FLEET_DIR (default /tmp/zonmart-fleet), ZONMART_FLEET_PORT
# (HAProxy's port, default 8100; instances on the next three ports),
# ZONMART_FLEET_BIN (default target/release/zonmart, built when missing),
# ZONMART_FLEET_DB (database name, default zonmart_fleet), ZONMART_REDIS_URL
# (default redis://127.0.0.1:6379/1), ZONMART_WORKERS (each instance's HTTP
# workers, default 1). Every other ZONMART_* variable set when
# calling `up` or `start` reaches the instances (rate limits, the payment
# timeout, ...).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${ZONMART_FLEET_DIR:-/tmp/zonmart-fleet}
PORT=${ZONMART_FLEET_PORT:-8100}
BIN=${ZONMART_FLEET_BIN:-$ROOT/target/release/zonmart}
DB=${ZONMART_FLEET_DB:-zonmart_fleet}
REDIS_URL=${ZONMART_REDIS_URL:-redis://127.0.0.1:6379/1}
STATS_PORT=$((PORT + 10))

log() { printf '[fleet] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
instance_port() { echo $((PORT + $1)); }

install_tools() {
    if ! command -v haproxy >/dev/null; then
        log "installing haproxy (apt-get)"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
    fi
    if ! redis-cli -u "$REDIS_URL" ping >/dev/null 2>&1; then
        command -v redis-server >/dev/null || {
            DEBIAN_FRONTEND=noninteractive apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
        }
        local port=${REDIS_URL#redis://*:}; port=${port%%/*}
        log "starting redis-server on 127.0.0.1:$port"
        redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save '' --appendonly no >/dev/null
        for _ in $(seq 1 50); do redis-cli -u "$REDIS_URL" ping >/dev/null 2>&1 && break; sleep 0.1; done
        redis-cli -u "$REDIS_URL" ping >/dev/null || die "Redis does not answer at $REDIS_URL"
    fi
}

# The database URL: the Patroni cluster's primary when it is up, else 5432.
database_url() {
    if "$ROOT/scripts/cluster.sh" status >/dev/null 2>&1; then
        eval "$("$ROOT/scripts/cluster.sh" urls)"
        echo "${PRIMARY_URL/\/zonmart?//$DB?}"
    else
        echo "postgres://postgres@127.0.0.1:5432/$DB"
    fi
}

ensure_database() {
    local url=$1 admin_url=${1%%/"$DB"*}/postgres
    if ! psql "$admin_url" -XtAc "select 1 from pg_database where datname = '$DB'" | grep -q 1; then
        psql "$admin_url" -Xqc "create database $DB" >/dev/null
    fi
}

secret() {
    [[ -f $DIR/jwt_secret ]] || openssl rand -hex 32 >"$DIR/jwt_secret"
    cat "$DIR/jwt_secret"
}

cmd_start() {
    local n=$1 port; port=$(instance_port "$n")
    [[ $n =~ ^[1-3]$ ]] || die "instances are 1, 2 and 3"
    if [[ -f $DIR/zonmart-$n.pid ]] && kill -0 "$(cat "$DIR/zonmart-$n.pid")" 2>/dev/null; then
        log "instance $n already runs"; return
    fi
    local url; url=$(cat "$DIR/database_url")
    # One HTTP worker each unless told otherwise: three instances share this
    # machine's cores (bench/fleet.sh: on 2 cores one worker each serves
    # more, direct and through HAProxy, than two each).
    ZONMART_DATABASE_URL=$url ZONMART_BIND="127.0.0.1:$port" ZONMART_JWT_SECRET=$(secret) \
    ZONMART_WORKERS=${ZONMART_WORKERS:-1} ZONMART_REDIS_URL=$REDIS_URL ZONMART_TRUSTED_PROXIES=127.0.0.1 ZONMART_LOG=${ZONMART_LOG:-warn} \
        setsid "$BIN" </dev/null >>"$DIR/zonmart-$n.log" 2>&1 &
    echo $! >"$DIR/zonmart-$n.pid"
    for _ in $(seq 1 100); do curl -fsS -m 1 -o /dev/null "http://127.0.0.1:$port/ready" 2>/dev/null && break; sleep 0.1; done
    curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$port/ready" || { tail -20 "$DIR/zonmart-$n.log" >&2; die "instance $n is not ready"; }
    log "instance $n on 127.0.0.1:$port (pid $(cat "$DIR/zonmart-$n.pid"))"
}

write_haproxy_config() {
    cat >"$DIR/haproxy.cfg" <<EOF
global
    maxconn 4096
    # One thread: on a small machine the proxy shares its cores with the
    # instances and the database, and a second thread only adds contention
    # (bench/fleet.sh measures what the proxy costs).
    nbthread ${ZONMART_FLEET_HAPROXY_THREADS:-1}
    stats socket $DIR/haproxy.sock mode 600 level admin

defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    # A request is sent again elsewhere only when it never reached an
    # instance (a refused connection): a POST that did reach one is not
    # repeated, so an order is never placed twice by the proxy.
    retries 2
    retry-on conn-failure
    option redispatch

frontend zonmart
    bind 127.0.0.1:$PORT
    option forwardfor
    default_backend instances

backend instances
    balance roundrobin
    option httpchk GET /ready
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2 on-marked-down shutdown-sessions
$(for n in 1 2 3; do echo "    server zonmart-$n 127.0.0.1:$(instance_port "$n") check"; done)

listen stats
    bind 127.0.0.1:$STATS_PORT
    stats enable
    stats uri /
EOF
}

cmd_up() {
    mkdir -p "$DIR"
    install_tools
    if [[ ! -x $BIN ]]; then
        log "building $BIN (release)"
        (cd "$ROOT" && cargo build --release --bin zonmart)
    fi
    local url; url=$(database_url)
    ensure_database "$url"
    echo "$url" >"$DIR/database_url"
    log "database: $url"
    # One instance first, so migrations and the first admin are made once.
    for n in 1 2 3; do cmd_start "$n"; done
    if ! { [[ -f $DIR/haproxy.pid ]] && kill -0 "$(cat "$DIR/haproxy.pid")" 2>/dev/null; }; then
        write_haproxy_config
        haproxy -c -q -f "$DIR/haproxy.cfg" || die "haproxy.cfg is invalid"
        haproxy -f "$DIR/haproxy.cfg" -D -p "$DIR/haproxy.pid"
    fi
    for _ in $(seq 1 50); do curl -fsS -m 1 -o /dev/null "http://127.0.0.1:$PORT/ready" 2>/dev/null && break; sleep 0.1; done
    curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$PORT/ready" || die "HAProxy does not reach the instances"
    log "fleet up: http://127.0.0.1:$PORT (docs at http://127.0.0.1:$PORT/docs, HAProxy stats at http://127.0.0.1:$STATS_PORT/)"
}

cmd_kill() {
    local n=$1
    [[ -f $DIR/zonmart-$n.pid ]] || die "instance $n was not started"
    kill -9 "$(cat "$DIR/zonmart-$n.pid")" 2>/dev/null || true
    log "instance $n killed (kill -9)"
}

# HAProxy's view of each server: name and status (UP, DOWN, ...).
haproxy_status() {
    curl -fsS -m 2 "http://127.0.0.1:$STATS_PORT/;csv" 2>/dev/null | awk -F, '$1 == "instances" && $2 != "BACKEND" { print $2, $18 }'
}

cmd_status() {
    for n in 1 2 3; do
        local state=stopped
        [[ -f $DIR/zonmart-$n.pid ]] && kill -0 "$(cat "$DIR/zonmart-$n.pid")" 2>/dev/null && state="running (pid $(cat "$DIR/zonmart-$n.pid"))"
        echo "instance $n 127.0.0.1:$(instance_port "$n"): $state"
    done
    haproxy_status | sed 's/^/haproxy: /' || echo "haproxy: not running"
}

cmd_down() {
    for n in 1 2 3; do
        [[ -f $DIR/zonmart-$n.pid ]] && kill "$(cat "$DIR/zonmart-$n.pid")" 2>/dev/null || true
    done
    [[ -f $DIR/haproxy.pid ]] && kill "$(cat "$DIR/haproxy.pid")" 2>/dev/null || true
    sleep 0.5
    for n in 1 2 3; do
        [[ -f $DIR/zonmart-$n.pid ]] && kill -9 "$(cat "$DIR/zonmart-$n.pid")" 2>/dev/null || true
    done
    rm -f "$DIR"/*.pid
    log "fleet down (logs kept in $DIR)"
}

cmd_env() {
    echo "FLEET_URL=http://127.0.0.1:$PORT"
    for n in 1 2 3; do echo "INSTANCE_${n}_URL=http://127.0.0.1:$(instance_port "$n")"; done
    echo "FLEET_STATS_URL=http://127.0.0.1:$STATS_PORT/"
    echo "FLEET_DATABASE_URL=$(cat "$DIR/database_url" 2>/dev/null || database_url)"
    echo "FLEET_JWT_SECRET=$(secret)"
}

case ${1:-} in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    kill) cmd_kill "${2:?which instance (1..3)}" ;;
    start) mkdir -p "$DIR"; cmd_start "${2:?which instance (1..3)}" ;;
    env) mkdir -p "$DIR"; cmd_env ;;
    haproxy-status) haproxy_status ;;
    *) echo "usage: $0 up|down|status|kill N|start N|env" >&2; exit 2 ;;
esac
