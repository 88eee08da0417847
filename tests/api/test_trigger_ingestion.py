"""POST /api/trigger-ingestion/ and GET /api/runs/{id}."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest

from api.payloads import TRIGGER_BODY_EXAMPLES
from ingestion.errors import InvalidEvent
from ingestion.models import MonitoringFileRun
from ingestion.pipeline.events import parse_event
from tests.builders import (
    BUCKET,
    CLEAN_CSV,
    TRIGGER_URL,
    eventbridge_event,
    make_definition,
    make_monitoring_file,
    post_trigger,
    put_object,
    s3_notification,
    s3_test_event,
    sns_envelope,
)

pytestmark = pytest.mark.django_db
TOKEN = "s3cret-token"


@pytest.fixture(autouse=True)
def api_token(settings):
    settings.INGESTION_API_TOKEN = TOKEN
    settings.DEBUG = False


def post(client, body, token=TOKEN):
    return post_trigger(client, body, token)


@pytest.fixture
def watched(bucket):
    return make_monitoring_file(schema_definition=make_definition())


def test_a_direct_body_is_processed(client, watched):
    put_object("acme/stations.csv")
    response = post(client, {"bucket": BUCKET, "key": "acme/stations.csv"})
    assert response.status_code == 200
    [result] = response.json()["results"]
    assert (result["status"], result["score"], result["passed"]) == ("processed", 100, True)
    assert result["run_id"] == MonitoringFileRun.objects.get().id
    assert result["monitoring_file_id"] == watched.id
    assert result["deductions"] == {}
    assert result["metrics"]["row_count"] == 3


def test_an_s3_notification_with_spaces_and_non_ascii_in_the_key(client, bucket):
    key = "acme/Relevé 2026+final €.csv"
    make_monitoring_file(file_name="Relevé 2026+final €.csv", schema_definition=make_definition())
    put_object(key)
    response = post(client, s3_notification(key))
    [result] = response.json()["results"]
    assert (result["key"], result["status"]) == (key, "processed")


def test_an_sns_envelope_is_processed(client, watched):
    put_object("acme/stations.csv")
    response = post(client, sns_envelope(s3_notification("acme/stations.csv")))
    assert response.json()["results"][0]["status"] == "processed"


def test_an_eventbridge_event_falls_back_to_the_decoded_key(client, bucket):
    make_monitoring_file(file_name="station list.csv")
    put_object("acme/station list.csv")
    response = post(client, eventbridge_event("acme/station+list.csv"))
    [result] = response.json()["results"]
    assert (result["key"], result["status"]) == ("acme/station list.csv", "processed")


def test_a_test_event_is_acknowledged_and_nothing_processed(client, bucket):
    response = post(client, s3_test_event())
    assert response.status_code == 200
    assert response.json() == {"results": [], "correlation_id": response["X-Request-ID"]}


def test_every_record_gets_a_result_and_removals_are_ignored(client, watched):
    put_object("acme/stations.csv")
    body = s3_notification("acme/stations.csv")
    body["Records"].append(
        s3_notification("acme/stations.csv", event_name="ObjectRemoved:Delete")["Records"][0]
    )
    body["Records"].append(s3_notification("acme/unknown.csv")["Records"][0])
    statuses = [r["status"] for r in post(client, body).json()["results"]]
    assert statuses == ["processed", "ignored", "unmatched"]


def test_a_redelivery_is_a_duplicate_with_the_first_runs_score(client, watched):
    put_object("acme/stations.csv")
    first = post(client, s3_notification("acme/stations.csv")).json()["results"][0]
    again = post(client, s3_notification("acme/stations.csv")).json()["results"][0]
    assert again["status"] == "duplicate"
    assert (again["run_id"], again["score"]) == (first["run_id"], first["score"])
    forced = post(client, {"bucket": BUCKET, "key": "acme/stations.csv", "force": True})
    assert forced.json()["results"][0]["status"] == "processed"
    assert MonitoringFileRun.objects.count() == 2


@pytest.mark.parametrize("token", [None, "wrong-token", ""])
def test_a_missing_or_wrong_token_is_401(client, watched, token):
    response = post(client, {"bucket": BUCKET, "key": "acme/stations.csv"}, token=token)
    assert response.status_code == 401
    assert "detail" in response.json()
    assert MonitoringFileRun.objects.count() == 0


def test_the_token_is_enforced_in_debug_mode_too(client, watched, settings):
    settings.DEBUG = True
    assert post(client, {"bucket": BUCKET, "key": "k"}, token="wrong").status_code == 401


def test_debug_mode_without_a_configured_token_accepts_requests(client, bucket, settings):
    settings.DEBUG, settings.INGESTION_API_TOKEN = True, ""
    assert post(client, s3_test_event(), token=None).status_code == 200


def test_production_without_a_configured_token_refuses_everything(client, bucket, settings):
    settings.INGESTION_API_TOKEN = ""
    assert post(client, s3_test_event(), token="").status_code == 401


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"not json", "not valid JSON"),
        ({"key": "k"}, "bucket is missing"),
        ({"hello": "world"}, "not an event this service understands"),
    ],
)
def test_a_body_that_is_no_known_form_is_422_with_a_clear_detail(client, bucket, body, detail):
    response = post(client, body)
    assert response.status_code == 422
    assert detail in response.json()["detail"]


def test_a_bucket_name_s3_would_refuse_is_not_found_not_a_503_to_retry(client, watched):
    response = post(client, {"bucket": "Not A Bucket!", "key": "acme/stations.csv"})
    assert response.status_code == 200
    assert response.json()["results"][0]["status"] == "not_found"


def test_s3_unreachable_is_503_so_the_caller_retries(client, watched, settings):
    from ingestion.pipeline import s3

    settings.AWS_ENDPOINT_URL = "http://127.0.0.1:9"
    s3.client.cache_clear()
    response = post(client, {"bucket": BUCKET, "key": "acme/stations.csv"})
    assert response.status_code == 503
    assert "S3" in response.json()["detail"]
    assert MonitoringFileRun.objects.count() == 0


def test_a_run_can_be_read_back_with_its_quality_record(client, watched):
    put_object("acme/stations.csv", CLEAN_CSV)
    run_id = post(client, {"bucket": BUCKET, "key": "acme/stations.csv"}).json()["results"][0][
        "run_id"
    ]
    response = client.get(f"/api/runs/{run_id}", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["monitoring_file_id"], body["file_size"]) == (
        run_id,
        watched.id,
        len(CLEAN_CSV),
    )
    assert body["data_quality"]["score"] == 100


def test_an_unknown_run_is_404(client):
    response = client.get("/api/runs/999999", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_the_openapi_document_shows_every_body_form(client):
    operation = client.get("/api/openapi.json").json()["paths"][TRIGGER_URL]["post"]
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    assert {"direct", "s3-notification", "sns-envelope", "eventbridge", "test-event"} <= set(
        examples
    )
    assert {"200", "401", "422", "503"} <= set(operation["responses"])


# The title of each form in the OpenAPI document, by the kind the parser answers for it.
FORM_TITLES = {
    "direct": "Bucket and key",
    "s3": "S3 event notification",
    "sns": "SNS envelope",
    "eventbridge": "EventBridge Object Created event",
    "test": "S3 test event",
}


def published_validator(client, schema: dict | None = None) -> jsonschema.Draft202012Validator:
    """Validate against the request body schema as published (or `schema`), refs resolved in
    the document."""
    document = client.get("/api/openapi.json").json()
    operation = document["paths"][TRIGGER_URL]["post"]
    schema = schema or operation["requestBody"]["content"]["application/json"]["schema"]
    return jsonschema.Draft202012Validator({**schema, "components": document["components"]})


def test_the_openapi_request_body_is_one_of_the_event_forms(client):
    document = client.get("/api/openapi.json").json()
    body = document["paths"][TRIGGER_URL]["post"]["requestBody"]["content"]["application/json"]
    components = document["components"]["schemas"]
    forms = [components[ref["$ref"].rsplit("/", 1)[1]] for ref in body["schema"]["oneOf"]]
    assert sorted(form["title"] for form in forms) == sorted(FORM_TITLES.values())
    assert all(form["type"] == "object" and form["properties"] for form in forms)
    assert components["S3Notification"]["properties"]["Records"]["items"] == {
        "$ref": "#/components/schemas/S3Record"
    }
    # Every reference anywhere in the document names a published component.
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(document)))
    assert refs
    assert refs <= set(components)


@pytest.mark.parametrize("name", sorted(TRIGGER_BODY_EXAMPLES))
def test_each_published_example_matches_exactly_one_published_form_and_is_accepted(client, name):
    example = TRIGGER_BODY_EXAMPLES[name]["value"]
    published_validator(client).validate(example)  # oneOf: exactly one form
    forms = client.get("/api/openapi.json").json()["components"]["schemas"]
    [title] = [
        form["title"]
        for form in forms.values()
        if form.get("title") in FORM_TITLES.values()
        and published_validator(client, form).is_valid(example)
    ]
    assert title == FORM_TITLES[parse_event(json.dumps(example)).kind]


@pytest.mark.parametrize(
    "body",
    [{"hello": "world"}, {"bucket": "b"}, {"Records": []}, {"Type": "Notification"}, [1]],
)
def test_the_published_schema_refuses_bodies_the_parser_refuses(client, body):
    assert not published_validator(client).is_valid(body)
    with pytest.raises(InvalidEvent):
        parse_event(body)


def test_the_definition_format_is_published_as_a_component(client):
    components = client.get("/api/openapi.json").json()["components"]["schemas"]
    assert components["SchemaDefinition"]["title"] == "Monitoring file schema definition"
