"""`manage.py bootstrap_dev_db`: reporting tables for a local database, never over existing ones.

The DDL runs inside each test's transaction, which is rolled back, so the session's tables are
untouched for the rest of the suite.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from api.health import missing_tables
from ingestion.management.commands import bootstrap_dev_db
from ingestion.management.commands.bootstrap_dev_db import is_local_database
from ingestion.models import Agency
from tests.builders import make_agency

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def bootstrap(*args: str) -> str:
    out = io.StringIO()
    call_command("bootstrap_dev_db", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_creates_the_schema_and_tables_on_a_database_without_them():
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA reporting CASCADE")
    assert len(missing_tables()) == 5

    output = bootstrap()

    assert missing_tables() == []
    assert output.startswith("created the reporting schema and its 5 tables")


@pytest.mark.django_db
def test_it_refuses_a_database_that_already_has_the_tables():
    make_agency()

    with pytest.raises(CommandError, match=r"already exist .*pass --force") as refused:
        bootstrap()

    assert "\n" not in str(refused.value)
    assert "reporting.agency" in str(refused.value)
    assert Agency.objects.count() == 1


@pytest.mark.django_db
def test_force_drops_every_row_and_recreates_the_tables():
    make_agency()

    output = bootstrap("--force")

    assert output.startswith("dropped and recreated the reporting schema")
    assert missing_tables() == []
    assert Agency.objects.count() == 0


@pytest.mark.django_db
def test_force_refuses_a_database_that_is_not_local(monkeypatch):
    make_agency()
    monkeypatch.setitem(connection.settings_dict, "HOST", "bms-admin.db.internal")

    with pytest.raises(CommandError, match=r"only .* on a local database"):
        bootstrap("--force")

    assert Agency.objects.count() == 1


@pytest.mark.parametrize(
    ("settings_dict", "local"),
    [
        ({"HOST": "", "OPTIONS": {"host": "/tmp/efm-pg-1"}}, True),
        ({"HOST": "127.0.0.1"}, True),
        ({"HOST": "localhost", "OPTIONS": {}}, True),
        ({"HOST": "::1"}, True),
        ({"HOST": "/var/run/postgresql"}, True),
        ({"HOST": "bms-admin.cluster-abc.eu-west-1.rds.amazonaws.com"}, False),
        ({"HOST": "", "OPTIONS": {"host": "10.0.0.12"}}, False),
    ],
)
def test_only_sockets_and_loopback_hosts_count_as_local(settings_dict, local):
    assert is_local_database(settings_dict) is local


def test_it_names_the_missing_ddl_copy(monkeypatch, tmp_path):
    monkeypatch.setattr(bootstrap_dev_db, "DDL_PATH", tmp_path / "absent.sql")

    with pytest.raises(CommandError, match=r"absent\.sql is missing: .*development checkout"):
        bootstrap()


def test_the_ddl_copy_is_the_one_the_test_database_is_built_from():
    from tests.conftest import DDL_PATH

    assert bootstrap_dev_db.DDL_PATH == DDL_PATH


def test_the_refusal_is_one_line_on_stderr_and_a_non_zero_exit(django_db_setup):
    # The session's test database already has the tables; the command runs as people run it.
    url = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{connection.settings_dict['NAME']}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(DATABASE_URL=url.geturl(), DJANGO_SECRET_KEY="tests-only", LOG_LEVEL="WARNING")

    done = subprocess.run(
        [sys.executable, "manage.py", "bootstrap_dev_db"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0
    assert "already exist" in done.stderr
