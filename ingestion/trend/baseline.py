"""What one run tells the trend signals, and the recent passing runs a new run is compared with.

A run's `metrics` says it: `row_count`, `profile` (columns and null counts, stored since
history-aware monitoring began) and `source` (`sha256` of the bytes, the object's identity).
Its arrival, as minutes into its delivery period, is worked out by the caller (periods need the
quality time zone). Whatever a run did not record is None and the signals that need it leave
the run out.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ingestion.core.scoring import PASS_SCORE

# Fewer passing runs than this in the window: no baseline (a median of 4 says little).
MIN_BASELINE_RUNS = 5
# MAD times this estimates the standard deviation of normally distributed values.
MAD_SCALE = 1.4826
# Columns whose baseline null rate the summary lists at most.
MAX_SUMMARY_COLUMNS = 50


@dataclass(frozen=True)
class Observation:
    """One run as the signals see it; None where the run recorded nothing of the kind."""

    run_id: int | None
    score: int
    row_count: int | None = None
    columns: tuple[str, ...] | None = None
    null_counts: Mapping[str, int] | None = None
    sha256: str | None = None
    identity: tuple[Any, ...] | None = None
    arrival_minutes: float | None = None

    @property
    def passed(self) -> bool:
        return self.score >= PASS_SCORE

    def null_rate(self, column: str) -> float | None:
        """The share of the column's values that were null, or None when unknown."""
        if self.null_counts is None or not self.row_count:
            return None
        count = self.null_counts.get(column)
        return None if count is None else count / self.row_count


def observe(
    *,
    run_id: int | None,
    score: int,
    metrics: Mapping[str, Any],
    identity_fields: Sequence[str],
    arrival_minutes: float | None = None,
) -> Observation:
    """Read what a run's stored metrics tell; anything malformed or absent reads as None."""
    profile = _mapping(metrics.get("profile"))
    source = _mapping(metrics.get("source"))
    listed = profile.get("columns")
    # A capped profile lists only the first columns: too few to say which went missing.
    columns = (
        tuple(listed)
        if isinstance(listed, list) and _strings(listed) and profile.get("capped") is not True
        else None
    )
    counts = _mapping(profile.get("null_counts"))
    digest = source.get("sha256")
    return Observation(
        run_id=run_id,
        score=score,
        row_count=_count(metrics.get("row_count")),
        columns=columns,
        null_counts={name: n for name, n in counts.items() if _count(n) is not None}
        if profile
        else None,
        sha256=digest if isinstance(digest, str) and digest else None,
        identity=tuple(source.get(name) for name in identity_fields) if source else None,
        arrival_minutes=arrival_minutes,
    )


@dataclass(frozen=True)
class Baseline:
    """A file's last runs (at most the window, newest first); the passing ones are the baseline."""

    recent: tuple[Observation, ...]
    min_runs: int = MIN_BASELINE_RUNS

    @classmethod
    def of(
        cls, history: Sequence[Observation], *, window: int, min_runs: int = MIN_BASELINE_RUNS
    ) -> Baseline:
        """The baseline of `history` (newest first), cut to its last `window` runs."""
        return cls(tuple(history[:window]), min_runs)

    @cached_property
    def runs(self) -> tuple[Observation, ...]:
        """The passing runs (scored at least the pass mark), newest first."""
        return tuple(run for run in self.recent if run.passed)

    @property
    def usable(self) -> bool:
        return len(self.runs) >= self.min_runs

    def shortfall(self) -> str:
        """Why there is no baseline, in one line."""
        return (
            f"no baseline: {len(self.runs)} passing runs among the last {len(self.recent)} "
            f"(at least {self.min_runs} needed)"
        )

    def row_counts(self) -> list[int]:
        return [run.row_count for run in self.runs if run.row_count is not None]

    def arrivals(self) -> list[float]:
        return [run.arrival_minutes for run in self.runs if run.arrival_minutes is not None]

    def null_rates(self, column: str) -> list[float]:
        rates = (run.null_rate(column) for run in self.runs)
        return [rate for rate in rates if rate is not None]

    def last_columns(self) -> Observation | None:
        """The newest passing run that recorded its columns."""
        return next((run for run in self.runs if run.columns is not None), None)

    def summary(self) -> dict[str, Any] | None:
        """The baseline as stored and answered: medians of what the signals compare."""
        if not self.usable:
            return None
        counts = self.row_counts()
        arrivals = self.arrivals()
        columns = self.last_columns()
        names = columns.columns if columns is not None and columns.columns else ()
        rates = {
            name: _rounded(median(values), 4)
            for name in names[:MAX_SUMMARY_COLUMNS]
            if len(values := self.null_rates(name)) >= self.min_runs
        }
        return {
            "runs": len(self.runs),
            "run_ids": [run.run_id for run in self.runs],
            "row_count_median": median(counts) if len(counts) >= self.min_runs else None,
            "arrival_median_minutes": (
                _rounded(median(arrivals), 1) if len(arrivals) >= self.min_runs else None
            ),
            "columns": list(names) if columns is not None else None,
            "null_rate_medians": rates,
        }


def median(values: Iterable[float]) -> float:
    """The median, as an int when it is whole (row counts read better so)."""
    middle = statistics.median(values)
    return int(middle) if float(middle).is_integer() else middle


def mad(values: Sequence[float]) -> float:
    """The median absolute deviation from the median."""
    centre = statistics.median(values)
    return float(statistics.median(abs(value - centre) for value in values))


def _rounded(value: float, digits: int) -> float:
    return round(float(value), digits)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _strings(values: list[Any]) -> bool:
    return all(isinstance(item, str) for item in values)
