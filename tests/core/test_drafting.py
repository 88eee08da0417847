"""Drafting a definition from a sample: inferred rules, the traps, and the round trip to 100."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion.core import score_file
from ingestion.core.drafting import MAX_ALLOWED, DraftError, draft_definition
from schemas.definition import parse_definition
from tests.core.conftest import write_bytes, write_csv, write_table, write_text, write_xlsx

HEADER = ["id", "code", "amount", "done", "day", "seen_at", "status", "note"]
HEADER_ROWS = [["a", "b"], ["1", "x"], ["2", "y"]]
ROOT = Path(__file__).parents[2]


def sample_rows(count: int = 60) -> list[list[object]]:
    """Rows of every type: key, leading-zero code, number, boolean, date, datetime, low
    cardinality, and a column with nulls."""
    return [
        [
            number,
            f"{number:04d}",
            round(number * 1.25, 2),
            "yes" if number % 3 else "no",
            dt.date(2024, 1, 1) + dt.timedelta(days=number),
            dt.datetime(2024, 1, 1, 8, 30) + dt.timedelta(hours=number),
            ("ok", "warn", "error")[number % 3],
            "" if number % 4 == 0 else f"note {number}",
        ]
        for number in range(1, count + 1)
    ]


def columns_of(draft) -> dict[str, dict]:
    return {column["name"]: column for column in draft.definition["columns"]}


def scores_100(path: Path, draft) -> bool:
    report = score_file(path, parse_definition(draft.definition))
    assert report.deductions == {}, report.metrics.get("summary")
    return report.score == 100


def test_every_type_is_inferred_from_a_sample(tmp_path, table_kind):
    path = write_table(table_kind, tmp_path, [HEADER, *sample_rows()])
    columns = columns_of(draft_definition(path))
    assert {name: column["type"] for name, column in columns.items()} == {
        "id": "integer",
        "code": "string",
        "amount": "number",
        "done": "boolean",
        "day": "date",
        "seen_at": "datetime",
        "status": "string",
        "note": "string",
    }


def test_the_rules_follow_the_values_of_every_row(tmp_path, table_kind):
    path = write_table(table_kind, tmp_path, [HEADER, *sample_rows()])
    columns = columns_of(draft_definition(path))
    assert columns["id"] == {
        "name": "id",
        "type": "integer",
        "required": True,
        "unique": True,
        "min": 1,
        "max": 60,
    }
    assert columns["code"]["pattern"] == "[0-9]{4}"
    assert (columns["amount"]["min"], columns["amount"]["max"]) == (1.25, 75.0)
    assert (columns["day"]["min"], columns["day"]["max"]) == ("2024-01-02", "2024-03-01")
    assert columns["seen_at"]["min"] == "2024-01-01T09:30:00Z"
    assert columns["status"]["allowed"] == ["error", "ok", "warn"]
    assert "required" not in columns["note"]
    assert "allowed" not in columns["note"]


def test_the_draft_scores_100_on_its_own_sample(tmp_path, table_kind):
    path = write_table(table_kind, tmp_path, [HEADER, *sample_rows()])
    assert scores_100(path, draft_definition(path))


def test_the_definition_is_strict_and_names_how_the_text_was_read(tmp_path):
    path = write_csv(tmp_path, [HEADER, *sample_rows(3)], delimiter=";")
    definition = draft_definition(path).definition
    assert (definition["strict"], definition["delimiter"], definition["encoding"]) == (
        True,
        ";",
        "utf-8",
    )
    assert "sheet" not in definition


def test_a_workbook_draft_names_its_sheet(tmp_path):
    path = write_xlsx(tmp_path, [HEADER, *sample_rows(3)], sheet="Readings")
    definition = draft_definition(path).definition
    assert definition["sheet"] == "Readings"
    assert "delimiter" not in definition


def test_another_sheet_can_be_drafted_by_name(tmp_path):
    path = write_xlsx(tmp_path, [["name"], ["x"]], extra_sheets=["Other"])
    draft = draft_definition(path, sheet="Other")
    assert draft.definition["sheet"] == "Other"
    assert [column["name"] for column in draft.definition["columns"]] == ["other"]


def test_an_unknown_sheet_is_a_draft_error(tmp_path):
    path = write_xlsx(tmp_path, [["name"], ["x"]])
    with pytest.raises(DraftError, match="sheet 'Missing' not found"):
        draft_definition(path, sheet="Missing")


def test_a_leading_zero_on_the_last_row_keeps_a_code_a_string(tmp_path):
    rows = [["zip"], *([str(10000 + n)] for n in range(500)), ["01234"]]
    path = write_csv(tmp_path, rows)
    draft = draft_definition(path, chunk_rows=64)
    assert columns_of(draft)["zip"]["type"] == "string"
    assert "'01234' has a leading zero" in draft.explanations["zip"]
    assert scores_100(path, draft)


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (["1.5", "02.5"], "string"),
        (["0.5", "0", "-0.25"], "number"),
        (["-0", "3"], "number"),
        (["12345678901234567890", "1"], "string"),
        (["1234567890123456", "1.5"], "string"),
        (["123456789012345678", "1"], "integer"),
    ],
    ids=[
        "a number with a leading zero",
        "zero before a decimal point is no leading zero",
        "a negative zero is no integer",
        "digits beyond 64 bits",
        "digits beyond what a float keeps",
        "long digits that fit 64 bits",
    ],
)
def test_values_that_a_type_would_change_keep_the_column_wider(tmp_path, values, kind):
    path = write_csv(tmp_path, [["value"], *([value] for value in values)])
    draft = draft_definition(path)
    assert columns_of(draft)["value"]["type"] == kind
    assert scores_100(path, draft)


@pytest.mark.parametrize(
    ("name", "values", "kind"),
    [
        ("count", ["0", "1", "1"], "integer"),
        ("is_active", ["0", "1", "1"], "boolean"),
        ("export_flag", ["1", "0"], "boolean"),
        ("done", ["t", "f"], "boolean"),
        ("done", ["Yes", "no", "YES"], "boolean"),
        ("done", ["true"], "boolean"),
        ("sex", ["F", "F"], "string"),
        ("answer", ["y", "y"], "string"),
        ("done", ["yes", "maybe"], "string"),
    ],
    ids=[
        "0 and 1 are integers",
        "0 and 1 under a flag name",
        "0 and 1 under a name ending in flag",
        "both single letters",
        "words in any case",
        "one word",
        "one letter alone may be a code",
        "one side of y/n alone",
        "a word that is no boolean",
    ],
)
def test_booleans_need_a_clear_spelling(tmp_path, name, values, kind):
    path = write_csv(tmp_path, [[name], *([value] for value in values)])
    draft = draft_definition(path)
    assert columns_of(draft)[name]["type"] == kind
    assert scores_100(path, draft)


def test_nulls_of_every_spelling_make_a_column_optional(tmp_path):
    rows = [["id", "reading"], ["1", "2.5"], ["2", "NULL"], ["3", " "], ["4", "N/A"], ["5"]]
    path = write_csv(tmp_path, rows)
    draft = draft_definition(path)
    columns = columns_of(draft)
    assert columns["reading"] == {"name": "reading", "type": "number", "min": 2.5, "max": 2.5}
    assert columns["id"]["required"] is True
    assert "1 values and 4 nulls, so not required" in draft.explanations["reading"]
    assert scores_100(path, draft)


def test_a_column_of_nulls_is_an_optional_string(tmp_path):
    path = write_csv(tmp_path, [["id", "empty"], ["1", ""], ["2", "NULL"]])
    draft = draft_definition(path)
    assert columns_of(draft)["empty"] == {"name": "empty", "type": "string"}
    assert "no values" in draft.explanations["empty"]


def test_a_header_without_rows_gives_optional_strings(tmp_path):
    path = write_text(tmp_path, "id,name\n")
    draft = draft_definition(path)
    assert draft.row_count == 0
    assert draft.definition["columns"] == [
        {"name": "id", "type": "string"},
        {"name": "name", "type": "string"},
    ]
    assert scores_100(path, draft)


def rows_of(names: list[str], count: int, value) -> list[list[object]]:
    return [names, *([value(number, name) for name in names] for number in range(count))]


def test_a_distinct_column_named_like_a_key_is_unique(tmp_path):
    names = ["amount", "station_id", "agencyCode", "record_key", "label"]
    path = write_csv(tmp_path, rows_of(names, 10, lambda n, name: f"{name[:2]}{n}"))
    columns = columns_of(draft_definition(path))
    unique = [name for name, column in columns.items() if column.get("unique")]
    assert unique == ["station_id", "agencyCode", "record_key"]


def test_the_first_column_is_a_key_only_over_enough_rows(tmp_path):
    few = draft_definition(write_csv(tmp_path, rows_of(["serial"], 49, lambda n, _: n), "a.csv"))
    many = draft_definition(write_csv(tmp_path, rows_of(["serial"], 50, lambda n, _: n), "b.csv"))
    assert "unique" not in columns_of(few)["serial"]
    assert "fewer than 50 rows" in few.explanations["serial"]
    assert columns_of(many)["serial"]["unique"] is True


def test_a_key_that_repeats_or_has_nulls_is_not_unique(tmp_path):
    rows = [["id", "code"], *([str(n % 40), str(n) if n else ""] for n in range(60))]
    path = write_csv(tmp_path, rows)
    draft = draft_definition(path, chunk_rows=16)
    columns = columns_of(draft)
    assert "unique" not in columns["id"]
    assert "unique" not in columns["code"]
    assert "it has nulls" in draft.explanations["code"]
    assert scores_100(path, draft)


def test_allowed_lists_few_values_over_enough_rows(tmp_path):
    twenty = [f"v{n % MAX_ALLOWED}" for n in range(60)]
    more = [f"v{n % (MAX_ALLOWED + 1)}" for n in range(60)]
    path = write_csv(tmp_path, [["few", "many"], *zip(twenty, more, strict=True)])
    columns = columns_of(draft_definition(path, chunk_rows=7))
    assert len(columns["few"]["allowed"]) == MAX_ALLOWED
    assert "allowed" not in columns["many"]
    short = write_csv(tmp_path, [["few"], *([value] for value in twenty[:49])], "short.csv")
    assert "allowed" not in columns_of(draft_definition(short))["few"]


def test_datetimes_with_zones_get_utc_bounds(tmp_path):
    values = ["2024-03-01T10:00:00+02:00", "2024-03-01 09:30", "2024-03-01T07:15:30.25Z"]
    path = write_csv(tmp_path, [["at"], *([value] for value in values)])
    draft = draft_definition(path)
    assert columns_of(draft)["at"]["min"] == "2024-03-01T07:15:30.250000Z"
    assert columns_of(draft)["at"]["max"] == "2024-03-01T09:30:00Z"
    assert scores_100(path, draft)


def test_workbook_dates_at_midnight_are_dates_and_other_times_datetimes(tmp_path):
    rows = [
        ["day", "at", "text_day"],
        [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 1), "2024-01-01T00:00:00"],
        [dt.datetime(2024, 1, 2), dt.datetime(2024, 1, 2, 6), "2024-01-02T00:00:00"],
    ]
    path = write_xlsx(tmp_path, rows)
    draft = draft_definition(path)
    kinds = {name: column["type"] for name, column in columns_of(draft).items()}
    # Text cells are not converted by the reader, so they stay datetimes.
    assert kinds == {"day": "date", "at": "datetime", "text_day": "datetime"}
    assert columns_of(draft)["day"]["max"] == "2024-01-02"
    assert scores_100(path, draft)


def test_sample_rows_reads_only_the_first_rows(tmp_path):
    rows = [["id", "reading"], *([str(n), str(n)] for n in range(1, 101)), ["101", "abc"]]
    path = write_csv(tmp_path, rows)
    draft = draft_definition(path, sample_rows=100, chunk_rows=30)
    assert draft.row_count == 100
    assert columns_of(draft)["reading"]["type"] == "integer"
    assert columns_of(draft_definition(path))["reading"]["type"] == "string"


def test_sample_rows_must_be_positive(tmp_path):
    with pytest.raises(DraftError, match="at least 1"):
        draft_definition(write_csv(tmp_path, [["a"], ["1"]]), sample_rows=0)


def test_text_that_is_not_utf8_is_read_as_windows_1252(tmp_path):
    path = write_text(tmp_path, "city,price\nZürich,3\nCôte,4\n", encoding="cp1252")
    draft = draft_definition(path)
    assert draft.definition["encoding"] == "cp1252"
    assert scores_100(path, draft)


def test_a_gzip_tsv_is_drafted_with_its_delimiter(tmp_path):
    path = write_csv(tmp_path, HEADER_ROWS, "data.tsv.gz", delimiter="\t", compress=True)
    draft = draft_definition(path, name_hint="data.tsv.gz")
    assert draft.definition["delimiter"] == "\t"
    assert draft.format["compression"] == "gzip"
    assert scores_100(path, draft)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"%PDF-1.7 not a table", "a PDF document"),
        (b"PK\x03\x04broken", "corrupt zip archive"),
        (b"a,b\n1,2,3\n", "line 2 has 3 fields"),
    ],
    ids=["empty", "a pdf", "a broken zip", "a row longer than the header"],
)
def test_a_file_that_is_no_table_is_a_draft_error(tmp_path, content, message):
    with pytest.raises(DraftError, match=message):
        draft_definition(write_bytes(tmp_path, content))


def test_a_repeated_header_name_is_a_draft_error(tmp_path):
    with pytest.raises(DraftError, match="repeats column 'a'"):
        draft_definition(write_csv(tmp_path, [["a", "b", "a"], ["1", "2", "3"]]))


def test_an_unnamed_column_is_left_out_and_strict_is_off(tmp_path):
    path = write_csv(tmp_path, [["a", "", "c"], ["1", "2", "3"]])
    draft = draft_definition(path)
    assert [column["name"] for column in draft.definition["columns"]] == ["a", "c"]
    assert draft.definition["strict"] is False
    assert draft.warnings == ("column 2 has no name: it is left out and strict is off",)
    assert scores_100(path, draft)


def test_a_sheet_asked_of_a_text_file_is_a_warning(tmp_path):
    draft = draft_definition(write_csv(tmp_path, HEADER_ROWS), sheet="Data")
    assert draft.warnings == ("sheet 'Data' ignored: the file is not a workbook",)


def test_every_column_gets_an_explanation(tmp_path):
    path = write_table("csv", tmp_path, [HEADER, *sample_rows()])
    draft = draft_definition(path)
    assert list(draft.explanations) == HEADER
    assert draft.explanations["id"].startswith("integer: every value is an integer.")
    assert "60 values and 0 nulls, so required" in draft.explanations["id"]
    assert "3 distinct values" in draft.explanations["status"]


# --- Properties: any table, any chunking --------------------------------------------------

CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "NULL",
            "0",
            "1",
            "01",
            "-0",
            "7",
            "-12",
            "2.5",
            "1e3",
            ".5",
            "true",
            "F",
            "no",
            "2021-01-01",
            "2021-02-30",
            "2021-01-01T10:00",
            "2021-01-01 10:00:00+02:00",
            "abc",
            "A1",
            "99999999999999999999",
            " 5 ",
            "x y",
        ]
    ),
    st.integers(min_value=-(2**63), max_value=2**63 - 1).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.dates().map(dt.date.isoformat),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=5),
)
# A column draws its cells from a few values so that types, keys and allowed lists all occur.
COLUMN = st.lists(CELLS, min_size=1, max_size=4)
NAMES = st.sampled_from(["id", "code", "amount", "is_open", "day", "label", "status_code"])
PROPERTY_SETTINGS = settings(
    max_examples=int(os.environ.get("DRAFT_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def tables(draw):
    names = draw(st.lists(NAMES, min_size=1, max_size=4, unique=True))
    pools = [draw(COLUMN) for _ in names]
    count = draw(st.integers(min_value=0, max_value=70))
    rows = [[draw(st.sampled_from(pool)) for pool in pools] for _ in range(count)]
    return [names, *rows]


@PROPERTY_SETTINGS
@given(table=tables(), kind=st.sampled_from(["csv", "xlsx"]), chunk_rows=st.integers(1, 40))
def test_any_draft_scores_100_on_its_own_sample_whatever_the_chunking(table, kind, chunk_rows):
    with tempfile.TemporaryDirectory() as folder:
        path = write_table(kind, Path(folder), table)
        draft = draft_definition(path, chunk_rows=chunk_rows)
        assert draft.definition == draft_definition(path).definition
        assert scores_100(path, draft)
