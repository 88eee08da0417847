"""POST /api/validate: the report ingestion would record for an uploaded file, recording nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ingestion.pipeline.services import process_s3_file
from tests.authoring.conftest import post, upload
from tests.authoring.samples import FAULTY_CSV, SAMPLE_CSV
from tests.builders import (
    BUCKET,
    CLEAN_CSV,
    NULLS_CSV,
    STATION_DEFINITION,
    make_definition,
    make_monitoring_file,
    put_object,
    row_counts,
)

pytestmark = pytest.mark.django_db
URL = "/api/validate"
# A definition a person might have written for the sample, with rules the faulty file breaks.
SAMPLE_DEFINITION = {
    "strict": True,
    "columns": [
        {"name": "id", "type": "integer", "required": True, "unique": True},
        {"name": "zip", "type": "string", "required": True, "pattern": "[0-9]{5}"},
        {"name": "reading", "type": "number", "min": 0, "max": 100},
        {"name": "ok", "type": "boolean"},
        {"name": "day", "type": "date", "min": "2024-05-01"},
        {"name": "seen_at", "type": "datetime"},
        {"name": "status", "allowed": ["ok", "warn", "error"]},
        {"name": "note"},
    ],
}


def validate(client, content: bytes = CLEAN_CSV, name: str = "stations.csv", **fields):
    return post(client, URL, {"file": upload(content, name), **fields})


def test_an_inline_definition_gives_the_full_report(client):
    response = validate(client, NULLS_CSV, definition=STATION_DEFINITION)
    assert response.status_code == 200
    body = response.json()
    assert (body["score"], body["passed"], body["deductions"]) == (80, True, {"completeness": 20})
    assert body["metrics"]["completeness"]["null_counts"] == {"station": 2}
    assert body["metrics"]["summary"]["completeness"].startswith("completeness: 2 nulls")
    assert "source" not in body["metrics"]


def test_a_stored_definition_is_used_by_id(client):
    stored = make_definition()
    body = validate(client, CLEAN_CSV, definition_id=str(stored.id)).json()
    assert (body["score"], body["passed"], body["deductions"]) == (100, True, {})


@pytest.mark.parametrize(
    ("content", "definition"),
    [(FAULTY_CSV, SAMPLE_DEFINITION), (SAMPLE_CSV, SAMPLE_DEFINITION), (NULLS_CSV, None)],
    ids=["a file with faults", "a clean file", "the builders' station file"],
)
def test_a_dry_run_reports_what_ingestion_records(client, bucket, content, definition):
    stored = make_definition(definition)
    make_monitoring_file(schema_definition=stored)
    put_object("acme/stations.csv", content)
    recorded = process_s3_file(bucket=BUCKET, key="acme/stations.csv")
    assert recorded.status == "processed"
    body = validate(client, content, definition_id=str(stored.id)).json()
    # The pipeline adds what a dry run cannot know: the object (source) and its history (trend).
    assert recorded.metrics["trend"]["anomalies"] == []
    expected_metrics = {k: v for k, v in recorded.metrics.items() if k not in ("source", "trend")}
    assert (body["score"], body["passed"], body["deductions"], body["metrics"]) == (
        recorded.score,
        recorded.passed,
        recorded.deductions,
        expected_metrics,
    )


def test_the_faulty_sample_loses_points_with_evidence(client):
    body = validate(client, FAULTY_CSV, definition=SAMPLE_DEFINITION).json()
    assert body["deductions"] == {"completeness": 20, "uniqueness": 10, "bounds_range": 15}
    assert body["metrics"]["bounds_range"]["samples"]["reading"] == [
        {"row": 60, "value": "9999", "rule": "max"}
    ]


def test_an_invalid_stored_definition_is_422_with_ingestions_words(client, bucket):
    broken = make_definition({"columns": [{"name": "id", "type": "int"}]}, name="broken")
    make_monitoring_file(schema_definition=broken)
    put_object("acme/stations.csv")
    rejected = process_s3_file(bucket=BUCKET, key="acme/stations.csv")
    response = validate(client, definition_id=str(broken.id))
    assert (rejected.status, response.status_code) == ("rejected", 422)
    assert response.json() == {"detail": rejected.detail}


def test_an_invalid_inline_definition_is_422_naming_the_problem(client):
    response = validate(client, definition={"columns": [{"name": "id", "type": "int"}]})
    assert response.status_code == 422
    assert response.json() == {
        "detail": "the inline definition is invalid: column 'id': unknown type 'int' "
        "(one of string, integer, number, boolean, date, datetime)"
    }


def test_an_inline_definition_that_is_not_json_is_422(client):
    response = validate(client, definition="{columns: []")
    assert response.status_code == 422
    assert response.json()["detail"].startswith("definition is not valid JSON: ")


def test_an_unknown_definition_id_is_404(client):
    response = validate(client, definition_id="999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "schema definition 999999 does not exist"}


def test_both_a_definition_id_and_a_definition_is_422(client):
    stored = make_definition()
    response = validate(client, definition_id=str(stored.id), definition=STATION_DEFINITION)
    assert response.status_code == 422
    assert response.json() == {"detail": "give either definition_id or definition, not both"}


def test_neither_a_definition_id_nor_a_definition_is_422(client):
    response = validate(client)
    assert response.status_code == 422
    assert response.json() == {"detail": "give definition_id or an inline definition"}


def test_an_unreadable_file_is_a_report_not_an_error(client):
    body = validate(client, b"%PDF-1.7", "x.pdf", definition=STATION_DEFINITION).json()
    assert (body["score"], body["deductions"]) == (65, {"format_parsing": 35})
    assert body["metrics"]["format_parsing"]["error"] == "unsupported file type: a PDF document"


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_a_missing_or_wrong_token_is_401(client, token):
    response = post(client, URL, {"file": upload(CLEAN_CSV)}, token=token)
    assert response.status_code == 401


def test_an_upload_over_max_file_size_is_413(client, settings, upload_folder):
    settings.MAX_FILE_SIZE_MB = 1
    response = validate(client, b"id\n" + b"1\n" * (512 * 1024), definition=STATION_DEFINITION)
    assert response.status_code == 413
    assert list(upload_folder.iterdir()) == []


def test_a_dry_run_writes_nothing_and_reads_nothing_from_s3(client, no_s3):
    stored = make_definition()
    before = row_counts()
    with CaptureQueriesContext(connection) as queries:
        response = validate(client, NULLS_CSV, definition_id=str(stored.id))
    assert response.status_code == 200
    assert [query["sql"].split()[0] for query in queries.captured_queries] == ["SELECT"]
    assert row_counts() == before


def test_the_answer_names_the_requests_correlation_id(client):
    response = validate(client, definition=STATION_DEFINITION)
    assert response.status_code == 200
    assert response.json()["correlation_id"] == response["X-Request-ID"]
