"""calamine's whole-sheet reads: the streaming reader's values, and guards before calamine runs."""

from __future__ import annotations

import datetime as dt
import warnings
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from ingestion.core import limits, score_file
from ingestion.core.errors import FormatError
from ingestion.core.readers.packages import bound_xlsb
from ingestion.core.readers.workbook import WorkbookTable
from tests.core.conftest import FIXTURES, column, definition
from tests.core.test_xlsx import MAIN, RELS, STRINGS_XML, excel_package

FORMATS = [
    "General", "0.00", "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss", "h:mm", "[h]:mm:ss", "mm:ss",
    "d-mmm-yy", "m/d/yy h:mm", "0%", "@", "[$-409]mmmm d, yyyy", "hh:mm:ss AM/PM", "0.00E+00",
    '"day" d', "[Red]0.00", "mmss.0", "[mm]:ss", "yyyy;@", ";;;", "# ?/?", "a", "am/pm", "[ss]",
]  # fmt: skip
CELLS = st.one_of(
    st.none(),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=8),
    st.sampled_from(["", " ", " a ", "\t", "\u3000", "x", "TRUE"]),
    st.integers(-(10**17), 10**17),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.datetimes(dt.datetime(1899, 12, 31), dt.datetime(2200, 1, 1)),
    st.dates(dt.date(1900, 1, 1), dt.date(2200, 1, 1)),
    st.times(),
    st.timedeltas(dt.timedelta(0), dt.timedelta(days=3000)),
    st.tuples(
        st.floats(-100, 3_000_000, allow_nan=False) | st.integers(-5, 3_000_000),
        st.sampled_from(FORMATS),
    ),
)
NAMES = ("c0", "c1", "c2", "c3", "c4")


def workbook(folder: Path, rows: list[list[Any]], epoch1904: bool = False) -> Path:
    """Rows of native cells; a (number, format) pair is a number shown in that format."""
    book = openpyxl.Workbook()
    if epoch1904:
        book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    for number, row in enumerate([list(NAMES), *rows], start=1):
        for index, value in enumerate(row, start=1):
            if isinstance(value, tuple):
                sheet.cell(number, index, value[0]).number_format = value[1]
            elif value is not None:
                sheet.cell(number, index, value)
    path = folder / "cells.xlsx"
    book.save(path)
    return path


def read_table(path: Path, spec: Any, monkeypatch: pytest.MonkeyPatch, grid: bool) -> Any:
    """The header, columns and lines a reader gives, and whether calamine gave them."""
    with monkeypatch.context() as patch:
        if not grid:
            patch.setattr(limits, "MAX_GRID_SHEET_BYTES", -1)
        try:
            table = WorkbookTable(path, "xlsx", spec, 3)
        except FormatError as error:
            return None, error.reason
        try:
            chunks = list(table.chunks())
        except FormatError as error:
            return None, error.reason
        finally:
            table.close()
    columns = [[v for chunk in chunks for v in chunk.columns[i].to_pylist()] for i in range(5)]
    lines = [line for chunk in chunks for line in chunk.lines.tolist()]
    return table._grid is not None, (table.info.header, columns, lines)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    rows=st.lists(st.lists(CELLS, max_size=5), min_size=1, max_size=10),
    epoch1904=st.booleans(),
    kinds=st.lists(st.sampled_from(["string", "date", "datetime"]), min_size=5, max_size=5),
)
def test_calamine_reads_what_the_streaming_reader_reads(
    tmp_path_factory, monkeypatch, rows, epoch1904, kinds
):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = workbook(tmp_path_factory.mktemp("grid"), rows, epoch1904)
    spec = definition(*(column(name, kind) for name, kind in zip(NAMES, kinds, strict=True)))
    _, grid = read_table(path, spec, monkeypatch, grid=True)
    streamed, stream = read_table(path, spec, monkeypatch, grid=False)
    assert streamed is not True
    assert grid == stream


def test_an_ordinary_workbook_is_read_by_calamine(tmp_path, monkeypatch):
    rows = [[1, "a", dt.datetime(2021, 5, 6, 7, 8), dt.date(2021, 5, 7), 2.5]]
    path = workbook(tmp_path, rows)
    used, (header, columns, lines) = read_table(path, None, monkeypatch, grid=True)
    assert used is True
    assert header == NAMES
    assert columns == [["1"], ["a"], ["2021-05-06T07:08:00"], ["2021-05-07T00:00:00"], ["2.5"]]
    assert lines == [2]


@pytest.mark.parametrize(
    ("strings", "why"),
    [
        ("<si><r><t>Hello</t></r><r><t> </t></r><r><t>World</t></r></si>", "a run of spaces"),
        ("<si><t> a </t></si>", "spaces not preserved"),
    ],
)
def test_text_calamine_would_trim_is_streamed(tmp_path, monkeypatch, strings, why):
    shared = STRINGS_XML.replace("<si><t>ok</t></si>", strings)
    sheet = (
        f'<worksheet xmlns="{MAIN}"><dimension ref="A1:C1"/><sheetData><row r="1">'
        '<c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        '<row r="2"><c r="A2"><v>1</v></c><c r="B2" t="s"><v>2</v></c></row>'
        "</sheetData></worksheet>"
    )
    path = excel_package(tmp_path, sheet_xml=sheet)
    with zipfile.ZipFile(path, "a") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        archive.writestr("xl/sharedStrings.xml", shared)
    table = WorkbookTable(path, "xlsx", None, 10)
    assert table._grid is None, why
    (chunk,) = table.chunks()
    assert chunk.columns[1].to_pylist() in (["Hello World"], [" a "])


@pytest.mark.parametrize(
    "cells",
    [
        '<c r="A1"><v>1</v></c><c r="XFD1048576"><v>2</v></c>',  # far past the dimension
        "<c><v>1</v></c><c><v>2</v></c>",  # placed by counting
        '<c r="A1" t="e"><v>#DIV/0!</v></c><c r="B1"><v>2</v></c>',  # calamine empties errors
    ],
    ids=["sparse", "no-references", "error"],
)
def test_a_sheet_calamine_cannot_hold_or_would_misread_is_streamed(tmp_path, cells):
    sheet = (
        f'<worksheet xmlns="{MAIN}"><dimension ref="A1:B2"/><sheetData><row r="1">'
        '<c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        f'<row r="2">{cells.replace("1048576", "1048576").replace("A1", "A2").replace("B1", "B2")}'
        "</row></sheetData></worksheet>"
    )
    path = excel_package(tmp_path, sheet_xml=sheet)
    table = WorkbookTable(path, "xlsx", None, 10)
    assert table._grid is None
    table.close()


def test_a_sparse_sheet_is_scored_without_building_its_grid(tmp_path):
    sheet = (
        f'<worksheet xmlns="{MAIN}"><dimension ref="A1:A2"/><sheetData>'
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        '<row r="2"><c r="A2"><v>1</v></c></row>'
        '<row r="1048576"><c r="XFD1048576"><v>2</v></c></row></sheetData></worksheet>'
    )
    report = score_file(excel_package(tmp_path, sheet_xml=sheet), None)
    assert (
        report.metrics["format_parsing"]["error"]
        == "row 1048576 has 16384 fields, the header has 1"
    )


def test_a_dtd_in_any_part_is_refused_before_calamine_reads(tmp_path):
    path = excel_package(tmp_path, sheet_xml=_plain_sheet())
    styles = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>' + "<styleSheet/>"
    with zipfile.ZipFile(path, "a") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        archive.writestr("docProps/core.xml", styles)
    report = score_file(path, None)
    assert report.score == 65
    assert report.metrics["format_parsing"]["error"] == "unsafe workbook XML refused: DTDForbidden"


def _plain_sheet() -> str:
    return (
        f'<worksheet xmlns="{MAIN}" xmlns:r="{RELS}"><dimension ref="A1:A2"/><sheetData>'
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2"><v>7</v></c></row>'
        "</sheetData></worksheet>"
    )


def test_a_large_sheet_part_is_streamed_with_the_same_report(tmp_path, monkeypatch):
    rows = [
        [number, f"n{number % 7}", dt.datetime(2021, 1, 1, number % 24)] for number in range(50)
    ]
    path = workbook(tmp_path, [*rows, [None, None, None, None, "x"]])
    spec = definition(column("c0", "integer", unique=True), column("c2", "datetime"))
    whole = score_file(path, spec)
    monkeypatch.setattr(limits, "MAX_GRID_SHEET_BYTES", 100)
    streamed = score_file(path, spec)
    assert whole.metrics == streamed.metrics
    assert whole.metrics["row_count"] == 51


# --- .xlsb and .ods (calamine only) ----------------------------------------------------------


@pytest.mark.parametrize("kind", ["xlsb", "ods"])
def test_binary_and_opendocument_workbooks_are_read_with_native_cells(kind):
    spec = definition(
        column("id", "integer", unique=True),
        column("observed_at", "datetime"),
        column("ok", "boolean"),
        column("reading", "number", max=500),
        column("station", required=True),
        sheet="Readings",
    )
    report = score_file(FIXTURES / f"readings.{kind}", spec)
    assert report.metrics["format"] == {
        "type": kind,
        "encoding": None,
        "delimiter": None,
        "compression": None,
        "sheet": "Readings",
    }
    assert report.deductions == {"completeness": 20, "uniqueness": 10, "bounds_range": 15}
    assert report.metrics["bounds_range"]["violations"] == {"reading": {"max": 1}}
    assert report.metrics["completeness"]["samples"] == {"station": [{"row": 4, "value": None}]}


@pytest.mark.parametrize("kind", ["xlsb", "ods"])
def test_a_missing_sheet_lists_the_sheets_of_any_workbook(kind):
    spec = definition(column("id"), sheet="Nope")
    report = score_file(FIXTURES / f"readings.{kind}", spec)
    assert report.metrics["format_parsing"]["error"] == (
        "sheet 'Nope' not found (sheets: Readings, Other)"
    )


def test_an_xlsb_grid_is_bounded_from_its_records():
    with zipfile.ZipFile(FIXTURES / "readings.xlsb") as archive:
        assert bound_xlsb(archive) == 4 * 5


def test_an_ods_repeating_a_value_past_a_sheet_is_refused(tmp_path):
    path = _ods_with_row(
        tmp_path,
        '<table:table-row table:number-rows-repeated="1000000"><table:table-cell '
        'table:number-columns-repeated="16000" office:value-type="string"><text:p>x</text:p>'
        "</table:table-cell></table:table-row>",
    )
    assert (
        "repeats a cell or row 1000000 times"
        in score_file(path, None).metrics["format_parsing"]["error"]
    )


def test_an_ods_with_long_runs_of_empty_rows_is_read(tmp_path):
    path = _ods_with_row(
        tmp_path,
        '<table:table-row table:number-rows-repeated="1048000"><table:table-cell '
        'table:number-columns-repeated="16000"/></table:table-row>',
    )
    report = score_file(path, definition(column("id", "integer"), sheet="Readings"))
    assert report.metrics["row_count"] == 3


def _ods_with_row(folder: Path, row: str) -> Path:
    path = folder / "runs.ods"
    with zipfile.ZipFile(FIXTURES / "readings.ods") as source, zipfile.ZipFile(path, "w") as out:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "content.xml":
                data = data.replace(
                    b"</table:table-row></table:table>",
                    b"</table:table-row>" + row.encode() + b"</table:table>",
                    1,
                )
                assert row.encode() in data
            out.writestr(member, data)
    return path


@pytest.mark.parametrize(
    "duration",
    [
        dt.timedelta(seconds=1, microseconds=16_500),
        dt.timedelta(seconds=1, microseconds=17_500),
        dt.timedelta(hours=5, microseconds=999_500),
    ],
)
def test_a_duration_on_a_half_millisecond_reads_alike_in_both_readers(
    tmp_path, monkeypatch, duration
):
    path = workbook(tmp_path, [[duration]])
    spec = definition(*(column(name) for name in NAMES))
    used_grid, grid = read_table(path, spec, monkeypatch, grid=True)
    _, stream = read_table(path, spec, monkeypatch, grid=False)
    assert used_grid is True
    assert grid == stream
    rounded = dt.timedelta(milliseconds=round(duration / dt.timedelta(milliseconds=1) + 0.001))
    assert grid[1][0] == [str(rounded)]
