from __future__ import annotations

import os

import pytest
from django.db import connection

from tests.processes import run_python


def test_live_answers_while_the_process_runs(client):
    response = client.get("/api/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_ready_answers_when_the_database_has_the_reporting_tables(client):
    response = client.get("/api/health/ready")
    assert response.status_code == 200, response.json()


@pytest.mark.django_db
def test_ready_names_a_missing_reporting_table(client):
    with connection.cursor() as cursor:  # rolled back with the test's transaction
        cursor.execute('ALTER TABLE "reporting"."monitoring_file_run" RENAME TO elsewhere')
    response = client.get("/api/health/ready")
    assert response.status_code == 503
    assert response.json() == {
        "detail": 'reporting tables missing: "reporting"."monitoring_file_run"'
    }


def test_ready_answers_503_quickly_when_the_database_is_unreachable():
    script = (
        "import time, django; django.setup(); from django.test import Client; "
        "t = time.monotonic(); r = Client().get('/api/health/ready'); "
        "print(r.status_code, round(time.monotonic() - t, 1), r.json()['detail'])"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "service.settings",
        "DJANGO_SECRET_KEY": "x",
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:9/nothing",
        "DJANGO_ALLOWED_HOSTS": "testserver",
    }
    output = run_python(script, env, timeout=60)
    status, seconds, detail = output.strip().splitlines()[-1].split(" ", 2)
    assert status == "503"
    assert float(seconds) < 10
    assert detail.startswith("database unreachable")


def test_the_openapi_schema_and_docs_are_served(client):
    assert client.get("/api/openapi.json").json()["info"]["title"] == "etl-file-monitoring"
    assert client.get("/api/docs").status_code == 200
