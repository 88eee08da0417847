"""The one event parser: every body form, URL-encoded keys, and clear refusals."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pytest

from ingestion.errors import InvalidEvent
from ingestion.pipeline.events import parse_event
from tests.builders import eventbridge_event, s3_notification, s3_test_event, sns_envelope


def test_a_direct_body_names_the_object_as_stored():
    parsed = parse_event(b'{"bucket": "b", "key": "a+b/c d.csv"}')
    assert parsed.kind == "direct"
    [record] = parsed.records
    assert (record.bucket, record.key) == ("b", "a+b/c d.csv")
    assert (record.force, record.created) == (False, True)


def test_a_direct_body_may_ask_to_force_reprocessing():
    [record] = parse_event({"bucket": "b", "key": "k", "force": True}).records
    assert record.force is True


@pytest.mark.parametrize(
    ("encoded", "decoded"),
    [
        ("acme/daily+report.csv", "acme/daily report.csv"),
        ("acme/a%2Bb.csv", "acme/a+b.csv"),
        ("acme%2Fnested%2Ffile.csv", "acme/nested/file.csv"),
        ("acme/%E2%82%AC+prices.csv", "acme/€ prices.csv"),
        ("acme/100%25.csv", "acme/100%.csv"),
    ],
)
def test_s3_notification_keys_are_decoded_exactly_once(encoded, decoded):
    body = s3_notification("placeholder")
    body["Records"][0]["s3"]["object"]["key"] = encoded
    [record] = parse_event(json.dumps(body)).records
    assert record.key == decoded


def test_s3_notification_carries_the_event_time():
    [record] = parse_event(s3_notification("a.csv")).records
    assert record.event_time == datetime(2026, 11, 25, 8, 15, tzinfo=timezone.utc)


def test_every_record_of_a_notification_is_returned():
    body = s3_notification("a.csv")
    body["Records"].append(s3_notification("b.csv")["Records"][0])
    assert [r.key for r in parse_event(body).records] == ["a.csv", "b.csv"]


@pytest.mark.parametrize(
    ("event_name", "created"),
    [
        ("ObjectCreated:Put", True),
        ("ObjectCreated:CompleteMultipartUpload", True),
        ("s3:ObjectCreated:Put", True),
        ("ObjectRemoved:Delete", False),
        ("s3:ObjectRemoved:Delete", False),
    ],
)
def test_only_object_created_records_are_marked_for_processing(event_name, created):
    [record] = parse_event(s3_notification("a.csv", event_name=event_name)).records
    assert record.created is created


@pytest.mark.parametrize("version", ["2.0", "2.1", "2.3", "2.6", "2.9"])
def test_any_2x_event_version_is_accepted(version):
    body = s3_notification("a.csv")
    body["Records"][0]["eventVersion"] = version
    body["Records"][0]["futureField"] = {"anything": 1}
    assert parse_event(body).records[0].key == "a.csv"


def test_an_event_version_outside_2x_is_refused():
    body = s3_notification("a.csv")
    body["Records"][0]["eventVersion"] = "3.0"
    with pytest.raises(InvalidEvent, match=r"eventVersion '3\.0' is not supported"):
        parse_event(body)


def test_an_sns_envelope_is_unwrapped():
    parsed = parse_event(sns_envelope(s3_notification("acme/x y.csv")))
    assert parsed.kind == "sns"
    assert parsed.records[0].key == "acme/x y.csv"


def test_an_sns_envelope_around_a_test_event_is_a_test_event():
    assert parse_event(sns_envelope(s3_test_event())).kind == "test"


def test_an_eventbridge_event_keeps_the_key_and_offers_its_decoded_form():
    [record] = parse_event(eventbridge_event("acme/a+b.csv")).records
    assert record.key == "acme/a+b.csv"
    assert record.alternate_key == "acme/a b.csv"
    assert record.event_time == datetime(2026, 11, 25, 8, 15, tzinfo=timezone.utc)


def test_an_eventbridge_key_without_escapes_has_no_alternate():
    [record] = parse_event(eventbridge_event("acme/plain.csv")).records
    assert record.alternate_key is None


def test_the_s3_test_event_has_nothing_to_process():
    parsed = parse_event(s3_test_event())
    assert parsed.kind == "test"
    assert parsed.records == ()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "the body is not valid JSON"),
        (b"[1, 2]", "the body must be a JSON object"),
        (b"{}", "not an event this service understands"),
        (b'{"bucket": "b"}', "key is missing or empty"),
        (b'{"key": "k"}', "bucket is missing or empty"),
        (b'{"bucket": "b", "key": "k", "force": "yes"}', "force must be true or false"),
        (b'{"Records": []}', "Records must be a non-empty list"),
        (b'{"Records": [{"eventVersion": "2.1"}]}', "Records[0].s3 is missing"),
        (b'{"Type": "Notification", "Message": "{oops"}', "the SNS Message is not valid JSON"),
        (b'{"source": "aws.s3", "detail-type": "Object Created"}', "has no detail object"),
    ],
)
def test_malformed_bodies_are_refused_with_a_clear_reason(body, message):
    with pytest.raises(InvalidEvent, match=re.escape(message)):
        parse_event(body)


@pytest.mark.parametrize(
    "event_time",
    [
        "2026-11-25T08:15:00Z",
        "2026-11-25T08:15:00.1Z",
        "2026-11-25T08:15:00.000Z",
        "2026-11-25T08:15:00.123456789Z",
        "2026-11-25T08:15:00+0000",
        "2026-11-25T09:15:00+01:00",
    ],
)
def test_event_times_in_every_common_iso_spelling_are_read(event_time):
    body = s3_notification("a.csv")
    body["Records"][0]["eventTime"] = event_time
    [record] = parse_event(body).records
    assert record.event_time.replace(microsecond=0) == datetime(
        2026, 11, 25, 8, 15, tzinfo=timezone.utc
    )


def test_an_event_time_without_a_zone_is_refused():
    body = s3_notification("a.csv")
    body["Records"][0]["eventTime"] = "2026-11-25T08:15:00"
    with pytest.raises(InvalidEvent, match="has no time zone"):
        parse_event(body)
