"""Trend alerts: a watched file that passed but is unlike its usual self posts once."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from ingestion.pipeline.services import process_s3_file
from tests.builders import (
    BUCKET,
    CLEAN_CSV,
    FAILING_CSV,
    make_definition,
    make_monitoring_file,
    put_object,
    seed_daily_runs,
)

pytestmark = pytest.mark.django_db
KEY = "acme/stations.csv"
ARRIVED = datetime(2026, 11, 25, 8, 15, tzinfo=timezone.utc)


def watched_file(notify_slack: bool = True, rows: int = 120):
    """A watched file whose last six runs passed with `rows` rows, arriving at 08:15 each day."""
    watched = make_monitoring_file(schema_definition=make_definition(), notify_slack=notify_slack)
    seed_daily_runs(watched, at=ARRIVED, row_count=rows)
    return watched


def ingest(capture, body: bytes = CLEAN_CSV):
    put_object(KEY, body)
    with capture(execute=True):
        return process_s3_file(bucket=BUCKET, key=KEY, event_time=ARRIVED)


def posted(mock) -> list[dict]:
    return [json.loads(call.request.body) for call in mock.calls]


def test_a_passing_file_with_an_anomaly_posts_one_unusual_file_alert(
    bucket, slack_webhook, django_capture_on_commit_callbacks
):
    watched_file()
    result = ingest(django_capture_on_commit_callbacks)
    assert (result.score, result.metrics["trend"]["anomalies"]) == (100, ["row_count"])
    [message] = posted(slack_webhook)
    header, fields, unusual, run = message["blocks"]
    assert header["text"]["text"] == "Unusual file: acme / stations.csv"
    assert fields["fields"][-1]["text"] == "*Score*\n100 / 100 (passed)"
    lines = unusual["text"]["text"].splitlines()
    assert lines == [
        "*Unlike its recent runs*",
        "• unusual row_count: 3 rows against a median of 120 over 6 passing runs (0.025x; "
        "expected 0.5x to 2x)",
    ]
    assert run["elements"][0]["text"] == f"Run {result.run_id}"
    assert message["text"].startswith("Unusual file: acme / stations.csv: score 100 / 100")


def test_a_failing_file_with_an_anomaly_posts_one_failure_alert_that_carries_it(
    bucket, slack_webhook, django_capture_on_commit_callbacks
):
    watched_file()
    result = ingest(django_capture_on_commit_callbacks, FAILING_CSV)
    assert result.score == 65
    assert result.metrics["trend"]["anomalies"] == ["row_count", "null_rate"]
    [message] = posted(slack_webhook)
    header, _, checks, unusual, _ = message["blocks"]
    assert header["text"]["text"] == "Data quality failed: acme / stations.csv"
    assert checks["text"]["text"].startswith("*Failed checks*\n• completeness:")
    assert unusual["text"]["text"].splitlines()[0] == "*Unlike its recent runs*"
    assert [line[:22] for line in unusual["text"]["text"].splitlines()[1:]] == [
        "• unusual row_count: 3",
        "• unusual null_rate: s",
    ]


def test_a_passing_file_like_its_usual_self_posts_nothing(
    bucket, slack_webhook, django_capture_on_commit_callbacks
):
    watched_file(rows=3)
    result = ingest(django_capture_on_commit_callbacks)
    assert result.metrics["trend"]["anomalies"] == []
    assert posted(slack_webhook) == []


def test_a_duplicate_delivery_of_an_unusual_file_posts_no_second_alert(
    bucket, slack_webhook, django_capture_on_commit_callbacks
):
    watched_file()
    first = ingest(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = process_s3_file(bucket=BUCKET, key=KEY, event_time=ARRIVED)
    assert (first.status, again.status) == ("processed", "duplicate")
    assert again.metrics["trend"]["anomalies"] == ["row_count"]
    assert callbacks == []
    assert len(posted(slack_webhook)) == 1


def test_an_unusual_file_without_notify_slack_posts_nothing(
    bucket, slack_webhook, django_capture_on_commit_callbacks
):
    watched_file(notify_slack=False)
    result = ingest(django_capture_on_commit_callbacks)
    assert result.metrics["trend"]["anomalies"] == ["row_count"]
    assert posted(slack_webhook) == []
