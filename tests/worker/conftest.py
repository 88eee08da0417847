"""Fixtures for the SQS worker: committed rows, a moto queue, and a way to run the worker."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ingestion.worker import sqs
from ingestion.worker.handlers import Handler, InProcess
from ingestion.worker.loop import Worker, WorkerOptions

TEST_WAIT_SECONDS = 1
# Far below the worker's production backoff so an outage test does not wait seconds per retry.
TEST_BACKOFF_SECONDS = 0.05


@pytest.fixture(autouse=True)
def committed_rows(transactional_db):
    """Every worker test commits: the worker may use other threads, a live server or a process.

    tests/conftest.py empties the reporting tables after each transactional test.
    """
    return


@pytest.fixture
def sqs_client(aws):
    """boto3's SQS client inside moto; the worker's cached client is rebuilt inside it too."""
    import boto3

    sqs.client.cache_clear()
    yield boto3.client("sqs", region_name="us-east-1")
    sqs.client.cache_clear()


@pytest.fixture
def make_queue(sqs_client) -> Callable[..., str]:
    def make(name: str = "drops", visibility_timeout: int = 30) -> str:
        answer = sqs_client.create_queue(
            QueueName=name, Attributes={"VisibilityTimeout": str(visibility_timeout)}
        )
        return answer["QueueUrl"]

    return make


@pytest.fixture
def queue_url(make_queue) -> str:
    return make_queue()


def send(client, queue_url: str, body: dict | str) -> str:
    text = body if isinstance(body, str) else json.dumps(body)
    return client.send_message(QueueUrl=queue_url, MessageBody=text)["MessageId"]


def queue_depth(client, queue_url: str) -> tuple[int, int]:
    """(visible, in flight) message counts."""
    attributes = client.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return (
        int(attributes["ApproximateNumberOfMessages"]),
        int(attributes["ApproximateNumberOfMessagesNotVisible"]),
    )


def receive_within(client, queue_url: str, seconds: float) -> list[dict]:
    """Poll until the queue hands out a message or the deadline passes."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        answer = client.receive_message(
            QueueUrl=queue_url,
            WaitTimeSeconds=1,
            MaxNumberOfMessages=10,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        if answer.get("Messages"):
            return answer["Messages"]
    return []


def run_worker(
    queue_url: str,
    handler: Handler | None = None,
    *,
    heartbeat_file: Path | None = None,
    stop: threading.Event | None = None,
    **options: Any,
) -> Worker:
    """Run a worker in this thread (until the queue is empty by default); return it."""
    settings = {
        "wait_seconds": TEST_WAIT_SECONDS,
        "until_empty": True,
        "backoff_base": TEST_BACKOFF_SECONDS,
        "backoff_cap": TEST_BACKOFF_SECONDS * 4,
        **options,
    }
    worker = Worker(
        WorkerOptions(queue_url=queue_url, heartbeat_file=heartbeat_file, **settings),
        handler or InProcess(),
        stop=stop,
    )
    worker.run()
    return worker
