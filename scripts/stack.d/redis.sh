# Redis from Debian, with its config and data under .stack/redis; the password lives in the config file
# rather than on the command line so it does not show in the process list.
REDIS_DIR="$STACK_DIR/redis"
REDIS_PASSWORD=course-sink

redis_install() { apt_install redis-server; }

redis_write_config() {
  mkdir -p "$REDIS_DIR/data"
  cat >"$REDIS_DIR/redis.conf" <<EOF
bind $STACK_HOST
port $STACK_REDIS_PORT
protected-mode yes
requirepass $REDIS_PASSWORD
daemonize no
supervised no
logfile ""
loglevel notice
dir $REDIS_DIR/data
dbfilename dump.rdb
save 60 1000
appendonly no
EOF
  chmod 600 "$REDIS_DIR/redis.conf"
}

redis_start() {
  redis_write_config
  echo "--- stack start $(date -u +%FT%TZ)" >>"$REDIS_DIR/server.log"
  start_bg redis /usr/bin/redis-server "$REDIS_DIR/redis.conf"
}

redis_stop() { stop_pid redis; }

redis_ready() {
  [ "$(REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h "$STACK_HOST" -p "$STACK_REDIS_PORT" ping 2>/dev/null)" = PONG ]
}

redis_env() { echo "export EVENT_BUS_REDIS_URL=redis://:$REDIS_PASSWORD@$STACK_HOST:$STACK_REDIS_PORT/0"; }
