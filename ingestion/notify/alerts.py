"""When to tell Slack: a watched file failed, was unusual, was rejected, or went missing.

Only files with `notify_slack` alert. A processed file alerts when its score is under the pass
mark or when a trend signal found it unlike its usual self (history-aware monitoring): one
message per run, the failure alert carrying the anomalies when both hold. A resolved file whose
object was rejected alerts with the reason, and anything else (duplicates included) sends
nothing. Every alert is sent with `transaction.on_commit`, so a rolled-back write never alerts
and Slack is never called while a transaction is open.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, transaction

from ingestion.core.scoring import PASS_SCORE
from ingestion.models import MonitoringFile
from ingestion.notify import slack
from ingestion.pipeline.results import anomalies_of, anomaly_evidence, failed_evidence

if TYPE_CHECKING:
    from ingestion.periods import Period
    from ingestion.pipeline.results import IngestionResult

logger = logging.getLogger(__name__)


def log_configuration() -> None:
    """Say once, at start-up, that alerts are off when no webhook is configured."""
    if not slack.is_configured():
        logger.info("SLACK_WEBHOOK_URL is not set: Slack alerts are off")


def alert_on_result(result: IngestionResult) -> None:
    """Alert on a failed or rejected watched file once the current transaction commits."""
    if not _deserves_alert(result):
        return
    transaction.on_commit(partial(_send_result_alert, result), robust=True)


def alert_missing(monitoring_file: MonitoringFile, period: Period, *, grace_minutes: int) -> None:
    """Alert that a file missed `period` once the transaction that flagged it commits."""
    if not (monitoring_file.notify_slack and slack.is_configured()):
        return
    message = slack.missing_file_message(
        agency=monitoring_file.agency_slug,
        file_name=monitoring_file.file_name,
        range_name=period.range_name,
        expected=period.label(),
        grace_minutes=grace_minutes,
    )
    context = {"alert": "missing", "monitoring_file_id": monitoring_file.id}
    transaction.on_commit(partial(slack.post, message, context=context), robust=True)


def _deserves_alert(result: IngestionResult) -> bool:
    if not slack.is_configured() or result.monitoring_file_id is None:
        return False
    if result.status == "processed":
        return result.score is not None and (
            result.score < PASS_SCORE or bool(anomalies_of(result))
        )
    return result.status == "rejected"


def _send_result_alert(result: IngestionResult) -> None:
    passed_but_unusual = result.status == "processed" and (result.score or 0) >= PASS_SCORE
    context: dict[str, Any] = {
        "alert": "unusual" if passed_but_unusual else result.status,
        "monitoring_file_id": result.monitoring_file_id,
        "run_id": result.run_id,
    }
    try:
        watched = MonitoringFile.objects.filter(
            pk=result.monitoring_file_id, notify_slack=True
        ).first()
    except DatabaseError:
        logger.warning("slack alert not sent: the database is unavailable", extra=context)
        return
    if watched is not None:
        slack.post(_result_message(watched, result), context=context)


def _result_message(watched: MonitoringFile, result: IngestionResult) -> slack.Message:
    where = {"agency": watched.agency_slug, "file_name": watched.file_name}
    where |= {"bucket": result.bucket, "key": result.key}
    if result.status == "rejected":
        return slack.rejected_message(**where, problem=result.detail)
    assert result.score is not None  # only a scored run alerts (see `_deserves_alert`)
    unusual = list(anomaly_evidence(result).values())
    if result.score >= PASS_SCORE:
        return slack.unusual_run_message(
            **where, score=result.score, unusual=unusual, run_id=result.run_id
        )
    return slack.failed_run_message(
        **where,
        score=result.score,
        evidence=list(failed_evidence(result).values()),
        run_id=result.run_id,
        unusual=unusual,
    )
