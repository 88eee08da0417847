"""Typed reading of one column of a chunk: nulls, spelling, conversion — all vectorised.

Every value is trimmed first. A value is null when it was missing (short row, empty Excel cell),
is blank, or is one of the definition's null values. A non-null value is valid when it is
spelled as its column's type (see `schemas.definition`) and converts: an integer must fit in
64 bits, a number must be finite, a date must exist in the calendar. Typed values are numpy
arrays aligned with the rows (their content where `valid` is False is meaningless):
integer/boolean int64, number float64, date int64 days, datetime int64 microseconds in UTC.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.core.arrays import Int64s, Mask, Typed
from ingestion.core.strings import NullSpellings, to_numpy, trim
from schemas.spelling import (
    BOOLEAN_FALSE,
    BOOLEAN_TRUE,
    DATE_SPELLING,
    DATETIME_SPELLING,
    INT64_MAX,
    INT64_MIN,
    INTEGER_SPELLING,
    NUMBER_SPELLING,
    ZONE_SPELLING,
    Bound,
)

if TYPE_CHECKING:
    from schemas.definition import ColumnDefinition

EPOCH_DATE = date(1970, 1, 1)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MICROS = 1_000_000
# The first day of Python's calendar, in the unit of each type's typed values.
EARLIEST = {
    "date": (date.min - EPOCH_DATE).days,
    "datetime": int((datetime.min.replace(tzinfo=timezone.utc) - EPOCH).total_seconds()) * MICROS,
}
# Below this many values a failing cast is retried value by value instead of halved again.
CAST_LEAF = 32
PLACEHOLDERS = {"integer": "0", "number": "0", "date": "1970-01-01", "datetime": "1970-01-01T00:00"}
LONG_FRACTION = r"(\.[0-9]{6})[0-9]+"
SHORTEST_DATETIME = len("2020-01-01T00:00")
# Distinct bad values the fast path sets aside (one cast each) before taking the exact path.
MAX_EXCLUDED_VALUES = 3
REFUSED_VALUE = re.compile(r"Failed to parse string: '(.*)' as a scalar of type", re.DOTALL)
_KINDS = {pa.int64(): "integer", pa.float64(): "number", pa.date32(): "date"}
Parsed = tuple[Mask, Typed]
FastParser = Callable[[pa.Array, Mask, NullSpellings], Parsed | None]
Parser = Callable[[pa.Array, Mask], Parsed]
Scalar = TypeVar("Scalar", bound=np.generic)
TRUE_SET = pa.array(sorted(BOOLEAN_TRUE), pa.string())
FALSE_SET = pa.array(sorted(BOOLEAN_FALSE), pa.string())


def full_match(spelling: str) -> str:
    return f"^(?:{spelling})$"


@dataclass(frozen=True)
class ColumnValues:
    """One column of one chunk, read as its definition's type."""

    raw: pa.Array
    trimmed: pa.Array
    null: Mask
    valid: Mask
    typed: Typed | None


def read_column(raw: pa.Array, column: ColumnDefinition, nulls: NullSpellings) -> ColumnValues:
    """Find the nulls and convert `raw` to the column's type."""
    if column.type in FAST_PARSERS:
        fast = _read_fast(raw, column.type, nulls)
        if fast is not None:
            return _within_calendar(column.type, fast)
    trimmed = trim(raw)
    # Trimming keeps missing values missing: the trimmed column's nulls are the raw column's.
    null = nulls.mask(trimmed)
    present = ~null
    if column.type == "string":
        return ColumnValues(raw, trimmed, null, present, None)
    valid, typed = PARSERS[column.type](trimmed, present)
    return _within_calendar(column.type, ColumnValues(raw, trimmed, null, valid & present, typed))


def _within_calendar(kind: str, values: ColumnValues) -> ColumnValues:
    """Refuse dates before 0001-01-01: pyarrow reads year 0, Python (and so every bound) cannot."""
    earliest = EARLIEST.get(kind)
    if earliest is None or values.typed is None:
        return values
    return replace(values, valid=values.valid & (values.typed >= earliest))


def _read_fast(raw: pa.Array, kind: str, nulls: NullSpellings) -> ColumnValues | None:
    """Read a typed column without trimming: it works when every value converts as it stands.

    pyarrow refuses surrounding whitespace, so any padded value sends the column to the exact
    path; a value refused for another reason is invalid however it is trimmed.
    """
    null = nulls.mask(raw)
    present = ~null
    parsed = FAST_PARSERS[kind](raw, present, nulls)
    if parsed is None:
        return None
    valid, typed = parsed
    return ColumnValues(raw, raw, null, valid & present, typed)


def bound_key(column: ColumnDefinition, bound: Bound, side: str) -> int | float:
    """Express a min/max bound in the unit of the column's typed values."""
    # The definition gives date columns date bounds and datetime columns datetime bounds (a
    # datetime is also a date, so it is asked first); integer and number columns take numbers.
    if isinstance(bound, datetime):
        delta = bound - EPOCH
        return (delta.days * 86_400 + delta.seconds) * MICROS + delta.microseconds
    if isinstance(bound, date):
        return (bound - EPOCH_DATE).days
    if column.type == "integer":
        rounded = math.ceil(bound) if side == "min" else math.floor(bound)
        return min(max(int(rounded), INT64_MIN), INT64_MAX)
    return float(bound)


def _spelled(trimmed: pa.Array, present: Mask, spelling: str) -> Mask:
    return to_numpy(pc.match_substring_regex(trimmed, full_match(spelling))) & present


def _cast_excluding(
    raw: pa.Array,
    present: Mask,
    target: pa.DataType,
    nulls: NullSpellings,
    exclude: bool = True,
) -> tuple[pa.Array, pa.Array, Mask] | None:
    """Cast the non-null values in one go, setting aside a few values pyarrow names as bad.

    Returns the values cast, the result and which of them were set aside (invalid); None when
    that does not work out (too many distinct bad values, or a bad value that trimming might
    save), which leaves the column to the exact path.
    """
    values = raw if present.all() else raw.filter(pa.array(present))
    excluded = np.zeros(len(values), dtype=bool)
    for _ in range(MAX_EXCLUDED_VALUES + 1):
        try:
            return values, pc.cast(values, target), excluded
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
            bad = _refused(error) if exclude else None
            if bad is None or bad != bad.strip() or bad.strip() in nulls.spellings:
                return None
            same = to_numpy(pc.equal(values, bad))
            if not same.any():
                return None
            excluded |= same
            values = pc.if_else(pa.array(same), PLACEHOLDERS[_KINDS[target]], values)
    return None


def _refused(error: BaseException) -> str | None:
    found = REFUSED_VALUE.match(str(error))
    return found.group(1) if found else None


def _scatter(present: Mask, converted: pa.Array, dtype: type[Scalar]) -> npt.NDArray[Scalar]:
    typed = np.zeros(len(present), dtype=dtype)
    typed[present] = converted.to_numpy(zero_copy_only=False)
    return typed


def _valid(present: Mask, excluded: Mask) -> Mask:
    valid = present.copy()
    valid[present] = ~excluded
    return valid


def _fast_integer(raw: pa.Array, present: Mask, nulls: NullSpellings) -> Parsed | None:
    cast = _cast_excluding(raw, present, pa.int64(), nulls)
    # pyarrow also reads hexadecimal (0x1F); every other value it takes is -?[0-9]+.
    if cast is None or _any_hexadecimal(cast[0]):
        return None
    _, converted, excluded = cast
    return _valid(present, excluded), _scatter(present, converted, np.int64)


def _fast_number(raw: pa.Array, present: Mask, nulls: NullSpellings) -> Parsed | None:
    cast = _cast_excluding(raw, present, pa.float64(), nulls)
    if cast is None:
        return None
    _, converted, excluded = cast
    # pyarrow also reads inf and nan, which are no numbers here, like an overflow (1e999).
    typed = _scatter(present, converted, np.float64)
    return _valid(present, excluded) & np.isfinite(typed), typed


def _fast_date(raw: pa.Array, present: Mask, nulls: NullSpellings) -> Parsed | None:
    # pyarrow reads exactly YYYY-MM-DD into a date32, refusing impossible dates.
    cast = _cast_excluding(raw, present, pa.date32(), nulls)
    if cast is None:
        return None
    _, converted, excluded = cast
    return _valid(present, excluded), _scatter(present, converted.cast(pa.int32()), np.int64)


def _fast_datetime(raw: pa.Array, present: Mask, nulls: NullSpellings) -> Parsed | None:
    # A zone or a long fraction also makes pyarrow refuse a valid value: no setting aside here.
    cast = _cast_excluding(raw, present, pa.timestamp("us"), nulls, exclude=False)
    # pyarrow also reads a bare date or an hour without minutes; both are shorter than
    # YYYY-MM-DDTHH:MM, the shortest spelling of a datetime.
    if cast is None or _shortest(cast[0]) < SHORTEST_DATETIME:
        return None
    return present, _scatter(present, cast[1].cast(pa.int64()), np.int64)


def _fast_boolean(raw: pa.Array, present: Mask, nulls: NullSpellings) -> Parsed | None:
    valid, typed = _parse_boolean(raw, present)
    return (valid, typed) if np.array_equal(valid, present) else None


def _parse_integer(trimmed: pa.Array, present: Mask) -> Parsed:
    spelled = _spelled(trimmed, present, INTEGER_SPELLING)
    values, failed = cast_located(_or_placeholder(trimmed, spelled, "integer"), pa.int64())
    return spelled & ~failed, values.to_numpy(zero_copy_only=False)


def _any_hexadecimal(values: pa.Array) -> bool:
    decimal = pc.ascii_is_decimal(values)
    if decimal.false_count == 0:
        return False
    return pc.any(pc.and_not(pc.invert(decimal), pc.starts_with(values, "-"))).as_py() is True


def _parse_number(trimmed: pa.Array, present: Mask) -> Parsed:
    spelled = _spelled(trimmed, present, NUMBER_SPELLING)
    values, failed = cast_located(_or_placeholder(trimmed, spelled, "number"), pa.float64())
    typed = values.to_numpy(zero_copy_only=False)
    return spelled & ~failed & np.isfinite(typed), typed


def _parse_boolean(trimmed: pa.Array, present: Mask) -> Parsed:
    lowered = pc.utf8_lower(trimmed)
    true = to_numpy(pc.is_in(lowered, value_set=TRUE_SET))
    false = to_numpy(pc.is_in(lowered, value_set=FALSE_SET))
    return (true | false) & present, true.astype(np.int64)


def _parse_date(trimmed: pa.Array, present: Mask) -> Parsed:
    spelled = _spelled(trimmed, present, DATE_SPELLING)
    values, failed = cast_located(_or_placeholder(trimmed, spelled, "date"), pa.date32())
    days = values.cast(pa.int32()).to_numpy(zero_copy_only=False).astype(np.int64)
    return spelled & ~failed, days


def _parse_datetime(trimmed: pa.Array, present: Mask) -> Parsed:
    spelled = _spelled(trimmed, present, DATETIME_SPELLING)
    text = pc.replace_substring_regex(
        _or_placeholder(trimmed, spelled, "datetime"), LONG_FRACTION, r"\1"
    )
    zoned = to_numpy(pc.match_substring_regex(text, ZONE_SPELLING + "$")) & spelled
    naive, naive_failed = cast_located(
        pc.if_else(pa.array(zoned), PLACEHOLDERS["datetime"], text), pa.timestamp("us")
    )
    aware, aware_failed = cast_located(
        pc.if_else(pa.array(zoned), text, PLACEHOLDERS["datetime"] + "Z"),
        pa.timestamp("us", tz="UTC"),
    )
    typed = np.where(zoned, _micros(aware), _micros(naive))
    failed = np.where(zoned, aware_failed, naive_failed)
    return spelled & ~failed, typed


def _shortest(values: pa.Array) -> int:
    if not len(values):
        return SHORTEST_DATETIME
    return int(pc.min(pc.binary_length(values)).as_py())


def _micros(values: pa.Array) -> Int64s:
    micros: Int64s = values.cast(pa.int64()).to_numpy(zero_copy_only=False)
    return micros


def _or_placeholder(trimmed: pa.Array, spelled: Mask, kind: str) -> pa.Array:
    return pc.if_else(pa.array(spelled), trimmed, PLACEHOLDERS[kind])


def cast_located(values: pa.Array, target: pa.DataType) -> tuple[pa.Array, Mask]:
    """Cast `values`; where single values fail, return a zero-filled result and a failure mask.

    pyarrow fails a whole cast on one bad value, so a failing range is halved until the bad
    values are found: cost grows with the number of bad values, not with the column.
    """
    try:
        return pc.cast(values, target), np.zeros(len(values), dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    if len(values) <= CAST_LEAF:
        return _cast_each(values, target)
    middle = len(values) // 2
    left, left_failed = cast_located(values.slice(0, middle), target)
    right, right_failed = cast_located(values.slice(middle), target)
    return pa.concat_arrays([left, right]), np.concatenate([left_failed, right_failed])


def _cast_each(values: pa.Array, target: pa.DataType) -> tuple[pa.Array, Mask]:
    parts, failed = [], np.zeros(len(values), dtype=bool)
    zero = pc.cast(pa.array([0], pa.int32() if target == pa.date32() else pa.int64()), target)
    for index in range(len(values)):
        try:
            parts.append(pc.cast(values.slice(index, 1), target))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            parts.append(zero)
            failed[index] = True
    return pa.concat_arrays(parts), failed


FAST_PARSERS: dict[str, FastParser] = {
    "integer": _fast_integer,
    "number": _fast_number,
    "boolean": _fast_boolean,
    "date": _fast_date,
    "datetime": _fast_datetime,
}
PARSERS: dict[str, Parser] = {
    "integer": _parse_integer,
    "number": _parse_number,
    "boolean": _parse_boolean,
    "date": _parse_date,
    "datetime": _parse_datetime,
}
