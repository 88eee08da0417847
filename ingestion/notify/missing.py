"""Missing-file detection: flag watched files whose expected period passed without a run.

A file's `range` names its period in QUALITY_TIME_ZONE, the zone runs are dated in: an hour, a
day, an ISO week (Monday to Sunday) or a calendar month. A period is *due* once
MISSING_GRACE_MINUTES have passed since it began, and every active file is checked against the
most recent due period of its range: at 00:30 with 60 minutes of grace a daily file is checked
against yesterday (today is not due yet), and an hourly file at 10:30 against 09:00-09:59.

A due period with no run of the file sets `is_missing` and alerts (when `notify_slack`); a file
already missing is counted as still missing and not alerted again. The pipeline clears the flag
when a run arrives; this check never clears it.
"""

from __future__ import annotations

import logging
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from django.conf import settings
from django.db import transaction
from django.utils import timezone as django_timezone

from ingestion.models import MonitoringFile, MonitoringFileRun
from ingestion.notify import alerts
from ingestion.periods import RANGES, Period, due_period, normalized_range

logger = logging.getLogger(__name__)

Outcome = Literal["present", "newly_missing", "still_missing"]


@dataclass
class MissingSummary:
    now: datetime
    grace_minutes: int
    periods: dict[str, Period]
    present: int = 0
    newly_missing: int = 0
    still_missing: int = 0
    skipped: int = 0
    newly_missing_ids: list[int] = field(default_factory=list)

    @property
    def checked(self) -> int:
        return self.present + self.newly_missing + self.still_missing

    def count(self, outcome: Outcome) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def lines(self) -> list[str]:
        return [
            f"checked {self.checked} active files at {self.now.isoformat()} "
            f"(grace {self.grace_minutes} min); periods checked:",
            *(f"  {name}: {period.label()}" for name, period in self.periods.items()),
            f"present: {self.present}",
            f"newly missing: {self.newly_missing}",
            f"still missing: {self.still_missing}",
            f"skipped (unknown range): {self.skipped}",
        ]


def detect_missing_files(*, now: datetime | None = None) -> MissingSummary:
    """Check every active file against its range's most recent due period; flag and alert."""
    now = now or django_timezone.now()
    grace = timedelta(minutes=settings.MISSING_GRACE_MINUTES)
    zone = zoneinfo.ZoneInfo(settings.QUALITY_TIME_ZONE)
    periods = {name: due_period(name, now=now, grace=grace, zone=zone) for name in RANGES}
    summary = MissingSummary(now=now, grace_minutes=settings.MISSING_GRACE_MINUTES, periods=periods)
    files = MonitoringFile.objects.filter(is_active=True).order_by("id")
    for file_id, range_value in files.values_list("id", "range"):
        period = periods.get(normalized_range(range_value))
        if period is None:
            logger.warning(
                "unknown range: missing-file check skipped",
                extra={"monitoring_file_id": file_id, "range": range_value},
            )
            summary.skipped += 1
            continue
        outcome = _check(file_id, period)
        if outcome is not None:
            summary.count(outcome)
            if outcome == "newly_missing":
                summary.newly_missing_ids.append(file_id)
    logger.info("missing-file check", extra=_summary_fields(summary))
    return summary


def _check(file_id: int, period: Period) -> Outcome | None:
    with transaction.atomic():
        # The lock makes a run the pipeline is committing for this file visible before we decide.
        watched = (
            MonitoringFile.objects.select_for_update().filter(pk=file_id, is_active=True).first()
        )
        if watched is None:  # deactivated or deleted since the list was read
            return None
        if MonitoringFileRun.objects.filter(period.runs(), monitoring_file_id=file_id).exists():
            return "present"
        if watched.is_missing:
            return "still_missing"
        MonitoringFile.objects.filter(pk=file_id).update(is_missing=True)
        logger.warning(
            "file missing",
            extra={
                "monitoring_file_id": file_id,
                "range": period.range_name,
                "period": period.label(),
                "notify_slack": watched.notify_slack,
            },
        )
        alerts.alert_missing(watched, period, grace_minutes=settings.MISSING_GRACE_MINUTES)
        return "newly_missing"


def _summary_fields(summary: MissingSummary) -> dict[str, object]:
    return {
        "checked": summary.checked,
        "present": summary.present,
        "newly_missing": summary.newly_missing,
        "still_missing": summary.still_missing,
        "skipped": summary.skipped,
        "newly_missing_ids": summary.newly_missing_ids,
    }
