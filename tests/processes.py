"""Run Python code in a fresh interpreter, for tests that need a clean process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


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
