"""The Dockerfile: hadolint-clean, slim, non-root, no start-up DDL, a working HEALTHCHECK."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = PROJECT_ROOT / "Dockerfile"
BASE_IMAGE = "python:3.10-slim"


def instructions() -> list[tuple[str, str]]:
    """Return (INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            pairs.append((keyword.upper(), re.sub(r"\s+", " ", arguments.strip())))
    return pairs


def arguments_of(keyword: str) -> list[str]:
    return [arguments for name, arguments in instructions() if name == keyword]


def healthcheck_code() -> str:
    [healthcheck] = arguments_of("HEALTHCHECK")
    command = json.loads(healthcheck[healthcheck.index("CMD ") + 4 :])
    assert command[:2] == ["python", "-c"]
    return command[2]


def hadolint() -> str | None:
    beside_python = Path(sys.executable).parent / "hadolint"
    return str(beside_python) if beside_python.exists() else shutil.which("hadolint")


@pytest.mark.skipif(hadolint() is None, reason="hadolint is not installed (make venv)")
def test_hadolint_finds_nothing():
    result = subprocess.run(
        [hadolint(), str(DOCKERFILE)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_builds_wheels_in_a_slim_builder_and_installs_only_runtime_requirements():
    stages = arguments_of("FROM")
    assert stages == [f"{BASE_IMAGE} AS builder", BASE_IMAGE]
    runs = " ".join(arguments_of("RUN"))
    assert (
        "pip wheel --no-cache-dir --require-hashes --wheel-dir /wheels -r requirements/base.lock"
        in runs
    )
    assert "from=builder" in runs
    assert "--no-index --find-links=/wheels --require-hashes -r requirements/base.lock" in runs
    assert "requirements/dev" not in DOCKERFILE.read_text()


def test_it_runs_unbuffered_without_bytecode_writes_as_a_non_root_user():
    env = " ".join(arguments_of("ENV"))
    assert "PYTHONDONTWRITEBYTECODE=1" in env
    assert "PYTHONUNBUFFERED=1" in env
    [user] = arguments_of("USER")
    assert int(user.split(":")[0]) > 0


def test_the_default_command_is_gunicorn_in_exec_form_with_no_migrations():
    [command] = arguments_of("CMD")
    assert json.loads(command) == ["gunicorn", "-c", "gunicorn.conf.py"]
    text = DOCKERFILE.read_text()
    assert "migrate" not in text
    assert "bootstrap_dev_db" not in text
    assert "ENTRYPOINT" not in text


def test_the_healthcheck_asks_the_live_endpoint_with_python_only():
    code = healthcheck_code()
    assert "/api/health/live" in code
    assert "curl" not in " ".join(arguments_of("HEALTHCHECK"))


def test_the_healthcheck_fails_when_nothing_answers():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = subprocess.run(
        [sys.executable, "-c", healthcheck_code()],
        env={**os.environ, "PORT": str(port)},
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert result.returncode != 0


def test_the_build_context_leaves_out_local_state_tests_and_secrets():
    ignored = set((PROJECT_ROOT / ".dockerignore").read_text().split())
    assert {".venv", ".demo", ".bench", "tests", "dev", ".git", ".env"} <= ignored
    for kept in ("requirements", "service", "api", "ingestion", "schemas", "gunicorn.conf.py"):
        assert kept not in ignored
