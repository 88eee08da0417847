"""POST /api/definitions/draft: a definition drafted from an uploaded sample, nothing recorded."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ingestion import authoring
from ingestion.core import score_file
from schemas.definition import parse_definition
from tests.authoring.conftest import post, upload, xlsx_bytes
from tests.authoring.samples import HEADER, SAMPLE_CSV, sample_rows
from tests.builders import row_counts

pytestmark = pytest.mark.django_db
URL = "/api/definitions/draft"


def draft(client, content: bytes, name: str = "stations.csv", **fields):
    return post(client, URL, {"file": upload(content, name), **fields})


def test_a_csv_sample_is_drafted_with_every_column_explained(client):
    response = draft(client, SAMPLE_CSV)
    assert response.status_code == 200
    body = response.json()
    columns = {column["name"]: column for column in body["definition"]["columns"]}
    assert [columns[name]["type"] for name in HEADER] == [
        "integer",
        "string",
        "number",
        "boolean",
        "date",
        "datetime",
        "string",
        "string",
    ]
    assert columns["id"]["unique"] is True
    assert columns["zip"]["pattern"] == "[0-9]{5}"
    assert columns["status"]["allowed"] == ["error", "ok", "warn"]
    assert "required" not in columns["note"]
    assert list(body["explanations"]) == HEADER
    assert "leading zero" in body["explanations"]["zip"]
    assert (body["row_count"], body["format"]["type"], body["warnings"]) == (60, "csv", [])


def test_the_draft_scores_100_on_the_sample_it_came_from(client, tmp_path):
    body = draft(client, SAMPLE_CSV).json()
    path = tmp_path / "stations.csv"
    path.write_bytes(SAMPLE_CSV)
    assert score_file(path, parse_definition(body["definition"])).score == 100


def test_a_workbook_sheet_is_drafted_by_name(client):
    content = xlsx_bytes([HEADER, *sample_rows()], sheet="May")
    response = draft(client, content, "stations.xlsx", sheet="May")
    assert response.status_code == 200
    definition = response.json()["definition"]
    assert definition["sheet"] == "May"
    assert [column["type"] for column in definition["columns"]][4:6] == ["date", "datetime"]


def test_sample_rows_limits_the_rows_read(client):
    body = draft(client, SAMPLE_CSV, sample_rows="10").json()
    assert body["row_count"] == 10


def test_the_upload_reaches_the_drafter_as_a_temporary_file(client, monkeypatch, upload_folder):
    seen = []
    real = authoring.draft_file

    def spy(path, **options):
        seen.append((path.parent, path.read_bytes() == SAMPLE_CSV))
        return real(path, **options)

    monkeypatch.setattr(authoring, "draft_file", spy)
    assert draft(client, SAMPLE_CSV).status_code == 200
    assert seen == [(upload_folder, True)]
    assert list(upload_folder.iterdir()) == []


def test_a_file_that_is_no_table_is_422_naming_the_problem(client):
    response = draft(client, b"%PDF-1.7 ...", "report.pdf")
    assert response.status_code == 422
    assert response.json() == {
        "detail": "cannot draft a definition: unsupported file type: a PDF document"
    }


def test_a_repeated_header_is_422(client):
    response = draft(client, b"id,id\n1,2\n")
    assert response.status_code == 422
    assert "repeats column 'id'" in response.json()["detail"]


def test_an_unknown_sheet_is_422(client):
    response = draft(client, xlsx_bytes([["a"], [1]]), "book.xlsx", sheet="Nope")
    assert response.status_code == 422
    assert "sheet 'Nope' not found" in response.json()["detail"]


@pytest.mark.parametrize("sample_rows", ["0", "many"])
def test_a_bad_sample_rows_is_422(client, sample_rows):
    assert draft(client, SAMPLE_CSV, sample_rows=sample_rows).status_code == 422


def test_a_request_without_a_file_is_422(client):
    assert post(client, URL, {"sheet": "x"}).status_code == 422


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_a_missing_or_wrong_token_is_401_and_nothing_is_kept(client, token, upload_folder):
    response = post(client, URL, {"file": upload(SAMPLE_CSV)}, token=token)
    assert response.status_code == 401
    assert list(upload_folder.iterdir()) == []


def test_an_upload_over_max_file_size_is_413_and_its_partial_file_removed(
    client, settings, upload_folder
):
    settings.MAX_FILE_SIZE_MB = 1
    content = b"id\n" + b"1\n" * (512 * 1024)  # 1 MiB and 3 bytes
    response = draft(client, content)
    assert response.status_code == 413
    assert response.json() == {"detail": "the upload is larger than MAX_FILE_SIZE_MB=1"}
    assert list(upload_folder.iterdir()) == []


def test_a_declared_length_over_the_limit_is_413_before_the_body_is_read(
    client, settings, monkeypatch
):
    settings.MAX_FILE_SIZE_MB = 1
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 0

    def read_nothing(*args, **kwargs):
        raise AssertionError("the body was read")

    monkeypatch.setattr(authoring.LimitedUploadHandler, "receive_data_chunk", read_nothing)
    response = draft(client, b"id\n" + b"1\n" * (600 * 1024))
    assert response.status_code == 413


def test_an_upload_at_the_limit_is_accepted(client, settings):
    settings.MAX_FILE_SIZE_MB = 1
    content = b"id\n" + b"1\n" * (512 * 1024 - 2) + b"1\n"[:1]
    assert len(content) <= 1024 * 1024
    assert draft(client, content).status_code == 200


def test_drafting_writes_nothing_and_reads_nothing_from_s3(client, no_s3):
    before = row_counts()
    with CaptureQueriesContext(connection) as queries:
        assert draft(client, SAMPLE_CSV).status_code == 200
    assert queries.captured_queries == []
    assert row_counts() == before


def test_the_answer_names_the_requests_correlation_id(client):
    response = draft(client, SAMPLE_CSV)
    assert response.json()["correlation_id"] == response["X-Request-ID"]
