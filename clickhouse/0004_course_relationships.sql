-- Aspects' legacy event_sink.course_relationships (alembic migration 0007). No Aspects model reads it and
-- aspects-dbt's remove_deprecated_models drops it; the writer fills it only while it exists.
CREATE TABLE IF NOT EXISTS {database}.course_relationships
{on_cluster}
(
    course_key String NOT NULL,
    parent_location String NOT NULL,
    child_location String NOT NULL,
    order Int32 NOT NULL,
    dump_id UUID NOT NULL,
    time_last_dumped String NOT NULL
) engine = {engine}
    PRIMARY KEY (course_key, parent_location, child_location, time_last_dumped)
    ORDER BY (course_key, parent_location, child_location, time_last_dumped, order)
