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

from ingestion.core.arrays import Int64s, Mask
from ingestion.core.limits import MAX_PROFILED_COLUMNS
from ingestion.core.readers.chunks import Chunk
from ingestion.core.strings import NullSpellings, trim


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
        self._nulls = NullSpellings(null_values)
        self._counts: Int64s = np.zeros(len(self.names), dtype=np.int64)

    def consume(self, chunk: Chunk, null_masks: Mapping[int, Mask]) -> None:
        """Count the chunk's nulls; `null_masks` holds the masks the checks found, by position."""
        for slot, position in enumerate(self._positions):
            known = null_masks.get(position)
            if known is not None:
                self._counts[slot] += int(np.count_nonzero(known))
            else:
                self._counts[slot] += null_count(chunk.columns[position], self._nulls)

    def metrics(self) -> dict[str, Any]:
        """The report's `profile`: the columns in header order and the nulls of each."""
        return {
            "columns": list(self.names),
            "null_counts": {name: int(n) for name, n in zip(self.names, self._counts, strict=True)},
            "capped": self.capped,
        }


def null_count(raw: pa.Array, nulls: NullSpellings) -> int:
    """How many values of `raw` are missing, or null spellings once trimmed."""
    return int(np.count_nonzero(nulls.mask(trim(raw))))
