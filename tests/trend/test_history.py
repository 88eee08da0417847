"""GET /api/files/{id}/history and `manage.py file_history`: a file's runs and its baseline."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ingestion.management.commands.file_history import sparkline
from tests.builders import make_monitoring_file, record_run

pytestmark = pytest.mark.django_db
TOKEN = "history-token"
DAY = datetime(2026, 11, 20, 8, 15, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def api_token(settings):
    settings.INGESTION_API_TOKEN = TOKEN
    settings.DEBUG = False


def get(client, path: str, token: str | None = TOKEN):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(path, **headers)


@pytest.fixture
def watched():
    """Six passing runs of 120 rows, then a failed one, then one of 3 rows flagged row_count."""
    monitoring_file = make_monitoring_file()
    for day in range(6):
        record_run(monitoring_file, row_count=120, arrived_at=DAY + timedelta(days=day))
    record_run(monitoring_file, score=60, row_count=118, arrived_at=DAY + timedelta(days=6))
    newest = record_run(monitoring_file, row_count=3, arrived_at=DAY + timedelta(days=7))
    quality = newest.data_quality
    quality.metrics["trend"] = {"anomalies": ["row_count"]}
    quality.save()
    return monitoring_file


def test_the_history_lists_runs_newest_first_with_the_current_baseline(client, watched):
    response = get(client, f"/api/files/{watched.id}/history")
    assert response.status_code == 200
    body = response.json()
    runs = body["runs"]
    assert [run["run_id"] for run in runs] == sorted((run["run_id"] for run in runs), reverse=True)
    assert [run["score"] for run in runs] == [100, 60, 100, 100, 100, 100, 100, 100]
    assert runs[0]["anomalies"] == ["row_count"]
    assert runs[0]["row_count"] == 3
    assert (runs[1]["passed"], runs[1]["failed"]) == (False, ["completeness"])
    assert runs[0]["run_date"] == "2026-11-27"
    assert (body["monitoring_file_id"], body["file_name"], body["range"]) == (
        watched.id,
        "stations.csv",
        "daily",
    )
    assert (body["window_runs"], body["baseline_runs"], body["note"]) == (20, 7, "")
    baseline = body["baseline"]
    assert baseline["runs"] == 7
    assert baseline["row_count_median"] == 120
    assert baseline["arrival_median_minutes"] == 495.0
    assert baseline["columns"] == ["id", "station", "reading"]
    assert baseline["null_rate_medians"] == {"id": 0.0, "station": 0.0, "reading": 0.0}


def test_limit_bounds_the_runs_but_not_the_baseline(client, watched):
    body = get(client, f"/api/files/{watched.id}/history?limit=2").json()
    assert [run["score"] for run in body["runs"]] == [100, 60]
    assert body["baseline_runs"] == 7


def test_a_file_with_too_little_history_has_no_baseline_and_says_why(client):
    monitoring_file = make_monitoring_file()
    record_run(monitoring_file)
    body = get(client, f"/api/files/{monitoring_file.id}/history").json()
    assert body["baseline"] is None
    assert body["note"] == "no baseline: 1 passing runs among the last 1 (at least 5 needed)"
    assert len(body["runs"]) == 1


def test_an_unknown_file_is_404_and_a_missing_token_401(client, watched):
    assert get(client, "/api/files/999999/history").json() == {
        "detail": "no monitoring file 999999"
    }
    assert get(client, "/api/files/999999/history").status_code == 404
    assert get(client, f"/api/files/{watched.id}/history", token=None).status_code == 401


@pytest.mark.parametrize("limit", ["0", "501", "many"])
def test_a_limit_out_of_range_is_422(client, watched, limit):
    response = get(client, f"/api/files/{watched.id}/history?limit={limit}")
    assert response.status_code == 422
    assert "detail" in response.json()


def test_the_command_prints_the_same_as_a_table_with_a_sparkline(watched):
    out = StringIO()
    call_command("file_history", str(watched.id), stdout=out)
    lines = out.getvalue().splitlines()
    assert (
        lines[0]
        == f"acme / stations.csv (monitoring file {watched.id}, daily): 8 runs, newest first"
    )
    assert lines[1] == "scores, oldest to newest: ██████▅█  (100 ... 100)"
    assert lines[2] == (
        "baseline: 7 passing runs of the last 20, median 120 rows, arrives 8 h 15 min into its "
        "period, 3 columns"
    )
    assert lines[4].split() == [
        "run",
        "date",
        "hour",
        "score",
        "passed",
        "failed",
        "rows",
        "anomalies",
    ]
    assert lines[5].split()[1:] == ["2026-11-27", "8", "100", "yes", "-", "3", "row_count"]
    assert lines[6].split()[1:] == ["2026-11-26", "8", "60", "no", "completeness", "118", "-"]


def test_the_command_refuses_an_unknown_file_with_one_line():
    with pytest.raises(CommandError, match=r"^no monitoring file 424242$"):
        call_command("file_history", "424242", stdout=StringIO())


def test_a_file_without_runs_says_so():
    monitoring_file = make_monitoring_file()
    out = StringIO()
    call_command("file_history", str(monitoring_file.id), stdout=out)
    assert out.getvalue().splitlines()[1] == "no run recorded yet"


def test_the_sparkline_goes_from_lowest_at_0_to_highest_at_100():
    assert sparkline([0, 50, 65, 80, 100]) == "▁▅▆▇█"
