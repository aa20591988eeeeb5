#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL 15 cluster in a folder of ours.
#   deploy/pg.sh start DIR PORT     initdb if needed, start, create database "rumbook"
#   deploy/pg.sh stop DIR
# The server refuses to run as root, so as root it runs as the postgres user.
set -euo pipefail

cmd=${1:?usage: pg.sh start|stop DIR [PORT]}
dir=${2:?usage: pg.sh start|stop DIR [PORT]}
port=${3:-15432}
bindir=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || dirname "$(command -v pg_ctl)")

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  if [ ! -f "$dir/PG_VERSION" ]; then
    as_owner "$bindir/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir.initdb.log"
    cat >>"$dir/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
max_connections = 200
shared_buffers = 512MB
fsync = on
synchronous_commit = on
wal_level = minimal
max_wal_senders = 0
checkpoint_timeout = 15min
max_wal_size = 4GB
timezone = 'UTC'
CONF
  fi
  as_owner "$bindir/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start >/dev/null
  psql "postgresql://postgres@127.0.0.1:$port/postgres" -qAtc \
    "SELECT 1 FROM pg_database WHERE datname = 'rumbook'" | grep -q 1 ||
    psql "postgresql://postgres@127.0.0.1:$port/postgres" -qc "CREATE DATABASE rumbook"
  echo "postgresql://postgres@127.0.0.1:$port/rumbook"
  ;;
stop)
  [ -f "$dir/postmaster.pid" ] && as_owner "$bindir/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
  ;;
*) echo "pg.sh: unknown command $cmd" >&2; exit 2 ;;
esac
