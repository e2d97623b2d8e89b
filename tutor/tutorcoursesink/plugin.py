"""
Tutor plugin for course-sink.

Every hook and patch name used here exists unchanged in Tutor 19 to 22; the file each fact mirrors is named
next to it (paths inside the tutor, tutor-contrib-aspects and edx-platform repositories).
"""

from __future__ import annotations

import os
import typing as t

import click
from tutor import hooks

from importlib import resources as importlib_resources

from .__about__ import __version__

PLUGIN_ROOT = str(importlib_resources.files("tutorcoursesink"))
TEMPLATES = os.path.join(PLUGIN_ROOT, "templates")

########################################
# CONFIGURATION
########################################

# Values that embed another plugin's templated values (Aspects' CLICKHOUSE_*) are not defaults: Tutor
# renders each config value once, in load order (tutor/config.py), so such a default could stay
# half-rendered. The templates build them instead (templates/course-sink/apps/course-sink.env).
hooks.Filters.CONFIG_DEFAULTS.add_items(
    [
        ("COURSE_SINK_VERSION", __version__),
        ("COURSE_SINK_DOCKER_IMAGE", "{{ DOCKER_REGISTRY }}openedx/course-sink:{{ COURSE_SINK_VERSION }}"),
        ("COURSE_SINK_HTTP_PORT", 8080),
        ("COURSE_SINK_REPLICAS", 1),
        ("COURSE_SINK_LOG_LEVEL", "info"),
        # The global-staff service user course-sink reads the LMS APIs as, and its OAuth2 application.
        ("COURSE_SINK_LMS_USERNAME", "course_sink"),
        ("COURSE_SINK_LMS_EMAIL", "course-sink@openedx"),
        ("COURSE_SINK_OAUTH2_APPLICATION", "course-sink"),
        ("COURSE_SINK_OAUTH2_CLIENT_ID", "course-sink"),
        # The LMS and Studio as seen from inside the deployment (the compose/k8s service names).
        ("COURSE_SINK_LMS_BASE_URL", "http://lms:8000"),
        ("COURSE_SINK_CMS_BASE_URL", "http://cms:8000"),
        # The bus: Tutor 21+ configures edx-event-bus-redis on this Redis with prefix "dev"
        # (tutor/templates/apps/openedx/settings/partials/common_all.py); on 19 and 20 this plugin sets the
        # same in Studio, so one value serves both sides.
        (
            "COURSE_SINK_EVENT_BUS_REDIS_URL",
            "redis://{% if REDIS_USERNAME and REDIS_PASSWORD %}{{ REDIS_USERNAME }}:{{ REDIS_PASSWORD }}{% endif %}"
            "@{{ REDIS_HOST }}:{{ REDIS_PORT }}/",
        ),
        ("COURSE_SINK_EVENT_BUS_TOPIC_PREFIX", "dev"),
        # Content tags: Studio sends CONTENT_OBJECT_ASSOCIATIONS_CHANGED to this topic when enabled.
        ("COURSE_SINK_TAGS_ENABLED", False),
        ("COURSE_SINK_TAGS_TOPIC", "course-sink-content-object-associations"),
        # ClickHouse: empty means Aspects' ClickHouse when Aspects is enabled, else the embedded engine.
        ("COURSE_SINK_CLICKHOUSE_URL", ""),
        ("COURSE_SINK_CLICKHOUSE_USER", "course_sink"),
        ("COURSE_SINK_CLICKHOUSE_DATABASE", ""),
        # Postgres catalog and S3 archives are optional: empty runs the embedded store under /data.
        ("COURSE_SINK_DATABASE_URL", ""),
        ("COURSE_SINK_S3_BUCKET", ""),
        ("COURSE_SINK_S3_ENDPOINT", ""),
        ("COURSE_SINK_S3_REGION", ""),
        ("COURSE_SINK_AWS_ACCESS_KEY_ID", ""),
        ("COURSE_SINK_AWS_SECRET_ACCESS_KEY", ""),
        # Sync every existing course at the end of `tutor ... do init`.
        ("COURSE_SINK_BACKFILL_ON_INIT", True),
        ("COURSE_SINK_K8S_VOLUME_SIZE", "5Gi"),
    ]
)

# Generated once by `tutor config save` and kept in config.yml.
hooks.Filters.CONFIG_UNIQUE.add_items(
    [
        ("COURSE_SINK_OAUTH2_CLIENT_SECRET", "{{ 32|random_string }}"),
        ("COURSE_SINK_CLICKHOUSE_PASSWORD", "{{ 24|random_string }}"),
    ]
)

########################################
# TEMPLATES AND PATCHES
########################################

hooks.Filters.ENV_TEMPLATE_ROOTS.add_item(TEMPLATES)
hooks.Filters.ENV_TEMPLATE_TARGETS.add_items(
    [
        ("course-sink/build", "plugins"),
        ("course-sink/apps", "plugins"),
    ]
)

for _name in sorted(os.listdir(os.path.join(PLUGIN_ROOT, "patches"))):
    with open(os.path.join(PLUGIN_ROOT, "patches", _name), encoding="utf-8") as _patch:
        hooks.Filters.ENV_PATCHES.add_item((_name, _patch.read()))

########################################
# IMAGES
########################################

# Built from a checkout of the course-sink repository, made the "course-sink-src" build context by
# `tutor mounts add /path/to/course-sink` (IMAGES_BUILD_MOUNTS, tutor/hooks/catalog.py), otherwise pulled.
hooks.Filters.IMAGES_BUILD.add_item(
    (
        "course-sink",
        ("plugins", "course-sink", "build", "course-sink"),
        "{{ COURSE_SINK_DOCKER_IMAGE }}",
        (),
    )
)
hooks.Filters.IMAGES_PULL.add_item(("course-sink", "{{ COURSE_SINK_DOCKER_IMAGE }}"))
hooks.Filters.IMAGES_PUSH.add_item(("course-sink", "{{ COURSE_SINK_DOCKER_IMAGE }}"))


# Items are (image name, build stage): tutor/commands/images.py get_image_build_contexts passes the mounted
# path as --build-context=<stage>=<path> when building that image.
@hooks.Filters.IMAGES_BUILD_MOUNTS.add()
def _mount_course_sink_source(mounts: list[tuple[str, str]], path: str) -> list[tuple[str, str]]:
    if os.path.basename(os.path.normpath(path)) == "course-sink":
        mounts.append(("course-sink", "course-sink-src"))
    return mounts


########################################
# INIT TASKS
########################################

# Tutor's own init tasks have the default priority 10 (tutor/commands/jobs.py) and Aspects' run at 92-97
# (tutoraspects/plugin.py MY_INIT_TASKS), its ClickHouse users and grants at 93 (init-clickhouse.sh, where
# this plugin's clickhouse-extra-sql patch lands). Ours come after all of them, in this order.
INIT_TASKS: list[tuple[str, tuple[str, ...], int]] = [
    ("lms", ("course-sink", "jobs", "init", "lms.sh"), 98),
    ("course-sink", ("course-sink", "jobs", "init", "migrate.sh"), 100),
    ("course-sink", ("course-sink", "jobs", "init", "backfill.sh"), 101),
]

for _service, _path, _priority in INIT_TASKS:
    with open(os.path.join(TEMPLATES, *_path), encoding="utf-8") as _task:
        hooks.Filters.CLI_DO_INIT_TASKS.add_item((_service, _task.read()), priority=_priority)


########################################
# COMMANDS
########################################


@click.command(name="course-sink-backfill", help="Sync existing courses into course-sink's stores")
@click.option("--org", help="Only the courses of this organisation")
@click.option("--restart", is_flag=True, help="Forget the progress of an earlier run and start over")
def course_sink_backfill(org: t.Optional[str], restart: bool) -> t.Iterable[tuple[str, str]]:
    args = ["course-sink", "backfill"]
    args += ["--org", _shell_quote(org)] if org else ["--all"]
    if restart:
        args.append("--restart")
    yield ("course-sink", " ".join(args))


def _shell_quote(value: str) -> str:
    return "'" + value.replace("'", "'\"'\"'") + "'"


hooks.Filters.CLI_DO_COMMANDS.add_item(course_sink_backfill)
