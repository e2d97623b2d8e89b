-- Aspects' event_sink.taxonomy, exactly as tutor-contrib-aspects' alembic migration 0039 creates it.
-- One row per write of a taxonomy; readers (dim_most_recent_taxonomies) take each id's latest row.
CREATE TABLE IF NOT EXISTS {database}.taxonomy
{on_cluster}
(
    id Int32,
    name String,
    dump_id UUID NOT NULL,
    time_last_dumped String NOT NULL
) engine = {replacing_engine}
    ORDER BY (id, time_last_dumped)
    PRIMARY KEY (id, time_last_dumped)
