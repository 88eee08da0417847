"""The SQS module: the client's limits, receive counts, and batch entries SQS refuses."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.management import CommandError, call_command

from ingestion import aws
from ingestion.worker import sqs
from tests.worker.conftest import queue_depth, send


def test_the_client_reads_longer_than_a_long_poll_and_retries_in_standard_mode(sqs_client):
    config = sqs.client().meta.config
    assert config.read_timeout > sqs.MAX_WAIT_SECONDS
    assert config.connect_timeout == aws.CONNECT_TIMEOUT_SECONDS
    assert config.retries == {"mode": "standard", "total_max_attempts": aws.TOTAL_MAX_ATTEMPTS}


def test_a_receive_reports_how_often_the_message_was_received(sqs_client, queue_url):
    message_id = send(sqs_client, queue_url, {"hello": "again"})

    [first] = sqs.receive(queue_url, max_messages=10, wait_seconds=0)
    sqs.change_visibility(queue_url, [first], 0)
    [second] = sqs.receive(queue_url, max_messages=10, wait_seconds=0)

    assert (first.message_id, second.message_id) == (message_id, message_id)
    assert (first.receive_count, second.receive_count) == (1, 2)


def test_a_batch_delete_returns_the_entries_sqs_refused_and_deletes_the_rest(sqs_client, queue_url):
    send(sqs_client, queue_url, {"one": 1})
    [message] = sqs.receive(queue_url, max_messages=10, wait_seconds=0)
    forged = dataclasses.replace(message, message_id="forged", receipt_handle="not-a-handle")

    assert sqs.delete(queue_url, [message, forged]) == ["forged"]
    assert queue_depth(sqs_client, queue_url) == (0, 0)


def test_a_queue_that_does_not_exist_stops_the_worker_naming_the_setting(sqs_client, queue_url):
    missing = queue_url.replace("drops", "no-such-queue")
    with pytest.raises(sqs.QueueUnavailable) as raised:
        sqs.visibility_timeout(missing)
    assert raised.value.queue_missing
    with pytest.raises(CommandError, match="SQS_QUEUE_URL"):
        call_command("run_worker", "--in-process", "--queue-url", missing, "--until-empty")
