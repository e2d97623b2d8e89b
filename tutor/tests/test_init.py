"""`tutor local do ...` with a docker stand-in that records its calls, and the rendered course-sink commands
run for real against the project's own test servers."""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys
import urllib.parse
import urllib.request
import uuid

import pytest
from conftest import REPO, TutorRoot, tool
from test_rendering import image_tag, read_env_file

STAND_IN = """#!{python}
import json, os, sys
with open(os.environ["DOCKER_CALLS"], "a") as calls:
    calls.write(json.dumps(sys.argv[1:]) + "\\n")
# Tutor asks which compose projects run (`docker compose ls --format json`) before running jobs.
if "ls" in sys.argv[1:]:
    print("[]")
"""


_done: dict[tuple[str, ...], list[tuple[str, str]]] = {}


def run_do(root: TutorRoot, tmp_path: pathlib.Path, *args: str) -> list[tuple[str, str]]:
    """Runs `tutor local do ARGS` and returns the (job service, script) of every job it ran; each
    command runs once per root, as the jobs it records never change."""
    key = (str(root.path), *args)
    if key not in _done:
        _done[key] = _record_do(root, tmp_path, *args)
    return _done[key]


def record_docker(root: TutorRoot, tmp_path: pathlib.Path, *args: str) -> list[list[str]]:
    """Runs `tutor ARGS` with the docker stand-in first on PATH and returns the argv of each docker call."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    docker = bin_dir / "docker"
    docker.write_text(STAND_IN.format(python=sys.executable), encoding="utf-8")
    docker.chmod(0o755)
    calls = tmp_path / "docker-calls.jsonl"
    calls.unlink(missing_ok=True)
    root.tutor(*args, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", DOCKER_CALLS=str(calls))
    return [json.loads(line) for line in calls.read_text(encoding="utf-8").splitlines()]


def _record_do(root: TutorRoot, tmp_path: pathlib.Path, *args: str) -> list[tuple[str, str]]:
    jobs = []
    for argv in record_docker(root, tmp_path, "local", "do", *args):
        if "run" not in argv:
            continue
        # docker compose -f … run --rm [-T] <service> sh -e -c <script> (tutor/commands/compose.py run_task)
        tail = argv[argv.index("run") + 1 :]
        tail = [a for a in tail if a not in ("--rm", "-T")]
        service, shell, script = tail[0], tail[1:4], tail[4]
        assert shell == ["sh", "-e", "-c"]
        jobs.append((service, script))
    return jobs


def commands(script: str) -> list[str]:
    """The script's command lines, comments and blank lines left out, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", "", script)
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


def index_of(jobs: list[tuple[str, str]], service: str, needle: str) -> int:
    found = [i for i, (s, script) in enumerate(jobs) if s == service and needle in script]
    assert len(found) == 1, f"{needle!r} in {service}: {len(found)} jobs"
    return found[0]


def test_init_creates_the_lms_client_then_migrates_then_backfills(root: TutorRoot, tmp_path: pathlib.Path) -> None:
    jobs = run_do(root, tmp_path, "init")
    config = root.config()
    user = index_of(jobs, "lms-job", "manage_user course_sink")
    assert commands(jobs[user][1])[:2] == [
        "./manage.py lms manage_user course_sink course-sink@openedx --staff --superuser --unusable-password",
        "./manage.py lms create_dot_application --grant-type client-credentials --client-id course-sink "
        f"--client-secret {config['COURSE_SINK_OAUTH2_CLIENT_SECRET']} --update course-sink course_sink",
    ]
    migrate = index_of(jobs, "course-sink-job", "course-sink migrate")
    backfill = index_of(jobs, "course-sink-job", "course-sink backfill")
    assert commands(jobs[migrate][1]) == ["course-sink migrate"]
    assert commands(jobs[backfill][1]) == ["course-sink backfill --all"]
    # The LMS user comes after Tutor's own LMS migrations; course-sink's tasks last, in order.
    lms_migrate = index_of(jobs, "lms-job", "./manage.py lms migrate")
    assert lms_migrate < user < migrate < backfill == len(jobs) - 1

    if root.aspects:
        clickhouse = index_of(jobs, "clickhouse-job", "Initialising Clickhouse")
        password = config["COURSE_SINK_CLICKHOUSE_PASSWORD"]
        sql = commands(jobs[clickhouse][1])
        assert f"CREATE USER IF NOT EXISTS course_sink  IDENTIFIED WITH sha256_password BY '{password}';" in sql
        assert "GRANT  INSERT, SELECT, DELETE ON event_sink.* TO 'course_sink';" in sql
        # Aspects' own sink off in the database too, in the same task as the service user.
        assert (
            "./manage.py lms waffle_flag --create --deactivate event_sink_clickhouse.course_overviews.enabled"
            in commands(jobs[user][1])
        )
        assert clickhouse < migrate
    else:
        assert not any(service == "clickhouse-job" for service, _ in jobs)
        assert "waffle_flag" not in jobs[user][1]


def test_init_can_be_limited_to_course_sink(aspects_root: TutorRoot, tmp_path: pathlib.Path) -> None:
    jobs = run_do(aspects_root, tmp_path, "init", "--limit", "course-sink")
    assert [service for service, _ in jobs] == ["lms-job", "course-sink-job", "course-sink-job"]


def test_backfill_command_runs_in_the_course_sink_job(plain_root: TutorRoot, tmp_path: pathlib.Path) -> None:
    root = plain_root
    assert run_do(root, tmp_path, "course-sink-backfill") == [("course-sink-job", "course-sink backfill --all")]
    assert run_do(root, tmp_path, "course-sink-backfill", "--org", "edX", "--restart") == [
        ("course-sink-job", "course-sink backfill --org 'edX' --restart")
    ]


def test_image_builds_from_a_mounted_checkout(options_root: TutorRoot, tmp_path: pathlib.Path) -> None:
    checkout = tmp_path / "src" / "course-sink"
    checkout.mkdir(parents=True)
    options_root.tutor("mounts", "add", str(checkout))
    builds = [argv for argv in record_docker(options_root, tmp_path, "images", "build", "course-sink") if "build" in argv]
    assert len(builds) == 1
    build = builds[0]
    assert str(options_root.env_dir / "plugins/course-sink/build/course-sink") in build
    assert f"--build-context=course-sink-src={checkout}" in build
    assert f"--tag={image_tag(options_root)}" in build


def stack_env() -> dict[str, str]:
    out = subprocess.run([str(REPO / "scripts/stack"), "env"], check=True, capture_output=True, text=True).stdout
    return dict(re.findall(r"^export ([A-Z0-9_]+)=(.*)$", out, flags=re.M))


def clickhouse(stack: dict[str, str], sql: str) -> str:
    query = urllib.parse.urlencode({"user": stack["CLICKHOUSE_USER"], "password": stack["CLICKHOUSE_PASSWORD"]})
    request = urllib.request.Request(f"{stack['CLICKHOUSE_URL']}/?{query}", data=sql.encode(), method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode()


@pytest.fixture
def test_lms(aspects_root: TutorRoot):
    """The repository's test LMS and Studio (their URLs), accepting the client the plugin rendered, with the demo course."""
    env = read_env_file(aspects_root.env_dir / "plugins/course-sink/apps/course-sink.env")
    process = subprocess.Popen(
        [
            str(REPO / "node_modules/.bin/tsx"),
            str(REPO / "test/peers/openedx/server.ts"),
            "--fixtures",
            str(REPO / "test/fixtures/demo-course"),
            "--client-id",
            env["LMS_OAUTH_CLIENT_ID"],
            "--client-secret",
            env["LMS_OAUTH_CLIENT_SECRET"],
            "--username",
            aspects_root.config().get("COURSE_SINK_LMS_USERNAME", "course_sink"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=REPO,
    )
    try:
        url = process.stdout.readline().strip()
        studio = process.stdout.readline().strip()
        assert url.startswith("http://") and studio.startswith("http://"), "the test LMS did not start"
        yield url, studio
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_rendered_migrate_and_backfill_run_against_real_servers(
    aspects_root: TutorRoot, tmp_path: pathlib.Path, test_lms: tuple[str, str]
) -> None:
    jobs = run_do(aspects_root, tmp_path, "init", "--limit", "course-sink")
    scripts = [script for service, script in jobs if service == "course-sink-job"]
    stack = stack_env()
    database = f"tutor_{uuid.uuid4().hex[:12]}"
    clickhouse(stack, f"CREATE DATABASE {database}")
    try:
        # The env the plugin renders, with only what names the deployment's hosts pointed at this machine.
        env = read_env_file(aspects_root.env_dir / "plugins/course-sink/apps/course-sink.env")
        env.update(
            CLICKHOUSE_URL=stack["CLICKHOUSE_URL"],
            CLICKHOUSE_USER=stack["CLICKHOUSE_USER"],
            CLICKHOUSE_PASSWORD=stack["CLICKHOUSE_PASSWORD"],
            CLICKHOUSE_DATABASE=database,
            EVENT_BUS_REDIS_URL=stack["EVENT_BUS_REDIS_URL"],
            LMS_BASE_URL=test_lms[0],
            CMS_BASE_URL=test_lms[1],
            DATA_DIR=str(tmp_path / "data"),
            HOME=str(tmp_path),
        )
        # `course-sink` in the image is the built CLI; here it is the sources, on the project's Node.
        bin_dir = tmp_path / "course-sink-bin"
        bin_dir.mkdir()
        shim = bin_dir / "course-sink"
        shim.write_text(
            f'#!/bin/sh\nexec "{REPO}/node_modules/.bin/tsx" "{REPO}/src/cli/main.ts" "$@"\n', encoding="utf-8"
        )
        shim.chmod(0o755)
        env["PATH"] = f"{bin_dir}{os.pathsep}{REPO}/node_modules/.bin{os.pathsep}/usr/bin:/bin"
        for script in scripts:
            result = subprocess.run(["sh", "-e", "-c", script], env=env, capture_output=True, text=True, timeout=300)
            assert result.returncode == 0, f"{script}\n{result.stdout}\n{result.stderr}"
        tables = clickhouse(stack, f"SHOW TABLES FROM {database}").split()
        assert {"course_overviews", "course_blocks", "course_relationships"} <= set(tables)
        synced = clickhouse(stack, f"SELECT DISTINCT course_key FROM {database}.course_overviews").split()
        assert synced == ["course-v1:OpenedX+DemoX+DemoCourse"]
    finally:
        clickhouse(stack, f"DROP DATABASE IF EXISTS {database}")
