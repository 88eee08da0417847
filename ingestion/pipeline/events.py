"""The one parser for the bodies that announce a new S3 object.

Forms understood (the HTTP endpoint and the SQS worker share this parser):
1. a direct request `{"bucket": "b", "key": "k", "force": false}` (key as stored);
2. an S3 event notification `{"Records": [...]}` (keys form-URL-encoded);
3. an SNS envelope whose `Message` is one of these as a JSON string (S3 -> SNS -> SQS);
4. an EventBridge "Object Created" event from `aws.s3`;
5. the `s3:TestEvent` S3 sends when notifications are configured (nothing to process).

Each form is a pydantic model below, and the union of them is both what `parse_event` validates
with and what the API publishes as the request body's JSON Schema: the contract is written once.
Every check words its own refusal in one line naming the field; `parse_event` turns the first
into `InvalidEvent`, so no pydantic error dump ever reaches a caller.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal, NoReturn, Union
from urllib.parse import unquote_plus

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ingestion.errors import InvalidEvent

EventKind = Literal["direct", "s3", "sns", "eventbridge", "test"]
_PREVIEW_CHARS = 200
# S3 refuses longer keys, so a longer one names no object.
MAX_KEY_BYTES = 1024
_FRACTION = re.compile(r"\.(\d+)")
_COMPACT_ZONE = re.compile(r"([+-]\d{2})(\d{2})$")
# The two kinds of refusal a check raises: a problem worded after the field's location
# ("Records[0].s3 is missing"), or a whole sentence ("the body must be a JSON object").
_FIELD_PROBLEM = "event_field"
_BODY_PROBLEM = "event_body"
_NOT_UNDERSTOOD = (
    "the body is not an event this service understands: expected {bucket, key}, an S3 "
    "notification with Records, an SNS envelope, or an EventBridge Object Created event"
)


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
    try:
        form = _EVENT_BODY.validate_python(document)
    except ValidationError as error:
        raise _refusal(error) from None
    return form.parsed()


def event_body_json_schema(ref_template: str = "#/$defs/{model}") -> dict[str, Any]:
    """Return the JSON Schema of the bodies parse_event accepts: one of the forms in `$defs`."""
    from pydantic.json_schema import GenerateJsonSchema

    class WithoutFieldTitles(GenerateJsonSchema):
        # A field's title would only repeat its name ("Eventversion"); forms keep theirs.
        def field_title_should_be_set(self, schema: Any) -> bool:
            return False

    return _EVENT_BODY.json_schema(ref_template=ref_template, schema_generator=WithoutFieldTitles)


def object_name_problem(bucket: str, key: str) -> str | None:
    """Why no S3 object can have this bucket and key, or None.

    Text from an event reaches PostgreSQL, logs, Slack and S3: a NUL byte (which PostgreSQL text
    cannot hold), a lone surrogate (which is no UTF-8) or a key longer than S3's 1,024 bytes
    names nothing this service could read or record.
    """
    for what, text in (("bucket", bucket), ("key", key)):
        if "\x00" in text:
            return f"the {what} contains a NUL character"
        try:
            size = len(text.encode("utf-8"))
        except UnicodeEncodeError:
            return f"the {what} is not valid Unicode (it holds a lone surrogate)"
        if what == "key" and size > MAX_KEY_BYTES:
            return f"the key is {size:,} bytes long, over S3's {MAX_KEY_BYTES:,}"
    return None


def body_preview(body: bytes | str) -> str:
    """Return the start of a body for a log line about a message that could not be parsed."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    return text[:_PREVIEW_CHARS]


def _load_json(raw: bytes | str, *, what: str = "the body") -> Any:
    # Some emitters (and editors) write a UTF-8 byte-order mark before the JSON.
    if isinstance(raw, bytes):
        raw = raw.removeprefix(codecs.BOM_UTF8)
    elif isinstance(raw, str):
        raw = raw.removeprefix("\ufeff")
    try:
        return json.loads(raw)
    except RecursionError:
        raise InvalidEvent(f"{what} is nested too deeply to be an event") from None
    except (ValueError, TypeError) as exc:
        raise InvalidEvent(f"{what} is not valid JSON: {exc}") from None


# Refusals -------------------------------------------------------------------------------------


def _field_problem(problem: str) -> PydanticCustomError:
    return PydanticCustomError(_FIELD_PROBLEM, problem)


def _body_problem(message: str) -> PydanticCustomError:
    return PydanticCustomError(_BODY_PROBLEM, message)


def _refusal(error: ValidationError) -> InvalidEvent:
    """Word the first problem found, as the checks are ordered, in one line."""
    first = error.errors(include_url=False, include_context=False, include_input=False)[0]
    if first["type"] == _BODY_PROBLEM:
        return InvalidEvent(first["msg"])
    # The location starts with the form's tag, which the body itself does not spell.
    where = _where(first["loc"][1:])
    if first["type"] == _FIELD_PROBLEM:
        return InvalidEvent(f"{where} {first['msg']}")
    # A check of pydantic's own (the models leave none to it today): still one line.
    return InvalidEvent(f"{where} is not valid: {first['msg']}")


def _where(loc: tuple[int | str, ...]) -> str:
    """Spell a location as the body nests it: `Records[0].s3.bucket.name`."""
    spelled: list[str] = []
    for part in loc:
        if isinstance(part, int):
            spelled.append(f"[{part}]")
        else:
            spelled.append(f".{part}" if spelled else part)
    return "".join(spelled)


# Field types: each check reads a value as the parser always has and words its own refusal ------


def _required_text(value: Any) -> str:
    # The one check of the text fields that name an object.
    if not isinstance(value, str) or not value.strip():
        raise _field_problem("is missing or empty")
    return value


def _form_encoded_key(value: Any) -> str:
    # S3 form-URL-encodes keys: '+' is a space, '%2B' a plus. Decode exactly once.
    return unquote_plus(_required_text(value))


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _field_problem("must be true or false")
    return value


def _event_version(value: Any) -> str:
    version = str(value)
    if not version.startswith("2."):
        raise _field_problem(f"{version!r} is not supported (expected 2.x)")
    return version


def _event_time(raw: Any) -> datetime | None:
    if raw in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(_normalise_iso(str(raw)))
    except ValueError:
        raise _field_problem(f"{raw!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise _field_problem(f"{raw!r} has no time zone")
    return moment


def _normalise_iso(text: str) -> str:
    """Rewrite ISO 8601 spellings Python 3.10's fromisoformat refuses into ones it reads.

    It takes only 3 or 6 fraction digits and `+HH:MM` zones; emitters also send `Z`, 1 to 9
    fraction digits and `+HHMM`.
    """
    text = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
    return _COMPACT_ZONE.sub(r"\1:\2", text)


def _non_empty_list(value: Any) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise _field_problem("must be a non-empty list")
    return value


def _sns_message(raw: Any) -> Any:
    try:
        return _load_json(raw, what="the SNS Message")
    except InvalidEvent as exc:
        raise _body_problem(exc.message) from None


_NON_BLANK = {"type": "string", "pattern": r"\S"}
ObjectName = Annotated[str, BeforeValidator(_required_text), WithJsonSchema(_NON_BLANK)]
FormEncodedKey = Annotated[str, BeforeValidator(_form_encoded_key), WithJsonSchema(_NON_BLANK)]
# Informational text: read as a string whatever JSON type it comes as, never refused.
LooseText = Annotated[str, BeforeValidator(str)]
Flag = Annotated[bool, BeforeValidator(_flag)]
EventVersion = Annotated[
    str, BeforeValidator(_event_version), WithJsonSchema({"type": "string", "pattern": r"^2\."})
]
EventTime = Annotated[
    datetime | None,
    BeforeValidator(_event_time),
    WithJsonSchema({"type": ["string", "null"], "format": "date-time"}),
]
SnsMessage = Annotated[
    Any,
    BeforeValidator(_sns_message),
    WithJsonSchema({"type": "string", "contentMediaType": "application/json"}),
]


# The parts of a body --------------------------------------------------------------------------


class _Part(BaseModel):
    """An object inside a body, read as the parser always has read it (with dict.get).

    A required field that is absent reaches its own check as null, so the refusal is worded by
    that check whether the field is absent or wrong; unknown fields are ignored.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")
    _required_keys: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls._required_keys = tuple(
            field.alias or name for name, field in cls.model_fields.items() if field.is_required()
        )

    @classmethod
    def _not_an_object(cls) -> dict[str, Any]:
        """Return what to read instead of a value that is not a JSON object, or refuse it."""
        raise _field_problem("must be an object")

    @model_validator(mode="before")
    @classmethod
    def _read_as_with_dict_get(cls, data: Any) -> Any:
        # dict first: it is what JSON gives, and the Mapping ABC check is slow per record.
        if not isinstance(data, (dict, Mapping)):
            data = cls._not_an_object()
        for key in cls._required_keys:
            if key not in data:
                return {**dict.fromkeys(cls._required_keys), **data}
        return data


class _Container(_Part):
    @classmethod
    def _not_an_object(cls) -> dict[str, Any]:
        # Anything else in its place means its field is missing: the refusal names that field.
        return {}


class BucketRef(_Container):
    """The bucket an object is in."""

    name: ObjectName


class ObjectRef(_Container):
    """The object, its key as given."""

    key: ObjectName


class S3ObjectRef(_Container):
    """The object, its key as S3 notifications spell it."""

    key: FormEncodedKey = Field(description="Form-URL-encoded as S3 sends it: '+' is a space.")


class S3Entity(_Part):
    """The `s3` part of a record: which bucket and object."""

    bucket: BucketRef
    object: S3ObjectRef

    @classmethod
    def _not_an_object(cls) -> NoReturn:
        raise _field_problem("is missing")


class S3Record(_Part):
    """One record of an S3 event notification."""

    model_config = ConfigDict(title="S3 event record")

    # Fields are checked in this order, so the first refusal is that of the first bad field.
    event_version: EventVersion = Field("2.1", alias="eventVersion")
    event_name: LooseText = Field(
        "",
        alias="eventName",
        description="ObjectCreated:* (or MinIO's s3:ObjectCreated:*) is processed; any other "
        "event is answered as ignored.",
    )
    s3: S3Entity
    event_time: EventTime = Field(None, alias="eventTime")

    def object_event(self) -> ObjectEvent:
        return ObjectEvent(
            bucket=self.s3.bucket.name,
            key=self.s3.object.key,
            created=_is_object_created(self.event_name),
            event_name=self.event_name,
            event_time=self.event_time,
        )


class EventBridgeDetail(_Part):
    """The `detail` of an EventBridge S3 event: which bucket and object."""

    bucket: BucketRef
    object: ObjectRef

    @classmethod
    def _not_an_object(cls) -> NoReturn:
        raise _body_problem("the EventBridge event has no detail object")


# The forms ------------------------------------------------------------------------------------


class _Form(_Part):
    """A whole body; `claims` tells which form a body is by the keys it has."""

    kind: ClassVar[EventKind]

    @classmethod
    def claims(cls, document: Mapping[str, Any]) -> bool:
        raise NotImplementedError

    def parsed(self) -> ParsedEvent:
        raise NotImplementedError


class SnsEnvelope(_Form):
    """An SNS notification whose Message is one of the other forms as a JSON string."""

    model_config = ConfigDict(title="SNS envelope")
    kind = "sns"

    message_type: Literal["Notification"] = Field(alias="Type")
    message: SnsMessage = Field(
        alias="Message", description="One of the other forms, as a JSON string."
    )

    @classmethod
    def claims(cls, document: Mapping[str, Any]) -> bool:
        return document.get("Type") == "Notification" and "Message" in document

    def parsed(self) -> ParsedEvent:
        inner = parse_event(self.message)
        if inner.kind == "sns":
            # S3 -> SNS -> SQS wraps once; a second envelope is no delivery S3 makes.
            raise InvalidEvent("the SNS Message is itself an SNS envelope, which is not accepted")
        return inner if inner.kind == "test" else ParsedEvent("sns", inner.records)


class S3TestEvent(_Form):
    """The test event S3 sends when notifications are configured: there is nothing to process."""

    model_config = ConfigDict(title="S3 test event")
    kind = "test"

    event: Literal["s3:TestEvent"] = Field(alias="Event")

    @classmethod
    def claims(cls, document: Mapping[str, Any]) -> bool:
        return document.get("Event") == "s3:TestEvent"

    def parsed(self) -> ParsedEvent:
        return ParsedEvent("test", ())


class S3Notification(_Form):
    """An S3 event notification; each record names one object, its key form-URL-encoded."""

    model_config = ConfigDict(title="S3 event notification")
    kind = "s3"

    records: Annotated[list[S3Record], BeforeValidator(_non_empty_list)] = Field(
        alias="Records", min_length=1
    )

    @classmethod
    def claims(cls, document: Mapping[str, Any]) -> bool:
        return "Records" in document

    def parsed(self) -> ParsedEvent:
        return ParsedEvent("s3", tuple(record.object_event() for record in self.records))


class EventBridgeEvent(_Form):
    """An EventBridge event from S3; its key may or may not be URL-encoded."""

    model_config = ConfigDict(title="EventBridge Object Created event")
    kind = "eventbridge"

    source: LooseText = Field("aws.s3", json_schema_extra={"const": "aws.s3"})
    detail_type: LooseText = Field(
        "",
        alias="detail-type",
        description="Object Created is processed; any other type is answered as ignored.",
    )
    detail: EventBridgeDetail
    time: EventTime = None

    @classmethod
    def claims(cls, document: Mapping[str, Any]) -> bool:
        return document.get("source") == "aws.s3" or "detail-type" in document

    def parsed(self) -> ParsedEvent:
        key = self.detail.object.key
        decoded = unquote_plus(key)
        usable = decoded != key and object_name_problem(self.detail.bucket.name, decoded) is None
        record = ObjectEvent(
            bucket=self.detail.bucket.name,
            key=key,
            created=self.detail_type == "Object Created",
            event_name=self.detail_type,
            event_time=self.time,
            alternate_key=decoded if usable else None,
        )
        return ParsedEvent("eventbridge", (record,))


class DirectRequest(_Form):
    """An object named by bucket and key, the key as stored (not URL-encoded)."""

    model_config = ConfigDict(title="Bucket and key")
    kind = "direct"

    bucket: ObjectName
    key: ObjectName
    force: Flag = Field(False, description="Record a new run even if this object has one.")

    @classmethod
    def claims(cls, document: Mapping[str, Any]) -> bool:
        return "bucket" in document or "key" in document

    def parsed(self) -> ParsedEvent:
        return ParsedEvent("direct", (ObjectEvent(self.bucket, self.key, force=self.force),))


# In the order they are tried: the first form that claims a body is the one it is read as.
_FORMS: tuple[type[_Form], ...] = (
    SnsEnvelope,
    S3TestEvent,
    S3Notification,
    EventBridgeEvent,
    DirectRequest,
)


def _must_be_object(document: Any) -> Any:
    if not isinstance(document, Mapping):
        raise _body_problem("the body must be a JSON object")
    return document


def _form_of(document: Mapping[str, Any]) -> str | None:
    return next((form.kind for form in _FORMS if form.claims(document)), None)


# Built from _FORMS so the tags and the order are written once; `X | Y` cannot spread a tuple.
# A union built at run time is no static type, hence `Any` for the type checker.
EventBody: Any = Annotated[
    Union[tuple(Annotated[form, Tag(form.kind)] for form in _FORMS)],  # noqa: UP007
    Discriminator(_form_of, custom_error_type=_BODY_PROBLEM, custom_error_message=_NOT_UNDERSTOOD),
    BeforeValidator(_must_be_object),
]
_EVENT_BODY: TypeAdapter[_Form] = TypeAdapter(EventBody)


def _is_object_created(event_name: str) -> bool:
    # MinIO and Ceph write "s3:ObjectCreated:Put"; AWS writes "ObjectCreated:Put".
    return event_name.removeprefix("s3:").startswith("ObjectCreated:")
