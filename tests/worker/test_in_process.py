"""The worker in-process: every event form, redeliveries, garbage, and a database that goes away."""

from __future__ import annotations

import socket
import threading

import pytest
from django.db import connection

from ingestion.models import MonitoringFile, MonitoringFileDataQuality, MonitoringFileRun
from ingestion.worker.handlers import InProcess, Verdict
from tests.builders import (
    database_outage_after_run_insert,
    eventbridge_event,
    make_definition,
    make_monitoring_file,
    put_object,
    s3_notification,
    s3_test_event,
    sns_envelope,
)
from tests.worker.conftest import queue_depth, receive_within, run_worker, send

KEY = "acme/stations.csv"
DRAIN_MESSAGES = 50


@pytest.fixture
def watched(bucket):
    monitoring_file = make_monitoring_file(schema_definition=make_definition())
    put_object(KEY)
    return monitoring_file


@pytest.mark.parametrize(
    "body",
    [s3_notification(KEY), sns_envelope(s3_notification(KEY)), eventbridge_event(KEY)],
    ids=["s3-notification", "sns-envelope", "eventbridge"],
)
def test_every_event_form_is_processed_recorded_and_deleted(sqs_client, queue_url, watched, body):
    send(sqs_client, queue_url, body)

    worker = run_worker(queue_url)

    run = MonitoringFileRun.objects.get()
    assert run.monitoring_file_id == watched.id
    assert MonitoringFileDataQuality.objects.get(monitoring_file_run=run).score == 100
    assert (worker.summary.received, worker.summary.processed) == (1, 1)
    assert queue_depth(sqs_client, queue_url) == (0, 0)


def test_the_same_event_delivered_twice_makes_one_run_and_both_copies_are_deleted(
    sqs_client, queue_url, watched
):
    send(sqs_client, queue_url, s3_notification(KEY))
    send(sqs_client, queue_url, s3_notification(KEY))

    worker = run_worker(queue_url)

    assert MonitoringFileRun.objects.count() == 1
    assert (worker.summary.processed, worker.summary.duplicates) == (1, 1)
    assert queue_depth(sqs_client, queue_url) == (0, 0)


def test_until_empty_drains_fifty_messages_into_exactly_fifty_runs(sqs_client, queue_url, bucket):
    make_monitoring_file(file_name="*.csv", schema_definition=make_definition())
    for number in range(DRAIN_MESSAGES):
        key = f"acme/drop-{number:02}.csv"
        put_object(key)
        send(sqs_client, queue_url, s3_notification(key))

    worker = run_worker(queue_url, concurrency=3)

    assert MonitoringFileRun.objects.count() == DRAIN_MESSAGES
    assert (worker.summary.received, worker.summary.processed) == (DRAIN_MESSAGES, DRAIN_MESSAGES)
    assert queue_depth(sqs_client, queue_url) == (0, 0)


def test_a_test_event_and_poison_messages_are_deleted_and_nothing_is_written(
    sqs_client, queue_url, watched, caplog
):
    send(sqs_client, queue_url, s3_test_event())
    not_json = send(sqs_client, queue_url, "this is not JSON {")
    unknown = send(sqs_client, queue_url, {"hello": "world"})

    worker = run_worker(queue_url)

    assert MonitoringFileRun.objects.count() == 0
    assert (worker.summary.handled, worker.summary.poison) == (1, 2)
    assert queue_depth(sqs_client, queue_url) == (0, 0)
    poison = {r.message_id: r for r in caplog.records if r.getMessage() == "poison message deleted"}
    assert set(poison) == {not_json, unknown}
    assert poison[not_json].preview == "this is not JSON {"
    assert "not valid JSON" in poison[not_json].reason


def test_a_database_outage_mid_write_keeps_the_message_and_writes_nothing_partial(
    sqs_client, make_queue, watched
):
    queue_url = make_queue(visibility_timeout=2)
    send(sqs_client, queue_url, s3_notification(KEY))

    with database_outage_after_run_insert():
        worker = run_worker(queue_url)

    assert (worker.summary.retried, worker.summary.processed) == (1, 0)
    assert MonitoringFileRun.objects.count() == 0
    assert MonitoringFileDataQuality.objects.count() == 0
    assert MonitoringFile.objects.get().latest_data_quality_score is None
    # Still queued: it comes back after the visibility timeout, received a second time.
    [message] = receive_within(sqs_client, queue_url, seconds=10)
    assert message["Attributes"]["ApproximateReceiveCount"] == "2"


def test_the_worker_stays_up_while_the_database_refuses_connections_and_then_recovers(
    sqs_client, make_queue, watched, monkeypatch
):
    queue_url = make_queue(visibility_timeout=1)
    send(sqs_client, queue_url, s3_notification(KEY))
    real_host, real_port = connection.settings_dict["HOST"], connection.settings_dict["PORT"]
    stop = threading.Event()
    outcomes: list[str] = []

    def point_the_database_at(host: str, port: str) -> None:
        connection.close()
        monkeypatch.setitem(connection.settings_dict, "HOST", host)
        monkeypatch.setitem(connection.settings_dict, "PORT", port)

    def in_process_while_watching(event, body) -> Verdict:
        verdict = InProcess()(event, body)
        outcomes.append(verdict.outcome)
        if len(outcomes) == 2:
            point_the_database_at(real_host, real_port)
        if verdict.outcome == "handled":
            stop.set()
        return verdict

    point_the_database_at("127.0.0.1", str(closed_port()))
    worker = run_worker(queue_url, in_process_while_watching, stop=stop, until_empty=False)

    assert outcomes == ["retry", "retry", "handled"]
    assert worker.summary.retried == 2
    assert MonitoringFileRun.objects.count() == 1
    assert queue_depth(sqs_client, queue_url) == (0, 0)


def closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
