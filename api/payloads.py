"""Request and response schemas shared by the routers."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema


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


class TriggerOut(Schema):
    results: list[IngestionResultOut]


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
