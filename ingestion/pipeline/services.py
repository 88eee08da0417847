"""The ingestion pipeline: one S3 object in, one scored and recorded run out.

The HTTP endpoint, the `process_file` command and the SQS worker all call `process_event` or
`process_s3_file`; nothing else writes runs.

Order (cheap refusals first, so a flood of unrelated objects costs no S3 traffic):
bucket allowed? -> resolve the MonitoringFile -> definition valid? -> GET (its answer's headers)
-> already recorded? -> read the body to a file -> score -> persist (under an advisory lock on
the object's identity, re-checked). A duplicate or an object over the size limit is never read.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import tempfile
import time
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import QuerySet

from ingestion import telemetry
from ingestion.core import QualityReport, unreadable_report
from ingestion.errors import SourceUnavailable, database_unavailable
from ingestion.models import MonitoringFile, MonitoringFileDataQuality, MonitoringFileRun
from ingestion.pipeline import s3
from ingestion.pipeline.events import ObjectEvent, ParsedEvent, object_name_problem
from ingestion.pipeline.history import IDENTITY_FIELDS, assess_history
from ingestion.pipeline.listeners import announce
from ingestion.pipeline.resolver import resolve_monitoring_file
from ingestion.pipeline.results import IngestionResult, anomalies_of, recorded_result
from ingestion.pipeline.statuses import FINAL_STATUSES, Status
from ingestion.scoring_limits import engine_limits
from schemas.definition import DefinitionError, SchemaDefinition, parse_definition

logger = logging.getLogger(__name__)

__all__ = ["FINAL_STATUSES", "IngestionResult", "Status", "process_event", "process_s3_file"]

MIB = 1024 * 1024
_UNFOUND = ("not_found", "unmatched")


def process_event(event: ParsedEvent) -> list[IngestionResult]:
    """Handle every record of a parsed event; a test event yields no results."""
    results = []
    for record in event.records:
        if not record.created:
            results.append(_ignored(record))
        else:
            results.append(process_object_event(record))
    return results


def process_object_event(record: ObjectEvent) -> IngestionResult:
    result = process_s3_file(
        bucket=record.bucket, key=record.key, event_time=record.event_time, force=record.force
    )
    if result.status in _UNFOUND and record.alternate_key:
        # The key as given was not there (or named nothing we watch): try its decoded form.
        alternate = process_s3_file(
            bucket=record.bucket,
            key=record.alternate_key,
            event_time=record.event_time,
            force=record.force,
        )
        if alternate.status not in _UNFOUND:
            return alternate
    return result


def process_s3_file(
    *, bucket: str, key: str, event_time: datetime | None = None, force: bool = False
) -> IngestionResult:
    """Score one S3 object and record the run; raise SourceUnavailable when S3 or the DB is down."""
    started = time.monotonic()
    laps = telemetry.Laps()
    result: IngestionResult | None = None
    try:
        with _database_errors_as_unavailable():
            result = _run_pipeline(bucket, key, event_time, force, laps)
    finally:
        _log_outcome(bucket, key, result, time.monotonic() - started, laps.ms)
    announce(result)
    return result


def _run_pipeline(
    bucket: str, key: str, event_time: datetime | None, force: bool, laps: telemetry.Laps
) -> IngestionResult:
    if problem := object_name_problem(bucket, key):
        return _result(bucket, key, "rejected", detail=f"{problem}: no object can be read")
    if settings.ALLOWED_BUCKETS and bucket not in settings.ALLOWED_BUCKETS:
        return _result(bucket, key, "rejected", detail="bucket is not in ALLOWED_BUCKETS")
    # A request's own thread opens a connection; a pipeline thread has kept one: timed apart.
    connection.ensure_connection()
    laps.lap("connect")
    resolution = resolve_monitoring_file(bucket, key)
    if resolution.status != "matched":
        if resolution.candidate_ids:
            logger.info(
                "object not resolved",
                extra={"bucket": bucket, "key": key, "candidates": list(resolution.candidate_ids)},
            )
        mf_id = resolution.monitoring_file.id if resolution.monitoring_file else None
        return _result(
            bucket, key, resolution.status, monitoring_file_id=mf_id, detail=resolution.reason
        )
    monitoring_file = resolution.monitoring_file
    assert monitoring_file is not None  # a match names its monitoring file
    try:
        definition = load_definition(monitoring_file)
    except DefinitionError as exc:
        logger.error(
            "invalid schema definition",
            extra={
                "bucket": bucket,
                "key": key,
                "monitoring_file_id": monitoring_file.id,
                "definition_id": monitoring_file.schema_definition_id,
                "problem": str(exc),
            },
        )
        detail = invalid_definition_detail(monitoring_file.schema_definition_id, exc)
        return _result(
            bucket, key, "rejected", monitoring_file_id=monitoring_file.id, detail=detail
        )
    laps.lap("resolve")

    with s3.open_object(bucket, key) as opened:
        laps.lap("get")
        if opened is None:
            return _result(
                bucket,
                key,
                "not_found",
                monitoring_file_id=monitoring_file.id,
                detail="no such object",
            )
        info = opened.info
        source = object_source(info)
        recorded = None if force else find_recorded_quality(monitoring_file.id, source)
        laps.lap("lookup")
        if recorded is not None:
            return _duplicate(recorded)
        report, digest = _score_object(opened, definition, laps)
    scored = _Scored(definition, report, digest)
    result = _persist(monitoring_file, info, source, scored, event_time, force, laps)
    laps.lap("persist")
    return result


def load_definition(monitoring_file: MonitoringFile) -> SchemaDefinition | None:
    """Parse the file's schema definition; None when the file has none."""
    if monitoring_file.schema_definition is None:
        return None
    return parse_definition(monitoring_file.schema_definition.definition)


def invalid_definition_detail(definition_id: int | None, problem: DefinitionError) -> str:
    """The one wording of "this stored definition cannot be used", for results and 422s."""
    return f"schema definition {definition_id} is invalid: {problem}"


def object_source(info: s3.ObjectInfo) -> dict[str, Any]:
    """The `metrics["source"]` record of an object; its identity fields detect redeliveries."""
    return {
        "bucket": info.bucket,
        "key": info.key,
        "version_id": info.version_id,
        "etag": info.etag,
        "last_modified": info.last_modified.isoformat(),
        "size": info.size,
    }


def find_recorded_quality(
    monitoring_file_id: int, source: dict[str, Any]
) -> MonitoringFileDataQuality | None:
    """The first recorded run of this version of the object, or None (the usual answer)."""
    # Only the id is asked for first: most objects are new, and the full row with its run is a
    # heavier query to build. The smallest is taken here, not by ORDER BY id LIMIT 1: with those
    # PostgreSQL walks the whole quality table in id order, testing every row's metrics (0.3 s
    # at 200,000 rows, twice per file), where it now reads this file's runs by their index.
    recorded_id = min(recorded_quality_ids(monitoring_file_id, source), default=None)
    if recorded_id is None:
        return None
    return MonitoringFileDataQuality.objects.select_related("monitoring_file_run").get(
        pk=recorded_id
    )


def recorded_quality_ids(monitoring_file_id: int, source: dict[str, Any]) -> QuerySet[Any]:
    """Ids of the quality rows recorded for this version of the object, among the file's runs.

    One jsonb containment (`source @> identity`) rather than a comparison per field: the same
    rows (a missing version is a JSON null either way). The tables are bms-admin's and hold no
    index on metrics, so the file's runs (an index) bound what is searched, and of those only the
    runs of the object's size (a version has one size, and the run row holds it) have their
    metrics tested (1.2-1.9 ms instead of 6-9 for a file with 1,000 runs).
    """
    return MonitoringFileDataQuality.objects.filter(
        monitoring_file_run__monitoring_file_id=monitoring_file_id,
        monitoring_file_run__file_size=source["size"],
        metrics__source__contains=object_identity(source),
    ).values_list("id", flat=True)


def object_identity(source: dict[str, Any]) -> dict[str, Any]:
    """What makes one version of an object: bucket, key, version id, ETag, LastModified."""
    return {name: source[name] for name in IDENTITY_FIELDS}


def _score_object(
    opened: s3.OpenObject, definition: SchemaDefinition | None, laps: telemetry.Laps
) -> tuple[QualityReport, str | None]:
    """The object's report and the sha256 of its bytes (None: it was not downloaded)."""
    info = opened.info
    limit = settings.MAX_FILE_SIZE_MB * MIB
    if info.size > limit:
        report = unreadable_report(
            f"the object is {info.size / MIB:.1f} MiB, over MAX_FILE_SIZE_MB="
            f"{settings.MAX_FILE_SIZE_MB}; it was not downloaded",
            size_bytes=info.size,
            limit_bytes=limit,
        )
        return report, None
    # Loaded on the first file scored, not at import: a process that only answers health
    # checks or forwards events never loads pyarrow.
    from ingestion.core.engine import score_file

    basename = PurePosixPath(info.key).name or "object"
    with tempfile.TemporaryDirectory(prefix="efm-") as folder:
        path = Path(folder) / basename
        digest = s3.download_object(opened, path)
        laps.lap("download")
        report = score_file(path, definition, name_hint=info.key, engine_limits=engine_limits())
    laps.lap("score")
    return report, digest


@dataclass(frozen=True)
class _Scored:
    """What scoring one object produced, for the persist step."""

    definition: SchemaDefinition | None
    report: QualityReport
    sha256: str | None


def _persist(
    monitoring_file: MonitoringFile,
    info: s3.ObjectInfo,
    source: dict[str, Any],
    scored: _Scored,
    event_time: datetime | None,
    force: bool,
    laps: telemetry.Laps,
) -> IngestionResult:
    report = scored.report
    arrived = event_time or info.last_modified
    run_at = arrived.astimezone(zoneinfo.ZoneInfo(settings.QUALITY_TIME_ZONE))
    # The history's own record of this run, for the runs after it: its bytes and arrival.
    source = {**source, "sha256": scored.sha256, "arrived_at": arrived.isoformat()}
    metrics = {**report.metrics, "source": source}
    # One bounded read of the file's last runs; the trend never touches score or deductions.
    trend = assess_history(
        monitoring_file=monitoring_file,
        definition=scored.definition,
        score=report.score,
        metrics=metrics,
        arrived=arrived,
    )
    if trend is not None:
        metrics["trend"] = trend.as_metrics()
        metrics["summary"] = {**metrics["summary"], **trend.summary_lines()}
    laps.lap("history")
    with transaction.atomic():
        _lock_identity(source)
        # Another delivery of the same object may have committed while this one was scoring.
        recorded = None if force else find_recorded_quality(monitoring_file.id, source)
        if recorded is not None:
            return _duplicate(recorded)
        run = MonitoringFileRun.objects.create(
            monitoring_file=monitoring_file,
            file_size=info.size,
            run_date=run_at.date(),
            run_hour=run_at.hour,
        )
        MonitoringFileDataQuality.objects.create(
            monitoring_file_run=run,
            score=report.score,
            passed=report.passed,
            metrics=metrics,
            deductions=report.deductions,
        )
        MonitoringFile.objects.filter(pk=monitoring_file.pk).update(
            latest_data_quality_score=report.score, is_missing=False
        )
    return _result(
        info.bucket,
        info.key,
        "processed",
        monitoring_file_id=monitoring_file.id,
        run_id=run.id,
        score=report.score,
        passed=report.passed,
        deductions=report.deductions,
        metrics=metrics,
        file_size=info.size,
    )


def _lock_identity(source: dict[str, Any]) -> None:
    """Serialise concurrent deliveries of one object version until this transaction ends."""
    identity = json.dumps(list(object_identity(source).values()), separators=(",", ":"))
    digest = hashlib.blake2b(identity.encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)]
        )


@contextlib.contextmanager
def _database_errors_as_unavailable() -> Iterator[None]:
    try:
        yield
    except IntegrityError:
        raise
    except DatabaseError as exc:
        # Drop the broken connection so the next attempt reconnects.
        with contextlib.suppress(DatabaseError):
            connection.close()
        raise SourceUnavailable(database_unavailable(exc)) from exc


def _result(bucket: str, key: str, status: Status, **fields: Any) -> IngestionResult:
    return IngestionResult(bucket=bucket, key=key, status=status, **fields)


def _ignored(record: ObjectEvent) -> IngestionResult:
    detail = f"{record.event_name or 'the event'} is not an ObjectCreated event"
    return _result(record.bucket, record.key, "ignored", detail=detail)


def _duplicate(recorded: MonitoringFileDataQuality) -> IngestionResult:
    # The identity includes bucket and key, so the recorded source names this very object.
    run_id = recorded.monitoring_file_run_id
    return recorded_result(
        recorded,
        status="duplicate",
        detail=f"this version of the object was already recorded as run {run_id}",
    )


def _log_outcome(
    bucket: str,
    key: str,
    result: IngestionResult | None,
    duration: float,
    stages_ms: dict[str, float],
) -> None:
    status = result.status if result else "error"
    context = {
        "bucket": bucket,
        "key": key,
        "monitoring_file_id": result.monitoring_file_id if result else None,
        "run_id": result.run_id if result else None,
        "status": status,
        "score": result.score if result else None,
        # Signals that found the file unlike its usual self (history-aware monitoring).
        "anomalies": anomalies_of(result) if result and status == "processed" else [],
        "duration_ms": round(duration * 1000, 1),
        # Where the time went: connect, resolve, get, lookup, download, score, history (the
        # baseline read and the trend signals), persist (the stages reached).
        "stages_ms": stages_ms,
    }
    if result is None:
        logger.warning("object not handled; it will be retried", extra=context)
    elif status == "rejected":
        # Something is wrong with the event or the definition, not with the file: say what.
        logger.warning("object rejected", extra={**context, "detail": result.detail})
    else:
        logger.info("object %s", status, extra=context)
    failed = list((result.deductions or {}).keys()) if result and status == "processed" else []
    telemetry.record_outcome(
        status=status,
        duration_seconds=duration,
        file_size=result.file_size if result else None,
        score=result.score if result and status == "processed" else None,
        failed_categories=failed,
    )
    if result is not None and status == "processed":
        telemetry.record_anomalies(anomalies_of(result))
