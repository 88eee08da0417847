"""python manage.py detect_missing_files [--now ISO]"""

from __future__ import annotations

import argparse
import zoneinfo
from datetime import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from ingestion import correlation
from ingestion.errors import database_unavailable
from ingestion.notify.missing import detect_missing_files


def parse_now(text: str) -> datetime:
    """Read an ISO 8601 moment; one without an offset is read in QUALITY_TIME_ZONE."""
    text = text.strip()
    if text[-1:] in ("Z", "z"):  # fromisoformat reads the Z suffix only from Python 3.11 on
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date and time: {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(settings.QUALITY_TIME_ZONE))
    return moment


class Command(BaseCommand):
    help = (
        "Flag active monitoring files with no run in their expected period and alert on Slack. "
        "Ranges hourly, daily, weekly (ISO, Monday first) and monthly are periods in "
        "QUALITY_TIME_ZONE; each file is checked against the most recent period that began at "
        "least MISSING_GRACE_MINUTES ago (at 00:30 with 60 minutes of grace a daily file is "
        "checked against yesterday). A file already missing is not alerted again; other ranges "
        "are skipped with a warning."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            type=parse_now,
            help="check as if it were this moment (ISO 8601; without an offset: QUALITY_TIME_ZONE)",
        )

    def handle(self, *args, now: datetime | None, **options):
        try:
            with correlation.bound():
                summary = detect_missing_files(now=now)
        except DatabaseError as exc:
            raise CommandError(database_unavailable(exc)) from None
        self.stdout.write("\n".join(summary.lines()))
