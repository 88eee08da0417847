"""History-aware monitoring through the real pipeline, on the real PostgreSQL (S3 from moto)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from prometheus_client import REGISTRY

from ingestion.models import MonitoringFileDataQuality
from ingestion.pipeline.results import describe_result
from ingestion.pipeline.services import process_s3_file
from tests.builders import (
    BUCKET,
    CLEAN_CSV,
    FAILING_CSV,
    STATION_DEFINITION,
    make_definition,
    make_monitoring_file,
    post_trigger,
    put_object,
    seed_daily_runs,
)
from tests.log_lines import captured_log_lines

pytestmark = pytest.mark.django_db
KEY = "acme/stations.csv"
ARRIVED = datetime(2026, 11, 25, 8, 15, tzinfo=timezone.utc)
TOKEN = "trend-token"
# The same columns as CLEAN_CSV, two nulls in reading (not required: the score stays 100).
NULL_READINGS_CSV = b"id,station,reading\n1,north,\n2,south,\n3,east,0\n"


@pytest.fixture
def watched(bucket):
    """A daily file named stations*.csv, checked against the station definition."""
    return make_monitoring_file(file_name="stations*.csv", schema_definition=make_definition())


def seed(monitoring_file, at: datetime = ARRIVED, **fields) -> list[int]:
    """Earlier runs, one a day before `at` (six unless `count` says otherwise); their ids."""
    return seed_daily_runs(monitoring_file, at=at, **fields)


def ingest(body: bytes = CLEAN_CSV, key: str = KEY, arrived: datetime = ARRIVED, **options):
    put_object(key, body)
    return process_s3_file(bucket=BUCKET, key=key, event_time=arrived, **options)


def trend_of(result) -> dict:
    return result.metrics["trend"]


def stored(result) -> dict:
    return MonitoringFileDataQuality.objects.get(monitoring_file_run_id=result.run_id).metrics


def test_a_first_run_stores_what_later_runs_need_and_says_it_has_no_baseline(watched):
    result = ingest()
    metrics = stored(result)
    assert metrics["profile"] == {
        "columns": ["id", "station", "reading"],
        "null_counts": {"id": 0, "station": 0, "reading": 0},
        "capped": False,
    }
    assert metrics["source"]["sha256"] == hashlib.sha256(CLEAN_CSV).hexdigest()
    assert metrics["source"]["arrived_at"] == ARRIVED.isoformat()
    trend = metrics["trend"]
    assert (trend["history_runs"], trend["baseline_runs"], trend["baseline"]) == (0, 0, None)
    assert trend["note"] == "no baseline: 0 passing runs among the last 0 (at least 5 needed)"
    assert trend["anomalies"] == []
    assert metrics == result.metrics


def test_a_file_with_a_fraction_of_its_usual_rows_is_flagged_and_scores_the_same(watched):
    seed(watched, row_count=120)
    result = ingest()
    assert (result.status, result.score, result.passed, result.deductions) == (
        "processed",
        100,
        True,
        {},
    )
    trend = trend_of(result)
    assert trend["anomalies"] == ["row_count"]
    assert trend["signals"]["row_count"]["ratio"] == 0.025
    assert result.metrics["summary"] == {
        "trend_row_count": "unusual row_count: 3 rows against a median of 120 over 6 passing "
        "runs (0.025x; expected 0.5x to 2x)"
    }
    assert stored(result)["trend"] == trend
    assert "  ~ unusual row_count: 3 rows against a median of 120" in "\n".join(
        describe_result(result)
    )


def test_a_file_like_its_recent_runs_raises_nothing(watched):
    seed(watched, row_count=3)
    result = ingest()
    trend = trend_of(result)
    assert trend["baseline_runs"] == 6
    assert trend["anomalies"] == []
    assert {name: found["anomaly"] for name, found in trend["signals"].items()} == {
        "row_count": False,
        "columns": False,
        "null_rate": False,
        "arrival": False,
        "same_content": False,
    }
    assert result.metrics["summary"] == {}


def test_with_too_little_history_nothing_is_compared_with_a_baseline(watched):
    seed(watched, count=4, row_count=120)
    trend = trend_of(ingest())
    assert trend["baseline"] is None
    assert trend["note"] == "no baseline: 4 passing runs among the last 4 (at least 5 needed)"
    assert trend["signals"]["row_count"] == {"anomaly": False, "skipped": trend["note"]}
    assert trend["anomalies"] == []


def test_failed_runs_are_left_out_of_the_baseline(watched):
    seed(watched, count=10, score=60, row_count=3)
    passing = seed(watched, count=5, row_count=120)
    trend = trend_of(ingest())
    assert trend["baseline"]["run_ids"] == passing[::-1]
    assert trend["signals"]["row_count"]["baseline_median"] == 120
    assert trend["anomalies"] == ["row_count"]


def test_the_baseline_is_the_last_window_runs(watched, settings):
    seed(watched, count=5, row_count=120)
    seed(watched, count=5, row_count=3)
    settings.TREND_WINDOW_RUNS = 5
    assert trend_of(ingest())["anomalies"] == []
    settings.TREND_WINDOW_RUNS = 10
    assert trend_of(ingest(key="acme/stations-again.csv"))["history_runs"] == 10


def test_a_column_gone_from_a_non_strict_definition_is_flagged(bucket):
    loose = make_definition({**STATION_DEFINITION, "strict": False})
    watched = make_monitoring_file(schema_definition=loose)
    seed(watched, columns=("id", "station", "reading", "note"))
    result = ingest()
    assert (result.score, result.deductions) == (100, {})
    assert trend_of(result)["signals"]["columns"] == {
        "anomaly": True,
        "added": [],
        "missing": ["note"],
        "compared_with_run": watched.monitoring_file_runs.order_by("-id")[1].id,
    }
    assert trend_of(result)["anomalies"] == ["columns"]


def test_a_column_whose_nulls_jump_is_flagged(watched):
    seed(watched)
    result = ingest(NULL_READINGS_CSV)
    assert (result.score, result.deductions) == (100, {})
    moved = trend_of(result)["signals"]["null_rate"]["moved"]
    assert moved == {"reading": {"rate": 0.6667, "baseline_median": 0.0, "change_points": 66.7}}
    assert trend_of(result)["anomalies"] == ["null_rate"]


def test_a_file_six_hours_late_is_flagged_and_one_on_time_is_not(watched):
    seed(watched)
    late = ingest(arrived=ARRIVED + timedelta(hours=6))
    assert trend_of(late)["anomalies"] == ["arrival"]
    assert trend_of(late)["signals"]["arrival"]["deviation_minutes"] == 360.0
    on_time = ingest(key="acme/stations-2.csv", arrived=ARRIVED + timedelta(minutes=40))
    assert trend_of(on_time)["signals"]["arrival"]["anomaly"] is False


def test_runs_recorded_before_arrival_was_stored_use_their_last_modified(watched):
    for run_id in seed(watched):
        quality = MonitoringFileDataQuality.objects.get(monitoring_file_run_id=run_id)
        del quality.metrics["source"]["arrived_at"]
        quality.save()
    assert trend_of(ingest(arrived=ARRIVED + timedelta(hours=6)))["anomalies"] == ["arrival"]


def test_the_same_bytes_under_a_new_name_are_flagged_with_the_earlier_run(watched):
    seed(watched)
    first = ingest(key="acme/stations-monday.csv")
    again = ingest(key="acme/stations-tuesday.csv")
    assert trend_of(first)["anomalies"] == []
    assert trend_of(again)["anomalies"] == ["same_content"]
    assert trend_of(again)["signals"]["same_content"]["same_as_run"] == first.run_id


def test_re_processing_the_same_object_is_no_re_sent_file(watched):
    seed(watched)
    first = ingest()
    forced = process_s3_file(bucket=BUCKET, key=KEY, event_time=ARRIVED, force=True)
    assert forced.run_id != first.run_id
    assert trend_of(forced)["signals"]["same_content"]["anomaly"] is False


def test_the_definition_can_tighten_the_row_count_band(bucket):
    tight = {**STATION_DEFINITION, "trend": {"row_count": {"min_ratio": 0.8, "max_ratio": 1.5}}}
    strict_file = make_monitoring_file(schema_definition=make_definition(tight))
    default_file = make_monitoring_file(
        file_name="other.csv", schema_definition=make_definition(name="default")
    )
    for watched in (strict_file, default_file):
        seed(watched, row_count=4)
    assert trend_of(ingest())["anomalies"] == ["row_count"]
    assert trend_of(ingest(key="acme/other.csv"))["anomalies"] == []


def history_queries(queries) -> list[str]:
    """The queries that read a file's last runs (the baseline)."""
    return [
        query["sql"]
        for query in queries.captured_queries
        if 'WHERE U0."monitoring_file_id" =' in query["sql"]
    ]


def test_the_baseline_is_one_query_bounded_by_the_window(watched, settings):
    settings.TREND_WINDOW_RUNS = 7
    seed(watched, count=12)
    with CaptureQueriesContext(connection) as queries:
        ingest()
    [sql] = history_queries(queries)
    # The last 7 runs are picked by id (the foreign key's index), then only their rows are read.
    assert 'FROM "reporting"."monitoring_file_run" U0 WHERE U0."monitoring_file_id" = ' in sql
    assert sql.endswith("ORDER BY 1 DESC LIMIT 7) ORDER BY 1 DESC")
    assert sql.startswith(
        'SELECT "reporting"."monitoring_file_data_quality"."monitoring_file_run_id" AS '
    )
    assert "samples" not in sql


def test_a_window_of_zero_turns_it_off(watched, settings):
    settings.TREND_WINDOW_RUNS = 0
    seed(watched, row_count=120)
    with CaptureQueriesContext(connection) as queries:
        result = ingest()
    assert "trend" not in result.metrics
    assert result.metrics["summary"] == {}
    assert history_queries(queries) == []


def test_the_trend_never_changes_the_score_or_the_deductions(watched, settings):
    seed(watched, row_count=120, at=ARRIVED - timedelta(hours=12))
    settings.TREND_WINDOW_RUNS = 0
    alone = ingest(FAILING_CSV)
    settings.TREND_WINDOW_RUNS = 20
    judged = ingest(FAILING_CSV, key="acme/stations-resent.csv")
    assert trend_of(judged)["anomalies"] == ["row_count", "null_rate", "arrival", "same_content"]
    assert (judged.score, judged.passed, judged.deductions) == (
        alone.score,
        alone.passed,
        alone.deductions,
    )
    assert json.dumps(judged.deductions) == json.dumps(alone.deductions)
    engine_part = {k: v for k, v in judged.metrics.items() if k not in ("trend", "source")}
    engine_part["summary"] = {
        k: v for k, v in judged.metrics["summary"].items() if not k.startswith("trend_")
    }
    assert engine_part == {k: v for k, v in alone.metrics.items() if k != "source"}


def test_each_anomaly_is_counted_by_signal_for_prometheus(watched):
    seed(watched, row_count=120)
    before = REGISTRY.get_sample_value("ingestion_trend_anomalies_total", {"signal": "row_count"})
    ingest()
    after = REGISTRY.get_sample_value("ingestion_trend_anomalies_total", {"signal": "row_count"})
    assert after == (before or 0) + 1


def test_the_objects_log_line_names_its_anomalies(watched):
    seed(watched, row_count=120)
    with captured_log_lines() as lines:
        ingest()
    [line] = [line for line in lines if line["message"] == "object processed"]
    assert line["anomalies"] == ["row_count"]


def test_a_duplicate_delivery_answers_the_recorded_trend(watched):
    seed(watched, row_count=120)
    first = ingest()
    again = process_s3_file(bucket=BUCKET, key=KEY, event_time=ARRIVED)
    assert again.status == "duplicate"
    assert trend_of(again) == trend_of(first)


def test_the_trigger_process_file_and_runs_answers_carry_the_trend(watched, client, settings):
    settings.INGESTION_API_TOKEN = TOKEN
    seed(watched, row_count=120)
    put_object(KEY)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}
    body = {"bucket": BUCKET, "key": KEY}
    answer = post_trigger(client, body, TOKEN)
    [result] = answer.json()["results"]
    # Without an event time the object's LastModified (now) is its arrival: late too.
    assert result["metrics"]["trend"]["anomalies"] == ["row_count", "arrival"]
    run = client.get(f"/api/runs/{result['run_id']}", **auth).json()
    assert run["data_quality"]["metrics"]["trend"] == result["metrics"]["trend"]
    out = StringIO()
    call_command("process_file", "--bucket", BUCKET, "--key", KEY, "--force", "--json", stdout=out)
    assert "row_count" in json.loads(out.getvalue())["metrics"]["trend"]["anomalies"]
