"""The quality report: score, deductions and the small JSON `metrics` stored with each run.

Every report is built here, by `build_report` (a table was read) or `format_failure_report`
(it could not be). `metrics` never uses the top-level keys `source` or `identity` (the pipeline
adds them) and has this shape::

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
      "summary": {"schema_validation": "schema_validation: missing required column station", ...}
    }

A category that was not checked (no definition, a format failure, or no defined column in the
file) is `{"checked": false}`. A failed format_parsing holds `error` and, when known, `line`.
Counts cover every failure; `samples` keep the first `sample_cap` rows per column, with `row`
the line a person sees (header = 1; the sheet row for Excel) and `capped` telling that more
failed than were kept. For a primary key the label is the column names joined by `+` and each
sample value is the list of the key's cells. `summary` holds one line of evidence per failed
category, as `evidence_lines` returns it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from ingestion.core import limits
from ingestion.core.checks.validator import BOUNDS_RULES, SchemaFindings, Tally, Validator
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
from schemas.definition import SchemaDefinition

NOT_CHECKED: dict[str, Any] = {"checked": False}
TYPE_NAMES = {
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "date": "a date",
    "datetime": "a datetime",
    "string": "a string",
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
    definition: SchemaDefinition | None,
    validator: Validator | None,
) -> QualityReport:
    """Build the report of a table that was read to the end."""
    metrics: dict[str, Any] = {
        "row_count": row_count,
        "column_count": len(header),
        "format": format,
        FORMAT_PARSING: {"checked": True, "passed": True},
    }
    if validator is None or definition is None:
        metrics.update(dict.fromkeys(CATEGORIES[1:], NOT_CHECKED))
    else:
        metrics[SCHEMA_VALIDATION] = _schema_metrics(validator.schema)
        if validator.stopped:
            metrics.update(dict.fromkeys(CATEGORIES[2:], NOT_CHECKED))
        else:
            order = validator.labels
            metrics[COMPLETENESS] = _tally_metrics(validator.completeness, "null_counts", order)
            metrics[UNIQUENESS] = _tally_metrics(validator.uniqueness, "duplicate_counts", order)
            metrics[BOUNDS_RANGE] = _tally_metrics(
                validator.bounds, "violations", order, flat=False
            )
    return _finish(metrics, definition)


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
    return _finish(metrics, None)


def unreadable_report(reason: str, **evidence: Any) -> QualityReport:
    """A format_parsing failure decided without reading the file (e.g. it is too large)."""
    return format_failure_report(reason, evidence)


def _finish(metrics: dict[str, Any], definition: SchemaDefinition | None) -> QualityReport:
    failed = [
        category
        for category in CATEGORIES
        if metrics[category].get("checked") and not metrics[category]["passed"]
    ]
    deductions = deductions_for(failed)
    metrics["capped"] = any(metrics[category].get("capped", False) for category in CATEGORIES)
    metrics["summary"] = {category: _summary(category, metrics, definition) for category in failed}
    value = score(deductions)
    return QualityReport(value, passes(value), deductions, metrics)


def _schema_metrics(schema: SchemaFindings) -> dict[str, Any]:
    lists = {
        "missing_columns": schema.missing,
        "extra_columns": schema.extra,
        "duplicate_columns": schema.duplicates,
    }
    capped = any(len(names) > limits.MAX_LISTED_COLUMNS for names in lists.values())
    return {
        "checked": True,
        "passed": schema.passed,
        **{key: list(names[: limits.MAX_LISTED_COLUMNS]) for key, names in lists.items()},
        "capped": capped,
    }


def _tally_metrics(
    tally: Tally, counts_key: str, order: tuple[str, ...], *, flat: bool = True
) -> dict[str, Any]:
    """Counts and samples in a stable order: labels as defined, rules as BOUNDS_RULES lists them."""
    labels = sorted(tally.counts, key=lambda label: (*order, label).index(label))
    counts = {
        label: sum(tally.counts[label].values()) if flat else _ordered_rules(tally.counts[label])
        for label in labels
        if sum(tally.counts[label].values())
    }
    return {
        "checked": True,
        "passed": not tally.failed,
        counts_key: counts,
        "samples": {
            label: list(tally.samples[label]) for label in labels if tally.samples.get(label)
        },
        "capped": tally.capped,
    }


def _ordered_rules(rules: dict[str, int]) -> dict[str, int]:
    known = [rule for rule in BOUNDS_RULES if rules.get(rule)]
    return {rule: rules[rule] for rule in known + sorted(set(rules) - set(BOUNDS_RULES))}


def _summary(category: str, metrics: dict[str, Any], definition: SchemaDefinition | None) -> str:
    found = metrics[category]
    if category == FORMAT_PARSING:
        return f"{category}: {found['error']}"
    if category == SCHEMA_VALIDATION:
        return f"{category}: {_schema_summary(found)}"
    counts_key, noun = {
        COMPLETENESS: ("null_counts", "null"),
        UNIQUENESS: ("duplicate_counts", "repeated value"),
        BOUNDS_RANGE: ("violations", "invalid value"),
    }[category]
    parts = []
    for label, counted in list(found[counts_key].items())[:SUMMARY_COLUMNS]:
        total = counted if isinstance(counted, int) else sum(counted.values())
        first = found["samples"].get(label, [{}])[0].get("row")
        detail = _rules_detail(label, counted, definition) if isinstance(counted, dict) else ""
        where = f", first at line {first}" if first is not None else ""
        parts.append(f"{_plural(total, noun)} in {label}{detail}{where}")
    more = len(found[counts_key]) - SUMMARY_COLUMNS
    if more > 0:
        parts.append(f"and {_plural(more, 'more column')}")
    return f"{category}: " + "; ".join(parts)


def _schema_summary(found: dict[str, Any]) -> str:
    parts = []
    if found["missing_columns"]:
        parts.append("missing required " + _names("column", found["missing_columns"]))
    if found["duplicate_columns"]:
        parts.append("repeated header " + _names("name", found["duplicate_columns"]))
    if found["extra_columns"]:
        parts.append("undefined " + _names("column", found["extra_columns"]))
    return "; ".join(parts)


def _rules_detail(label: str, rules: dict[str, int], definition: SchemaDefinition | None) -> str:
    column = definition.column(label) if definition else None
    described = []
    for rule, count in rules.items():
        if rule == "type" and column is not None:
            described.append(f"{count} not {TYPE_NAMES[column.type]}")
        elif rule in ("min", "max") and column is not None:
            side = "below min" if rule == "min" else "above max"
            described.append(f"{count} {side} {_bound_text(getattr(column, rule))}")
        else:
            described.append(f"{count} {rule}")
    return f" ({', '.join(described)})"


def _bound_text(bound: Any) -> str:
    return bound.isoformat() if hasattr(bound, "isoformat") else str(bound)


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
