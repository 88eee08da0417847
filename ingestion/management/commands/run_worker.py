"""python manage.py run_worker [--forward-to URL | --in-process] [--until-empty] ...

The mode: `--in-process` runs the pipeline in this process; otherwise the worker forwards each
message to `--forward-to URL`, or to INGESTION_SERVICE_URL when that is set; with neither it
runs in-process.
"""

from __future__ import annotations

import argparse
import signal
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ingestion.worker import sqs
from ingestion.worker.handlers import ForwardToService, InProcess
from ingestion.worker.loop import Worker, WorkerOptions

_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _bounded_int(low: int, high: int):
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high} (got {value})")
        return value

    return parse


class Command(BaseCommand):
    help = (
        "Long-poll SQS_QUEUE_URL for S3 events and process each in-process or forward it to the "
        "HTTP service; delete a message only once it is handled. SIGTERM/SIGINT stop it cleanly."
    )

    def add_arguments(self, parser):
        parser.add_argument("--queue-url", help="the queue to poll (default: SQS_QUEUE_URL)")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--forward-to",
            metavar="URL",
            help="POST each message to this service base URL's /api/trigger-ingestion/ "
            "(default: INGESTION_SERVICE_URL)",
        )
        mode.add_argument(
            "--in-process",
            action="store_true",
            help="run the pipeline in this process even when INGESTION_SERVICE_URL is set",
        )
        parser.add_argument(
            "--concurrency",
            type=_bounded_int(1, sqs.MAX_BATCH_SIZE),
            default=1,
            help="messages of a batch handled at once (default 1)",
        )
        parser.add_argument(
            "--batch-size",
            type=_bounded_int(1, sqs.MAX_BATCH_SIZE),
            default=sqs.MAX_BATCH_SIZE,
            help="messages asked for per receive (default 10)",
        )
        parser.add_argument(
            "--wait-seconds",
            type=_bounded_int(0, sqs.MAX_WAIT_SECONDS),
            default=sqs.MAX_WAIT_SECONDS,
            help="long-poll wait per receive (default 20)",
        )
        parser.add_argument(
            "--until-empty", action="store_true", help="exit 0 once a receive returns nothing"
        )
        parser.add_argument(
            "--heartbeat-file",
            type=Path,
            help="file touched after every poll (default: WORKER_HEARTBEAT_FILE)",
        )

    def handle(self, *args, **options):
        queue_url = options["queue_url"] or settings.SQS_QUEUE_URL
        if not queue_url:
            raise CommandError("SQS_QUEUE_URL is not set (or pass --queue-url)")
        worker = Worker(
            WorkerOptions(
                queue_url=queue_url,
                wait_seconds=options["wait_seconds"],
                batch_size=options["batch_size"],
                concurrency=options["concurrency"],
                until_empty=options["until_empty"],
                heartbeat_file=options["heartbeat_file"] or Path(settings.WORKER_HEARTBEAT_FILE),
            ),
            self._handler(options),
        )
        previous = {
            number: signal.signal(number, lambda signum, _: worker.request_stop(_name(signum)))
            for number in _STOP_SIGNALS
        }
        try:
            worker.run()
        except sqs.QueueUnavailable as exc:
            # Only a queue that does not exist ends the worker; an outage never does.
            raise CommandError(f"{exc.message} ({queue_url}): check SQS_QUEUE_URL") from None
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)

    def _handler(self, options) -> InProcess | ForwardToService:
        url = (
            None
            if options["in_process"]
            else options["forward_to"] or settings.INGESTION_SERVICE_URL
        )
        if not url:
            return InProcess()
        if not settings.INGESTION_API_TOKEN:
            self.stderr.write("warning: INGESTION_API_TOKEN is not set; the service may refuse")
        return ForwardToService(url, settings.INGESTION_API_TOKEN)


def _name(signum: int) -> str:
    return signal.Signals(signum).name
