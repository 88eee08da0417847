"""Hostile trigger bodies: never a 500, nothing written, a clear answer per body or record."""

from __future__ import annotations

import json

import pytest

from ingestion.models import MonitoringFileDataQuality, MonitoringFileRun
from tests.builders import (
    make_definition,
    make_monitoring_file,
    post_trigger,
    put_object,
    s3_notification,
    sns_envelope,
)

pytestmark = pytest.mark.django_db
TOKEN = "s3cret-token"
GOOD_KEY = "acme/stations.csv"


@pytest.fixture(autouse=True)
def api_token(settings):
    settings.INGESTION_API_TOKEN = TOKEN
    settings.DEBUG = False


@pytest.fixture
def watched(bucket):
    return make_monitoring_file(schema_definition=make_definition())


def post(client, data: bytes | str):
    return post_trigger(client, data, TOKEN)


def nothing_written() -> bool:
    return not MonitoringFileRun.objects.exists() and not MonitoringFileDataQuality.objects.exists()


@pytest.mark.parametrize(
    ("raw_key", "problem"),
    [
        ('"acme/daily/a\\u0000b.csv"', "the key contains a NUL character"),
        ('"acme/daily/\\ud800.csv"', "the key is not valid Unicode (it holds a lone surrogate)"),
        (json.dumps("acme/" + "k" * 1100), "the key is 1,105 bytes long, over S3's 1,024"),
    ],
)
def test_a_key_no_object_can_have_is_rejected_and_nothing_is_written(
    client, watched, raw_key, problem
):
    response = post(client, '{"bucket": "agency-drops", "key": ' + raw_key + "}")
    assert response.status_code == 200
    [result] = response.json()["results"]
    assert (result["status"], result["detail"]) == ("rejected", f"{problem}: no object can be read")
    assert nothing_written()


def test_a_nul_bucket_is_rejected(client, watched):
    response = post(client, '{"bucket": "agency\\u0000drops", "key": "acme/stations.csv"}')
    [result] = response.json()["results"]
    assert result["status"] == "rejected"
    assert result["detail"].startswith("the bucket contains a NUL character")


def test_one_bad_record_among_good_ones_is_rejected_alone(client, watched):
    put_object(GOOD_KEY)
    body = s3_notification(GOOD_KEY)
    bad = json.loads(json.dumps(body["Records"][0]))
    bad["s3"]["object"]["key"] = "acme/daily/a%00b.csv"
    body["Records"].append(bad)
    response = post(client, json.dumps(body))
    assert response.status_code == 200
    statuses = [result["status"] for result in response.json()["results"]]
    assert statuses == ["processed", "rejected"]
    assert MonitoringFileRun.objects.count() == 1


def test_a_body_nested_ten_thousand_deep_is_a_422(client):
    response = post(client, '{"Records": ' + "[" * 10_000 + "]" * 10_000 + "}")
    assert response.status_code == 422
    assert response.json() == {"detail": "the body is nested too deeply to be an event"}


def test_a_body_after_a_utf8_bom_is_read(client, watched):
    put_object(GOOD_KEY)
    response = post(client, b"\xef\xbb\xbf" + json.dumps(s3_notification(GOOD_KEY)).encode())
    assert response.json()["results"][0]["status"] == "processed"


def test_an_sns_envelope_inside_an_sns_envelope_is_refused(client, watched):
    response = post(client, json.dumps(sns_envelope(sns_envelope(s3_notification(GOOD_KEY)))))
    assert response.status_code == 422
    assert "SNS envelope" in response.json()["detail"]
    assert nothing_written()


def test_an_event_name_with_a_lone_surrogate_is_answered(client, watched):
    # json.dumps writes the surrogate as the escape \udc00, as a hostile sender would.
    response = post(client, json.dumps(s3_notification(GOOD_KEY, event_name="Odd\udc00")))
    assert response.status_code == 200
    [result] = response.json()["results"]
    assert (result["status"], result["detail"]) == (
        "ignored",
        "Odd\udc00 is not an ObjectCreated event",
    )
