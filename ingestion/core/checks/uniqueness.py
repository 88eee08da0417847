"""uniqueness: a non-null value of a unique column, or a primary key's combination of values,
already seen on an earlier row.

A key check keeps 64-bit keys (see `checks.keys`), not values. Typed single columns have exact
keys, so a repeat is a duplicate at once; strings and multi-column keys are hashed, so a repeated
hash is only a candidate until a second pass over the file compares the real values behind it.
Only a row whose every key column holds a valid value has a key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pyarrow as pa

from ingestion.core.arrays import Int64s, Keys
from ingestion.core.checks.keys import DenseKeys, SeenKeys, combine, exact_key, hash_strings
from ingestion.core.checks.schema import Placed
from ingestion.core.checks.tally import sample_text
from ingestion.core.checks.values import ColumnValues
from ingestion.core.scoring import UNIQUENESS

if TYPE_CHECKING:
    from schemas.definition import SchemaDefinition

UNIQUE = "unique"
PRIMARY_KEY = "primary_key"
# Column types whose keys are small integers, often dense enough for a byte map.
DENSE_TYPES = frozenset({"integer", "date", "boolean"})


@dataclass
class KeyCheck:
    """Repeated non-null values of one column (`unique`) or of the primary key's combination.

    `label` names the key in the report: the column, or the key's columns joined by `+`.
    """

    category: ClassVar[str] = UNIQUENESS
    label: str
    rule: str
    parts: tuple[Placed, ...]
    seen: SeenKeys | DenseKeys = field(default_factory=SeenKeys)
    candidates: list[Keys] = field(default_factory=list)
    confirmed: dict[int, list[tuple[Any, ...]]] = field(default_factory=dict)

    @property
    def detail(self) -> str:
        return self.rule

    @property
    def exact(self) -> bool:
        """Single typed columns have exact keys; hashed keys need their values confirmed."""
        return len(self.parts) == 1 and self.parts[0][0].type != "string"

    def keys(self, read: dict[int, ColumnValues]) -> tuple[Int64s, Keys]:
        """Return the rows that have a full, valid key and their 64-bit keys."""
        eligible = np.logical_and.reduce([read[index].valid for _, index in self.parts])
        rows = np.flatnonzero(eligible)
        (_, first), *rest = self.parts
        keys = self._part_key(read[first], rows)
        for _, index in rest:
            keys = combine(keys, self._part_key(read[index], rows))
        return rows, keys

    @staticmethod
    def _part_key(values: ColumnValues, rows: Int64s) -> Keys:
        if values.typed is not None:
            return exact_key(values.typed[rows])
        return hash_strings(values.trimmed.take(pa.array(rows, pa.int64())))

    def scan(self, read: dict[int, ColumnValues]) -> Int64s:
        """Return the chunk rows whose key was seen before (for hashed keys: candidates)."""
        rows, keys = self.keys(read)
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        first = np.ones(len(ordered), dtype=bool)
        first[1:] = ordered[1:] != ordered[:-1]
        earlier = self.seen.contains(ordered)
        repeated = ~first | earlier
        self.seen.add(ordered[first & ~earlier])
        if not self.exact and repeated.any():
            self.candidates.append(np.unique(ordered[repeated]))
        return np.sort(rows[order[repeated]])

    def confirm(self, read: dict[int, ColumnValues], candidates: Keys) -> Int64s:
        """Second pass: return the rows whose real key value was seen on an earlier row."""
        rows, keys = self.keys(read)
        where = np.minimum(np.searchsorted(candidates, keys), len(candidates) - 1)
        hits = np.flatnonzero(candidates[where] == keys)
        repeated = []
        for hit in hits.tolist():
            real = tuple(self._real(read[index], int(rows[hit])) for _, index in self.parts)
            known = self.confirmed.setdefault(int(keys[hit]), [])
            if real in known:
                repeated.append(int(rows[hit]))
            else:
                known.append(real)
        return np.asarray(repeated, dtype=np.int64)

    @staticmethod
    def _real(values: ColumnValues, row: int) -> Any:
        if values.typed is not None:
            return values.typed[row].item()
        return values.trimmed[row].as_py()

    def shown(self, read: dict[int, ColumnValues], rows: Int64s) -> list[Any]:
        """Return the key at `rows` as a person sees it: a cell, or a tuple of the key's cells."""
        cells = [sample_text(read[index].raw, rows) for _, index in self.parts]
        return cells[0] if len(cells) == 1 else list(zip(*cells, strict=True))


def key_checks(definition: SchemaDefinition, present: tuple[Placed, ...]) -> list[KeyCheck]:
    """Return the checks `definition` asks for over the present columns: unique, then the key.

    A primary key is checked only when all its columns are present.
    """
    placed = {column.name: (column, index) for column, index in present}
    checks = [
        KeyCheck(
            column.name,
            UNIQUE,
            (placed[column.name],),
            DenseKeys() if column.type in DENSE_TYPES else SeenKeys(),
        )
        for column in definition.columns
        if column.unique and column.name in placed
    ]
    key = definition.primary_key
    if key and all(name in placed for name in key):
        checks.append(KeyCheck("+".join(key), PRIMARY_KEY, tuple(placed[name] for name in key)))
    return checks
