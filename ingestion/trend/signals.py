"""The five trend signals: how a run compares with its file's recent history, rule by rule.

Each rule is robust on a handful of runs (medians and the median absolute deviation, never a
mean and standard deviation) and reads its thresholds from the definition's `trend` key
(`schemas.definition.TrendSettings`, whose defaults hold without a definition):

- row_count: the run's rows over the baseline median; an anomaly outside [min_ratio, max_ratio]
  (0.5 to 2 by default).
- columns: the columns the run added or lost against the newest passing run that recorded them.
- null_rate: per column, the share of nulls against its baseline median; an anomaly when it moved
  by more than max_change_points percentage points (20 by default).
- arrival: minutes into its delivery period against the baseline median; an anomaly when it is
  later or earlier than the tolerance (by range: hourly 15, daily 120, weekly 720, monthly 1440
  minutes), widened to 3 scaled MADs when the file's arrivals vary more than that.
- same_content: the bytes' sha256 equals an earlier run's among the window (that run's id),
  other than a re-processing of the very same object version.

row_count, null_rate and arrival need a baseline: at least `MIN_BASELINE_RUNS` passing runs
(score at least the pass mark) among the window; columns needs one passing run, same_content one
earlier run. A rule that cannot judge says why (`skipped`) and is no anomaly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ingestion.trend.baseline import MAD_SCALE, Baseline, Observation, mad, median
from schemas.definition import TrendSettings

ROW_COUNT = "row_count"
COLUMNS = "columns"
NULL_RATE = "null_rate"
ARRIVAL = "arrival"
SAME_CONTENT = "same_content"
SIGNALS = (ROW_COUNT, COLUMNS, NULL_RATE, ARRIVAL, SAME_CONTENT)
# The prefix of a signal's line in metrics["summary"], beside the failed categories' lines.
SUMMARY_PREFIX = "trend_"

# Minutes late or early an arrival may be, by range, unless the definition says otherwise.
ARRIVAL_TOLERANCE_MINUTES = {"hourly": 15.0, "daily": 120.0, "weekly": 720.0, "monthly": 1440.0}
# Arrivals that vary widen the tolerance to this many scaled MADs.
ARRIVAL_MADS = 3.0
# Columns whose moved null rate the signal lists at most (the count covers them all).
MAX_LISTED_COLUMNS = 20
DIGEST_SHOWN = 12
NOT_READ = "the file was not read as a table"


@dataclass(frozen=True)
class Signal:
    """One rule's verdict: an anomaly or not, what was compared, and one line when it fired."""

    name: str
    anomaly: bool = False
    facts: dict[str, Any] = field(default_factory=dict)
    line: str = ""
    skipped: str = ""

    def as_metrics(self) -> dict[str, Any]:
        if self.skipped:
            return {"anomaly": False, "skipped": self.skipped}
        return {"anomaly": self.anomaly, **self.facts}


@dataclass(frozen=True)
class Trend:
    """Every signal of one run against its file's history."""

    baseline: Baseline
    window: int
    signals: tuple[Signal, ...]

    @property
    def anomalies(self) -> list[str]:
        return [signal.name for signal in self.signals if signal.anomaly]

    def as_metrics(self) -> dict[str, Any]:
        """`metrics["trend"]`: the baseline, each signal's verdict and the anomalies' names."""
        document: dict[str, Any] = {
            "window_runs": self.window,
            "history_runs": len(self.baseline.recent),
            "baseline_runs": len(self.baseline.runs),
            "baseline": self.baseline.summary(),
        }
        if not self.baseline.usable:
            document["note"] = self.baseline.shortfall()
        document["signals"] = {signal.name: signal.as_metrics() for signal in self.signals}
        document["anomalies"] = self.anomalies
        return document

    def summary_lines(self) -> dict[str, str]:
        """One line per anomaly for metrics["summary"], keyed `trend_<signal>`."""
        return {
            summary_key(signal.name): f"unusual {signal.name}: {signal.line}"
            for signal in self.signals
            if signal.anomaly
        }


def summary_key(signal: str) -> str:
    """The key of a signal's line in metrics["summary"], beside the failed categories' lines."""
    return f"{SUMMARY_PREFIX}{signal}"


def assess_trend(
    current: Observation,
    history: list[Observation],
    settings: TrendSettings,
    *,
    window: int,
    range_name: str,
) -> Trend:
    """Compare `current` with `history` (the file's earlier runs, newest first)."""
    baseline = Baseline.of(history, window=window)
    rules: list[tuple[str, bool, Callable[[], Signal]]] = [
        (ROW_COUNT, settings.row_count.enabled, lambda: row_count(current, baseline, settings)),
        (COLUMNS, settings.columns.enabled, lambda: columns(current, baseline)),
        (NULL_RATE, settings.null_rate.enabled, lambda: null_rate(current, baseline, settings)),
        (
            ARRIVAL,
            settings.arrival.enabled,
            lambda: arrival(current, baseline, settings, range_name),
        ),
        (SAME_CONTENT, settings.same_content.enabled, lambda: same_content(current, baseline)),
    ]
    signals = tuple(
        judge() if enabled else Signal(name, skipped="turned off in the definition")
        for name, enabled, judge in rules
    )
    return Trend(baseline, window, signals)


def row_count(current: Observation, baseline: Baseline, settings: TrendSettings) -> Signal:
    """Rows over the baseline median, against the band [min_ratio, max_ratio]."""
    if current.row_count is None:
        return Signal(ROW_COUNT, skipped=NOT_READ)
    if not baseline.usable:
        return Signal(ROW_COUNT, skipped=baseline.shortfall())
    usual = median(baseline.row_counts())
    if usual == 0:
        return Signal(ROW_COUNT, skipped="the baseline median is 0 rows: no ratio to take")
    band = settings.row_count
    ratio = current.row_count / usual
    anomaly = not band.min_ratio <= ratio <= band.max_ratio
    facts = {
        "value": current.row_count,
        "baseline_median": usual,
        "ratio": _significant(ratio),
        "min_ratio": band.min_ratio,
        "max_ratio": band.max_ratio,
    }
    line = (
        f"{current.row_count:,} rows against a median of {usual:,} over {len(baseline.runs)} "
        f"passing runs ({_significant(ratio):g}x; expected {band.min_ratio:g}x to "
        f"{band.max_ratio:g}x)"
    )
    return Signal(ROW_COUNT, anomaly, facts, line)


def columns(current: Observation, baseline: Baseline) -> Signal:
    """Columns added or missing against the newest passing run that recorded its columns."""
    if current.columns is None:
        return Signal(COLUMNS, skipped=NOT_READ)
    previous = baseline.last_columns()
    if previous is None or previous.columns is None:
        return Signal(COLUMNS, skipped="no earlier passing run recorded its columns")
    before = set(previous.columns)
    now = set(current.columns)
    added = [name for name in current.columns if name not in before]
    missing = [name for name in previous.columns if name not in now]
    facts = {"added": added, "missing": missing, "compared_with_run": previous.run_id}
    changes = (("missing", missing), ("added", added))
    parts = [f"{label} {', '.join(names)}" for label, names in changes if names]
    line = f"{'; '.join(parts)} (against run {previous.run_id})"
    return Signal(COLUMNS, bool(added or missing), facts, line)


def null_rate(current: Observation, baseline: Baseline, settings: TrendSettings) -> Signal:
    """Per column, the share of nulls against its baseline median, in percentage points."""
    if current.columns is None and current.null_counts is None:
        return Signal(NULL_RATE, skipped=NOT_READ)
    if not baseline.usable:
        return Signal(NULL_RATE, skipped=baseline.shortfall())
    limit = settings.null_rate.max_change_points
    compared = 0
    moved: dict[str, dict[str, float]] = {}
    for name in current.null_counts or {}:
        rate = current.null_rate(name)
        rates = baseline.null_rates(name)
        if rate is None or len(rates) < baseline.min_runs:
            continue
        compared += 1
        usual = float(median(rates))
        points = (rate - usual) * 100
        if abs(points) > limit:
            moved[name] = {
                "rate": round(rate, 4),
                "baseline_median": round(usual, 4),
                "change_points": round(points, 1),
            }
    if not compared:
        return Signal(NULL_RATE, skipped="no column has a baseline of its null rate")
    listed = dict(list(moved.items())[:MAX_LISTED_COLUMNS])
    facts = {
        "max_change_points": limit,
        "columns_compared": compared,
        "columns_moved": len(moved),
        "moved": listed,
    }
    parts = [
        f"{name} {found['rate']:.1%} null against a median of {found['baseline_median']:.1%} "
        f"({found['change_points']:+.1f} points)"
        for name, found in list(listed.items())[:3]
    ]
    if len(moved) > len(parts):
        parts.append(f"and {len(moved) - len(parts)} more columns")
    line = "; ".join(parts) + f" (tolerance {limit:g} points)"
    return Signal(NULL_RATE, bool(moved), facts, line)


def arrival(
    current: Observation, baseline: Baseline, settings: TrendSettings, range_name: str
) -> Signal:
    """Minutes into the delivery period against the baseline median, within a tolerance."""
    if current.arrival_minutes is None:
        return Signal(ARRIVAL, skipped=f"range {range_name!r} has no delivery period")
    if not baseline.usable:
        return Signal(ARRIVAL, skipped=baseline.shortfall())
    offsets = baseline.arrivals()
    if len(offsets) < baseline.min_runs:
        return Signal(ARRIVAL, skipped="too few passing runs recorded when they arrived")
    usual = float(median(offsets))
    tolerance = settings.arrival.tolerance_minutes or ARRIVAL_TOLERANCE_MINUTES.get(
        range_name, ARRIVAL_TOLERANCE_MINUTES["daily"]
    )
    allowed = max(tolerance, ARRIVAL_MADS * MAD_SCALE * mad(offsets))
    deviation = current.arrival_minutes - usual
    facts = {
        "range": range_name,
        "offset_minutes": round(current.arrival_minutes, 1),
        "baseline_median_minutes": round(usual, 1),
        "deviation_minutes": round(deviation, 1),
        "allowed_minutes": round(allowed, 1),
    }
    when = "late" if deviation > 0 else "early"
    shown = duration_text
    line = (
        f"arrived {shown(abs(deviation))} {when}: {shown(current.arrival_minutes)} into its "
        f"{range_name} period against a median of {shown(usual)} (tolerance {shown(allowed)})"
    )
    return Signal(ARRIVAL, abs(deviation) > allowed, facts, line)


def same_content(current: Observation, baseline: Baseline) -> Signal:
    """The same bytes as an earlier run of the file: a re-sent old file."""
    if current.sha256 is None:
        return Signal(SAME_CONTENT, skipped="the object was not downloaded")
    # Re-processing the very same object version (force) is no re-sent file.
    earlier = [
        run
        for run in baseline.recent
        if run.sha256 is not None and (current.identity is None or run.identity != current.identity)
    ]
    same = next((run for run in earlier if run.sha256 == current.sha256), None)
    facts = {
        "sha256": current.sha256,
        "same_as_run": same.run_id if same else None,
        "runs_compared": len(earlier),
    }
    line = (
        f"the same bytes as run {same.run_id} (sha256 {current.sha256[:DIGEST_SHOWN]}...)"
        if same
        else ""
    )
    return Signal(SAME_CONTENT, same is not None, facts, line)


def _significant(ratio: float) -> float:
    """Two significant digits: enough to read a ratio, stable to compare."""
    return float(f"{ratio:.2g}")


def duration_text(minutes: float) -> str:
    """A duration for people: 45 min, 6 h 05 min, 2 d 3 h."""
    whole = round(minutes)
    if whole < 60:
        return f"{whole} min"
    if whole < 24 * 60:
        hours, rest = divmod(whole, 60)
        return f"{hours} h {rest:02d} min" if rest else f"{hours} h"
    days, rest = divmod(whole, 24 * 60)
    hours = round(rest / 60)
    return f"{days} d {hours} h" if hours else f"{days} d"
