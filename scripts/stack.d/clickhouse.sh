# ClickHouse 18.16 from Debian, configured entirely from files under .stack/clickhouse (nothing in /etc is read).
# 18.16 has no check against running as root, so it runs as the invoking user and owns its own directory.
CH_DIR="$STACK_DIR/clickhouse"
CH_INTERSERVER_PORT="${STACK_CLICKHOUSE_INTERSERVER_PORT:-19009}"
CH_USER=course_sink
CH_PASSWORD=course_sink
CH_DATABASE=event_sink

clickhouse_install() { apt_install clickhouse-server clickhouse-client; }

clickhouse_write_config() {
  mkdir -p "$CH_DIR/data" "$CH_DIR/tmp" "$CH_DIR/user_files" "$CH_DIR/format_schemas" "$CH_DIR/log"
  # Server timezone is UTC so DateTime values read back the same on every machine.
  cat >"$CH_DIR/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger>
    <level>information</level>
    <console>1</console>
    <errorlog>$CH_DIR/log/clickhouse-server.err.log</errorlog>
    <size>100M</size>
    <count>2</count>
  </logger>
  <listen_host>$STACK_HOST</listen_host>
  <http_port>$STACK_CLICKHOUSE_HTTP_PORT</http_port>
  <tcp_port>$STACK_CLICKHOUSE_TCP_PORT</tcp_port>
  <interserver_http_port>$CH_INTERSERVER_PORT</interserver_http_port>
  <interserver_http_host>$STACK_HOST</interserver_http_host>
  <path>$CH_DIR/data/</path>
  <tmp_path>$CH_DIR/tmp/</tmp_path>
  <user_files_path>$CH_DIR/user_files/</user_files_path>
  <format_schema_path>$CH_DIR/format_schemas/</format_schema_path>
  <users_config>$CH_DIR/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <max_connections>256</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>50</max_concurrent_queries>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <mark_cache_size>268435456</mark_cache_size>
  <mlock_executable>false</mlock_executable>
  <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
  <max_session_timeout>3600</max_session_timeout>
  <default_session_timeout>60</default_session_timeout>
</yandex>
EOF
  cat >"$CH_DIR/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <profiles>
    <default>
      <max_memory_usage>2000000000</max_memory_usage>
      <load_balancing>random</load_balancing>
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
    <$CH_USER>
      <password>$CH_PASSWORD</password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </$CH_USER>
  </users>
  <quotas>
    <default>
      <interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval>
    </default>
  </quotas>
</yandex>
EOF
}

clickhouse_start() {
  clickhouse_write_config
  echo "--- stack start $(date -u +%FT%TZ)" >>"$CH_DIR/server.log"
  start_bg clickhouse /usr/sbin/clickhouse-server --config-file="$CH_DIR/config.xml"
}

clickhouse_stop() { stop_pid clickhouse; }

clickhouse_ready() {
  [ "$(curl -fsS --max-time 2 "http://$STACK_HOST:$STACK_CLICKHOUSE_HTTP_PORT/ping" 2>/dev/null)" = "Ok." ]
}

clickhouse_init() {
  curl -fsS --max-time 30 -u "$CH_USER:$CH_PASSWORD" --data-binary "CREATE DATABASE IF NOT EXISTS $CH_DATABASE" \
    "http://$STACK_HOST:$STACK_CLICKHOUSE_HTTP_PORT/" >/dev/null \
    || die "clickhouse: could not create database $CH_DATABASE; see $CH_DIR/server.log"
}

clickhouse_env() {
  echo "export CLICKHOUSE_URL=http://$STACK_HOST:$STACK_CLICKHOUSE_HTTP_PORT"
  echo "export CLICKHOUSE_USER=$CH_USER"
  echo "export CLICKHOUSE_PASSWORD=$CH_PASSWORD"
  echo "export CLICKHOUSE_DATABASE=$CH_DATABASE"
}
