# ClickHouse and Postgres migrations; idempotent and locked, safe to rerun on every init.
course-sink migrate
