-- Aspects' event_sink.tag, exactly as tutor-contrib-aspects' alembic migration 0039 creates it.
-- One row per write of a tag; readers (dim_most_recent_tags) take each id's latest row.
CREATE TABLE IF NOT EXISTS {database}.tag
{on_cluster}
(
    id Int32,
    taxonomy Int32,
    parent Int32,
    value String,
    external_id String,
    lineage String,
    dump_id UUID NOT NULL,
    time_last_dumped String NOT NULL
) engine = {replacing_engine}
    ORDER BY (id, time_last_dumped)
    PRIMARY KEY (id, time_last_dumped)
