"""Findings: what the checks found, as plain data (the report renders them; no arrays inside)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class Rule(Protocol):
    """What a finding needs to know of a rule: its stable id and how a summary words a break."""

    @property
    def rule(self) -> str: ...

    @property
    def detail(self) -> str: ...


@dataclass(frozen=True)
class Sample:
    """One failing row: the line a person sees, its cell (cells, for a key) and its first rule."""

    row: int
    value: str | tuple[str | None, ...] | None
    rule: str


@dataclass(frozen=True)
class RuleCount:
    """How many rows broke one rule; `detail` words it for a summary ("above max 500")."""

    rule: str
    count: int
    detail: str


@dataclass(frozen=True)
class Finding:
    """Everything one category found wrong in one column (or key): counts per rule, first rows."""

    category: str
    column: str
    rules: tuple[RuleCount, ...]
    samples: tuple[Sample, ...] = ()

    @property
    def count(self) -> int:
        return sum(rule.count for rule in self.rules)

    @property
    def capped(self) -> bool:
        """More rows failed than the samples keep."""
        return self.count > len(self.samples)


@dataclass(frozen=True)
class Findings:
    """What the checks of one table found, in report order, and which categories they checked."""

    checked: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()

    def of(self, category: str) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding.category == category)
