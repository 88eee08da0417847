"""Fixtures for the authoring endpoints: a token, uploads written to a folder of their own."""

from __future__ import annotations

import io
import json
from typing import Any

import openpyxl
import pytest

TOKEN = "s3cret-token"


@pytest.fixture(autouse=True)
def api_token(settings):
    settings.INGESTION_API_TOKEN = TOKEN
    settings.DEBUG = False


@pytest.fixture(autouse=True)
def upload_folder(settings, tmp_path):
    """Uploads land in a folder of the test's own, so a test can look at what stays there."""
    folder = tmp_path / "uploads"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    return folder


@pytest.fixture
def no_s3(monkeypatch):
    """Fail the test if anything asks for an S3 client."""
    from ingestion.pipeline import s3

    def refuse():
        raise AssertionError("S3 was used")

    monkeypatch.setattr(s3, "client", refuse)


def upload(content: bytes, name: str = "stations.csv") -> io.BytesIO:
    """A file for Django's test client to send as a multipart part."""
    handle = io.BytesIO(content)
    handle.name = name
    return handle


def post(client, url: str, fields: dict[str, Any], token: str | None = TOKEN):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    data = {
        key: json.dumps(value) if isinstance(value, dict) else value
        for key, value in fields.items()
        if value is not None
    }
    return client.post(url, data=data, **headers)


def xlsx_bytes(rows: list[list[Any]], sheet: str = "Sheet1") -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.title = sheet
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
