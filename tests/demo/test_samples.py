"""The demo's sample files score exactly as the demo promises, straight from the engine."""

from __future__ import annotations

import pytest

from dev.samples import DEFINITIONS, SAMPLES
from ingestion.core import POINTS, score_file
from schemas.definition import parse_definition

EXPECTED_FAILURES = {
    "stations_clean.csv": [],
    "stations_clean.xlsx": [],
    "stations_nulls.csv": ["completeness"],
    "stations_duplicates.csv": ["uniqueness"],
    "stations_out_of_range.csv": ["bounds_range"],
    "stations_missing_column.csv": ["schema_validation"],
    "stations_corrupt.xlsx": ["format_parsing"],
}


def test_there_is_one_sample_per_outcome():
    assert [sample.name for sample in SAMPLES] == list(EXPECTED_FAILURES)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda sample: sample.name)
def test_each_sample_loses_exactly_its_categorys_points(sample, tmp_path):
    path = tmp_path / sample.name
    path.write_bytes(sample.build())

    report = score_file(
        path, parse_definition(DEFINITIONS[sample.definition]), name_hint=sample.key
    )

    failed = EXPECTED_FAILURES[sample.name]
    assert list(report.deductions) == failed
    assert report.score == sample.expected_score == 100 - sum(POINTS[c] for c in failed)
    assert set(report.metrics["summary"]) == set(failed)
