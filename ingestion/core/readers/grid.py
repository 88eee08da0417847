"""Worksheets read whole by calamine (Rust): .xlsx/.xlsm that fit in memory, .xlsb and .ods.

calamine parses the sheet into a dense grid in one call (the GIL released), then hands out its
rows as Python lists: a value per cell from the top-left to the bottom-right used cell, "" for an
empty one. The rows are turned into string columns a column at a time (`cells.column_text`)
with the values and line numbers the streaming reader gives: the sheet's own row numbers,
blank rows skipped. What reaches calamine has passed the package guards (`packages.py`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from ingestion.core.errors import FormatError
from ingestion.core.readers.cells import blank_mask, column_text, is_blank, native
from ingestion.core.readers.chunks import Chunk

if TYPE_CHECKING:
    from python_calamine import CalamineSheet

Row = list[Any]


class GridRows:
    """The rows of one calamine sheet, numbered as the sheet numbers them."""

    def __init__(self, sheet: CalamineSheet) -> None:
        start = sheet.start
        self.title = sheet.name
        # calamine's rows start at the sheet's first row but its columns at the first used
        # column; the table starts at column A.
        self.lead = start[1] if start else 0
        self._line = 1
        self._rows: Iterator[Row] = iter(sheet.iter_rows()) if start else iter(())

    def header(self) -> tuple[Any, ...] | None:
        """The first row holding a value (as the streaming reader's values), or None."""
        for row in self._rows:
            self._line += 1
            cells = (None,) * self.lead + tuple(native(cell) for cell in row)
            if not is_blank(cells):
                return cells
        return None

    def chunks(self, kinds: list[str], chunk_rows: int) -> Iterator[Chunk]:
        """The rows after the header as chunks of the first `len(kinds)` columns."""
        while True:
            batch = list(itertools.islice(self._rows, chunk_rows))
            if not batch:
                return
            first, self._line = self._line, self._line + len(batch)
            chunk = self._chunk(batch, first, kinds)
            if len(chunk):
                yield chunk

    def _chunk(self, batch: list[Row], first: int, kinds: list[str]) -> Chunk:
        count, width = len(batch), len(kinds)
        blank = np.ones(count, dtype=bool)
        columns: list[pa.Array] = [pa.nulls(count, pa.string())] * min(self.lead, width)
        beyond: list[tuple[int, np.ndarray[Any, np.dtype[np.bool_]]]] = []
        for index in range(len(batch[0])):
            position = self.lead + index
            texts = column_text(
                [row[index] for row in batch], kinds[position] if position < width else "string"
            )
            empty = blank_mask(texts)
            blank &= empty
            if position < width:
                columns.append(texts)
            else:
                beyond.append((position, empty))
        columns.extend([pa.nulls(count, pa.string())] * (width - len(columns)))
        _reject_overflow(beyond, width, first)
        lines = np.arange(first, first + count, dtype=np.int64)
        if blank.any():
            keep = ~blank
            mask = pa.array(keep)
            return Chunk(tuple(column.filter(mask) for column in columns), lines[keep])
        return Chunk(tuple(columns), lines)


def open_grid(path: Path, wanted: str | None) -> GridRows:
    """Load the sheet `wanted` (or the first) with calamine; raise FormatError if it cannot."""
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError, SheetTypeEnum

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except PasswordError:
        raise FormatError("password-protected workbook") from None
    except (CalamineError, ValueError, OSError) as error:
        raise FormatError(f"corrupt workbook: {describe(error)}") from None
    try:
        sheets = workbook.sheets_metadata
        names = [sheet.name for sheet in sheets]
        if not names:
            raise FormatError("the workbook has no sheet")
        if wanted is not None and wanted not in names:
            raise FormatError(
                f"sheet {wanted!r} not found (sheets: {', '.join(names)})", sheet=wanted
            )
        index = names.index(wanted) if wanted is not None else 0
        if sheets[index].typ != SheetTypeEnum.WorkSheet:
            raise FormatError(f"sheet {names[index]!r} is a chart, not a table")
        try:
            return GridRows(workbook.get_sheet_by_index(index))
        except (CalamineError, ValueError) as error:
            raise FormatError(f"corrupt workbook: {describe(error)}") from None
    finally:
        workbook.close()


def _reject_overflow(
    beyond: list[tuple[int, np.ndarray[Any, np.dtype[np.bool_]]]], width: int, first: int
) -> None:
    """Fail on the first row holding a value right of the header's last named column."""
    if not beyond:
        return
    filled = np.zeros(len(beyond[0][1]), dtype=bool)
    for _position, empty in beyond:
        filled |= ~empty
    if not filled.any():
        return
    row = int(np.flatnonzero(filled)[0])
    fields = max(position for position, empty in beyond if not empty[row]) + 1
    line = first + row
    raise FormatError(f"row {line} has {fields} fields, the header has {width}", line=line)


def describe(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
