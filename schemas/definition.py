"""Parse a schema definition (the JSON an admin writes in bms-admin) into typed, immutable objects.

A definition is parsed once; every problem raises one `DefinitionError` whose message names the
column and the problem. The same format is published as JSON Schema in `definition.schema.json`.

Spellings (after trimming surrounding whitespace) are part of the format and are shared with the
validation engine, which runs them as RE2 patterns through pyarrow:

- integer: `-?[0-9]+` (64-bit);  number: decimal or scientific, e.g. `-1`, `2.5`, `.5`, `1e-3`;
- boolean: true/false, t/f, yes/no, y/n, 1/0, case-insensitive;
- date: `YYYY-MM-DD`;  datetime: `YYYY-MM-DD` then `T` or a space, `HH:MM`, optional `:SS`, optional
  fraction and optional zone (`Z`, `+HH`, `+HHMM`, `+HH:MM`). A datetime without a zone is taken
  as UTC. `min`/`max` of a datetime column may be a bare date, meaning midnight UTC.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any, Literal, NoReturn

ColumnType = Literal["string", "integer", "number", "boolean", "date", "datetime"]
COLUMN_TYPES: tuple[str, ...] = ("string", "integer", "number", "boolean", "date", "datetime")
NUMERIC_TYPES = frozenset({"integer", "number"})

DEFAULT_NULL_VALUES: tuple[str, ...] = ("", "NULL", "null", "N/A", "#N/A", "NaN", "None")
SNIFFED_DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
DEFAULT_ENCODING = "utf-8"

INTEGER_SPELLING = r"-?[0-9]+"
NUMBER_SPELLING = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
DATE_SPELLING = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
ZONE_SPELLING = r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)"
DATETIME_SPELLING = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?"
    + ZONE_SPELLING
    + "?"
)
BOOLEAN_TRUE: frozenset[str] = frozenset({"true", "t", "yes", "y", "1"})
BOOLEAN_FALSE: frozenset[str] = frozenset({"false", "f", "no", "n", "0"})

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

SCHEMA_PATH = Path(__file__).with_name("definition.schema.json")

Bound = int | float | date | datetime

_TOP_LEVEL_KEYS = frozenset(
    {"$schema", "strict", "delimiter", "encoding", "sheet", "null_values", "columns", "primary_key"}
)
_COLUMN_KEYS = frozenset({"name", "type", "required", "unique", "min", "max", "allowed", "pattern"})
_DATETIME_PARTS = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:\.([0-9]+))?)?(Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?"
)


class DefinitionError(ValueError):
    """The definition is invalid; the message names the column (or key) and the problem."""


@dataclass(frozen=True)
class ColumnDefinition:
    """One expected column: its type and the rules its values must follow."""

    name: str
    type: ColumnType = "string"
    required: bool = False
    unique: bool = False
    min: Bound | None = None
    max: Bound | None = None
    allowed: tuple[str, ...] | None = None
    pattern: str | None = None


@dataclass(frozen=True)
class SchemaDefinition:
    """A parsed definition: columns in order plus the reading options of the file."""

    columns: tuple[ColumnDefinition, ...]
    strict: bool = False
    delimiter: str | None = None
    encoding: str = DEFAULT_ENCODING
    sheet: str | None = None
    null_values: tuple[str, ...] = DEFAULT_NULL_VALUES
    primary_key: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> ColumnDefinition | None:
        """Return the column called `name`, or None."""
        return next((column for column in self.columns if column.name == name), None)


def parse_definition(raw: Mapping[str, Any]) -> SchemaDefinition:
    """Validate `raw` and return the typed definition; raise DefinitionError on a problem."""
    if not isinstance(raw, Mapping):
        raise DefinitionError("definition: must be a JSON object")
    _reject_unknown_keys(raw, _TOP_LEVEL_KEYS, "definition")
    columns = _parse_columns(raw.get("columns"))
    names = tuple(column.name for column in columns)
    return SchemaDefinition(
        columns=columns,
        strict=_flag(raw, "strict", "definition"),
        delimiter=_parse_delimiter(raw.get("delimiter")),
        encoding=_parse_encoding(raw.get("encoding", DEFAULT_ENCODING)),
        sheet=_parse_sheet(raw.get("sheet")),
        null_values=_parse_null_values(raw.get("null_values")),
        primary_key=_parse_primary_key(raw.get("primary_key"), names),
    )


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
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _zone(zone: str | None) -> timezone:
    if zone in (None, "Z"):
        return timezone.utc
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
    if offset >= timedelta(hours=24):
        raise ValueError("zone offset out of range")
    return timezone(-offset if zone[0] == "-" else offset)


def _reject_unknown_keys(raw: Mapping[str, Any], known: frozenset[str], where: str) -> None:
    unknown = sorted(str(key) for key in raw if key not in known)
    if unknown:
        raise DefinitionError(f"{where}: unknown key {unknown[0]!r}")


def _flag(raw: Mapping[str, Any], key: str, where: str) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise DefinitionError(f"{where}: {key} must be true or false, not {value!r}")
    return value


def _parse_columns(raw: Any) -> tuple[ColumnDefinition, ...]:
    if not isinstance(raw, Sequence) or isinstance(raw, (str, bytes)) or not raw:
        raise DefinitionError("definition: columns must be a non-empty list of column objects")
    columns = tuple(_parse_column(item, position) for position, item in enumerate(raw, start=1))
    seen: set[str] = set()
    for column in columns:
        if column.name in seen:
            raise DefinitionError(f"column {column.name!r}: defined twice")
        seen.add(column.name)
    return columns


def _parse_column(raw: Any, position: int) -> ColumnDefinition:
    if not isinstance(raw, Mapping):
        raise DefinitionError(f"column #{position}: must be an object")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise DefinitionError(f"column #{position}: name must be a non-empty string")
    where = f"column {name!r}"
    if name != name.strip():
        raise DefinitionError(f"{where}: name has surrounding spaces (headers are trimmed)")
    _reject_unknown_keys(raw, _COLUMN_KEYS, where)
    kind = raw.get("type", "string")
    if kind not in COLUMN_TYPES:
        raise DefinitionError(f"{where}: unknown type {kind!r} (one of {', '.join(COLUMN_TYPES)})")
    low = _parse_bound(raw.get("min"), kind, "min", where)
    high = _parse_bound(raw.get("max"), kind, "max", where)
    if low is not None and high is not None and low > high:
        raise DefinitionError(f"{where}: min {raw['min']!r} is greater than max {raw['max']!r}")
    return ColumnDefinition(
        name=name,
        type=kind,
        required=_flag(raw, "required", where),
        unique=_flag(raw, "unique", where),
        min=low,
        max=high,
        allowed=_parse_allowed(raw.get("allowed"), kind, where),
        pattern=_parse_pattern(raw.get("pattern"), kind, where),
    )


def _parse_bound(raw: Any, kind: str, key: str, where: str) -> Bound | None:
    if raw is None:
        return None
    if kind in NUMERIC_TYPES:
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw != raw:
            raise DefinitionError(f"{where}: {key} must be a number for a {kind} column")
        if abs(raw) == float("inf"):
            raise DefinitionError(f"{where}: {key} must be finite")
        return raw
    if kind == "date":
        value = _parse_date(raw)
        if value is None:
            _bad_bound(where, key, "a date YYYY-MM-DD")
        return value
    if kind == "datetime":
        value = parse_iso_datetime(raw) if isinstance(raw, str) else None
        if value is None:
            _bad_bound(where, key, "an ISO 8601 datetime such as 2020-01-01T00:00:00")
        return value
    raise DefinitionError(f"{where}: {key} is not allowed on a {kind} column")


def _parse_date(raw: Any) -> date | None:
    if not isinstance(raw, str) or re.fullmatch(DATE_SPELLING, raw) is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def _bad_bound(where: str, key: str, expected: str) -> NoReturn:
    raise DefinitionError(f"{where}: {key} must be {expected}")


def _parse_allowed(raw: Any, kind: str, where: str) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if kind != "string":
        raise DefinitionError(f"{where}: allowed is only for string columns, not {kind}")
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Sequence) or not raw:
        raise DefinitionError(f"{where}: allowed must be a non-empty list of strings")
    if not all(isinstance(value, str) for value in raw):
        raise DefinitionError(f"{where}: allowed must contain only strings")
    # Cells are compared after trimming, so a value with surrounding spaces could never match.
    return tuple(dict.fromkeys(value.strip() for value in raw))


def _parse_pattern(raw: Any, kind: str, where: str) -> str | None:
    if raw is None:
        return None
    if kind != "string":
        raise DefinitionError(f"{where}: pattern is only for string columns, not {kind}")
    if not isinstance(raw, str) or not raw:
        raise DefinitionError(f"{where}: pattern must be a non-empty string")
    try:
        re.compile(raw)
    except re.error as error:
        raise DefinitionError(f"{where}: pattern {raw!r} is not a valid regex ({error})") from None
    problem = _re2_problem(raw)
    if problem:
        raise DefinitionError(
            f"{where}: pattern {raw!r} uses syntax the engine cannot run (RE2: no look-around "
            f"or back-references): {problem}"
        )
    return raw


def _re2_problem(pattern: str) -> str | None:
    """Return why RE2 (the engine's regex library, through pyarrow) rejects `pattern`, or None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        pc.match_substring_regex(pa.array([""], pa.string()), f"^(?:{pattern})$")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        return str(error).splitlines()[0]
    return None


def _parse_delimiter(raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or len(raw) != 1 or raw in '"\r\n':
        raise DefinitionError(
            f"definition: delimiter must be one character other than a quote or newline, "
            f"not {raw!r}"
        )
    return raw


def _parse_encoding(raw: Any) -> str:
    if not isinstance(raw, str) or not raw:
        raise DefinitionError(f"definition: encoding must be a codec name, not {raw!r}")
    try:
        codecs.lookup(raw)
    except LookupError:
        raise DefinitionError(f"definition: unknown encoding {raw!r}") from None
    return raw


def _parse_sheet(raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw:
        raise DefinitionError(f"definition: sheet must be a non-empty string, not {raw!r}")
    return raw


def _parse_null_values(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return DEFAULT_NULL_VALUES
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Sequence):
        raise DefinitionError("definition: null_values must be a list of strings")
    if not all(isinstance(value, str) for value in raw):
        raise DefinitionError("definition: null_values must contain only strings")
    # Cells are compared after trimming, so a null value is kept trimmed, as `allowed` is.
    return tuple(dict.fromkeys(value.strip() for value in raw))


def _parse_primary_key(raw: Any, names: tuple[str, ...]) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Sequence) or not raw:
        raise DefinitionError("definition: primary_key must be a non-empty list of column names")
    for name in raw:
        if not isinstance(name, str) or name not in names:
            raise DefinitionError(f"column {name!r}: in primary_key but not defined in columns")
    if len(set(raw)) != len(raw):
        raise DefinitionError("definition: primary_key names a column twice")
    return tuple(raw)
