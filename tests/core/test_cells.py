"""Columns of calamine values written at once as each cell is written, and the byte scans."""

from __future__ import annotations

import datetime as dt
import io
import math
import random
import zipfile

import pytest

from ingestion.core.readers.cells import column_text, converter, native
from ingestion.core.readers.packages import bound_grid, reads_alike

KINDS = ("string", "date", "datetime")


def one_by_one(values: list[object], kind: str) -> list[str | None]:
    write = converter(kind)
    return [write(native(value)) for value in values]


def boundary_floats() -> list[float]:
    """Floats either side of where arrow's and Python's ways of writing them part."""
    found: list[float] = []
    for edge in (1e-4, 1e10, 1.5e-4, 9_999_999_999.5):
        above = below = edge
        for _ in range(50):
            above, below = math.nextafter(above, math.inf), math.nextafter(below, -math.inf)
            found += [above, below, -above, -below]
    return found


def test_a_column_of_numbers_is_written_as_each_number_is_written():
    picker = random.Random(11)
    values: list[object] = [
        *boundary_floats(),
        *(picker.uniform(-1e6, 1e6) for _ in range(500)),
        *(round(picker.uniform(-1e3, 1e3), 2) for _ in range(500)),
        *(float(picker.randint(-(10**6), 10**6)) for _ in range(200)),
        0.0, -0.0, 5e-324, 1e-5, 1e16, 2.0**63, -(2.0**63), 1e300,
        math.inf, -math.inf, math.nan,
    ]  # fmt: skip
    for column in (values, [*values, "", "err", " "]):
        assert column_text(column, "string").to_pylist() == one_by_one(column, "string")


@pytest.mark.parametrize("kind", KINDS)
def test_a_column_of_datetimes_is_written_as_each_datetime_is_written(kind):
    values: list[object] = [
        dt.datetime(2021, 5, 6, 7, 8, 9),
        dt.datetime(2021, 5, 6),
        dt.datetime(2021, 5, 6, 7, 8, 9, 120),
        dt.datetime(1899, 12, 31, 23, 59, 59, 999_999),
        dt.datetime(1, 1, 1),
        dt.datetime(9999, 12, 31, 23, 59, 59, 999_999),
        dt.date(1900, 1, 1),
        dt.date(2200, 2, 3),
    ]
    assert column_text(values, kind).to_pylist() == one_by_one(values, kind)
    mixed = [*values, "", "n/a", " "]
    assert column_text(mixed, kind).to_pylist() == one_by_one(mixed, kind)


def sheet_archive(cells: str, dimension: str = "A1:B3") -> zipfile.ZipFile:
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData><row r="1">{cells}'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("sheet.xml", sheet)
    return zipfile.ZipFile(buffer)


@pytest.mark.parametrize(
    ("cells", "bound"),
    [
        ('<c r="A1"><v>1</v></c><c r="B3"><v>2</v></c>', 6),
        ('<c r="A1"><v>1</v></c><c r="C1"><v>2</v></c>', None),  # past the last column
        ('<c r="A1"><v>1</v></c><c r="B4"><v>2</v></c>', None),  # past the last row
        ('<c r="A1"><v>1</v></c><c r="A10"><v>2</v></c>', None),  # a longer row number
        ('<c s="1" r="A1"><v>1</v></c>', None),  # the reference is not the first attribute
        ("<c><v>1</v></c>", None),  # placed by counting
        ('<c r="A1"><v>1</v></c><!-- note -->', None),
        ('<c r="A1"><v>1</v></c><c ', None),  # a cut-off cell at the end of the part
    ],
)
def test_the_grid_is_bounded_only_when_every_cell_is_placed_inside_the_dimension(cells, bound):
    assert bound_grid(sheet_archive(cells), "sheet.xml") == bound


@pytest.mark.parametrize(
    ("cells", "alike"),
    [
        ('<c r="A1"><v>1.5</v></c><c r="B1" t="inlineStr"><is><t>a b</t></is></c>', True),
        ('<c r="A1" t="e"><v>#DIV/0!</v></c>', False),
        ('<c r="A1"><v>007</v></c>', False),
        ('<c r="A1" t="inlineStr"><is><t>a </t></is></c>', False),
        ('<c r="A1" t="inlineStr"><is><t xml:space="preserve">a </t></is></c>', True),
        ('<c r="A1" s="1"><v>-3</v></c>', False),  # a negative number shown as a date
        ('<c r="A1" s="2"><v>-3</v></c>', True),
    ],
)
def test_values_calamine_reads_differently_are_found(cells, alike):
    asked: list[bool] = []

    def date_styles() -> frozenset[int]:
        asked.append(True)
        return frozenset({1})

    assert reads_alike(sheet_archive(cells), "sheet.xml", date_styles) is alike
    assert bool(asked) == ("-" in cells)
