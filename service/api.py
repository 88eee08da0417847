"""The one NinjaAPI: routers, authentication and error handlers."""

from __future__ import annotations

import logging
from typing import Any

from django.db import InterfaceError, OperationalError
from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from api.definitions import router as definitions_router
from api.health import router as health_router
from api.ingestion import router as ingestion_router
from api.runs import router as runs_router
from ingestion.errors import IngestionError
from schemas.definition import definition_json_schema

logger = logging.getLogger(__name__)


class MonitoringAPI(NinjaAPI):
    """The NinjaAPI whose OpenAPI document also publishes the schema-definition format."""

    def get_openapi_schema(self, **options: Any) -> OpenAPISchema:
        document = super().get_openapi_schema(**options)
        # Published so bms-admin admins can validate the definitions they write. Ninja builds
        # `components` itself and ignores it in `openapi_extra`, hence this addition.
        document["components"]["schemas"]["SchemaDefinition"] = definition_json_schema()
        return document


api = MonitoringAPI(
    title="etl-file-monitoring",
    version="1.0.0",
    description="Scores the data quality of agency files dropped into S3 and records the runs "
    "in the bms-admin reporting tables.",
)
api.add_router("/health/", health_router)
api.add_router("/", ingestion_router)
api.add_router("/", runs_router)
api.add_router("/", definitions_router)


@api.exception_handler(IngestionError)
def ingestion_error(request, exc: IngestionError):
    if exc.status_code >= 500:
        logger.warning("request failed", extra={"error": exc.message, **exc.extra})
    return api.create_response(request, {"detail": exc.message}, status=exc.status_code)


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def database_unavailable(request, exc: Exception):
    # A read endpoint losing the database is an outage to retry, not a server bug.
    logger.warning("database unavailable", extra={"error": str(exc).strip()})
    return api.create_response(request, {"detail": "the database is unavailable"}, status=503)
