"""Prometheus metrics for operators (served at /metrics)."""

from __future__ import annotations

from collections.abc import Iterable


def record_outcome(
    *,
    status: str,
    duration_seconds: float,
    file_size: int | None,
    score: int | None,
    failed_categories: Iterable[str],
) -> None:
    """Count one handled object (placeholder until the Prometheus collectors land)."""
