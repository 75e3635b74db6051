#!/usr/bin/env bash
# A Citus (sharded PostgreSQL) cluster on loopback ports of this machine, every
# group under Patroni with one etcd (v3 API) as Patroni's store:
#
#   group 0  the coordinator      c0          (one node)
#   group 1  a worker             w1a, w1b    (a primary and a streaming replica)
#   group 2  a worker             w2          (one node)
#   group 3  a worker, on demand  w3          (`add-worker`)
#
# Patroni bootstraps each group (initdb, `CREATE EXTENSION citus` in the
# `zonmart` database), and the coordinator's Patroni registers every worker
# group's primary in `pg_dist_node` by itself, also after a failover. It never
# touches the cluster on port 5432, nor scripts/cluster.sh's (5441-5443).
#
#   scripts/citus.sh up                   start it afresh (installs patroni, etcd, builds Citus if missing)
#   scripts/citus.sh down                 stop everything this script started and remove its data
#   scripts/citus.sh status               members and roles (patronictl list), and pg_dist_node
#   scripts/citus.sh add-worker           start worker group 3 and wait until it is registered
#   scripts/citus.sh rebalance            move shards onto every worker (online: logical replication)
#   scripts/citus.sh kill-worker-primary  kill -9 the postmaster of group 1's primary (Patroni fails over)
#   scripts/citus.sh urls                 the coordinator URL for Zonmart, as a shell variable
#
# Citus is not packaged by Debian: when `$(pg_config --pkglibdir)/citus.so` is
# missing, it is built from the vendored source (shared/vendor/citus, next to
# the repository; ZONMART_CITUS_SOURCE overrides), with its one-line patch.
#
# Settings: ZONMART_CITUS_DIR (default /tmp/zonmart-citus),
# ZONMART_CITUS_PG_PORT (the coordinator's port, default 5451; the workers'
# nodes follow: w1a 5452, w1b 5453, w2 5454, w3 5455),
# ZONMART_CITUS_REST_PORT (default 8111, same order), ZONMART_CITUS_ETCD_PORT
# (default 23890, its peer port 10 above). Authentication is `trust` on
# 127.0.0.1 only: a throwaway test cluster.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "$0")" && pwd)"
DIR="${ZONMART_CITUS_DIR:-/tmp/zonmart-citus}"
PG_PORT="${ZONMART_CITUS_PG_PORT:-5451}"
REST_PORT="${ZONMART_CITUS_REST_PORT:-8111}"
ETCD_PORT="${ZONMART_CITUS_ETCD_PORT:-23890}"
ETCD_PEER_PORT=$((ETCD_PORT + 10))
# The vendored source sits beside the repository (../shared); a clone made
# elsewhere on this machine finds it at /work/shared.
CITUS_SOURCE="${ZONMART_CITUS_SOURCE:-$SCRIPT_DIR/../../shared/vendor/citus}"
[[ -d $CITUS_SOURCE || -n ${ZONMART_CITUS_SOURCE:-} || ! -d /work/shared/vendor/citus ]] || CITUS_SOURCE=/work/shared/vendor/citus
# Node index -> name and Citus group.
NODES=(c0 w1a w1b w2 w3)
GROUPS_OF=(0 1 1 2 3)
DB=zonmart
SCOPE=zonmart-citus
PG_BIN="${ZONMART_CITUS_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"

LOG_TAG=citus
# log, die, pg_port, rest_port, as_postgres, start_daemon, alive, wait_for,
# postmaster_pid, patroni_node_yaml
# shellcheck source=lib/patroni.sh
source "$(cd "$(dirname "$0")" && pwd)/lib/patroni.sh"

psql_at() { # port, sql... (the zonmart database: Citus lives there)
  local port=$1; shift
  PGCONNECT_TIMEOUT=3 PGOPTIONS='-c statement_timeout=60s' psql -h 127.0.0.1 -p "$port" -U postgres -d "$DB" -XtAq -v ON_ERROR_STOP=1 "$@"
}
coordinator_sql() { psql_at "$(pg_port 0)" "$@"; }

install_tools() {
  if command -v patroni >/dev/null && command -v etcd >/dev/null && command -v etcdctl >/dev/null \
    && command -v pg_config >/dev/null && [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] \
    && { [ -f "$(pg_config --pkglibdir)/citus.so" ] \
         || dpkg -s postgresql-server-dev-15 libcurl4-openssl-dev liblz4-dev libzstd-dev libkrb5-dev >/dev/null 2>&1; }; then
    return
  fi
  log "installing patroni, etcd, PostgreSQL and Citus's build dependencies (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 apt-get update -qq || log "apt-get update failed; trying with the lists at hand"
  timeout 600 apt-get install -y -qq patroni etcd-server etcd-client postgresql postgresql-client \
    postgresql-server-dev-15 libcurl4-openssl-dev liblz4-dev libzstd-dev libkrb5-dev >/dev/null \
    || die "apt-get install failed"
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
}

# Builds and installs Citus from the vendored tarball unless PostgreSQL
# already has it (about 2.5 min on 2 cores).
ensure_citus() {
  local libdir; libdir="$(pg_config --pkglibdir)"
  [ -f "$libdir/citus.so" ] && [ -f "$(pg_config --sharedir)/extension/citus.control" ] && return
  local tarball patchfile
  tarball=$(ls "$CITUS_SOURCE"/citus-*.tar.gz 2>/dev/null | sort -V | tail -1 || true)
  if [ -z "$tarball" ]; then
    die "Citus is not installed ($libdir/citus.so is missing) and there is no citus-*.tar.gz in $CITUS_SOURCE to build it from (set ZONMART_CITUS_SOURCE, or install Citus's own packages)"
  fi
  patchfile=$(ls "$CITUS_SOURCE"/citus-*.patch 2>/dev/null | sort -V | tail -1 || true)
  local build; build=$(mktemp -d /tmp/zonmart-citus-build.XXXXXX)
  log "building Citus from $(basename "$tarball") in $build (about 2.5 min; log: $build/build.log)"
  local t0=$SECONDS
  tar -xzf "$tarball" -C "$build"
  local src; src=$(find "$build" -mindepth 1 -maxdepth 1 -type d -name 'citus-*' | head -1)
  [ -n "$src" ] || die "no citus-* directory in $tarball"
  if (
    cd "$src"
    # The patch's paths are relative to the source root.
    if [ -n "$patchfile" ]; then patch -p0 --forward <"$patchfile"; fi
    ./configure
    timeout 1200 nice -n 10 make -j"$(nproc)"
    make install
  ) >"$build/build.log" 2>&1; then
    log "Citus built and installed in $((SECONDS - t0)) s"
    rm -rf "$build"
  else
    tail -30 "$build/build.log" >&2 || true
    die "building Citus failed (full log: $build/build.log)"
  fi
  [ -f "$libdir/citus.so" ] || die "make install did not write $libdir/citus.so"
}

write_patroni_config() { # node index
  local i=$1 name=${NODES[$1]} group=${GROUPS_OF[$1]}
  local port; port=$(pg_port "$i")
  local rest; rest=$(rest_port "$i")
  mkdir -p "$DIR/$name"
  cat >"$DIR/$name.yml" <<EOF
$(patroni_head_yaml "$SCOPE" /zonmart-citus/ "$name" "$rest")
# Patroni keeps this group's primary in the coordinator's pg_dist_node.
citus:
  database: $DB
  group: $group
bootstrap:
  dcs:
$(patroni_failover_yaml)
    # Patroni's default for Citus: one synchronous standby where there is one
    # (group 1), so a failover loses no acknowledged write; a group of one
    # node commits alone.
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      # No physical slots (a new primary need not create them first);
      # wal_keep_size covers short absences. Citus's shard moves make their
      # own logical slots.
      use_slots: false
      parameters:
        shared_preload_libraries: citus
        # Online shard moves (rebalance) use logical replication.
        wal_level: logical
        max_replication_slots: 20
        max_wal_senders: 20
        max_worker_processes: 32
        hot_standby: 'on'
        wal_log_hints: 'on'
        wal_keep_size: 512MB
        wal_retrieve_retry_interval: 500ms
        max_connections: 300
        # Distributed transactions commit with two-phase commit.
        max_prepared_transactions: 600
        # A dead worker fails a query in 3 s, not 30.
        citus.node_connection_timeout: 3000
$(patroni_node_yaml "$name" "$port")
EOF
}

is_primary() { # node index
  [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$(rest_port "$1")/primary")" = 200 ]
}

group_leader() { # group -> the index of its node whose REST API says it is the primary
  local i
  for i in "${!NODES[@]}"; do
    [ "${GROUPS_OF[$i]}" = "$1" ] || continue
    if is_primary "$i"; then echo "$i"; return 0; fi
  done
  return 1
}

registered() { # groups...: each has an active primary in the coordinator's pg_dist_node
  local g
  for g in "$@"; do
    [ "$(coordinator_sql -c "select count(*) from pg_dist_node where groupid = $g and noderole = 'primary' and isactive")" = 1 ] || return 1
  done
}

group1_replica_streaming() {
  local leader; leader=$(group_leader 1) || return 1
  [ "$(psql_at "$(pg_port "$leader")" -c "select count(*) from pg_stat_replication where state = 'streaming'")" -ge 1 ]
}

start_node() { # node index
  local i=$1
  write_patroni_config "$i"
  chown -R postgres:postgres "$DIR/${NODES[$i]}" "$DIR/${NODES[$i]}.yml"
  log "${NODES[$i]} (group ${GROUPS_OF[$i]}) on 127.0.0.1:$(pg_port "$i")"
  start_daemon "patroni-${NODES[$i]}" /usr/bin/python3 /usr/bin/patroni "$DIR/${NODES[$i]}.yml"
}

cmd_down() {
  [ -d "$DIR" ] || { log "down (nothing was up)"; return 0; }
  stop_everything
}

cmd_up() {
  local t0=$SECONDS
  install_tools
  [ -n "$PG_BIN" ] || die "no PostgreSQL server binaries under /usr/lib/postgresql"
  ensure_citus
  local t_ready=$SECONDS
  cmd_down >/dev/null 2>&1 || true
  fresh_state_and_etcd zonmart-citus-etcd

  # Each group's first node bootstraps (initdb) alone, so it is the group's
  # first primary; w1b then clones w1a with pg_basebackup.
  local i
  for i in 0 1 3; do start_node "$i"; done
  wait_for 60 "the coordinator to lead" group_leader 0
  wait_for 60 "w1a to lead group 1" group_leader 1
  start_node 2
  wait_for 60 "w2 to lead group 2" group_leader 2
  wait_for 60 "both worker groups active in the coordinator's pg_dist_node" registered 1 2
  wait_for 90 "w1b streaming from group 1's primary" group1_replica_streaming
  log "up in $((SECONDS - t_ready)) s (with tools and Citus checks: $((SECONDS - t0)) s): coordinator 127.0.0.1:$(pg_port 0), workers: $(coordinator_sql -c "select string_agg(format('group %s %s:%s', groupid, nodename, nodeport), ', ' order by groupid) from pg_dist_node where groupid > 0")"
  cmd_urls
}

cmd_add_worker() {
  [ -f "$DIR/c0.yml" ] || die "not up (run: $0 up)"
  alive etcd || die "etcd is not running (run: $0 up)"
  local t0=$SECONDS
  cd "$DIR"
  if alive "patroni-${NODES[4]}"; then
    log "${NODES[4]} already runs"
  else
    start_node 4
  fi
  wait_for 60 "w3 to lead group 3" group_leader 3
  wait_for 60 "group 3 active in the coordinator's pg_dist_node" registered 3
  log "added worker group 3 (127.0.0.1:$(pg_port 4)) in $((SECONDS - t0)) s; run '$0 rebalance' to move shards onto it"
}

cmd_rebalance() {
  [ -f "$DIR/c0.yml" ] || die "not up (run: $0 up)"
  local t0=$SECONDS
  local limit="${ZONMART_CITUS_REBALANCE_TIMEOUT:-600}"
  # A background job of shard moves by logical replication ('auto': every
  # table has a primary key, so writes go on while a shard moves; only the
  # final switch of each shard blocks them briefly). Reference tables are
  # copied to new workers first.
  local job
  job=$(coordinator_sql -c "select citus_rebalance_start()" 2>&1) || die "citus_rebalance_start failed: $job"
  job=$(printf '%s\n' "$job" | grep -E '^[0-9]+$' | tail -1 || true)
  if [ -z "$job" ]; then
    log "nothing to move: the shards are balanced"
    return 0
  fi
  log "rebalance job $job started"
  local deadline=$((SECONDS + limit)) state="" progress=""
  while :; do
    state=$(coordinator_sql -c "select state from pg_dist_background_job where job_id = $job")
    progress=$(coordinator_sql -c "select format('%s/%s tasks done, %s running', count(*) filter (where status = 'done'), count(*), count(*) filter (where status = 'running')) from pg_dist_background_task where job_id = $job")
    printf '[citus] job %s: %s, %s (%ds)\n' "$job" "$state" "$progress" $((SECONDS - t0)) >&2
    case "$state" in
      finished) break ;;
      failed|cancelled|failing|cancelling)
        coordinator_sql -c "select task_id, status, message from pg_dist_background_task where job_id = $job and message <> ''" >&2 || true
        die "rebalance job $job $state" ;;
    esac
    [ $SECONDS -lt $deadline ] || die "rebalance job $job still $state after ${limit}s (see citus_rebalance_status(); cancel with citus_rebalance_stop())"
    sleep 2
  done
  log "rebalanced in $((SECONDS - t0)) s; shards per node: $(coordinator_sql -c "select string_agg(format('%s:%s=%s', nodename, nodeport, n), ', ' order by nodeport) from (select nodename, nodeport, count(*) n from citus_shards where citus_table_type = 'distributed' group by 1, 2) s")"
}

cmd_urls() {
  echo "PRIMARY_URL='postgres://postgres@127.0.0.1:$(pg_port 0)/$DB?connect_timeout=2'"
}

cmd_status() {
  [ -f "$DIR/c0.yml" ] || { log "not up"; return 1; }
  timeout 20 patronictl -c "$DIR/c0.yml" list 2>/dev/null || true
  if group_leader 0 >/dev/null; then
    coordinator_sql -F ' ' -P footer=off -c \
      "select nodeid, groupid, nodename, nodeport, noderole, isactive, shouldhaveshards from pg_dist_node order by groupid, nodeid" \
      | sed '1i nodeid groupid nodename nodeport noderole isactive shouldhaveshards'
  else
    log "the coordinator is not primary right now"
  fi
}

cmd_kill_worker_primary() {
  local leader; leader=$(group_leader 1) || die "group 1 has no primary to kill"
  local pid; pid=$(postmaster_pid "$leader")
  [ -n "$pid" ] || die "no postmaster.pid for ${NODES[$leader]}"
  kill -KILL "$pid"
  log "killed group 1's primary ${NODES[$leader]} (postmaster $pid)"
  echo "${NODES[$leader]}"
}

[ "$(id -u)" = 0 ] || die "run as root (PostgreSQL itself runs as user postgres)"
case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  add-worker) cmd_add_worker ;;
  rebalance) cmd_rebalance ;;
  kill-worker-primary) cmd_kill_worker_primary ;;
  urls) cmd_urls ;;
  *) echo "usage: $0 up|down|status|add-worker|rebalance|kill-worker-primary|urls" >&2; exit 2 ;;
esac
