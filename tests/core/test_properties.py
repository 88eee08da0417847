"""Properties over arbitrary input: a consistent report always comes back, whatever the chunks."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion.core import score_file
from tests.core.conftest import column, definition, write_xlsx

SPEC = definition(
    column("id", "integer", required=True, unique=True),
    column("amount", "number", min=0, max=100),
    column("day", "date"),
    column("code", pattern="^[A-C][0-9]$", unique=True),
    column("flag", "boolean"),
    primary_key=["code", "day"],
)
NAMES = ["id", "amount", "day", "code", "flag", "other", " id "]
CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "NULL",
            "1",
            "01",
            "-3",
            "2.5",
            "1e3",
            "abc",
            "A1",
            "B2",
            "C9",
            "2021-01-01",
            "2021-02-30",
            "true",
            "n",
            "101",
            '"',
            "x\ny",
            "a,b",
            " 7 ",
        ]
    ),
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\x00"),
        max_size=6,
    ),
)
# openpyxl refuses control characters in cells, so workbook tables draw from printable text.
PRINTABLE_CELLS = st.one_of(
    st.sampled_from(["", " ", "NULL", "1", "01", "2.5", "abc", "A1", "2021-01-01", "true"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=6),
)
PROPERTY_SETTINGS = settings(
    max_examples=int(os.environ.get("CORE_EXAMPLES", "80")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
MAGIC = st.sampled_from(
    [
        b"",
        b"\x1f\x8b",
        b"PK\x03\x04",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\xef\xbb\xbf",
        b"id,amount\n",
        b"%PDF",
    ]
)
HINTS = st.sampled_from(["data.csv", "data.xlsx", "data.csv.gz", "data.tsv", "data.xls", ""])


def assert_consistent(report):
    assert 0 <= report.score <= 100
    assert report.passed == (report.score >= 80)
    assert sum(report.deductions.values()) == 100 - report.score
    assert not {"source", "identity"} & set(report.metrics)
    report.as_dict()


@PROPERTY_SETTINGS
@given(magic=MAGIC, body=st.binary(max_size=1500), hint=HINTS, with_spec=st.booleans())
def test_arbitrary_bytes_always_give_a_consistent_report(magic, body, hint, with_spec):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "object"
        path.write_bytes(magic + body)
        assert_consistent(score_file(path, SPEC if with_spec else None, name_hint=hint))


@st.composite
def tables(draw, cells=CELLS):
    width = draw(st.integers(min_value=1, max_value=5))
    header = draw(st.lists(st.sampled_from(NAMES), min_size=width, max_size=width))
    rows = draw(st.lists(st.lists(cells, min_size=0, max_size=width), max_size=14))
    return header, rows


def render(header, rows, newline, blank_every):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(header)
    for number, row in enumerate(rows, start=1):
        if blank_every and number % blank_every == 0:
            buffer.write(newline)
        writer.writerow(row)
    return buffer.getvalue()


@PROPERTY_SETTINGS
@given(
    table=tables(),
    newline=st.sampled_from(["\n", "\r\n"]),
    blank_every=st.integers(min_value=0, max_value=4),
)
def test_a_csv_scores_the_same_whatever_the_chunk_size(table, newline, blank_every):
    header, rows = table
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "table.csv"
        path.write_text(render(header, rows, newline, blank_every), encoding="utf-8", newline="")
        results = [score_file(path, SPEC, chunk_rows=size).as_dict() for size in (1, 7, 10_000)]
    assert results[0] == results[1] == results[2]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables(PRINTABLE_CELLS))
def test_a_workbook_scores_the_same_whatever_the_chunk_size(table):
    header, rows = table
    with tempfile.TemporaryDirectory() as folder:
        path = write_xlsx(Path(folder), [header, *rows])
        results = [score_file(path, SPEC, chunk_rows=size).as_dict() for size in (1, 7, 10_000)]
    assert results[0] == results[1] == results[2]
    report = results[0]
    assert 0 <= report["score"] <= 100
