from __future__ import annotations

import json
import logging

from ingestion import correlation
from service.logs import JsonFormatter, TextFormatter


def make_record(**extra) -> logging.LogRecord:
    record = logging.makeLogRecord(
        {
            "name": "ingestion.pipeline.services",
            "levelname": "INFO",
            "levelno": 20,
            "msg": "processed %s",
        }
    )
    record.args = ("file.csv",)
    record.__dict__.update(extra)
    return record


def test_json_lines_carry_the_message_and_every_extra_field():
    line = JsonFormatter().format(make_record(bucket="b", run_id=7, status="processed"))
    entry = json.loads(line)
    assert entry["message"] == "processed file.csv"
    assert entry["level"] == "INFO"
    assert entry["logger"] == "ingestion.pipeline.services"
    assert (entry["bucket"], entry["run_id"], entry["status"]) == ("b", 7, "processed")


def test_text_lines_are_readable_with_context_at_the_end():
    line = TextFormatter().format(make_record(bucket="b"))
    assert line.endswith("INFO    ingestion.pipeline.services: processed file.csv [bucket=b]")


def test_json_lines_carry_the_bound_correlation_id():
    with correlation.bound("message-1"):
        entry = json.loads(JsonFormatter().format(make_record(bucket="b")))
    assert (entry["correlation_id"], entry["bucket"]) == ("message-1", "b")


def test_text_lines_carry_the_bound_correlation_id_first_in_the_context():
    with correlation.bound("message-1"):
        line = TextFormatter().format(make_record(bucket="b"))
    assert line.endswith("processed file.csv [correlation_id=message-1 bucket=b]")


def test_lines_outside_any_unit_of_work_have_no_correlation_id():
    assert "correlation_id" not in json.loads(JsonFormatter().format(make_record()))
    assert "correlation_id" not in TextFormatter().format(make_record())


def test_a_lone_surrogate_in_a_log_line_is_escaped_not_fatal():
    record = make_record(key="acme/\ud800.csv")
    for formatter in (JsonFormatter(), TextFormatter()):
        line = formatter.format(record)
        assert "\\ud800" in line
        line.encode("utf-8")
