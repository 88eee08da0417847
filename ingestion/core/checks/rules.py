"""Column rules: declared units that test one column of a chunk at a time, and their registry."""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

from ingestion.core.arrays import Mask
from ingestion.core.checks.values import ColumnValues

if TYPE_CHECKING:
    from schemas.definition import ColumnDefinition

# Every concrete ColumnRule, in the order the classes were declared.
COLUMN_RULES: list[type[ColumnRule]] = []


class ColumnRule(ABC):
    """A rule on one column: a stable id, its category, parameters taken from the column's
    definition, and a vectorised test over a chunk's column that returns the failing rows.

    Declaring a subclass registers it. Within a category the runner applies rules in declaration
    order, which is also the order in which a sample names the first rule its row broke.
    """

    rule: ClassVar[str]
    category: ClassVar[str]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if not inspect.isabstract(cls):
            COLUMN_RULES.append(cls)

    @classmethod
    @abstractmethod
    def declared(cls, column: ColumnDefinition) -> ColumnRule | None:
        """Return the rule with its parameters when `column` asks for it, else None."""

    @abstractmethod
    def failing(self, values: ColumnValues) -> Mask:
        """Return a boolean mask of the chunk's rows that break the rule."""

    @property
    def detail(self) -> str:
        """Say what breaking the rule means, after a count in a summary line."""
        return self.rule


def declared_rules(column: ColumnDefinition) -> dict[str, tuple[ColumnRule, ...]]:
    """Return the rules `column` asks for, grouped by category, each group in declaration order."""
    grouped: dict[str, list[ColumnRule]] = {}
    for rule_class in COLUMN_RULES:
        rule = rule_class.declared(column)
        if rule is not None:
            grouped.setdefault(rule.category, []).append(rule)
    return {category: tuple(rules) for category, rules in grouped.items()}
