"""Shared fixtures: the bms-admin tables on the real test database and small row builders."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

DDL_PATH = Path(__file__).parent / "sql" / "bms_admin_reporting.sql"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Create the reporting schema and tables exactly as bms-admin's DDL does."""
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(DDL_PATH.read_text())
