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

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

pg_port() { echo $((PG_PORT + $1)); }    # node index 0..2
rest_port() { echo $((REST_PORT + $1)); }
as_postgres() { runuser -u postgres -- "$@"; }
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

# Starts a daemon as postgres, recording its own PID (not runuser's), with no
# inherited stdout, so `$(...)` around this script never hangs on it.
start_daemon() { # name, command...
  local name=$1; shift
  local cmd
  printf -v cmd '%q ' "$@"
  as_postgres sh -c "echo \$\$ > '$DIR/$name.pid'; exec $cmd" >>"$DIR/$name.log" 2>&1 </dev/null &
  for _ in $(seq 1 50); do [ -s "$DIR/$name.pid" ] && return; sleep 0.1; done
  die "$name did not start (see $DIR/$name.log)"
}

alive() { [ -s "$DIR/$1.pid" ] && kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null; }

write_patroni_config() { # node index
  local i=$1 name=${NODES[$1]}
  local port; port=$(pg_port "$i")
  local rest; rest=$(rest_port "$i")
  mkdir -p "$DIR/$name"
  cat >"$DIR/$name.yml" <<EOF
scope: zonmart
namespace: /zonmart/
name: $name
log:
  level: WARNING
restapi:
  listen: 127.0.0.1:$rest
  connect_address: 127.0.0.1:$rest
etcd3:
  hosts: 127.0.0.1:$ETCD_PORT
bootstrap:
  dcs:
    # Failover within seconds: the leader key lives 10 s, Patroni loops every 2 s.
    ttl: 10
    loop_wait: 2
    retry_timeout: 3
    # A crashed primary is failed over at once, not restarted in place for 300 s.
    primary_start_timeout: 0
    maximum_lag_on_failover: 1048576
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
  initdb:
    - encoding: UTF8
    - locale: C
    - data-checksums
postgresql:
  listen: 127.0.0.1:$port
  connect_address: 127.0.0.1:$port
  data_dir: $DIR/$name/data
  bin_dir: $PG_BIN
  pgpass: $DIR/$name/pgpass
  authentication:
    superuser: {username: postgres, password: postgres}
    replication: {username: replicator, password: replicator}
    rewind: {username: postgres, password: postgres}
  parameters:
    unix_socket_directories: '$DIR/$name'
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - host replication all 127.0.0.1/32 trust
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

wait_for() { # seconds, description, command...
  local seconds=$1 what=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "timed out after ${seconds}s waiting for $what"
    sleep 0.5
  done
}

quorum_ready() { # both standbys streaming and counted in the quorum
  local leader; leader=$(leader_index) || return 1
  [ "$(psql_at "$(pg_port "$leader")" -c "select count(*) from pg_stat_replication where state = 'streaming' and sync_state = 'quorum'")" = 2 ]
}

cmd_down() {
  local name pid
  for name in "${NODES[@]}"; do
    if alive "patroni-$name"; then kill -TERM "$(cat "$DIR/patroni-$name.pid")" 2>/dev/null || true; fi
  done
  for name in "${NODES[@]}"; do
    for _ in $(seq 1 40); do alive "patroni-$name" || break; sleep 0.25; done
    if alive "patroni-$name"; then kill -KILL "$(cat "$DIR/patroni-$name.pid")" 2>/dev/null || true; fi
    # Killing Patroni does not stop its PostgreSQL.
    if [ -f "$DIR/$name/data/postmaster.pid" ]; then
      as_postgres "$PG_BIN/pg_ctl" -D "$DIR/$name/data" stop -m immediate -w -t 10 >/dev/null 2>&1 || true
      pid=$(head -1 "$DIR/$name/data/postmaster.pid" 2>/dev/null || true)
      [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  if alive etcd; then
    kill -TERM "$(cat "$DIR/etcd.pid")" 2>/dev/null || true
    for _ in $(seq 1 20); do alive etcd || break; sleep 0.25; done
    alive etcd && kill -KILL "$(cat "$DIR/etcd.pid")" 2>/dev/null || true
  fi
  case "$DIR" in /tmp/*|/var/tmp/*) rm -rf "$DIR" ;; *) log "left $DIR in place (not under /tmp)";; esac
  log "down"
}

cmd_up() {
  install_tools
  [ -n "$PG_BIN" ] || die "no PostgreSQL server binaries under /usr/lib/postgresql"
  cmd_down >/dev/null 2>&1 || true
  mkdir -p "$DIR"
  chown postgres:postgres "$DIR"
  chmod 700 "$DIR"
  cd "$DIR" # runuser keeps the working directory; postgres must be able to read it

  log "etcd on 127.0.0.1:$ETCD_PORT"
  start_daemon etcd etcd --name zonmart-etcd --data-dir "$DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "zonmart-etcd=http://127.0.0.1:$ETCD_PEER_PORT" --initial-cluster-state new \
    --enable-v2=true
  wait_for 20 "etcd" env ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:$ETCD_PORT" endpoint health

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

postmaster_pid() { head -1 "$DIR/${NODES[$1]}/data/postmaster.pid" 2>/dev/null; }

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
