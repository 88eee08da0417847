"""Workbooks: .xlsx/.xlsm/.xlsb/.ods by calamine or streamed, .xls by xlrd.

A .xlsx/.xlsm sheet is read whole by calamine (`grid.py`) when its part is small enough, its
cells lie inside its declared dimension and nothing in it reads differently (`packages.py`
decides from the zip directory and a byte scan); otherwise it is streamed by the expat reader
(`xlsx.py`, openpyxl read-only when the package layout is unfamiliar). .xlsb and .ods have only
calamine; .xls keeps xlrd, which, unlike calamine, gives error cells their text.

Cells become the same string chunks as delimited text, so one set of checks serves every format
(`cells.py` writes them). Row numbers are the sheet's; empty rows are skipped. Before any
zip-based workbook is opened, its directory is checked against declared sizes and ratios (a zip
bomb fails format_parsing); openpyxl must be running with defusedxml.
"""

from __future__ import annotations

import functools
import logging
import zipfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from ingestion.core import limits
from ingestion.core.errors import EngineUnavailable, FormatError
from ingestion.core.readers.cells import (
    as_text,
    converter,
    date_cell,
    datetime_cell,
    is_blank,
)
from ingestion.core.readers.chunks import Chunk, TableInfo
from ingestion.core.readers.grid import GridRows, describe, open_grid
from ingestion.core.readers.packages import (
    bound_grid,
    bound_xlsb,
    check_ods_repeats,
    check_zip_bomb,
    declared_size,
    reads_alike,
    vet_parts,
)
from ingestion.core.readers.xlsx import (
    NumberFormats,
    WorkbookLayoutError,
    date_styles,
    find_sheet,
    number_formats,
    open_sheet,
    worksheets,
)

if TYPE_CHECKING:
    from schemas.definition import SchemaDefinition

ENCRYPTED_MARKER = "EncryptedPackage".encode("utf-16-le")
# Formats only calamine reads: the whole sheet is loaded, there is no streaming reader.
GRID_ONLY_KINDS = frozenset({"xlsb", "ods"})

Numbered = tuple[int, tuple[Any, ...]]
logger = logging.getLogger(__name__)


class WorkbookTable:
    """An opened worksheet; `info` is known once the header row has been read."""

    def __init__(
        self,
        path: Path,
        kind: str,
        definition: SchemaDefinition | None,
        chunk_rows: int,
        engine_limits: limits.EngineLimits = limits.DEFAULT_LIMITS,
    ) -> None:
        self._chunk_rows = chunk_rows
        self._limits = engine_limits
        self._definition = definition
        self._closers: list[Callable[[], None]] = []
        self._grid: GridRows | None = None
        self._rows: Iterator[Numbered] = iter(())
        wanted = definition.sheet if definition else None
        if kind == "xls":
            sheet_name, rows = _open_xls(path, definition, self._closers)
            self._rows = iter(rows)
        else:
            check_zip_bomb(path, engine_limits.max_decompressed_bytes)
            if kind in GRID_ONLY_KINDS:
                self._grid = _open_package(path, kind, wanted)
                sheet_name = self._grid.title
            else:
                sheet_name, source = _open_xlsx(path, wanted, self._closers)
                if isinstance(source, GridRows):
                    self._grid = source
                else:
                    self._rows = iter(source)
        self.info = TableInfo(
            format={
                "type": kind,
                "encoding": None,
                "delimiter": None,
                "compression": None,
                "sheet": sheet_name,
            }
        )
        self._read_header()

    def chunks(self) -> Iterator[Chunk]:
        if self._grid is not None:
            yield from self._grid.chunks(self._kinds, self._chunk_rows)
            return
        width = len(self.info.header)
        converters = [converter(kind) for kind in self._kinds]
        rows: list[list[str | None]] = []
        lines: list[int] = []
        for number, cells in self._rows:
            if is_blank(cells):
                continue
            if len(cells) > width:
                _reject_overflow(cells, width, number)
                cells = cells[:width]
            elif len(cells) < width:
                cells = cells + (None,) * (width - len(cells))
            rows.append([convert(cell) for convert, cell in zip(converters, cells, strict=True)])
            lines.append(number)
            if len(lines) >= self._chunk_rows:
                yield _chunk(rows, lines, width)
                rows, lines = [], []
        if lines:
            yield _chunk(rows, lines, width)

    def close(self) -> None:
        for close in self._closers:
            close()
        self._closers.clear()

    def _read_header(self) -> None:
        cells = self._grid.header() if self._grid is not None else self._first_filled_row()
        if cells is None:
            raise FormatError("no header row: the sheet is empty")
        names = [as_text(cell) or "" for cell in cells]
        while names and not names[-1].strip():
            names.pop()
        self._limits.check_width(len(names))
        self._chunk_rows = self._limits.chunk_rows(self._chunk_rows, len(names))
        self.info.header = tuple(name.strip().strip("\ufeff").strip() for name in names)
        self._kinds = [self._kind(name) for name in self.info.header]

    def _first_filled_row(self) -> tuple[Any, ...] | None:
        for _line, cells in self._rows:
            if not is_blank(cells):
                return cells
        return None

    def _kind(self, name: str) -> str:
        column = self._definition.column(name) if self._definition else None
        kind = column.type if column else "string"
        return kind if kind in ("date", "datetime") else "string"


def _open_xlsx(
    path: Path, wanted: str | None, closers: list[Callable[[], None]]
) -> tuple[str, GridRows | Iterable[Numbered]]:
    """calamine for a sheet it reads exactly and within memory; the streaming reader otherwise."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise FormatError(f"corrupt workbook: {error}") from None
    closers.append(archive.close)
    try:
        title, part = find_sheet(archive, wanted)
        grid = _read_grid(path, archive, title, part)
        if grid is not None:
            return title, grid
        logger.debug("streaming sheet %r", title)
        sheet = open_sheet(archive, title)
    except WorkbookLayoutError:
        logger.info("workbook layout not streamed directly; reading it with openpyxl")
        return _open_with_openpyxl(path, wanted, closers)
    except FormatError:
        raise
    except Exception as error:  # a corrupt part surfaces as zip, XML or value errors
        raise FormatError(f"corrupt workbook: {describe(error)}") from None
    return sheet.title, _guarded(sheet.rows())


def _read_grid(path: Path, archive: zipfile.ZipFile, title: str, part: str) -> GridRows | None:
    """The sheet loaded by calamine, or None when it must be streamed.

    Before calamine sees the package: the part's declared size, the grid's bound and the XML
    declarations of every other part. Whether calamine reads every value as the streaming
    reader does is scanned while it loads (its parse releases the GIL), and decides after.
    """
    if declared_size(archive, part) > limits.MAX_GRID_SHEET_BYTES:
        return None
    cells = bound_grid(archive, part)
    if cells is None or cells > limits.MAX_GRID_CELLS:
        return None
    others = {other for _, other in worksheets(archive) if other}
    if not vet_parts(archive, skip=others):
        return None
    formats = number_formats(archive)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="core-survey") as pool:
        alike = pool.submit(_reads_alike, path, part, formats)
        grid = open_grid(path, title)
        if alike.result():
            logger.debug("read sheet %r with calamine", title)
            return grid
    return None


def _reads_alike(path: Path, part: str, formats: NumberFormats) -> bool:
    with zipfile.ZipFile(path) as archive:
        return reads_alike(archive, part, functools.partial(date_styles, formats))


def _open_package(path: Path, kind: str, wanted: str | None) -> GridRows:
    """An .xlsb or .ods workbook, which only calamine reads: guarded, then loaded whole."""
    try:
        with zipfile.ZipFile(path) as archive:
            if not vet_parts(archive):
                raise FormatError("unsafe workbook XML refused: a part is not UTF-8")
            largest = max((member.file_size for member in archive.infolist()), default=0)
            if largest > limits.MAX_GRID_SHEET_BYTES:
                raise FormatError(
                    f"workbook part declares {largest} bytes, over the "
                    f"{limits.MAX_GRID_SHEET_BYTES} limit for a workbook read whole",
                    uncompressed_bytes=largest,
                )
            if kind == "ods":
                check_ods_repeats(archive)
            elif (cells := bound_xlsb(archive)) > limits.MAX_GRID_CELLS:
                raise FormatError(
                    f"a sheet spans {cells} cells, over the {limits.MAX_GRID_CELLS} limit "
                    "for a workbook read whole"
                )
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise FormatError(f"corrupt workbook: {error}") from None
    return open_grid(path, wanted)


def _open_with_openpyxl(
    path: Path, wanted: str | None, closers: list[Callable[[], None]]
) -> tuple[str, Iterable[Numbered]]:
    import openpyxl
    import openpyxl.xml

    if not openpyxl.xml.DEFUSEDXML:
        raise EngineUnavailable("defusedxml must be installed: openpyxl would parse XML unguarded")
    # A file object, not a path: openpyxl would refuse a workbook whose name is not .xlsx.
    handle = path.open("rb")
    closers.append(handle.close)
    try:
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True, keep_links=False)
    except Exception as error:  # openpyxl raises many types on a corrupt workbook
        raise FormatError(f"corrupt workbook: {describe(error)}") from None
    closers.insert(0, workbook.close)
    names = list(workbook.sheetnames)
    if wanted is not None and wanted not in names:
        raise FormatError(f"sheet {wanted!r} not found (sheets: {', '.join(names)})", sheet=wanted)
    if not names:
        raise FormatError("the workbook has no sheet")
    sheet = workbook[wanted or names[0]]
    if not hasattr(sheet, "iter_rows"):
        raise FormatError(f"sheet {sheet.title!r} is a chart, not a table")
    # The stored dimension may be wrong; reading without it also avoids padding every row.
    sheet.reset_dimensions()
    return sheet.title, _guarded(enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1))


def _open_xls(
    path: Path, definition: SchemaDefinition | None, closers: list[Callable[[], None]]
) -> tuple[str, Iterable[Numbered]]:
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), on_demand=True, logfile=_Silent())
    except Exception as error:  # xlrd raises several types on a corrupt workbook
        if _is_encrypted(path):
            raise FormatError("password-protected workbook") from None
        raise FormatError(f"corrupt or password-protected workbook: {describe(error)}") from None
    closers.append(book.release_resources)
    wanted = definition.sheet if definition else None
    names = book.sheet_names()
    if wanted is not None and wanted not in names:
        raise FormatError(f"sheet {wanted!r} not found (sheets: {', '.join(names)})", sheet=wanted)
    try:
        sheet = book.sheet_by_name(wanted) if wanted else book.sheet_by_index(0)
    except Exception as error:
        raise FormatError(f"corrupt workbook: {describe(error)}") from None
    return sheet.name, _xls_rows(sheet, book.datemode)


def _xls_rows(sheet: Any, datemode: int) -> Iterator[Numbered]:
    import xlrd

    for index in range(sheet.nrows):
        yield index + 1, tuple(_xls_value(cell, datemode, xlrd) for cell in sheet.row(index))


def _xls_value(cell: Any, datemode: int, xlrd: Any) -> Any:
    kind, value = cell.ctype, cell.value
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if kind == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate_as_datetime(value, datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return value
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    if kind == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(value, "#ERR")
    return value


def _guarded(rows: Iterable[Numbered]) -> Iterator[Numbered]:
    try:
        yield from rows
    except FormatError:
        raise
    except Exception as error:  # a corrupt sheet surfaces only while it streams
        raise FormatError(f"corrupt workbook: {describe(error)}") from None


def _reject_overflow(cells: tuple[Any, ...], width: int, number: int) -> None:
    if not is_blank(cells[width:]):
        fields = max(index for index, cell in enumerate(cells) if not is_blank((cell,))) + 1
        raise FormatError(f"row {number} has {fields} fields, the header has {width}", line=number)


def _chunk(rows: list[list[str | None]], lines: list[int], width: int) -> Chunk:
    columns = list(zip(*rows, strict=True)) if rows else [()] * width
    return Chunk(
        tuple(pa.array(values, pa.string()) for values in columns),
        np.asarray(lines, dtype=np.int64),
    )


# The tests and drafting know the cell writers by these names.
_as_text = as_text
_date_cell = date_cell
_datetime_cell = datetime_cell


def _is_encrypted(path: Path) -> bool:
    with path.open("rb") as handle:
        return ENCRYPTED_MARKER in handle.read(limits.HEAD_BYTES)


class _Silent:
    """A log file for xlrd that drops its warnings."""

    def write(self, _text: str) -> None:
        return None
