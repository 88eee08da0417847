"""Human-readable lines about an ingestion result, for the CLI, the demo and alerts."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingestion.services import IngestionResult


def failed_evidence(result: IngestionResult) -> dict[str, str]:
    """Return one line of evidence per failed category (empty when nothing failed)."""
    summary = (result.metrics or {}).get("summary", {})
    return {category: summary.get(category, category) for category in result.deductions or {}}


def describe_result(result: IngestionResult) -> list[str]:
    """Return a short summary: status, file, score and the evidence of each failed category."""
    lines = [f"{result.status}: s3://{result.bucket}/{result.key}"]
    if result.monitoring_file_id is not None:
        run = f", run {result.run_id}" if result.run_id is not None else ""
        lines.append(f"monitoring file {result.monitoring_file_id}{run}")
    if result.score is not None:
        verdict = "passed" if result.passed else "failed"
        lines.append(f"score {result.score} ({verdict})")
        lines.extend(f"  - {line}" for line in failed_evidence(result).values())
    if result.detail:
        lines.append(result.detail)
    return lines
