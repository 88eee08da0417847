"""python manage.py bootstrap_dev_db [--force]: the bms-admin reporting tables, for local use only.

bms-admin owns these tables in every shared database; this command gives a local or demo
database the same tables from the project's copy of bms-admin's DDL. It refuses a database that
already has them unless `--force`, which drops the whole `reporting` schema first, and even then
only on a local server. Nothing runs it at start-up, and the image does not ship the DDL copy.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from ingestion.models import (
    Agency,
    MonitoringFile,
    MonitoringFileDataQuality,
    MonitoringFileRun,
    MonitoringFileSchemaDefinition,
)

SCHEMA = "reporting"
TABLE_MODELS = (
    Agency,
    MonitoringFileSchemaDefinition,
    MonitoringFile,
    MonitoringFileRun,
    MonitoringFileDataQuality,
)
# The one copy of bms-admin's DDL; tests/conftest.py creates the test database from it too.
DDL_PATH = Path(settings.BASE_DIR) / "tests" / "sql" / "bms_admin_reporting.sql"
LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1"})


def is_local_database(settings_dict: dict) -> bool:
    """True for a unix socket or a loopback host: the only places `--force` may drop tables."""
    hosts = [settings_dict.get("HOST") or "", (settings_dict.get("OPTIONS") or {}).get("host", "")]
    return all(host in LOCAL_HOSTS or str(host).startswith("/") for host in hosts)


class Command(BaseCommand):
    help = (
        "Development only: create the bms-admin `reporting` schema and tables from "
        "tests/sql/bms_admin_reporting.sql. Refuses when the tables already exist; --force "
        "DROPS the whole reporting schema (every row in it) and recreates it, on a local "
        "database only. Never part of the service's start-up."
    )
    # The system checks are about running the service (its token, its parsers), not about
    # creating tables; their warnings would only bury this command's one line.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="DROP the reporting schema and all its rows, then recreate it (local databases "
            "only)",
        )

    def handle(self, *args, force: bool = False, **options):
        ddl = self._read_ddl()
        present = self._present_tables()
        if present and not force:
            raise CommandError(
                f"the reporting tables already exist ({', '.join(present)}); "
                "pass --force to drop and recreate the reporting schema"
            )
        if force and not is_local_database(connection.settings_dict):
            raise CommandError("--force only drops the reporting schema on a local database")
        with transaction.atomic(), connection.cursor() as cursor:
            if force:
                cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
            cursor.execute(ddl)
        verb = "dropped and recreated" if force else "created"
        self.stdout.write(
            f"{verb} the {SCHEMA} schema and its {len(TABLE_MODELS)} tables "
            f"from {DDL_PATH.relative_to(settings.BASE_DIR)}"
        )

    def _read_ddl(self) -> str:
        try:
            return DDL_PATH.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CommandError(
                f"{DDL_PATH} is missing: this command needs a development checkout"
            ) from None

    def _present_tables(self) -> list[str]:
        names = [model._meta.db_table for model in TABLE_MODELS]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM unnest(%s::text[]) WITH ORDINALITY AS t(name, position) "
                "WHERE to_regclass(name) IS NOT NULL ORDER BY position",
                [names],
            )
            return [row[0].replace('"', "") for row in cursor.fetchall()]
