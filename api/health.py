"""Liveness and readiness probes."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from ninja import Router, Status

from api.payloads import Detail, HealthOut
from ingestion.models import (
    Agency,
    MonitoringFile,
    MonitoringFileDataQuality,
    MonitoringFileRun,
    MonitoringFileSchemaDefinition,
)

logger = logging.getLogger(__name__)
router = Router(tags=["health"])

REQUIRED_MODELS = (
    Agency,
    MonitoringFileSchemaDefinition,
    MonitoringFile,
    MonitoringFileRun,
    MonitoringFileDataQuality,
)


def missing_tables() -> list[str]:
    """Return the reporting tables that do not exist in the connected database."""
    names = [model._meta.db_table for model in REQUIRED_MODELS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.execute(
            "SELECT name FROM unnest(%s::text[]) AS name WHERE to_regclass(name) IS NULL", [names]
        )
        return [row[0] for row in cursor.fetchall()]


@router.get("/live", response={200: HealthOut}, summary="The process is up")
def live(request):
    return {"status": "ok"}


@router.get("/ready", response={200: HealthOut, 503: Detail}, summary="The database is usable")
def ready(request):
    try:
        missing = missing_tables()
    except DatabaseError as exc:
        logger.warning("readiness: database unreachable", extra={"error": str(exc).strip()})
        return Status(503, {"detail": f"database unreachable: {str(exc).strip().splitlines()[0]}"})
    if missing:
        return Status(503, {"detail": f"reporting tables missing: {', '.join(missing)}"})
    return {"status": "ok"}
