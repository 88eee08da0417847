"""Sample files for the authoring tests: every type, nulls, a key, a low-cardinality column."""

from __future__ import annotations

import datetime as dt
from typing import Any

HEADER = ["id", "zip", "reading", "ok", "day", "seen_at", "status", "note"]


def sample_rows(count: int = 60) -> list[list[Any]]:
    return [
        [
            number,
            f"{number % 7:05d}",
            round(number * 0.75, 2),
            "true" if number % 2 else "false",
            dt.date(2024, 5, 1) + dt.timedelta(days=number),
            dt.datetime(2024, 5, 1, 6, 0) + dt.timedelta(minutes=17 * number),
            ("ok", "warn", "error")[number % 3],
            None if number % 5 == 0 else f"note {number}",
        ]
        for number in range(1, count + 1)
    ]


def csv_bytes(rows: list[list[Any]]) -> bytes:
    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            return value.isoformat(sep="T")
        return value.isoformat() if isinstance(value, dt.date) else str(value)

    return "".join(",".join(cell(value) for value in row) + "\n" for row in rows).encode()


SAMPLE_CSV = csv_bytes([HEADER, *sample_rows()])
# The same data with a few faults: a null id, a repeated id and a reading far out of range.
FAULTY_CSV = csv_bytes(
    [
        HEADER,
        *sample_rows(57),
        [None, "00001", 1.0, "true", dt.date(2024, 5, 2), dt.datetime(2024, 5, 1, 7), "ok", "x"],
        [3, "00002", 9999, "false", dt.date(2024, 5, 3), dt.datetime(2024, 5, 1, 8), "ok", "y"],
    ]
)
