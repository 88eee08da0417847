"""The bounded tally that gathers one category's failing rows, chunk after chunk, into findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from ingestion.core import limits
from ingestion.core.arrays import Int64s, Mask
from ingestion.core.checks.findings import Finding, Rule, RuleCount, Sample


@dataclass
class Tally:
    """Failing rows of one category, chunk after chunk: counts, and the first rows per column.

    A column's samples are its first `cap` failing rows in file order, each naming the first
    rule it broke in the order the rules were given; counts cover every failing row.
    """

    category: str
    cap: int
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    samples: dict[str, list[Sample]] = field(default_factory=dict)

    def record(
        self,
        label: str,
        masks: dict[str, Mask],
        lines: Int64s,
        shown: Callable[[Int64s], Iterable[Any]],
    ) -> None:
        """Count each rule's failing rows and keep the first ones; `shown` gives row values."""
        failing = [(rule, mask) for rule, mask in masks.items() if mask.any()]
        if not failing:
            return
        rules = self.counts.setdefault(label, {})
        for rule, mask in failing:
            rules[rule] = rules.get(rule, 0) + int(np.count_nonzero(mask))
        kept = self.samples.setdefault(label, [])
        room = self.cap - len(kept)
        if room <= 0:
            return
        first_rule = np.full(len(lines), -1, dtype=np.intp)
        for position in reversed(range(len(failing))):
            first_rule[failing[position][1]] = position
        rows = np.flatnonzero(first_rule >= 0)[:room]
        for row, value, position in zip(
            rows.tolist(), shown(rows), first_rule[rows].tolist(), strict=True
        ):
            kept.append(Sample(int(lines[row]), value, failing[position][0]))

    def finding(self, label: str, rules: Sequence[Rule]) -> Finding | None:
        """Return what failed in `label`, its rules in the order given, or None if nothing did."""
        counts = self.counts.get(label, {})
        broken = tuple(
            RuleCount(rule.rule, counts[rule.rule], rule.detail)
            for rule in rules
            if counts.get(rule.rule)
        )
        if not broken:
            return None
        return Finding(self.category, label, broken, tuple(self.samples.get(label, ())))


def sample_text(values: pa.Array, rows: Int64s) -> list[str | None]:
    """Return the cells at `rows` as a person sees them, cut to a readable length."""
    return [_clip(value) for value in values.take(pa.array(rows, pa.int64())).to_pylist()]


def _clip(value: str | None) -> str | None:
    if value is None or len(value) <= limits.MAX_SAMPLE_CHARS:
        return value
    return value[: limits.MAX_SAMPLE_CHARS - 1] + "…"
