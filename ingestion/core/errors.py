"""The one exception of the core: the bytes cannot be read as a table."""

from __future__ import annotations

from typing import Any


class FormatError(Exception):
    """The content cannot be read as a table; becomes a format_parsing failure, never escapes."""

    def __init__(self, reason: str, **evidence: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.evidence = evidence
        # What is known of the format when reading failed, for the report's `format`.
        self.format: dict[str, Any] | None = None


class EngineUnavailable(RuntimeError):
    """The engine cannot run safely here (a required library is missing); not about the file."""
