-- Aspects' event_sink.object_tag, exactly as tutor-contrib-aspects' alembic migration 0039 creates it.
-- One row per write of an object tag; readers (dim_most_recent_object_tags) take each id's latest row.
CREATE TABLE IF NOT EXISTS {database}.object_tag
{on_cluster}
(
    id Int32,
    object_id String,
    taxonomy Int32,
    tag Int32,
    _value String,
    _export_id String,
    lineage String,
    dump_id UUID NOT NULL,
    time_last_dumped String NOT NULL
) engine = {replacing_engine}
    ORDER BY (id, time_last_dumped)
    PRIMARY KEY (id, time_last_dumped)
