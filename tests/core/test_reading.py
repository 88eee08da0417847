"""Reading rules: what is a table, how it is parsed, and what fails format_parsing."""

from __future__ import annotations

import datetime as dt
import zipfile

import pytest

from ingestion.core import limits, score_file
from tests.core.conftest import (
    FIXTURES,
    column,
    csv_text,
    definition,
    write_bytes,
    write_csv,
    write_text,
    write_xlsx,
)

PAIRS = definition(column("id", "integer", required=True), column("name", required=True))


def read(path, spec=PAIRS, **options):
    return score_file(path, spec, name_hint=options.pop("name_hint", path.name), **options)


def failure(report):
    assert report.deductions == {"format_parsing": 35}, report.metrics
    assert report.score == 65
    return report.metrics["format_parsing"]["error"]


# --- What a table is -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delimiter", "kind"), [(",", "csv"), (";", "csv"), ("\t", "tsv"), ("|", "csv")]
)
def test_it_sniffs_the_delimiter_among_comma_semicolon_tab_and_pipe(tmp_path, delimiter, kind):
    path = write_csv(tmp_path, [["id", "name"], ["1", "a,b;c"], ["2", "x"]], delimiter=delimiter)
    report = read(path)
    assert report.score == 100, report.metrics
    assert report.metrics["format"]["delimiter"] == delimiter
    assert report.metrics["format"]["type"] == kind


def test_a_declared_delimiter_wins_over_sniffing(tmp_path):
    path = write_text(tmp_path, "id;name\n1;a\n")
    spec = definition(column("id;name", required=True), delimiter=",")
    assert read(path, spec).score == 100


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_it_reads_every_line_ending(tmp_path, newline):
    path = write_csv(tmp_path, [["id", "name"], ["1", "a"], ["", "b"]], newline=newline)
    report = read(path)
    assert report.metrics["row_count"] == 2
    assert report.metrics["completeness"]["samples"] == {"id": [{"row": 3, "value": ""}]}


def test_a_utf8_bom_is_tolerated(tmp_path):
    path = write_bytes(tmp_path, b"\xef\xbb\xbfid,name\n1,a\n")
    report = read(path)
    assert report.score == 100
    assert report.metrics["format"]["bom"] is True


def test_a_declared_latin1_encoding_is_decoded(tmp_path):
    path = write_text(tmp_path, "id,name\n1,Zoë\n", encoding="latin-1")
    spec = definition(column("id", "integer"), column("name", allowed=["Zoë"]), encoding="latin-1")
    report = read(path, spec)
    assert report.score == 100, report.metrics
    assert report.metrics["format"]["encoding"] == "iso8859-1"


def test_utf16_with_a_bom_is_read(tmp_path):
    path = write_text(tmp_path, "id\tname\n1\tZoë\n", encoding="utf-16")
    assert read(path).score == 100


def test_text_that_is_not_valid_in_the_declared_encoding_fails_with_its_line(tmp_path):
    path = write_bytes(tmp_path, b"id,name\n1,a\n2,\xff\xfe\n")
    assert failure(read(path)) == "text is not valid utf-8 (line 3)"


def test_an_undecodable_byte_far_past_the_head_is_found_on_its_line(tmp_path):
    rows = "".join(f"{number},name\n" for number in range(60_000))
    path = write_bytes(tmp_path, b"id,name\n" + rows.encode() + b"9,\xc3\x28\n")
    report = read(path)
    assert failure(report) == "text is not valid utf-8 (line 60002)"
    assert report.metrics["format_parsing"]["line"] == 60002


def test_a_gzip_compressed_csv_is_read(tmp_path):
    path = write_csv(tmp_path, [["id", "name"], ["1", "a"]], name="data.csv.gz", compress=True)
    report = read(path)
    assert report.score == 100
    assert report.metrics["format"]["compression"] == "gzip"


def test_a_corrupt_gzip_stream_fails_format_parsing(tmp_path):
    data = (tmp_path / "x").write_bytes(b"") or b""
    whole = write_csv(
        tmp_path,
        [["id", "name"]] + [[str(i), "a"] for i in range(5000)],
        name="ok.csv.gz",
        compress=True,
    ).read_bytes()
    path = write_bytes(tmp_path, whole[:200] + data, name="cut.csv.gz")
    assert "gzip" in failure(read(path))


def test_the_content_decides_not_the_extension(tmp_path):
    xlsx = write_xlsx(tmp_path, [["id", "name"], [1, "a"]], name="really.csv")
    csv = write_csv(tmp_path, [["id", "name"], ["1", "a"]], name="really.xlsx")
    assert read(xlsx).metrics["format"]["type"] == "xlsx"
    assert read(csv).metrics["format"]["type"] == "csv"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "the file is empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "unsupported file type: a PDF document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "unsupported file type: a PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "unsupported file type: a JPEG image"),
        (bytes(range(256)) * 4, "binary content: the file is not text (it contains NUL bytes)"),
        (
            b"\x01\x02\x03\x04\x05\x06\x07\x08" * 64,
            "binary content: the file is not text (control bytes)",
        ),
        (b"\n\n  \n", "no header row: the text holds only blank lines"),
    ],
    ids=["empty", "pdf", "png", "jpeg", "garbage", "controls", "blank"],
)
def test_what_is_no_table_fails_format_parsing(tmp_path, data, reason):
    assert failure(read(write_bytes(tmp_path, data))) == reason


def test_a_zip_that_is_no_workbook_fails_format_parsing(tmp_path):
    path = tmp_path / "data.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data.csv", "id,name\n1,a\n")
    assert failure(read(path)) == (
        "unsupported file type: a zip archive that is not an Excel workbook"
    )


# --- Header and rows -------------------------------------------------------------------------


def test_header_names_are_trimmed_and_compared_case_sensitively(tmp_path):
    path = write_text(tmp_path, " id ,\tname\n1,a\n")
    assert read(path).score == 100
    upper = write_text(tmp_path, "ID,name\n1,a\n", name="upper.csv")
    assert read(upper).metrics["schema_validation"]["missing_columns"] == ["id"]


def test_a_header_only_file_scores_100(tmp_path):
    report = read(write_text(tmp_path, "id,name\n"))
    assert (report.score, report.metrics["row_count"]) == (100, 0)


def test_a_header_only_workbook_scores_100(tmp_path):
    report = read(write_xlsx(tmp_path, [["id", "name"]]))
    assert (report.score, report.metrics["row_count"]) == (100, 0)


def test_a_short_row_has_nulls_in_its_missing_cells(tmp_path):
    report = read(write_text(tmp_path, "id,name\n1,a\n2\n3,c\n"))
    assert report.deductions == {"completeness": 20}
    assert report.metrics["completeness"]["samples"] == {"name": [{"row": 3, "value": None}]}
    assert report.metrics["row_count"] == 3


def test_a_row_with_more_fields_than_the_header_fails_format_parsing(tmp_path):
    report = read(write_text(tmp_path, "id,name\n1,a\n2,b,extra\n3,c\n"))
    assert failure(report) == "line 3 has 3 fields, the header has 2"
    assert report.metrics["format_parsing"]["line"] == 3


def test_an_excel_row_with_a_value_beyond_the_header_fails_format_parsing(tmp_path):
    path = write_xlsx(tmp_path, [["id", "name"], [1, "a"], [2, "b", "extra"]])
    assert failure(read(path)) == "row 3 has 3 fields, the header has 2"


def test_blank_lines_are_skipped_but_counted_as_lines(tmp_path):
    report = read(write_text(tmp_path, "\nid,name\n\n1,a\n   \n\n,b\n\n"))
    assert report.metrics["row_count"] == 2
    assert report.metrics["completeness"]["samples"] == {"id": [{"row": 7, "value": ""}]}


def test_empty_excel_rows_are_skipped_and_rows_keep_their_sheet_number(tmp_path):
    path = write_xlsx(tmp_path, [[None], ["id", "name"], [1, "a"], [None, None], [None, "b"]])
    report = read(path)
    assert report.metrics["row_count"] == 2
    assert report.metrics["completeness"]["samples"] == {"id": [{"row": 5, "value": None}]}


def test_a_quoted_value_spanning_lines_keeps_later_line_numbers_exact(tmp_path):
    text = 'id,name\n1,"two\n\nlines"\n,b\r\n3,"x\r\ny"\n,d\n'
    report = read(write_text(tmp_path, text))
    rows = [sample["row"] for sample in report.metrics["completeness"]["samples"]["id"]]
    assert rows == [5, 8]


def test_line_numbers_stay_exact_with_short_rows_blank_lines_and_quoted_empty_lines(tmp_path):
    text = (
        'id,name,note\n1,"m\nl",v\n2,"m\n\nl","m\n\nl"\n\n,"short"\n'
        '4,"m\nl",""\n,"m\n\nl"\n6,"m\nl","m\nl"\n,b,c\n'
    )
    report = read(write_text(tmp_path, text))
    rows = [sample["row"] for sample in report.metrics["completeness"]["samples"]["id"]]
    assert rows == [10, 13, 19]


def test_line_numbers_stay_exact_across_parse_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "BLOCK_BYTES", 4096)
    monkeypatch.setattr(limits, "SCAN_BYTES", 1000)
    lines = ["id,name"]
    for number in range(2, 3000):
        if number % 97 == 0:
            lines.append("")
        elif number % 89 == 0:
            lines.append(f'{number},"quoted\nbreak"')
        elif number % 101 == 0:
            lines.append(f",{number}")
        else:
            lines.append(f"{number},x")
    report = read(write_text(tmp_path, "\n".join(lines) + "\n"), sample_cap=100)
    expected = []
    line = 0
    for text in lines:
        line += 1
        if text.startswith(","):
            expected.append(line)
        line += text.count("\n")
    found = [sample["row"] for sample in report.metrics["completeness"]["samples"]["id"]]
    assert found == expected


# --- Excel ---------------------------------------------------------------------------------


def test_the_first_sheet_is_read_unless_the_definition_names_one(tmp_path):
    path = write_xlsx(tmp_path, [["id", "name"], [1, "a"]], sheet="Data", extra_sheets=["Notes"])
    assert read(path).metrics["format"]["sheet"] == "Data"
    notes = definition(column("other", required=True), sheet="Notes")
    assert read(path, notes).score == 100


def test_a_missing_sheet_fails_format_parsing(tmp_path):
    path = write_xlsx(tmp_path, [["id", "name"], [1, "a"]], sheet="Data")
    spec = definition(column("id"), sheet="Readings")
    assert failure(read(path, spec)) == "sheet 'Readings' not found (sheets: Data)"


def test_excel_native_cells_are_valid_for_their_column_types(tmp_path):
    spec = definition(
        column("count", "integer", unique=True),
        column("share", "number", max=1),
        column("day", "date", min="2020-01-01"),
        column("at", "datetime", min="2020-01-01"),
        column("ok", "boolean"),
    )
    rows = [
        ["count", "share", "day", "at", "ok"],
        [1.0, 0.25, dt.date(2021, 5, 6), dt.datetime(2021, 5, 6, 7, 8, 9), True],
        [2, 1, dt.datetime(2021, 5, 7), dt.datetime(2021, 5, 7), False],
    ]
    report = read(write_xlsx(tmp_path, rows), spec)
    assert report.score == 100, report.metrics


def test_a_whole_float_is_an_integer_but_a_fraction_is_not(tmp_path):
    spec = definition(column("count", "integer"))
    report = read(write_xlsx(tmp_path, [["count"], [3.0], [2.5]]), spec)
    assert report.metrics["bounds_range"]["samples"] == {
        "count": [{"row": 3, "value": "2.5", "rule": "type"}]
    }


def test_a_datetime_with_a_time_is_not_a_date(tmp_path):
    spec = definition(column("day", "date"))
    path = write_xlsx(tmp_path, [["day"], [dt.datetime(2021, 1, 1, 10, 30)]])
    assert read(path, spec).metrics["bounds_range"]["violations"] == {"day": {"type": 1}}


def test_legacy_xls_is_read_with_native_cells():
    spec = definition(
        column("id", "integer", unique=True),
        column("observed_at", "datetime"),
        column("ok", "boolean"),
        column("reading", "number", max=500),
        column("station", required=True),
        sheet="Readings",
    )
    report = score_file(FIXTURES / "readings.xls", spec)
    assert report.metrics["format"] == {
        "type": "xls",
        "encoding": None,
        "delimiter": None,
        "compression": None,
        "sheet": "Readings",
    }
    assert report.deductions == {"completeness": 20, "uniqueness": 10, "bounds_range": 15}
    assert report.metrics["bounds_range"]["violations"] == {"reading": {"max": 1}}


def test_a_corrupt_workbook_fails_format_parsing(tmp_path):
    good = write_xlsx(tmp_path, [["id"], [1]]).read_bytes()
    path = write_bytes(tmp_path, good[: len(good) // 2], name="cut.xlsx")
    assert "corrupt" in failure(read(path))


def test_an_ole_file_that_is_no_workbook_fails_format_parsing(tmp_path):
    path = write_bytes(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, name="x.xls")
    assert "workbook" in failure(read(path))


def test_a_password_protected_workbook_fails_format_parsing(tmp_path):
    marker = "EncryptedPackage".encode("utf-16-le")
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + marker + b"\x00" * 64
    assert failure(read(write_bytes(tmp_path, data, name="locked.xlsx"))) == (
        "password-protected workbook"
    )


def test_a_zip_bomb_is_refused_from_its_declared_sizes(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "ZIP_RATIO_FLOOR_BYTES", 1000)
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "0" * 5_000_000)
    assert "possible zip bomb" in failure(read(path))


def test_openpyxl_parses_xml_through_defusedxml():
    import defusedxml  # noqa: F401
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True


# --- Without a definition --------------------------------------------------------------------


def test_without_a_definition_only_format_parsing_is_checked(tmp_path):
    path = write_text(tmp_path, csv_text([["id", "id"], ["", "x"], ["", "x"]]))
    report = score_file(path, None)
    assert report.score == 100
    assert report.metrics["schema_validation"] == {"checked": False}
    assert report.metrics["row_count"] == 2


def test_without_a_definition_a_long_row_still_fails(tmp_path):
    report = score_file(write_text(tmp_path, "a,b\n1,2,3\n"), None)
    assert report.score == 65


def test_a_macro_workbook_is_read_as_xlsm(tmp_path):
    path = write_xlsx(tmp_path, [["id", "name"], [1, "a"]], name="macros.xlsm")
    report = read(path)
    assert report.score == 100
    assert report.metrics["format"]["type"] == "xlsm"
