"""A file's recorded runs, read for history-aware monitoring (selectors; the rules are pure).

The pipeline's persist step calls `assess_history` once per processed file: one query, served by
the run table's index on its monitoring-file foreign key and bounded by TREND_WINDOW_RUNS,
reading only the few metrics keys the signals compare (`row_count`, `profile`, `source`), never
the samples. `file_history` answers GET /api/files/{id}/history and `manage.py file_history`.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings

from ingestion.models import MonitoringFile, MonitoringFileDataQuality, MonitoringFileRun
from ingestion.periods import normalized_range, period_containing
from ingestion.pipeline.results import anomaly_names
from ingestion.trend.baseline import Baseline, Observation, observe
from ingestion.trend.signals import Trend, assess_trend
from schemas.definition import SchemaDefinition, TrendSettings

# The fields of metrics["source"] that together identify one version of one object.
IDENTITY_FIELDS = ("bucket", "key", "version_id", "etag", "last_modified")
# What the signals read of each earlier run.
TREND_FIELDS = (
    "monitoring_file_run_id",
    "score",
    "metrics__row_count",
    "metrics__profile",
    "metrics__source",
)
# What the history endpoint shows of each run, beyond that.
HISTORY_FIELDS = (
    *TREND_FIELDS,
    "passed",
    "deductions",
    "metrics__trend__anomalies",
    "monitoring_file_run__created_at",
    "monitoring_file_run__run_date",
    "monitoring_file_run__run_hour",
)


def assess_history(
    *,
    monitoring_file: MonitoringFile,
    definition: SchemaDefinition | None,
    score: int,
    metrics: Mapping[str, Any],
    arrived: datetime,
) -> Trend | None:
    """Compare a run about to be recorded with the file's last runs; None when turned off."""
    window = settings.TREND_WINDOW_RUNS
    if window <= 0:
        return None
    range_name = normalized_range(monitoring_file.range)
    rows = _recent(monitoring_file.id, window, TREND_FIELDS)
    current = observe(
        run_id=None,
        score=score,
        metrics=metrics,
        identity_fields=IDENTITY_FIELDS,
        arrival_minutes=arrival_minutes(arrived, range_name),
    )
    trend_settings = definition.trend if definition is not None else TrendSettings()
    history = [_observation(row, range_name) for row in rows]
    return assess_trend(current, history, trend_settings, window=window, range_name=range_name)


@dataclass(frozen=True)
class HistoryRun:
    """One recorded run as the history shows it."""

    run_id: int
    created_at: datetime
    run_date: date
    run_hour: int
    score: int
    passed: bool
    failed: list[str]
    row_count: int | None
    anomalies: list[str]


@dataclass(frozen=True)
class FileHistory:
    """A file's runs, newest first, and the baseline its next run will be compared with."""

    monitoring_file: MonitoringFile
    runs: list[HistoryRun]
    window: int
    baseline_runs: int
    baseline: dict[str, Any] | None
    note: str


def file_history(monitoring_file_id: int, *, limit: int) -> FileHistory | None:
    """The file's last `limit` runs and its current baseline; None when there is no such file."""
    monitoring_file = MonitoringFile.objects.filter(pk=monitoring_file_id).first()
    if monitoring_file is None:
        return None
    window = max(settings.TREND_WINDOW_RUNS, 0)
    rows = _recent(monitoring_file_id, max(limit, window), HISTORY_FIELDS)
    range_name = normalized_range(monitoring_file.range)
    baseline = Baseline.of([_observation(row, range_name) for row in rows], window=window)
    return FileHistory(
        monitoring_file=monitoring_file,
        runs=[_history_run(row) for row in rows[:limit]],
        window=window,
        baseline_runs=len(baseline.runs),
        baseline=baseline.summary(),
        note="" if baseline.usable else baseline.shortfall(),
    )


def arrival_minutes(moment: datetime | None, range_name: str) -> float | None:
    """Minutes from the start of the delivery period that holds `moment` (None: no period)."""
    if moment is None:
        return None
    zone = zoneinfo.ZoneInfo(settings.QUALITY_TIME_ZONE)
    try:
        period = period_containing(range_name, moment.astimezone(zone))
    except ValueError:
        return None
    return (moment - period.start).total_seconds() / 60


def arrived_at(source: Mapping[str, Any]) -> datetime | None:
    """When a recorded object arrived: its event time, else its LastModified (as stored)."""
    for name in ("arrived_at", "last_modified"):
        text = source.get(name)
        if isinstance(text, str):
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                continue
            if moment.tzinfo is not None:
                return moment
    return None


def _recent(monitoring_file_id: int, limit: int, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """The quality rows of the file's last `limit` runs, newest first: one query.

    The runs are picked first, by id alone (the run table's foreign-key index), and only those
    rows' metrics keys are read: sorting the joined rows instead would read the metrics of every
    run the file ever had, a cost that grows with its history.
    """
    last_runs = (
        MonitoringFileRun.objects.filter(monitoring_file_id=monitoring_file_id)
        .order_by("-id")
        .values("id")[:limit]
    )
    return list(
        MonitoringFileDataQuality.objects.filter(monitoring_file_run_id__in=last_runs)
        .order_by("-monitoring_file_run_id")
        .values(*fields)
    )


def _observation(row: Mapping[str, Any], range_name: str) -> Observation:
    source = row["metrics__source"] if isinstance(row["metrics__source"], Mapping) else {}
    metrics = {
        "row_count": row["metrics__row_count"],
        "profile": row["metrics__profile"],
        "source": source,
    }
    return observe(
        run_id=row["monitoring_file_run_id"],
        score=row["score"],
        metrics=metrics,
        identity_fields=IDENTITY_FIELDS,
        arrival_minutes=arrival_minutes(arrived_at(source), range_name),
    )


def _history_run(row: Mapping[str, Any]) -> HistoryRun:
    row_count = row["metrics__row_count"]
    return HistoryRun(
        run_id=row["monitoring_file_run_id"],
        created_at=row["monitoring_file_run__created_at"],
        run_date=row["monitoring_file_run__run_date"],
        run_hour=row["monitoring_file_run__run_hour"],
        score=row["score"],
        passed=row["passed"],
        failed=list(row["deductions"] or {}),
        row_count=row_count if isinstance(row_count, int) else None,
        anomalies=anomaly_names(row["metrics__trend__anomalies"]),
    )
