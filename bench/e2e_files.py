"""The end-to-end benchmark's files: the demo's CSV columns, a fixed mix of faults, known scores."""

from __future__ import annotations

from typing import Any

# The demo's CSV columns (dev/samples.py), filled with `rows` readings per file.
STATUSES = ("ok", "warn", "error")
DAY = "2026-11-24"
# Faults by position in each run of ten files, and the score each must get.
KINDS = (
    "clean",
    "nulls",
    "clean",
    "out_of_range",
    "clean",
    "duplicates_and_range",
    "clean",
    "missing_column",
    "clean",
    "clean",
)
EXPECTED_SCORES = {
    "clean": 100,
    "nulls": 80,
    "out_of_range": 85,
    "duplicates_and_range": 75,
    "missing_column": 60,
}


def csv_file(index: int, rows: int) -> bytes:
    """The `index`th bench file: the demo's columns, `rows` readings, the faults of its kind."""
    from dev.samples import HEADER, csv_bytes

    kind = KINDS[index % len(KINDS)]
    table: list[tuple[Any, ...]] = [
        (row, f"ST-{100 + row % 900}", round((row * 37) % 4999 / 10, 1), DAY, STATUSES[row % 3])
        for row in range(1, rows + 1)
    ]
    faulty = range(0, rows, 97)
    if kind == "nulls":
        table = [(r[0], None, *r[2:]) if i in faulty else r for i, r in enumerate(table)]
    if kind in ("out_of_range", "duplicates_and_range"):
        table = [(*r[:2], 612.5, *r[3:]) if i in faulty else r for i, r in enumerate(table)]
    if kind == "duplicates_and_range":
        table.append((1, "ST-101", 12.5, DAY, "ok"))
    if kind == "missing_column":
        return csv_bytes(tuple((r[0], *r[2:]) for r in table), (HEADER[0], *HEADER[2:]))
    return csv_bytes(tuple(table), HEADER)


def expected_score(key: str) -> int:
    index = int(key.rsplit("_", 1)[1].removesuffix(".csv"))
    return EXPECTED_SCORES[KINDS[index % len(KINDS)]]
