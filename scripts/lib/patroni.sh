# shellcheck shell=bash
# What scripts/cluster.sh (three replicated nodes) and scripts/citus.sh (a
# coordinator and worker groups) share: PostgreSQL nodes under Patroni on
# loopback ports, run as user postgres. Sourced after the script has set
# LOG_TAG, DIR (its state directory), PG_BIN, NODES, and PG_PORT and
# REST_PORT (node i listens on PG_PORT + i, its Patroni on REST_PORT + i).

log() { printf '[%s] %s\n' "$LOG_TAG" "$*" >&2; }
die() { log "error: $*"; exit 1; }
pg_port() { echo $((PG_PORT + $1)); } # node index
rest_port() { echo $((REST_PORT + $1)); }
as_postgres() { runuser -u postgres -- "$@"; }

# Starts a daemon as postgres, recording its own PID (not runuser's), with no
# inherited stdout, so `$(...)` around the calling script never hangs on it.
start_daemon() { # name, command...
  local name=$1; shift
  local cmd
  printf -v cmd '%q ' "$@"
  rm -f "$DIR/$name.pid"
  as_postgres sh -c "echo \$\$ > '$DIR/$name.pid'; exec $cmd" >>"$DIR/$name.log" 2>&1 </dev/null &
  for _ in $(seq 1 50); do [ -s "$DIR/$name.pid" ] && return; sleep 0.1; done
  die "$name did not start (see $DIR/$name.log)"
}

alive() { [ -s "$DIR/$1.pid" ] && kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null; }

wait_for() { # seconds, description, command...
  local seconds=$1 what=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "timed out after ${seconds}s waiting for $what"
    sleep 0.5
  done
}

# The first of `up`, once the old state is gone: a state directory postgres
# owns (and the working directory: runuser keeps it, so postgres must be
# able to read it), and one etcd on ETCD_PORT / ETCD_PEER_PORT.
fresh_state_and_etcd() { # etcd member name, extra etcd flags...
  local name=$1; shift
  mkdir -p "$DIR"
  chown postgres:postgres "$DIR"
  chmod 700 "$DIR"
  cd "$DIR"
  log "etcd on 127.0.0.1:$ETCD_PORT"
  start_daemon etcd etcd --name "$name" --data-dir "$DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "$name=http://127.0.0.1:$ETCD_PEER_PORT" --initial-cluster-state new "$@"
  wait_for 20 "etcd" env ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:$ETCD_PORT" endpoint health
}

stop_node() { # node index: Patroni, then its PostgreSQL (killing Patroni does not stop it)
  local name=${NODES[$1]} pid
  for _ in $(seq 1 40); do alive "patroni-$name" || break; sleep 0.25; done
  if alive "patroni-$name"; then kill -KILL "$(cat "$DIR/patroni-$name.pid")" 2>/dev/null || true; fi
  if [ -f "$DIR/$name/data/postmaster.pid" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$DIR/$name/data" stop -m immediate -w -t 10 >/dev/null 2>&1 || true
    pid=$(head -1 "$DIR/$name/data/postmaster.pid" 2>/dev/null || true)
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
  fi
}

# `down`: every node's Patroni told to stop at once, then each node stopped
# (stop_node), then etcd and the state directory (only under /tmp: anywhere
# else it is left for a look).
stop_everything() {
  local i name
  for name in "${NODES[@]}"; do
    if alive "patroni-$name"; then kill -TERM "$(cat "$DIR/patroni-$name.pid")" 2>/dev/null || true; fi
  done
  for i in "${!NODES[@]}"; do stop_node "$i"; done
  if alive etcd; then
    kill -TERM "$(cat "$DIR/etcd.pid")" 2>/dev/null || true
    for _ in $(seq 1 20); do alive etcd || break; sleep 0.25; done
    alive etcd && kill -KILL "$(cat "$DIR/etcd.pid")" 2>/dev/null || true
  fi
  case "$DIR" in /tmp/*|/var/tmp/*) rm -rf "$DIR" ;; *) log "left $DIR in place (not under /tmp)";; esac
  log "down"
}

# The node's postmaster (the node index into NODES).
postmaster_pid() { head -1 "$DIR/${NODES[$1]}/data/postmaster.pid" 2>/dev/null; }

# The head of a node's Patroni configuration: who it is, its REST API, etcd.
patroni_head_yaml() { # scope, namespace, name, REST port
  cat <<EOF
scope: $1
namespace: $2
name: $3
log:
  level: WARNING
restapi:
  listen: 127.0.0.1:$4
  connect_address: 127.0.0.1:$4
etcd3:
  hosts: 127.0.0.1:$ETCD_PORT
EOF
}

# The failover timing under bootstrap.dcs (indented for it).
patroni_failover_yaml() {
  cat <<EOF
    # Failover within seconds: the leader key lives 10 s, Patroni loops every 2 s.
    ttl: 10
    loop_wait: 2
    retry_timeout: 3
    # A crashed primary is failed over at once, not restarted in place for 300 s.
    primary_start_timeout: 0
    maximum_lag_on_failover: 1048576
EOF
}

# The part of a node's Patroni configuration both clusters share, from the
# bootstrap's initdb options on: where it listens and keeps its data, its
# users, a fast checkpoint for a replica's base backup, trust on loopback.
patroni_node_yaml() { # name, port
  local name=$1 port=$2
  cat <<EOF
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
  # A replica's pg_basebackup asks for a fast checkpoint, or it waits ~90 s.
  basebackup:
    - checkpoint: fast
  parameters:
    unix_socket_directories: '$DIR/$name'
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - host replication all 127.0.0.1/32 trust
EOF
}
