-- course-sink's record of every course dump it completed, with the fingerprint of its content: a sync
-- whose rows equal the latest dump's writes no new dump, so re-fetches and replays cost no rows.
-- Written after the dump's rows, so a recorded dump is a whole one. A dump that only amends the tags of an
-- earlier one (its changed rows alone) names that earlier dump as its base.
CREATE TABLE IF NOT EXISTS {database}.course_sink_dumps
{on_cluster}
(
    course_key String,
    dump_id UUID,
    base_dump_id UUID,
    fingerprint String,
    structure_fingerprint String,
    time_last_dumped String
) engine = {engine}
    ORDER BY (course_key, time_last_dumped)
