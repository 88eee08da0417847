"""Every request gets a correlation id: its log lines carry it, the answer names it."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient

from tests.builders import (
    BUCKET,
    TRIGGER_URL,
    make_definition,
    make_monitoring_file,
    post_trigger,
    put_object,
)
from tests.log_lines import captured_log_lines, lines_of

pytestmark = pytest.mark.django_db
TOKEN = "s3cret-token"
KEY = "acme/stations.csv"


@pytest.fixture(autouse=True)
def api_token(settings):
    settings.INGESTION_API_TOKEN = TOKEN
    settings.DEBUG = False


@pytest.fixture
def watched(bucket):
    make_monitoring_file(schema_definition=make_definition())
    put_object(KEY)


def trigger(client, **headers):
    return post_trigger(client, {"bucket": BUCKET, "key": KEY}, TOKEN, headers=headers)


def test_the_pipeline_lines_of_a_trigger_request_carry_the_id_the_answer_names(client, watched):
    with captured_log_lines() as lines:
        response = trigger(client)
    assert response.status_code == 200
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    assert response.json()["correlation_id"] == request_id
    [summary] = lines_of(lines, "ingestion.pipeline")
    assert (summary["message"], summary["key"]) == ("object processed", KEY)
    assert summary["correlation_id"] == request_id


def test_each_request_gets_its_own_id(client, watched):
    first, second = trigger(client), trigger(client)
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert second.json()["results"][0]["status"] == "duplicate"


def test_an_incoming_request_id_is_honoured(client, watched):
    incoming = "5f0c2a9e-8d7b-4e1f-9a3c-6b2d1e0f4a7c"
    with captured_log_lines() as lines:
        response = trigger(client, **{"X-Request-ID": incoming})
    assert response["X-Request-ID"] == response.json()["correlation_id"] == incoming
    [summary] = lines_of(lines, "ingestion.pipeline")
    assert summary["correlation_id"] == incoming


@pytest.mark.parametrize(
    "hostile",
    ["x" * 65, "abc\tlevel=ERROR", "abc\x1b[31m", "a b", "id;DROP TABLE"],
    ids=["too long", "a tab", "an escape", "a space", "punctuation"],
)
def test_a_hostile_incoming_request_id_is_replaced(client, watched, hostile):
    with captured_log_lines() as lines:
        response = trigger(client, **{"X-Request-ID": hostile})
    replaced = response["X-Request-ID"]
    assert replaced != hostile
    assert len(replaced) == 32
    assert response.json()["correlation_id"] == replaced
    assert {line["correlation_id"] for line in lines_of(lines, "ingestion")} == {replaced}


def test_errors_and_other_endpoints_answer_the_id_in_the_header(client):
    unauthorised = client.post(TRIGGER_URL, data="{}", content_type="application/json")
    assert unauthorised.status_code == 401
    assert unauthorised.json() == {"detail": "Unauthorized"}
    assert len(unauthorised["X-Request-ID"]) == 32
    assert (
        client.get("/api/health/live", headers={"X-Request-ID": "probe-1"})["X-Request-ID"]
        == "probe-1"
    )


def test_under_asgi_the_id_reaches_the_lines_of_the_sync_view(watched):
    post = async_to_sync(AsyncClient().post)
    with captured_log_lines() as lines:
        response = post(
            TRIGGER_URL,
            data=json.dumps({"bucket": BUCKET, "key": KEY}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {TOKEN}", "X-Request-ID": "asgi-1"},
        )
    assert response["X-Request-ID"] == response.json()["correlation_id"] == "asgi-1"
    [summary] = lines_of(lines, "ingestion.pipeline")
    assert (summary["message"], summary["correlation_id"]) == ("object processed", "asgi-1")


def test_the_openapi_document_shows_the_id_in_each_answer_that_carries_it(client):
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    for name in ("TriggerOut", "DraftOut", "ValidateOut"):
        assert "correlation_id" in schemas[name]["required"]
        assert "X-Request-ID" in schemas[name]["properties"]["correlation_id"]["description"]
