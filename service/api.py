"""The one NinjaAPI: routers, authentication and error handlers."""

from __future__ import annotations

import logging

from ninja import NinjaAPI

from api.health import router as health_router
from ingestion.errors import IngestionError

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="etl-file-monitoring",
    version="1.0.0",
    description="Scores the data quality of agency files dropped into S3 and records the runs "
    "in the bms-admin reporting tables.",
)
api.add_router("/health/", health_router)


@api.exception_handler(IngestionError)
def ingestion_error(request, exc: IngestionError):
    if exc.status_code >= 500:
        logger.warning("request failed", extra={"error": exc.message, **exc.extra})
    return api.create_response(request, {"detail": exc.message}, status=exc.status_code)
