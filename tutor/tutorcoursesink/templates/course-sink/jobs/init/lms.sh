# The global-staff service user course-sink reads the LMS Blocks and Courses APIs as, and its
# client-credentials application; both commands are idempotent (--update), as tutor-discovery uses them.
./manage.py lms manage_user {{ COURSE_SINK_LMS_USERNAME }} {{ COURSE_SINK_LMS_EMAIL }} --staff --superuser --unusable-password
./manage.py lms create_dot_application \
  --grant-type client-credentials \
  --client-id {{ COURSE_SINK_OAUTH2_CLIENT_ID }} \
  --client-secret {{ COURSE_SINK_OAUTH2_CLIENT_SECRET }} \
  --update {{ COURSE_SINK_OAUTH2_APPLICATION }} {{ COURSE_SINK_LMS_USERNAME }}
{% if "aspects" in PLUGINS %}
# Aspects' course sink runs when its setting or this waffle flag is on (platform-plugin-aspects
# sinks/base_sink.py is_enabled); the setting is turned off in Studio's settings, the flag here, so that
# course-sink alone dumps courses. Same command as tutor/commands/upgrade/common.py uses.
./manage.py lms waffle_flag --create --deactivate event_sink_clickhouse.course_overviews.enabled
{% endif %}
