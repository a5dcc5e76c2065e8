# Shared by scripts/setup, scripts/run and scripts/test. Source it; do not run it.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export ROOT

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The tools cargo-leptos looks for on PATH before it would try a download: wasm-bindgen
# (cargo's bin folder: $CARGO_HOME/bin, ~/.cargo/bin by default), sass and wasm-opt (npm,
# under tools/node).
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$ROOT/tools/node/node_modules/.bin:$PATH"

# PostgreSQL server binaries: on PATH, or where Debian's packages put them.
pg_bindir() {
  if command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return
  fi
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return; }
  done
  return 1
}

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Runs a PostgreSQL command as the owner of the cluster: PostgreSQL refuses to run as root.
as_pg_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# pg_start DIR PORT: initialises DIR once, then starts a server on 127.0.0.1:PORT (trust auth,
# loopback only). Reuses a server already running from DIR.
pg_start() {
  local dir=$1 port=$2 bindir
  bindir=$(pg_bindir) || die "PostgreSQL server binaries not found; run scripts/setup"
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir" && chmod 700 "$dir"
  if [ ! -f "$dir/PG_VERSION" ]; then
    as_pg_owner "$bindir/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --no-sync >"$dir.initdb.log" 2>&1 \
      || { cat "$dir.initdb.log" >&2; die "initdb failed in $dir"; }
  fi
  if as_pg_owner "$bindir/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    return 0
  fi
  as_pg_owner "$bindir/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=300 ${PG_EXTRA_OPTIONS:-}" \
    start >/dev/null || { tail -n 20 "$dir/server.log" >&2; die "PostgreSQL did not start (log: $dir/server.log)"; }
}

# pg_port DIR: the port of the server running from DIR.
pg_port() {
  sed -n 4p "$1/postmaster.pid"
}

pg_stop() {
  local dir=$1 bindir
  bindir=$(pg_bindir) || return 0
  [ -f "$dir/postmaster.pid" ] || return 0
  as_pg_owner "$bindir/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
}

# pg_create_db PORT NAME: creates the database if it does not exist.
pg_create_db() {
  local port=$1 name=$2
  if ! psql -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" postgres | grep -q 1; then
    psql -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE \"$name\"" postgres >/dev/null
  fi
}

# PgBouncer's binary: on PATH, or where Debian's package puts it (/usr/sbin).
# pg_local_or_throwaway NAME: the PostgreSQL of DATABASE_URL when it is on 127.0.0.1 (scripts/
# test's throwaway cluster), else a throwaway cluster of its own in a new folder named for
# NAME, with DATABASE_URL pointed at it. Sets pg_port, and PGDIR to the folder it started
# (empty when it reused one): the caller stops and removes it with pg_stop.
pg_local_or_throwaway() {
  local name=$1
  PGDIR=
  if [[ "${DATABASE_URL:-}" =~ ^postgres(ql)?://[^@/]*@127\.0\.0\.1:([0-9]+)/ ]]; then
    pg_port=${BASH_REMATCH[2]}
  else
    PGDIR=$(mktemp -d "${TMPDIR:-/tmp}/populatte-$name-pg.XXXXXX")
    pg_port=$(free_port)
    PG_EXTRA_OPTIONS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off" pg_start "$PGDIR" "$pg_port"
    export DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
  fi
}

pgbouncer_bin() {
  command -v pgbouncer 2>/dev/null || { [ -x /usr/sbin/pgbouncer ] && echo /usr/sbin/pgbouncer; }
}

# pgbouncer_start DIR PG_PORT PORT: a throwaway PgBouncer in transaction mode on
# 127.0.0.1:PORT in front of the PostgreSQL on 127.0.0.1:PG_PORT. Every database name passes
# through (the `*` fallback), so each test's own database resolves. Few server connections
# per database (PGBOUNCER_POOL_SIZE, default 2), so that clients share them as they would in
# production; idle ones close after 2 s, so test databases can be dropped. Runs as the
# postgres user: PgBouncer refuses root. docs/deploy.md lists these settings.
pgbouncer_start() {
  local dir=$1 pg_port=$2 port=$3 tries=0 bin
  bin=$(pgbouncer_bin) || die "pgbouncer not found; run scripts/setup"
  mkdir -p "$dir"
  cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$pg_port

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = ${PGBOUNCER_POOL_SIZE:-2}
max_client_conn = 1000
server_idle_timeout = 2
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
  echo '"postgres" ""' >"$dir/userlist.txt"
  [ "$(id -u)" -eq 0 ] && chown -R postgres: "$dir"
  as_pg_owner "$bin" -d "$dir/pgbouncer.ini" >"$dir/start.log" 2>&1 \
    || { cat "$dir/start.log" >&2; die "PgBouncer did not start (config: $dir/pgbouncer.ini)"; }
  until pg_isready -q -h 127.0.0.1 -p "$port" -U postgres -d postgres; do
    tries=$((tries + 1))
    [ "$tries" -lt 100 ] || { tail -n 20 "$dir/pgbouncer.log" >&2; die "PgBouncer does not answer on 127.0.0.1:$port"; }
    sleep 0.1
  done
}

# pgbouncer_stop DIR: stops the PgBouncer started from DIR, by its PID.
pgbouncer_stop() {
  local dir=$1 pid tries=0
  pid=$(cat "$dir/pgbouncer.pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null && [ "$tries" -lt 50 ]; do
    tries=$((tries + 1))
    sleep 0.1
  done
}
