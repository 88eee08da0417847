"""The engine's limits: columns, decompressed bytes and time; each fails format_parsing clearly."""

from __future__ import annotations

import gzip
import zipfile

import pyarrow as pa
import pytest

from ingestion.core import EngineLimits, score_file
from ingestion.core import limits as core_limits
from ingestion.core.limits import MAX_CHUNK_CELLS, MIB
from ingestion.core.readers.table import open_table
from tests.core.conftest import column, csv_text, definition, write_bytes, write_text, write_xlsx


def format_error(report) -> str:
    assert report.deductions == {"format_parsing": 35}
    return report.metrics["format_parsing"]["error"]


def wide_csv(columns: int, rows: int) -> str:
    header = ",".join(_short_name(index) for index in range(columns))
    line = ",".join("1" for _ in range(columns))
    return "\n".join([header, *([line] * rows)]) + "\n"


def _short_name(index: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    name = ""
    while True:
        index, digit = divmod(index, len(digits))
        name = digits[digit] + name
        if not index:
            return "c" + name


def test_a_header_wider_than_max_columns_fails_at_once(tmp_path):
    path = write_text(tmp_path, wide_csv(150_000, 5))
    pool = pa.default_memory_pool()
    before = pool.max_memory()
    report = score_file(path, None)
    assert format_error(report) == (
        "the header has 150,000 columns, over the limit of 5,000 (MAX_COLUMNS)"
    )
    assert report.metrics["format_parsing"]["columns"] == 150_000
    # pyarrow never parsed the body: its pool did not grow towards the 1.7 GiB a full read took.
    assert pool.max_memory() - before < 64 * MIB


def test_max_columns_is_a_setting_of_the_limits(tmp_path):
    path = write_text(tmp_path, csv_text([["a", "b", "c"], [1, 2, 3]]))
    assert score_file(path, None, engine_limits=EngineLimits(max_columns=3)).score == 100
    report = score_file(path, None, engine_limits=EngineLimits(max_columns=2))
    assert "over the limit of 2 (MAX_COLUMNS)" in format_error(report)


def test_a_workbook_header_wider_than_max_columns_fails(tmp_path):
    path = write_xlsx(tmp_path, [["a", "b", "c"], [1, 2, 3]])
    report = score_file(path, None, engine_limits=EngineLimits(max_columns=2))
    assert format_error(report) == "the header has 3 columns, over the limit of 2 (MAX_COLUMNS)"


def test_a_wide_table_is_read_in_chunks_of_bounded_cells(tmp_path):
    columns = 4_000
    path = write_text(tmp_path, wide_csv(columns, 600))
    table = open_table(path, None, name_hint="wide.csv", chunk_rows=131_072)
    try:
        sizes = [len(chunk) for chunk in table.chunks()]
    finally:
        table.close()
    assert sum(sizes) == 600
    assert max(sizes) * columns <= MAX_CHUNK_CELLS


def test_a_gzip_stream_past_max_decompressed_fails(tmp_path):
    text = csv_text([["id"], *([[index] for index in range(400_000)])])
    path = write_text(tmp_path, text, "ids.csv.gz", compress=True)
    report = score_file(path, None, engine_limits=EngineLimits(max_decompressed_bytes=MIB))
    assert format_error(report) == "the gzip stream expands past 1 MiB (MAX_DECOMPRESSED_MB)"
    assert report.metrics["format"]["compression"] == "gzip"


def test_a_gzip_stream_expanding_100x_past_the_floor_is_a_bomb(tmp_path, monkeypatch):
    monkeypatch.setattr(core_limits, "GZIP_RATIO_FLOOR_BYTES", MIB)
    path = tmp_path / "bomb.csv.gz"
    path.write_bytes(gzip.compress(b"id\n" + b"1\n" * 5_000_000))
    error = format_error(score_file(path, None))
    assert error == "gzip stream expands more than 100x past the first 1 MiB (possible zip bomb)"


def test_a_well_compressed_file_below_the_floor_is_read(tmp_path):
    path = write_bytes(tmp_path, b"id\n" + b"1\n" * 100_000, "ones.csv.gz", compress=True)
    report = score_file(path, definition(column("id", "integer")))
    assert report.score == 100
    assert report.metrics["row_count"] == 100_000


def test_a_workbook_declaring_more_than_max_decompressed_fails(tmp_path):
    path = tmp_path / "big.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "0" * (2 * MIB))
    report = score_file(path, None, engine_limits=EngineLimits(max_decompressed_bytes=MIB))
    assert "over the limit of 1 MiB (MAX_DECOMPRESSED_MB" in format_error(report)


def test_scoring_past_max_seconds_fails_with_the_time_taken(tmp_path):
    path = write_text(tmp_path, csv_text([["id"], [1], [2]]))
    report = score_file(path, None, engine_limits=EngineLimits(max_seconds=1e-9))
    assert format_error(report) == "scoring took longer than 1e-09 s (MAX_SCORING_SECONDS)"
    assert report.metrics["format_parsing"]["limit_seconds"] == 1e-9


def test_the_time_budget_leaves_ordinary_files_alone(tmp_path):
    path = write_text(tmp_path, csv_text([["id"], [1], [2]]))
    assert score_file(path, None, engine_limits=EngineLimits(max_seconds=60)).score == 100


def test_drafting_runs_under_the_same_limits(tmp_path):
    from ingestion.core.drafting import DraftError, draft_definition

    path = write_text(tmp_path, csv_text([["a", "b", "c"], [1, 2, 3]]))
    with pytest.raises(DraftError, match=r"over the limit of 2 \(MAX_COLUMNS\)"):
        draft_definition(path, engine_limits=EngineLimits(max_columns=2))
    with pytest.raises(DraftError, match="drafting took longer than"):
        draft_definition(path, engine_limits=EngineLimits(max_seconds=1e-9))


def test_a_stray_header_cell_at_xfd1_is_a_clear_format_failure(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["id", "station"])
    sheet.append([1, "ST-1"])
    sheet["XFD1"] = "stray"
    path = tmp_path / "stray.xlsx"
    workbook.save(path)
    report = score_file(path, None)
    assert format_error(report) == (
        "the header has 16,384 columns, over the limit of 5,000 (MAX_COLUMNS)"
    )
