"""Capture log lines as the service writes them: JSON, formatted in the thread that logs.

caplog keeps records and formats them later, in the test's thread, where the correlation id of
the work that logged them is no longer bound; this handler formats each line when it is logged.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator

from service.logs import JsonFormatter


class _JsonLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@contextlib.contextmanager
def captured_log_lines(level: int = logging.INFO) -> Iterator[list[dict]]:
    """Collect every line logged at `level` or above, from any thread, while the block runs."""
    root = logging.getLogger()
    handler = _JsonLines()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield handler.lines
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)


def lines_of(lines: list[dict], logger: str) -> list[dict]:
    """The lines of one logger or its children."""
    return [
        line
        for line in lines
        if line["logger"] == logger or line["logger"].startswith(f"{logger}.")
    ]
