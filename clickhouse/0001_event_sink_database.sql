-- The database Aspects calls ASPECTS_EVENT_SINK_DATABASE (init-clickhouse.sh creates it the same way).
CREATE DATABASE IF NOT EXISTS {database} {on_cluster}
