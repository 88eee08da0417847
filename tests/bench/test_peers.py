"""The peers `make bench` times the engine beside do the engine's checks: same counts, same file.

duckdb's SQL and polars' select (bench/peers.py) are held to the counts the engine reports for
the benchmark's own generated CSV and definition, so a faster peer cannot be one that checks less.
"""

from __future__ import annotations

import pytest

from bench import peers
from bench.engine import BENCH_DEFINITION, csv_file
from ingestion.core import score_file
from schemas.definition import parse_definition
from tests.processes import run_module

ROWS = 60_000


@pytest.fixture(scope="module")
def bench_csv(tmp_path_factory):
    return csv_file(tmp_path_factory.mktemp("bench"), ROWS)


@pytest.fixture(scope="module")
def engine_counts(bench_csv):
    report = score_file(bench_csv, parse_definition(BENCH_DEFINITION), name_hint=bench_csv.name)
    return peers.engine_counts(report.metrics)


def test_the_bench_file_has_a_finding_for_each_category(engine_counts):
    # Otherwise agreeing on zeros would prove nothing.
    for key in ("null:station", "duplicate:id", "type:reading", "pattern:station", "max:reading"):
        assert engine_counts[key] > 0, key
    assert engine_counts["min:observed_at"] > 0
    assert engine_counts["allowed:status"] > 0


@pytest.mark.parametrize("peer", peers.PEERS)
def test_each_peer_counts_what_the_engine_reports(peer, bench_csv, engine_counts):
    assert peers.COUNTERS[peer](bench_csv) == engine_counts


def test_both_peers_are_installed_with_the_dev_requirements():
    assert peers.installed() == peers.PEERS


def test_the_engine_table_times_each_tool_on_each_size(tmp_path):
    # `make bench`'s CSV table, on a small file, so that a child kind cannot rot unnoticed.
    done = run_module(
        "bench.engine",
        *("--sizes", "3000", "--repeat", "1", "--xlsx-rows", "0"),
        *("--no-start-up", "--no-e2e", "--folder", str(tmp_path)),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    header, row = done.stdout.strip().splitlines()[-2:]
    assert header.split()[:3] == ["rows", "MB", "engine"]
    assert all(f"{peer} s" in header for peer in peers.PEERS)
    cells = row.split()
    generated = tmp_path / "readings_3000.csv"
    score = score_file(generated, parse_definition(BENCH_DEFINITION)).score
    assert (cells[0], cells[-1]) == ("3,000", str(score))
    assert "-" not in cells  # every peer ran
