"""The pure validation and scoring engine: (file bytes, schema definition) -> quality report.

Imports nothing from Django, boto3 or the database layer; the pipeline calls `score_file` (or
`unreadable_report` for an object it will not download) and stores `QualityReport.metrics`.
"""

from __future__ import annotations

from ingestion.core.engine import score_file
from ingestion.core.limits import DEFAULT_CHUNK_ROWS, DEFAULT_SAMPLE_CAP, EngineLimits
from ingestion.core.report import QualityReport, evidence_lines, unreadable_report
from ingestion.core.scoring import CATEGORIES, PASS_SCORE, POINTS

__all__ = [
    "CATEGORIES",
    "DEFAULT_CHUNK_ROWS",
    "DEFAULT_SAMPLE_CAP",
    "PASS_SCORE",
    "POINTS",
    "EngineLimits",
    "QualityReport",
    "evidence_lines",
    "score_file",
    "unreadable_report",
]
