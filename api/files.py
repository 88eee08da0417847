"""GET /api/files/{monitoring_file_id}/history: a file's recent runs and its trend baseline."""

from __future__ import annotations

from typing import Annotated

from ninja import Query, Router, Status

from api.auth import ingestion_token
from api.payloads import HISTORY_EXAMPLE, Detail, FileHistoryOut, answer_example
from ingestion.pipeline.history import FileHistory, file_history

router = Router(tags=["files"])

DEFAULT_HISTORY_RUNS = 20
MAX_HISTORY_RUNS = 500
Limit = Annotated[
    int,
    Query(
        ge=1,
        le=MAX_HISTORY_RUNS,
        description=f"How many runs to answer, newest first (at most {MAX_HISTORY_RUNS}).",
        example=DEFAULT_HISTORY_RUNS,
    ),
]


@router.get(
    "/files/{monitoring_file_id}/history",
    auth=ingestion_token,
    response={200: FileHistoryOut, 401: Detail, 404: Detail, 422: Detail},
    summary="A monitoring file's recent runs and the baseline its next run is compared with",
    description="The file's runs newest first, each with its score, whether it passed, the "
    "categories it failed, its row count and its trend anomalies (history-aware monitoring), "
    "and the current baseline: the medians of the passing runs among the last "
    "TREND_WINDOW_RUNS. 404: no such monitoring file.",
    openapi_extra=answer_example(HISTORY_EXAMPLE),
)
def get_file_history(request, monitoring_file_id: int, limit: Limit = DEFAULT_HISTORY_RUNS):
    history = file_history(monitoring_file_id, limit=limit)
    if history is None:
        return Status(404, {"detail": f"no monitoring file {monitoring_file_id}"})
    return history_answer(history)


def history_answer(history: FileHistory) -> dict:
    monitoring_file = history.monitoring_file
    return {
        "monitoring_file_id": monitoring_file.id,
        "agency_slug": monitoring_file.agency_slug,
        "file_name": monitoring_file.file_name,
        "range": monitoring_file.range,
        "window_runs": history.window,
        "baseline_runs": history.baseline_runs,
        "baseline": history.baseline,
        "note": history.note,
        "runs": history.runs,
    }
