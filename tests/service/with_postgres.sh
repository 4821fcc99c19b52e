#!/bin/sh
# Runs COMMAND with a throw-away PostgreSQL 15 cluster on 127.0.0.1 only
# (initdb + pg_ctl from Debian's postgresql-15, as the unprivileged user
# `postgres` when run as root, since PostgreSQL refuses to run as root), with
# PGHOST/PGPORT/PGUSER/PGDATABASE set for libpq and PIPE_TEST_POSTGRES=1.
# The cluster is stopped and removed on exit, whatever COMMAND did.
#   with_postgres.sh COMMAND [ARGS...]
set -eu
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "with_postgres.sh: postgresql-15 is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
dir=$(mktemp -d /tmp/pipe-pg.XXXXXX)
as=""
if [ "$(id -u)" = 0 ]; then
  chown postgres "$dir"
  as="runuser -u postgres --"
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
stop() {
  $as "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT INT TERM
$as "$bin/initdb" -D "$dir/data" -U pipe -A trust --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
$as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off" start >/dev/null \
  || { cat "$dir/server.log" >&2; exit 1; }
PGHOST=127.0.0.1 PGPORT=$port PGUSER=pipe PGDATABASE=postgres PIPE_TEST_POSTGRES=1 "$@"
