"""Run Python code in a fresh interpreter, for tests that need a clean process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
STOP_TIMEOUT_SECONDS = 20


def run_python(code: str, env: dict | None = None, timeout: float = 120) -> str:
    """Run `code` with this interpreter in the project root; return stdout, fail on non-zero."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env=env if env is not None else dict(os.environ),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def run_module(module: str, *args: str, timeout: float) -> subprocess.CompletedProcess:
    """Run `python -m module args` as a user would (no test settings), in a session of its own.

    The module's own child processes (PostgreSQL, moto, gunicorn) share its process group, so a
    timeout stops every one of them and fails the test with what they printed.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    process = subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=STOP_TIMEOUT_SECONDS)
        pytest.fail(f"python -m {module} took over {timeout} s:\n{stdout}\n{stderr}")
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
