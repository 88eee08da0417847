"""Long work keeps its messages hidden; the heartbeat file tells a probe the worker is alive."""

from __future__ import annotations

import os
import time

import pytest
from django.core.management import CommandError, call_command

from ingestion.worker import sqs
from ingestion.worker.handlers import Verdict
from tests.builders import s3_notification
from tests.polling import wait_until
from tests.worker.conftest import queue_depth, run_worker, send

VISIBILITY_TIMEOUT = 2


def test_the_visibility_heartbeat_keeps_every_message_of_a_slow_batch_hidden_until_done(
    sqs_client, make_queue, monkeypatch, tmp_path
):
    queue_url = make_queue(visibility_timeout=VISIBILITY_TIMEOUT)
    slow = send(sqs_client, queue_url, s3_notification("acme/slow.csv"))
    waiting = send(sqs_client, queue_url, s3_notification("acme/waiting.csv"))
    extensions: list[tuple[str, int]] = []
    change_visibility = sqs.change_visibility

    def recording(queue_url, messages, seconds):
        extensions.extend((message.message_id, seconds) for message in messages)
        return change_visibility(queue_url, messages, seconds)

    def extended(message_id: str) -> int:
        return sum(1 for extended_id, _ in extensions if extended_id == message_id)

    heartbeat_file = tmp_path / "heartbeat"
    seen_by_others: list[list] = []

    def slow_handler(event, body) -> Verdict:
        if event.records[0].key == "acme/slow.csv":
            touched = heartbeat_file.stat().st_mtime
            # Work well past the visibility timeout: three extensions of both messages.
            wait_until(
                lambda: extended(slow) >= 3 and extended(waiting) >= 3, 10, "three extensions"
            )
            wait_until(lambda: heartbeat_file.stat().st_mtime > touched, 5, "a fresh heartbeat")
            answer = sqs_client.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
            seen_by_others.append(answer.get("Messages", []))
        return Verdict("handled", ("processed",))

    monkeypatch.setattr(sqs, "change_visibility", recording)
    worker = run_worker(queue_url, slow_handler, heartbeat_file=heartbeat_file)

    assert seen_by_others == [[]]
    assert {seconds for _, seconds in extensions} == {VISIBILITY_TIMEOUT}
    assert (worker.summary.received, worker.summary.handled) == (2, 2)
    assert queue_depth(sqs_client, queue_url) == (0, 0)


def test_worker_health_passes_after_a_poll_and_fails_once_the_heartbeat_file_is_stale(
    queue_url, tmp_path, capsys
):
    heartbeat_file = tmp_path / "heartbeat"
    run_worker(queue_url, heartbeat_file=heartbeat_file)

    call_command("worker_health", "--heartbeat-file", str(heartbeat_file), "--max-age", "120")
    assert capsys.readouterr().out.startswith("ok:")

    long_ago = time.time() - 300
    os.utime(heartbeat_file, (long_ago, long_ago))
    with pytest.raises(CommandError, match="300 s old"):
        call_command("worker_health", "--heartbeat-file", str(heartbeat_file), "--max-age", "120")


def test_worker_health_fails_when_the_worker_never_wrote_its_heartbeat_file(tmp_path):
    with pytest.raises(CommandError, match="missing"):
        call_command("worker_health", "--heartbeat-file", str(tmp_path / "nothing-here"))
