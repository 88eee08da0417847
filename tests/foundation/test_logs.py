from __future__ import annotations

import json
import logging

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
