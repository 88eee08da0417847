"""The demo's sample data: two schema definitions and one file for every scoring outcome.

Each sample names the score the engine must give it; `tests/demo/test_samples.py` scores every
sample with `ingestion.core.score_file` so this table cannot drift from the engine.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook

AGENCY_SLUG = "acme"
AGENCY_NAME = "Acme Water Authority"
KEY_PREFIX = f"{AGENCY_SLUG}/daily/"
SHEET = "Readings"

HEADER = ("id", "station", "reading", "observed_at", "status")
ROWS: tuple[tuple[Any, ...], ...] = (
    (1, "ST-101", 12.5, "2026-11-24", "ok"),
    (2, "ST-102", 48.0, "2026-11-24", "ok"),
    (3, "ST-103", 0, "2026-11-24", "warn"),
    (4, "ST-104", 131.25, "2026-11-24", "ok"),
    (5, "ST-105", 499.9, "2026-11-24", "error"),
    (6, "ST-106", 77, "2026-11-24", "ok"),
)

_COLUMNS: list[dict[str, Any]] = [
    {"name": "id", "type": "integer", "required": True, "unique": True},
    {"name": "station", "type": "string", "required": True, "pattern": "^ST-[0-9]+$"},
    {"name": "reading", "type": "number", "min": 0, "max": 500},
    {"name": "observed_at", "type": "date", "required": True},
    {"name": "status", "type": "string", "allowed": ["ok", "warn", "error"]},
]
CSV_DEFINITION = "demo-station-readings"
WORKBOOK_DEFINITION = "demo-station-workbook"
DEFINITIONS: dict[str, dict[str, Any]] = {
    CSV_DEFINITION: {"strict": True, "delimiter": ",", "columns": _COLUMNS},
    WORKBOOK_DEFINITION: {"strict": True, "sheet": SHEET, "columns": _COLUMNS},
}
DESCRIPTIONS = {
    CSV_DEFINITION: "Daily station readings, comma-separated (etl-file-monitoring demo).",
    WORKBOOK_DEFINITION: "Daily station readings as an Excel workbook (etl-file-monitoring demo).",
}


def csv_bytes(rows: tuple[tuple[Any, ...], ...] = ROWS, header: tuple[str, ...] = HEADER) -> bytes:
    lines = [",".join(header)] + [",".join("" if v is None else str(v) for v in r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def workbook_bytes() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _with_nulls() -> bytes:
    return csv_bytes(tuple((*r[:1], None, *r[2:]) if r[0] in (2, 5) else r for r in ROWS))


def _with_duplicates() -> bytes:
    return csv_bytes((*ROWS, (3, "ST-107", 5.5, "2026-11-24", "ok")))


def _out_of_range() -> bytes:
    replaced = {4: 612.5, 6: -4}
    return csv_bytes(tuple((r[0], r[1], replaced.get(r[0], r[2]), *r[3:]) for r in ROWS))


def _missing_column() -> bytes:
    keep = [i for i, name in enumerate(HEADER) if name != "station"]
    return csv_bytes(tuple(tuple(r[i] for i in keep) for r in ROWS), tuple(HEADER[i] for i in keep))


def _corrupt_workbook() -> bytes:
    # A workbook cut short in transit: the zip's central directory is gone.
    whole = workbook_bytes()
    return whole[: len(whole) // 2]


@dataclass(frozen=True)
class Sample:
    """One file the demo uploads, the definition it is checked against and its expected score.

    `history_rows` seeds earlier passing runs of the file (one a day, with these row counts) so
    that history-aware monitoring has a baseline; `expected_anomalies` are the trend signals the
    upload must then fire.
    """

    name: str
    definition: str
    expected_score: int
    shows: str
    build: Callable[[], bytes]
    history_rows: tuple[int, ...] = ()
    expected_anomalies: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{KEY_PREFIX}{self.name}"


SAMPLES: tuple[Sample, ...] = (
    # A clean file of 6 rows where the last six days brought about 120: a volume anomaly.
    Sample(
        "stations_clean.csv",
        CSV_DEFINITION,
        100,
        "a clean CSV, a fraction of its usual rows",
        csv_bytes,
        history_rows=(118, 121, 120, 124, 119, 120),
        expected_anomalies=("row_count",),
    ),
    Sample("stations_clean.xlsx", WORKBOOK_DEFINITION, 100, "a clean workbook", workbook_bytes),
    Sample("stations_nulls.csv", CSV_DEFINITION, 80, "nulls in a required column", _with_nulls),
    Sample("stations_duplicates.csv", CSV_DEFINITION, 90, "a repeated key", _with_duplicates),
    Sample("stations_out_of_range.csv", CSV_DEFINITION, 85, "values out of range", _out_of_range),
    Sample("stations_missing_column.csv", CSV_DEFINITION, 60, "a missing column", _missing_column),
    Sample("stations_corrupt.xlsx", WORKBOOK_DEFINITION, 65, "a corrupt file", _corrupt_workbook),
)
