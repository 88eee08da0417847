"""Start-up stays lean: the engine, the workbook readers and boto3 load only where they are used.

Each probe runs in a fresh interpreter, with service.settings and a database that is never
reached, and reports which top-level packages it loaded.
"""

from __future__ import annotations

import json
import os

from tests.processes import run_python

# What django.setup() must not load: the engine's libraries, the workbook readers and AWS.
HEAVY = ("pyarrow", "pandas", "numpy", "openpyxl", "python_calamine", "boto3")
PROBE_ENV = {
    "DJANGO_SETTINGS_MODULE": "service.settings",
    "DJANGO_SECRET_KEY": "x",
    "DATABASE_URL": "postgresql://nobody@127.0.0.1:9/nothing",
    "SLACK_WEBHOOK_URL": "",
    "INGESTION_API_TOKEN": "t",
}
SETUP = """
import json, sys
import django
django.setup()
"""
REPORT = "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n"


def loaded_by(code: str) -> set[str]:
    output = run_python(SETUP + code + REPORT, {**os.environ, **PROBE_ENV})
    return set(json.loads(output.strip().splitlines()[-1]))


def test_django_setup_loads_no_engine_workbook_reader_or_boto3():
    loaded = loaded_by("")
    assert "ingestion" in loaded
    assert not loaded & set(HEAVY)


def test_every_management_command_loads_without_the_engine():
    """What `manage.py <command> --help` imports: the command modules, nothing run."""
    loaded = loaded_by(
        "from django.core.management import get_commands, load_command_class\n"
        "names = [n for n, app in get_commands().items() if app == 'ingestion']\n"
        "assert 'process_file' in names and 'run_worker' in names, names\n"
        "for name in names:\n"
        "    load_command_class('ingestion', name)\n"
    )
    assert not loaded & set(HEAVY)


def test_the_forward_mode_worker_never_loads_the_engine():
    """run_worker --forward-to: its handler, its SQS client and one forward attempt."""
    loaded = loaded_by(
        "from django.core.management import load_command_class\n"
        "from ingestion.pipeline.events import parse_event\n"
        "from ingestion.worker import sqs\n"
        "command = load_command_class('ingestion', 'run_worker')\n"
        "handler = command._handler({'in_process': False, 'forward_to': 'http://127.0.0.1:9'})\n"
        "assert handler.mode == 'forward'\n"
        "sqs.client()\n"
        "body = json.dumps({'bucket': 'b', 'key': 'acme/a.csv'})\n"
        "verdict = handler(parse_event(body), body)\n"
        "assert verdict.outcome == 'retry', verdict\n"
    )
    assert {"boto3", "requests"} <= loaded
    assert not loaded & {"pyarrow", "pandas", "numpy", "openpyxl", "python_calamine"}


def test_the_engine_loads_without_pydantic_or_the_definition_format():
    """A process that only scores (the engine's import) needs the spellings, not the parser."""
    output = run_python(
        "import json, sys\nimport ingestion.core.engine\nprint(json.dumps(sorted(sys.modules)))\n"
    )
    loaded = set(json.loads(output.strip().splitlines()[-1]))
    assert {"pyarrow", "schemas.spelling"} <= loaded
    assert not loaded & {"pydantic", "schemas.definition", "django", "boto3", "openpyxl"}
