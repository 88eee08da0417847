"""The one parser for the bodies that announce a new S3 object.

Forms understood (the HTTP endpoint and the SQS worker share this parser):
1. a direct request `{"bucket": "b", "key": "k", "force": false}` (key as stored);
2. an S3 event notification `{"Records": [...]}` (keys form-URL-encoded);
3. an SNS envelope whose `Message` is one of these as a JSON string (S3 -> SNS -> SQS);
4. an EventBridge "Object Created" event from `aws.s3`;
5. the `s3:TestEvent` S3 sends when notifications are configured (nothing to process).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import unquote_plus

from ingestion.errors import InvalidEvent

EventKind = Literal["direct", "s3", "sns", "eventbridge", "test"]
_PREVIEW_CHARS = 200
_FRACTION = re.compile(r"\.(\d+)")
_COMPACT_ZONE = re.compile(r"([+-]\d{2})(\d{2})$")


@dataclass(frozen=True)
class ObjectEvent:
    """One object named by an event, with the key as stored in S3."""

    bucket: str
    key: str
    created: bool = True
    event_name: str = ""
    event_time: datetime | None = None
    # EventBridge keys may or may not be URL-encoded: the decoded form is tried when the
    # key as given does not exist.
    alternate_key: str | None = None
    force: bool = False


@dataclass(frozen=True)
class ParsedEvent:
    kind: EventKind
    records: tuple[ObjectEvent, ...]


def parse_event(body: bytes | str | Mapping[str, Any]) -> ParsedEvent:
    """Parse a request or message body; raise InvalidEvent naming what is wrong."""
    document = _load_json(body) if isinstance(body, (bytes, str)) else body
    if not isinstance(document, Mapping):
        raise InvalidEvent("the body must be a JSON object")
    if document.get("Type") == "Notification" and "Message" in document:
        inner = parse_event(_load_json(document["Message"], what="the SNS Message"))
        return inner if inner.kind == "test" else ParsedEvent("sns", inner.records)
    if document.get("Event") == "s3:TestEvent":
        return ParsedEvent("test", ())
    if "Records" in document:
        return ParsedEvent("s3", _parse_records(document["Records"]))
    if document.get("source") == "aws.s3" or "detail-type" in document:
        return ParsedEvent("eventbridge", (_parse_eventbridge(document),))
    if "bucket" in document or "key" in document:
        return ParsedEvent("direct", (_parse_direct(document),))
    raise InvalidEvent(
        "the body is not an event this service understands: expected {bucket, key}, an S3 "
        "notification with Records, an SNS envelope, or an EventBridge Object Created event"
    )


def body_preview(body: bytes | str) -> str:
    """Return the start of a body for a log line about a message that could not be parsed."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    return text[:_PREVIEW_CHARS]


def _load_json(raw: bytes | str, *, what: str = "the body") -> Any:
    try:
        return json.loads(raw)
    except (ValueError, TypeError) as exc:
        raise InvalidEvent(f"{what} is not valid JSON: {exc}") from None


def _parse_direct(document: Mapping[str, Any]) -> ObjectEvent:
    bucket = _required_text(document, "bucket", "bucket")
    key = _required_text(document, "key", "key")
    force = document.get("force", False)
    if not isinstance(force, bool):
        raise InvalidEvent("force must be true or false")
    return ObjectEvent(bucket=bucket, key=key, force=force)


def _parse_records(records: Any) -> tuple[ObjectEvent, ...]:
    if not isinstance(records, list) or not records:
        raise InvalidEvent("Records must be a non-empty list")
    return tuple(_parse_record(record, index) for index, record in enumerate(records))


def _parse_record(record: Any, index: int) -> ObjectEvent:
    where = f"Records[{index}]"
    if not isinstance(record, Mapping):
        raise InvalidEvent(f"{where} must be an object")
    version = str(record.get("eventVersion", "2.1"))
    if not version.startswith("2."):
        raise InvalidEvent(f"{where}.eventVersion {version!r} is not supported (expected 2.x)")
    s3 = record.get("s3")
    if not isinstance(s3, Mapping):
        raise InvalidEvent(f"{where}.s3 is missing")
    bucket = _required_text(s3.get("bucket") or {}, "name", f"{where}.s3.bucket.name")
    encoded_key = _required_text(s3.get("object") or {}, "key", f"{where}.s3.object.key")
    event_name = str(record.get("eventName", ""))
    return ObjectEvent(
        bucket=bucket,
        # S3 form-URL-encodes keys: '+' is a space, '%2B' a plus. Decode exactly once.
        key=unquote_plus(encoded_key),
        created=_is_object_created(event_name),
        event_name=event_name,
        event_time=_parse_time(record.get("eventTime"), f"{where}.eventTime"),
    )


def _parse_eventbridge(document: Mapping[str, Any]) -> ObjectEvent:
    detail = document.get("detail")
    if not isinstance(detail, Mapping):
        raise InvalidEvent("the EventBridge event has no detail object")
    bucket = _required_text(detail.get("bucket") or {}, "name", "detail.bucket.name")
    key = _required_text(detail.get("object") or {}, "key", "detail.object.key")
    detail_type = str(document.get("detail-type", ""))
    decoded = unquote_plus(key)
    return ObjectEvent(
        bucket=bucket,
        key=key,
        created=detail_type == "Object Created",
        event_name=detail_type,
        event_time=_parse_time(document.get("time"), "time"),
        alternate_key=decoded if decoded != key else None,
    )


def _is_object_created(event_name: str) -> bool:
    # MinIO and Ceph write "s3:ObjectCreated:Put"; AWS writes "ObjectCreated:Put".
    return event_name.removeprefix("s3:").startswith("ObjectCreated:")


def _required_text(container: Any, field: str, where: str) -> str:
    value = container.get(field) if isinstance(container, Mapping) else None
    if not isinstance(value, str) or not value.strip():
        raise InvalidEvent(f"{where} is missing or empty")
    return value


def _parse_time(raw: Any, where: str) -> datetime | None:
    if raw in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(_normalise_iso(str(raw)))
    except ValueError:
        raise InvalidEvent(f"{where} {raw!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise InvalidEvent(f"{where} {raw!r} has no time zone")
    return moment


def _normalise_iso(text: str) -> str:
    """Rewrite ISO 8601 spellings Python 3.10's fromisoformat refuses into ones it reads.

    It takes only 3 or 6 fraction digits and `+HH:MM` zones; emitters also send `Z`, 1 to 9
    fraction digits and `+HHMM`.
    """
    text = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
    return _COMPACT_ZONE.sub(r"\1:\2", text)
