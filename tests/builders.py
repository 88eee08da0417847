"""Small named builders for rows, files and events used across the suite."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote_plus

import boto3
import psycopg2
from django.db import connection
from django.db.models.signals import post_save

from ingestion.models import (
    Agency,
    MonitoringFile,
    MonitoringFileDataQuality,
    MonitoringFileRun,
    MonitoringFileSchemaDefinition,
)

# The tables bms-admin owns, in the order their rows depend on each other.
REPORTING_MODELS = (
    Agency,
    MonitoringFileSchemaDefinition,
    MonitoringFile,
    MonitoringFileRun,
    MonitoringFileDataQuality,
)
BUCKET = "agency-drops"

STATION_DEFINITION: dict[str, Any] = {
    "strict": True,
    "columns": [
        {"name": "id", "type": "integer", "required": True, "unique": True},
        {"name": "station", "type": "string", "required": True},
        {"name": "reading", "type": "number", "min": 0, "max": 500},
    ],
}
CLEAN_CSV = b"id,station,reading\n1,north,10.5\n2,south,20\n3,east,0\n"
NULLS_CSV = b"id,station,reading\n1,north,10.5\n2,,20\n3,,0\n"
# Two nulls in a required column and two readings out of bounds: 100 - 20 - 15 = 65.
FAILING_CSV = b"id,station,reading\n1,north,10.5\n2,,900\n3,,-1\n"


def s3_client():
    return boto3.client("s3", region_name="us-east-1")


def make_agency(slug: str = "acme") -> Agency:
    agency, _ = Agency.objects.get_or_create(slug=slug, defaults={"name": slug.title()})
    return agency


def make_definition(
    definition: dict | None = None, name: str = "stations"
) -> MonitoringFileSchemaDefinition:
    return MonitoringFileSchemaDefinition.objects.create(
        name=name, definition=definition if definition is not None else STATION_DEFINITION
    )


def make_monitoring_file(**fields: Any) -> MonitoringFile:
    agency = fields.pop("agency", None) or make_agency(fields.get("agency_slug", "acme"))
    values = {
        "file_name": "stations.csv",
        "s3_url": "",
        "range": "daily",
        "is_active": True,
        "agency": agency,
        "agency_slug": agency.slug,
        "notify_slack": False,
        "is_missing": True,
        **fields,
    }
    return MonitoringFile.objects.create(**values)


def record_run(
    monitoring_file: MonitoringFile,
    *,
    score: int = 100,
    row_count: int = 3,
    columns: tuple[str, ...] = ("id", "station", "reading"),
    null_counts: dict[str, int] | None = None,
    sha256: str | None = None,
    arrived_at: datetime = datetime(2026, 11, 20, 8, 15, tzinfo=timezone.utc),
    key: str | None = None,
) -> MonitoringFileRun:
    """A run recorded earlier, with the metrics the pipeline stores for history-aware monitoring."""
    run = MonitoringFileRun.objects.create(
        monitoring_file=monitoring_file,
        file_size=100,
        run_date=arrived_at.date(),
        run_hour=arrived_at.hour,
    )
    source = {
        "bucket": BUCKET,
        "key": key or f"acme/earlier/{run.id}.csv",
        "version_id": None,
        "etag": f"etag-{run.id}",
        "last_modified": arrived_at.isoformat(),
        "size": 100,
        "sha256": sha256 or f"{run.id:064x}",
        "arrived_at": arrived_at.isoformat(),
    }
    profile = {
        "columns": list(columns),
        "null_counts": null_counts if null_counts is not None else dict.fromkeys(columns, 0),
        "capped": False,
    }
    MonitoringFileDataQuality.objects.create(
        monitoring_file_run=run,
        score=score,
        passed=score >= 80,
        deductions={} if score == 100 else {"completeness": 100 - score},
        metrics={"row_count": row_count, "profile": profile, "source": source, "summary": {}},
    )
    return run


def put_object(key: str, body: bytes = CLEAN_CSV, bucket: str = BUCKET) -> dict:
    return s3_client().put_object(Bucket=bucket, Key=key, Body=io.BytesIO(body).getvalue())


def s3_notification(
    key: str,
    bucket: str = BUCKET,
    event_name: str = "ObjectCreated:Put",
    event_time: str = "2026-11-25T08:15:00.000Z",
) -> dict:
    """An S3 event notification as S3 sends it: the key form-URL-encoded."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": event_time,
                "eventName": event_name,
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                    "object": {"key": quote_plus(key, safe="/"), "size": 10, "eTag": "x"},
                },
            }
        ]
    }


def sns_envelope(inner: dict) -> dict:
    return {
        "Type": "Notification",
        "MessageId": "6b1f1c54-0000-4000-8000-000000000001",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:drops",
        "Message": json.dumps(inner),
        "Timestamp": "2026-11-25T08:15:01.000Z",
    }


def eventbridge_event(key: str, bucket: str = BUCKET, time: str = "2026-11-25T08:15:00Z") -> dict:
    return {
        "version": "0",
        "id": "17793124-05d4-b198-2fde-7ededc63b103",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "time": time,
        "region": "us-east-1",
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": {"key": key, "size": 10, "etag": "x", "sequencer": "00"},
        },
    }


TRIGGER_URL = "/api/trigger-ingestion/"


def post_trigger(client, body: Any, token: str | None, **extra: Any):
    """POST `body` to the trigger endpoint with a bearer token; a dict is sent as JSON."""
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    return client.post(TRIGGER_URL, data=data, content_type="application/json", **auth, **extra)


def s3_test_event(bucket: str = BUCKET) -> dict:
    return {
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Time": datetime.now(timezone.utc).isoformat(),
        "Bucket": bucket,
    }


def terminate_backend(pid: int) -> None:
    """End a database session from another connection, as a server restart would."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    with psycopg2.connect(**params) as admin, admin.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


@contextlib.contextmanager
def database_outage_after_run_insert() -> Iterator[None]:
    """A real outage: the server ends the writer's session right after a run row is inserted."""

    def cut_the_connection(sender, instance, created, **kwargs):
        terminate_backend(connection.connection.info.backend_pid)

    post_save.connect(cut_the_connection, sender=MonitoringFileRun)
    try:
        yield
    finally:
        post_save.disconnect(cut_the_connection, sender=MonitoringFileRun)


def row_counts() -> dict[str, int]:
    """How many rows each reporting table holds (to show a request recorded nothing)."""
    return {model.__name__: model.objects.count() for model in REPORTING_MODELS}


def seed_daily_runs(monitoring_file: MonitoringFile, *, at: datetime, count: int = 6, **fields):
    """`count` earlier runs, one a day before `at` at its time of day; their ids, oldest first."""
    return [
        record_run(monitoring_file, arrived_at=at - timedelta(days=count - day), **fields).id
        for day in range(count)
    ]
