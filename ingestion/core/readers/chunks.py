"""What the readers hand to the checks: a table's header and its rows in chunks of strings."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
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


def rechunk(chunks: Iterable[Chunk], chunk_rows: int) -> Iterator[Chunk]:
    """Regroup `chunks` into chunks of `chunk_rows` rows (the last one may be shorter)."""
    pending: list[Chunk] = []
    held = 0
    for chunk in chunks:
        pending.append(chunk)
        held += len(chunk)
        if held >= chunk_rows:
            whole = concat(pending)
            full = held - held % chunk_rows
            yield from split(whole.slice(0, full), chunk_rows)
            rest = whole.slice(full, held)
            pending, held = ([rest], len(rest)) if len(rest) else ([], 0)
    if held:
        yield concat(pending)


def concat(chunks: list[Chunk]) -> Chunk:
    """Join consecutive chunks into one (copying the values once)."""
    if len(chunks) == 1:
        return chunks[0]
    columns = tuple(
        pa.concat_arrays([chunk.columns[index] for chunk in chunks])
        for index in range(len(chunks[0].columns))
    )
    return Chunk(columns, np.concatenate([chunk.lines for chunk in chunks]))


def split(chunk: Chunk, chunk_rows: int) -> Iterator[Chunk]:
    """Yield `chunk` in pieces of at most `chunk_rows` rows."""
    if len(chunk) <= chunk_rows:
        if len(chunk):
            yield chunk
        return
    for start in range(0, len(chunk), chunk_rows):
        yield chunk.slice(start, min(start + chunk_rows, len(chunk)))
