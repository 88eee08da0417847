"""How values are spelled in a file: the part of the definition format the engine runs.

The spellings of each type (after trimming surrounding whitespace), the boolean words, the default
null values, the delimiters sniffed and the default encoding, and the range of a 64-bit integer.
`schemas.definition` documents and validates the format with these; the validation engine runs
them (as RE2 patterns through pyarrow). Plain constants: importing this module loads neither
pydantic nor the rest of the format, so the engine's processes stay lean.
"""

from __future__ import annotations

from datetime import date, datetime

DEFAULT_NULL_VALUES: tuple[str, ...] = ("", "NULL", "null", "N/A", "#N/A", "NaN", "None")
SNIFFED_DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
DEFAULT_ENCODING = "utf-8"

INTEGER_SPELLING = r"-?[0-9]+"
NUMBER_SPELLING = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
DATE_SPELLING = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
TIME_SPELLING = r"[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?"
ZONE_SPELLING = r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)"
DATETIME_SPELLING = DATE_SPELLING + "[T ]" + TIME_SPELLING + ZONE_SPELLING + "?"
BOOLEAN_TRUE: frozenset[str] = frozenset({"true", "t", "yes", "y", "1"})
BOOLEAN_FALSE: frozenset[str] = frozenset({"false", "f", "no", "n", "0"})

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

# A `min` or `max` once parsed: a number for integer and number columns, a date or a datetime.
Bound = int | float | date | datetime
