"""Prometheus metrics for operators (served at /metrics).

Under gunicorn every worker process keeps its own values. When PROMETHEUS_MULTIPROC_DIR names a
writable folder, prometheus_client stores them there instead and /metrics adds them up across
the workers (gunicorn.conf.py empties the folder at start and marks dead workers).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from prometheus_client import Counter, Histogram, disable_created_metrics

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB

# Up to gunicorn's default request timeout (900 s), where a 1 GiB file is still within reach.
DURATION_BUCKETS_SECONDS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900)
# Up to the largest file the service downloads by default (MAX_FILE_SIZE_MB=1024).
FILE_SIZE_BUCKETS_BYTES = (
    KIB,
    16 * KIB,
    256 * KIB,
    MIB,
    4 * MIB,
    16 * MIB,
    64 * MIB,
    256 * MIB,
    512 * MIB,
    GIB,
)
# A file passes at 80: the 79 bucket counts exactly the failing scores (scores are whole numbers).
SCORE_BUCKETS = (0, 20, 40, 50, 60, 65, 70, 75, 79, 80, 85, 90, 95, 99, 100)

# The *_created series double the exposition and say nothing an operator asks about.
disable_created_metrics()

OBJECTS_HANDLED = Counter(
    "ingestion_objects",
    "S3 objects handled, by outcome status (processed, duplicate, unmatched, error, ...).",
    ["status"],
)
PROCESSING_DURATION = Histogram(
    "ingestion_processing_duration_seconds",
    "Wall-clock time to handle one object: download, validation, scoring and database writes.",
    buckets=DURATION_BUCKETS_SECONDS,
)
FILE_SIZE = Histogram(
    "ingestion_file_size_bytes",
    "Size of the handled objects in bytes.",
    buckets=FILE_SIZE_BUCKETS_BYTES,
)
QUALITY_SCORE = Histogram(
    "ingestion_quality_score",
    "Data-quality score (0-100) of the processed files; 80 or more passes.",
    buckets=SCORE_BUCKETS,
)
FAILED_CATEGORIES = Counter(
    "ingestion_failed_checks",
    "Processed files that lost the points of a check category, by category.",
    ["category"],
)

TREND_ANOMALIES = Counter(
    "ingestion_trend_anomalies",
    "Processed files found unlike their usual self against their history, by trend signal "
    "(row_count, columns, null_rate, arrival, same_content).",
    ["signal"],
)


def record_outcome(
    *,
    status: str,
    duration_seconds: float,
    file_size: int | None,
    score: int | None,
    failed_categories: Iterable[str],
) -> None:
    """Count one handled object; a size or score that is None was not known and is not observed."""
    OBJECTS_HANDLED.labels(status=status).inc()
    PROCESSING_DURATION.observe(duration_seconds)
    if file_size is not None:
        FILE_SIZE.observe(file_size)
    if score is not None:
        QUALITY_SCORE.observe(score)
    for category in failed_categories:
        FAILED_CATEGORIES.labels(category=category).inc()


def record_anomalies(signals: Iterable[str]) -> None:
    """Count the trend signals that fired for one processed file."""
    for signal in signals:
        TREND_ANOMALIES.labels(signal=signal).inc()


class Laps:
    """Milliseconds spent in each stage of one unit of work, for its summary log line.

    `lap(name)` closes the stage that ran since the previous lap (or since creation).
    """

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}
        self._last = time.monotonic()

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.ms[name] = round((now - self._last) * 1000, 1)
        self._last = now
