# A throw-away PostgreSQL server for the tests. Sourced by .ci/run (bash):
#
#   . .ci/postgres.sh && start_test_postgres
#
# installs Debian's `postgresql` when no server binaries are found (as root, with apt-get),
# runs `initdb` in a temporary folder (as the `postgres` user when run as root: the server
# refuses to run as root; as the current user otherwise), starts the server on a free port of
# 127.0.0.1 and exports
#
#   REVIEWER_TEST_PG_DSN      postgresql://reviewer@127.0.0.1:PORT/reviewer_test (trust auth)
#   REVIEWER_TEST_PG_RESTART  a command restarting that server (`… immediate` simulates a crash)
#
# The server is stopped and its folder deleted when the calling shell exits (an EXIT trap), also
# when the tests fail or the run is interrupted. REVIEWER_CI_NO_POSTGRES=1 skips all of this (the
# PostgreSQL tests then skip, saying why).

_pg_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"; return 0
  fi
  return 1
}

_pg_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "postgres.sh: no PostgreSQL server binaries and no way to install them (need root and" \
         "apt-get); install PostgreSQL or set REVIEWER_CI_NO_POSTGRES=1" >&2
    return 1
  fi
  echo "installing postgresql (Debian package)"
  # no default cluster: the tests start their own server
  mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/reviewer-ci.conf
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
}

_pg_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

stop_test_postgres() {
  [ -n "${_PG_DIR:-}" ] || return 0
  if [ -f "$_PG_DIR/data/postmaster.pid" ]; then
    $_PG_AS "$_PG_BIN/pg_ctl" -D "$_PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$_PG_DIR"
  _PG_DIR=""
}

start_test_postgres() {
  if [ "${REVIEWER_CI_NO_POSTGRES:-}" = 1 ]; then
    echo "REVIEWER_CI_NO_POSTGRES=1: no PostgreSQL server; its tests will skip"
    return 0
  fi
  _PG_BIN=$(_pg_bindir) || { _pg_install && _PG_BIN=$(_pg_bindir); } || return 1
  _PG_AS=""
  if [ "$(id -u)" = 0 ]; then  # the server will not run as root
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    if command -v runuser >/dev/null 2>&1; then _PG_AS="runuser -u postgres --"
    else _PG_AS="sudo -u postgres"; fi
  fi
  _PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/reviewer-pg.XXXXXX")
  trap stop_test_postgres EXIT
  trap 'stop_test_postgres; exit 130' INT
  trap 'stop_test_postgres; exit 143' TERM
  chmod 700 "$_PG_DIR"
  [ -z "$_PG_AS" ] || chown postgres "$_PG_DIR"
  local port options
  port=$(_pg_free_port)
  # fsync off: the tests kill clients and restart the server, never the machine
  options="-p $port -k $_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off"
  $_PG_AS "$_PG_BIN/initdb" -D "$_PG_DIR/data" -U reviewer --auth=trust -E UTF8 --no-locale \
    --no-sync >"$_PG_DIR/initdb.log" 2>&1 || { cat "$_PG_DIR/initdb.log" >&2; return 1; }
  $_PG_AS "$_PG_BIN/pg_ctl" -D "$_PG_DIR/data" -l "$_PG_DIR/server.log" -w -t 60 \
    -o "$options" start >/dev/null || { cat "$_PG_DIR/server.log" >&2; return 1; }
  "$_PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U reviewer reviewer_test
  cat >"$_PG_DIR/restart" <<EOF
#!/bin/sh
# restart the test server: \$1 = fast (default) or immediate (a crash)
exec $_PG_AS "$_PG_BIN/pg_ctl" -D "$_PG_DIR/data" -l "$_PG_DIR/server.log" -w -t 60 \
  -m "\${1:-fast}" -o "$options" restart >/dev/null
EOF
  chmod 755 "$_PG_DIR/restart"
  export REVIEWER_TEST_PG_DSN="postgresql://reviewer@127.0.0.1:$port/reviewer_test"
  export REVIEWER_TEST_PG_RESTART="$_PG_DIR/restart"
  echo "PostgreSQL $("$_PG_BIN/pg_ctl" --version | awk '{print $3}') for the tests at" \
       "$REVIEWER_TEST_PG_DSN"
}
