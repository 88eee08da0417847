"""Small named builders for the core tests: files written into tmp_path and definitions."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pyarrow as pa
import pytest

from ingestion.core.checks.values import ColumnValues, read_column
from ingestion.core.readers.chunks import Chunk
from ingestion.core.strings import NullSpellings
from schemas.definition import ColumnDefinition, SchemaDefinition, parse_definition
from schemas.spelling import DEFAULT_NULL_VALUES

FIXTURES = Path(__file__).parent / "fixtures"


def csv_text(rows: Sequence[Sequence[Any]], delimiter: str = ",", newline: str = "\n") -> str:
    """Render rows as delimited text, quoting only where needed, one record per line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue()


def write_text(
    folder: Path,
    text: str,
    name: str = "data.csv",
    *,
    encoding: str = "utf-8",
    compress: bool = False,
) -> Path:
    """Write `text` in `encoding`, gzip-compressed when asked."""
    return write_bytes(folder, text.encode(encoding), name, compress=compress)


def write_bytes(
    folder: Path, data: bytes, name: str = "data.csv", *, compress: bool = False
) -> Path:
    path = folder / name
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def write_csv(
    folder: Path, rows: Sequence[Sequence[Any]], name: str = "data.csv", **options: Any
) -> Path:
    """Write rows as a CSV file (options: delimiter, newline, encoding, compress)."""
    text = csv_text(rows, options.pop("delimiter", ","), options.pop("newline", "\n"))
    return write_text(folder, text, name, **options)


def write_xlsx(
    folder: Path,
    rows: Sequence[Sequence[Any]],
    name: str = "data.xlsx",
    *,
    sheet: str = "Sheet1",
    extra_sheets: Sequence[str] = (),
) -> Path:
    """Write rows into a workbook; Python values become native Excel cells."""
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    for row in rows:
        worksheet.append(list(row))
    for title in extra_sheets:
        workbook.create_sheet(title).append(["other"])
    path = folder / name
    workbook.save(path)
    return path


def write_table(kind: str, folder: Path, rows: Sequence[Sequence[Any]]) -> Path:
    """Write the same rows as CSV (cells as text) or as xlsx (cells as given)."""
    if kind == "xlsx":
        return write_xlsx(folder, rows)
    return write_csv(folder, [[_as_csv(value) for value in row] for row in rows])


def _as_csv(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep="T")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def column(name: str, kind: str = "string", **rules: Any) -> dict[str, Any]:
    return {"name": name, "type": kind, **rules}


def definition(*columns: dict[str, Any], **options: Any) -> SchemaDefinition:
    return parse_definition({"columns": list(columns), **options})


def defined(kind: str = "string", **rules: Any) -> ColumnDefinition:
    """One parsed column called `value`."""
    return definition(column("value", kind, **rules)).columns[0]


def read_cells(cells: Sequence[str | None], of: ColumnDefinition) -> ColumnValues:
    """Read `cells` (None: no such field) as one chunk of the column `of`."""
    return read_column(pa.array(cells, pa.string()), of, NullSpellings(DEFAULT_NULL_VALUES))


def chunk(rows: Sequence[Sequence[str | None]], first_line: int = 2) -> Chunk:
    """Rows of cells as one chunk, on consecutive lines from `first_line`."""
    columns = tuple(pa.array(list(cells), pa.string()) for cells in zip(*rows, strict=True))
    return Chunk(columns, np.arange(first_line, first_line + len(rows), dtype=np.int64))


@pytest.fixture(params=["csv", "xlsx"])
def table_kind(request: pytest.FixtureRequest) -> str:
    return request.param
