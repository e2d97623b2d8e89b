{% if COURSE_SINK_BACKFILL_ON_INIT %}
# Sync the courses that existed before course-sink; a rerun resumes and skips what is done.
course-sink backfill --all
{% endif %}
