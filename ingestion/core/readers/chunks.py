"""What the readers hand to the checks: a table's header and its rows in chunks of strings."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import pyarrow as pa

from ingestion.core.arrays import Int64s


@dataclass(frozen=True)
class Chunk:
    """Consecutive data rows: one string array per header position and each row's line number.

    A null in a column means the row had no such field (a short row or a missing Excel cell).
    `lines` holds the line a person sees when opening the file (header = 1 when it is on the
    first line; for Excel, the sheet row).
    """

    columns: tuple[pa.Array, ...]
    lines: Int64s

    def __len__(self) -> int:
        return len(self.lines)

    def slice(self, start: int, stop: int) -> Chunk:
        return Chunk(
            tuple(column.slice(start, stop - start) for column in self.columns),
            self.lines[start:stop],
        )


@dataclass
class TableInfo:
    """What a reader knows once the header is read; `format` goes into the report's metrics."""

    header: tuple[str, ...] = ()
    format: dict[str, Any] = field(default_factory=dict)


class Table(Protocol):
    """An opened table: its header and an iterator over its data rows."""

    info: TableInfo

    def chunks(self) -> Iterator[Chunk]: ...

    def close(self) -> None: ...


def bounded(chunks: Iterable[Chunk], chunk_rows: int) -> Iterator[Chunk]:
    """Yield `chunks` as they come, a chunk longer than `chunk_rows` rows in pieces.

    Never joins chunks: a join would copy every value once more, and the checks give the same
    results however the rows are cut.
    """
    for chunk in chunks:
        yield from split(chunk, chunk_rows)


def split(chunk: Chunk, chunk_rows: int) -> Iterator[Chunk]:
    """Yield `chunk` in pieces of at most `chunk_rows` rows."""
    if len(chunk) <= chunk_rows:
        if len(chunk):
            yield chunk
        return
    for start in range(0, len(chunk), chunk_rows):
        yield chunk.slice(start, min(start + chunk_rows, len(chunk)))
