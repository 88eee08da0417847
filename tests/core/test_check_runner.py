"""The runner: every rule over chunks, columns read once, findings in report order."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

from ingestion.core import score_file
from ingestion.core.checks import runner
from ingestion.core.checks.rules import COLUMN_RULES, ColumnRule
from ingestion.core.checks.runner import TableChecks
from ingestion.core.checks.values import ColumnValues
from schemas.definition import ColumnDefinition
from tests.core.conftest import chunk, column, definition, write_text

SPEC = definition(
    column("id", "integer", required=True, unique=True),
    column("code", unique=True, pattern="[A-C][0-9]"),
    column("day", "date", required=True, max="2021-12-31"),
    column("note"),
    primary_key=["code", "day"],
)
HEADER = ("note", "day", "code", "id")


def run(spec, header, *chunks, cap=5):
    checks = TableChecks(spec, header, cap)
    for rows in chunks:
        checks.consume(rows)
    pending = checks.confirmations
    for rows in chunks if pending else ():
        checks.confirm(rows, pending)
    return checks.findings()


def test_findings_come_category_by_category_with_columns_as_defined_then_the_key():
    found = run(
        SPEC,
        HEADER,
        chunk([["", "2022-01-01", "A1", "1"], ["", "", "A1", ""]]),
        chunk([["", "2022-01-01", "A1", "1"], ["", "x", "D1", "1"]], first_line=4),
    )
    assert found.checked == ("schema_validation", "completeness", "uniqueness", "bounds_range")
    assert [(f.category, f.column, [r.rule for r in f.rules]) for f in found.findings] == [
        ("completeness", "id", ["required"]),
        ("completeness", "day", ["required"]),
        ("uniqueness", "id", ["unique"]),
        ("uniqueness", "code", ["unique"]),
        ("uniqueness", "code+day", ["primary_key"]),
        ("bounds_range", "code", ["pattern"]),
        ("bounds_range", "day", ["type", "max"]),
    ]
    day = found.findings[-1]
    assert [(s.row, s.value, s.rule) for s in day.samples] == [
        (2, "2022-01-01", "max"),
        (4, "2022-01-01", "max"),
        (5, "x", "type"),
    ]


def test_each_needed_column_is_read_once_per_chunk_for_all_its_rules(monkeypatch):
    reads = Counter()
    read_column = runner.read_column

    def counted(raw, column, null_set):
        reads[column.name] += 1
        return read_column(raw, column, null_set)

    monkeypatch.setattr(runner, "read_column", counted)
    checks = TableChecks(SPEC, HEADER, 5)
    for _ in range(2):
        checks.consume(chunk([["n", "2021-01-01", "A1", "1"], ["n", "2021-01-02", "B2", "2"]]))
    assert reads == {"id": 2, "code": 2, "day": 2}


def test_without_a_defined_column_in_the_header_only_the_schema_is_checked():
    found = run(SPEC, ("other",), chunk([["x"]]))
    assert found.checked == ("schema_validation",)
    assert [(f.column, f.rules[0].rule) for f in found.findings] == [
        ("id", "missing_column"),
        ("day", "missing_column"),
    ]


@pytest.fixture
def even_rule():
    """Declare a rule only for one test: integers must be even."""

    @dataclass(frozen=True)
    class Even(ColumnRule):
        rule: ClassVar[str] = "even"
        category: ClassVar[str] = "bounds_range"

        @classmethod
        def declared(cls, column: ColumnDefinition) -> Even | None:
            return cls() if column.type == "integer" else None

        def failing(self, values: ColumnValues) -> np.ndarray:
            return values.valid & (values.typed % 2 == 1)

        @property
        def detail(self) -> str:
            return "odd"

    yield
    COLUMN_RULES.remove(Even)


def test_declaring_a_rule_class_is_all_it_takes_to_check_score_and_report_it(tmp_path, even_rule):
    spec = definition(column("n", "integer", max=5))
    report = score_file(write_text(tmp_path, "n\n2\n3\n9\nx\n"), spec)
    assert report.deductions == {"bounds_range": 15}
    assert report.metrics["bounds_range"]["violations"] == {"n": {"type": 1, "max": 1, "even": 2}}
    assert [s["rule"] for s in report.metrics["bounds_range"]["samples"]["n"]] == [
        "even",
        "max",
        "type",
    ]
    assert report.metrics["summary"]["bounds_range"] == (
        "bounds_range: 4 invalid values in n (1 not an integer, 1 above max 5, 2 odd), "
        "first at line 3"
    )
