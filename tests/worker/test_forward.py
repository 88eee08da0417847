"""Forward mode: the worker POSTs each message to the HTTP service and reads its answer."""

from __future__ import annotations

import json
import logging
import socket

import pytest
import responses

from ingestion.models import MonitoringFileDataQuality, MonitoringFileRun
from ingestion.pipeline.events import parse_event
from ingestion.worker.handlers import ForwardToService, trigger_url
from tests.builders import make_definition, make_monitoring_file, put_object, s3_notification
from tests.worker.conftest import queue_depth, run_worker, send

KEY = "acme/stations.csv"
TOKEN = "worker-token"
SERVICE = "http://service.test"
EVENT = s3_notification(KEY)


def forward(body: dict = EVENT, base_url: str = SERVICE):
    text = json.dumps(body)
    return ForwardToService(base_url, TOKEN)(parse_event(text), text)


def rows() -> list[tuple]:
    """What a run records, without ids and creation times."""
    return [
        (
            quality.monitoring_file_run.monitoring_file_id,
            quality.monitoring_file_run.file_size,
            quality.monitoring_file_run.run_date,
            quality.monitoring_file_run.run_hour,
            quality.score,
            quality.passed,
            quality.deductions,
            quality.metrics,
        )
        for quality in MonitoringFileDataQuality.objects.select_related("monitoring_file_run")
    ]


def test_forward_mode_against_the_live_service_records_the_same_rows_as_in_process_mode(
    sqs_client, queue_url, bucket, live_server, settings
):
    settings.INGESTION_API_TOKEN = TOKEN
    settings.DEBUG = False
    make_monitoring_file(schema_definition=make_definition())
    put_object(KEY)

    send(sqs_client, queue_url, EVENT)
    in_process = run_worker(queue_url)
    rows_in_process = rows()
    MonitoringFileDataQuality.objects.all().delete()
    MonitoringFileRun.objects.all().delete()

    send(sqs_client, queue_url, EVENT)
    forwarded = run_worker(queue_url, ForwardToService(live_server.url, TOKEN))

    assert len(rows_in_process) == 1
    assert rows() == rows_in_process
    assert in_process.summary.processed == forwarded.summary.processed == 1
    assert queue_depth(sqs_client, queue_url) == (0, 0)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (422, "poison"),
        # Configuration or the service's own trouble: may heal, so the message stays.
        (400, "retry"),
        (401, "retry"),
        (403, "retry"),
        (404, "retry"),
        (408, "retry"),
        (429, "retry"),
        (500, "retry"),
        (502, "retry"),
        (503, "retry"),
    ],
)
@responses.activate
def test_the_service_answer_decides_whether_the_message_is_poison_or_retried(status, outcome):
    responses.post(f"{SERVICE}/api/trigger-ingestion/", status=status, json={"detail": "nope"})
    verdict = forward()
    assert (verdict.outcome, verdict.detail) == (outcome, f"the service answered {status}: nope")


@responses.activate
def test_a_200_with_final_statuses_is_handled_and_anything_else_is_retried():
    url = f"{SERVICE}/api/trigger-ingestion/"
    responses.post(url, json={"results": [{"status": "processed"}, {"status": "duplicate"}]})
    responses.post(url, json={"results": [{"status": "processed"}, {"status": "error"}]})
    responses.post(url, body="<html>proxy page</html>")

    assert forward().outcome == "handled"
    assert forward().outcome == "retry"
    assert forward().outcome == "retry"
    sent = responses.calls[0].request
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert sent.body == json.dumps(EVENT).encode()


@responses.activate
def test_a_refused_token_is_retried_and_logged_as_an_error_naming_the_setting(caplog):
    responses.post(f"{SERVICE}/api/trigger-ingestion/", status=401, json={"detail": "no"})
    with caplog.at_level(logging.ERROR, logger="ingestion.worker"):
        assert forward().outcome == "retry"
    assert any("INGESTION_API_TOKEN" in r.getMessage() for r in caplog.records)


def test_a_service_that_refuses_connections_leaves_the_message_for_later():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    verdict = forward(base_url=f"http://127.0.0.1:{port}")
    assert verdict.outcome == "retry"
    assert "did not answer" in verdict.detail


@pytest.mark.parametrize(
    "base_url",
    ["http://svc:8000", "http://svc:8000/", "http://svc:8000/api/trigger-ingestion/"],
)
def test_the_forward_url_is_the_trigger_endpoint_under_the_service_base_url(base_url):
    assert trigger_url(base_url) == "http://svc:8000/api/trigger-ingestion/"
