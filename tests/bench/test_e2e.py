"""The end-to-end benchmark runs, counts its runs and scores its files as the engine does.

`python -m bench.e2e` on a few small files, in a subprocess with its own PostgreSQL and moto in a
temporary folder (as tests/demo/test_demo.py runs the demo), so the benchmark cannot rot. Its
figures are not checked: the machine's load decides them.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest

from bench.e2e_files import EXPECTED_SCORES, KINDS, csv_file, expected_score
from dev.samples import CSV_DEFINITION, DEFINITIONS
from ingestion.core import score_file
from schemas.definition import parse_definition
from tests.processes import run_module

BENCH_TIMEOUT_SECONDS = 180
FILES = 12


@pytest.mark.parametrize("index", range(len(KINDS)), ids=lambda index: KINDS[index])
def test_each_bench_file_scores_what_the_bench_expects(index, tmp_path):
    path = tmp_path / f"readings_{index:05d}.csv"
    path.write_bytes(csv_file(index, 200))
    report = score_file(path, parse_definition(DEFINITIONS[CSV_DEFINITION]), name_hint=path.name)
    assert report.score == expected_score(path.name) == EXPECTED_SCORES[KINDS[index]]


@pytest.fixture
def bench_dir():
    """Outside pytest's private (0700) temp tree: the embedded server may run as its own user."""
    folder = Path(tempfile.mkdtemp(prefix="efm-bench-"))
    yield folder / "e2e"
    shutil.rmtree(folder, ignore_errors=True)


def test_the_e2e_bench_records_exactly_one_run_per_file(bench_dir):
    arguments = ["--files", str(FILES), "--rows", "50", "--data-dir", str(bench_dir)]
    done = run_module("bench.engine", "--e2e", *arguments, timeout=BENCH_TIMEOUT_SECONDS)
    stdout, stderr = done.stdout, done.stderr

    assert done.returncode == 0, stdout + stderr
    [row] = [line for line in stdout.splitlines() if re.match(r"^\s+4\s+[\d.]+\s", line)]
    assert row.split()[-1] == str(FILES)
    assert "pipeline stages, ms: connect" in stdout
    assert "web workers after start" in stdout
