"""Scores, deductions and metrics are byte for byte what they were before history-aware monitoring.

`scores_before_trend.json` was written by `corpus_reports` run on main's code just before the trend
(commit 11fb391): the demo's samples, the end-to-end benchmark's five kinds of file, gzip, the
workbook fixtures and a file of every fault, each with its definition, without one and in small
chunks. The engine now adds `profile` to `metrics` and nothing else; everything else must match.
A later change that alters a report on purpose rewrites the file with `corpus_text` (and says why
in its commit).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).with_name("scores_before_trend.json")
FIXTURES = Path(__file__).resolve().parents[1] / "core" / "fixtures"
# The keys the trend added to a report's metrics (the engine's profile).
ADDED_KEYS = ("profile",)
FAULTS_CSV = b"id,reading,station\n1,10,A\n1,900,\n,abc,C\n2, 5 ,NULL\n"
FAULTS_DEFINITION = {
    "strict": True,
    "columns": [
        {"name": "id", "type": "integer", "required": True, "unique": True},
        {"name": "reading", "type": "number", "max": 500},
        {"name": "station", "required": True},
    ],
}


def corpus() -> list[tuple[str, str, bytes, dict[str, Any] | None]]:
    """(case, file name, bytes, definition) for every file of the corpus."""
    from bench.e2e_files import csv_file
    from dev.samples import CSV_DEFINITION, DEFINITIONS, SAMPLES, WORKBOOK_DEFINITION

    cases = [
        (sample.name, sample.name, sample.build(), DEFINITIONS[sample.definition])
        for sample in SAMPLES
    ]
    for index in range(8):
        name = f"readings_{index:05d}.csv"
        body = csv_file(index, 300)
        cases.append((name, name, body, DEFINITIONS[CSV_DEFINITION]))
        cases.append((f"{name} without a definition", name, body, None))
    cases.append(("gzip", "readings.csv.gz", gzip.compress(csv_file(3, 300), mtime=0), None))
    for fixture in sorted(FIXTURES.glob("readings.*")):
        cases.append((fixture.name, fixture.name, fixture.read_bytes(), None))
        cases.append(
            (
                f"{fixture.name} as the demo's workbook",
                fixture.name,
                fixture.read_bytes(),
                DEFINITIONS[WORKBOOK_DEFINITION],
            )
        )
    cases.append(("every fault", "faults.csv", FAULTS_CSV, FAULTS_DEFINITION))
    return cases


def corpus_reports(folder: Path) -> dict[str, Any]:
    """Each case's score, deductions and metrics (without the keys the trend added)."""
    from ingestion.core import score_file
    from schemas.definition import parse_definition

    reports: dict[str, Any] = {}
    for case, name, body, raw in corpus():
        path = folder / name
        path.write_bytes(body)
        definition = parse_definition(raw) if raw is not None else None
        for chunk_rows in (131_072, 7):
            report = score_file(path, definition, name_hint=name, chunk_rows=chunk_rows)
            metrics = {k: v for k, v in report.metrics.items() if k not in ADDED_KEYS}
            reports[f"{case} (chunks of {chunk_rows})"] = {
                "score": report.score,
                "passed": report.passed,
                "deductions": report.deductions,
                "metrics": metrics,
            }
    return reports


def corpus_text(folder: Path) -> str:
    return json.dumps(corpus_reports(folder), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def test_scores_deductions_and_metrics_are_what_they_were_before_the_trend(tmp_path):
    assert corpus_text(tmp_path) == GOLDEN.read_text(encoding="utf-8")


def test_the_corpus_covers_every_category_and_outcome():
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    failed = {category for case in golden.values() for category in case["deductions"]}
    assert failed == {
        "format_parsing",
        "schema_validation",
        "completeness",
        "uniqueness",
        "bounds_range",
    }
    assert {case["passed"] for case in golden.values()} == {True, False}
