"""The core is pure: importing and running it loads nothing from Django, boto3 or the database."""

from __future__ import annotations

import json

from tests.processes import run_python

FORBIDDEN = ("django", "boto3", "botocore", "psycopg2", "ninja")
PROBE = """
import json, sys, tempfile, pathlib
from ingestion.core import score_file, unreadable_report, QualityReport, DEFAULT_CHUNK_ROWS
from ingestion.core.drafting import draft_definition
from schemas.definition import parse_definition, SchemaDefinition, DefinitionError
folder = pathlib.Path(tempfile.mkdtemp())
(folder / "a.csv").write_text("id\\n1\\n")
report = score_file(folder / "a.csv", parse_definition({"columns": [{"name": "id"}]}))
draft_definition(folder / "a.csv")
print(json.dumps({"score": report.score, "modules": sorted(sys.modules)}))
"""


def test_the_core_and_its_drafter_import_nothing_from_django_boto3_or_the_database():
    found = json.loads(run_python(PROBE))
    assert found["score"] == 100
    loaded = {name.split(".")[0] for name in found["modules"]}
    assert not loaded & set(FORBIDDEN)


FORMAT_PROBE = """
import json, sys
from schemas.definition import parse_definition
parse_definition({"columns": [{"name": "id", "type": "integer", "min": 0}]})
print(json.dumps(sorted(sys.modules)))
"""


def test_the_definition_format_loads_pydantic_but_no_engine_or_framework():
    loaded = {name.split(".")[0] for name in json.loads(run_python(FORMAT_PROBE))}
    assert "pydantic" in loaded
    assert not loaded & {*FORBIDDEN, "pyarrow", "numpy", "pandas", "openpyxl"}
