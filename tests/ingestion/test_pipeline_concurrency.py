"""Concurrent deliveries and a database that goes away: exactly one run, never a partial one."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from ingestion.errors import SourceUnavailable
from ingestion.models import MonitoringFileDataQuality, MonitoringFileRun
from ingestion.pipeline.services import process_s3_file
from tests.builders import (
    BUCKET,
    database_outage_after_run_insert,
    make_definition,
    make_monitoring_file,
    post_trigger,
    put_object,
    terminate_backend,
)

pytestmark = pytest.mark.django_db(transaction=True)
KEY = "acme/stations.csv"
DELIVERIES = 8


def test_eight_concurrent_deliveries_of_one_new_object_make_exactly_one_run(bucket):
    make_monitoring_file(schema_definition=make_definition())
    put_object(KEY)
    start = threading.Barrier(DELIVERIES)

    def deliver(_):
        start.wait(timeout=30)
        try:
            return process_s3_file(bucket=BUCKET, key=KEY).status
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=DELIVERIES) as pool:
        statuses = sorted(pool.map(deliver, range(DELIVERIES)))

    assert statuses == ["duplicate"] * (DELIVERIES - 1) + ["processed"]
    assert MonitoringFileRun.objects.count() == 1
    assert MonitoringFileDataQuality.objects.count() == 1


def test_the_database_going_away_mid_write_leaves_no_partial_rows(bucket):
    make_monitoring_file(schema_definition=make_definition())
    put_object(KEY)

    with (
        database_outage_after_run_insert(),
        pytest.raises(SourceUnavailable, match="database is unavailable"),
    ):
        process_s3_file(bucket=BUCKET, key=KEY)

    assert MonitoringFileRun.objects.count() == 0
    assert MonitoringFileDataQuality.objects.count() == 0
    # The next delivery reconnects and records the object.
    assert process_s3_file(bucket=BUCKET, key=KEY).status == "processed"


def test_the_database_going_away_mid_request_answers_503_with_no_partial_rows(
    bucket, client, settings
):
    settings.INGESTION_API_TOKEN = "token"
    make_monitoring_file(schema_definition=make_definition())
    put_object(KEY)

    with database_outage_after_run_insert():
        response = post_trigger(client, {"bucket": BUCKET, "key": KEY}, "token")

    assert response.status_code == 503
    assert response.json()["detail"].startswith("the database is unavailable")
    assert MonitoringFileRun.objects.count() == 0
    assert MonitoringFileDataQuality.objects.count() == 0


def test_a_read_endpoint_losing_the_database_answers_503_not_500(client, settings):
    settings.INGESTION_API_TOKEN = "token"
    connection.ensure_connection()
    terminate_backend(connection.connection.info.backend_pid)

    try:
        response = client.get("/api/runs/1", HTTP_AUTHORIZATION="Bearer token")
    finally:
        # Django closes a broken connection when a request finishes; the test client does not.
        connection.close()

    assert response.status_code == 503
    assert response.json() == {"detail": "the database is unavailable"}
