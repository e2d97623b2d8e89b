-- course-sink's own ledger of applied migration files. ReplacingMergeTree keyed by name: when several
-- pods apply the same file at once, each records it and the duplicates collapse into one row.
CREATE TABLE IF NOT EXISTS {database}.course_sink_migrations
{on_cluster}
(
    name String,
    checksum String,
    applied_at DateTime
) engine = {replacing_engine}
    ORDER BY (name)
