"""A local S3 + SQS for the demo: moto in server mode, a bucket wired to a queue with a DLQ.

Development only. The credentials are dummies handed to boto3 explicitly and to the demo's
child processes through their environment; this process's own environment is left alone.

    python -m dev.local_aws --port N    # moto alone in its own process, until SIGTERM

The demo runs moto in a thread of its own process; the end-to-end benchmark runs it in a
process of its own, so moto's work does not share a GIL with the uploads it is timing.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote_plus

import boto3
from botocore.config import Config
from moto.server import ThreadedMotoServer

LOOPBACK = "127.0.0.1"
REGION = "us-east-1"
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo"}
# Short for a demo, so a message a retry left hidden comes back quickly; the worker extends the
# visibility of what it holds, so a slow file is not handed out twice.
VISIBILITY_TIMEOUT_SECONDS = 30
MAX_RECEIVE_COUNT = 5
QUEUE_RETENTION_SECONDS = 4 * 24 * 3600
# The DLQ keeps a message longer than the source queue does (14 days, the SQS maximum).
DLQ_RETENTION_SECONDS = 14 * 24 * 3600
DELIVERY_TIMEOUT_SECONDS = 3.0
POLL_SECONDS = 0.1
_CLIENT_CONFIG = Config(
    region_name=REGION, connect_timeout=5, read_timeout=30, retries={"mode": "standard"}
)


class LocalAws:
    """Clients for the local endpoint, and the few calls the demo makes."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        session = boto3.session.Session(
            aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=REGION,
        )
        self.s3 = session.client("s3", endpoint_url=endpoint, config=_CLIENT_CONFIG)
        self.sqs = session.client("sqs", endpoint_url=endpoint, config=_CLIENT_CONFIG)

    def create_queue_with_dlq(self, name: str) -> str:
        """Create `name` and `name-dlq` with a redrive policy; return the queue's URL."""
        dlq_url = self.sqs.create_queue(
            QueueName=f"{name}-dlq",
            Attributes={"MessageRetentionPeriod": str(DLQ_RETENTION_SECONDS)},
        )["QueueUrl"]
        redrive = {
            "deadLetterTargetArn": self.queue_arn(dlq_url),
            "maxReceiveCount": MAX_RECEIVE_COUNT,
        }
        return self.sqs.create_queue(
            QueueName=name,
            Attributes={
                "VisibilityTimeout": str(VISIBILITY_TIMEOUT_SECONDS),
                "MessageRetentionPeriod": str(QUEUE_RETENTION_SECONDS),
                "RedrivePolicy": json.dumps(redrive),
            },
        )["QueueUrl"]

    def queue_arn(self, queue_url: str) -> str:
        attributes = self.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
        return attributes["Attributes"]["QueueArn"]

    def create_bucket_notifying(self, bucket: str, queue_url: str) -> None:
        """Create the bucket and send its ObjectCreated events to the queue (moto enqueues a
        s3:TestEvent as AWS does; the worker acknowledges it)."""
        self.s3.create_bucket(Bucket=bucket)
        self.s3.put_bucket_notification_configuration(
            Bucket=bucket,
            NotificationConfiguration={
                "QueueConfigurations": [
                    {"QueueArn": self.queue_arn(queue_url), "Events": ["s3:ObjectCreated:*"]}
                ]
            },
        )

    def depth(self, queue_url: str) -> tuple[int, int]:
        """(visible, in flight) message counts."""
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        found = self.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)
        return tuple(int(found["Attributes"][name]) for name in names)  # type: ignore[return-value]

    def upload(self, bucket: str, key: str, body: bytes) -> Upload:
        answer = self.s3.put_object(Bucket=bucket, Key=key, Body=body)
        return Upload(bucket, key, len(body), str(answer.get("ETag", "")).strip('"'))

    def wait_for_messages(self, queue_url: str, count: int) -> bool:
        """Poll until the queue holds at least `count` messages; False at the deadline."""
        deadline = time.monotonic() + DELIVERY_TIMEOUT_SECONDS
        pause = threading.Event()
        while True:
            if sum(self.depth(queue_url)) >= count:
                return True
            if time.monotonic() >= deadline:
                return False
            pause.wait(POLL_SECONDS)

    def send_events(self, queue_url: str, uploads: list[Upload]) -> None:
        """Enqueue the S3 event notifications S3 would have sent for `uploads`."""
        for upload in uploads:
            self.sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(upload.s3_event()))


@dataclass(frozen=True)
class Upload:
    bucket: str
    key: str
    size: int
    etag: str

    def s3_event(self) -> dict:
        """The event S3 sends for this object; keys are form-URL-encoded as S3 does it."""
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        return {
            "Records": [
                {
                    "eventVersion": "2.1",
                    "eventSource": "aws:s3",
                    "awsRegion": REGION,
                    "eventTime": now,
                    "eventName": "ObjectCreated:Put",
                    "s3": {
                        "s3SchemaVersion": "1.0",
                        "bucket": {"name": self.bucket, "arn": f"arn:aws:s3:::{self.bucket}"},
                        "object": {
                            "key": quote_plus(self.key, safe="/"),
                            "size": self.size,
                            "eTag": self.etag,
                        },
                    },
                }
            ]
        }


def start_moto(port: int) -> tuple[ThreadedMotoServer, str]:
    """Start moto's server on 127.0.0.1:`port` (0: any free port); return it and its URL."""
    # werkzeug logs every request at INFO to stderr unless told otherwise.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address=LOOPBACK, port=port, verbose=False)
    server.start()
    host, bound = server.get_host_and_port()
    return server, f"http://{host}:{bound}"


def main(argv: list[str] | None = None) -> int:
    """Serve moto on 127.0.0.1:--port until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m dev.local_aws", description=main.__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda signum, frame: stop.set())
    server, endpoint = start_moto(args.port)
    print(f"moto serving S3 and SQS at {endpoint}", flush=True)
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
