"""The five categories and their points, each rule alone and in combination, for CSV and xlsx."""

from __future__ import annotations

import pytest

from ingestion.core import score_file
from schemas.definition import DefinitionError
from tests.core.conftest import column, definition, write_csv, write_table

STATIONS = definition(
    column("id", "integer", required=True, unique=True),
    column("station", required=True, pattern=r"^ST-\d+$"),
    column("reading", "number", min=0, max=500),
    column("observed_at", "datetime", min="2020-01-01T00:00:00"),
    column("status", allowed=["ok", "warn", "error"]),
    column("note"),
)
HEADER = ["id", "station", "reading", "observed_at", "status", "note"]
GOOD = [
    ["1", "ST-1", "10.5", "2021-01-01T00:00:00", "ok", ""],
    ["2", "ST-2", "0", "2021-01-01 10:30", "warn", "fine"],
    ["3", "ST-3", "500", "2022-06-01T12:00:00Z", "error", "x"],
]


def rows_with(*changes):
    """GOOD with cells replaced: each change is (row index, column name, value)."""
    rows = [list(row) for row in GOOD]
    for index, name, value in changes:
        rows[index][HEADER.index(name)] = value
    return rows


def score(kind, tmp_path, rows, spec=STATIONS, header=HEADER):
    return score_file(write_table(kind, tmp_path, [header, *rows]), spec)


CASES = [
    ("everything passes", [], {}, 100),
    ("a required value is blank", [(1, "station", "  ")], {"completeness": 20}, 80),
    ("a required value is a null word", [(1, "id", "NULL")], {"completeness": 20}, 80),
    ("a unique value repeats", [(2, "id", "1")], {"uniqueness": 10}, 90),
    ("uniqueness compares typed values", [(2, "id", "01")], {"uniqueness": 10}, 90),
    ("nulls are never duplicates", [(0, "status", ""), (1, "status", "")], {}, 100),
    ("a value under min", [(0, "reading", "-0.5")], {"bounds_range": 15}, 85),
    ("a value over max", [(0, "reading", "500.01")], {"bounds_range": 15}, 85),
    ("min and max are inclusive", [(0, "reading", "0"), (1, "reading", "500")], {}, 100),
    ("a value not parseable as the type", [(0, "reading", "abc")], {"bounds_range": 15}, 85),
    (
        "a datetime before its min",
        [(0, "observed_at", "2019-12-31T23:59:59")],
        {"bounds_range": 15},
        85,
    ),
    (
        "a zone moves a datetime across its min",
        [(0, "observed_at", "2020-01-01T00:30+01:00")],
        {"bounds_range": 15},
        85,
    ),
    ("a value not allowed", [(0, "status", "OK")], {"bounds_range": 15}, 85),
    ("allowed compares after trimming", [(0, "status", "  ok ")], {}, 100),
    ("a value not matching the pattern", [(0, "station", "ST-1x")], {"bounds_range": 15}, 85),
    (
        "completeness and uniqueness",
        [(1, "station", ""), (2, "id", "1")],
        {"completeness": 20, "uniqueness": 10},
        70,
    ),
    (
        "completeness, uniqueness and bounds",
        [(1, "station", ""), (2, "id", "1"), (0, "reading", "9999")],
        {"completeness": 20, "uniqueness": 10, "bounds_range": 15},
        55,
    ),
]


@pytest.mark.parametrize(
    ("case", "changes", "deductions", "expected"), CASES, ids=[case[0] for case in CASES]
)
def test_each_rule_alone_and_combined(table_kind, tmp_path, case, changes, deductions, expected):
    report = score(table_kind, tmp_path, rows_with(*changes))
    assert report.deductions == deductions, report.metrics
    assert report.score == expected
    assert report.passed is (expected >= 80)


SCHEMA_CASES = [
    (
        "a required column is missing",
        ["id", "reading", "observed_at", "status", "note"],
        [[row[0], *row[2:]] for row in GOOD],
        {"missing_columns": ["station"]},
    ),
    (
        "a header name appears twice",
        [*HEADER, "note"],
        [[*row, "again"] for row in GOOD],
        {"duplicate_columns": ["note"]},
    ),
]


@pytest.mark.parametrize(
    ("case", "header", "rows", "found"), SCHEMA_CASES, ids=[c[0] for c in SCHEMA_CASES]
)
def test_schema_validation_fails_on_the_header(table_kind, tmp_path, case, header, rows, found):
    report = score(table_kind, tmp_path, rows, header=header)
    assert report.deductions == {"schema_validation": 40}, report.metrics
    for key, value in found.items():
        assert report.metrics["schema_validation"][key] == value


def test_a_missing_column_is_not_also_a_completeness_failure(table_kind, tmp_path):
    header = ["id", "reading", "observed_at", "status", "note"]
    report = score(table_kind, tmp_path, [[row[0], *row[2:]] for row in GOOD], header=header)
    assert report.deductions == {"schema_validation": 40}
    assert report.metrics["completeness"]["null_counts"] == {}


def test_strict_mode_fails_on_an_undefined_column(table_kind, tmp_path):
    spec = definition(column("id", "integer"), strict=True)
    report = score(table_kind, tmp_path, [["1", "x"]], spec, header=["id", "extra"])
    assert report.deductions == {"schema_validation": 40}
    assert report.metrics["schema_validation"]["extra_columns"] == ["extra"]
    lenient = score(
        table_kind,
        tmp_path,
        [["1", "x"]],
        definition(column("id", "integer")),
        header=["id", "extra"],
    )
    assert lenient.score == 100


def test_the_first_copy_of_a_repeated_header_is_checked(table_kind, tmp_path):
    spec = definition(column("id", "integer", required=True))
    report = score(table_kind, tmp_path, [["1", ""], ["2", ""]], spec, header=["id", "id"])
    assert report.deductions == {"schema_validation": 40}


def test_when_no_defined_column_is_present_checking_stops_at_the_schema(table_kind, tmp_path):
    spec = definition(column("id", "integer", required=True), column("other"))
    report = score(table_kind, tmp_path, [["x"], [""]], spec, header=["unrelated"])
    assert report.deductions == {"schema_validation": 40}
    assert report.metrics["completeness"] == {"checked": False}
    assert report.metrics["bounds_range"] == {"checked": False}


def test_every_category_failing_together_leaves_15(table_kind, tmp_path):
    header = ["id", "reading", "observed_at", "status", "note", "note"]
    rows = [
        ["1", "10", "2021-01-01T00:00", "ok", "", ""],
        ["1", "-1", "", "ok", "", ""],
        ["", "5", "2021-01-01T00:00", "ok", "", ""],
    ]
    report = score(table_kind, tmp_path, rows, header=header)
    assert report.deductions == {
        "schema_validation": 40,
        "completeness": 20,
        "uniqueness": 10,
        "bounds_range": 15,
    }
    assert (report.score, report.passed) == (15, False)


def test_a_primary_key_combination_must_be_unique(table_kind, tmp_path):
    spec = definition(column("station"), column("day", "date"), primary_key=["station", "day"])
    rows = [
        ["A", "2021-01-01"],
        ["B", "2021-01-01"],
        ["A", "2021-01-02"],
        ["A", "2021-01-01"],
        ["", "2021-01-01"],
        ["", "2021-01-01"],
    ]
    report = score(table_kind, tmp_path, rows, spec, header=["station", "day"])
    assert report.deductions == {"uniqueness": 10}
    assert report.metrics["uniqueness"]["duplicate_counts"] == {"station+day": 1}
    assert report.metrics["uniqueness"]["samples"] == {
        "station+day": [{"row": 5, "value": ["A", "2021-01-01"]}]
    }


def test_strings_are_unique_after_trimming_and_case_sensitive(table_kind, tmp_path):
    spec = definition(column("code", unique=True))
    report = score(table_kind, tmp_path, [["ab"], ["AB"], [" ab "]], spec, header=["code"])
    assert report.metrics["uniqueness"]["duplicate_counts"] == {"code": 1}
    assert report.metrics["uniqueness"]["samples"]["code"][0]["row"] == 4


TYPE_SPELLINGS = [
    ("integer", ["-12", "007", " 42 "], ["1.0", "+1", "0x10", "1e3", "99999999999999999999"]),
    ("number", ["1", "-2.5", ".5", "5.", "1e-3", "+7E+2"], ["1,5", "inf", "nan", "1e999", "--1"]),
    ("boolean", ["true", "FALSE", "t", "F", "Yes", "no", "Y", "n", "1", "0"], ["2", "ja", "on"]),
    (
        "date",
        ["2021-02-28", "2020-02-29"],
        ["2021-02-29", "2021-2-1", "2021-01-01T00:00", "01/02/2021"],
    ),
    (
        "datetime",
        [
            "2021-01-01T10:00",
            "2021-01-01 10:00:05",
            "2021-01-01T10:00:05.123",
            "2021-01-01T10:00Z",
            "2021-01-01T10:00:00+02:00",
            "2021-01-01T10:00:00-0330",
            "2021-01-01T10:00:00.1234567",
        ],
        ["2021-01-01", "2021-01-01T10", "2021-01-01T25:00", "2021-02-30T10:00", "10:00"],
    ),
]


@pytest.mark.parametrize(
    ("kind", "good", "bad"), TYPE_SPELLINGS, ids=[t[0] for t in TYPE_SPELLINGS]
)
def test_each_type_accepts_exactly_its_spellings(tmp_path, kind, good, bad):
    spec = definition(column("value", kind))
    report = score("csv", tmp_path, [[value] for value in good + bad], spec, header=["value"])
    violations = report.metrics["bounds_range"]["violations"]
    assert violations.get("value", {}).get("type", 0) == len(bad), report.metrics["bounds_range"]
    rejected = [sample["value"] for sample in report.metrics["bounds_range"]["samples"]["value"]]
    assert rejected == bad[:5]


def test_null_values_replace_the_defaults_but_blank_stays_null(tmp_path):
    spec = definition(column("n", "integer", required=True), null_values=["-"])
    report = score("csv", tmp_path, [["-"], [" "], ["NULL"]], spec, header=["n"])
    assert report.metrics["completeness"]["null_counts"] == {"n": 2}
    assert report.metrics["bounds_range"]["violations"] == {"n": {"type": 1}}


@pytest.mark.parametrize("kind", ["string", "integer"])
@pytest.mark.parametrize("other", ["1", " 1"])
def test_a_padded_null_value_is_null_whatever_the_column_and_its_neighbours(tmp_path, kind, other):
    spec = definition(column("n", kind, required=True), null_values=[" NA "])
    report = score("csv", tmp_path, [[" NA "], [other]], spec, header=["n"])
    assert report.deductions == {"completeness": 20}, report.metrics
    assert report.metrics["completeness"]["null_counts"] == {"n": 1}


def test_year_zero_is_no_date_as_it_is_no_bound(tmp_path):
    path = write_csv(
        tmp_path,
        [["d", "t"], ["0000-01-01", "0000-01-01T00:00"], ["0001-01-01", "0001-01-01T00:00Z"]],
    )
    spec = definition(column("d", "date"), column("t", "datetime"))
    report = score_file(path, spec)
    assert report.metrics["bounds_range"]["violations"] == {"d": {"type": 1}, "t": {"type": 1}}
    with pytest.raises(DefinitionError, match="min must be a date"):
        definition(column("d", "date", min="0000-01-01"))
