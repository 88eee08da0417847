"""python manage.py process_file: a thin shell over the pipeline."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ingestion.management.commands.process_file import Command as ProcessFile
from ingestion.models import MonitoringFileRun
from ingestion.pipeline import s3
from tests.builders import BUCKET, NULLS_CSV, make_definition, make_monitoring_file, put_object
from tests.log_lines import captured_log_lines, lines_of

pytestmark = pytest.mark.django_db
KEY = "acme/stations.csv"


@pytest.fixture
def watched(bucket):
    return make_monitoring_file(schema_definition=make_definition())


def run_command(*args: str) -> str:
    out = StringIO()
    call_command("process_file", *args, stdout=out)
    return out.getvalue()


def test_it_prints_a_short_summary_with_the_evidence_of_each_failure(watched):
    put_object(KEY, NULLS_CSV)
    output = run_command("--bucket", BUCKET, "--key", KEY)
    run = MonitoringFileRun.objects.get()
    assert output.splitlines()[:3] == [
        f"processed: s3://{BUCKET}/{KEY}",
        f"monitoring file {watched.id}, run {run.id}",
        "score 80 (passed)",
    ]
    assert "completeness" in output.splitlines()[3]
    assert "station" in output.splitlines()[3]


def test_json_prints_the_result_document(watched):
    put_object(KEY)
    result = json.loads(run_command("--bucket", BUCKET, "--key", KEY, "--json"))
    assert (result["status"], result["score"], result["deductions"]) == ("processed", 100, {})
    assert result["run_id"] == MonitoringFileRun.objects.get().id


def test_a_final_status_other_than_processed_is_still_a_handled_object(bucket):
    output = run_command("--bucket", BUCKET, "--key", "acme/nobody-watches.csv")
    assert output.startswith(f"unmatched: s3://{BUCKET}/acme/nobody-watches.csv")


def test_force_records_a_second_run(watched):
    put_object(KEY)
    run_command("--bucket", BUCKET, "--key", KEY)
    assert run_command("--bucket", BUCKET, "--key", KEY).startswith("duplicate")
    assert run_command("--bucket", BUCKET, "--key", KEY, "--force").startswith("processed")
    assert MonitoringFileRun.objects.count() == 2


def test_s3_unreachable_is_a_one_line_command_error(watched, settings):
    settings.AWS_ENDPOINT_URL = "http://127.0.0.1:9"
    s3.client.cache_clear()
    with pytest.raises(CommandError) as error:
        run_command("--bucket", BUCKET, "--key", KEY)
    assert "S3" in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    "argv",
    [["--bucket", BUCKET], ["--key", KEY], ["--bucket", BUCKET, "--key", KEY, "--bogus"]],
)
def test_wrong_arguments_from_the_command_line_exit_1_with_one_line(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        ProcessFile().run_from_argv(["manage.py", "process_file", *argv])
    assert exit_.value.code == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "process_file: error:" in error


def test_json_names_the_new_correlation_id_its_log_lines_carry(watched):
    put_object(KEY)
    with captured_log_lines() as lines:
        first = json.loads(run_command("--bucket", BUCKET, "--key", KEY, "--json"))
    second = json.loads(run_command("--bucket", BUCKET, "--key", KEY, "--json"))
    assert len(first["correlation_id"]) == 32
    assert first["correlation_id"] != second["correlation_id"]
    [summary] = lines_of(lines, "ingestion.pipeline")
    assert (summary["message"], summary["correlation_id"]) == (
        "object processed",
        first["correlation_id"],
    )
