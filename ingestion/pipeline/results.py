"""What the pipeline answers for one object, and lines about it for people (CLI, demo, alerts)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from ingestion.pipeline.statuses import Status
from ingestion.trend.signals import summary_key

if TYPE_CHECKING:
    from ingestion.models import MonitoringFileDataQuality


@dataclass
class IngestionResult:
    bucket: str
    key: str
    status: Status
    monitoring_file_id: int | None = None
    run_id: int | None = None
    score: int | None = None
    passed: bool | None = None
    deductions: dict | None = None
    metrics: dict | None = None
    detail: str = ""
    file_size: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def recorded_result(
    recorded: MonitoringFileDataQuality, *, status: Status = "processed", detail: str = ""
) -> IngestionResult:
    """The result of a run already in the database, as the pipeline reported (or reports) it."""
    run = recorded.monitoring_file_run
    source = recorded.metrics.get("source", {})
    return IngestionResult(
        bucket=source.get("bucket", ""),
        key=source.get("key", ""),
        status=status,
        monitoring_file_id=run.monitoring_file_id,
        run_id=run.id,
        score=recorded.score,
        passed=recorded.passed,
        deductions=recorded.deductions,
        metrics=recorded.metrics,
        detail=detail,
        file_size=source.get("size"),
    )


def failed_evidence(result: IngestionResult) -> dict[str, str]:
    """Return one line of evidence per failed category (empty when nothing failed)."""
    summary = (result.metrics or {}).get("summary", {})
    return {category: summary.get(category, category) for category in result.deductions or {}}


def anomalies_of(result: IngestionResult) -> list[str]:
    """The trend signals that found the run unlike its file's usual self (history-aware)."""
    trend = (result.metrics or {}).get("trend")
    return anomaly_names(trend.get("anomalies") if isinstance(trend, dict) else None)


def anomaly_names(stored: Any) -> list[str]:
    """A stored `metrics.trend.anomalies` as signal names ([] for anything but a list)."""
    return [str(name) for name in stored] if isinstance(stored, list) else []


def anomaly_evidence(result: IngestionResult) -> dict[str, str]:
    """Return one line per trend anomaly, by signal (its `trend_<signal>` line in the summary)."""
    summary = (result.metrics or {}).get("summary", {})
    return {
        signal: summary.get(summary_key(signal), f"unusual {signal}")
        for signal in anomalies_of(result)
    }


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
        lines.extend(f"  ~ {line}" for line in anomaly_evidence(result).values())
    if result.detail:
        lines.append(result.detail)
    return lines
