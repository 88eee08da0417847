"""The schema-definition format: parsing into typed objects, errors, and the published schema."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from types import MappingProxyType

import pytest

from schemas import generate
from schemas.definition import (
    SCHEMA_PATH,
    ColumnDefinition,
    DefinitionError,
    SchemaDefinition,
    definition_json_schema,
    parse_definition,
    parse_iso_datetime,
)
from schemas.generate import REGENERATE, generated_text
from schemas.spelling import DEFAULT_NULL_VALUES

# Parsed once per processed file: a typical definition must stay far below this.
EXAMPLES = sorted((Path(__file__).parents[2] / "schemas" / "examples").glob("*.json"))
ISSUE_EXAMPLE = {
    "strict": True,
    "delimiter": ",",
    "encoding": "utf-8",
    "sheet": "Sheet1",
    "null_values": ["", "NULL"],
    "columns": [
        {"name": "id", "type": "integer", "required": True, "unique": True},
        {"name": "reading", "type": "number", "min": 0, "max": 500},
        {"name": "observed_at", "type": "datetime", "required": True, "min": "2020-01-01T00:00:00"},
        {"name": "status", "type": "string", "allowed": ["ok", "warn", "error"]},
        {"name": "code", "type": "string", "pattern": "^[A-Z]{2}-\\d+$"},
    ],
}


def test_it_parses_the_issue_example_into_typed_values():
    parsed = parse_definition(ISSUE_EXAMPLE)
    assert parsed.strict is True
    assert parsed.null_values == ("", "NULL")
    assert parsed.names == ("id", "reading", "observed_at", "status", "code")
    observed = parsed.column("observed_at")
    assert observed is not None
    assert observed.min == dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    assert parsed.column("status").allowed == ("ok", "warn", "error")


def test_it_applies_the_documented_defaults():
    parsed = parse_definition({"columns": [{"name": "a"}]})
    only = parsed.columns[0]
    assert (parsed.strict, parsed.delimiter, parsed.encoding, parsed.sheet) == (
        False,
        None,
        "utf-8",
        None,
    )
    assert parsed.null_values == DEFAULT_NULL_VALUES
    assert (only.type, only.required, only.unique) == ("string", False, False)


def test_it_is_immutable():
    parsed = parse_definition(ISSUE_EXAMPLE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.strict = False  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.columns[0].required = False  # type: ignore[misc]


def test_given_null_values_replace_the_default_list():
    assert parse_definition({"null_values": ["-"], "columns": [{"name": "a"}]}).null_values == (
        "-",
    )


def test_null_values_are_kept_trimmed_as_cells_are_compared():
    raw = {"null_values": [" NA ", "NA", "-"], "columns": [{"name": "a"}]}
    assert parse_definition(raw).null_values == ("NA", "-")


def test_a_datetime_bound_may_be_a_bare_date_or_carry_a_zone():
    parsed = parse_definition(
        {
            "columns": [
                {
                    "name": "a",
                    "type": "datetime",
                    "min": "2020-01-01",
                    "max": "2020-01-02T03:00+02:00",
                }
            ]
        }
    )
    only = parsed.columns[0]
    assert only.min == dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    assert only.max == dt.datetime(2020, 1, 2, 1, 0, tzinfo=dt.timezone.utc)


INVALID = [
    ("unknown type", {"columns": [{"name": "a", "type": "text"}]}, "column 'a'", "unknown type"),
    ("unknown column key", {"columns": [{"name": "a", "colour": 1}]}, "column 'a'", "unknown key"),
    (
        "unknown top-level key",
        {"columns": [{"name": "a"}], "sep": ","},
        "definition",
        "unknown key",
    ),
    (
        "min above max",
        {"columns": [{"name": "n", "type": "number", "min": 5, "max": 1}]},
        "column 'n'",
        "greater than max",
    ),
    (
        "bad regex",
        {"columns": [{"name": "c", "pattern": "([a-z"}]},
        "column 'c'",
        "not a valid regex",
    ),
    (
        "regex RE2 cannot run",
        {"columns": [{"name": "c", "pattern": "(?=a)a"}]},
        "column 'c'",
        "RE2",
    ),
    ("duplicate names", {"columns": [{"name": "a"}, {"name": "a"}]}, "column 'a'", "defined twice"),
    (
        "allowed on a number",
        {"columns": [{"name": "n", "type": "number", "allowed": ["1"]}]},
        "column 'n'",
        "allowed is only for string",
    ),
    (
        "pattern on an integer",
        {"columns": [{"name": "n", "type": "integer", "pattern": "1"}]},
        "column 'n'",
        "pattern is only for string",
    ),
    (
        "min on a string",
        {"columns": [{"name": "s", "min": 1}]},
        "column 's'",
        "not allowed on a string",
    ),
    (
        "max on a boolean",
        {"columns": [{"name": "b", "type": "boolean", "max": 1}]},
        "column 'b'",
        "not allowed on a boolean",
    ),
    (
        "text min on a number",
        {"columns": [{"name": "n", "type": "number", "min": "1"}]},
        "column 'n'",
        "must be a number",
    ),
    (
        "bad date bound",
        {"columns": [{"name": "d", "type": "date", "min": "2020-02-30"}]},
        "column 'd'",
        "must be a date",
    ),
    (
        "bad datetime bound",
        {"columns": [{"name": "d", "type": "datetime", "max": "soon"}]},
        "column 'd'",
        "ISO 8601",
    ),
    (
        "required not a boolean",
        {"columns": [{"name": "a", "required": "yes"}]},
        "column 'a'",
        "true or false",
    ),
    ("no columns", {"columns": []}, "definition", "non-empty list"),
    ("columns missing", {}, "definition", "non-empty list"),
    ("nameless column", {"columns": [{"type": "integer"}]}, "column #1", "name"),
    ("padded name", {"columns": [{"name": " a"}]}, "column ' a'", "surrounding spaces"),
    (
        "unknown encoding",
        {"columns": [{"name": "a"}], "encoding": "klingon"},
        "definition",
        "unknown encoding",
    ),
    ("long delimiter", {"columns": [{"name": "a"}], "delimiter": ";;"}, "definition", "delimiter"),
    (
        "primary key of an undefined column",
        {"columns": [{"name": "a"}], "primary_key": ["b"]},
        "column 'b'",
        "primary_key",
    ),
    (
        "null values not a list",
        {"columns": [{"name": "a"}], "null_values": "NULL"},
        "definition",
        "null_values",
    ),
]


@pytest.mark.parametrize(("case", "raw", "where", "problem"), INVALID, ids=[c[0] for c in INVALID])
def test_it_rejects_an_invalid_definition_naming_the_column_and_problem(case, raw, where, problem):
    with pytest.raises(DefinitionError) as raised:
        parse_definition(raw)
    assert str(raised.value).startswith(where)
    assert problem in str(raised.value)


def test_it_rejects_unknown_column_type():
    with pytest.raises(DefinitionError, match=r"column 'id': unknown type 'int'"):
        parse_definition({"columns": [{"name": "id", "type": "int"}]})


def test_a_definition_error_is_a_value_error():
    assert issubclass(DefinitionError, ValueError)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-01-02", dt.datetime(2020, 1, 2, tzinfo=dt.timezone.utc)),
        ("2020-01-02 03:04", dt.datetime(2020, 1, 2, 3, 4, tzinfo=dt.timezone.utc)),
        ("2020-01-02T03:04:05.1234567Z", dt.datetime(2020, 1, 2, 3, 4, 5, 123456, dt.timezone.utc)),
        ("2020-01-02T03:04:05-0130", dt.datetime(2020, 1, 2, 4, 34, 5, tzinfo=dt.timezone.utc)),
        ("2020-02-30T00:00", None),
        ("yesterday", None),
    ],
)
def test_it_reads_iso_datetimes_as_utc_instants(text, expected):
    assert parse_iso_datetime(text) == expected


def test_the_published_json_schema_is_a_valid_draft_2020_12_schema():
    jsonschema = pytest.importorskip("jsonschema")
    schema = definition_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_every_example_definition_validates_and_parses(path):
    jsonschema = pytest.importorskip("jsonschema")
    raw = json.loads(path.read_text())
    jsonschema.Draft202012Validator(definition_json_schema()).validate(raw)
    assert parse_definition(raw).columns


@pytest.mark.parametrize(
    "raw",
    [
        {"columns": [{"name": "a", "type": "text"}]},
        {"columns": [{"name": "a", "colour": 1}]},
        {"columns": [{"name": "n", "type": "number", "allowed": ["1"]}]},
        {"columns": [{"name": "s", "min": 1}]},
        {"columns": [{"name": "d", "type": "date", "min": 20200101}]},
        {"columns": []},
    ],
)
def test_the_json_schema_refuses_what_the_parser_refuses(raw):
    jsonschema = pytest.importorskip("jsonschema")
    with pytest.raises(DefinitionError):
        parse_definition(raw)
    assert not jsonschema.Draft202012Validator(definition_json_schema()).is_valid(raw)


def test_the_json_schema_lists_exactly_the_keys_the_parser_accepts():
    schema = definition_json_schema()
    column_keys = set(schema["$defs"]["column"]["properties"])
    assert column_keys == {"name", "type", "required", "unique", "min", "max", "allowed", "pattern"}
    assert set(schema["properties"]) == {
        "$schema",
        "strict",
        "delimiter",
        "encoding",
        "sheet",
        "null_values",
        "columns",
        "primary_key",
        "trend",
    }


@pytest.mark.parametrize(("case", "raw", "where", "problem"), INVALID, ids=[c[0] for c in INVALID])
def test_a_refusal_is_one_line_in_the_formats_own_words(case, raw, where, problem):
    with pytest.raises(DefinitionError) as raised:
        parse_definition(raw)
    message = str(raised.value)
    assert "\n" not in message
    assert not any(word in message for word in ("pydantic", "Input should", "validation error"))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"columns": [{"name": "a", "type": "text"}], "sep": ","},
            "definition: unknown key 'sep'",
        ),
        (
            {"columns": [{"name": "a", "type": "text"}, {"type": "integer"}]},
            "column 'a': unknown type 'text'",
        ),
        (
            {"columns": [{"name": "n", "type": "number", "min": 5, "max": 1, "required": "no"}]},
            "column 'n': min 5 is greater than max 1",
        ),
        (
            {"columns": [{"name": "a", "colour": 1, "required": "no"}]},
            "column 'a': unknown key 'colour'",
        ),
        (
            {"columns": [{"name": "a"}], "primary_key": ["b", 1]},
            "column 'b': in primary_key but not defined in columns",
        ),
        ({"columns": [{"name": "a", "allowed": [1]}]}, "column 'a': allowed must contain only"),
    ],
)
def test_of_several_problems_the_first_checked_is_told(raw, message):
    with pytest.raises(DefinitionError) as raised:
        parse_definition(raw)
    assert str(raised.value).startswith(message)


def test_a_datetime_min_above_max_is_quoted_as_written():
    column = {"name": "d", "type": "datetime", "min": "2020-01-02", "max": "2020-01-01T23:00+05:00"}
    with pytest.raises(DefinitionError) as raised:
        parse_definition({"columns": [column]})
    assert str(raised.value) == (
        "column 'd': min '2020-01-02' is greater than max '2020-01-01T23:00+05:00'"
    )


def test_null_stands_for_an_absent_key():
    column = {"name": "a", "min": None, "max": None, "allowed": None, "pattern": None}
    options = {"delimiter": None, "sheet": None, "null_values": None, "primary_key": None}
    parsed = parse_definition({"columns": [column], **options})
    assert parsed == parse_definition({"columns": [{"name": "a"}]})
    assert (parsed.null_values, parsed.primary_key) == (DEFAULT_NULL_VALUES, ())


def test_the_editors_schema_link_is_accepted_and_ignored():
    parsed = parse_definition({"$schema": "../definition.schema.json", "columns": [{"name": "a"}]})
    assert parsed == parse_definition({"columns": [{"name": "a"}]})


@pytest.mark.parametrize("values", [{"ok"}, "ok", {"ok": 1}])
def test_allowed_values_must_be_a_json_array(values):
    with pytest.raises(DefinitionError, match="allowed must be a non-empty list of strings"):
        parse_definition({"columns": [{"name": "a", "allowed": values}]})


def test_any_mapping_and_sequence_is_read_as_json():
    raw = MappingProxyType({"columns": (MappingProxyType({"name": "a", "allowed": ("x",)}),)})
    assert parse_definition(raw).column("a").allowed == ("x",)


def test_built_in_code_the_classes_check_nothing_as_the_drafter_needs():
    probe = SchemaDefinition(columns=(ColumnDefinition("a", "date"),), sheet=None)
    assert probe.names == ("a",)
    assert SchemaDefinition(columns=()).names == ()


def test_typed_values_keep_their_python_types():
    parsed = parse_definition(
        {
            "columns": [
                {"name": "i", "type": "integer", "min": 1, "max": 2.5},
                {"name": "d", "type": "date", "min": "2020-01-01"},
                {"name": "s", "allowed": [" x", "x", "y"]},
            ],
            "primary_key": ["i"],
        }
    )
    first, second, third = parsed.columns
    assert (type(first.min), type(first.max), type(second.min)) == (int, float, dt.date)
    assert third.allowed == ("x", "y")
    assert parsed.primary_key == ("i",)


def test_the_committed_json_schema_is_what_the_models_generate():
    committed = SCHEMA_PATH.read_text(encoding="utf-8")
    assert committed == generated_text(), (
        f"{SCHEMA_PATH.name} differs from what the models generate: "
        f"run `.venv/bin/{REGENERATE}` and commit the file"
    )


def test_the_generator_writes_the_schema_and_checks_it(tmp_path, monkeypatch, capsys):
    target = tmp_path / "definition.schema.json"
    monkeypatch.setattr(generate, "SCHEMA_PATH", target)
    assert generate.main(["--check"]) == 1
    assert generate.main([]) == 0
    assert json.loads(target.read_text()) == definition_json_schema()
    assert generate.main(["--check"]) == 0
    target.write_text("{}")
    assert generate.main(["--check"]) == 1
    assert REGENERATE in capsys.readouterr().err


@pytest.mark.parametrize(
    ("column", "message"),
    [
        (
            {"name": "n", "type": "integer", "min": 2**70},
            "column 'n': min 1180591620717411303424 is beyond the 64-bit integers the column holds",
        ),
        (
            {"name": "n", "type": "integer", "max": -(2**64)},
            "column 'n': max -18446744073709551616 is beyond the 64-bit integers the column holds",
        ),
        (
            {"name": "n", "type": "number", "max": 2**53 + 1},
            "column 'n': max 9007199254740993 cannot be compared exactly with the column's "
            "64-bit floats",
        ),
    ],
)
def test_a_bound_the_column_cannot_compare_exactly_is_refused(column, message):
    with pytest.raises(DefinitionError) as refused:
        parse_definition({"columns": [column]})
    assert str(refused.value) == message


def test_bounds_at_the_edges_of_what_the_column_holds_are_kept():
    parsed = parse_definition(
        {
            "columns": [
                {"name": "i", "type": "integer", "min": -(2**63), "max": 2**63 - 1},
                {"name": "n", "type": "number", "max": 2**53},
            ]
        }
    )
    assert (parsed.columns[0].max, parsed.columns[1].max) == (2**63 - 1, 2**53)


@pytest.mark.parametrize("encoding", ["rot13", "hex", "zlib", "uu", "punycode", "idna"])
def test_an_encoding_that_is_no_text_encoding_is_refused(encoding):
    with pytest.raises(DefinitionError) as refused:
        parse_definition({"encoding": encoding, "columns": [{"name": "a"}]})
    assert str(refused.value) == (
        f"definition: {encoding!r} is not a text encoding a file can be written in"
    )


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1", "cp1252", "utf-16", "shift_jis"])
def test_text_encodings_are_kept(encoding):
    assert parse_definition({"encoding": encoding, "columns": [{"name": "a"}]}).encoding == encoding
