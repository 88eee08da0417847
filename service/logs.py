"""Log formatters: JSON lines for machines (the default), key=value text for people.

Both add the correlation id bound where the line was logged (ingestion/correlation.py), so every
line of one message, request or command can be found with one search.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from ingestion.correlation import current_id

# Attributes every LogRecord has; anything else on a record came from `extra=` and is context.
_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def record_context(record: logging.LogRecord) -> dict:
    """The record's `extra=` fields, after the correlation id of the unit of work when bound.

    Handlers format in the thread that logs, so the id read here is the one of that line's work.
    """
    correlation_id = current_id()
    context = {"correlation_id": correlation_id} if correlation_id else {}
    context.update((k, v) for k, v in vars(record).items() if k not in _STANDARD_ATTRS)
    return context


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **record_context(record),
        }
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return encodable(json.dumps(entry, default=str, ensure_ascii=False))


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        context = " ".join(f"{k}={v}" for k, v in record_context(record).items())
        stamp = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        line = f"{stamp} {record.levelname:<7} {record.name}: {record.getMessage()}"
        if context:
            line = f"{line} [{context}]"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return encodable(line)


def encodable(line: str) -> str:
    """The line with what UTF-8 cannot encode (a lone surrogate from a hostile event) escaped."""
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        return line.encode("utf-8", "backslashreplace").decode("utf-8")
    return line
