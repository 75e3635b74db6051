#!/usr/bin/env bash
# A three-node PostgreSQL cluster on loopback ports of this machine: one
# primary and two streaming replicas under Patroni, with one etcd as Patroni's
# store, quorum commit (`ANY 1 (n1,n2,n3)`: every acknowledged write is on at
# least two nodes) and automatic failover. It never touches the cluster on
# port 5432.
#
#   scripts/cluster.sh up            start it afresh (installs patroni and etcd if missing)
#   scripts/cluster.sh down          stop everything `up` started and remove its data
#   scripts/cluster.sh status        members, roles, lag, replication state
#   scripts/cluster.sh kill-primary  kill -9 the primary's postmaster (Patroni then fails over)
#   scripts/cluster.sh kill-replica  kill -9 one replica's postmaster (Patroni restarts it)
#   scripts/cluster.sh wait-healthy  wait (up to 90 s) for a primary with both standbys in the quorum
#   scripts/cluster.sh urls          the primary and replica URLs for Zonmart, as shell variables
#
# Patroni bootstraps the first node with initdb and clones the others with
# pg_basebackup (streaming, with `primary_conninfo` naming each node by its
# `application_name`), then keeps them as replicas; on a primary's death it
# promotes the most advanced replica and rewinds the old primary back in.
#
# Settings: ZONMART_CLUSTER_DIR (default /tmp/zonmart-cluster),
# ZONMART_CLUSTER_PG_PORT (first node's port, default 5441; the others follow),
# ZONMART_CLUSTER_REST_PORT (default 8091), ZONMART_CLUSTER_ETCD_PORT (default 23790).
# Authentication is `trust` on 127.0.0.1 only: a throwaway test cluster.
set -euo pipefail

DIR="${ZONMART_CLUSTER_DIR:-/tmp/zonmart-cluster}"
PG_PORT="${ZONMART_CLUSTER_PG_PORT:-5441}"
REST_PORT="${ZONMART_CLUSTER_REST_PORT:-8091}"
ETCD_PORT="${ZONMART_CLUSTER_ETCD_PORT:-23790}"
ETCD_PEER_PORT=$((ETCD_PORT + 10))
NODES=(n1 n2 n3)
DB=zonmart
PG_BIN="${ZONMART_CLUSTER_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"

LOG_TAG=cluster
# log, die, pg_port, rest_port, as_postgres, start_daemon, alive, wait_for,
# postmaster_pid, patroni_node_yaml
# shellcheck source=lib/patroni.sh
source "$(cd "$(dirname "$0")" && pwd)/lib/patroni.sh"

psql_at() { # port, sql...
  local port=$1; shift
  psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -XtAq -v ON_ERROR_STOP=1 "$@"
}

install_tools() {
  if command -v patroni >/dev/null && command -v etcd >/dev/null && command -v etcdctl >/dev/null \
    && [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ]; then
    return
  fi
  log "installing patroni, etcd and PostgreSQL (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq patroni etcd-server etcd-client postgresql postgresql-client >/dev/null
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
}

write_patroni_config() { # node index
  local i=$1 name=${NODES[$1]}
  local port; port=$(pg_port "$i")
  local rest; rest=$(rest_port "$i")
  mkdir -p "$DIR/$name"
  cat >"$DIR/$name.yml" <<EOF
$(patroni_head_yaml zonmart /zonmart/ "$name" "$rest")
bootstrap:
  dcs:
$(patroni_failover_yaml)
    # Patroni 3.0 has no quorum mode of its own: the quorum is PostgreSQL's,
    # naming all three nodes so it holds whichever one leads.
    synchronous_mode: false
    postgresql:
      use_pg_rewind: true
      # No slots: standbys need not wait for a new primary to create them
      # (writes stalled seconds longer); wal_keep_size covers short absences.
      use_slots: false
      parameters:
        synchronous_standby_names: 'ANY 1 (n1,n2,n3)'
        synchronous_commit: 'on'
        wal_level: replica
        hot_standby: 'on'
        wal_log_hints: 'on'
        max_wal_senders: 10
        wal_keep_size: 512MB
        wal_retrieve_retry_interval: 500ms
        max_connections: 100
$(patroni_node_yaml "$name" "$port")
EOF
}

leader_index() { # prints the index of the node whose REST API says it is the primary
  local i
  for i in 0 1 2; do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$(rest_port "$i")/primary")" = 200 ]; then
      echo "$i"; return 0
    fi
  done
  return 1
}

quorum_ready() { # both standbys streaming and counted in the quorum
  local leader; leader=$(leader_index) || return 1
  [ "$(psql_at "$(pg_port "$leader")" -c "select count(*) from pg_stat_replication where state = 'streaming' and sync_state = 'quorum'")" = 2 ]
}

cmd_down() {
  stop_everything
}

cmd_up() {
  install_tools
  [ -n "$PG_BIN" ] || die "no PostgreSQL server binaries under /usr/lib/postgresql"
  cmd_down >/dev/null 2>&1 || true
  fresh_state_and_etcd zonmart-etcd --enable-v2=true

  local i
  for i in 0 1 2; do write_patroni_config "$i"; done
  chown -R postgres:postgres "$DIR"
  # The first node bootstraps (initdb) alone, so it is the first primary.
  log "n1 on 127.0.0.1:$(pg_port 0) (bootstrap)"
  start_daemon patroni-n1 /usr/bin/python3 /usr/bin/patroni "$DIR/n1.yml"
  wait_for 60 "n1 to lead" leader_index
  for i in 1 2; do
    log "${NODES[$i]} on 127.0.0.1:$(pg_port "$i") (pg_basebackup from the primary)"
    start_daemon "patroni-${NODES[$i]}" /usr/bin/python3 /usr/bin/patroni "$DIR/${NODES[$i]}.yml"
  done
  wait_for 90 "both standbys streaming in the quorum" quorum_ready
  local leader; leader=$(leader_index)
  psql_at "$(pg_port "$leader")" -c "create database $DB" 2>/dev/null || true
  psql_at "$(pg_port "$leader")" -c "create database ${DB}_test" 2>/dev/null || true
  log "up: primary ${NODES[$leader]}; $(psql_at "$(pg_port "$leader")" -c 'show synchronous_standby_names')"
  cmd_urls
}

cmd_urls() {
  local hosts="" replicas="" i
  for i in 0 1 2; do hosts+="${hosts:+,}127.0.0.1:$(pg_port "$i")"; done
  echo "PRIMARY_URL='postgres://postgres@$hosts/$DB?target_session_attrs=read-write&connect_timeout=2'"
  echo "TEST_URL='postgres://postgres@$hosts/${DB}_test?target_session_attrs=read-write&connect_timeout=2'"
  # Every node is a replica URL: the watcher skips whichever is the primary's
  # own stale self, and a promoted node still answers reads correctly.
  for i in 0 1 2; do replicas+="${replicas:+,}postgres://postgres@127.0.0.1:$(pg_port "$i")/$DB?connect_timeout=2"; done
  echo "REPLICA_URLS='$replicas'"
}

cmd_status() {
  [ -f "$DIR/n1.yml" ] || { log "not up"; return 1; }
  patronictl -c "$DIR/n1.yml" list 2>/dev/null || true
  local leader
  if leader=$(leader_index); then
    psql_at "$(pg_port "$leader")" -F ' ' -c \
      "select application_name, state, sync_state, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) as replay_lag_bytes from pg_stat_replication order by 1"
  else
    log "no primary right now"
  fi
}

cmd_kill_primary() {
  local leader; leader=$(leader_index) || die "no primary to kill"
  local pid; pid=$(postmaster_pid "$leader")
  [ -n "$pid" ] || die "no postmaster.pid for ${NODES[$leader]}"
  kill -KILL "$pid"
  log "killed the primary ${NODES[$leader]} (postmaster $pid)"
  echo "${NODES[$leader]}"
}

cmd_kill_replica() {
  local leader; leader=$(leader_index) || die "no primary: cannot tell the replicas"
  local i
  for i in 0 1 2; do
    [ "$i" = "$leader" ] && continue
    local pid; pid=$(postmaster_pid "$i")
    [ -n "$pid" ] || continue
    kill -KILL "$pid"
    log "killed the replica ${NODES[$i]} (postmaster $pid)"
    echo "${NODES[$i]}"
    return 0
  done
  die "no replica to kill"
}

[ "$(id -u)" = 0 ] || die "run as root (PostgreSQL itself runs as user postgres)"
case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  kill-primary) cmd_kill_primary ;;
  kill-replica) cmd_kill_replica ;;
  wait-healthy) wait_for 90 "a primary with both standbys in the quorum" quorum_ready ;;
  urls) cmd_urls ;;
  *) echo "usage: $0 up|down|status|kill-primary|kill-replica|wait-healthy|urls" >&2; exit 2 ;;
esac
