"""`make demo` end to end, so it cannot rot: `python -m dev.demo --no-serve` in a subprocess.

It starts its own PostgreSQL and moto in a temporary folder, on free ports, and must print the
table with every sample's expected score. Its child processes share its process group, so a
timeout here stops all of them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from dev.demo import DemoError, claim_port
from tests.processes import run_module

DEMO_TIMEOUT_SECONDS = 90
# file -> (score, passed, failed categories); independent of dev/samples.py on purpose.
EXPECTED = {
    "stations_clean.csv": ("100", "yes", "-"),
    "stations_clean.xlsx": ("100", "yes", "-"),
    "stations_nulls.csv": ("80", "yes", "completeness"),
    "stations_duplicates.csv": ("90", "yes", "uniqueness"),
    "stations_out_of_range.csv": ("85", "yes", "bounds_range"),
    "stations_missing_column.csv": ("60", "no", "schema_validation"),
    "stations_corrupt.xlsx": ("65", "no", "format_parsing"),
}


def run_demo(*args: str) -> subprocess.CompletedProcess:
    return run_module("dev.demo", *args, timeout=DEMO_TIMEOUT_SECONDS)


# file -> the trend signals that found it unusual against its seeded history ("-": none).
EXPECTED_UNUSUAL = {name: "-" for name in EXPECTED} | {"stations_clean.csv": "row_count"}


def table_cells(stdout: str) -> dict[str, list[str]]:
    rows = {}
    for line in stdout.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if cells[0] in EXPECTED:
            rows[cells[0]] = cells
    return rows


def table_rows(stdout: str) -> dict[str, tuple[str, str, str]]:
    return {name: tuple(cells[1:4]) for name, cells in table_cells(stdout).items()}


@pytest.fixture
def demo_dir():
    """A folder outside pytest's private (0700) temp tree: the embedded server runs as its own
    user when started by root and must reach its data folder."""
    folder = Path(tempfile.mkdtemp(prefix="efm-demo-"))
    yield folder / "demo"
    shutil.rmtree(folder, ignore_errors=True)


def test_the_demo_scores_every_sample_and_exits_0_with_no_serve(demo_dir):
    done = run_demo("--no-serve", "--data-dir", str(demo_dir), "--port", "0", "--moto-port", "0")

    assert done.returncode == 0, done.stdout + done.stderr
    assert table_rows(done.stdout) == EXPECTED, done.stdout
    assert "S3 delivered" in done.stdout or "sent the same S3 events" in done.stdout
    assert "all 7 files scored as expected" in done.stdout
    evidence = {line.split()[0]: line for line in done.stdout.splitlines() if "nulls in" in line}
    assert "2 nulls in station" in evidence["stations_nulls.csv"]
    cells = table_cells(done.stdout)
    assert {name: row[4] for name, row in cells.items()} == EXPECTED_UNUSUAL, done.stdout
    assert cells["stations_clean.csv"][5].startswith(
        "6 rows against a median of 120 over 6 passing runs (0.05x;"
    ), done.stdout


def test_a_taken_port_stops_the_demo_with_one_line():
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]

        with pytest.raises(DemoError, match=rf"^port {port} is taken: .* --port N"):
            claim_port(port)
