"""What `tutor config save` renders with the plugin, alone or with Aspects in either enable order."""

from __future__ import annotations

import json
import pathlib
import re
import subprocess

import yaml
from conftest import TutorRoot, tool, tutor_major

# tutor-contrib-aspects ships Jinja that Superset renders itself (dataset SQL, row-level security rules).
FOREIGN_JINJA = ("plugins/aspects/build/aspects-superset/", "plugins/aspects/apps/superset/")


def expected_env(root: TutorRoot, *, tags: bool = False) -> dict[str, str]:
    config = root.config()
    env = {
        "EVENT_BUS_BACKEND": "redis",
        "EVENT_BUS_REDIS_URL": "redis://@redis:6379/",
        "EVENT_BUS_TOPIC_PREFIX": "dev",
        "EVENT_BUS_TOPICS": "course-catalog-info-changed,course-authoring-xblock-lifecycle"
        + (",course-sink-content-object-associations" if tags else ""),
        "LMS_BASE_URL": "http://lms:8000",
        "LMS_OAUTH_CLIENT_ID": "course-sink",
        "LMS_OAUTH_CLIENT_SECRET": config["COURSE_SINK_OAUTH2_CLIENT_SECRET"],
        "CMS_BASE_URL": "http://cms:8000",
        "CLICKHOUSE_DATABASE": "event_sink",
        "HTTP_PORT": "8080",
        "LOG_LEVEL": "info",
        "DATA_DIR": "/data",
    }
    if root.aspects:
        env.update(
            CLICKHOUSE_URL="http://clickhouse:8123",
            CLICKHOUSE_USER="course_sink",
            CLICKHOUSE_PASSWORD=config["COURSE_SINK_CLICKHOUSE_PASSWORD"],
        )
    return env


def image_tag(root: TutorRoot) -> str:
    """The image name the plugin's default gives: Tutor's DOCKER_REGISTRY, then openedx/course-sink:<version>."""
    return f"{root.config_value('DOCKER_REGISTRY')}openedx/course-sink:0.1.0"


def read_env_file(path: pathlib.Path) -> dict[str, str]:
    pairs = [line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return {key: value for key, value in pairs}


def load_compose(root: TutorRoot) -> dict:
    local = root.env_dir / "local"
    files = ["docker-compose.yml", "docker-compose.prod.yml", "docker-compose.jobs.yml"]
    result = subprocess.run(
        [tool("COMPOSE_CHECK"), "-C", str(local), "-p", "tutor_local", *[str(local / f) for f in files]],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def manifests(root: TutorRoot, name: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(root.read(f"k8s/{name}")) if doc]


def find(docs: list[dict], kind: str, name: str) -> dict:
    matches = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def settings_blocks(text: str) -> list[str]:
    """The plugin's parts of a rendered settings file, each from its "# course-sink:" line to its end marker."""
    return re.findall(r"^# course-sink:.*?^# end of course-sink settings$", text, flags=re.M | re.S)


def test_leaves_no_template_markup_anywhere_in_the_environment(root: TutorRoot) -> None:
    leftovers = []
    for path in root.env_dir.rglob("*"):
        relative = path.relative_to(root.env_dir).as_posix()
        if not path.is_file() or relative.startswith(FOREIGN_JINJA):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if "{{" in text or "{%" in text:
            leftovers.append(relative)
    assert leftovers == []


def test_renders_the_service_environment_exactly(root: TutorRoot) -> None:
    env_file = root.env_dir / "plugins/course-sink/apps/course-sink.env"
    assert read_env_file(env_file) == expected_env(root)


def test_renders_every_optional_setting_into_the_environment(options_root: TutorRoot) -> None:
    env_file = options_root.env_dir / "plugins/course-sink/apps/course-sink.env"
    expected = expected_env(options_root, tags=True)
    expected.update(
        CLICKHOUSE_URL="https://clickhouse.example.org:8443",
        CLICKHOUSE_USER="course_sink",
        CLICKHOUSE_PASSWORD=options_root.config()["COURSE_SINK_CLICKHOUSE_PASSWORD"],
        CLICKHOUSE_DATABASE="sink",
        DATABASE_URL="postgres://catalog:secret@postgres.example.org:5432/catalog",
        S3_BUCKET="course-exports",
        S3_ENDPOINT="https://s3.example.org",
        S3_REGION="eu-west-1",
        AWS_ACCESS_KEY_ID="AKIAEXAMPLE",
        AWS_SECRET_ACCESS_KEY="aws-secret",
    )
    assert read_env_file(env_file) == expected


def test_compose_files_load_with_the_service_and_its_job(root: TutorRoot) -> None:
    project = load_compose(root)
    services = project["services"]
    data = str(root.path / "data/course-sink")
    for name in ("course-sink", "course-sink-job"):
        service = services[name]
        assert service["image"] == image_tag(root)
        assert service["environment"] == expected_env(root), name
        assert [(v["type"], v["source"], v["target"]) for v in service["volumes"]] == [("bind", data, "/data")]
    assert services["course-sink"]["command"] == ["consume"]
    assert services["course-sink"]["read_only"] is True
    depends = set(services["course-sink"]["depends_on"])
    assert depends == ({"permissions", "redis", "clickhouse"} if root.aspects else {"permissions", "redis"})
    # The permissions service chowns the data folder to the image's UID.
    assert (data, "/mounts/course-sink") in [(v["source"], v["target"]) for v in services["permissions"]["volumes"]]
    assert "setowner 10001 /mounts/course-sink" in root.read("apps/permissions/setowners.sh")


def test_compose_job_clears_the_image_entrypoint(root: TutorRoot) -> None:
    # compose-check drops an empty list when it prints a project, so the override is read from the file.
    jobs = yaml.safe_load(root.read("local/docker-compose.jobs.yml"))
    assert jobs["services"]["course-sink-job"]["entrypoint"] == []
    assert "command" not in jobs["services"]["course-sink-job"]


def test_k8s_manifests_pass_kubeconform(root: TutorRoot) -> None:
    schemas = tool("KUBE_SCHEMA_DIR")
    files = [str(root.env_dir / "k8s" / f) for f in ("deployments.yml", "services.yml", "jobs.yml", "volumes.yml")]
    result = subprocess.run(
        [
            tool("KUBECONFORM"),
            "-strict",
            "-summary",
            "-kubernetes-version",
            tool("KUBE_VERSION"),
            "-schema-location",
            schemas + "/{{.NormalizedKubernetesVersion}}-local{{.StrictSuffix}}/{{.ResourceKind}}{{.KindSuffix}}.json",
            *files,
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_k8s_runs_the_service_with_probes_and_a_job_that_bypasses_the_entrypoint(root: TutorRoot) -> None:
    deployment = find(manifests(root, "deployments.yml"), "Deployment", "course-sink")
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["consume"]
    assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["envFrom"] == [{"configMapRef": {"name": "course-sink-env"}}]
    assert {m["mountPath"] for m in container["volumeMounts"]} == {"/data", "/tmp"}

    service = find(manifests(root, "services.yml"), "Service", "course-sink")
    assert service["spec"]["selector"] == {"app.kubernetes.io/name": "course-sink"}

    job = find(manifests(root, "jobs.yml"), "Job", "course-sink-job")
    [job_container] = job["spec"]["template"]["spec"]["containers"]
    # tutor/commands/k8s.py replaces "command: []" with "sh -e -c" and puts the script in args.
    assert job_container["command"] == []
    assert job_container["envFrom"] == container["envFrom"]

    kustomization = yaml.safe_load(root.read("kustomization.yml"))
    [generator] = [g for g in kustomization["configMapGenerator"] if g["name"] == "course-sink-env"]
    assert read_env_file(root.env_dir / generator["envs"][0]) == expected_env(root)


def test_image_is_built_pulled_and_pushed_under_its_configured_tag(plain_root: TutorRoot) -> None:
    tag = plain_root.tutor("images", "printtag", "course-sink").stdout.strip()
    assert tag == image_tag(plain_root)
    dockerfile = plain_root.env_dir / "plugins/course-sink/build/course-sink/Dockerfile"
    assert "FROM ${NODE_IMAGE} AS runtime" in dockerfile.read_text(encoding="utf-8")


def test_build_dockerfile_is_the_repository_dockerfile_reading_sources_from_the_checkout() -> None:
    repo = pathlib.Path(__file__).resolve().parents[2]
    result = subprocess.run([str(repo / "scripts/tutor-dockerfile"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def stand_in_producer_config() -> dict:
    """EVENT_BUS_PRODUCER_CONFIG as cms/envs/common.py declares it: off, or Derived from a toggle."""

    class Derived:  # stands in for openedx.core.lib.derived.Derived, resolved after all settings load
        def __init__(self, fn):
            self.fn = fn

    xblock = {"course-authoring-xblock-lifecycle": {"event_key_field": "xblock_info.usage_key", "enabled": Derived(bool)}}
    return {
        "org.openedx.content_authoring.course.catalog_info.changed.v1": {
            "course-catalog-info-changed": {"event_key_field": "catalog_info.course_key", "enabled": False}
        },
        "org.openedx.content_authoring.xblock.published.v1": json_copy(xblock, Derived),
        "org.openedx.content_authoring.xblock.deleted.v1": json_copy(xblock, Derived),
        "org.openedx.content_authoring.xblock.duplicated.v1": json_copy(xblock, Derived),
        "org.openedx.learning.course.enrollment.changed.v1": {
            "learning-course-enrollment-lifecycle": {"event_key_field": "enrollment.course.course_key", "enabled": False}
        },
    }


def json_copy(xblock: dict, derived: type) -> dict:
    return {topic: {"event_key_field": v["event_key_field"], "enabled": derived(bool)} for topic, v in xblock.items()}


def run_cms_settings(root: TutorRoot) -> dict:
    namespace = {
        "EVENT_BUS_PRODUCER_CONFIG": stand_in_producer_config(),
        "COURSE_BLOCKS_API_EXTRA_FIELDS": [],
        # As tutor-contrib-aspects' openedx-common-settings sets it, before Studio's patch.
        "EVENT_SINK_CLICKHOUSE_COURSE_OVERVIEWS_ENABLED": True,
    }
    blocks = settings_blocks(root.read("apps/openedx/settings/cms/production.py"))
    assert len(blocks) == 2  # the common settings, then Studio's
    for block in blocks:
        exec(block, namespace)
    return namespace


def enabled_topics(config: dict) -> dict[str, list[str]]:
    return {
        event: sorted(topic for topic, conf in topics.items() if conf["enabled"] is True)
        for event, topics in config.items()
        if any(conf["enabled"] is True for conf in topics.values())
    }


def test_studio_sends_the_signals_course_sink_consumes(root: TutorRoot) -> None:
    settings = run_cms_settings(root)
    assert enabled_topics(settings["EVENT_BUS_PRODUCER_CONFIG"]) == {
        "org.openedx.content_authoring.course.catalog_info.changed.v1": ["course-catalog-info-changed"],
        "org.openedx.content_authoring.xblock.published.v1": ["course-authoring-xblock-lifecycle"],
        "org.openedx.content_authoring.xblock.deleted.v1": ["course-authoring-xblock-lifecycle"],
        "org.openedx.content_authoring.xblock.duplicated.v1": ["course-authoring-xblock-lifecycle"],
    }
    # Studio's own key fields are kept.
    catalog = settings["EVENT_BUS_PRODUCER_CONFIG"]["org.openedx.content_authoring.course.catalog_info.changed.v1"]
    assert catalog["course-catalog-info-changed"]["event_key_field"] == "catalog_info.course_key"
    assert settings["EVENT_SINK_CLICKHOUSE_COURSE_OVERVIEWS_ENABLED"] is False


def test_studio_sends_tag_changes_to_the_tags_topic_when_enabled(options_root: TutorRoot) -> None:
    config = run_cms_settings(options_root)["EVENT_BUS_PRODUCER_CONFIG"]
    event = "org.openedx.content_authoring.content.object.associations.changed.v1"
    assert config[event] == {
        "course-sink-content-object-associations": {"event_key_field": "content_object.object_id", "enabled": True}
    }


def test_redis_event_bus_is_configured_in_studio_only_where_tutor_does_not(root: TutorRoot) -> None:
    production = root.read("apps/openedx/settings/cms/production.py")
    ours = run_cms_settings(root)
    tutor_sets_it = "EVENT_BUS_PRODUCER = 'edx_event_bus_redis.create_producer'" in production
    assert tutor_sets_it == (tutor_major() >= 21)
    if tutor_sets_it:
        assert "EVENT_BUS_PRODUCER" not in ours
        # The values course-sink is given match what Tutor configures.
        assert "EVENT_BUS_REDIS_CONNECTION_URL = 'redis://@redis:6379/'" in production
        assert "EVENT_BUS_TOPIC_PREFIX = 'dev'" in production
    else:
        assert ours["EVENT_BUS_PRODUCER"] == "edx_event_bus_redis.create_producer"
        assert ours["EVENT_BUS_REDIS_CONNECTION_URL"] == "redis://@redis:6379/"
        assert ours["EVENT_BUS_TOPIC_PREFIX"] == "dev"


def test_aspects_course_sink_stays_off_after_aspects_turns_it_on(root: TutorRoot) -> None:
    production = root.read("apps/openedx/settings/cms/production.py")
    assignments = re.findall(r"^EVENT_SINK_CLICKHOUSE_COURSE_OVERVIEWS_ENABLED = (\w+)", production, flags=re.M)
    # Aspects' patch sets True earlier in the file (when enabled); the last assignment wins.
    assert assignments[-1] == "False"
    assert assignments[:-1] == (["True"] if root.aspects else [])


def test_blocks_api_extra_fields_are_appended_not_replaced(root: TutorRoot) -> None:
    for service in ("lms", "cms"):
        block = settings_blocks(root.read(f"apps/openedx/settings/{service}/production.py"))[0]
        namespace = {"COURSE_BLOCKS_API_EXTRA_FIELDS": [("course", "other_course_settings"), ("video", "edx_video_id")]}
        exec(block, namespace)
        assert namespace["COURSE_BLOCKS_API_EXTRA_FIELDS"] == [
            ("course", "other_course_settings"),
            ("video", "edx_video_id"),
            ("*", "edited_on"),
            ("*", "completion_mode"),
        ]
