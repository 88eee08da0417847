"""Run every check of a definition over the chunks of one table and gather what they find."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from ingestion.core.arrays import Int64s, Keys

# Importing the category modules declares their column rules (see `ColumnRule`).
from ingestion.core.checks import bounds, completeness  # noqa: F401
from ingestion.core.checks.findings import Finding, Findings, Rule
from ingestion.core.checks.rules import COLUMN_RULES, ColumnRule, declared_rules
from ingestion.core.checks.schema import check_header
from ingestion.core.checks.tally import Tally, sample_text
from ingestion.core.checks.uniqueness import KeyCheck, key_checks
from ingestion.core.checks.values import ColumnValues, read_column
from ingestion.core.readers.chunks import Chunk
from ingestion.core.scoring import CATEGORIES, SCHEMA_VALIDATION, UNIQUENESS
from ingestion.core.strings import NullSpellings

if TYPE_CHECKING:
    from schemas.definition import ColumnDefinition, SchemaDefinition


class TableChecks:
    """The checks of one definition over one table: the header first, then chunk after chunk.

    Each chunk's columns are read once (`read_column`) and shared by every rule and key that
    looks at them; hashed keys with repeats need a second pass (`confirmations`, `confirm`).
    """

    def __init__(self, definition: SchemaDefinition, header: tuple[str, ...], cap: int) -> None:
        self.header = check_header(definition, header)
        self._nulls = NullSpellings(definition.null_values)
        self._tallies = {category: Tally(category, cap) for category in _row_categories()}
        self._columns: list[tuple[ColumnDefinition, int, dict[str, tuple[ColumnRule, ...]]]] = []
        self._rules: dict[str, dict[str, list[Rule]]] = {category: {} for category in self._tallies}
        for column, index in self.header.present:
            grouped = declared_rules(column)
            if grouped:
                self._columns.append((column, index, grouped))
            for category, rules in grouped.items():
                self._rules[category][column.name] = list(rules)
        self._keys = key_checks(definition, self.header.present)
        for check in self._keys:
            self._rules[UNIQUENESS].setdefault(check.label, []).append(check)
        self._read = {index: column for column, index, _ in self._columns} | {
            index: column for check in self._keys for column, index in check.parts
        }
        # Report order: the columns as defined, then the primary key.
        self._labels = tuple(dict.fromkeys((*definition.names, *(c.label for c in self._keys))))

    @property
    def stopped(self) -> bool:
        """No column of the definition is in the file: nothing past the schema can be checked."""
        return not self.header.present

    def consume(self, chunk: Chunk) -> dict[int, ColumnValues]:
        """Check one chunk; return the columns read, by header position, for others to reuse."""
        read = self.read(chunk)
        self.check(chunk, read)
        return read

    def read(self, chunk: Chunk) -> dict[int, ColumnValues]:
        """Read the chunk's columns the checks need, by header position (no state changes).

        Safe to run in another thread than `check`, one chunk ahead of it.
        """
        return {} if self.stopped else self._read_columns(chunk, self._read)

    def check(self, chunk: Chunk, read: dict[int, ColumnValues]) -> None:
        """Apply the rules and key checks to a chunk's columns, as `read` returned them."""
        if self.stopped:
            return
        for column, index, grouped in self._columns:
            values = read[index]
            shown = partial(sample_text, values.raw)
            for category, rules in grouped.items():
                masks = {rule.rule: rule.failing(values) for rule in rules}
                self._tallies[category].record(column.name, masks, chunk.lines, shown)
        for check in self._keys:
            rows = check.scan(read)
            if check.exact and len(rows):
                self._record_repeats(check, read, rows, chunk.lines)

    @property
    def confirmations(self) -> list[tuple[KeyCheck, Keys]]:
        """Hashed key checks with candidate duplicates, for a second pass."""
        return [
            (check, np.unique(np.concatenate(check.candidates)))
            for check in self._keys
            if check.candidates
        ]

    def confirm(self, chunk: Chunk, pending: list[tuple[KeyCheck, Keys]]) -> None:
        parts = {index: column for check, _ in pending for column, index in check.parts}
        read = self._read_columns(chunk, parts)
        for check, candidates in pending:
            rows = check.confirm(read, candidates)
            if len(rows):
                self._record_repeats(check, read, rows, chunk.lines)

    def findings(self) -> Findings:
        """Return the findings in report order: header, then per category the labels in order."""
        if self.stopped:
            return Findings((SCHEMA_VALIDATION,), self.header.findings)
        found: list[Finding] = list(self.header.findings)
        for category, tally in self._tallies.items():
            for label in self._labels:
                finding = tally.finding(label, self._rules[category].get(label, ()))
                if finding is not None:
                    found.append(finding)
        return Findings((SCHEMA_VALIDATION, *self._tallies), tuple(found))

    def _read_columns(
        self, chunk: Chunk, columns: dict[int, ColumnDefinition]
    ) -> dict[int, ColumnValues]:
        return {
            index: read_column(chunk.columns[index], column, self._nulls)
            for index, column in columns.items()
        }

    def _record_repeats(
        self, check: KeyCheck, read: dict[int, ColumnValues], rows: Int64s, lines: Int64s
    ) -> None:
        repeated = np.zeros(len(lines), dtype=bool)
        repeated[rows] = True
        self._tallies[UNIQUENESS].record(
            check.label, {check.rule: repeated}, lines, partial(check.shown, read)
        )


def _row_categories() -> tuple[str, ...]:
    """The categories checked row by row, in scoring order: the rules' and uniqueness."""
    declared = {rule.category for rule in COLUMN_RULES} | {UNIQUENESS}
    return tuple(category for category in CATEGORIES if category in declared)
