"""Hostile message bodies: nothing a message holds stops the worker or comes back forever."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connections

from ingestion.models import MonitoringFileRun
from ingestion.pipeline.events import ParsedEvent
from ingestion.worker.handlers import InProcess, Verdict
from tests.builders import make_definition, make_monitoring_file, put_object, s3_notification
from tests.worker.conftest import queue_depth, run_worker, send

KEY = "acme/stations.csv"
HANDLED_WITHIN_SECONDS = 60


@pytest.fixture
def watched(bucket):
    put_object(KEY)
    return make_monitoring_file(schema_definition=make_definition())


def test_a_body_nested_too_deeply_is_poison_and_the_next_message_is_handled(
    sqs_client, queue_url, watched
):
    send(sqs_client, queue_url, "[" * 100_000 + "]" * 100_000)
    send(sqs_client, queue_url, s3_notification(KEY))

    worker = run_worker(queue_url)

    assert (worker.summary.poison, worker.summary.processed) == (1, 1)
    assert queue_depth(sqs_client, queue_url) == (0, 0)


@pytest.mark.parametrize(
    "raw_key", ['"acme/a\\u0000b.csv"', '"acme/\\ud800.csv"'], ids=["nul", "surrogate"]
)
def test_a_key_no_object_can_have_is_settled_at_once_not_retried(
    sqs_client, queue_url, watched, raw_key
):
    send(sqs_client, queue_url, '{"bucket": "agency-drops", "key": ' + raw_key + "}")

    worker = run_worker(queue_url)

    assert (worker.summary.handled, worker.summary.retried) == (1, 0)
    assert queue_depth(sqs_client, queue_url) == (0, 0)
    assert not MonitoringFileRun.objects.exists()


def test_a_percent_encoded_nul_in_an_s3_record_is_rejected_beside_a_good_record(
    sqs_client, queue_url, watched
):
    body = s3_notification(KEY)
    bad = json.loads(json.dumps(body["Records"][0]))
    bad["s3"]["object"]["key"] = "acme/a%00b.csv"
    body["Records"].append(bad)
    send(sqs_client, queue_url, body)

    worker = run_worker(queue_url)

    assert (worker.summary.handled, worker.summary.processed) == (1, 1)
    assert queue_depth(sqs_client, queue_url) == (0, 0)


def test_a_body_after_a_utf8_bom_is_processed(sqs_client, queue_url, watched):
    send(sqs_client, queue_url, "\ufeff" + json.dumps(s3_notification(KEY)))

    worker = run_worker(queue_url)

    assert worker.summary.processed == 1
    assert queue_depth(sqs_client, queue_url) == (0, 0)


class FailsOneKey:
    """Leaves the message naming `failing` for redelivery; runs the pipeline for the others."""

    mode = "test"

    def __init__(self, failing: str) -> None:
        self.failing = failing
        self.inner = InProcess()

    def __call__(self, event: ParsedEvent, body: str) -> Verdict:
        if event.records[0].key == self.failing:
            return Verdict("retry", detail="the object's store is down")
        return self.inner(event, body)


def test_a_healthy_message_does_not_wait_behind_one_left_for_redelivery(
    sqs_client, queue_url, watched
):
    send(sqs_client, queue_url, s3_notification("acme/flaky.csv"))
    send(sqs_client, queue_url, s3_notification(KEY))
    outcome: dict[str, object] = {}

    def drain() -> None:
        # An hour of backoff: a worker that waited behind the failure would never finish here.
        # (moto hands both messages out in one batch, as SQS usually does.)
        try:
            outcome["worker"] = run_worker(
                queue_url,
                FailsOneKey("acme/flaky.csv"),
                backoff_base=3600,
                backoff_cap=3600,
                wait_seconds=0,
            )
        finally:
            connections.close_all()

    thread = threading.Thread(target=drain, daemon=True)
    thread.start()
    thread.join(HANDLED_WITHIN_SECONDS)

    assert not thread.is_alive(), "the healthy message waited behind the failing one"
    worker = outcome["worker"]
    assert (worker.summary.processed, worker.summary.retried) == (1, 1)
    assert MonitoringFileRun.objects.count() == 1
