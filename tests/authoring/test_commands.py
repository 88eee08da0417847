"""manage.py draft_definition and validate_file: thin shells over ingestion.authoring."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ingestion.core import score_file
from schemas.definition import parse_definition
from tests.authoring.samples import HEADER, SAMPLE_CSV
from tests.builders import NULLS_CSV, STATION_DEFINITION, make_definition, row_counts

pytestmark = pytest.mark.django_db


def run(name: str, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(name, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def sample(tmp_path):
    path = tmp_path / "stations.csv"
    path.write_bytes(SAMPLE_CSV)
    return path


@pytest.fixture
def nulls(tmp_path):
    path = tmp_path / "nulls.csv"
    path.write_bytes(NULLS_CSV)
    return path


def test_draft_definition_prints_the_json_and_explains_each_column(sample):
    out, err = run("draft_definition", str(sample))
    definition = json.loads(out)
    assert [column["name"] for column in definition["columns"]] == HEADER
    assert score_file(sample, parse_definition(definition)).score == 100
    assert [line.split(":")[0] for line in err.splitlines()] == HEADER
    assert err.splitlines()[0].startswith("id: integer: every value is an integer.")


def test_draft_definition_can_print_one_json_object(sample):
    out, _ = run("draft_definition", str(sample), "--sample-rows", "5", "--json")
    body = json.loads(out)
    assert set(body) == {"definition", "explanations", "row_count", "format", "warnings"}
    assert body["row_count"] == 5


def test_draft_definition_names_what_it_cannot_read(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(CommandError, match="cannot draft a definition: the file is empty"):
        run("draft_definition", str(path))
    with pytest.raises(CommandError, match="is not a file"):
        run("draft_definition", str(tmp_path / "absent.csv"))


def test_validate_file_prints_the_score_and_the_evidence(nulls, tmp_path):
    definition = tmp_path / "stations.json"
    definition.write_text(json.dumps(STATION_DEFINITION))
    out, _ = run("validate_file", str(nulls), "--definition", str(definition))
    assert out.splitlines() == [
        f"{nulls}: score 80 (passed), 3 rows",
        "  - completeness: 2 nulls in station, first at line 3",
    ]


def test_validate_file_uses_a_stored_definition_and_prints_json(nulls):
    stored = make_definition()
    before = row_counts()
    out, _ = run("validate_file", str(nulls), "--definition-id", str(stored.id), "--json")
    report = json.loads(out)
    assert (report["score"], report["deductions"]) == (80, {"completeness": 20})
    assert row_counts() == before


def test_validate_file_refuses_an_invalid_or_unknown_definition(nulls, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"columns": []}')
    with pytest.raises(CommandError, match="the inline definition is invalid: definition: col"):
        run("validate_file", str(nulls), "--definition", str(broken))
    with pytest.raises(CommandError, match="schema definition 424242 does not exist"):
        run("validate_file", str(nulls), "--definition-id", "424242")


def test_validate_file_needs_exactly_one_definition(nulls):
    with pytest.raises(CommandError, match="one of the arguments"):
        run("validate_file", str(nulls))
    with pytest.raises(CommandError, match="not allowed with argument"):
        run("validate_file", str(nulls), "--definition-id", "1", "--definition", "x.json")
