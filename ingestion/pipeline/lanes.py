"""Pipeline threads that keep their database connection from one file to the next.

Under ASGI, Django runs a sync view in a thread made for that one request, so its database
connection cannot outlive the request (`CONN_MAX_AGE` stays 0, or connections pile up until
PostgreSQL refuses clients) and every file paid for a new connection: 4-10 ms on the bench and
half of PostgreSQL's CPU per file, more with TLS to a managed server. The trigger endpoint runs
the pipeline on one of `PIPELINE_THREADS` long-lived threads instead. Each keeps its connection,
makes one round trip to check it before a run (a server restart or an idle timeout leaves a kept
connection dead) and drops it after a run that left it in a transaction or failed on it.

`PIPELINE_THREADS=0` runs the pipeline in the request's own thread, with a connection opened and
closed per request, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections

P = ParamSpec("P")
R = TypeVar("R")

# The lane threads and how many there are (PIPELINE_THREADS when they were made).
_lanes: tuple[ThreadPoolExecutor, int] | None = None
_lanes_lock = threading.Lock()
CLOSE_TIMEOUT_SECONDS = 10


async def run_in_lane(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Await `function(*args, **kwargs)` on a pipeline thread; context variables go along."""
    lanes = _executor()
    if lanes is None:
        return await sync_to_async(function)(*args, **kwargs)
    run = sync_to_async(_keeping_connection, thread_sensitive=False, executor=lanes)
    return await run(function, *args, **kwargs)


def close_lanes() -> None:
    """Close every pipeline thread's connection, then the threads; the next run makes new ones."""
    global _lanes
    with _lanes_lock:
        lanes, _lanes = _lanes, None
    if lanes is None:
        return
    pool, count = lanes
    # Each task waits for all the others, so every thread takes exactly one and closes its own.
    everyone = threading.Barrier(count)
    for _ in range(count):
        pool.submit(_close_connections_together, everyone)
    pool.shutdown(wait=True)


def _executor() -> ThreadPoolExecutor | None:
    global _lanes
    if settings.PIPELINE_THREADS == 0:
        return None
    with _lanes_lock:
        if _lanes is None:
            count = settings.PIPELINE_THREADS
            _lanes = (ThreadPoolExecutor(max_workers=count, thread_name_prefix="pipeline"), count)
        return _lanes[0]


def _keeping_connection(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.is_usable():
            connection.close()
    try:
        return function(*args, **kwargs)
    finally:
        for connection in connections.all(initialized_only=True):
            spoilt = connection.in_atomic_block or connection.errors_occurred
            if connection.connection is not None and (spoilt or not connection.get_autocommit()):
                connection.close()


def _close_connections_together(everyone: threading.Barrier) -> None:
    try:
        everyone.wait(timeout=CLOSE_TIMEOUT_SECONDS)
    except threading.BrokenBarrierError:
        pass
    finally:
        connections.close_all()
