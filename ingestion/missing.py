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
from datetime import date, datetime, time, timedelta, timezone
from typing import Literal

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone as django_timezone

from ingestion import alerts
from ingestion.models import MonitoringFile, MonitoringFileRun

logger = logging.getLogger(__name__)

RANGES = ("hourly", "daily", "weekly", "monthly")
# Steps from a period's start back into the period before it.
_JUST_BEFORE = timedelta(microseconds=1)

Outcome = Literal["present", "newly_missing", "still_missing"]


@dataclass(frozen=True)
class Period:
    """One expected delivery window of a range; `start` is aware, in the quality time zone."""

    range_name: str
    start: datetime
    first_day: date
    last_day: date
    hour: int | None = None

    def runs(self) -> Q:
        """The runs dated inside this period (run_date/run_hour are in the quality time zone)."""
        if self.hour is not None:
            return Q(run_date=self.first_day, run_hour=self.hour)
        return Q(run_date__gte=self.first_day, run_date__lte=self.last_day)

    def label(self) -> str:
        zone = self.start.tzname()
        if self.hour is not None:
            return f"{self.first_day:%Y-%m-%d} {self.hour:02d}:00-{self.hour:02d}:59 {zone}"
        if self.range_name == "daily":
            return f"{self.first_day:%Y-%m-%d} ({zone})"
        span = f"{self.first_day:%Y-%m-%d} to {self.last_day:%Y-%m-%d}"
        if self.range_name == "weekly":
            year, week, _ = self.first_day.isocalendar()
            return f"week {year}-W{week:02d}, {span} ({zone})"
        return f"{self.first_day:%Y-%m}, {span} ({zone})"


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
        period = periods.get(range_value.strip().lower())
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


def due_period(
    range_name: str, *, now: datetime, grace: timedelta, zone: zoneinfo.ZoneInfo
) -> Period:
    """The most recent period of `range_name` that began at least `grace` before `now`."""
    period = period_containing(range_name, now.astimezone(zone))
    while _utc(period.start) + grace > now:
        period = period_containing(range_name, (_utc(period.start) - _JUST_BEFORE).astimezone(zone))
    return period


def period_containing(range_name: str, moment: datetime) -> Period:
    """The period of `range_name` that contains the aware `moment` (read in its own zone)."""
    day = moment.date()
    if range_name == "hourly":
        start = moment.replace(minute=0, second=0, microsecond=0)
        return Period(range_name, start, day, day, hour=moment.hour)
    if range_name == "daily":
        first, last = day, day
    elif range_name == "weekly":
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=6)
    elif range_name == "monthly":
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    else:
        raise ValueError(f"unknown range {range_name!r}")
    return Period(range_name, datetime.combine(first, time(), tzinfo=moment.tzinfo), first, last)


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


def _utc(moment: datetime) -> datetime:
    # Aware datetimes sharing a tzinfo compare and add as wall-clock times; UTC is the safe ground.
    return moment.astimezone(timezone.utc)


def _summary_fields(summary: MissingSummary) -> dict[str, object]:
    return {
        "checked": summary.checked,
        "present": summary.present,
        "newly_missing": summary.newly_missing,
        "still_missing": summary.still_missing,
        "skipped": summary.skipped,
        "newly_missing_ids": summary.newly_missing_ids,
    }
