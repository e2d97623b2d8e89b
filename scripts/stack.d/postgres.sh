# PostgreSQL 15 from Debian, as a private cluster under .stack/postgres owned by the postgres system user
# (the server refuses to run as root).
PG_BIN="${STACK_PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_DIR="$STACK_DIR/postgres"
PG_DATA="$PG_DIR/data"
PG_SOCKET_DIR="$PG_DIR/run"
PG_OS_USER=postgres

# Runs a command as the cluster's owner; setpriv execs in place, so a recorded pid is the postmaster's own.
pg_as_owner() { setpriv --reuid="$PG_OS_USER" --regid="$PG_OS_USER" --init-groups -- "$@"; }

postgres_install() {
  [ -x "$PG_BIN/postgres" ] || apt_install postgresql-15
  getent passwd "$PG_OS_USER" >/dev/null || die "postgres: system user '$PG_OS_USER' is missing; install postgresql-15"
}

postgres_start() {
  mkdir -p "$PG_DIR" "$PG_SOCKET_DIR"
  chown "$PG_OS_USER:" "$PG_SOCKET_DIR"
  # The cluster is created once; later starts reuse it. Local socket logins map OS user to role (peer),
  # TCP logins need a password, so a wrong password is rejected as it would be in production.
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    install -d -o "$PG_OS_USER" -m 700 "$PG_DATA"
    pg_as_owner "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --encoding=UTF8 --no-locale \
      --auth-local=peer --auth-host=scram-sha-256 >>"$PG_DIR/server.log" 2>&1 \
      || { tail -n 20 "$PG_DIR/server.log" >&2; die "postgres: initdb failed"; }
  fi
  echo "--- stack start $(date -u +%FT%TZ)" >>"$PG_DIR/server.log"
  # Durability is traded for speed: this cluster only ever holds test data.
  start_bg postgres setpriv --reuid="$PG_OS_USER" --regid="$PG_OS_USER" --init-groups -- \
    "$PG_BIN/postgres" -D "$PG_DATA" -p "$STACK_POSTGRES_PORT" \
    -c listen_addresses="$STACK_HOST" -c unix_socket_directories="$PG_SOCKET_DIR" \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off
}

# A fast shutdown disconnects idle clients instead of waiting for them (SIGTERM alone would wait);
# stop_pid then clears the pid file, escalating only if the postmaster did not exit.
postgres_stop() {
  if [ -f "$PG_DIR/pid" ] && kill -0 "$(cat "$PG_DIR/pid")" 2>/dev/null; then
    local pid deadline=$((SECONDS + 30))
    pid="$(cat "$PG_DIR/pid")"
    pg_as_owner "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w -t 30 >/dev/null 2>&1 || true
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    kill -0 "$pid" 2>/dev/null || { log "postgres: stopped"; rm -f "$PG_DIR/pid"; return 0; }
  fi
  stop_pid postgres
}

postgres_ready() { "$PG_BIN/pg_isready" -q -h "$STACK_HOST" -p "$STACK_POSTGRES_PORT" -d postgres; }

pg_superuser_sql() {
  pg_as_owner "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$STACK_POSTGRES_PORT" -U postgres "$@"
}

postgres_init() {
  if [ "$(pg_superuser_sql -d postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'course_sink'")" != 1 ]; then
    pg_superuser_sql -d postgres -c "CREATE ROLE course_sink LOGIN PASSWORD 'course_sink'"
  fi
  if [ "$(pg_superuser_sql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'course_sink'")" != 1 ]; then
    pg_superuser_sql -d postgres -c "CREATE DATABASE course_sink OWNER course_sink"
  fi
}

postgres_env() {
  echo "export DATABASE_URL=postgres://course_sink:course_sink@$STACK_HOST:$STACK_POSTGRES_PORT/course_sink"
}
