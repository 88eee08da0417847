"""Findings and the tally that gathers them: every failure counted, the first rows kept."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass

import numpy as np
import pytest

from ingestion.core.checks.findings import Finding, RuleCount, Sample
from ingestion.core.checks.tally import Tally


@dataclass(frozen=True)
class Named:
    rule: str
    detail: str = ""


def mask(*rows, size=6):
    failing = np.zeros(size, dtype=bool)
    failing[list(rows)] = True
    return failing


def record(tally, masks, first_line=2, size=6):
    lines = np.arange(first_line, first_line + size)
    tally.record("c", masks, lines, lambda rows: [f"v{row}" for row in rows.tolist()])


def test_samples_are_the_first_failing_rows_each_naming_its_first_rule_in_the_given_order():
    tally = Tally("bounds_range", cap=3)
    record(tally, {"type": mask(4), "min": mask(1, 2), "pattern": mask(0, 1)})
    assert tally.counts == {"c": {"type": 1, "min": 2, "pattern": 2}}
    assert tally.samples["c"] == [
        Sample(2, "v0", "pattern"),
        Sample(3, "v1", "min"),
        Sample(4, "v2", "min"),
    ]


def test_later_chunks_are_counted_but_add_samples_only_while_there_is_room():
    tally = Tally("completeness", cap=2)
    record(tally, {"required": mask(5)})
    record(tally, {"required": mask(0, 1, 2)}, first_line=8)
    record(tally, {"required": mask()}, first_line=14)
    finding = tally.finding("c", [Named("required", "null")])
    assert finding == Finding(
        "completeness",
        "c",
        (RuleCount("required", 4, "null"),),
        (Sample(7, "v5", "required"), Sample(8, "v0", "required")),
    )
    assert (finding.count, finding.capped) == (4, True)


def test_a_finding_lists_the_broken_rules_in_the_order_given_and_nothing_else():
    tally = Tally("bounds_range", cap=5)
    record(tally, {"max": mask(1), "type": mask(0)})
    finding = tally.finding("c", [Named("type", "t"), Named("min"), Named("max", "m")])
    assert finding.rules == (RuleCount("type", 1, "t"), RuleCount("max", 1, "m"))
    assert not finding.capped
    assert tally.finding("other", [Named("type")]) is None


def test_a_zero_cap_keeps_counts_and_no_samples():
    tally = Tally("uniqueness", cap=0)
    record(tally, {"unique": mask(1, 2)})
    finding = tally.finding("c", [Named("unique")])
    assert (finding.count, finding.samples, finding.capped) == (2, (), True)


def test_findings_are_frozen():
    finding = Finding("completeness", "c", (RuleCount("required", 1, "required"),))
    with pytest.raises(FrozenInstanceError):
        finding.column = "other"
