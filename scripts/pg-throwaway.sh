#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster for tests: Debian's server binaries
# (installed if missing), a temporary folder, a free port, SERIALIZABLE by
# default (our stand-in for CockroachDB). Prints `export` lines to eval:
#   eval "$(scripts/pg-throwaway.sh start)"   ...   scripts/pg-throwaway.sh stop "$ROOST_PG_DIR"
set -euo pipefail

find_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

install_pg() {
  echo "installing PostgreSQL from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

start() {
  local bin dir port owner
  bin=$(find_bin || true)
  if [ -z "$bin" ]; then install_pg; bin=$(find_bin); fi
  dir=$(mktemp -d /tmp/roost-pg.XXXXXX)
  port=$(free_port)
  owner=postgres
  if [ "$(id -u)" != 0 ]; then owner=$(id -un); fi
  chown -R "$owner" "$dir"
  run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  run "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync >/dev/null
  cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
default_transaction_isolation = 'serializable'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
shared_buffers = 256MB
CONF
  run "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w start >/dev/null
  echo "export ROOST_PG_DIR=$dir"
  echo "export ROOST_PG_BIN=$bin"
  echo "export ROOST_TEST_POSTGRES_DSN=postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
}

stop() {
  local dir=$1 bin
  bin=$(find_bin)
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  else
    "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:?usage: stop DIR}" ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
