"""The checks: small declared units that look at whole columns of a chunk and tally findings.

Each check has a stable rule id and a category. Checks see chunks in file order and keep only
counts, the first `sample_cap` failing rows per column, and (for uniqueness) 64-bit keys, so
their state does not grow with the file (uniqueness aside, at 8 bytes per distinct key).

- schema_validation: `check_schema` on the header alone.
- completeness (rule `required`): a required column is null.
- uniqueness (rule `unique` / `primary_key`): a non-null value seen on an earlier row.
- bounds_range (rules `type`, `min`, `max`, `allowed`, `pattern`): a non-null value breaks one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.core import limits
from ingestion.core.checks.keys import DenseKeys, SeenKeys, combine, exact_key, hash_strings
from ingestion.core.checks.values import ColumnValues, bound_key, full_match, read_column, to_numpy
from ingestion.core.readers.chunks import Chunk
from schemas.definition import ColumnDefinition, SchemaDefinition

SCHEMA_VALIDATION = "schema_validation"
COMPLETENESS = "completeness"
UNIQUENESS = "uniqueness"
BOUNDS_RANGE = "bounds_range"
BOUNDS_RULES = ("type", "min", "max", "allowed", "pattern")
# Column types whose keys are small integers, often dense enough for a byte map.
DENSE_TYPES = frozenset({"integer", "date", "boolean"})


@dataclass(frozen=True)
class SchemaFindings:
    """What the header says about the definition's columns."""

    missing: tuple[str, ...]
    duplicates: tuple[str, ...]
    extra: tuple[str, ...]
    present: tuple[tuple[ColumnDefinition, int], ...]

    @property
    def passed(self) -> bool:
        return not (self.missing or self.duplicates or self.extra)


def check_schema(definition: SchemaDefinition, header: tuple[str, ...]) -> SchemaFindings:
    """Compare the (trimmed) header with the definition; the first copy of a name counts."""
    counts = Counter(header)
    defined = set(definition.names)
    first_index: dict[str, int] = {}
    for index, name in enumerate(header):
        first_index.setdefault(name, index)
    return SchemaFindings(
        missing=tuple(c.name for c in definition.columns if c.required and c.name not in counts),
        duplicates=tuple(name for name in first_index if counts[name] > 1),
        extra=tuple(n for n in first_index if n not in defined) if definition.strict else (),
        present=tuple(
            (column, first_index[column.name])
            for column in definition.columns
            if column.name in first_index
        ),
    )


@dataclass
class Tally:
    """Failures of one category: counts per column and rule, and the first rows per column."""

    cap: int
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return any(any(rules.values()) for rules in self.counts.values())

    @property
    def capped(self) -> bool:
        return any(
            sum(rules.values()) > len(self.samples.get(label, ()))
            for label, rules in self.counts.items()
        )

    def record(
        self,
        label: str,
        masks: dict[str, np.ndarray],
        lines: np.ndarray,
        shown: Any,
        with_rule: bool = False,
    ) -> None:
        """Count each rule's failing rows and keep the first ones; `shown` gives row values."""
        failing = {rule: mask for rule, mask in masks.items() if mask.any()}
        if not failing:
            return
        rules = self.counts.setdefault(label, {})
        for rule, mask in failing.items():
            rules[rule] = rules.get(rule, 0) + int(np.count_nonzero(mask))
        kept = self.samples.setdefault(label, [])
        room = self.cap - len(kept)
        if room <= 0:
            return
        first_rule = np.full(len(lines), "", dtype=object)
        for rule, mask in reversed(failing.items()):
            first_rule[mask] = rule
        rows = np.flatnonzero(first_rule != "")[:room]
        values = shown(rows)
        for row, value in zip(rows.tolist(), values, strict=True):
            sample = {"row": int(lines[row]), "value": value}
            if with_rule:
                sample["rule"] = first_rule[row]
            kept.append(sample)


def sample_text(values: pa.Array, rows: np.ndarray) -> list[str | None]:
    """Return the cells at `rows` as a person sees them, cut to a readable length."""
    return [_clip(value) for value in values.take(pa.array(rows, pa.int64())).to_pylist()]


def _clip(value: str | None) -> str | None:
    if value is None or len(value) <= limits.MAX_SAMPLE_CHARS:
        return value
    return value[: limits.MAX_SAMPLE_CHARS - 1] + "…"


@dataclass
class UniquenessCheck:
    """Repeated non-null values of one column or of the primary key's combination."""

    label: str
    rule: str
    parts: tuple[tuple[ColumnDefinition, int], ...]
    seen: SeenKeys | DenseKeys = field(default_factory=SeenKeys)
    candidates: list[np.ndarray] = field(default_factory=list)
    confirmed: dict[int, list[tuple[Any, ...]]] = field(default_factory=dict)

    @property
    def exact(self) -> bool:
        """Single typed columns have exact keys; hashed keys need their values confirmed."""
        return len(self.parts) == 1 and self.parts[0][0].type != "string"

    def keys(self, read: dict[int, ColumnValues]) -> tuple[np.ndarray, np.ndarray]:
        """Return the rows that have a full, valid key and their 64-bit keys."""
        eligible = np.logical_and.reduce([read[index].valid for _, index in self.parts])
        rows = np.flatnonzero(eligible)
        keys = None
        for _, index in self.parts:
            part = self._part_key(read[index], rows)
            keys = part if keys is None else combine(keys, part)
        return rows, keys

    @staticmethod
    def _part_key(values: ColumnValues, rows: np.ndarray) -> np.ndarray:
        if values.typed is not None:
            return exact_key(values.typed[rows])
        return hash_strings(values.trimmed.take(pa.array(rows, pa.int64())))

    def scan(self, read: dict[int, ColumnValues]) -> np.ndarray:
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

    def confirm(self, read: dict[int, ColumnValues], candidates: np.ndarray) -> np.ndarray:
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


class Validator:
    """Run every check of a definition over the chunks of one table."""

    def __init__(self, definition: SchemaDefinition, header: tuple[str, ...], cap: int) -> None:
        self.definition = definition
        self.schema = check_schema(definition, header)
        self.completeness = Tally(cap)
        self.uniqueness = Tally(cap)
        self.bounds = Tally(cap)
        self._null_set = pa.array(sorted({"", *definition.null_values}), pa.string())
        self._unique = self._uniqueness_checks()
        self._read = tuple(
            (column, index) for column, index in self.schema.present if _needs_reading(column)
        ) + tuple(part for check in self._unique for part in check.parts)
        self._patterns = {
            column.name: full_match(column.pattern)
            for column, _ in self.schema.present
            if column.pattern
        }
        self._allowed = {
            column.name: pa.array(column.allowed, pa.string())
            for column, _ in self.schema.present
            if column.allowed
        }

    @property
    def labels(self) -> tuple[str, ...]:
        """Every label findings may carry, in report order: columns, then the primary key."""
        return (*self.definition.names, *(check.label for check in self._unique))

    @property
    def stopped(self) -> bool:
        """No column of the definition is in the file: nothing past the schema can be checked."""
        return not self.schema.present

    def consume(self, chunk: Chunk) -> None:
        if self.stopped:
            return
        read = self._read_columns(chunk)
        for column, index in self.schema.present:
            if index in read:
                self._check_column(column, read[index], chunk.lines)
        for check in self._unique:
            rows = check.scan(read)
            if check.exact and len(rows):
                self._record_duplicates(check, read, rows, chunk.lines)

    @property
    def confirmations(self) -> list[tuple[UniquenessCheck, np.ndarray]]:
        """Hashed uniqueness checks with candidate duplicates, for a second pass."""
        return [
            (check, np.unique(np.concatenate(check.candidates)))
            for check in self._unique
            if check.candidates
        ]

    def confirm(self, chunk: Chunk, pending: list[tuple[UniquenessCheck, np.ndarray]]) -> None:
        read = self._read_columns(chunk, only={i for c, _ in pending for _, i in c.parts})
        for check, candidates in pending:
            rows = check.confirm(read, candidates)
            if len(rows):
                self._record_duplicates(check, read, rows, chunk.lines)

    def _read_columns(self, chunk: Chunk, only: set[int] | None = None) -> dict[int, ColumnValues]:
        read: dict[int, ColumnValues] = {}
        for column, index in self._read:
            if index not in read and (only is None or index in only):
                read[index] = read_column(chunk.columns[index], column, self._null_set)
        return read

    def _check_column(self, column: ColumnDefinition, values: ColumnValues, lines: Any) -> None:
        if column.required:
            self.completeness.record(
                column.name,
                {"required": values.null},
                lines,
                lambda rows: sample_text(values.raw, rows),
            )
        masks = self._bounds_masks(column, values)
        if masks:
            self.bounds.record(
                column.name,
                masks,
                lines,
                lambda rows: sample_text(values.raw, rows),
                with_rule=True,
            )

    def _bounds_masks(self, column: ColumnDefinition, values: ColumnValues) -> dict[str, Any]:
        masks: dict[str, np.ndarray] = {}
        if values.typed is not None or column.type != "string":
            masks["type"] = ~values.null & ~values.valid
        if column.min is not None:
            masks["min"] = values.valid & (values.typed < bound_key(column, column.min, "min"))
        if column.max is not None:
            masks["max"] = values.valid & (values.typed > bound_key(column, column.max, "max"))
        if column.name in self._allowed:
            inside = pc.is_in(values.trimmed, value_set=self._allowed[column.name])
            masks["allowed"] = values.valid & ~to_numpy(inside)
        if column.name in self._patterns:
            matched = pc.match_substring_regex(values.trimmed, self._patterns[column.name])
            masks["pattern"] = values.valid & ~to_numpy(matched)
        return masks

    def _record_duplicates(
        self,
        check: UniquenessCheck,
        read: dict[int, ColumnValues],
        rows: np.ndarray,
        lines: np.ndarray,
    ) -> None:
        mask = np.zeros(len(lines), dtype=bool)
        mask[rows] = True
        self.uniqueness.record(
            check.label, {check.rule: mask}, lines, lambda picked: _key_sample(check, read, picked)
        )

    def _uniqueness_checks(self) -> list[UniquenessCheck]:
        present = dict((column.name, (column, index)) for column, index in self.schema.present)
        checks = [
            UniquenessCheck(
                column.name,
                "unique",
                (present[column.name],),
                DenseKeys() if column.type in DENSE_TYPES else SeenKeys(),
            )
            for column in self.definition.columns
            if column.unique and column.name in present
        ]
        key = self.definition.primary_key
        if key and all(name in present for name in key):
            label = "+".join(key)
            checks.append(UniquenessCheck(label, "primary_key", tuple(present[n] for n in key)))
        return checks


def _needs_reading(column: ColumnDefinition) -> bool:
    return (
        column.required
        or column.unique
        or column.type != "string"
        or column.allowed is not None
        or column.pattern is not None
    )


def _key_sample(
    check: UniquenessCheck, read: dict[int, ColumnValues], rows: np.ndarray
) -> Iterable[Any]:
    shown = [sample_text(read[index].raw, rows) for _, index in check.parts]
    return shown[0] if len(shown) == 1 else [list(values) for values in zip(*shown, strict=True)]
