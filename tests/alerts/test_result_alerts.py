"""Alerts from the pipeline: a failed or rejected watched file posts once, after commit."""

from __future__ import annotations

import copy
import json
import logging
from datetime import datetime, timezone

import pytest
import requests
from django.db import connection, transaction

from ingestion.models import MonitoringFileDataQuality, MonitoringFileRun
from ingestion.pipeline.services import process_s3_file
from tests.alerts.conftest import RUN_URL, WEBHOOK, answer
from tests.builders import (
    BUCKET,
    CLEAN_CSV,
    FAILING_CSV,
    NULLS_CSV,
    make_definition,
    make_monitoring_file,
    put_object,
)

pytestmark = pytest.mark.django_db
KEY = "acme/stations.csv"
EVENT_TIME = datetime(2026, 11, 25, 8, 15, tzinfo=timezone.utc)


@pytest.fixture
def watched(bucket):
    """A watched file that asks for Slack alerts, with the station definition."""
    return make_monitoring_file(schema_definition=make_definition(), notify_slack=True)


def ingest(capture, body: bytes = FAILING_CSV):
    """Upload and process the object; the on-commit callbacks run when the block ends."""
    put_object(KEY, body)
    with capture(execute=True) as callbacks:
        result = process_s3_file(bucket=BUCKET, key=KEY, event_time=EVENT_TIME)
    return result, callbacks


def posted(mock) -> list[dict]:
    return [json.loads(call.request.body) for call in mock.calls]


def test_a_failing_file_posts_its_score_evidence_and_run_link(
    watched, slack_webhook, settings, django_capture_on_commit_callbacks
):
    settings.BMS_ADMIN_RUN_URL = RUN_URL
    result, _ = ingest(django_capture_on_commit_callbacks)

    assert (result.status, result.score) == ("processed", 65)
    [message] = posted(slack_webhook)
    evidence = MonitoringFileDataQuality.objects.get().metrics["summary"]
    assert set(evidence) == {"completeness", "bounds_range"}
    header, fields, checks, link = message["blocks"]
    assert header["text"]["text"] == "Data quality failed: acme / stations.csv"
    assert [field["text"] for field in fields["fields"]] == [
        "*Agency*\nacme",
        "*File*\nstations.csv",
        f"*Object*\n`s3://{BUCKET}/{KEY}`",
        "*Score*\n65 / 100 (passes at 80)",
    ]
    lines = checks["text"]["text"].splitlines()
    assert lines[0] == "*Failed checks*"
    assert sorted(lines[1:]) == sorted(f"• {line}" for line in evidence.values())
    assert lines[1].startswith("• completeness: 2 nulls in station")
    run_url = RUN_URL.format(run_id=result.run_id)
    assert link["elements"][0]["text"] == f"<{run_url}|Run {result.run_id} in bms-admin>"
    assert message["text"].startswith("Data quality failed: acme / stations.csv: score 65")


def test_the_alert_waits_for_the_commit(watched, slack_webhook, django_capture_on_commit_callbacks):
    put_object(KEY, FAILING_CSV)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        process_s3_file(bucket=BUCKET, key=KEY)
        assert len(slack_webhook.calls) == 0
    assert len(callbacks) == 1
    assert len(slack_webhook.calls) == 1


def test_a_rolled_back_ingestion_never_alerts(
    watched, slack_webhook, django_capture_on_commit_callbacks
):
    put_object(KEY, FAILING_CSV)

    def ingest_in_a_transaction_that_fails():
        with transaction.atomic():
            process_s3_file(bucket=BUCKET, key=KEY)
            raise RuntimeError("the caller's transaction rolls back")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        ingest_in_a_transaction_that_fails()
    assert callbacks == []
    assert len(slack_webhook.calls) == 0
    assert MonitoringFileRun.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_slack_is_called_only_once_the_run_is_committed(watched, slack_webhook):
    seen = {}

    def record_state(request):
        seen["in_transaction"] = connection.in_atomic_block
        seen["runs"] = MonitoringFileRun.objects.count()
        return 200, {}, "ok"

    slack_webhook.remove("POST", WEBHOOK)
    slack_webhook.add_callback("POST", WEBHOOK, callback=record_state)
    put_object(KEY, FAILING_CSV)
    process_s3_file(bucket=BUCKET, key=KEY)
    assert seen == {"in_transaction": False, "runs": 1}


def test_a_passing_file_sends_nothing(watched, slack_webhook, django_capture_on_commit_callbacks):
    result, callbacks = ingest(django_capture_on_commit_callbacks, CLEAN_CSV)
    assert (result.status, result.score) == ("processed", 100)
    assert callbacks == []
    assert len(slack_webhook.calls) == 0


def test_a_file_scoring_exactly_the_pass_mark_sends_nothing(
    watched, slack_webhook, django_capture_on_commit_callbacks
):
    result, _ = ingest(django_capture_on_commit_callbacks, NULLS_CSV)
    assert (result.score, result.passed) == (80, True)
    assert len(slack_webhook.calls) == 0


def test_a_file_without_notify_slack_sends_nothing(
    watched, slack_webhook, django_capture_on_commit_callbacks
):
    watched.notify_slack = False
    watched.save(update_fields=["notify_slack"])
    result, _ = ingest(django_capture_on_commit_callbacks)
    assert result.score == 65
    assert len(slack_webhook.calls) == 0


def test_a_duplicate_delivery_sends_nothing(
    watched, slack_webhook, django_capture_on_commit_callbacks
):
    ingest(django_capture_on_commit_callbacks)
    assert len(slack_webhook.calls) == 1
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = process_s3_file(bucket=BUCKET, key=KEY, event_time=EVENT_TIME)
    assert again.status == "duplicate"
    assert callbacks == []
    assert len(slack_webhook.calls) == 1


def test_without_a_webhook_nothing_is_scheduled_or_sent(
    watched, slack_webhook, settings, django_capture_on_commit_callbacks
):
    settings.SLACK_WEBHOOK_URL = ""
    result, callbacks = ingest(django_capture_on_commit_callbacks)
    assert result.score == 65
    assert callbacks == []
    assert len(slack_webhook.calls) == 0


@pytest.mark.parametrize(
    "failure",
    [500, requests.ReadTimeout("read timed out")],
    ids=["a 500", "a timeout"],
)
def test_a_slack_failure_leaves_the_run_recorded_and_the_result_unchanged(
    failure, watched, slack_webhook, caplog, django_capture_on_commit_callbacks
):
    answer(slack_webhook, failure, failure)
    put_object(KEY, FAILING_CSV)
    with (
        caplog.at_level(logging.WARNING, logger="ingestion.notify.slack"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = process_s3_file(bucket=BUCKET, key=KEY)
        before = copy.deepcopy(result)
    assert result == before
    assert (result.status, result.score) == ("processed", 65)
    run = MonitoringFileRun.objects.get()
    assert run.id == result.run_id
    assert MonitoringFileDataQuality.objects.get(monitoring_file_run=run).score == 65
    [record] = [r for r in caplog.records if r.message == "slack alert not delivered"]
    assert (record.monitoring_file_id, record.run_id) == (watched.id, result.run_id)


def test_a_rejected_object_of_a_watched_file_alerts_with_the_problem(
    bucket, slack_webhook, django_capture_on_commit_callbacks
):
    definition = make_definition({"columns": [{"name": "id", "type": "uuid"}]})
    make_monitoring_file(schema_definition=definition, notify_slack=True)
    result, _ = ingest(django_capture_on_commit_callbacks, CLEAN_CSV)
    assert result.status == "rejected"
    [message] = posted(slack_webhook)
    assert message["blocks"][0]["text"]["text"] == "Object rejected: acme / stations.csv"
    problem = message["blocks"][2]["text"]["text"]
    assert problem.startswith(f"*Problem*\nschema definition {definition.id} is invalid")
    assert "uuid" in problem


def test_an_object_rejected_before_it_is_resolved_sends_nothing(
    watched, slack_webhook, settings, django_capture_on_commit_callbacks
):
    settings.ALLOWED_BUCKETS = ["somewhere-else"]
    result, callbacks = ingest(django_capture_on_commit_callbacks)
    assert (result.status, result.monitoring_file_id) == ("rejected", None)
    assert callbacks == []
    assert len(slack_webhook.calls) == 0
