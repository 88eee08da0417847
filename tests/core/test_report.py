"""The report: its shape, what it keeps (capped), its evidence lines, and the score table."""

from __future__ import annotations

import json

import pytest

from ingestion.core import (
    CATEGORIES,
    POINTS,
    QualityReport,
    evidence_lines,
    score_file,
    unreadable_report,
)
from tests.core.conftest import column, definition, write_text

SPEC = definition(
    column("id", "integer", required=True, unique=True),
    column("reading", "number", max=500),
    column("station", required=True),
)


def test_the_points_table_matches_the_issue():
    assert POINTS == {
        "format_parsing": 35,
        "schema_validation": 40,
        "completeness": 20,
        "uniqueness": 10,
        "bounds_range": 15,
    }
    assert tuple(POINTS) == CATEGORIES


def test_a_failing_csv_report_has_the_documented_shape(tmp_path):
    path = write_text(tmp_path, "id,reading,station\n1,10,A\n1,900,\n,abc,C\n")
    report = score_file(path, SPEC)
    as_dict = report.as_dict()
    assert set(as_dict) == {"score", "passed", "deductions", "metrics"}
    assert json.loads(json.dumps(as_dict)) == as_dict
    metrics = as_dict["metrics"]
    assert not {"source", "identity"} & set(metrics)
    assert metrics["row_count"] == 3
    assert metrics["column_count"] == 3
    assert metrics["completeness"] == {
        "checked": True,
        "passed": False,
        "null_counts": {"id": 1, "station": 1},
        "samples": {"id": [{"row": 4, "value": ""}], "station": [{"row": 3, "value": ""}]},
        "capped": False,
    }
    assert metrics["uniqueness"]["duplicate_counts"] == {"id": 1}
    assert metrics["bounds_range"]["violations"] == {"reading": {"max": 1, "type": 1}}
    assert metrics["bounds_range"]["samples"]["reading"] == [
        {"row": 3, "value": "900", "rule": "max"},
        {"row": 4, "value": "abc", "rule": "type"},
    ]
    assert report.score == 55
    assert sum(report.deductions.values()) == 100 - report.score


def test_every_failure_is_counted_but_samples_are_capped(tmp_path):
    rows = "".join(f"{number},1,\n" for number in range(1, 21))
    report = score_file(write_text(tmp_path, "id,reading,station\n" + rows), SPEC, sample_cap=3)
    completeness = report.metrics["completeness"]
    assert completeness["null_counts"] == {"station": 20}
    assert [sample["row"] for sample in completeness["samples"]["station"]] == [2, 3, 4]
    assert completeness["capped"] is True
    assert report.metrics["capped"] is True


def test_long_values_are_cut_in_samples(tmp_path):
    report = score_file(write_text(tmp_path, f"id,reading,station\nx{'9' * 500},1,A\n"), SPEC)
    value = report.metrics["bounds_range"]["samples"]["id"][0]["value"]
    assert len(value) == 80
    assert value.endswith("…")


def test_evidence_lines_say_what_failed_and_where(tmp_path):
    path = write_text(tmp_path, "id,reading,station,station\n1,10,A,\n1,900,,\n")
    lines = evidence_lines(score_file(path, SPEC))
    assert lines == {
        "schema_validation": "schema_validation: repeated header name station",
        "completeness": "completeness: 1 null in station, first at line 3",
        "uniqueness": "uniqueness: 1 repeated value in id, first at line 3",
        "bounds_range": (
            "bounds_range: 1 invalid value in reading (1 above max 500), first at line 3"
        ),
    }


def test_categories_not_checked_are_marked_so(tmp_path):
    report = score_file(write_text(tmp_path, "a,b\n1,2\n"), None)
    for category in CATEGORIES[1:]:
        assert report.metrics[category] == {"checked": False}
    assert report.metrics["format_parsing"] == {"checked": True, "passed": True}
    assert evidence_lines(report) == {}


def test_unreadable_report_is_a_format_failure_built_without_reading():
    report = unreadable_report("the object is 900 MiB, over the limit", size_bytes=900 * 2**20)
    assert isinstance(report, QualityReport)
    assert (report.score, report.passed, report.deductions) == (65, False, {"format_parsing": 35})
    assert report.metrics["format_parsing"] == {
        "checked": True,
        "passed": False,
        "error": "the object is 900 MiB, over the limit",
        "size_bytes": 900 * 2**20,
    }
    assert evidence_lines(report) == {
        "format_parsing": "format_parsing: the object is 900 MiB, over the limit"
    }
    json.dumps(report.as_dict())


def test_unreadable_report_keeps_odd_evidence_serialisable():
    report = unreadable_report("too big", when=object(), source="s3")
    parsing = report.metrics["format_parsing"]
    assert "source" not in report.metrics
    assert parsing["source_evidence"] == "s3"
    json.dumps(report.as_dict())


def test_a_missing_file_raises_instead_of_scoring(tmp_path):
    with pytest.raises(FileNotFoundError):
        score_file(tmp_path / "absent.csv", SPEC)
