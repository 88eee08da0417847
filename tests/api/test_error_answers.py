"""Every error answer under /api/ is JSON with `detail`, Django's own answers included."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

pytestmark = pytest.mark.django_db
TOKEN = "s3cret-token"
AUTH = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


@pytest.fixture(autouse=True)
def api_token(settings):
    settings.INGESTION_API_TOKEN = TOKEN
    settings.DEBUG = False


def detail(response, status: int):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    return response.json()["detail"]


def test_an_unknown_path_under_api_is_a_json_404(client):
    assert detail(client.get("/api/no-such-thing"), 404) == "no such endpoint"


def test_a_wrong_method_is_a_json_405_naming_the_allowed_one(client):
    response = client.get("/api/trigger-ingestion/", **AUTH)
    assert detail(response, 405) == "method not allowed: use POST"
    assert response["Allow"] == "POST"


@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary="])
def test_a_multipart_body_without_a_boundary_is_a_json_400(client, content_type):
    response = client.post("/api/validate", data=b"--x\r\n", content_type=content_type, **AUTH)
    assert detail(response, 400).startswith("the multipart body cannot be read")


def test_a_body_over_django_s_limit_is_a_json_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post(
        "/api/trigger-ingestion/", data=b"x" * 4096, content_type="application/json", **AUTH
    )
    assert detail(response, 413) == "the request body is larger than 1 KiB"


def test_an_empty_upload_is_named_as_such(client):
    upload = SimpleUploadedFile("empty.csv", b"")
    response = client.post("/api/definitions/draft", data={"file": upload}, **AUTH)
    assert detail(response, 422) == "the uploaded file is empty"


def test_two_file_parts_are_refused(client):
    files = [SimpleUploadedFile("a.csv", b"id\n1\n"), SimpleUploadedFile("b.csv", b"x\n2\n")]
    response = client.post("/api/definitions/draft", data={"file": files}, **AUTH)
    assert detail(response, 422) == "send one file part named `file`, not 2"


def test_an_unexpected_exception_is_a_json_500(monkeypatch):
    def broken(event):
        raise RuntimeError("a bug")

    monkeypatch.setattr("api.ingestion.process_event", broken)
    client = Client(raise_request_exception=False)
    response = client.post(
        "/api/trigger-ingestion/",
        data={"bucket": "b", "key": "k"},
        content_type="application/json",
        **AUTH,
    )
    assert detail(response, 500) == "internal server error"
