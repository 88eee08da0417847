"""The one NinjaAPI: routers, authentication and error handlers."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    ImproperlyConfigured,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.db import InterfaceError, OperationalError
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI

from api.definitions import router as definitions_router
from api.files import router as files_router
from api.health import router as health_router
from api.ingestion import router as ingestion_router
from api.payloads import TRIGGER_BODY_COMPONENTS
from api.runs import router as runs_router
from ingestion.errors import IngestionError
from schemas.definition import definition_json_schema

logger = logging.getLogger(__name__)


class ServiceAPI(NinjaAPI):
    """A NinjaAPI that also publishes component schemas no ninja Schema declares.

    ninja keeps its own `components` over `openapi_extra["components"]`, so these are added to
    the generated document here.
    """

    def __init__(self, *, components: dict[str, dict[str, Any]], **options: Any) -> None:
        super().__init__(**options)
        self.components = components

    def get_openapi_schema(self, **options: Any) -> Any:
        document = super().get_openapi_schema(**options)
        schemas = document["components"]["schemas"]
        if clash := schemas.keys() & self.components.keys():
            raise ImproperlyConfigured(f"OpenAPI component names used twice: {sorted(clash)}")
        schemas.update(self.components)
        return document


api = ServiceAPI(
    title="etl-file-monitoring",
    version="1.0.0",
    description="Scores the data quality of agency files dropped into S3 and records the runs "
    "in the bms-admin reporting tables.",
    components={
        # Published so bms-admin admins can validate the definitions they write.
        "SchemaDefinition": definition_json_schema(),
        # The forms of the trigger-ingestion body, which its requestBody refers to.
        **TRIGGER_BODY_COMPONENTS,
    },
)
api.add_router("/health/", health_router)
api.add_router("/", ingestion_router)
api.add_router("/", runs_router)
api.add_router("/", definitions_router)
api.add_router("/", files_router)


@api.exception_handler(IngestionError)
def ingestion_error(request, exc: IngestionError):
    if exc.status_code >= 500:
        logger.warning("request failed", extra={"error": exc.message, **exc.extra})
    return api.create_response(request, {"detail": exc.message}, status=exc.status_code)


@api.exception_handler(RequestDataTooBig)
def body_too_large(request, exc: RequestDataTooBig):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    detail = f"the request body is larger than {limit // 1024:,} KiB"
    return api.create_response(request, {"detail": detail}, status=413)


@api.exception_handler(MultiPartParserError)
@api.exception_handler(TooManyFieldsSent)
@api.exception_handler(TooManyFilesSent)
def unreadable_form(request, exc: Exception):
    detail = f"the multipart body cannot be read: {exc}" if str(exc) else "the body cannot be read"
    return api.create_response(request, {"detail": detail}, status=400)


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def database_unavailable(request, exc: Exception):
    # A read endpoint losing the database is an outage to retry, not a server bug.
    logger.warning("database unavailable", extra={"error": str(exc).strip()})
    return api.create_response(request, {"detail": "the database is unavailable"}, status=503)
