"""`manage.py run_worker` as a process: signals, exit codes, and moto in server mode."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import boto3
import psycopg2
import pytest
from django.db import connection

from ingestion.models import MonitoringFileRun
from tests.builders import BUCKET, CLEAN_CSV, make_definition, make_monitoring_file, s3_notification
from tests.polling import wait_until

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KEY = "acme/stations.csv"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
# A stop must end the worker this fast, even during a 20 s long poll (EKS waits 30 s by default).
EXIT_BUDGET_SECONDS = 10


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """moto as a real HTTP server in this process, so a worker process can reach it."""
    from moto.server import ThreadedMotoServer

    # werkzeug logs every request the worker makes at INFO; failures are what matter here.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def remote(moto_endpoint, request):
    """Clients for the moto server and a fresh queue for this test."""
    options = {"endpoint_url": moto_endpoint, "region_name": "us-east-1", **CREDENTIALS}
    s3, sqs = boto3.client("s3", **options), boto3.client("sqs", **options)
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=BUCKET)
    queue_url = sqs.create_queue(
        QueueName=request.node.name[:70].replace("[", "-").replace("]", ""),
        Attributes={"VisibilityTimeout": "30"},
    )["QueueUrl"]
    return s3, sqs, queue_url


class WorkerProcess:
    """`manage.py run_worker` in a subprocess, its JSON log lines collected as they arrive."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.lines: list[str] = []
        self._signalled = 0.0
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", *args],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    def logs(self, message: str) -> list[dict]:
        found = []
        for line in list(self.lines):
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if entry.get("message") == message:
                    found.append(entry)
        return found

    def wait_for_log(self, message: str, seconds: float = 30) -> dict:
        return wait_until(lambda: next(iter(self.logs(message)), None), seconds, repr(message))

    def signal(self, sig: signal.Signals = signal.SIGTERM) -> None:
        self._signalled = time.monotonic()
        self.process.send_signal(sig)

    def exit_code(self) -> tuple[int, float]:
        """Wait for the process; return its exit code and the seconds since the signal."""
        code = self.process.wait(timeout=30)
        elapsed = time.monotonic() - self._signalled
        self._reader.join(timeout=5)
        return code, elapsed

    def output(self) -> str:
        return "".join(self.lines)


def test_database_url() -> str:
    """The URL of the database this test runs on, for a process outside pytest."""
    config = connection.settings_dict
    host = config["HOST"] or config["OPTIONS"].get("host", "")
    credentials = f"{quote(config['USER'])}:{quote(config['PASSWORD'] or '')}"
    if host.startswith("/"):
        return f"postgresql://{credentials}@/{config['NAME']}?host={quote(host)}"
    port = f":{config['PORT']}" if config["PORT"] else ""
    return f"postgresql://{credentials}@{host}{port}/{config['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


def worker_env(moto_endpoint: str, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "AWS_"))}
    return {
        **base,
        "DATABASE_URL": test_database_url(),
        "DJANGO_SECRET_KEY": "tests-only",
        "INGESTION_API_TOKEN": "t",
        "INGESTION_SERVICE_URL": "",
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "LOG_FORMAT": "json",
        **extra,
    }


@contextlib.contextmanager
def table_locked(table: str) -> Iterator[None]:
    """Hold an exclusive lock on a reporting table: any query of it waits until the block ends."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    locker = psycopg2.connect(**params)
    try:
        with locker.cursor() as cursor:
            cursor.execute(f'LOCK TABLE "reporting"."{table}" IN ACCESS EXCLUSIVE MODE')
        yield
    finally:
        locker.commit()
        locker.close()


def someone_waits_for(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks JOIN pg_class ON pg_class.oid = pg_locks.relation "
            "WHERE pg_class.relname = %s AND NOT pg_locks.granted",
            [table],
        )
        return cursor.fetchone()[0] > 0


def test_sigterm_during_a_slow_message_finishes_and_deletes_it_releases_the_rest_and_exits_0(
    remote, moto_endpoint, tmp_path
):
    s3, sqs, queue_url = remote
    make_monitoring_file(schema_definition=make_definition())
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=CLEAN_CSV)
    in_hand = sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(s3_notification(KEY)))
    waiting = sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(s3_notification(KEY)))
    env = worker_env(moto_endpoint, WORKER_HEARTBEAT_FILE=str(tmp_path / "heartbeat"))

    # The pipeline looks for an earlier recording of the object in this table: while it is
    # locked the worker's message is in hand and cannot finish.
    with table_locked("monitoring_file_data_quality"):
        worker = WorkerProcess("--in-process", "--queue-url", queue_url, env=env)
        wait_until(lambda: someone_waits_for("monitoring_file_data_quality"), 30, "a blocked query")
        worker.signal(signal.SIGTERM)
    code, _ = worker.exit_code()

    assert code == 0, worker.output()
    [handled] = worker.logs("message handled")
    assert (handled["message_id"], handled["statuses"]) == (in_hand["MessageId"], {"processed": 1})
    assert worker.logs("worker stopped")[0]["reason"] == "SIGTERM"
    assert worker.logs("worker stopped")[0]["released"] == 1
    assert MonitoringFileRun.objects.count() == 1
    # The message not started is visible again at once, not after the 30 s visibility timeout.
    answer = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1, MaxNumberOfMessages=10)
    assert [m["MessageId"] for m in answer.get("Messages", [])] == [waiting["MessageId"]]


def test_sigterm_during_a_20_second_long_poll_exits_0_within_seconds(
    remote, moto_endpoint, tmp_path
):
    _, _, queue_url = remote
    env = worker_env(moto_endpoint, LOG_LEVEL="DEBUG")
    worker = WorkerProcess(
        "--in-process", "--queue-url", queue_url, "--wait-seconds", "20", env=env
    )
    worker.wait_for_log("long poll")

    worker.signal(signal.SIGTERM)
    code, elapsed = worker.exit_code()

    assert code == 0, worker.output()
    assert elapsed < EXIT_BUDGET_SECONDS
    assert worker.logs("worker stopped")[0]["reason"] == "SIGTERM"


def test_run_worker_without_a_queue_url_stops_at_once_with_one_line_naming_the_variable(
    moto_endpoint,
):
    result = subprocess.run(
        [sys.executable, "manage.py", "run_worker"],
        cwd=PROJECT_ROOT,
        env=worker_env(moto_endpoint, SQS_QUEUE_URL=""),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    [line] = [line for line in result.stderr.splitlines() if line.strip()]
    assert "SQS_QUEUE_URL" in line
