"""The profile of a table: its columns and how many nulls each holds, kept out of the score.

History-aware monitoring (`ingestion.trend`) compares a file with its earlier runs: which columns
it had and how many of their values were null. The engine counts them on the same read as the
checks, for every header column (the first `MAX_PROFILED_COLUMNS`): a value is null when it is
missing (a short row, an empty Excel cell), blank after trimming, or one of the definition's
null values after trimming (the default null values without a definition), the rule completeness
uses. A column the checks read anyway lends its null mask; any other costs one trim and one set
lookup per chunk, vectorised. No count here ever changes a score or a deduction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.core.arrays import Int64s, Mask
from ingestion.core.limits import MAX_PROFILED_COLUMNS
from ingestion.core.readers.chunks import Chunk


class TableProfile:
    """Null counts per header column, gathered chunk after chunk.

    A name the header repeats is counted at its first position only (the report keys columns
    by name).
    """

    def __init__(self, header: tuple[str, ...], null_values: tuple[str, ...]) -> None:
        first_positions: dict[str, int] = {}
        for index, name in enumerate(header):
            first_positions.setdefault(name, index)
        self.names = tuple(first_positions)[:MAX_PROFILED_COLUMNS]
        self.capped = len(first_positions) > MAX_PROFILED_COLUMNS
        self._positions = tuple(first_positions[name] for name in self.names)
        self._null_set = pa.array(sorted({"", *null_values}), pa.string())
        self._nulls: Int64s = np.zeros(len(self.names), dtype=np.int64)

    def consume(self, chunk: Chunk, null_masks: Mapping[int, Mask]) -> None:
        """Count the chunk's nulls; `null_masks` holds the masks the checks found, by position."""
        for slot, position in enumerate(self._positions):
            known = null_masks.get(position)
            if known is not None:
                self._nulls[slot] += int(np.count_nonzero(known))
            else:
                self._nulls[slot] += null_count(chunk.columns[position], self._null_set)

    def metrics(self) -> dict[str, Any]:
        """The report's `profile`: the columns in header order and the nulls of each."""
        return {
            "columns": list(self.names),
            "null_counts": {name: int(n) for name, n in zip(self.names, self._nulls, strict=True)},
            "capped": self.capped,
        }


def null_count(raw: pa.Array, null_set: pa.Array) -> int:
    """How many values of `raw` are missing, or in `null_set` once trimmed."""
    listed: int | None = pc.sum(pc.is_in(pc.utf8_trim_whitespace(raw), value_set=null_set)).as_py()
    return int(raw.null_count) + (listed or 0)
