"""The trend rules, pure: a run and its file's history in, one verdict per signal out."""

from __future__ import annotations

import pytest

from ingestion.pipeline.results import IngestionResult, anomaly_evidence
from ingestion.trend.baseline import MIN_BASELINE_RUNS, Baseline, Observation, observe
from ingestion.trend.signals import SIGNALS, SUMMARY_PREFIX, assess_trend, duration_text
from schemas.definition import TrendSettings, parse_definition

HEADER = ("id", "station", "reading")
DAILY_ARRIVAL = 8 * 60.0  # 08:00 into the day


def run(
    run_id: int | None = None,
    *,
    score: int = 100,
    rows: int | None = 120,
    columns: tuple[str, ...] | None = HEADER,
    nulls: dict[str, int] | None = None,
    sha256: str | None = None,
    identity: tuple | None = None,
    arrival: float | None = DAILY_ARRIVAL,
) -> Observation:
    return Observation(
        run_id=run_id,
        score=score,
        row_count=rows,
        columns=columns,
        null_counts=nulls if nulls is not None else dict.fromkeys(columns or (), 0),
        sha256=sha256 or f"digest-of-{run_id}",
        identity=identity or ("agency-drops", f"acme/stations-{run_id}.csv"),
        arrival_minutes=arrival,
    )


def history(count: int = 6, first_id: int = 100, **fields) -> list[Observation]:
    """`count` earlier runs, newest first (ids descending), all alike."""
    return [run(first_id - offset, **fields) for offset in range(count)]


def assess(current, past, settings=None, *, window=20, range_name="daily"):
    return assess_trend(
        current, past, settings or TrendSettings(), window=window, range_name=range_name
    )


def trend_settings(**trend) -> TrendSettings:
    return parse_definition({"columns": [{"name": "id"}], "trend": trend}).trend


def signal(trend, name):
    return trend.as_metrics()["signals"][name]


# --- row_count ------------------------------------------------------------------------------


def test_row_count_fires_when_a_file_has_a_fraction_of_its_usual_rows():
    trend = assess(run(rows=40), history(rows=120_000))
    assert signal(trend, "row_count") == {
        "anomaly": True,
        "value": 40,
        "baseline_median": 120_000,
        "ratio": 0.00033,
        "min_ratio": 0.5,
        "max_ratio": 2.0,
    }
    assert trend.anomalies == ["row_count"]
    assert trend.summary_lines() == {
        "trend_row_count": "unusual row_count: 40 rows against a median of 120,000 over 6 "
        "passing runs (0.00033x; expected 0.5x to 2x)"
    }


def test_row_count_fires_when_a_file_has_more_than_twice_its_usual_rows():
    assert assess(run(rows=250), history(rows=120)).anomalies == ["row_count"]


@pytest.mark.parametrize("rows", [60, 100, 120, 240])
def test_row_count_is_quiet_inside_the_band(rows):
    trend = assess(run(rows=rows), history(rows=120))
    assert signal(trend, "row_count")["anomaly"] is False
    assert trend.anomalies == []


def test_the_row_count_baseline_is_a_median_one_odd_run_cannot_move():
    past = history(rows=120)
    past[2] = run(98, rows=5_000_000)
    past[4] = run(96, rows=1)
    trend = assess(run(rows=118), past)
    assert signal(trend, "row_count")["baseline_median"] == 120
    assert trend.anomalies == []


def test_a_per_file_band_from_the_definition_replaces_the_default():
    current, past = run(rows=90), history(rows=120)
    assert assess(current, past).anomalies == []
    tight = trend_settings(row_count={"min_ratio": 0.8, "max_ratio": 1.5})
    trend = assess(current, past, tight)
    assert trend.anomalies == ["row_count"]
    assert signal(trend, "row_count")["min_ratio"] == 0.8


def test_a_baseline_median_of_zero_rows_takes_no_ratio():
    found = signal(assess(run(rows=10), history(rows=0)), "row_count")
    assert found == {"anomaly": False, "skipped": "the baseline median is 0 rows: no ratio to take"}


# --- too little history, failed runs, the window --------------------------------------------


def test_with_fewer_than_five_passing_runs_there_is_no_baseline_and_it_says_so():
    trend = assess(run(rows=1), history(MIN_BASELINE_RUNS - 1))
    document = trend.as_metrics()
    assert document["baseline"] is None
    assert document["baseline_runs"] == 4
    assert document["note"] == "no baseline: 4 passing runs among the last 4 (at least 5 needed)"
    for name in ("row_count", "null_rate", "arrival"):
        assert document["signals"][name] == {"anomaly": False, "skipped": document["note"]}
    assert trend.anomalies == []


def test_a_first_run_has_no_baseline_and_no_anomaly():
    trend = assess(run(rows=1), [])
    assert trend.as_metrics()["baseline_runs"] == 0
    assert trend.anomalies == []


def test_failed_runs_never_make_the_baseline():
    failing = [run(200 - i, score=65, rows=3) for i in range(10)]
    assert assess(run(rows=3), failing).as_metrics()["baseline"] is None
    passing = history(5, first_id=150, rows=120)
    trend = assess(run(rows=3), failing[:5] + passing)
    assert trend.as_metrics()["baseline"]["run_ids"] == [150, 149, 148, 147, 146]
    assert signal(trend, "row_count")["baseline_median"] == 120
    assert trend.anomalies == ["row_count"]


def test_a_score_of_exactly_80_passes_into_the_baseline():
    trend = assess(run(rows=3), history(score=80, rows=120))
    assert trend.as_metrics()["baseline_runs"] == 6
    assert trend.anomalies == ["row_count"]


def test_only_the_last_window_runs_are_looked_at():
    recent = history(5, first_id=100, rows=120)
    older = history(20, first_id=95, rows=5)
    trend = assess(run(rows=6), recent + older, window=5)
    assert trend.as_metrics()["history_runs"] == 5
    assert trend.anomalies == ["row_count"]
    assert assess(run(rows=6), recent + older, window=25).anomalies == []


# --- columns --------------------------------------------------------------------------------


def test_columns_fires_on_a_column_gone_or_added_against_the_last_passing_run():
    past = [run(101, score=60, columns=("id",)), *history(columns=(*HEADER, "note"))]
    trend = assess(run(columns=("id", "reading", "status", "station")), past)
    assert signal(trend, "columns") == {
        "anomaly": True,
        "added": ["status"],
        "missing": ["note"],
        "compared_with_run": 100,
    }
    assert trend.summary_lines()["trend_columns"] == (
        "unusual columns: missing note; added status (against run 100)"
    )


def test_columns_is_quiet_when_the_columns_are_the_same_in_another_order():
    trend = assess(run(columns=("reading", "id", "station")), history())
    assert signal(trend, "columns")["anomaly"] is False


def test_columns_needs_only_one_earlier_passing_run():
    trend = assess(run(columns=("id",)), history(1))
    assert signal(trend, "columns")["missing"] == ["station", "reading"]
    assert trend.anomalies == ["columns"]


def test_columns_skips_a_file_that_was_not_read_or_runs_that_recorded_no_columns():
    unread = assess(run(rows=None, columns=None, nulls={}), history())
    assert signal(unread, "columns") == {
        "anomaly": False,
        "skipped": "the file was not read as a table",
    }
    unprofiled = assess(run(), history(columns=None))
    assert signal(unprofiled, "columns")["skipped"] == "no earlier passing run recorded its columns"


# --- null_rate ------------------------------------------------------------------------------


def test_null_rate_fires_when_a_columns_nulls_jump_from_almost_none_to_most():
    past = history(rows=1000, nulls={"id": 0, "station": 0, "reading": 1})
    trend = assess(run(rows=1000, nulls={"id": 0, "station": 0, "reading": 600}), past)
    assert signal(trend, "null_rate") == {
        "anomaly": True,
        "max_change_points": 20.0,
        "columns_compared": 3,
        "columns_moved": 1,
        "moved": {"reading": {"rate": 0.6, "baseline_median": 0.001, "change_points": 59.9}},
    }
    assert trend.summary_lines()["trend_null_rate"] == (
        "unusual null_rate: reading 60.0% null against a median of 0.1% (+59.9 points) "
        "(tolerance 20 points)"
    )


def test_null_rate_fires_when_a_usually_null_column_fills_up():
    past = history(rows=100, nulls={"id": 0, "station": 90, "reading": 0})
    trend = assess(run(rows=100, nulls={"id": 0, "station": 0, "reading": 0}), past)
    assert signal(trend, "null_rate")["moved"]["station"]["change_points"] == -90.0


def test_null_rate_is_quiet_under_the_threshold_and_fires_under_a_tighter_one():
    past = history(rows=100, nulls={"id": 0, "station": 0, "reading": 1})
    current = run(rows=100, nulls={"id": 0, "station": 0, "reading": 6})
    assert assess(current, past).anomalies == []
    tight = trend_settings(null_rate={"max_change_points": 2})
    assert assess(current, past, tight).anomalies == ["null_rate"]


def test_null_rate_compares_only_columns_with_a_baseline_of_their_own():
    trend = assess(run(nulls={"id": 0, "new": 120}, columns=("id", "new")), history())
    found = signal(trend, "null_rate")
    assert (found["columns_compared"], found["anomaly"]) == (1, False)


# --- arrival --------------------------------------------------------------------------------


def test_arrival_fires_when_a_daily_file_lands_six_hours_late():
    trend = assess(run(arrival=DAILY_ARRIVAL + 360), history())
    assert signal(trend, "arrival") == {
        "anomaly": True,
        "range": "daily",
        "offset_minutes": 840.0,
        "baseline_median_minutes": 480.0,
        "deviation_minutes": 360.0,
        "allowed_minutes": 120.0,
    }
    assert trend.summary_lines()["trend_arrival"] == (
        "unusual arrival: arrived 6 h late: 14 h into its daily period against a median of 8 h "
        "(tolerance 2 h)"
    )


def test_arrival_fires_early_too_and_is_quiet_within_the_tolerance():
    assert assess(run(arrival=DAILY_ARRIVAL - 180), history()).anomalies == ["arrival"]
    assert assess(run(arrival=DAILY_ARRIVAL + 90), history()).anomalies == []


def test_a_file_that_arrives_at_varying_times_gets_a_wider_tolerance():
    past = [
        run(100 - i, arrival=DAILY_ARRIVAL + shift) for i, shift in enumerate(range(0, 600, 100))
    ]
    found = signal(assess(run(arrival=DAILY_ARRIVAL + 500), past), "arrival")
    assert found["allowed_minutes"] > 120
    assert found["anomaly"] is False


def test_the_arrival_tolerance_follows_the_range_and_the_definition():
    hourly = history(arrival=5.0)
    assert assess(run(arrival=25.0), hourly, range_name="hourly").anomalies == ["arrival"]
    assert assess(run(arrival=15.0), hourly, range_name="hourly").anomalies == []
    loose = trend_settings(arrival={"tolerance_minutes": 400})
    assert assess(run(arrival=DAILY_ARRIVAL + 360), history(), loose).anomalies == []


def test_arrival_skips_a_range_without_periods():
    found = signal(assess(run(arrival=None), history(), range_name="yearly"), "arrival")
    assert found == {"anomaly": False, "skipped": "range 'yearly' has no delivery period"}


# --- same_content ---------------------------------------------------------------------------


def test_same_content_names_the_earlier_run_with_the_same_bytes():
    past = history()
    trend = assess(run(sha256="digest-of-97"), past)
    assert signal(trend, "same_content") == {
        "anomaly": True,
        "sha256": "digest-of-97",
        "same_as_run": 97,
        "runs_compared": 6,
    }
    assert trend.summary_lines()["trend_same_content"] == (
        "unusual same_content: the same bytes as run 97 (sha256 digest-of-97...)"
    )


def test_same_content_counts_failed_runs_too_but_not_a_reprocessing_of_the_same_object():
    past = [run(101, score=40, sha256="abc", identity=("b", "old.csv")), *history()]
    assert assess(run(sha256="abc", identity=("b", "new.csv")), past).anomalies == ["same_content"]
    assert assess(run(sha256="abc", identity=("b", "old.csv")), past).anomalies == []
    assert assess(run(sha256="fresh"), past).anomalies == []


def test_same_content_skips_an_object_that_was_not_downloaded():
    too_large = Observation(run_id=None, score=65, sha256=None)
    found = signal(assess(too_large, history()), "same_content")
    assert found == {"anomaly": False, "skipped": "the object was not downloaded"}


# --- the whole ------------------------------------------------------------------------------


def test_a_signal_turned_off_in_the_definition_is_skipped():
    off = trend_settings(row_count={"enabled": False}, same_content={"enabled": False})
    trend = assess(run(rows=1, sha256="digest-of-99"), history(), off)
    assert trend.anomalies == []
    assert signal(trend, "row_count") == {
        "anomaly": False,
        "skipped": "turned off in the definition",
    }


def test_several_signals_fire_together_in_a_fixed_order():
    trend = assess(run(rows=1, columns=("id",), nulls={"id": 1}, sha256="digest-of-99"), history())
    assert trend.anomalies == ["row_count", "columns", "null_rate", "same_content"]
    assert list(trend.as_metrics()["signals"]) == list(SIGNALS)
    assert all(key.startswith("trend_") for key in trend.summary_lines())


def test_the_summary_lines_are_the_ones_results_reads():
    trend = assess(run(rows=1, sha256="digest-of-99"), history())
    assert trend.anomalies == ["row_count", "same_content"]
    metrics = {"trend": trend.as_metrics(), "summary": trend.summary_lines()}
    result = IngestionResult("b", "k", "processed", metrics=metrics)
    assert anomaly_evidence(result) == {
        signal.name: f"unusual {signal.name}: {signal.line}"
        for signal in trend.signals
        if signal.anomaly
    }
    assert all(key.startswith(SUMMARY_PREFIX) for key in trend.summary_lines())


def test_the_baseline_summary_names_its_medians():
    past = history(rows=100, nulls={"id": 0, "station": 0, "reading": 10})
    summary = Baseline.of(past, window=20).summary()
    assert summary == {
        "runs": 6,
        "run_ids": [100, 99, 98, 97, 96, 95],
        "row_count_median": 100,
        "arrival_median_minutes": 480.0,
        "columns": ["id", "station", "reading"],
        "null_rate_medians": {"id": 0.0, "station": 0.0, "reading": 0.1},
    }


def test_observe_reads_stored_metrics_and_tolerates_anything_malformed():
    metrics = {
        "row_count": 3,
        "profile": {"columns": ["a", "b"], "null_counts": {"a": 1, "b": "x"}, "capped": False},
        "source": {"bucket": "b", "key": "k", "sha256": "abc"},
    }
    seen = observe(run_id=1, score=100, metrics=metrics, identity_fields=("bucket", "key"))
    assert (seen.row_count, seen.columns, seen.null_counts) == (3, ("a", "b"), {"a": 1})
    assert (seen.sha256, seen.identity) == ("abc", ("b", "k"))
    older = observe(run_id=2, score=100, metrics={"row_count": True}, identity_fields=("key",))
    assert (older.row_count, older.columns, older.null_counts, older.sha256) == (
        None,
        None,
        None,
        None,
    )
    capped = {"profile": {"columns": ["a"], "null_counts": {"a": 0}, "capped": True}}
    assert observe(run_id=3, score=100, metrics=capped, identity_fields=()).columns is None


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (0, "0 min"),
        (45.4, "45 min"),
        (60, "1 h"),
        (365, "6 h 05 min"),
        (3060, "2 d 3 h"),
        (2880, "2 d"),
    ],
)
def test_durations_read_as_people_say_them(minutes, text):
    assert duration_text(minutes) == text
