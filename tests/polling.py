"""Deadline-bounded polling: wait for a condition itself, never for a fixed time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

POLL_INTERVAL_SECONDS = 0.02


def wait_until(condition: Callable[[], Any], seconds: float = 10, what: str = "condition") -> Any:
    """Return the first truthy value of `condition()`; fail once `seconds` have passed."""
    deadline = time.monotonic() + seconds
    pause = threading.Event()
    while time.monotonic() < deadline:
        if value := condition():
            return value
        pause.wait(POLL_INTERVAL_SECONDS)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")
