"""completeness: a required column is null (missing, blank or one of the null values)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from ingestion.core.arrays import Mask
from ingestion.core.checks.rules import ColumnRule
from ingestion.core.checks.values import ColumnValues
from ingestion.core.scoring import COMPLETENESS

if TYPE_CHECKING:
    from schemas.definition import ColumnDefinition


@dataclass(frozen=True)
class Required(ColumnRule):
    """A required column has a value on every row."""

    rule: ClassVar[str] = "required"
    category: ClassVar[str] = COMPLETENESS

    @classmethod
    def declared(cls, column: ColumnDefinition) -> Required | None:
        return cls() if column.required else None

    def failing(self, values: ColumnValues) -> Mask:
        return values.null
