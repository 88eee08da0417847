"""The SQS worker: receive S3 events, hand each to the pipeline, delete it once it is handled.

SQS delivers at least once; the pipeline records each object version once, so a redelivery is a
`duplicate` and the effect is exactly once. Every message ends in one of three outcomes:

- handled: every record reached a final status, or it is the s3:TestEvent -> deleted;
- poison: not JSON, not an event the parser knows, or the service refused the event itself
  (422) -> logged with its id and a preview, deleted (the DLQ is for failures that may heal);
- retry: S3, the database or the service is unavailable, or anything unexpected -> left in the
  queue; it comes back after the visibility timeout and the redrive policy moves it to the DLQ
  after maxReceiveCount. The worker backs off (bounded, jittered) and never exits on an outage.

One code path decides the outcome; only the last step differs between the two handlers:
`InProcess` calls the pipeline here, `ForwardToService` POSTs the raw body to the HTTP service.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field, fields
from pathlib import Path

from django.db import connections

from ingestion import correlation
from ingestion.errors import InvalidEvent
from ingestion.pipeline.events import ParsedEvent, body_preview, parse_event
from ingestion.worker import sqs
from ingestion.worker.flow import (
    BACKOFF_BASE_SECONDS,
    BACKOFF_CAP_SECONDS,
    Backoff,
    VisibilityHeartbeat,
)
from ingestion.worker.handlers import Handler, Outcome, Verdict
from ingestion.worker.sqs import Message, QueueUnavailable

logger = logging.getLogger(__name__)

SUMMARY_INTERVAL_SECONDS = 60.0
# How often a stop request is noticed while a long poll runs in its own thread.
STOP_CHECK_SECONDS = 0.1
_SUMMARY_FIELDS = {"handled": "handled", "poison": "poison", "retry": "retried"}


@dataclass(frozen=True)
class WorkerOptions:
    queue_url: str
    wait_seconds: int = sqs.MAX_WAIT_SECONDS
    batch_size: int = sqs.MAX_BATCH_SIZE
    concurrency: int = 1
    until_empty: bool = False
    heartbeat_file: Path | None = None
    backoff_base: float = BACKOFF_BASE_SECONDS
    backoff_cap: float = BACKOFF_CAP_SECONDS
    summary_interval: float = SUMMARY_INTERVAL_SECONDS


@dataclass
class Summary:
    received: int = 0
    handled: int = 0
    processed: int = 0
    duplicates: int = 0
    poison: int = 0
    retried: int = 0
    released: int = 0
    delete_failed: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **counts: int) -> None:
        with self._lock:
            for name, count in counts.items():
                setattr(self, name, getattr(self, name) + count)

    def as_dict(self) -> dict[str, int]:
        with self._lock:
            return {f.name: getattr(self, f.name) for f in fields(self) if f.compare}


class Worker:
    """Long-poll a queue and settle each message; `run` returns when stopped or drained."""

    def __init__(
        self, options: WorkerOptions, handler: Handler, *, stop: threading.Event | None = None
    ) -> None:
        self.options = options
        self.handler = handler
        self.stop_event = stop or threading.Event()
        self.stop_reason = ""
        self.summary = Summary()
        self.backoff = Backoff(options.backoff_base, options.backoff_cap)
        self._heartbeat: VisibilityHeartbeat | None = None
        self._last_summary = time.monotonic()
        self._touch_failed = False

    def request_stop(self, reason: str = "stop requested") -> None:
        """Stop receiving; the message in hand finishes. Safe to call from a signal handler."""
        self.stop_reason = self.stop_reason or reason
        self.stop_event.set()

    def run(self) -> Summary:
        timeout = self._read_visibility_timeout()
        if timeout is None:
            return self.summary
        self._heartbeat = VisibilityHeartbeat(
            self.options.queue_url, timeout, on_tick=self._touch_while_busy
        )
        self._heartbeat.start()
        logger.info(
            "worker started",
            extra={
                "queue_url": self.options.queue_url,
                "mode": getattr(self.handler, "mode", type(self.handler).__name__),
                "visibility_timeout": timeout,
                "concurrency": self.options.concurrency,
                "wait_seconds": self.options.wait_seconds,
            },
        )
        pool = self._pool()
        ended = "queue empty"
        try:
            self._loop(pool)
        except BaseException as exc:
            ended = f"failed: {type(exc).__name__}"
            raise
        finally:
            if pool is not None:
                pool.shutdown(wait=True)
            self._heartbeat.close()
            self._log_summary("worker stopped", reason=self.stop_reason or ended)
        return self.summary

    def _loop(self, pool: ThreadPoolExecutor | None) -> None:
        while self.backoff.wait(self.stop_event):
            received_at = time.monotonic()
            try:
                batch = self._receive()
            except QueueUnavailable as exc:
                self._touch_heartbeat_file()
                delay = self.backoff.failed()
                logger.warning(
                    "could not receive; backing off",
                    extra={"error": str(exc), "backoff_seconds": round(delay, 1)},
                )
                continue
            self._touch_heartbeat_file()
            if batch is None:
                return
            if batch:
                self._handle_batch(batch, received_at, pool)
            elif self.options.until_empty:
                return
            self._maybe_log_summary()

    def _read_visibility_timeout(self) -> int | None:
        while self.backoff.wait(self.stop_event):
            try:
                timeout = sqs.visibility_timeout(self.options.queue_url)
            except QueueUnavailable as exc:
                if exc.queue_missing:
                    raise
                self._touch_heartbeat_file()
                delay = self.backoff.failed()
                logger.warning(
                    "could not read the queue's attributes; backing off",
                    extra={"error": str(exc), "backoff_seconds": round(delay, 1)},
                )
                continue
            self.backoff.succeeded()
            return timeout
        return None

    def _receive(self) -> list[Message] | None:
        """Long-poll in a helper thread so a stop request ends the wait at once (None).

        A message SQS hands to an abandoned poll is not lost: it reappears after the visibility
        timeout. That window is the price of exiting within seconds of SIGTERM.
        """
        box: dict[str, object] = {}
        done = threading.Event()

        def poll() -> None:
            try:
                box["messages"] = sqs.receive(
                    self.options.queue_url,
                    max_messages=self.options.batch_size,
                    wait_seconds=self.options.wait_seconds,
                )
            except BaseException as exc:  # handed to the waiting thread
                box["error"] = exc
            finally:
                done.set()

        logger.debug("long poll", extra={"wait_seconds": self.options.wait_seconds})
        threading.Thread(target=poll, name="sqs-receive", daemon=True).start()
        while not done.wait(STOP_CHECK_SECONDS):
            if self.stop_event.is_set():
                logger.info("long poll abandoned on a stop request")
                return None
        if "error" in box:
            raise box["error"]  # type: ignore[misc]
        return box["messages"]  # type: ignore[return-value]

    def _pool(self) -> ThreadPoolExecutor | None:
        if self.options.concurrency <= 1:
            return None
        return ThreadPoolExecutor(self.options.concurrency, thread_name_prefix="sqs-message")

    def _handle_batch(
        self, batch: list[Message], received_at: float, pool: ThreadPoolExecutor | None
    ) -> None:
        assert self._heartbeat is not None
        self.summary.add(received=len(batch))
        self._heartbeat.hold(batch, received_at)
        pending = collections.deque(batch)
        outcomes: list[Outcome] = []
        if pool is None:
            self._drain(pending, outcomes)
        else:
            lanes = min(self.options.concurrency, len(batch))
            futures = [pool.submit(self._lane, pending, outcomes) for _ in range(lanes)]
            wait(futures)
            for future in futures:
                future.result()  # a bug in a lane surfaces here, not silently
        if pending:
            self._release(list(pending))
        self._pace(outcomes)

    def _pace(self, outcomes: list[Outcome]) -> None:
        """Back off before the next receive only when nothing of the batch could be done.

        A message left for redelivery waits on its own (SQS hides it until its visibility
        timeout ends); the messages beside it are handled at once. Only a batch in which every
        message failed looks like an outage of S3, the database or the service.
        """
        if not outcomes:
            return
        if all(outcome == "retry" for outcome in outcomes):
            self.backoff.failed()
        else:
            self.backoff.succeeded()

    def _drain(self, pending: collections.deque[Message], outcomes: list[Outcome]) -> None:
        """Handle messages one by one until none is left or a stop is requested."""
        while not self.stop_event.is_set():
            try:
                message = pending.popleft()
            except IndexError:
                return
            outcomes.append(self._handle(message))

    def _lane(self, pending: collections.deque[Message], outcomes: list[Outcome]) -> None:
        """Drain from a pool thread, then close the database connection that thread opened."""
        try:
            self._drain(pending, outcomes)
        finally:
            connections.close_all()

    def _handle(self, message: Message) -> Outcome:
        # Bound here, in the thread that handles the message: a pool thread carries its own id.
        with correlation.bound(message.message_id):
            started = time.monotonic()
            event, verdict = self._decide(message)
            self._settle(message, verdict)
            self._record(message, event, verdict, time.monotonic() - started)
        return verdict.outcome

    def _decide(self, message: Message) -> tuple[ParsedEvent | None, Verdict]:
        try:
            event = parse_event(message.body)
        except InvalidEvent as exc:
            return None, Verdict("poison", detail=exc.message)
        except Exception as exc:
            # The parser words every refusal; anything else it raises is still about the body,
            # and nothing a message holds may stop the worker or come back forever.
            logger.exception("the message body broke the parser", extra={"id": message.message_id})
            return None, Verdict(
                "poison", detail=f"the body cannot be parsed ({type(exc).__name__})"
            )
        if event.kind == "test":
            return event, Verdict("handled", detail="s3:TestEvent acknowledged")
        try:
            return event, self.handler(event, message.body)
        except Exception as exc:
            # Unexpected (a bug, a new failure mode): keep the message; the DLQ catches it if
            # it never heals, and a fix can redrive it from there.
            logger.exception("message handler failed", extra={"message_id": message.message_id})
            return event, Verdict("retry", detail=f"{type(exc).__name__}: {exc}")

    def _settle(self, message: Message, verdict: Verdict) -> None:
        assert self._heartbeat is not None
        self._heartbeat.drop(message)
        if verdict.outcome == "retry":
            return
        try:
            failed = sqs.delete(self.options.queue_url, [message])
        except QueueUnavailable as exc:
            failed = [message.message_id]
            logger.warning("could not delete", extra={"error": str(exc)})
        if failed:
            # It comes back and is recorded as a duplicate: no harm beyond the extra work.
            self.summary.add(delete_failed=1)

    def _release(self, messages: Sequence[Message]) -> None:
        """Hand back messages received but not started (stop requested) for another consumer."""
        assert self._heartbeat is not None
        for message in messages:
            self._heartbeat.drop(message)
        try:
            failed = sqs.change_visibility(self.options.queue_url, messages, 0)
        except QueueUnavailable as exc:
            logger.warning("could not release messages", extra={"error": str(exc)})
            return
        self.summary.add(released=len(messages) - len(failed))
        logger.info("released messages not started", extra={"messages": len(messages)})

    def _record(
        self, message: Message, event: ParsedEvent | None, verdict: Verdict, duration: float
    ) -> None:
        self.summary.add(
            **{_SUMMARY_FIELDS[verdict.outcome]: 1},
            processed=verdict.statuses.count("processed"),
            duplicates=verdict.statuses.count("duplicate"),
        )
        context = {
            "message_id": message.message_id,
            "receive_count": message.receive_count,
            "outcome": verdict.outcome,
            "kind": event.kind if event else None,
            "records": len(event.records) if event else 0,
            # Counts, not the list: a message may name a thousand objects.
            "statuses": dict(collections.Counter(verdict.statuses)),
            "duration_ms": round(duration * 1000, 1),
        }
        if verdict.outcome == "handled":
            logger.info("message handled", extra=context)
        elif verdict.outcome == "poison":
            preview = body_preview(message.body)
            logger.warning(
                "poison message deleted",
                extra={**context, "reason": verdict.detail, "preview": preview},
            )
        else:
            logger.warning(
                "message left for redelivery", extra={**context, "reason": verdict.detail}
            )

    def _maybe_log_summary(self) -> None:
        if time.monotonic() - self._last_summary >= self.options.summary_interval:
            self._log_summary("worker summary")

    def _log_summary(self, text: str, **extra: str) -> None:
        self._last_summary = time.monotonic()
        logger.info(text, extra={**self.summary.as_dict(), **extra})

    def _touch_while_busy(self, in_hand: bool) -> None:
        # A file that takes longer than the probe's max age must not get the pod killed.
        if in_hand:
            self._touch_heartbeat_file()

    def _touch_heartbeat_file(self) -> None:
        path = self.options.heartbeat_file
        if path is None:
            return
        try:
            path.touch()
        except OSError as exc:
            if not self._touch_failed:
                logger.error(
                    "could not touch the heartbeat file: the health probe will fail",
                    extra={"path": str(path), "error": str(exc)},
                )
            self._touch_failed = True
        else:
            self._touch_failed = False
