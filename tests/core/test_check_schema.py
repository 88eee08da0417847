"""schema_validation: the header against the definition, as findings."""

from __future__ import annotations

from ingestion.core.checks.schema import DUPLICATE, EXTRA, MISSING, UNNAMED, check_header
from tests.core.conftest import column, definition

COLUMNS = [column("id", "integer", required=True), column("station", required=True), column("note")]
SPEC = definition(*COLUMNS)


def found(check):
    return [(f.column, f.rules[0].rule, f.rules[0].count) for f in check.findings]


def test_a_header_holding_every_column_has_no_findings():
    check = check_header(SPEC, ("note", "id", "station"))
    assert check.findings == ()
    assert [(c.name, index) for c, index in check.present] == [
        ("id", 1),
        ("station", 2),
        ("note", 0),
    ]


def test_only_a_missing_required_column_is_a_finding():
    check = check_header(SPEC, ("id",))
    assert found(check) == [("station", MISSING, 1)]
    assert [c.name for c, _ in check.present] == ["id"]


def test_a_repeated_name_is_one_finding_counting_its_extra_copies_and_the_first_is_checked():
    check = check_header(SPEC, ("id", "station", "id", "id"))
    assert found(check) == [("id", DUPLICATE, 2)]
    assert [(c.name, index) for c, index in check.present] == [("id", 0), ("station", 1)]


def test_an_undefined_column_is_a_finding_only_in_strict_mode():
    header = ("id", "station", "extra", "extra")
    assert found(check_header(SPEC, header)) == [("extra", DUPLICATE, 1)]
    strict = definition(*COLUMNS, strict=True)
    assert found(check_header(strict, header)) == [("extra", DUPLICATE, 1), ("extra", EXTRA, 1)]


def test_findings_list_missing_then_repeated_then_undefined_names():
    strict = definition(column("a", required=True), column("b", required=True), strict=True)
    check = check_header(strict, ("z", "b", "y", "b"))
    assert found(check) == [
        ("a", MISSING, 1),
        ("b", DUPLICATE, 1),
        ("z", EXTRA, 1),
        ("y", EXTRA, 1),
    ]
    assert {f.category for f in check.findings} == {"schema_validation"}


def test_blank_header_cells_are_no_repeated_name():
    assert found(check_header(SPEC, ("id", "", "station", "", ""))) == []


def test_blank_header_cells_are_findings_by_position_in_strict_mode():
    strict = definition(*COLUMNS, strict=True)
    assert found(check_header(strict, ("id", "", "station", ""))) == [
        ("2", UNNAMED, 1),
        ("4", UNNAMED, 1),
    ]


def test_the_report_names_blank_header_cells_by_position(tmp_path):
    from ingestion.core import score_file
    from tests.core.conftest import write_xlsx

    rows = [["id", None, "station", None, None, "x"], [1, None, "ST-1", None, None, "y"]]
    path = write_xlsx(tmp_path, rows)
    assert score_file(path, SPEC).score == 100
    report = score_file(path, definition(*COLUMNS, strict=True))
    assert report.metrics["schema_validation"]["unnamed_columns"] == ["2", "4", "5"]
    assert report.metrics["summary"]["schema_validation"] == (
        "schema_validation: undefined column x; blank header cell at positions 2, 4, 5"
    )
