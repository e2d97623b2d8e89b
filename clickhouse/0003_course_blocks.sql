-- Aspects' event_sink.course_blocks, exactly as alembic migration 0007 creates it.
-- Append-only history: every dump adds a full copy of the course; readers pick max(time_last_dumped) per location.
CREATE TABLE IF NOT EXISTS {database}.course_blocks
{on_cluster}
(
    org String NOT NULL,
    course_key String NOT NULL,
    location String NOT NULL,
    display_name String NOT NULL,
    xblock_data_json String NOT NULL,
    order Int32 default 0,
    edited_on String NOT NULL,
    dump_id UUID NOT NULL,
    time_last_dumped String NOT NULL
) engine = {engine}
    PRIMARY KEY (org, course_key, location, edited_on)
    ORDER BY (org, course_key, location, edited_on, order)
