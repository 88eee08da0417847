"""The engine and the definition parser under arbitrary input.

Mutated CSV, gzip and xlsx files scored against arbitrary valid definitions never raise, always
give a score in 0-100 whose deductions add up, and keep pyarrow's memory under a ceiling; the
definition parser raises nothing but DefinitionError, whatever JSON it is given.
"""

from __future__ import annotations

import gzip
import io
import json
import tempfile
from pathlib import Path

import openpyxl
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from ingestion.core import score_file
from ingestion.core.limits import MIB
from ingestion.core.scoring import CATEGORIES, POINTS
from schemas.definition import COLUMN_TYPES, DefinitionError, SchemaDefinition, parse_definition
from tests.fuzz.budget import fuzz_settings

NAMES = ["id", "amount", "day", "code", "flag", "when", "note"]
# What one scoring of a small file may add to pyarrow's peak allocation.
MEMORY_CEILING_BYTES = 256 * MIB


def _seed_rows() -> list[list[object]]:
    return [
        NAMES,
        [1, "2.5", "2021-01-01", "A1", "true", "2021-01-01T10:00:00Z", "x"],
        [2, "", "2021-02-30", "B2", "n", "2021-01-01 10:00", ""],
        [2, "-1", "", "A1", "maybe", "", "y,z"],
        ["x", "1e3", "2021-12-31", "C9", "0", "not a time", "ok"],
    ]


def _csv_bytes() -> bytes:
    return "\n".join(",".join(str(cell) for cell in row) for row in _seed_rows()).encode() + b"\n"


def _xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    for row in _seed_rows():
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


SEEDS = {"data.csv": _csv_bytes(), "data.csv.gz": gzip.compress(_csv_bytes())}
SEEDS["data.xlsx"] = _xlsx_bytes()


@st.composite
def mutated_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """A seed file with a few bytes flipped, cut out, or inserted."""
    name = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[name])
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        position = draw(st.integers(min_value=0, max_value=max(len(data) - 1, 0)))
        action = draw(st.sampled_from(["flip", "cut", "insert", "truncate"]))
        if action == "flip" and data:
            data[position] ^= draw(st.integers(min_value=1, max_value=255))
        elif action == "cut":
            del data[position : position + draw(st.integers(min_value=1, max_value=64))]
        elif action == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=32))
        else:
            del data[position:]
    return name, bytes(data)


def bounds(kind: str) -> st.SearchStrategy[object]:
    if kind == "integer":
        return st.integers(min_value=-(2**63), max_value=2**63 - 1)
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "date":
        return st.dates().map(lambda day: day.isoformat())
    return st.datetimes().map(lambda moment: moment.isoformat() + "Z")


@st.composite
def columns(draw: st.DrawFn, name: str) -> dict[str, object]:
    kind = draw(st.sampled_from(COLUMN_TYPES))
    column: dict[str, object] = {"name": name, "type": kind}
    for flag in ("required", "unique"):
        if draw(st.booleans()):
            column[flag] = True
    if kind in ("integer", "number", "date", "datetime"):
        for side in ("min", "max"):
            if draw(st.booleans()):
                column[side] = draw(bounds(kind))
    if kind == "string" and draw(st.booleans()):
        column["allowed"] = draw(st.lists(st.text(max_size=4), min_size=1, max_size=4))
    if kind == "string" and draw(st.booleans()):
        column["pattern"] = draw(st.sampled_from(["^[A-C][0-9]$", ".*", "x+", "[0-9]{2,}"]))
    return column


@st.composite
def definitions(draw: st.DrawFn) -> SchemaDefinition:
    """An arbitrary valid definition over the seed's names (min > max ones are skipped)."""
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=5, unique=True))
    raw: dict[str, object] = {"columns": [draw(columns(name)) for name in names]}
    if draw(st.booleans()):
        raw["strict"] = True
    if draw(st.booleans()):
        raw["primary_key"] = draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
    try:
        return parse_definition(raw)
    except DefinitionError:
        # A random min above its max: ask for another.
        return draw(st.nothing())


@fuzz_settings
@given(file=mutated_files(), definition=definitions())
def test_a_mutated_file_always_gives_a_consistent_report(file, definition):
    name, data = file
    pool = pa.default_memory_pool()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        before = pool.max_memory()
        report = score_file(path, definition, name_hint=name)
    assert 0 <= report.score <= 100
    assert report.passed == (report.score >= 80)
    assert set(report.deductions) <= set(CATEGORIES)
    assert all(POINTS[category] == points for category, points in report.deductions.items())
    assert report.score == max(0, 100 - sum(report.deductions.values()))
    json.dumps(report.as_dict(), allow_nan=False)
    assert pool.max_memory() - before < MEMORY_CEILING_BYTES


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["integer", "string", "date", "min", "max", "columns", "name", "utf-8"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "columns",
                    "name",
                    "type",
                    "min",
                    "max",
                    "allowed",
                    "pattern",
                    "strict",
                    "encoding",
                    "delimiter",
                    "sheet",
                    "null_values",
                    "primary_key",
                    "required",
                    "unique",
                    "other",
                ]
            )
            | st.text(max_size=6),
            children,
            max_size=5,
        )
    ),
    max_leaves=24,
)


@fuzz_settings
@given(raw=JSON)
def test_the_definition_parser_raises_only_definition_errors(raw):
    try:
        parsed = parse_definition(raw)
    except DefinitionError as error:
        problem = str(error)
    else:
        problem = ""
        assert parsed.columns
    assert "\n" not in problem
