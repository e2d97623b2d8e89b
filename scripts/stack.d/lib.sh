# Shared helpers for scripts/stack and its per-service files (stack.d/<service>.sh).
# Each service file defines <svc>_install, <svc>_start, <svc>_stop, <svc>_ready, <svc>_env and
# optionally <svc>_init (runs once everything is ready, e.g. to create a bucket).
STACK_DIR="${STACK_DIR:-$ROOT/.stack}"
mkdir -p "$STACK_DIR"

# Loopback ports, away from each server's default so a developer's own servers are left alone.
export STACK_HOST=127.0.0.1
export STACK_POSTGRES_PORT="${STACK_POSTGRES_PORT:-15432}"
export STACK_CLICKHOUSE_HTTP_PORT="${STACK_CLICKHOUSE_HTTP_PORT:-18123}"
export STACK_CLICKHOUSE_TCP_PORT="${STACK_CLICKHOUSE_TCP_PORT:-19000}"
export STACK_REDIS_PORT="${STACK_REDIS_PORT:-16379}"
export STACK_KAFKA_PORT="${STACK_KAFKA_PORT:-19092}"
export STACK_KAFKA_CONTROLLER_PORT="${STACK_KAFKA_CONTROLLER_PORT:-19093}"
export STACK_REGISTRY_PORT="${STACK_REGISTRY_PORT:-18081}"
export STACK_REGISTRY_MANAGEMENT_PORT="${STACK_REGISTRY_MANAGEMENT_PORT:-18082}"
export STACK_S3_PORT="${STACK_S3_PORT:-18090}"

log() { printf '[stack] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Per-service readiness deadline in seconds (cold JVM starts on 2 cores are slow).
READY_TIMEOUT="${STACK_READY_TIMEOUT:-180}"

# Polls <svc>_ready until it succeeds or the deadline passes; on failure prints the log tail.
wait_ready() {
  local svc="$1" deadline=$((SECONDS + READY_TIMEOUT))
  until "${svc}_ready" 2>/dev/null; do
    if [ -f "$STACK_DIR/$svc/pid" ] && ! kill -0 "$(cat "$STACK_DIR/$svc/pid")" 2>/dev/null; then
      log "$svc exited during start-up; last lines of $STACK_DIR/$svc/server.log:"
      tail -n 40 "$STACK_DIR/$svc/server.log" >&2 || true
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "$svc not ready after ${READY_TIMEOUT}s; last lines of $STACK_DIR/$svc/server.log:"
      tail -n 40 "$STACK_DIR/$svc/server.log" >&2 || true
      exit 1
    fi
    sleep 0.5
  done
  log "$svc: ready"
}

# Starts a long-running server in its own session, recording its pid; output goes to server.log.
start_bg() {
  local svc="$1"; shift
  mkdir -p "$STACK_DIR/$svc"
  setsid "$@" >>"$STACK_DIR/$svc/server.log" 2>&1 < /dev/null &
  echo $! >"$STACK_DIR/$svc/pid"
}

# Stops a server started by start_bg: TERM, then KILL after a deadline. Touches nothing else.
stop_pid() {
  local svc="$1" pidfile="$STACK_DIR/$1/pid" pid
  [ -f "$pidfile" ] || return 0
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; fi
    log "$svc: stopped"
  fi
  rm -f "$pidfile"
}

# True when something accepts TCP connections on 127.0.0.1:<port>.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# apt-get install, running apt-get update once per stack dir when the package is unknown.
apt_install() {
  local missing=()
  local p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]} from Debian's packages"
  if [ ! -f "$STACK_DIR/.apt-updated" ]; then apt-get update -qq && touch "$STACK_DIR/.apt-updated"; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Resolves Maven artifacts (with runtime dependencies) into <dir>/lib once; later runs reuse them.
# The Maven repository lives under the stack dir too, so a clean checkout caches everything in .stack/.
# A dependency with <type>/<classifier> (e.g. a tar.gz assembly) is copied as that file.
# usage: maven_fetch <dir> <pom-dependencies-xml>
maven_fetch() {
  local dir="$1" deps="$2" stamp
  # The stamp records which dependency list lib/ was resolved from, so editing the list refetches.
  stamp="$(printf '%s' "$deps" | sha256sum | cut -d' ' -f1)"
  if [ "$(cat "$dir/.fetched" 2>/dev/null)" = "$stamp" ]; then return 0; fi
  mkdir -p "$dir"
  cat >"$dir/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>local.stack</groupId><artifactId>$(basename "$dir")</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>$deps</dependencies></project>
POM
  log "fetching $(basename "$dir") artifacts from Maven Central (first run only)"
  rm -rf "${dir:?}/lib"
  mvn -q -B -Dmaven.repo.local="$STACK_DIR/m2" -f "$dir/pom.xml" \
    org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
    -DoutputDirectory="$dir/lib" -DincludeScope=runtime >"$dir/fetch.log" 2>&1 || { tail -n 30 "$dir/fetch.log" >&2; die "maven fetch failed for $dir"; }
  echo "$stamp" >"$dir/.fetched"
}
