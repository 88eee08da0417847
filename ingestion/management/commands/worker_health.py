"""python manage.py worker_health [--max-age 120]: a liveness probe for the SQS worker.

Exits 0 when the worker touched its heartbeat file within --max-age seconds, 1 otherwise.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

DEFAULT_MAX_AGE_SECONDS = 120


class Command(BaseCommand):
    help = "Exit non-zero when the SQS worker's heartbeat file is missing or stale."
    # A probe runs every few seconds: skip the system checks, they say nothing about liveness.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-age",
            type=int,
            default=DEFAULT_MAX_AGE_SECONDS,
            help=f"seconds (default {DEFAULT_MAX_AGE_SECONDS})",
        )
        parser.add_argument("--heartbeat-file", type=Path, help="default: WORKER_HEARTBEAT_FILE")

    def handle(self, *args, max_age: int, heartbeat_file: Path | None, **options):
        path = heartbeat_file or Path(settings.WORKER_HEARTBEAT_FILE)
        age = heartbeat_age(path)
        if age is None:
            raise CommandError(f"{path} is missing: the worker has not polled yet")
        if age > max_age:
            raise CommandError(f"{path} is {age:.0f} s old (max {max_age} s): the worker is stuck")
        self.stdout.write(f"ok: the worker polled {age:.0f} s ago")


def heartbeat_age(path: Path) -> float | None:
    """Seconds since the worker last touched `path`; None when it does not exist.

    Read here rather than imported from the worker: a probe should not load the pipeline.
    """
    try:
        return max(0.0, time.time() - path.stat().st_mtime)
    except FileNotFoundError:
        return None
