"""The profile: every header column's nulls, counted on the checks' read, never scored."""

from __future__ import annotations

import pytest

from ingestion.core import score_file
from ingestion.core.limits import MAX_PROFILED_COLUMNS
from ingestion.core.profile import TableProfile
from tests.core.conftest import column, definition, write_text

CSV = "id,reading,station,note\n1,10,A, \n2,,B,NULL\n, 3 ,C,n/a\n4,x,, none \n"


def test_every_header_column_gets_its_null_count_with_completenesss_rule(tmp_path):
    spec = definition(column("id", "integer", required=True), column("reading", "number"))
    report = score_file(write_text(tmp_path, CSV), spec)
    assert report.metrics["profile"] == {
        "columns": ["id", "reading", "station", "note"],
        # Blank after trimming, or a null value after trimming: " " and "NULL" in note, not "n/a".
        "null_counts": {"id": 1, "reading": 1, "station": 1, "note": 2},
        "capped": False,
    }
    assert report.metrics["completeness"]["null_counts"] == {"id": 1}


def test_the_definitions_null_values_count_and_the_defaults_without_one(tmp_path):
    path = write_text(tmp_path, CSV)
    spec = definition(column("id"), null_values=["n/a", " none"])
    assert score_file(path, spec).metrics["profile"]["null_counts"]["note"] == 3
    assert score_file(path, None).metrics["profile"]["null_counts"] == {
        "id": 1,
        "reading": 1,
        "station": 1,
        "note": 2,
    }


def test_counts_do_not_depend_on_the_chunk_size(tmp_path):
    rows = "".join(f"{n},{'' if n % 3 else n},x\n" for n in range(1, 500))
    path = write_text(tmp_path, "id,reading,station\n" + rows)
    spec = definition(column("reading", "number"))
    whole = score_file(path, spec).metrics["profile"]
    assert whole == score_file(path, spec, chunk_rows=7).metrics["profile"]
    assert whole["null_counts"]["reading"] == 333


def test_a_repeated_header_name_is_counted_at_its_first_position():
    profile = TableProfile(("a", "b", "a"), ("",))
    assert profile.names == ("a", "b")


def test_a_wide_header_is_profiled_on_its_first_columns_and_says_so():
    names = tuple(f"c{n}" for n in range(MAX_PROFILED_COLUMNS + 5))
    metrics = TableProfile(names, ("",)).metrics()
    assert len(metrics["columns"]) == MAX_PROFILED_COLUMNS
    assert metrics["capped"] is True


def test_a_file_that_cannot_be_read_has_no_profile(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    assert "profile" not in score_file(path, None).metrics


@pytest.mark.parametrize("cap", [0, 5])
def test_the_profile_takes_no_part_in_the_score(tmp_path, monkeypatch, cap):
    path = write_text(tmp_path, CSV)
    spec = definition(
        column("id", "integer", required=True, unique=True), column("reading", "number", max=5)
    )
    profiled = score_file(path, spec, sample_cap=cap)
    monkeypatch.setattr(TableProfile, "consume", lambda self, chunk, masks: None)
    unprofiled = score_file(path, spec, sample_cap=cap)
    assert (profiled.score, profiled.deductions) == (unprofiled.score, unprofiled.deductions)
    without = {k: v for k, v in profiled.metrics.items() if k != "profile"}
    assert without == {k: v for k, v in unprofiled.metrics.items() if k != "profile"}
