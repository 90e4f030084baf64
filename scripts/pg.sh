#!/usr/bin/env bash
# A private PostgreSQL 15 cluster in a folder of the project, for the risk history (docs/history.md):
#   scripts/pg.sh start DIR   creates the cluster in DIR if needed, starts it, prints its URL
#   scripts/pg.sh stop DIR    stops it (fast shutdown)
#   scripts/pg.sh url DIR     prints its URL
# It listens on a Unix socket in DIR/run only (no TCP port) and trusts local connections to that
# socket, which only this machine's users who can reach DIR can open. When the script runs as
# root, the cluster runs as the unprivileged `postgres` user (initdb refuses root), which then
# owns DIR. Where the TimescaleDB extension is installed it is preloaded, so the server uses it
# (RTRISK_PG_PRELOAD sets shared_preload_libraries instead; empty: none). Nothing outside DIR
# is touched.
set -euo pipefail
cmd=${1:-}; dir=${2:-}
if [[ -z $cmd || -z $dir ]]; then echo "usage: scripts/pg.sh start|stop|url DIR" >&2; exit 2; fi
bin=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || true)
if [[ -z $bin ]]; then echo "pg.sh: PostgreSQL 15 is not installed (scripts/bootstrap.sh installs it)" >&2; exit 1; fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if (( ${#dir} > 90 )); then echo "pg.sh: $dir is too long for a Unix socket path" >&2; exit 2; fi
url="postgresql://rtrisk@/rtrisk?host=$dir/run"
if [[ -z ${RTRISK_PG_PRELOAD+set} ]]; then
  RTRISK_PG_PRELOAD=""
  [[ -f $("$bin/pg_config" --pkglibdir)/timescaledb.so ]] && RTRISK_PG_PRELOAD=timescaledb
fi

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case $cmd in
  url) echo "$url" ;;
  start)
    if [[ $dir == *[\'%\"\ ]* ]]; then echo "pg.sh: $dir: a folder without quotes, % or spaces, please (it goes into a URL and server options)" >&2; exit 2; fi
    if [[ $(id -u) -eq 0 ]]; then
      chown postgres: "$dir"
      if ! runuser -u postgres -- test -x "$dir"; then
        echo "pg.sh: the postgres user cannot reach $dir (a folder above it is not searchable by others, e.g. /root):" \
             "move the repository, or give --db a server of your own" >&2
        exit 1
      fi
    fi
    if [[ ! -f $dir/data/PG_VERSION ]]; then
      as_owner "$bin/initdb" -D "$dir/data" -U rtrisk --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    as_owner mkdir -p "$dir/run"
    # a postmaster.pid left by a crash whose pid now belongs to another process makes pg_ctl
    # think the server runs: trust the socket instead
    if as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1 && ! "$bin/pg_isready" -q -h "$dir/run" -t 5; then
      pid=$(head -1 "$dir/data/postmaster.pid" 2>/dev/null || true)
      if [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) != postgres ]]; then rm -f "$dir/data/postmaster.pid"; fi
    fi
    if ! as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses='' -c unix_socket_directories='$dir/run' -c timezone=UTC -c shared_preload_libraries='$RTRISK_PG_PRELOAD'" start >/dev/null \
        || { tail -20 "$dir/server.log" >&2; exit 1; }
    fi
    if [[ $("$bin/psql" "postgresql://rtrisk@/postgres?host=$dir/run" -tAc "select 1 from pg_database where datname = 'rtrisk'") != 1 ]]; then
      "$bin/createdb" -h "$dir/run" -U rtrisk rtrisk
    fi
    echo "$url" ;;
  stop)
    if [[ -f $dir/data/PG_VERSION ]] && as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    fi ;;
  *) echo "usage: scripts/pg.sh start|stop|url DIR" >&2; exit 2 ;;
esac
