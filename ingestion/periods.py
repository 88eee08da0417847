"""Delivery periods: the hour, day, ISO week or calendar month a file's `range` expects it in.

Periods are read in QUALITY_TIME_ZONE, the zone runs are dated in. A period is *due* once a grace
time has passed since it began.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from django.db.models import Q

RANGES = ("hourly", "daily", "weekly", "monthly")


def normalized_range(stored: str) -> str:
    """A MonitoringFile's `range` as the periods name it: bms-admin's text, trimmed, lower-case."""
    return stored.strip().lower()


# Steps from a period's start back into the period before it.
_JUST_BEFORE = timedelta(microseconds=1)


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


def _utc(moment: datetime) -> datetime:
    # Aware datetimes sharing a tzinfo compare and add as wall-clock times; UTC is the safe ground.
    return moment.astimezone(timezone.utc)
