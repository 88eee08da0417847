"""`score_file`: read a file once (twice only to confirm hashed duplicates), check it, score it."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingestion.core.checks.findings import Findings
from ingestion.core.checks.runner import TableChecks
from ingestion.core.checks.values import ColumnValues
from ingestion.core.errors import EngineUnavailable, FormatError
from ingestion.core.limits import (
    DEFAULT_CHUNK_ROWS,
    DEFAULT_LIMITS,
    DEFAULT_SAMPLE_CAP,
    READ_AHEAD_CHUNKS,
    EngineLimits,
)
from ingestion.core.profile import TableProfile
from ingestion.core.readers.chunks import Chunk, Table
from ingestion.core.readers.prefetch import Prefetcher
from ingestion.core.readers.table import open_table
from ingestion.core.report import QualityReport, build_report, format_failure_report
from schemas.spelling import DEFAULT_NULL_VALUES

if TYPE_CHECKING:
    from schemas.definition import SchemaDefinition

logger = logging.getLogger(__name__)


def score_file(
    path: str | os.PathLike[str],
    definition: SchemaDefinition | None,
    *,
    name_hint: str = "",
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    sample_cap: int = DEFAULT_SAMPLE_CAP,
    engine_limits: EngineLimits = DEFAULT_LIMITS,
) -> QualityReport:
    """Score the file at `path` against `definition` (None: only format_parsing is checked).

    `name_hint` is the object's key or file name; its extension is a hint, the content decides.
    Never raises because of the file's content; an unreadable path raises OSError. Going past
    one of `engine_limits` (columns, decompressed bytes, seconds) is a format_parsing failure.
    """
    run = _Run(
        Path(path),
        definition,
        name_hint,
        max(1, int(chunk_rows)),
        max(0, sample_cap),
        engine_limits,
    )
    run.path.stat()
    try:
        return run.execute()
    except FormatError as error:
        run.format = run.format or error.format
        return run.failed(error.reason, error.evidence)
    except (MemoryError, EngineUnavailable):
        raise
    except Exception as error:  # a library tripping over hostile bytes is still a format failure
        logger.warning("could not read %s as a table", name_hint or run.path.name, exc_info=True)
        return run.failed(f"the file cannot be read as a table ({type(error).__name__})", {})


class _Run:
    """One scoring of one file: what has been learnt so far, for the report."""

    def __init__(
        self,
        path: Path,
        definition: SchemaDefinition | None,
        name_hint: str,
        chunk_rows: int,
        sample_cap: int,
        engine_limits: EngineLimits,
    ) -> None:
        self.path = path
        self.definition = definition
        self.name_hint = name_hint
        self.chunk_rows = chunk_rows
        self.sample_cap = sample_cap
        self.limits = engine_limits
        self.deadline = time.monotonic() + engine_limits.max_seconds
        self.format: dict[str, Any] | None = None
        self.header: tuple[str, ...] = ()
        self.rows = 0
        self.profile: TableProfile | None = None

    def execute(self) -> QualityReport:
        checks = self._first_pass()
        if checks is not None and checks.confirmations:
            self._confirm(checks)
        return build_report(
            format=self.format or {},
            row_count=self.rows,
            header=self.header,
            findings=checks.findings() if checks is not None else Findings(),
            profile=self.profile.metrics() if self.profile is not None else None,
        )

    def failed(self, reason: str, evidence: dict[str, Any]) -> QualityReport:
        return format_failure_report(
            reason,
            evidence,
            format=self.format,
            row_count=self.rows,
            column_count=len(self.header),
        )

    def _open(self) -> Table:
        return open_table(
            self.path,
            self.definition,
            name_hint=self.name_hint,
            chunk_rows=self.chunk_rows,
            engine_limits=self.limits,
        )

    def _check_time(self) -> None:
        # Checked between chunks: a chunk is bounded in rows and cells, so none takes long.
        if time.monotonic() > self.deadline:
            raise FormatError(
                f"scoring took longer than {self.limits.max_seconds:g} s (MAX_SCORING_SECONDS)",
                limit_seconds=self.limits.max_seconds,
            )

    def _first_pass(self) -> TableChecks | None:
        table = self._open()
        reading: Prefetcher[tuple[Chunk, dict[int, ColumnValues]]] | None = None
        try:
            self.format, self.header = table.info.format, table.info.header
            checks = (
                TableChecks(self.definition, self.header, self.sample_cap)
                if self.definition is not None
                else None
            )
            null_values = self.definition.null_values if self.definition else DEFAULT_NULL_VALUES
            self.profile = TableProfile(self.header, null_values)
            # Two threads share the work: one reads the columns (nulls, types, the profile), the
            # other applies the rules to what was read, a chunk behind.
            reading = Prefetcher(self._read_chunks(table, checks, self.profile), READ_AHEAD_CHUNKS)
            for chunk, read in reading:
                self._check_time()
                self.rows += len(chunk)
                if checks is not None:
                    checks.check(chunk, read)
        finally:
            # The reading thread first: it may be waiting for the table's next chunk.
            if reading is not None:
                reading.close()
            table.close()
        return checks

    @staticmethod
    def _read_chunks(
        table: Table, checks: TableChecks | None, profile: TableProfile
    ) -> Iterator[tuple[Chunk, dict[int, ColumnValues]]]:
        for chunk in table.chunks():
            read = checks.read(chunk) if checks is not None else {}
            profile.consume(chunk, {index: values.null for index, values in read.items()})
            yield chunk, read

    def _confirm(self, checks: TableChecks) -> None:
        """Read the file again to compare the real values behind repeated hashes."""
        pending = checks.confirmations
        table = self._open()
        try:
            for chunk in table.chunks():
                self._check_time()
                checks.confirm(chunk, pending)
        finally:
            table.close()
