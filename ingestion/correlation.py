"""The correlation id: one id on every log line of one unit of work.

A unit of work is one SQS message in the worker (its message id), one HTTP request in the service
(the caller's X-Request-ID when sane, else a new id) or one management command (a new id). The id
lives in a context variable, so each thread and each asyncio task carries its own; a thread
started inside a unit of work sees it only when started in a copy of the context.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import uuid
from collections.abc import Iterator

# The HTTP header that carries the id, both ways (the worker sends it to the service, too).
REQUEST_ID_HEADER = "X-Request-ID"
# An id from outside is echoed into every log line and answer, so only a short token of plain
# characters is taken: room for a UUID or a W3C trace id, none for a forged log line.
MAX_INCOMING_ID_CHARS = 64
_SANE_ID = re.compile(rf"[A-Za-z0-9._:-]{{1,{MAX_INCOMING_ID_CHARS}}}")

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None
)


def new_id() -> str:
    return uuid.uuid4().hex


def current_id() -> str | None:
    """The id bound to this thread or task, None outside any unit of work."""
    return _current.get()


def accept(incoming: str | None) -> str:
    """The caller's id when it is a sane short token, else a new one."""
    if incoming is not None and _SANE_ID.fullmatch(incoming):
        return incoming
    return new_id()


@contextlib.contextmanager
def bound(correlation_id: str | None = None) -> Iterator[str]:
    """Bind an id (a new one when None) for the duration of the block; yield it."""
    value = correlation_id or new_id()
    token = _current.set(value)
    try:
        yield value
    finally:
        _current.reset(token)
