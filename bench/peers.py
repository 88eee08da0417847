"""The bench checks written for duckdb and polars: the peers `make bench` times the engine beside.

Each peer reads the generated CSV as text (as the engine does: a value that is not a number is a
finding, not a failed read) and counts, in one pass, what the engine's five categories count for
`bench.engine.BENCH_DEFINITION`: nulls in required columns, repeated ids, values that are not of
their column's type, values past min / max, pattern and allowed-value misses. The counts come
back in one vocabulary, `"<rule>:<column>"`, and `engine_counts` reads the same keys off the
engine's report, so a test can hold all three to the same answer (tests/bench/test_peers.py):
the peers do the same work, not less.

The queries are what a user of each tool would write, in the tool's idiom (one SQL statement;
one lazy polars select), with the tool's defaults (its own thread count).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

PEERS = ("duckdb", "polars")
# The rules the bench definition sets, as "<rule>:<column>" keys.
COUNT_KEYS = (
    "null:id",
    "null:station",
    "null:observed_at",
    "duplicate:id",
    "type:id",
    "type:reading",
    "type:observed_at",
    "pattern:station",
    "min:reading",
    "max:reading",
    "min:observed_at",
    "allowed:status",
)

DUCKDB_QUERY = """
WITH typed AS (
    SELECT *,
        TRY_CAST(id AS BIGINT) AS id_value,
        TRY_CAST(reading AS DOUBLE) AS reading_value,
        TRY_CAST(observed_at AS TIMESTAMP) AS observed_value
    FROM read_csv({path}, all_varchar = true, header = true)
)
SELECT
    count(*) FILTER (WHERE id IS NULL),
    count(*) FILTER (WHERE station IS NULL),
    count(*) FILTER (WHERE observed_at IS NULL),
    count(id_value) - count(DISTINCT id_value),
    count(*) FILTER (WHERE id IS NOT NULL AND id_value IS NULL),
    count(*) FILTER (WHERE reading IS NOT NULL AND reading_value IS NULL),
    count(*) FILTER (WHERE observed_at IS NOT NULL AND observed_value IS NULL),
    count(*) FILTER (WHERE NOT regexp_full_match(station, '^ST-[0-9]{{3}}$')),
    count(*) FILTER (WHERE reading_value < 0),
    count(*) FILTER (WHERE reading_value > 500),
    count(*) FILTER (WHERE observed_value < TIMESTAMP '2020-01-01 00:00:00'),
    count(*) FILTER (WHERE status NOT IN ('ok', 'warn', 'error'))
FROM typed
"""


def duckdb_counts(path: Path) -> dict[str, int]:
    """The bench checks as one duckdb SQL statement over the file."""
    import duckdb

    literal = "'" + str(path).replace("'", "''") + "'"
    with duckdb.connect() as connection:
        row = connection.execute(DUCKDB_QUERY.format(path=literal)).fetchone()
    assert row is not None
    return dict(zip(COUNT_KEYS, (int(value) for value in row), strict=True))


def polars_counts(path: Path) -> dict[str, int]:
    """The bench checks as one lazy polars select over the file."""
    import polars as pl

    text = pl.col
    id_value = text("id").cast(pl.Int64, strict=False)
    reading_value = text("reading").cast(pl.Float64, strict=False)
    observed_value = text("observed_at").str.to_datetime("%Y-%m-%dT%H:%M:%S", strict=False)

    def failed_cast(column: str, value: Any) -> Any:
        return (text(column).is_not_null() & value.is_null()).sum()

    expressions = (
        text("id").is_null().sum(),
        text("station").is_null().sum(),
        text("observed_at").is_null().sum(),
        id_value.count() - id_value.drop_nulls().n_unique(),
        failed_cast("id", id_value),
        failed_cast("reading", reading_value),
        failed_cast("observed_at", observed_value),
        (~text("station").str.contains("^ST-[0-9]{3}$")).sum(),
        (reading_value < 0).sum(),
        (reading_value > 500).sum(),
        (observed_value < pl.datetime(2020, 1, 1)).sum(),
        (~text("status").is_in(["ok", "warn", "error"])).sum(),
    )
    named = [expression.alias(key) for key, expression in zip(COUNT_KEYS, expressions, strict=True)]
    counts = pl.scan_csv(path, infer_schema=False).select(named).collect().row(0)
    return dict(zip(COUNT_KEYS, (int(value) for value in counts), strict=True))


def engine_counts(metrics: dict[str, Any]) -> dict[str, int]:
    """The same keys read off the engine's report metrics (absent: 0)."""
    found = {key: 0 for key in COUNT_KEYS}
    for column, count in metrics["completeness"].get("null_counts", {}).items():
        found[f"null:{column}"] = count
    for column, count in metrics["uniqueness"].get("duplicate_counts", {}).items():
        found[f"duplicate:{column}"] = count
    for column, rules in metrics["bounds_range"].get("violations", {}).items():
        for rule, count in rules.items():
            found[f"{rule}:{column}"] = count
    return found


COUNTERS = {"duckdb": duckdb_counts, "polars": polars_counts}


def installed() -> tuple[str, ...]:
    """The peers importable here (both are in requirements/dev.txt)."""
    from importlib.util import find_spec

    return tuple(peer for peer in PEERS if find_spec(peer) is not None)
