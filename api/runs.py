"""GET /api/runs/{run_id}: a recorded run with its quality record."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Router

from api.auth import ingestion_token
from api.payloads import Detail, RunOut
from ingestion.models import MonitoringFileRun

router = Router(tags=["runs"])


@router.get(
    "/runs/{run_id}",
    auth=ingestion_token,
    response={200: RunOut, 401: Detail, 404: Detail},
    summary="A run and its data-quality record",
)
def get_run(request, run_id: int):
    run = get_object_or_404(MonitoringFileRun.objects.select_related("data_quality"), pk=run_id)
    quality = getattr(run, "data_quality", None)
    return {
        "id": run.id,
        "monitoring_file_id": run.monitoring_file_id,
        "created_at": run.created_at,
        "file_size": run.file_size,
        "run_date": run.run_date,
        "run_hour": run.run_hour,
        "data_quality": quality,
    }
