"""The worker's lines about a message, and the service's when forwarded, carry its SQS id."""

from __future__ import annotations

import threading

import responses

from ingestion import correlation
from ingestion.pipeline.events import ParsedEvent
from ingestion.worker.handlers import ForwardToService, InProcess, Verdict
from tests.builders import make_definition, make_monitoring_file, put_object, s3_notification
from tests.log_lines import captured_log_lines, lines_of
from tests.worker.conftest import run_worker, send

KEYS = ("acme/north.csv", "acme/south.csv")
TOKEN = "worker-token"
SERVICE = "http://service.test"
BARRIER_SECONDS = 10


class Overlapping:
    """InProcess, but each message waits until the other is in hand: two pool threads at once."""

    def __init__(self) -> None:
        self.inner = InProcess()
        self.together = threading.Barrier(len(KEYS), timeout=BARRIER_SECONDS)
        self.seen: dict[str, str | None] = {}

    def __call__(self, event: ParsedEvent, body: str) -> Verdict:
        self.together.wait()
        self.seen[threading.current_thread().name] = correlation.current_id()
        return self.inner(event, body)


def watch_both_keys() -> None:
    make_monitoring_file(file_name="*.csv", schema_definition=make_definition())
    for key in KEYS:
        put_object(key)


def test_pool_threads_each_log_their_own_messages_id(sqs_client, queue_url, bucket):
    watch_both_keys()
    message_ids = {send(sqs_client, queue_url, s3_notification(key)): key for key in KEYS}
    handler = Overlapping()

    with captured_log_lines() as lines:
        worker = run_worker(queue_url, handler, concurrency=2, batch_size=len(KEYS))

    assert worker.summary.processed == len(KEYS)
    assert len(handler.seen) == 2  # two threads, each with its own message
    assert set(handler.seen.values()) == set(message_ids)
    summaries = [line for line in lines_of(lines, "ingestion.pipeline") if "key" in line]
    assert {line["correlation_id"]: line["key"] for line in summaries} == message_ids
    handled = [
        line for line in lines_of(lines, "ingestion.worker") if line["message"] == "message handled"
    ]
    assert {line["correlation_id"] for line in handled} == set(message_ids)
    assert all(line["correlation_id"] == line["message_id"] for line in handled)
    started = next(line for line in lines if line["message"] == "worker started")
    assert "correlation_id" not in started  # no single message's line


@responses.activate
def test_the_forwarded_request_carries_the_message_id_as_x_request_id(sqs_client, queue_url):
    url = f"{SERVICE}/api/trigger-ingestion/"
    responses.post(url, json={"results": [{"status": "processed"}]})
    message_id = send(sqs_client, queue_url, s3_notification(KEYS[0]))

    run_worker(queue_url, ForwardToService(SERVICE, TOKEN))

    [call] = responses.calls
    assert call.request.headers["X-Request-ID"] == message_id
    assert call.request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_the_service_logs_a_forwarded_message_under_its_sqs_id(
    sqs_client, queue_url, bucket, live_server, settings
):
    settings.INGESTION_API_TOKEN = TOKEN
    settings.DEBUG = False
    watch_both_keys()
    message_id = send(sqs_client, queue_url, s3_notification(KEYS[0]))

    with captured_log_lines() as lines:
        worker = run_worker(queue_url, ForwardToService(live_server.url, TOKEN))

    assert worker.summary.processed == 1
    [summary] = [line for line in lines_of(lines, "ingestion.pipeline") if "key" in line]
    assert (summary["key"], summary["correlation_id"]) == (KEYS[0], message_id)
    [handled] = [line for line in lines if line["message"] == "message handled"]
    assert handled["correlation_id"] == message_id
