"""Request and response schemas shared by the routers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from ninja import Field, Schema
from ninja.openapi.schema import REF_TEMPLATE

from ingestion.pipeline.events import event_body_json_schema

CORRELATION_ID_EXAMPLE = "5f0c2a9e8d7b4e1f9a3c6b2d1e0f4a7c"


def answer_example(example: dict) -> dict:
    """The `openapi_extra` that shows `example` as an operation's 200 answer in /api/docs."""
    return {"responses": {200: {"content": {"application/json": {"example": example}}}}}


# The id of every log line written while answering; the same value as the X-Request-ID header.
CorrelationId = Annotated[
    str,
    Field(
        description="The id on every log line of this request, also answered as X-Request-ID: "
        "the caller's X-Request-ID when it is a token of up to 64 letters, digits and . _ : -, "
        "else a new one. The worker sends its SQS message id.",
        examples=[CORRELATION_ID_EXAMPLE],
    ),
]


class Detail(Schema):
    detail: str | list | dict


class HealthOut(Schema):
    status: str


class IngestionResultOut(Schema):
    bucket: str
    key: str
    status: str
    monitoring_file_id: int | None = None
    run_id: int | None = None
    score: int | None = None
    passed: bool | None = None
    deductions: dict | None = None
    metrics: dict | None = None
    detail: str = ""
    file_size: int | None = None


class TriggerOut(Schema):
    results: list[IngestionResultOut]
    correlation_id: CorrelationId


class DataQualityOut(Schema):
    score: int
    passed: bool
    deductions: dict
    metrics: dict
    created_at: datetime


class RunOut(Schema):
    id: int
    monitoring_file_id: int
    created_at: datetime
    file_size: int
    run_date: date
    run_hour: int
    data_quality: DataQualityOut | None


class HistoryRunOut(Schema):
    run_id: int
    created_at: datetime
    run_date: date
    run_hour: int
    score: int
    passed: bool
    failed: list[str] = Field(description="The categories that lost their points.")
    row_count: int | None
    anomalies: list[str] = Field(
        description="The trend signals that found the run unlike its file's usual self."
    )


class BaselineOut(Schema):
    runs: int = Field(description="Passing runs in the baseline.")
    run_ids: list[int]
    row_count_median: int | float | None
    arrival_median_minutes: float | None = Field(
        description="Minutes into the file's delivery period (its range) it usually arrives."
    )
    columns: list[str] | None = Field(description="The columns of the newest passing run.")
    null_rate_medians: dict[str, float] = Field(
        description="Per column, the median share of null values (0 to 1)."
    )


class FileHistoryOut(Schema):
    monitoring_file_id: int
    agency_slug: str
    file_name: str
    range: str
    window_runs: int = Field(description="TREND_WINDOW_RUNS: the runs a new run is compared with.")
    baseline_runs: int = Field(description="Passing runs among them (the baseline).")
    baseline: BaselineOut | None = Field(description="None while too few runs passed.")
    note: str = Field(description="Why there is no baseline, when there is none.")
    runs: list[HistoryRunOut]


# The body POST /api/trigger-ingestion/ accepts, as the event parser reads it: one of the forms,
# each published as a component schema the oneOf refers to.
TRIGGER_BODY_SCHEMA = event_body_json_schema(ref_template=REF_TEMPLATE)
TRIGGER_BODY_COMPONENTS: dict[str, dict] = TRIGGER_BODY_SCHEMA.pop("$defs")

# The bodies POST /api/trigger-ingestion/ accepts, shown in the OpenAPI document.
TRIGGER_BODY_EXAMPLES = {
    "direct": {
        "summary": "An object by bucket and key (key as stored)",
        "value": {"bucket": "agency-drops", "key": "acme/daily/sales 2026-11-25.csv"},
    },
    "direct-force": {
        "summary": "Re-process an object already recorded (e.g. after a definition fix)",
        "value": {"bucket": "agency-drops", "key": "acme/daily/sales.csv", "force": True},
    },
    "s3-notification": {
        "summary": "An S3 event notification, keys URL-encoded as S3 sends them",
        "value": {
            "Records": [
                {
                    "eventVersion": "2.1",
                    "eventSource": "aws:s3",
                    "eventTime": "2026-11-25T08:15:00.000Z",
                    "eventName": "ObjectCreated:Put",
                    "s3": {
                        "bucket": {"name": "agency-drops"},
                        "object": {"key": "acme/daily/sales+2026-11-25.csv", "size": 1024},
                    },
                }
            ]
        },
    },
    "sns-envelope": {
        "summary": "An SNS notification wrapping an S3 event (S3 -> SNS -> SQS)",
        "value": {
            "Type": "Notification",
            "MessageId": "b1946ac9-2b3f-4c6e-9f5c-1d2a3b4c5d6e",
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:agency-drops",
            "Message": '{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3",'
            '"eventName":"ObjectCreated:Put","eventTime":"2026-11-25T08:15:00.000Z",'
            '"s3":{"bucket":{"name":"agency-drops"},"object":{"key":"acme/daily/sales.csv"}}}]}',
        },
    },
    "eventbridge": {
        "summary": "An EventBridge Object Created event",
        "value": {
            "version": "0",
            "source": "aws.s3",
            "detail-type": "Object Created",
            "time": "2026-11-25T08:15:00Z",
            "detail": {
                "bucket": {"name": "agency-drops"},
                "object": {"key": "acme/daily/sales.csv", "size": 1024, "etag": "abc"},
            },
        },
    },
    "test-event": {
        "summary": "The test event S3 sends when notifications are configured",
        "value": {
            "Service": "Amazon S3",
            "Event": "s3:TestEvent",
            "Time": "2026-11-25T08:00:00.000Z",
            "Bucket": "agency-drops",
        },
    },
}


class DraftOut(Schema):
    """A drafted definition to review before saving it in bms-admin."""

    definition: dict
    explanations: dict[str, str]
    row_count: int
    format: dict
    warnings: list[str]
    correlation_id: CorrelationId


class ValidateOut(Schema):
    """The report a file would get from ingestion; nothing was recorded."""

    score: int
    passed: bool
    deductions: dict[str, int]
    metrics: dict
    correlation_id: CorrelationId


# metrics["format"] of a plain CSV file, as the engine reports it.
CSV_FORMAT_EXAMPLE = {
    "type": "csv",
    "encoding": "utf-8",
    "bom": False,
    "delimiter": ",",
    "compression": None,
    "sheet": None,
}

# What POST /api/definitions/draft answers for a small station file, in the OpenAPI document.
DRAFT_EXAMPLE = {
    "definition": {
        "strict": True,
        "delimiter": ",",
        "encoding": "utf-8",
        "columns": [
            {
                "name": "id",
                "type": "integer",
                "required": True,
                "unique": True,
                "min": 1,
                "max": 120,
            },
            {"name": "zip", "type": "string", "required": True, "pattern": "[0-9]{5}"},
            {"name": "reading", "type": "number", "min": 0.0, "max": 98.5},
            {
                "name": "status",
                "type": "string",
                "required": True,
                "allowed": ["error", "ok", "warn"],
            },
        ],
    },
    "explanations": {
        "id": "integer: every value is an integer. 120 values and 0 nulls, so required. All 120 "
        "values distinct and the name looks like a key, so unique. Range 1 to 120 (widen it "
        "for later files).",
        "zip": "string: '02134' has a leading zero that a number would drop. 120 values and 0 "
        "nulls, so required. More than 20 distinct values. Digits only, so pattern [0-9]{5}.",
        "reading": "number: every value is a number. 117 values and 3 nulls, so not required. "
        "More than 20 distinct values. Range 0.0 to 98.5 (widen it for later files).",
        "status": "string: 'ok' is no number, date or datetime. 120 values and 0 nulls, so "
        "required. 3 distinct values. Few distinct values, so allowed lists all 3.",
    },
    "row_count": 120,
    "format": CSV_FORMAT_EXAMPLE,
    "warnings": [],
    "correlation_id": CORRELATION_ID_EXAMPLE,
}

# What POST /api/validate answers when one rule fails, in the OpenAPI document.
VALIDATE_EXAMPLE = {
    "score": 85,
    "passed": True,
    "deductions": {"bounds_range": 15},
    "metrics": {
        "row_count": 120,
        "column_count": 4,
        "format": CSV_FORMAT_EXAMPLE,
        "format_parsing": {"checked": True, "passed": True},
        "schema_validation": {
            "checked": True,
            "passed": True,
            "missing_columns": [],
            "extra_columns": [],
            "duplicate_columns": [],
            "capped": False,
        },
        "completeness": {
            "checked": True,
            "passed": True,
            "null_counts": {},
            "samples": {},
            "capped": False,
        },
        "uniqueness": {
            "checked": True,
            "passed": True,
            "duplicate_counts": {},
            "samples": {},
            "capped": False,
        },
        "bounds_range": {
            "checked": True,
            "passed": False,
            "violations": {"reading": {"max": 1}},
            "samples": {"reading": [{"row": 7, "value": "612", "rule": "max"}]},
            "capped": False,
        },
        "capped": False,
        "summary": {
            "bounds_range": "bounds_range: 1 invalid value in reading (1 above max "
            "98.5), first at line 7"
        },
        "profile": {
            "columns": ["id", "zip", "reading", "status"],
            "null_counts": {"id": 0, "zip": 0, "reading": 3, "status": 0},
            "capped": False,
        },
    },
    "correlation_id": CORRELATION_ID_EXAMPLE,
}

# An inline definition for POST /api/validate, sent as a JSON string in the `definition` field.
INLINE_DEFINITION_EXAMPLE = (
    '{"strict": true, "columns": [{"name": "id", "type": "integer", "required": true, '
    '"unique": true}, {"name": "reading", "type": "number", "min": 0, "max": 98.5}]}'
)

# What GET /api/files/{id}/history answers for a daily file, in the OpenAPI document.
HISTORY_EXAMPLE = {
    "monitoring_file_id": 7,
    "agency_slug": "acme",
    "file_name": "stations.csv",
    "range": "daily",
    "window_runs": 20,
    "baseline_runs": 6,
    "baseline": {
        "runs": 6,
        "run_ids": [41, 40, 39, 38, 37, 36],
        "row_count_median": 120,
        "arrival_median_minutes": 495.0,
        "columns": ["id", "station", "reading"],
        "null_rate_medians": {"id": 0.0, "station": 0.0, "reading": 0.0083},
    },
    "note": "",
    "runs": [
        {
            "run_id": 42,
            "created_at": "2026-11-25T08:15:02.318Z",
            "run_date": "2026-11-25",
            "run_hour": 8,
            "score": 100,
            "passed": True,
            "failed": [],
            "row_count": 6,
            "anomalies": ["row_count"],
        },
        {
            "run_id": 41,
            "created_at": "2026-11-24T08:14:57.902Z",
            "run_date": "2026-11-24",
            "run_hour": 8,
            "score": 100,
            "passed": True,
            "failed": [],
            "row_count": 121,
            "anomalies": [],
        },
    ],
}
