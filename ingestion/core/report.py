"""The quality report: score, deductions and the small JSON `metrics` stored with each run.

Every report is built here, by `build_report` (a table was read) or `format_failure_report`
(it could not be). `metrics` never uses the top-level keys `source`, `identity` or `trend` (the
pipeline adds them) and has this shape::

    {
      "row_count": 120, "column_count": 6,
      "format": {"type": "csv", "encoding": "utf-8", "bom": false, "delimiter": ",",
                 "compression": null, "sheet": null},
      "format_parsing": {"checked": true, "passed": true},
      "schema_validation": {"checked": true, "passed": false, "missing_columns": ["station"],
                            "extra_columns": [], "duplicate_columns": [], "capped": false},
      "completeness": {"checked": true, "passed": false, "null_counts": {"id": 2},
                       "samples": {"id": [{"row": 5, "value": ""}]}, "capped": true},
      "uniqueness": {"checked": true, "passed": true, "duplicate_counts": {},
                     "samples": {}, "capped": false},
      "bounds_range": {"checked": true, "passed": false,
                       "violations": {"reading": {"max": 1, "type": 1}},
                       "samples": {"reading": [{"row": 7, "value": "abc", "rule": "type"}]},
                       "capped": false},
      "capped": true,
      "summary": {"schema_validation": "schema_validation: missing required column station", ...},
      "profile": {"columns": ["id", "reading", "note"], "null_counts": {"id": 2, "reading": 0,
                  "note": 120}, "capped": false}
    }

A category that was not checked (no definition, a format failure, or no defined column in the
file) is `{"checked": false}`. A failed format_parsing holds `error` and, when known, `line`.
Counts cover every failure; `samples` keep the first `sample_cap` rows per column, with `row`
the line a person sees (header = 1; the sheet row for Excel) and `capped` telling that more
failed than were kept. For a primary key the label is the column names joined by `+` and each
sample value is the list of the key's cells. `summary` holds one line of evidence per failed
category, as `evidence_lines` returns it. `profile` (a table read to the end only) counts the
nulls of every header column for history-aware monitoring; it takes no part in the score.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from ingestion.core import limits
from ingestion.core.checks.findings import Finding, Findings, Sample
from ingestion.core.checks.schema import DUPLICATE, EXTRA, MISSING, UNNAMED
from ingestion.core.scoring import (
    BOUNDS_RANGE,
    CATEGORIES,
    COMPLETENESS,
    FORMAT_PARSING,
    SCHEMA_VALIDATION,
    UNIQUENESS,
    deductions_for,
    passes,
    score,
)

NOT_CHECKED: dict[str, Any] = {"checked": False}
# Per row category: the metrics key of its counts and the noun a summary counts.
COUNTED = {
    COMPLETENESS: ("null_counts", "null"),
    UNIQUENESS: ("duplicate_counts", "repeated value"),
    BOUNDS_RANGE: ("violations", "invalid value"),
}
# Row categories whose counts are given per rule and whose samples name their row's first rule.
PER_RULE = frozenset({BOUNDS_RANGE})
# The header's lists, in metrics order, and how a summary introduces each (in summary order).
SCHEMA_LISTS = {
    MISSING: "missing_columns",
    EXTRA: "extra_columns",
    DUPLICATE: "duplicate_columns",
    UNNAMED: "unnamed_columns",
}
SCHEMA_WORDING = {
    MISSING: ("missing required", "column"),
    DUPLICATE: ("repeated header", "name"),
    EXTRA: ("undefined", "column"),
    UNNAMED: ("blank header cell at", "position"),
}
SUMMARY_COLUMNS = 3


@dataclass(frozen=True)
class QualityReport:
    """The outcome of scoring one file; `metrics` is JSON-serialisable."""

    score: int
    passed: bool
    deductions: dict[str, int]
    metrics: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "passed": self.passed,
            "deductions": dict(self.deductions),
            "metrics": json.loads(json.dumps(self.metrics)),
        }


def evidence_lines(report: QualityReport) -> dict[str, str]:
    """Return one human line of evidence per failed category, e.g. for a CLI or an alert."""
    return dict(report.metrics.get("summary", {}))


def build_report(
    *,
    format: dict[str, Any],
    row_count: int,
    header: tuple[str, ...],
    findings: Findings,
    profile: dict[str, Any] | None = None,
) -> QualityReport:
    """Build the report of a table that was read to the end, from what the checks found.

    `profile` (columns and null counts, see `profile.TableProfile`) is stored as it is and
    scores nothing.
    """
    metrics: dict[str, Any] = {
        "row_count": row_count,
        "column_count": len(header),
        "format": format,
        FORMAT_PARSING: {"checked": True, "passed": True},
    }
    for category in CATEGORIES[1:]:
        if category not in findings.checked:
            metrics[category] = NOT_CHECKED
        elif category == SCHEMA_VALIDATION:
            metrics[category] = _schema_metrics(findings.of(category))
        else:
            metrics[category] = _row_metrics(category, findings.of(category))
    report = _finish(metrics, findings)
    if profile is not None:
        report.metrics["profile"] = profile
    return report


def format_failure_report(
    reason: str,
    evidence: dict[str, Any],
    *,
    format: dict[str, Any] | None = None,
    row_count: int = 0,
    column_count: int = 0,
) -> QualityReport:
    """Build the report of content that could not be read as a table."""
    metrics: dict[str, Any] = {
        "row_count": row_count,
        "column_count": column_count,
        "format": format or {"type": None},
        FORMAT_PARSING: {"checked": True, "passed": False, "error": reason, **_jsonable(evidence)},
        **dict.fromkeys(CATEGORIES[1:], NOT_CHECKED),
    }
    return _finish(metrics, Findings())


def unreadable_report(reason: str, **evidence: Any) -> QualityReport:
    """A format_parsing failure decided without reading the file (e.g. it is too large)."""
    return format_failure_report(reason, evidence)


def _finish(metrics: dict[str, Any], findings: Findings) -> QualityReport:
    failed = [
        category
        for category in CATEGORIES
        if metrics[category].get("checked") and not metrics[category]["passed"]
    ]
    deductions = deductions_for(failed)
    metrics["capped"] = any(metrics[category].get("capped", False) for category in CATEGORIES)
    metrics["summary"] = {category: _summary(category, metrics, findings) for category in failed}
    value = score(deductions)
    return QualityReport(value, passes(value), deductions, metrics)


def _schema_metrics(findings: tuple[Finding, ...]) -> dict[str, Any]:
    lists = {
        key: [f.column for f in findings if any(broken.rule == rule for broken in f.rules)]
        for rule, key in SCHEMA_LISTS.items()
    }
    capped = any(len(names) > limits.MAX_LISTED_COLUMNS for names in lists.values())
    return {
        "checked": True,
        "passed": not findings,
        **{key: names[: limits.MAX_LISTED_COLUMNS] for key, names in lists.items()},
        "capped": capped,
    }


def _row_metrics(category: str, findings: tuple[Finding, ...]) -> dict[str, Any]:
    """Counts and samples per column (or key), in the order the checks found them."""
    per_rule = category in PER_RULE
    return {
        "checked": True,
        "passed": not findings,
        COUNTED[category][0]: {
            finding.column: (
                {rule.rule: rule.count for rule in finding.rules} if per_rule else finding.count
            )
            for finding in findings
        },
        "samples": {
            finding.column: [_sample(sample, per_rule) for sample in finding.samples]
            for finding in findings
            if finding.samples
        },
        "capped": any(finding.capped for finding in findings),
    }


def _sample(sample: Sample, with_rule: bool) -> dict[str, Any]:
    value = list(sample.value) if isinstance(sample.value, tuple) else sample.value
    shown: dict[str, Any] = {"row": sample.row, "value": value}
    if with_rule:
        shown["rule"] = sample.rule
    return shown


def _summary(category: str, metrics: dict[str, Any], findings: Findings) -> str:
    found = metrics[category]
    if category == FORMAT_PARSING:
        return f"{category}: {found['error']}"
    if category == SCHEMA_VALIDATION:
        return f"{category}: {_schema_summary(found)}"
    noun = COUNTED[category][1]
    failed = findings.of(category)
    parts = []
    for finding in failed[:SUMMARY_COLUMNS]:
        detail = _rules_detail(finding) if category in PER_RULE else ""
        where = f", first at line {finding.samples[0].row}" if finding.samples else ""
        parts.append(f"{_plural(finding.count, noun)} in {finding.column}{detail}{where}")
    more = len(failed) - SUMMARY_COLUMNS
    if more > 0:
        parts.append(f"and {_plural(more, 'more column')}")
    return f"{category}: " + "; ".join(parts)


def _schema_summary(found: dict[str, Any]) -> str:
    parts = []
    for rule, (words, noun) in SCHEMA_WORDING.items():
        names = found[SCHEMA_LISTS[rule]]
        if names:
            parts.append(f"{words} {_names(noun, names)}")
    return "; ".join(parts)


def _rules_detail(finding: Finding) -> str:
    return f" ({', '.join(f'{rule.count} {rule.detail}' for rule in finding.rules)})"


def _names(noun: str, names: list[str]) -> str:
    shown = ", ".join(names[:SUMMARY_COLUMNS])
    more = len(names) - SUMMARY_COLUMNS
    suffix = f" and {more} more" if more > 0 else ""
    return f"{noun}{'s' if len(names) > 1 else ''} {shown}{suffix}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _jsonable(evidence: dict[str, Any]) -> dict[str, Any]:
    """Keep evidence JSON-serialisable: plain values pass, anything else becomes its text."""
    clean: dict[str, Any] = {}
    for key, value in evidence.items():
        if key in ("source", "identity"):
            key = f"{key}_evidence"
        if isinstance(value, float) and not math.isfinite(value):
            value = str(value)
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            value = str(value)
        clean[str(key)] = value
    return clean
