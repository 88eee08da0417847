"""Excel workbooks: .xlsx/.xlsm streamed (`xlsx.py`, openpyxl read-only as fallback), .xls by xlrd.

Cells become the same string chunks as delimited text, so one set of checks serves every format.
A native cell is written the way its column's type spells it: a whole float as an integer
(`1.0` -> `1`), a datetime as ISO 8601 (a date column gets `YYYY-MM-DD` for a midnight
datetime), a boolean as TRUE/FALSE. Row numbers are the sheet's; empty rows are skipped.

Before openpyxl sees a workbook, the zip directory is checked against declared sizes and ratios
(a zip bomb fails format_parsing), and openpyxl must be running with defusedxml.
"""

from __future__ import annotations

import datetime as dt
import logging
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ingestion.core import limits
from ingestion.core.errors import EngineUnavailable, FormatError
from ingestion.core.readers.chunks import Chunk, TableInfo
from ingestion.core.readers.xlsx import WorkbookLayoutError, number_text, open_sheet
from schemas.definition import SchemaDefinition

ENCRYPTED_MARKER = "EncryptedPackage".encode("utf-16-le")
MIDNIGHT = dt.time(0, 0)

Converter = Callable[[Any], "str | None"]
Numbered = tuple[int, tuple[Any, ...]]
logger = logging.getLogger(__name__)


class WorkbookTable:
    """An opened worksheet; `info` is known once the header row has been read."""

    def __init__(
        self, path: Path, kind: str, definition: SchemaDefinition | None, chunk_rows: int
    ) -> None:
        rows: Iterable[Numbered]
        self._chunk_rows = chunk_rows
        self._definition = definition
        self._closers: list[Callable[[], None]] = []
        if kind == "xls":
            sheet_name, rows = _open_xls(path, definition, self._closers)
        else:
            check_zip_bomb(path)
            sheet_name, rows = _open_xlsx(path, definition, self._closers)
        self.info = TableInfo(
            format={
                "type": kind,
                "encoding": None,
                "delimiter": None,
                "compression": None,
                "sheet": sheet_name,
            }
        )
        self._rows = iter(rows)
        self._read_header()

    def chunks(self) -> Iterator[Chunk]:
        width = len(self.info.header)
        converters = self._converters
        rows: list[list[str | None]] = []
        lines: list[int] = []
        for number, cells in self._rows:
            if _is_blank(cells):
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
        for _line, cells in self._rows:
            if _is_blank(cells):
                continue
            names = [_as_text(cell) or "" for cell in cells]
            while names and not names[-1].strip():
                names.pop()
            self.info.header = tuple(name.strip().strip("\ufeff").strip() for name in names)
            self._converters = [self._converter(name) for name in self.info.header]
            return
        raise FormatError("no header row: the sheet is empty")

    def _converter(self, name: str) -> Converter:
        column = self._definition.column(name) if self._definition else None
        kind = column.type if column else "string"
        return _date_cell if kind == "date" else _datetime_cell if kind == "datetime" else _as_text


def check_zip_bomb(path: Path) -> None:
    """Refuse a workbook whose declared sizes would blow up memory or time; read nothing else."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise FormatError(f"corrupt workbook: {error}") from None
    if len(members) > limits.MAX_ZIP_MEMBERS:
        raise FormatError(f"corrupt workbook: {len(members)} archive members")
    total = sum(member.file_size for member in members)
    if total > limits.MAX_ZIP_UNCOMPRESSED_BYTES:
        raise FormatError(
            f"workbook declares {total} bytes uncompressed, over the "
            f"{limits.MAX_ZIP_UNCOMPRESSED_BYTES} limit (possible zip bomb)",
            uncompressed_bytes=total,
        )
    for member in members:
        if member.filename.endswith("sharedStrings.xml") and (
            member.file_size > limits.MAX_SHARED_STRINGS_BYTES
        ):
            raise FormatError(f"workbook's shared strings declare {member.file_size} bytes")
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > limits.ZIP_RATIO_FLOOR_BYTES and ratio > limits.MAX_ZIP_RATIO:
            raise FormatError(
                f"workbook member {member.filename} expands {ratio:.0f}x (possible zip bomb)"
            )


def _open_xlsx(
    path: Path, definition: SchemaDefinition | None, closers: list[Callable[[], None]]
) -> tuple[str, Iterable[Numbered]]:
    wanted = definition.sheet if definition else None
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise FormatError(f"corrupt workbook: {error}") from None
    closers.append(archive.close)
    try:
        sheet = open_sheet(archive, wanted)
    except WorkbookLayoutError:
        logger.info("workbook layout not streamed directly; reading it with openpyxl")
        return _open_with_openpyxl(path, wanted, closers)
    except FormatError:
        raise
    except Exception as error:  # a corrupt part surfaces as zip, XML or value errors
        raise FormatError(f"corrupt workbook: {_describe(error)}") from None
    return sheet.title, _guarded(sheet.rows())


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
        raise FormatError(f"corrupt workbook: {_describe(error)}") from None
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
        raise FormatError(f"corrupt or password-protected workbook: {_describe(error)}") from None
    closers.append(book.release_resources)
    wanted = definition.sheet if definition else None
    names = book.sheet_names()
    if wanted is not None and wanted not in names:
        raise FormatError(f"sheet {wanted!r} not found (sheets: {', '.join(names)})", sheet=wanted)
    try:
        sheet = book.sheet_by_name(wanted) if wanted else book.sheet_by_index(0)
    except Exception as error:
        raise FormatError(f"corrupt workbook: {_describe(error)}") from None
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
        raise FormatError(f"corrupt workbook: {_describe(error)}") from None


def _is_blank(cells: tuple[Any, ...]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _reject_overflow(cells: tuple[Any, ...], width: int, number: int) -> None:
    if not _is_blank(cells[width:]):
        fields = max(index for index, cell in enumerate(cells) if not _is_blank((cell,))) + 1
        raise FormatError(f"row {number} has {fields} fields, the header has {width}", line=number)


def _chunk(rows: list[list[str | None]], lines: list[int], width: int) -> Chunk:
    columns = list(zip(*rows, strict=True)) if rows else [()] * width
    return Chunk(
        tuple(pa.array(values, pa.string()) for values in columns),
        np.asarray(lines, dtype=np.int64),
    )


def _as_text(cell: Any) -> str | None:
    """Write a cell the way a person reads it, with whole floats as integers."""
    if cell is None or isinstance(cell, str):
        return cell
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        return number_text(cell)
    if isinstance(cell, dt.datetime):
        return cell.isoformat(sep="T")
    if isinstance(cell, (dt.date, dt.time)):
        return cell.isoformat()
    return str(cell)


def _date_cell(cell: Any) -> str | None:
    if isinstance(cell, dt.datetime) and cell.time() == MIDNIGHT and cell.tzinfo is None:
        return cell.date().isoformat()
    return _as_text(cell)


def _datetime_cell(cell: Any) -> str | None:
    if isinstance(cell, dt.date) and not isinstance(cell, dt.datetime):
        return dt.datetime.combine(cell, MIDNIGHT).isoformat(sep="T")
    return _as_text(cell)


def _is_encrypted(path: Path) -> bool:
    with path.open("rb") as handle:
        return ENCRYPTED_MARKER in handle.read(limits.HEAD_BYTES)


def _describe(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class _Silent:
    """A log file for xlrd that drops its warnings."""

    def write(self, _text: str) -> None:
        return None
