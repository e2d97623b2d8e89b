-- Aspects' event_sink.course_overviews, exactly as tutor-contrib-aspects' alembic migration 0007 creates it.
-- Append-only history: every dump adds one row; readers pick max(modified) per course.
CREATE TABLE IF NOT EXISTS {database}.course_overviews
{on_cluster}
(
    org String NOT NULL,
    course_key String NOT NULL,
    display_name String NOT NULL,
    course_start String NOT NULL,
    course_end String NOT NULL,
    enrollment_start String NOT NULL,
    enrollment_end String NOT NULL,
    self_paced BOOL NOT NULL,
    course_data_json String NOT NULL,
    created String NOT NULL,
    modified String NOT NULL,
    dump_id UUID NOT NULL,
    time_last_dumped String NOT NULL
) engine = {engine}
    PRIMARY KEY (org, course_key, modified, time_last_dumped)
    ORDER BY (org, course_key, modified, time_last_dumped)
