"""Scoring: a pure function of which categories failed, with the weights in one table."""

from __future__ import annotations

from collections.abc import Iterable

# The categories' names, spelled here only: the checks and the report import them.
FORMAT_PARSING = "format_parsing"
SCHEMA_VALIDATION = "schema_validation"
COMPLETENESS = "completeness"
UNIQUENESS = "uniqueness"
BOUNDS_RANGE = "bounds_range"

# Points each failed category costs, in the order the categories are checked.
POINTS: dict[str, int] = {
    FORMAT_PARSING: 35,
    SCHEMA_VALIDATION: 40,
    COMPLETENESS: 20,
    UNIQUENESS: 10,
    BOUNDS_RANGE: 15,
}
CATEGORIES: tuple[str, ...] = tuple(POINTS)
FULL_SCORE = 100
PASS_SCORE = 80


def deductions_for(failed: Iterable[str]) -> dict[str, int]:
    """Return `{category: points}` for the failed categories, in check order."""
    failed = set(failed)
    unknown = failed - set(POINTS)
    if unknown:
        raise ValueError(f"unknown categories: {sorted(unknown)}")
    return {category: POINTS[category] for category in CATEGORIES if category in failed}


def score(deductions: dict[str, int]) -> int:
    """Return 100 minus the deductions, never below 0."""
    return max(0, FULL_SCORE - sum(deductions.values()))


def passes(value: int) -> bool:
    return value >= PASS_SCORE
