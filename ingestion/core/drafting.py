"""Draft a schema definition from a sample file, reading every row in chunks with bounded memory.

The sample is read by the same readers as ingestion and every value is typed by the same
function (`values.read_column`), so a draft fed back with the same file scores 100. Per column the
drafter keeps counts, the types still possible, their min/max, at most `MAX_ALLOWED` distinct
values and, for key-like columns only, 64-bit hashes of the values (8 bytes a row).

Rules (each column's explanation says which applied):

- type: the narrowest of boolean, integer, number, date, datetime that every non-null value is;
  otherwise string. Digit strings with a leading zero (`01`, also `-0` for integers) stay
  strings, as do digit runs longer than `MAX_EXACT_DIGITS` for numbers: the typed value would
  lose the text. A column of only 0 and 1 is an integer unless its name reads like a flag
  (`is_active`, `has_x`, `x_flag`); a boolean also needs a word spelling (true, yes...) or both
  sides, so a column of only `F` or only `y` stays a string. In a workbook, native datetimes
  that are all at midnight become a date once a second read confirms it.
- required: the column has values and no nulls.
- unique: no nulls, every value distinct, the type is integer or string, and the column looks
  like a key: its name ends in id/key/code/uuid/guid/ref, or it is the first column and the
  sample has at least `MIN_ROWS_FOR_KEY` rows.
- min/max: the sample's range, for integer, number, date and datetime columns.
- allowed: string columns with at most `MAX_ALLOWED` distinct values over at least
  `MIN_ROWS_FOR_ALLOWED` values; pattern `[0-9]{n}` for string columns of digits only.
- strict: true, with the detected delimiter and encoding (text) or sheet (workbooks); text that
  is not valid UTF-8 is read as cp1252, else latin-1. Unnamed columns are left out, strict off.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.core.arrays import Typed
from ingestion.core.checks.keys import SeenKeys, hash_strings
from ingestion.core.checks.values import EPOCH, EPOCH_DATE, read_column
from ingestion.core.errors import EngineUnavailable, FormatError
from ingestion.core.limits import DEFAULT_CHUNK_ROWS, DEFAULT_LIMITS, EngineLimits
from ingestion.core.readers.chunks import Chunk, TableInfo
from ingestion.core.readers.table import WORKBOOK_KINDS, open_table
from ingestion.core.strings import NullSpellings, to_numpy
from schemas.definition import ColumnDefinition, ColumnType, SchemaDefinition
from schemas.spelling import BOOLEAN_TRUE, DEFAULT_ENCODING, DEFAULT_NULL_VALUES

# Types tried on every value, narrowest first; a column none of them fits is a string.
TYPED_KINDS: tuple[ColumnType, ...] = ("boolean", "integer", "number", "date", "datetime")
BOUNDED_KINDS = frozenset({"integer", "number", "date", "datetime"})
KEY_KINDS = frozenset({"integer", "string"})
MAX_ALLOWED = 20
MIN_ROWS_FOR_ALLOWED = 50
MIN_ROWS_FOR_KEY = 50
# float64 holds 15 significant digits exactly; a longer run of digits would change as a number.
MAX_EXACT_DIGITS = 15
MAX_SHOWN_CHARS = 40
# Values of a chunk a type is first tried on: a wrong type is usually ruled out by then.
PROBE_ROWS = 1024
LEADING_ZERO = r"^[+-]?0[0-9]"
NEGATIVE_ZERO = r"^-0$"
LONG_DIGITS = rf"^[+-]?[0-9]{{{MAX_EXACT_DIGITS + 1},}}"
DIGITS = r"^[0-9]+$"
# How the workbook reader writes a native datetime at midnight when its column is no date.
NATIVE_MIDNIGHT = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T00:00:00$"
KEY_WORDS = frozenset({"id", "key", "code", "uuid", "guid", "ref"})
FLAG_PREFIXES = frozenset({"is", "has", "was", "can"})
FLAG_WORDS = frozenset({"flag", "active", "enabled", "disabled", "deleted", "valid", "yn", "bool"})
NAME_TOKENS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
# Tried in turn when text is not valid UTF-8; latin-1 decodes any byte, so it comes last.
FALLBACK_ENCODINGS = ("cp1252", "latin-1")
NULL_SET = NullSpellings(DEFAULT_NULL_VALUES)


class DraftError(ValueError):
    """The sample cannot be read as a table, or its header cannot be described by a definition."""


@dataclass(frozen=True)
class Draft:
    """A drafted definition (the project's JSON format) and why each column got its rules."""

    definition: dict[str, Any]
    explanations: dict[str, str]
    row_count: int
    format: dict[str, Any]
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "definition": self.definition,
            "explanations": dict(self.explanations),
            "row_count": self.row_count,
            "format": dict(self.format),
            "warnings": list(self.warnings),
        }


def draft_definition(
    path: str | os.PathLike[str],
    *,
    name_hint: str = "",
    sheet: str | None = None,
    sample_rows: int | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    engine_limits: EngineLimits = DEFAULT_LIMITS,
) -> Draft:
    """Read the sample at `path` (all rows, or the first `sample_rows`) and draft its definition.

    Raise DraftError when it cannot be read as a table; an unreadable path raises OSError.
    """
    if sample_rows is not None and sample_rows < 1:
        raise DraftError("sample_rows must be at least 1")
    sample = _Sample(
        Path(path), name_hint, sheet, sample_rows, max(1, int(chunk_rows)), engine_limits
    )
    sample.path.stat()
    try:
        return sample.draft()
    except FormatError as error:
        raise DraftError(error.reason) from None
    except (DraftError, MemoryError, EngineUnavailable):
        raise
    except Exception as error:  # a library tripping over hostile bytes, as in score_file
        raise DraftError(f"the file cannot be read as a table ({type(error).__name__})") from None


@dataclass
class _Column:
    """What one column's values have shown so far."""

    name: str
    index: int
    keyed: bool
    values: int = 0
    nulls: int = 0
    possible: list[ColumnType] = field(default_factory=lambda: list(TYPED_KINDS))
    ruled_out: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    low: dict[str, Any] = field(default_factory=dict)
    high: dict[str, Any] = field(default_factory=dict)
    distinct: set[str] | None = field(default_factory=set)
    seen: SeenKeys | None = None
    repeated: bool = False
    sides: set[str] = field(default_factory=set)
    digit_lengths: tuple[int, int] | None = None
    all_digits: bool = True
    native_midnight: bool = True
    dates_confirmed: bool = False

    def __post_init__(self) -> None:
        if self.keyed:
            self.seen = SeenKeys()

    def consume(self, raw: pa.Array) -> None:
        """Take one chunk of the column's raw cells."""
        read = read_column(raw, ColumnDefinition(self.name), NULL_SET)
        present = ~read.null
        count = int(np.count_nonzero(present))
        self.nulls += len(present) - count
        self.values += count
        if not count:
            return
        trimmed = read.trimmed if count == len(present) else read.trimmed.filter(pa.array(present))
        self._rule_out_traps(trimmed)
        self._check_kinds(trimmed)
        self._track_booleans(trimmed)
        self._track_digits(trimmed)
        self._track_distinct(trimmed)
        self._track_keys(trimmed)
        if "datetime" in self.possible and self.native_midnight:
            self.native_midnight = _all(pc.match_substring_regex(trimmed, NATIVE_MIDNIGHT))

    def confirm_dates(self, raw: pa.Array) -> None:
        """Second read of a workbook: the column's cells as the reader writes them for a date."""
        read = read_column(raw, ColumnDefinition(self.name, "date"), NULL_SET)
        present = ~read.null
        if not present.any() or not self.dates_confirmed:
            return
        if not read.valid[present].all():
            self.dates_confirmed = False
            return
        assert read.typed is not None  # a date column's values are typed
        _widen(self.low, self.high, "date", read.typed[present])

    def _rule_out(self, kind: ColumnType, reason: str) -> None:
        if kind in self.possible:
            self.possible.remove(kind)
            self.ruled_out[kind] = reason

    def _rule_out_traps(self, trimmed: pa.Array) -> None:
        if "integer" in self.possible or "number" in self.possible:
            zero = _first_match(trimmed, LEADING_ZERO)
            if zero is not None:
                self._note(f"{zero} has a leading zero that a number would drop")
                self._rule_out("integer", f"{zero} has a leading zero")
                self._rule_out("number", f"{zero} has a leading zero")
        if "integer" in self.possible:
            negative = _first_match(trimmed, NEGATIVE_ZERO)
            if negative is not None:
                self._rule_out("integer", f"{negative} would become 0")
        if "number" in self.possible:
            long = _first_match(trimmed, LONG_DIGITS)
            if long is not None:
                self._note(f"{long} has more digits than a number keeps exactly")
                self._rule_out("number", f"{long} has more than {MAX_EXACT_DIGITS} digits")

    def _note(self, note: str) -> None:
        if note not in self.notes:
            self.notes.append(note)

    def _check_kinds(self, trimmed: pa.Array) -> None:
        integers = None
        for kind in list(self.possible):
            if kind == "number" and integers is not None:
                # Every integer is a number: its bounds follow without reading the chunk again.
                _widen(self.low, self.high, kind, integers.astype(np.float64))
                continue
            typed = self._typed(trimmed, kind)
            if typed is not None and kind in BOUNDED_KINDS:
                _widen(self.low, self.high, kind, typed)
            if typed is not None and kind == "integer":
                integers = typed

    def _typed(self, trimmed: pa.Array, kind: ColumnType) -> Typed | None:
        """Read the values as `kind` (a head first: most types fail on it); None rules it out.

        This is the engine's own reading, on values already trimmed and without nulls.
        """
        for values in (trimmed.slice(0, PROBE_ROWS), trimmed):
            read = read_column(values, ColumnDefinition(self.name, kind), NULL_SET)
            if not read.valid.all():
                self._rule_out(kind, _shown(values[int(np.argmin(read.valid))].as_py()))
                return None
            if len(values) == len(trimmed):
                return read.typed
        return None

    def _track_booleans(self, trimmed: pa.Array) -> None:
        if "boolean" not in self.possible:
            return
        # Every value is a boolean spelling here: note its side and whether it is a word.
        for value in pc.unique(pc.utf8_lower(trimmed)).to_pylist():
            self.sides.add("true" if value in BOOLEAN_TRUE else "false")
            if len(value) > 1:
                self.sides.add("word")

    def _track_digits(self, trimmed: pa.Array) -> None:
        if not self.all_digits:
            return
        if not _all(pc.match_substring_regex(trimmed, DIGITS)):
            self.all_digits = False
            return
        lengths = pc.utf8_length(trimmed)
        shortest, longest = int(pc.min(lengths).as_py()), int(pc.max(lengths).as_py())
        if self.digit_lengths is not None:
            shortest = min(shortest, self.digit_lengths[0])
            longest = max(longest, self.digit_lengths[1])
        self.digit_lengths = (shortest, longest)

    def _track_distinct(self, trimmed: pa.Array) -> None:
        if self.distinct is None:
            return
        unique = pc.unique(trimmed)
        if len(unique) > MAX_ALLOWED:
            self.distinct = None
            return
        self.distinct.update(unique.to_pylist())
        if len(self.distinct) > MAX_ALLOWED:
            self.distinct = None

    def _track_keys(self, trimmed: pa.Array) -> None:
        if self.seen is None:
            return
        keys = np.sort(hash_strings(trimmed))
        # A repeated hash may be a collision: then `unique` is left out, which is only cautious.
        first = np.ones(len(keys), dtype=bool)
        first[1:] = keys[1:] != keys[:-1]
        if not first.all() or self.seen.contains(keys).any():
            self.repeated, self.seen = True, None
            return
        self.seen.add(keys)


class _Sample:
    """One drafting of one file: the reads, then the definition and its explanations."""

    def __init__(
        self,
        path: Path,
        name_hint: str,
        sheet: str | None,
        limit: int | None,
        chunk_rows: int,
        engine_limits: EngineLimits,
    ) -> None:
        self.path = path
        self.engine_limits = engine_limits
        self.deadline = time.monotonic() + engine_limits.max_seconds
        self.name_hint = name_hint
        self.sheet = sheet
        self.limit = limit
        self.chunk_rows = chunk_rows
        self.format: dict[str, Any] = {}
        self.columns: list[_Column] = []
        self.warnings: list[str] = []
        self.unnamed = False
        self.rows = 0

    def draft(self) -> Draft:
        self._first_read()
        if self.format.get("type") in WORKBOOK_KINDS:
            self._confirm_workbook_dates()
        elif self.sheet is not None:
            self.warnings.append(f"sheet {self.sheet!r} ignored: the file is not a workbook")
        decided = [(column, *_decide(column)) for column in self.columns]
        return Draft(
            definition={
                **self._reading_options(),
                "columns": [_column_rules(column, kind, self.rows) for column, kind, _ in decided],
            },
            explanations={
                column.name: _explain(column, kind, why, self.rows) for column, kind, why in decided
            },
            row_count=self.rows,
            format=dict(self.format),
            warnings=tuple(self.warnings),
        )

    def _first_read(self) -> None:
        """Read with the default encoding, then the fallbacks while the text does not decode."""
        for encoding in (None, *FALLBACK_ENCODINGS):
            try:
                self._read(self._probe(encoding), self._consume, opened=self._opened)
                return
            except FormatError as error:
                if encoding == FALLBACK_ENCODINGS[-1] or not _undecodable(error):
                    raise

    def _probe(
        self, encoding: str | None, columns: tuple[ColumnDefinition, ...] = ()
    ) -> SchemaDefinition:
        """The reading options for the readers; columns only matter to workbook cells."""
        return SchemaDefinition(
            columns=columns, encoding=encoding or DEFAULT_ENCODING, sheet=self.sheet
        )

    def _opened(self, info: TableInfo) -> None:
        self.format = dict(info.format)
        self.columns = self._columns(info.header)
        self.rows = 0

    def _consume(self, chunk: Chunk) -> None:
        self.rows += len(chunk)
        for column in self.columns:
            column.consume(chunk.columns[column.index])

    def _confirm_workbook_dates(self) -> None:
        """Read a workbook again with midnight-only datetime columns typed as dates."""
        candidates = [c for c in self.columns if _decide(c)[0] == "datetime" and c.native_midnight]
        if not candidates:
            return
        for column in candidates:
            column.dates_confirmed = True

        def confirm(chunk: Chunk) -> None:
            for column in candidates:
                column.confirm_dates(chunk.columns[column.index])

        self._read(
            self._probe(None, tuple(ColumnDefinition(c.name, "date") for c in candidates)), confirm
        )

    def _read(
        self,
        probe: SchemaDefinition,
        consume: Callable[[Chunk], None],
        opened: Callable[[TableInfo], None] | None = None,
    ) -> None:
        table = open_table(
            self.path,
            probe,
            name_hint=self.name_hint,
            chunk_rows=self.chunk_rows,
            engine_limits=self.engine_limits,
        )
        try:
            if opened is not None:
                opened(table.info)
            for chunk in _limited(table.chunks(), self.limit):
                if time.monotonic() > self.deadline:
                    raise DraftError(
                        f"drafting took longer than {self.engine_limits.max_seconds:g} s "
                        "(MAX_SCORING_SECONDS)"
                    )
                consume(chunk)
        finally:
            table.close()

    def _columns(self, header: tuple[str, ...]) -> list[_Column]:
        seen: set[str] = set()
        columns: list[_Column] = []
        for index, name in enumerate(header):
            if not name:
                # A strict definition would count the unnamed column as undefined.
                self.unnamed = True
                self.warnings.append(
                    f"column {index + 1} has no name: it is left out and strict is off"
                )
                continue
            if name in seen:
                raise DraftError(
                    f"the header repeats column {name!r}; a definition names each column once"
                )
            seen.add(name)
            # Only key-like columns keep hashes of their values (8 bytes a row).
            keyed = _looks_like_key(name) or not columns
            columns.append(_Column(name, index, keyed))
        return columns

    def _reading_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"strict": not self.unnamed}
        if self.format.get("type") in WORKBOOK_KINDS:
            options["sheet"] = self.format.get("sheet")
        else:
            options["delimiter"] = self.format.get("delimiter")
            options["encoding"] = self.format.get("encoding")
        return {key: value for key, value in options.items() if value is not None}


def _decide(column: _Column) -> tuple[str, str]:
    """Return the column's type and why."""
    if not column.values:
        return "string", "no values in the sample to infer a type from"
    possible = column.possible
    if "boolean" in possible:
        if "integer" in possible and _looks_like_flag(column.name):
            return "boolean", "only 0 and 1, and the name reads like a flag"
        if "integer" not in possible and _clear_boolean(column):
            return "boolean", "every value is a boolean spelling"
    if "datetime" in possible and column.dates_confirmed:
        return "date", "every value is a workbook date at midnight"
    for kind in ("integer", "number", "date", "datetime"):
        if kind in possible:
            flag = " (only 0 and 1, but the name is no flag)" if "boolean" in possible else ""
            return kind, f"every value is {_article(kind)}{flag}"
    return "string", _why_string(column)


def _clear_boolean(column: _Column) -> bool:
    """A word spelling (true, yes...) or both sides: `F` alone may as well be a code."""
    return "word" in column.sides or {"true", "false"} <= column.sides


def _why_string(column: _Column) -> str:
    if column.notes:
        return column.notes[0]
    if "boolean" in column.possible:
        return "only one single-letter boolean spelling: too little to call it a boolean"
    # Each wider type was ruled out by some value; name them, one value for several types.
    kinds_by_reason: dict[str, list[str]] = {}
    for kind in ("number", "date", "datetime"):
        kinds_by_reason.setdefault(column.ruled_out[kind], []).append(kind)
    return "; ".join(f"{reason} is no {_or(kinds)}" for reason, kinds in kinds_by_reason.items())


def _or(kinds: list[str]) -> str:
    return kinds[0] if len(kinds) == 1 else f"{', '.join(kinds[:-1])} or {kinds[-1]}"


def _column_rules(column: _Column, kind: str, rows: int) -> dict[str, Any]:
    rules: dict[str, Any] = {"name": column.name, "type": kind}
    if column.values and not column.nulls:
        rules["required"] = True
    if _is_unique(column, kind, rows):
        rules["unique"] = True
    if kind in BOUNDED_KINDS and kind in column.low:
        low, high = _bound(kind, column.low[kind]), _bound(kind, column.high[kind])
        if low is not None and high is not None:
            rules["min"], rules["max"] = low, high
    allowed = _allowed(column, kind)
    if allowed:
        rules["allowed"] = allowed
    pattern = _digit_pattern(column, kind)
    if pattern:
        rules["pattern"] = pattern
    return rules


def _is_unique(column: _Column, kind: str, rows: int) -> bool:
    return (
        kind in KEY_KINDS
        and column.keyed
        and column.values > 0
        and not column.nulls
        and not column.repeated
        and (_looks_like_key(column.name) or rows >= MIN_ROWS_FOR_KEY)
    )


def _allowed(column: _Column, kind: str) -> list[str] | None:
    if kind != "string" or column.distinct is None or column.values < MIN_ROWS_FOR_ALLOWED:
        return None
    # The definition trims allowed values with str.strip; a value it would change is left out.
    if any(value != value.strip() for value in column.distinct):
        return None
    return sorted(column.distinct)


def _digit_pattern(column: _Column, kind: str) -> str | None:
    if kind != "string" or not column.all_digits or column.digit_lengths is None:
        return None
    shortest, longest = column.digit_lengths
    return f"[0-9]{{{shortest}}}" if shortest == longest else "[0-9]+"


def _bound(kind: str, value: Any) -> Any:
    """Write a typed min/max the way the definition format spells it; None if it cannot be."""
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
        if kind == "date":
            return (EPOCH_DATE + timedelta(days=int(value))).isoformat()
        instant = EPOCH + timedelta(microseconds=int(value))
    except (OverflowError, ValueError):
        return None
    return _datetime_text(instant)


def _datetime_text(instant: datetime) -> str:
    text = instant.replace(tzinfo=None).isoformat(sep="T", timespec="auto")
    return f"{text}Z"


def _explain(column: _Column, kind: str, why: str, rows: int) -> str:
    """One line a person reviews: the type and why, nulls, distinct values, the other rules."""
    if not column.values:
        nulls = f"all {rows} rows are null" if rows else "the sample has no data rows"
        return f"{kind}: {why}; {nulls}, so not required."
    required = "required" if not column.nulls else "not required"
    parts = [
        f"{kind}: {why}",
        f"{column.values} values and {column.nulls} nulls, so {required}",
        _explain_distinct(column, kind, rows),
    ]
    rules = _column_rules(column, kind, rows)
    if "min" in rules:
        parts.append(f"range {rules['min']} to {rules['max']} (widen it for later files)")
    if "allowed" in rules:
        parts.append(f"few distinct values, so allowed lists all {len(rules['allowed'])}")
    if "pattern" in rules:
        parts.append(f"digits only, so pattern {rules['pattern']}")
    return ". ".join([parts[0], *(part[0].upper() + part[1:] for part in parts[1:])]) + "."


def _explain_distinct(column: _Column, kind: str, rows: int) -> str:
    if _is_unique(column, kind, rows):
        reason = (
            "the name looks like a key"
            if _looks_like_key(column.name)
            else f"it is the first column over {rows} rows"
        )
        return f"all {column.values} values distinct and {reason}, so unique"
    if column.distinct is not None:
        return f"{len(column.distinct)} distinct values"
    if column.keyed and not column.repeated:
        if column.nulls:
            why = "it has nulls"
        elif kind not in KEY_KINDS:
            why = f"a {kind} is no key"
        else:
            why = f"fewer than {MIN_ROWS_FOR_KEY} rows and the name is no key"
        return f"all {column.values} values distinct, but not unique: {why}"
    repeated = ", some repeated" if column.keyed else ""
    return f"more than {MAX_ALLOWED} distinct values{repeated}"


def _limited(chunks: Iterator[Chunk], limit: int | None) -> Iterator[Chunk]:
    """Yield the chunks up to `limit` rows in all (every row when None)."""
    taken = 0
    for chunk in chunks:
        if limit is not None and taken + len(chunk) > limit:
            chunk = chunk.slice(0, limit - taken)
        if len(chunk):
            yield chunk
        taken += len(chunk)
        if limit is not None and taken >= limit:
            return


def _widen(low: dict[str, Any], high: dict[str, Any], kind: str, typed: Typed) -> None:
    if not len(typed):
        return
    smallest, largest = typed.min().item(), typed.max().item()
    low[kind] = smallest if kind not in low else min(low[kind], smallest)
    high[kind] = largest if kind not in high else max(high[kind], largest)


def _first_match(trimmed: pa.Array, pattern: str) -> str | None:
    matches = to_numpy(pc.match_substring_regex(trimmed, pattern))
    if not matches.any():
        return None
    return _shown(trimmed[int(np.argmax(matches))].as_py())


def _all(mask: pa.Array) -> bool:
    return bool(to_numpy(mask).all())


def _shown(value: str) -> str:
    if len(value) > MAX_SHOWN_CHARS:
        value = value[: MAX_SHOWN_CHARS - 1] + "…"
    return repr(value)


def _article(kind: str) -> str:
    return f"an {kind}" if kind == "integer" else f"a {kind}"


def _tokens(name: str) -> list[str]:
    return [token.lower() for token in NAME_TOKENS.findall(name)]


def _looks_like_key(name: str) -> bool:
    tokens = _tokens(name)
    return bool(tokens) and tokens[-1] in KEY_WORDS


def _looks_like_flag(name: str) -> bool:
    tokens = _tokens(name)
    return bool(tokens) and (tokens[0] in FLAG_PREFIXES or tokens[-1] in FLAG_WORDS)


def _undecodable(error: FormatError) -> bool:
    return error.reason.startswith("text is not valid ")
