"""The one event parser: every body form, URL-encoded keys, and clear refusals."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pytest

from ingestion.errors import InvalidEvent
from ingestion.pipeline.events import ObjectEvent, ParsedEvent, parse_event
from tests.builders import eventbridge_event, s3_notification, s3_test_event, sns_envelope
from tests.processes import run_python

AT_8_15 = datetime(2026, 11, 25, 8, 15, tzinfo=timezone.utc)


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


# The whole result of each form, field by field, as the parser has always answered it.
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            {"bucket": "b", "key": "a+b/c d.csv", "force": True, "extra": [1]},
            ParsedEvent("direct", (ObjectEvent("b", "a+b/c d.csv", force=True),)),
            id="direct",
        ),
        pytest.param(
            s3_notification("acme/x y+z.csv"),
            ParsedEvent(
                "s3",
                (
                    ObjectEvent(
                        "agency-drops", "acme/x y+z.csv", True, "ObjectCreated:Put", AT_8_15
                    ),
                ),
            ),
            id="s3",
        ),
        pytest.param(
            sns_envelope(s3_notification("acme/x.csv", event_name="s3:ObjectRemoved:Delete")),
            ParsedEvent(
                "sns",
                (
                    ObjectEvent(
                        "agency-drops", "acme/x.csv", False, "s3:ObjectRemoved:Delete", AT_8_15
                    ),
                ),
            ),
            id="sns",
        ),
        pytest.param(
            eventbridge_event("acme/a%2Bb.csv"),
            ParsedEvent(
                "eventbridge",
                (
                    ObjectEvent(
                        "agency-drops",
                        "acme/a%2Bb.csv",
                        True,
                        "Object Created",
                        AT_8_15,
                        alternate_key="acme/a+b.csv",
                    ),
                ),
            ),
            id="eventbridge",
        ),
        pytest.param(s3_test_event(), ParsedEvent("test", ()), id="test"),
        pytest.param(sns_envelope(s3_test_event()), ParsedEvent("test", ()), id="sns-test"),
    ],
)
def test_each_form_parses_to_the_same_whole_result(body, expected):
    assert parse_event(body) == expected
    assert parse_event(json.dumps(body).encode()) == expected


@pytest.mark.parametrize(
    ("body", "kind", "key"),
    [
        # The first form that claims a body wins, in this order: SNS, test, S3, EventBridge, direct.
        ({"Event": "s3:TestEvent", "Records": []}, "test", None),
        ({"Type": "Notification", "bucket": "b", "key": "k"}, "direct", "k"),
        (
            {"Records": s3_notification("r.csv")["Records"], "bucket": "b", "key": "k"},
            "s3",
            "r.csv",
        ),
        # An EventBridge body is known by its detail-type alone; its source is not checked.
        (
            {
                "detail-type": "Object Created",
                "source": 5,
                "detail": {"bucket": {"name": "b"}, "object": {"key": "e.csv"}},
            },
            "eventbridge",
            "e.csv",
        ),
        # A JSON string holding the JSON of a form is read as that form.
        (
            {
                "Type": "Notification",
                "Message": json.dumps(json.dumps({"bucket": "b", "key": "k"})),
            },
            "sns",
            "k",
        ),
    ],
)
def test_a_body_is_read_as_the_first_form_that_claims_it(body, kind, key):
    parsed = parse_event(body)
    assert parsed.kind == kind
    assert [record.key for record in parsed.records] == ([key] if key else [])


def test_informational_fields_of_any_json_type_are_read_as_text():
    body = s3_notification("a.csv")
    body["Records"][0].update(eventVersion=2.1, eventName=None)
    [record] = parse_event(body).records
    assert (record.event_name, record.created) == ("None", False)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"Records": [{"s3": {}}, 7]}', "Records[0].s3.bucket.name is missing or empty"),
        (
            b'{"Records": [{"s3": {"bucket": {"name": "b"}, "object": "k"}}]}',
            "Records[0].s3.object.key is missing or empty",
        ),
        (
            b'{"Records": [{"s3": {"bucket": {"name": "b"}, "object": {"key": "k"}}}, 7]}',
            "Records[1] must be an object",
        ),
        (
            b'{"Records": [{"eventVersion": null}]}',
            "Records[0].eventVersion 'None' is not supported (expected 2.x)",
        ),
        (b'{"Records": [{"eventTime": "soon", "s3": 1}]}', "Records[0].s3 is missing"),
        (
            b'{"Records": [{"eventTime": "soon", "s3": {"bucket": {"name": "b"}, '
            b'"object": {"key": "k"}}}]}',
            "Records[0].eventTime 'soon' is not an ISO 8601 time",
        ),
        (
            b'{"source": "aws.s3", "time": "soon", "detail": []}',
            "the EventBridge event has no detail object",
        ),
        (
            b'{"detail-type": "x", "detail": {"bucket": {"name": " "}}}',
            "detail.bucket.name is missing or empty",
        ),
        (
            b'{"source": "aws.s3", "time": "2026-11-25T08:15:00", '
            b'"detail": {"bucket": {"name": "b"}, "object": {"key": "k"}}}',
            "time '2026-11-25T08:15:00' has no time zone",
        ),
        (b'{"bucket": "b", "key": "k", "force": null}', "force must be true or false"),
        (b'{"bucket": 1, "key": ""}', "bucket is missing or empty"),
        (
            b'{"Type": "Notification", "Message": 5}',
            "the SNS Message is not valid JSON: "
            "the JSON object must be str, bytes or bytearray, not int",
        ),
        (b'{"Type": "Notification", "Message": "[]"}', "the body must be a JSON object"),
        (
            b'{"Type": "Notification", "Message": "{\\"key\\": \\"k\\"}"}',
            "bucket is missing or empty",
        ),
        (b'"text"', "the body must be a JSON object"),
    ],
)
def test_the_first_problem_is_refused_in_one_line_worded_as_before(body, message):
    with pytest.raises(InvalidEvent) as refused:
        parse_event(body)
    assert refused.value.message == message


def test_a_refusal_never_carries_a_pydantic_error_dump():
    with pytest.raises(InvalidEvent) as refused:
        parse_event({"Records": [{"eventVersion": [1]}, 2, {"s3": None}]})
    assert refused.value.message == "Records[0].eventVersion '[1]' is not supported (expected 2.x)"
    assert "\n" not in str(refused.value)
    assert "pydantic" not in str(refused.value)


def test_a_thousand_record_notification_yields_every_record():
    body = s3_notification("a.csv")
    body["Records"] *= 1000
    parsed = parse_event(json.dumps(body).encode())
    assert len(parsed.records) == 1000
    assert {record.key for record in parsed.records} == {"a.csv"}


def test_the_parser_loads_neither_the_engine_nor_django_nor_ninja():
    """The worker's forward-mode sidecar imports the parser and must stay lean."""
    probe = (
        "import json, sys\n"
        "from ingestion.pipeline.events import parse_event\n"
        'parse_event(b\'{"bucket": "b", "key": "k"}\')\n'
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    loaded = set(json.loads(run_python(probe)))
    assert "pydantic" in loaded
    assert not loaded & {"django", "ninja", "pyarrow", "pandas", "numpy", "boto3", "psycopg2"}


@pytest.mark.parametrize("bom", [b"\xef\xbb\xbf", "\ufeff"])
def test_a_utf8_bom_before_the_json_is_skipped(bom):
    body = json.dumps(s3_notification("acme/a.csv"))
    parsed = parse_event(bom + (body.encode() if isinstance(bom, bytes) else body))
    assert parsed.records[0].key == "acme/a.csv"


def test_deep_nesting_is_an_invalid_event_not_a_recursion_error():
    with pytest.raises(InvalidEvent, match="nested too deeply"):
        parse_event("[" * 100_000 + "]" * 100_000)


def test_an_eventbridge_key_decoding_to_a_nul_offers_no_alternate():
    [record] = parse_event(eventbridge_event("acme/a%00b.csv")).records
    assert (record.key, record.alternate_key) == ("acme/a%00b.csv", None)
