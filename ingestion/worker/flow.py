"""Flow control of the worker: how long to hold off after a failure, and keeping messages hidden."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable

from ingestion.worker import sqs
from ingestion.worker.sqs import Message, QueueUnavailable

logger = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 60.0
HEARTBEAT_JOIN_SECONDS = 2.0
_BACKOFF_MAX_DOUBLINGS = 32


class Backoff:
    """Bounded exponential backoff with jitter, shared by every thread of the worker."""

    def __init__(self, base: float, cap: float) -> None:
        self.base, self.cap = base, cap
        self._failures = 0
        self._resume_at = 0.0
        self._lock = threading.Lock()

    def failed(self) -> float:
        """Record a failure and return how long to hold off (half fixed, half random)."""
        with self._lock:
            # Counting stops at the cap, so a day-long outage cannot overflow the exponent.
            self._failures = min(self._failures + 1, _BACKOFF_MAX_DOUBLINGS)
            ceiling = min(self.cap, self.base * 2 ** (self._failures - 1))
            delay = ceiling / 2 + random.uniform(0, ceiling / 2)
            self._resume_at = max(self._resume_at, time.monotonic() + delay)
            return delay

    def succeeded(self) -> None:
        with self._lock:
            self._failures = 0
            self._resume_at = 0.0

    def wait(self, stop: threading.Event) -> bool:
        """Sleep until the backoff has passed; False when a stop request came first."""
        while not stop.is_set():
            with self._lock:
                remaining = self._resume_at - time.monotonic()
            if remaining <= 0:
                return True
            stop.wait(remaining)
        return False


class VisibilityHeartbeat:
    """Keep every message in hand hidden: extend its visibility at half of the timeout.

    Messages of a batch wait while earlier ones are processed, and the clock started for all of
    them at receive, so every received-but-unfinished message is covered, not only the current one.
    """

    def __init__(
        self, queue_url: str, timeout: int, *, on_tick: Callable[[bool], None] = lambda _: None
    ) -> None:
        self.queue_url, self.timeout = queue_url, timeout
        self._half = timeout / 2
        self._tick = min(1.0, max(0.1, timeout / 4))
        self._on_tick = on_tick
        self._due: dict[str, tuple[Message, float]] = {}
        self._lock = threading.Lock()
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqs-visibility", daemon=True)

    def start(self) -> None:
        if self.timeout < 1:
            logger.warning("the queue's VisibilityTimeout is 0: messages cannot be kept hidden")
        self._thread.start()

    def close(self) -> None:
        self._halt.set()
        if self._thread.is_alive():
            # Bounded: an extension call stuck on an unreachable SQS must not delay an exit.
            self._thread.join(timeout=HEARTBEAT_JOIN_SECONDS)

    def hold(self, messages: Iterable[Message], received_at: float) -> None:
        with self._lock:
            for message in messages:
                self._due[message.message_id] = (message, received_at + self._half)

    def drop(self, message: Message) -> None:
        with self._lock:
            self._due.pop(message.message_id, None)

    def _run(self) -> None:
        while not self._halt.wait(self._tick):
            self._extend_due()
            with self._lock:
                in_hand = bool(self._due)
            self._on_tick(in_hand)

    def _extend_due(self) -> None:
        if self.timeout < 1:
            return
        now = time.monotonic()
        with self._lock:
            due = [message for message, at in self._due.values() if at <= now]
        if not due:
            return
        try:
            failed = set(sqs.change_visibility(self.queue_url, due, self.timeout))
        except QueueUnavailable as exc:
            logger.warning("could not extend visibility; trying again", extra={"error": str(exc)})
            return
        with self._lock:
            for message in due:
                if message.message_id not in self._due:
                    continue  # finished while the call ran
                if message.message_id in failed:
                    # A refused entry (its receipt handle expired) will not succeed later.
                    del self._due[message.message_id]
                else:
                    self._due[message.message_id] = (message, now + self._half)
        logger.debug("visibility extended", extra={"messages": len(due) - len(failed)})
