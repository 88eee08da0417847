"""Native spreadsheet cells written as text, the way the column's type spells them.

A whole float is an integer (`1.0` -> `1`), a datetime is ISO 8601 (a date column gets
`YYYY-MM-DD` for a midnight datetime), a boolean is TRUE/FALSE, a duration is Python's
`str(timedelta)` of whole milliseconds (halves away from zero, as calamine rounds them). Every
reader of workbooks writes its cells through these functions; calamine's values go through
`column_text`, which does the same a column at a time.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

MIDNIGHT = dt.time(0, 0)
MILLISECONDS_A_DAY = 86_400_000
FLOAT_INT_LIMIT = 2**63
MIDNIGHT_SUFFIX = "T00:00:00"
# Where arrow's text of a timestamp has a space and isoformat a "T".
ISO_DATE_LENGTH = len("YYYY-MM-DD")
MICROS_PER_SECOND = 1_000_000
MICROS_PER_DAY = 86_400 * MICROS_PER_SECOND
# Where arrow and `repr` both write a float's shortest digits as plain decimals.
PLAIN_FLOAT_LOW = 1e-4
PLAIN_FLOAT_HIGH = 1e10
# What Python's str.strip() removes, for a cell that is blank when stripped (RE2's \s is ASCII).
PYTHON_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
)
BLANK_TEXT = f"^[{PYTHON_WHITESPACE}]*$"

Converter = Callable[[Any], "str | None"]


def excel_duration(days: float) -> dt.timedelta:
    """A duration cell's value: its days in whole milliseconds, a half rounded away from zero.

    calamine rounds so; openpyxl rounds twice (to microseconds, then to milliseconds, halves to
    even), which disagrees on exact halves. One rule keeps both readers of a sheet alike.
    """
    scaled = days * MILLISECONDS_A_DAY
    whole = math.trunc(scaled)
    if abs(scaled - whole) >= 0.5:
        whole += 1 if scaled > 0 else -1
    return dt.timedelta(milliseconds=whole)


def number_text(value: float) -> str:
    """Write a float as a person reads it: a whole one as an integer."""
    if value.is_integer() and abs(value) < FLOAT_INT_LIMIT:
        return str(int(value))
    return repr(value)


def as_text(cell: Any) -> str | None:
    """Write a cell the way a person reads it, with whole floats as integers."""
    if cell is None or isinstance(cell, str):
        return cell
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        return number_text(cell)
    if isinstance(cell, dt.datetime):
        return cell.isoformat(sep="T")
    if isinstance(cell, (dt.date, dt.time)):
        return cell.isoformat()
    return str(cell)


def date_cell(cell: Any) -> str | None:
    """A cell of a date column: a midnight datetime is its date."""
    if isinstance(cell, dt.datetime) and cell.time() == MIDNIGHT and cell.tzinfo is None:
        return cell.date().isoformat()
    return as_text(cell)


def datetime_cell(cell: Any) -> str | None:
    """A cell of a datetime column: a date is its midnight."""
    if isinstance(cell, dt.date) and not isinstance(cell, dt.datetime):
        return dt.datetime.combine(cell, MIDNIGHT).isoformat(sep="T")
    return as_text(cell)


def converter(kind: str) -> Converter:
    """The writer of one cell for a column of type `kind`."""
    return date_cell if kind == "date" else datetime_cell if kind == "datetime" else as_text


def _midnight_text(day: dt.date) -> str:
    return day.isoformat() + MIDNIGHT_SUFFIX


def _empty_is_null(text: str) -> str | None:
    return text or None


def _bool_text(value: bool) -> str:
    return "TRUE" if value else "FALSE"


def _iso(value: dt.time | dt.datetime) -> str:
    return value.isoformat()


# calamine's values by type, as the streaming reader writes the same cells. calamine gives a
# midnight date-formatted number as a `date` where openpyxl gives a midnight `datetime`, and an
# empty cell as "" where the streaming reader has no value: both are mapped back here.
_NATIVE: dict[type, Converter] = {
    str: _empty_is_null,
    float: number_text,
    int: str,
    bool: _bool_text,
    dt.datetime: _iso,
    dt.date: _midnight_text,
    dt.time: _iso,
    dt.timedelta: str,
}
_BY_KIND: dict[str, dict[type, Converter]] = {
    "string": _NATIVE,
    "datetime": _NATIVE,
    "date": {**_NATIVE, dt.date: dt.date.isoformat, dt.datetime: date_cell},
}


def native(cell: Any) -> Any:
    """A calamine value as the streaming reader's value: "" is no value, a date is a midnight."""
    if isinstance(cell, str):
        return cell or None
    if isinstance(cell, dt.date) and not isinstance(cell, dt.datetime):
        return dt.datetime.combine(cell, MIDNIGHT)
    return cell


def column_text(values: list[Any], kind: str) -> pa.Array:
    """calamine's values of one column as strings (null for an empty cell)."""
    types = set(map(type, values))
    if types <= {str}:
        texts = pa.array(values, pa.string())
        return pc.if_else(pc.equal(texts, ""), pa.scalar(None, pa.string()), texts)
    if types <= {float, str}:
        return _numbers_text(values, str in types)
    if types <= {dt.datetime, dt.date, str}:
        return _moments_text(values, kind, str in types)
    table = _BY_KIND.get(kind, _NATIVE)
    return pa.array([table.get(type(value), as_text)(value) for value in values], pa.string())


def _numbers_text(values: list[Any], mixed: bool) -> pa.Array:
    """Floats (and text) written by arrow's casts, by `repr` where arrow would write otherwise.

    A whole float is cast to an integer. A fraction is written as arrow writes a float, which is
    Python's shortest round-trip form wherever both write plain decimals: from 1e-4 (below it
    `repr` turns to exponents) to 1e10 (from there arrow does); the rest go through `repr`.
    """
    if mixed:
        is_number = np.array([type(value) is float for value in values], dtype=bool)
        numbers = np.array(
            [value if type(value) is float else 0.0 for value in values], dtype=np.float64
        )
    else:
        is_number = np.ones(len(values), dtype=bool)
        numbers = np.array(values, dtype=np.float64)
    whole = is_number & _whole(numbers)
    integers = pa.array(np.where(whole, numbers, 0.0).astype(np.int64)).cast(pa.string())
    if whole.all():
        return integers
    texts = pc.if_else(pa.array(whole), integers, pa.array(numbers).cast(pa.string()))
    with np.errstate(invalid="ignore"):
        magnitude = np.abs(numbers)
        plain = (magnitude >= PLAIN_FLOAT_LOW) & (magnitude < PLAIN_FLOAT_HIGH)
    unlike = ~is_number | (~whole & ~plain)
    if not unlike.any():
        return texts
    written = [
        repr(float(numbers[index])) if is_number[index] else values[index] or None
        for index in np.flatnonzero(unlike).tolist()
    ]
    return pc.replace_with_mask(texts, pa.array(unlike), pa.array(written, pa.string()))


def _moments_text(values: list[Any], kind: str, mixed: bool) -> pa.Array:
    """Datetimes and dates (and text) written by arrow's casts, as `isoformat` writes them.

    A date is its midnight. Arrow writes a timestamp as `YYYY-MM-DD HH:MM:SS` and the fraction
    always; `isoformat` has a `T` and writes the fraction only when there is one. calamine's
    datetimes are naive, so no time zone is lost.
    """
    moments = pa.array(
        [value if type(value) is dt.datetime else _moment(value) for value in values],
        pa.timestamp("us"),
    )
    micros = moments.cast(pa.int64()).fill_null(0).to_numpy()
    seconds = moments.cast(pa.timestamp("s"), safe=False)
    texts = pc.utf8_replace_slice(
        seconds.cast(pa.string()), ISO_DATE_LENGTH, ISO_DATE_LENGTH + 1, "T"
    )
    fraction = micros % MICROS_PER_SECOND != 0
    if fraction.any():
        precise = pc.utf8_replace_slice(
            moments.cast(pa.string()), ISO_DATE_LENGTH, ISO_DATE_LENGTH + 1, "T"
        )
        texts = pc.if_else(pa.array(fraction), precise, texts)
    if kind == "date":
        midnight = micros % MICROS_PER_DAY == 0
        if midnight.any():
            days = moments.cast(pa.date32(), safe=False).cast(pa.string())
            texts = pc.if_else(pa.array(midnight), days, texts)
    if mixed:
        texts = _with_text(texts, moments, values)
    return texts


def _moment(value: dt.date | str) -> dt.datetime | None:
    """A date as its midnight; text (written afterwards by `_with_text`) as no moment."""
    if isinstance(value, str):
        return None
    return dt.datetime.combine(value, MIDNIGHT)


def _with_text(texts: pa.Array, moments: pa.Array, values: list[Any]) -> pa.Array:
    """`texts` with the text cells of `values` (the moments' nulls) written in, "" as null."""
    found = np.flatnonzero(moments.is_null().to_numpy(zero_copy_only=False)).tolist()
    written = [values[index] or None for index in found]
    if not any(written):
        return texts
    mask = np.zeros(len(values), dtype=bool)
    mask[found] = True
    return pc.replace_with_mask(texts, pa.array(mask), pa.array(written, pa.string()))


def _whole(numbers: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    with np.errstate(invalid="ignore"):
        finite: npt.NDArray[np.bool_] = np.isfinite(numbers)
        whole: npt.NDArray[np.bool_] = numbers == np.trunc(numbers)
        small: npt.NDArray[np.bool_] = np.abs(numbers) < FLOAT_INT_LIMIT
    return finite & whole & small


def blank_mask(texts: pa.Array) -> npt.NDArray[np.bool_]:
    """Which cells are blank: no value, or only what str.strip() removes."""
    blank = pc.fill_null(pc.match_substring_regex(texts, BLANK_TEXT), True)
    return np.asarray(blank.to_numpy(zero_copy_only=False), dtype=bool)


def is_blank(cells: tuple[Any, ...] | list[Any]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)
