"""bounds_range: a non-null value is not of its column's type, or breaks its min, max, allowed
values or pattern. Min, max, allowed and pattern look only at values of the right type.

The rules are declared in the order a sample names the first rule its row broke.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import pyarrow as pa
import pyarrow.compute as pc

from ingestion.core.arrays import Mask
from ingestion.core.checks.rules import ColumnRule
from ingestion.core.checks.values import ColumnValues, bound_key, full_match
from ingestion.core.scoring import BOUNDS_RANGE
from ingestion.core.strings import to_numpy
from schemas.spelling import Bound

if TYPE_CHECKING:
    from schemas.definition import ColumnDefinition

TYPE_NAMES = {
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "date": "a date",
    "datetime": "a datetime",
    "string": "a string",
}


@dataclass(frozen=True)
class Type(ColumnRule):
    """A typed column's values are spelled as its type and convert (see `checks.values`)."""

    rule: ClassVar[str] = "type"
    category: ClassVar[str] = BOUNDS_RANGE
    kind: str

    @classmethod
    def declared(cls, column: ColumnDefinition) -> Type | None:
        return cls(column.type) if column.type != "string" else None

    def failing(self, values: ColumnValues) -> Mask:
        return ~values.null & ~values.valid

    @property
    def detail(self) -> str:
        return f"not {TYPE_NAMES[self.kind]}"


@dataclass(frozen=True)
class Min(ColumnRule):
    """Values are at least `bound` (inclusive); `key` is the bound in typed units."""

    rule: ClassVar[str] = "min"
    category: ClassVar[str] = BOUNDS_RANGE
    bound: Bound
    key: int | float

    @classmethod
    def declared(cls, column: ColumnDefinition) -> Min | None:
        if column.min is None:
            return None
        return cls(column.min, bound_key(column, column.min, "min"))

    def failing(self, values: ColumnValues) -> Mask:
        # Only typed columns take a bound (see `schemas.definition`), so their values are typed.
        assert values.typed is not None
        return values.valid & (values.typed < self.key)

    @property
    def detail(self) -> str:
        return f"below min {bound_text(self.bound)}"


@dataclass(frozen=True)
class Max(ColumnRule):
    """Values are at most `bound` (inclusive); `key` is the bound in typed units."""

    rule: ClassVar[str] = "max"
    category: ClassVar[str] = BOUNDS_RANGE
    bound: Bound
    key: int | float

    @classmethod
    def declared(cls, column: ColumnDefinition) -> Max | None:
        if column.max is None:
            return None
        return cls(column.max, bound_key(column, column.max, "max"))

    def failing(self, values: ColumnValues) -> Mask:
        # Only typed columns take a bound (see `schemas.definition`), so their values are typed.
        assert values.typed is not None
        return values.valid & (values.typed > self.key)

    @property
    def detail(self) -> str:
        return f"above max {bound_text(self.bound)}"


@dataclass(frozen=True)
class Allowed(ColumnRule):
    """Trimmed values are one of the allowed values (case-sensitive)."""

    rule: ClassVar[str] = "allowed"
    category: ClassVar[str] = BOUNDS_RANGE
    values: pa.Array

    @classmethod
    def declared(cls, column: ColumnDefinition) -> Allowed | None:
        return cls(pa.array(column.allowed, pa.string())) if column.allowed else None

    def failing(self, values: ColumnValues) -> Mask:
        return values.valid & ~to_numpy(pc.is_in(values.trimmed, value_set=self.values))


@dataclass(frozen=True)
class Pattern(ColumnRule):
    """Trimmed values match the regular expression (RE2) as a whole."""

    rule: ClassVar[str] = "pattern"
    category: ClassVar[str] = BOUNDS_RANGE
    regex: str

    @classmethod
    def declared(cls, column: ColumnDefinition) -> Pattern | None:
        return cls(full_match(column.pattern)) if column.pattern else None

    def failing(self, values: ColumnValues) -> Mask:
        return values.valid & ~to_numpy(pc.match_substring_regex(values.trimmed, self.regex))


def bound_text(bound: Bound) -> str:
    return bound.isoformat() if hasattr(bound, "isoformat") else str(bound)
