"""The schema definition (the JSON an admin writes in bms-admin) as typed, immutable objects.

`SchemaDefinition` and `ColumnDefinition` are frozen dataclasses that pydantic validates: their
fields declare the format once (types, defaults, constraints, descriptions and how a refusal is
worded), and the published JSON Schema `definition.schema.json` is generated from them
(`python -m schemas.generate`). A definition is parsed once; every problem raises one
`DefinitionError` whose message names the column and the problem (see `schemas.problems`).
Built directly in code, the classes check nothing, as any dataclass: the drafter builds them so.

Spellings (after trimming surrounding whitespace) are part of the format and are shared with the
validation engine, which runs them as RE2 patterns through pyarrow (declared in `schemas.spelling`,
which the engine imports without this module and pydantic):

- integer: `-?[0-9]+` (64-bit);  number: decimal or scientific, e.g. `-1`, `2.5`, `.5`, `1e-3`;
- boolean: true/false, t/f, yes/no, y/n, 1/0, case-insensitive;
- date: `YYYY-MM-DD`;  datetime: `YYYY-MM-DD` then `T` or a space, `HH:MM`, optional `:SS`, optional
  fraction and optional zone (`Z`, `+HH`, `+HHMM`, `+HH:MM`). A datetime without a zone is taken
  as UTC. `min`/`max` of a datetime column may be a bare date, meaning midnight UTC.
"""

from __future__ import annotations

import codecs
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_type_hints

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
    with_config,
)

from schemas.problems import Problem, describe, refusal
from schemas.publish import published_json_schema
from schemas.spelling import (
    DATE_SPELLING,
    DEFAULT_ENCODING,
    DEFAULT_NULL_VALUES,
    INT64_MAX,
    INT64_MIN,
    TIME_SPELLING,
    ZONE_SPELLING,
    Bound,
)

ColumnType = Literal["string", "integer", "number", "boolean", "date", "datetime"]
COLUMN_TYPES: tuple[str, ...] = get_args(ColumnType)
NUMERIC_TYPES = frozenset({"integer", "number"})

# A delimiter may be any one character but these, which the CSV dialect reserves.
RESERVED_DELIMITERS: tuple[str, ...] = ('"', "\r", "\n")

NOT_FILE_ENCODINGS = frozenset(
    {"idna", "punycode", "unicode-escape", "raw-unicode-escape", "undefined"}
)

# History-aware monitoring (`trend`): the defaults of the rules a definition may tune.
DEFAULT_MIN_RATIO = 0.5
DEFAULT_MAX_RATIO = 2.0
DEFAULT_MAX_CHANGE_POINTS = 20.0

SCHEMA_PATH = Path(__file__).with_name("definition.schema.json")
SCHEMA_ID = "https://etl-file-monitoring/schemas/definition.schema.json"

# How `min` and `max` are written in JSON for each type that takes them; the others take none.
ANY_BOUND_JSON_SCHEMA: dict[str, Any] = {"type": ["number", "string"]}
BOUND_JSON_SCHEMAS: dict[str, dict[str, Any]] = {
    "integer": {"type": "number"},
    "number": {"type": "number"},
    "date": {"type": "string", "pattern": f"^{DATE_SPELLING}$"},
    "datetime": {
        "type": "string",
        "pattern": f"^{DATE_SPELLING}(?:[T ]{TIME_SPELLING}{ZONE_SPELLING}?)?$",
    },
}
STRING_ONLY_KEYS = ("allowed", "pattern")
# The editor's link to this schema: accepted at the top level and ignored.
SCHEMA_LINK_KEY = "$schema"
TRIMMED_NAME_JSON_PATTERN = r"^\S(.*\S)?$"
DOCUMENT_DESCRIPTION = (
    "What an agency file must contain. Stored in monitoring_file_schema_definition.definition "
    "and checked by the etl-file-monitoring validation engine. Some rules are checked only by "
    "the service: min must not exceed max, column names must be unique, a pattern must be an "
    "RE2 regex (no look-around or back-references), primary_key may only name defined "
    "columns, integer bounds must fit 64 bits, number bounds must be exact 64-bit floats, and "
    "encoding must be a text encoding (not rot13, hex, zlib, idna or the like)."
)

_DATETIME_PARTS = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:\.([0-9]+))?)?(Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?"
)


class DefinitionError(ValueError):
    """The definition is invalid; the message names the column (or key) and the problem."""


def _list_like(value: Any) -> Any:
    """Refuse what is no JSON array: pydantic alone would take a set, for one."""
    if value is None or isinstance(value, (list, tuple)):
        return value
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return list(value)
    raise refusal()


def _object(value: Any, refused: str | None = None) -> dict[Any, Any]:
    """Take any mapping as a JSON object (a copy); refuse everything else."""
    if not isinstance(value, Mapping):
        raise refusal(refused)
    return dict(value)


def _defined_column(name: str, info: ValidationInfo) -> str:
    """Refuse a primary_key part that names no column."""
    columns = info.data.get("columns")
    # Without columns (refused: their problem is told first) there is nothing to check against.
    if columns is not None and all(column.name != name for column in columns):
        raise refusal()
    return name


def _trimmed_unique(values: tuple[str, ...]) -> tuple[str, ...]:
    # Cells are compared after trimming, so a value with surrounding spaces could never match.
    return tuple(dict.fromkeys(value.strip() for value in values))


def _when_type(kinds: Sequence[str]) -> dict[str, Any]:
    """JSON Schema `if` for columns of one of `kinds` (an absent type means string)."""
    condition: dict[str, Any] = {"properties": {"type": {"enum": list(kinds)}}}
    if "string" not in kinds:
        condition["required"] = ["type"]
    return condition


def _per_type_rules(schema: dict[str, Any]) -> None:
    """Publish which keys each type takes, as the column validators enforce them."""
    unbounded = [kind for kind in COLUMN_TYPES if kind not in BOUND_JSON_SCHEMAS]
    not_strings = [kind for kind in COLUMN_TYPES if kind != "string"]
    rules = [
        {"if": _when_type([kind]), "then": {"properties": {"min": spelled, "max": spelled}}}
        for kind, spelled in BOUND_JSON_SCHEMAS.items()
    ]
    rules.append(
        {"if": _when_type(unbounded), "then": {"not": _any_key_of(("min", "max"))}},
    )
    rules.append({"if": _when_type(not_strings), "then": {"not": _any_key_of(STRING_ONLY_KEYS)}})
    schema["allOf"] = rules


def _any_key_of(keys: Sequence[str]) -> dict[str, Any]:
    return {"anyOf": [{"required": [key]} for key in keys]}


@with_config(ConfigDict(extra="forbid", title="Column", json_schema_extra=_per_type_rules))
@dataclass(frozen=True)
class ColumnDefinition:
    """One expected column: its type and the rules its values must follow."""

    name: Annotated[
        StrictStr,
        Field(
            min_length=1,
            description="Header name, compared case-sensitively after trimming the file's header.",
            json_schema_extra={"pattern": TRIMMED_NAME_JSON_PATTERN},
        ),
        Problem("{where}: name must be a non-empty string"),
    ]
    type: Annotated[
        ColumnType,
        Field(description="What every non-null value must be."),
        Problem(f"{{where}}: unknown type {{input!r}} (one of {', '.join(COLUMN_TYPES)})"),
    ] = "string"
    required: Annotated[
        StrictBool,
        Field(description="Nulls fail completeness."),
        Problem("{where}: required must be true or false, not {input!r}"),
    ] = False
    unique: Annotated[
        StrictBool,
        Field(description="Repeated non-null values fail uniqueness."),
        Problem("{where}: unique must be true or false, not {input!r}"),
    ] = False
    min: Annotated[
        Bound | None,
        Field(description="Inclusive lower bound.", json_schema_extra=ANY_BOUND_JSON_SCHEMA),
    ] = None
    max: Annotated[
        Bound | None,
        Field(description="Inclusive upper bound.", json_schema_extra=ANY_BOUND_JSON_SCHEMA),
        # The one refusal of max without its own text: both bounds are quoted as written, since
        # a datetime bound is kept as a UTC instant.
        Problem("{where}: min {given[min]!r} is greater than max {input!r}"),
    ] = None
    allowed: Annotated[
        tuple[StrictStr, ...] | None,
        Field(
            min_length=1,
            description="The only values allowed (string columns; case-sensitive, after trimming).",
        ),
        BeforeValidator(_list_like),
        Problem(
            "{where}: allowed must be a non-empty list of strings",
            item="{where}: allowed must contain only strings",
        ),
    ] = None
    pattern: Annotated[
        StrictStr | None,
        Field(
            min_length=1,
            description="RE2 regex every non-null value must match in full (string columns).",
        ),
        Problem("{where}: pattern must be a non-empty string"),
    ] = None

    @model_validator(mode="before")
    @classmethod
    def _from_object(cls, raw: Any) -> Any:
        return _object(raw)

    @field_validator("name")
    @classmethod
    def _name_is_trimmed(cls, name: str) -> str:
        if not name.strip():
            raise refusal()
        if name != name.strip():
            raise refusal("name has surrounding spaces (headers are trimmed)")
        return name

    @field_validator("min", "max", mode="plain")
    @classmethod
    def _bound_of_the_type(cls, raw: Any, info: ValidationInfo) -> Bound | None:
        kind = info.data.get("type")
        if raw is None or kind is None:
            # An absent bound; or a type already refused, whose problem is told first.
            return None
        bound = _parse_bound(raw, kind, str(info.field_name))
        low = info.data.get("min")
        if info.field_name == "max" and low is not None and low > bound:
            raise refusal()
        return bound

    @field_validator(*STRING_ONLY_KEYS, mode="before")
    @classmethod
    def _only_on_strings(cls, raw: Any, info: ValidationInfo) -> Any:
        kind = info.data.get("type")
        if raw is not None and kind is not None and kind != "string":
            raise refusal(f"{info.field_name} is only for string columns, not {kind}")
        return raw

    @field_validator("allowed")
    @classmethod
    def _allowed_trimmed(cls, allowed: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if allowed is None else _trimmed_unique(allowed)

    @field_validator("pattern")
    @classmethod
    def _pattern_runs_on_re2(cls, pattern: str | None) -> str | None:
        if pattern is None:
            return None
        try:
            re.compile(pattern)
        except re.error as error:
            raise refusal(f"pattern {pattern!r} is not a valid regex ({error})") from None
        problem = _re2_problem(pattern)
        if problem:
            raise refusal(
                f"pattern {pattern!r} uses syntax the engine cannot run (RE2: no look-around "
                f"or back-references): {problem}"
            )
        return pattern


def _trend_object(name: str) -> Any:
    """A before-validator of one `trend` object: null stands for absent, a non-object is refused."""

    def take(raw: Any) -> Any:
        return {} if raw is None else _object(raw, f"{name} must be an object")

    return take


ENABLED_DESCRIPTION = "False turns the signal off for this file."


def _enabled_problem() -> Problem:
    return Problem("{where}: enabled must be true or false, not {input!r}")


# Every signal's switch: the same field, description and refusal in each signal's settings.
SignalEnabled = Annotated[StrictBool, Field(description=ENABLED_DESCRIPTION), _enabled_problem()]


@with_config(ConfigDict(extra="forbid", title="Signal switch"))
@dataclass(frozen=True)
class SignalSwitch:
    """A trend signal with nothing to tune but whether it runs."""

    enabled: SignalEnabled = True


@with_config(ConfigDict(extra="forbid", title="Row-count trend"))
@dataclass(frozen=True)
class RowCountTrend:
    """The band a file's row count keeps around the median of its recent passing runs."""

    enabled: SignalEnabled = True
    min_ratio: Annotated[
        float,
        Field(
            gt=0,
            strict=True,
            description="Fewer rows than this times the baseline median is an anomaly.",
        ),
        Problem("{where}: min_ratio must be a number above 0, not {input!r}"),
    ] = DEFAULT_MIN_RATIO
    max_ratio: Annotated[
        float,
        Field(
            gt=0,
            strict=True,
            description="More rows than this times the baseline median is an anomaly.",
        ),
        Problem("{where}: max_ratio must be a number above 0, not {input!r}"),
    ] = DEFAULT_MAX_RATIO

    @field_validator("max_ratio")
    @classmethod
    def _band_is_not_empty(cls, high: float, info: ValidationInfo) -> float:
        low = info.data.get("min_ratio")
        if low is not None and low >= high:
            raise refusal(f"min_ratio {low:g} must be below max_ratio {high:g}")
        return high


@with_config(ConfigDict(extra="forbid", title="Null-rate trend"))
@dataclass(frozen=True)
class NullRateTrend:
    """How far a column's share of nulls may move from the median of its recent passing runs."""

    enabled: SignalEnabled = True
    max_change_points: Annotated[
        float,
        Field(
            gt=0,
            le=100,
            strict=True,
            description="A column whose null percentage moves by more than this many points "
            "from its baseline median is an anomaly.",
        ),
        Problem(
            "{where}: max_change_points must be a number above 0 and at most 100, not {input!r}"
        ),
    ] = DEFAULT_MAX_CHANGE_POINTS


@with_config(ConfigDict(extra="forbid", title="Arrival trend"))
@dataclass(frozen=True)
class ArrivalTrend:
    """How late or early in its period a file may arrive against its usual time."""

    enabled: SignalEnabled = True
    tolerance_minutes: Annotated[
        float | None,
        Field(
            gt=0,
            strict=True,
            description="Minutes late or early tolerated around the baseline median (widened "
            "to 3 scaled MADs when arrivals vary more); the default depends on the range: "
            "hourly 15, daily 120, weekly 720, monthly 1440.",
        ),
        Problem("{where}: tolerance_minutes must be a number above 0, not {input!r}"),
    ] = None


@with_config(ConfigDict(extra="forbid", title="Trend"))
@dataclass(frozen=True)
class TrendSettings:
    """History-aware monitoring of one file: how each signal compares a run with its history.

    Nothing here changes the score; an anomaly is reported beside it (and alerted on Slack).
    """

    row_count: Annotated[RowCountTrend, BeforeValidator(_trend_object("row_count"))] = (
        RowCountTrend()
    )
    columns: Annotated[SignalSwitch, BeforeValidator(_trend_object("columns"))] = SignalSwitch()
    null_rate: Annotated[NullRateTrend, BeforeValidator(_trend_object("null_rate"))] = (
        NullRateTrend()
    )
    arrival: Annotated[ArrivalTrend, BeforeValidator(_trend_object("arrival"))] = ArrivalTrend()
    same_content: Annotated[SignalSwitch, BeforeValidator(_trend_object("same_content"))] = (
        SignalSwitch()
    )


TREND_CLASSES = (TrendSettings, RowCountTrend, NullRateTrend, ArrivalTrend, SignalSwitch)


def _published_document(schema: dict[str, Any]) -> None:
    """What the published schema says of the whole document beyond the fields."""
    schema["description"] = DOCUMENT_DESCRIPTION
    link = {"type": "string", "description": "Optional link to this schema, for editors."}
    schema["properties"] = {SCHEMA_LINK_KEY: link, **schema["properties"]}


@with_config(
    ConfigDict(
        extra="forbid",
        title="Monitoring file schema definition",
        json_schema_extra=_published_document,
    )
)
@dataclass(frozen=True)
class SchemaDefinition:
    """A parsed definition: columns in order plus the reading options of the file."""

    columns: Annotated[
        tuple[ColumnDefinition, ...],
        Field(min_length=1),
        BeforeValidator(_list_like),
        Problem(
            "{where}: columns must be a non-empty list of column objects",
            item="{where}: must be an object",
        ),
    ]
    strict: Annotated[
        StrictBool,
        Field(
            description="When true, a file column that is not defined here fails schema validation."
        ),
        Problem("{where}: strict must be true or false, not {input!r}"),
    ] = False
    delimiter: Annotated[
        StrictStr | None,
        Field(
            min_length=1,
            max_length=1,
            description="Field delimiter of text files; sniffed among , ; tab | when absent.",
            json_schema_extra={"not": {"enum": list(RESERVED_DELIMITERS)}},
        ),
        Problem(
            "{where}: delimiter must be one character other than a quote or newline, not {input!r}"
        ),
    ] = None
    encoding: Annotated[
        StrictStr,
        Field(
            min_length=1,
            description="Text encoding (a Python codec name such as utf-8 or latin-1); "
            "a UTF-8 BOM is tolerated.",
        ),
        Problem("{where}: encoding must be a codec name, not {input!r}"),
    ] = DEFAULT_ENCODING
    sheet: Annotated[
        StrictStr | None,
        Field(
            min_length=1,
            description="Worksheet of an Excel file; the first sheet when absent. "
            "A missing sheet fails format parsing.",
        ),
        Problem("{where}: sheet must be a non-empty string, not {input!r}"),
    ] = None
    null_values: Annotated[
        tuple[StrictStr, ...],
        Field(
            description="Cell values (after trimming) that mean null; replaces the default "
            "list. Blank cells are always null."
        ),
        BeforeValidator(_list_like),
        Problem(
            "{where}: null_values must be a list of strings",
            item="{where}: null_values must contain only strings",
        ),
    ] = DEFAULT_NULL_VALUES
    primary_key: Annotated[
        tuple[Annotated[StrictStr, Field(min_length=1), AfterValidator(_defined_column)], ...],
        Field(
            min_length=1,
            description="Columns whose combination must be unique; rows with a null key part "
            "are left to completeness.",
            json_schema_extra={"uniqueItems": True},
        ),
        BeforeValidator(_list_like),
        Problem(
            "{where}: primary_key must be a non-empty list of column names",
            item="column {input!r}: in primary_key but not defined in columns",
        ),
    ] = ()
    trend: Annotated[
        TrendSettings,
        Field(
            description="History-aware monitoring: how this file's runs are compared with its "
            "recent passing runs (row count, columns, null rates, arrival time, same content). "
            "Never changes the score."
        ),
        BeforeValidator(_trend_object("trend")),
    ] = TrendSettings()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> ColumnDefinition | None:
        """Return the column called `name`, or None."""
        return next((column for column in self.columns if column.name == name), None)

    @model_validator(mode="before")
    @classmethod
    def _from_object(cls, raw: Any) -> Any:
        given = _object(raw, "must be a JSON object")
        given.pop(SCHEMA_LINK_KEY, None)
        return given

    @field_validator("columns")
    @classmethod
    def _names_are_unique(
        cls, columns: tuple[ColumnDefinition, ...]
    ) -> tuple[ColumnDefinition, ...]:
        seen: set[str] = set()
        for column in columns:
            if column.name in seen:
                raise refusal("defined twice", where=f"column {column.name!r}")
            seen.add(column.name)
        return columns

    @field_validator("delimiter")
    @classmethod
    def _delimiter_is_not_reserved(cls, delimiter: str | None) -> str | None:
        if delimiter in RESERVED_DELIMITERS:
            raise refusal()
        return delimiter

    @field_validator("encoding")
    @classmethod
    def _encoding_is_known(cls, encoding: str) -> str:
        try:
            codec = codecs.lookup(encoding)
        except (LookupError, ValueError):  # ValueError: a name with a NUL character
            raise refusal(f"unknown encoding {encoding!r}") from None
        # rot13, hex, zlib and the like transform bytes, and idna or unicode_escape are text
        # codecs of another purpose: none of them decodes a file's text.
        if not getattr(codec, "_is_text_encoding", True) or codec.name in NOT_FILE_ENCODINGS:
            raise refusal(f"{encoding!r} is not a text encoding a file can be written in")
        return encoding

    @field_validator("null_values", "primary_key", mode="wrap")
    @classmethod
    def _null_is_the_default(
        cls, raw: Any, validate: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        if raw is None:
            return cls.__dataclass_fields__[info.field_name or ""].default
        return validate(raw)

    @field_validator("null_values")
    @classmethod
    def _null_values_trimmed(cls, null_values: tuple[str, ...]) -> tuple[str, ...]:
        return _trimmed_unique(null_values)

    @field_validator("primary_key")
    @classmethod
    def _primary_key_names_differ(cls, primary_key: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(primary_key)) != len(primary_key):
            raise refusal("primary_key names a column twice")
        return primary_key


def parse_definition(raw: Mapping[str, Any]) -> SchemaDefinition:
    """Validate `raw` and return the typed definition; raise DefinitionError on a problem."""
    try:
        return _definition_adapter().validate_python(raw)
    except ValidationError as error:
        raise DefinitionError(describe(error, raw, _field_problems())) from None


def parse_iso_datetime(text: str) -> datetime | None:
    """Return the UTC instant `text` spells (a bare date means midnight), or None."""
    match = _DATETIME_PARTS.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        micros = int((fraction or "0")[:6].ljust(6, "0"))
        value = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            micros,
            tzinfo=_zone(zone),
        )
    except ValueError:
        return None
    return value.astimezone(timezone.utc)


@cache
def definition_json_schema() -> dict[str, Any]:
    """Return the published JSON Schema (draft 2020-12) of the definition format."""
    return published_json_schema(
        _definition_adapter(),
        schema_id=SCHEMA_ID,
        names={
            "ColumnDefinition": "column",
            "TrendSettings": "trend",
            "RowCountTrend": "trend_row_count",
            "NullRateTrend": "trend_null_rate",
            "ArrivalTrend": "trend_arrival",
            "SignalSwitch": "trend_switch",
        },
    )


@cache
def _definition_adapter() -> TypeAdapter[SchemaDefinition]:
    return TypeAdapter(SchemaDefinition)


@cache
def _field_problems() -> dict[str, Problem]:
    """Each field's `Problem`, by field name.

    The classes share no field name that has a `Problem`, except `enabled`, worded alike in
    every trend class (the trend's `columns` has none: its refusal carries its own text).
    """
    problems: dict[str, Problem] = {}
    for cls in (SchemaDefinition, ColumnDefinition, *TREND_CLASSES):
        for name, hint in get_type_hints(cls, include_extras=True).items():
            for extra in getattr(hint, "__metadata__", ()):
                if isinstance(extra, Problem):
                    problems[name] = extra
    return problems


def _zone(zone: str | None) -> timezone:
    if zone in (None, "Z"):
        return timezone.utc
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
    if offset >= timedelta(hours=24):
        raise ValueError("zone offset out of range")
    return timezone(-offset if zone[0] == "-" else offset)


def _parse_bound(raw: Any, kind: str, key: str) -> Bound:
    if kind not in BOUND_JSON_SCHEMAS:
        raise refusal(f"{key} is not allowed on a {kind} column")
    if kind in NUMERIC_TYPES:
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw != raw:
            raise refusal(f"{key} must be a number for a {kind} column")
        if abs(raw) == float("inf"):
            raise refusal(f"{key} must be finite")
        _comparable_exactly(raw, kind, key)
        return raw
    if kind == "date":
        value = _parse_date(raw)
        if value is None:
            raise refusal(f"{key} must be a date YYYY-MM-DD")
        return value
    instant = parse_iso_datetime(raw) if isinstance(raw, str) else None
    if instant is None:
        raise refusal(f"{key} must be an ISO 8601 datetime such as 2020-01-01T00:00:00")
    return instant


def _comparable_exactly(bound: int | float, kind: str, key: str) -> None:
    """Refuse a bound the column's values cannot be compared with exactly.

    Integer values are 64-bit, so a bound beyond that range would be clamped and pass values it
    should refuse; number values are 64-bit floats, so an integer bound with more precision
    than a float holds would be rounded.
    """
    if kind == "integer":
        whole = math.ceil(bound) if key == "min" else math.floor(bound)
        if not INT64_MIN <= whole <= INT64_MAX:
            raise refusal(f"{key} {_shown(bound)} is beyond the 64-bit integers the column holds")
    elif isinstance(bound, int):
        try:
            exact = float(bound) == bound
        except OverflowError:
            exact = False
        if not exact:
            raise refusal(
                f"{key} {_shown(bound)} cannot be compared exactly with the column's 64-bit floats"
            )


def _shown(number: int | float) -> str:
    text = repr(number)
    return text if len(text) <= 24 else f"{text[:12]}... ({len(text)} digits)"


def _parse_date(raw: Any) -> date | None:
    if not isinstance(raw, str) or re.fullmatch(DATE_SPELLING, raw) is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def _re2_problem(pattern: str) -> str | None:
    """Return why RE2 (the engine's regex library, through pyarrow) rejects `pattern`, or None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        pc.match_substring_regex(pa.array([""], pa.string()), f"^(?:{pattern})$")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        return str(error).splitlines()[0]
    return None
