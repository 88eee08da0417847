"""The application's error types.

Exceptions are for "could not run at all"; a data-quality failure is a result, never an error.
Each subclass carries the HTTP status the API answers with.
"""

from __future__ import annotations


class IngestionError(Exception):
    status_code = 500

    def __init__(self, message: str, *, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class InvalidEvent(IngestionError):
    """The request or message body is not an event this service understands."""

    status_code = 422


class SourceUnavailable(IngestionError):
    """S3 or the database could not be reached; the caller should retry later."""

    status_code = 503


def database_unavailable(error: BaseException) -> str:
    """Say that the database failed, with the first line of its error (drivers write several)."""
    text = str(error).strip()
    return f"the database is unavailable: {text.splitlines()[0] if text else type(error).__name__}"
