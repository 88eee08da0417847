"""schema_validation: the header against the definition, before any row is read.

A required column missing from the header, a name the header repeats, and (in strict mode) a
name the definition does not know or a blank header cell are each a finding; the first copy of a
repeated name is the one checked. Blank header cells are not names: they never repeat one, and
outside strict mode they are columns the definition says nothing about. The columns found are
handed on to the row checks.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ingestion.core.checks.findings import Finding, RuleCount
from ingestion.core.scoring import SCHEMA_VALIDATION

if TYPE_CHECKING:
    from schemas.definition import ColumnDefinition, SchemaDefinition

MISSING = "missing_column"
DUPLICATE = "duplicate_column"
EXTRA = "extra_column"
UNNAMED = "unnamed_column"
# A column of the definition found in the header, with its position there.
Placed = tuple["ColumnDefinition", int]


@dataclass(frozen=True)
class HeaderCheck:
    """The header's findings and the definition's columns it holds, with their positions."""

    findings: tuple[Finding, ...]
    present: tuple[Placed, ...]


def check_header(definition: SchemaDefinition, header: tuple[str, ...]) -> HeaderCheck:
    """Compare the (trimmed) header with the definition; the first copy of a name counts."""
    counts = Counter(name for name in header if name)
    defined = set(definition.names)
    first_index: dict[str, int] = {}
    for index, name in enumerate(header):
        if name:
            first_index.setdefault(name, index)
    missing = [c.name for c in definition.columns if c.required and c.name not in counts]
    repeated = [name for name in first_index if counts[name] > 1]
    extra = [name for name in first_index if name not in defined] if definition.strict else []
    # Positions as a person counts them (the first column is 1).
    unnamed = [str(index + 1) for index, name in enumerate(header) if not name]
    return HeaderCheck(
        findings=(
            *(_finding(name, MISSING, 1, "missing required column") for name in missing),
            *(
                _finding(name, DUPLICATE, counts[name] - 1, "repeated header name")
                for name in repeated
            ),
            *(_finding(name, EXTRA, 1, "undefined column") for name in extra),
            *(
                _finding(position, UNNAMED, 1, "blank header cell")
                for position in (unnamed if definition.strict else ())
            ),
        ),
        present=tuple(
            (column, first_index[column.name])
            for column in definition.columns
            if column.name in first_index
        ),
    )


def _finding(name: str, rule: str, count: int, detail: str) -> Finding:
    return Finding(SCHEMA_VALIDATION, name, (RuleCount(rule, count, detail),))
