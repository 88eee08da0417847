"""Vectorised tests on arrow string arrays, read straight from their offsets and bytes.

The checks ask two questions of every column of every chunk: which values are null spellings
and what the values are once trimmed. pyarrow answers both with a pass that hashes or copies
every value; most columns need neither. A value's byte length and its first and last bytes,
read from the array's buffers, rule most values out at a fraction of the cost, and the exact
pyarrow kernel then runs on the few values left (or on none).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.core.arrays import Bytes, Int64s, Mask

# Below this byte every code is ASCII whitespace or a control; from it on, a byte may belong to
# a non-ASCII character, which may be a space (U+00A0, U+3000...). Either way a value whose
# first or last byte is in one of these ranges may change when trimmed.
FIRST_VISIBLE, LAST_ASCII = 0x21, 0x7E
MAY_TRIM = np.ones(256, dtype=bool)
MAY_TRIM[FIRST_VISIBLE : LAST_ASCII + 1] = False
# Past this share of candidates a subset costs more than the whole column.
SUBSET_SHARE = 0.25


def string_buffers(values: pa.Array) -> tuple[Int64s, Bytes]:
    """A string array's value boundaries (len + 1 offsets into the bytes) and its bytes."""
    buffers = values.buffers()
    offset_type = np.int64 if pa.types.is_large_string(values.type) else np.int32
    offsets = np.frombuffer(buffers[1], dtype=offset_type, count=values.offset + len(values) + 1)
    starts: Int64s = offsets[values.offset :].astype(np.int64)
    data = np.frombuffer(buffers[2], np.uint8) if buffers[2] is not None else np.zeros(0, np.uint8)
    return starts, data


def trim(values: pa.Array) -> pa.Array:
    """`values` with surrounding whitespace removed; `values` itself when no value has any."""
    if not len(values):
        return values
    offsets, data = string_buffers(values)
    if not len(data):
        return values
    # An empty value reads a neighbour's byte here: at worst the column is trimmed for nothing.
    first = data[np.minimum(offsets[:-1], len(data) - 1)]
    last = data[np.maximum(offsets[1:] - 1, 0)]
    if MAY_TRIM[first].any() or MAY_TRIM[last].any():
        return pc.utf8_trim_whitespace(values)
    return values


class NullSpellings:
    """The values that read as null: missing, empty, or one of the given spellings."""

    def __init__(self, spellings: Iterable[str]) -> None:
        listed = sorted({"", *spellings})
        self.spellings = frozenset(listed)
        self.values = pa.array(listed, pa.string())
        encoded = [text.encode("utf-8") for text in listed if text]
        self._shortest = min((len(text) for text in encoded), default=0)
        self._longest = max((len(text) for text in encoded), default=0)
        self._first_bytes = np.zeros(256, dtype=bool)
        for text in encoded:
            self._first_bytes[text[0]] = True

    def mask(self, values: pa.Array) -> Mask:
        """Which of `values` are null: missing, empty or spelled as listed (exact match)."""
        if not len(values):
            return np.zeros(0, dtype=bool)
        offsets, data = string_buffers(values)
        lengths = np.diff(offsets)
        null: Mask = lengths == 0
        if self._longest:
            rows = np.flatnonzero((lengths >= self._shortest) & (lengths <= self._longest))
            if len(rows):
                rows = rows[self._first_bytes[data[offsets[rows]]]]
            if len(rows) > SUBSET_SHARE * len(values):
                null |= to_numpy(pc.is_in(values, value_set=self.values))
            elif len(rows):
                listed = pc.is_in(values.take(pa.array(rows, pa.int64())), value_set=self.values)
                null[rows] |= to_numpy(listed)
        if values.null_count:
            null |= to_numpy(values.is_null())
        return null


def to_numpy(mask: pa.Array) -> Mask:
    """Return a boolean arrow array as a writable numpy array, nulls as False."""
    if mask.null_count:
        mask = mask.fill_null(False)
    flags: Mask = np.array(mask.to_numpy(zero_copy_only=False), dtype=bool)
    return flags
