"""
Fixtures: a Tutor project root per plugin combination, rendered by the Tutor of the running virtualenv.

scripts/tutor-test runs this suite once per supported Tutor major, each in its own virtualenv under
.stack/tutor/<major>, with the tools it needs (compose-check, kubeconform and its schemas) passed in the
environment.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import typing as t

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
TUTOR = pathlib.Path(sys.executable).parent / "tutor"

# How Aspects is combined with the plugin: absent, enabled before it, enabled after it.
COMBINATIONS = {
    "no-aspects": ["course-sink"],
    "aspects-before": ["aspects", "course-sink"],
    "aspects-after": ["course-sink", "aspects"],
}


def tool(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run this suite through scripts/tutor-test")
    return value


class TutorRoot:
    """A TUTOR_ROOT with some plugins enabled and `tutor config save` done."""

    def __init__(self, path: pathlib.Path, plugins: list[str]):
        self.path = path
        self.plugins = plugins
        self.env_dir = path / "env"
        self._values: dict[str, str] = {}

    @property
    def aspects(self) -> bool:
        return "aspects" in self.plugins

    def environ(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            TUTOR_ROOT=str(self.path),
            TUTOR_PLUGINS_ROOT=str(self.path / "plugins"),
        )
        env.update(extra)
        return env

    def tutor(self, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(TUTOR), *args], env=self.environ(**extra), check=True, capture_output=True, text=True
        )

    def config(self) -> dict[str, t.Any]:
        return yaml.safe_load((self.path / "config.yml").read_text(encoding="utf-8"))

    def config_value(self, name: str) -> str:
        """A rendered config value (defaults included), read once per root."""
        if name not in self._values:
            self._values[name] = self.tutor("config", "printvalue", name).stdout.strip()
        return self._values[name]

    def read(self, relative: str) -> str:
        return (self.env_dir / relative).read_text(encoding="utf-8")


def make_root(base: pathlib.Path, plugins: list[str], *settings: str) -> TutorRoot:
    root = TutorRoot(base, plugins)
    base.mkdir(parents=True, exist_ok=True)
    # Enabling one at a time is what an operator does, and the order is the point of the combinations.
    for plugin in plugins:
        root.tutor("plugins", "enable", plugin)
    args = ["config", "save"]
    for setting in settings:
        args += ["--set", setting]
    root.tutor(*args)
    return root


_roots: dict[str, TutorRoot] = {}


def combination(name: str, tmp_path_factory: pytest.TempPathFactory) -> TutorRoot:
    # Rendering costs several Tutor runs: each combination is rendered once per session and shared.
    if name not in _roots:
        _roots[name] = make_root(tmp_path_factory.mktemp(name), COMBINATIONS[name])
    return _roots[name]


@pytest.fixture(scope="session", params=list(COMBINATIONS), ids=list(COMBINATIONS))
def root(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> TutorRoot:
    return combination(request.param, tmp_path_factory)


@pytest.fixture(scope="session")
def plain_root(tmp_path_factory: pytest.TempPathFactory) -> TutorRoot:
    """For behaviour that Aspects does not change: the plugin alone."""
    return combination("no-aspects", tmp_path_factory)


@pytest.fixture(scope="session")
def aspects_root(tmp_path_factory: pytest.TempPathFactory) -> TutorRoot:
    return combination("aspects-after", tmp_path_factory)


# Every optional setting given, without Aspects: tags, an external ClickHouse, Postgres and S3.
OPTIONS = {
    "COURSE_SINK_TAGS_ENABLED": "true",
    "COURSE_SINK_CLICKHOUSE_URL": "https://clickhouse.example.org:8443",
    "COURSE_SINK_CLICKHOUSE_DATABASE": "sink",
    "COURSE_SINK_DATABASE_URL": "postgres://catalog:secret@postgres.example.org:5432/catalog",
    "COURSE_SINK_S3_BUCKET": "course-exports",
    "COURSE_SINK_S3_ENDPOINT": "https://s3.example.org",
    "COURSE_SINK_S3_REGION": "eu-west-1",
    "COURSE_SINK_AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
    "COURSE_SINK_AWS_SECRET_ACCESS_KEY": "aws-secret",
}


@pytest.fixture(scope="session")
def options_root(tmp_path_factory: pytest.TempPathFactory) -> TutorRoot:
    settings = [f"{name}={value}" for name, value in OPTIONS.items()]
    return make_root(tmp_path_factory.mktemp("options"), ["course-sink"], *settings)


def tutor_major() -> int:
    from tutor.__about__ import __version__

    return int(__version__.split(".")[0])

