"""Shared fixtures: the bms-admin tables on the real test database and small row builders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connection
from hypothesis import settings

# Property tests draw the same examples on every run, so that CI fails only where the developer's
# `make test` fails too; HYPOTHESIS_PROFILE=explore draws new ones (docs/development.md).
settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.register_profile("explore", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

DDL_PATH = Path(__file__).parent / "sql" / "bms_admin_reporting.sql"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Create the reporting schema and tables exactly as bms-admin's DDL does."""
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(DDL_PATH.read_text())


REPORTING_TABLES = (
    '"reporting"."monitoring_file_data_quality", "reporting"."monitoring_file_run", '
    '"reporting"."monitoring_file", "reporting"."monitoring_file_schema_definition", '
    '"reporting"."agency"'
)


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )


@pytest.fixture(autouse=True)
def _empty_reporting_tables_after_transactional_tests(request, django_db_blocker):
    """Django flushes only managed tables between transactional tests: empty ours too."""
    yield
    if _is_transactional(request):
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {REPORTING_TABLES} RESTART IDENTITY CASCADE")


@pytest.fixture
def aws(monkeypatch, settings):
    """S3 and SQS from moto, in-process; the service's cached clients are rebuilt inside it."""
    from moto import mock_aws

    from ingestion.pipeline import s3

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    settings.AWS_ENDPOINT_URL = ""
    settings.AWS_REGION = "us-east-1"
    with mock_aws():
        s3.client.cache_clear()
        yield
    s3.client.cache_clear()


@pytest.fixture
def bucket(aws):
    """An empty bucket named `agency-drops`, the name the builders use by default."""
    from tests.builders import BUCKET, s3_client

    s3_client().create_bucket(Bucket=BUCKET)
    return BUCKET
