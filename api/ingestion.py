"""POST /api/trigger-ingestion/: hand an S3 event (or a bucket and key) to the pipeline."""

from __future__ import annotations

from ninja import Router

from api.auth import ingestion_token
from api.payloads import TRIGGER_BODY_EXAMPLES, TRIGGER_BODY_SCHEMA, Detail, TriggerOut
from ingestion import correlation
from ingestion.pipeline.events import parse_event
from ingestion.pipeline.lanes import run_in_lane
from ingestion.pipeline.services import process_event

router = Router(tags=["ingestion"])

_BODY_DOC = {
    "requestBody": {
        "required": True,
        "description": "One of: {bucket, key[, force]}; an S3 event notification; an SNS "
        "envelope around one; an EventBridge Object Created event; the s3:TestEvent.",
        "content": {
            "application/json": {
                "schema": TRIGGER_BODY_SCHEMA,
                "examples": TRIGGER_BODY_EXAMPLES,
            }
        },
    }
}


@router.post(
    "/trigger-ingestion/",
    auth=ingestion_token,
    response={200: TriggerOut, 401: Detail, 422: Detail, 503: Detail},
    summary="Score and record the objects an event names",
    description="Answers one result per record. A data-quality failure is a 200 with its "
    "result; 503 means S3 or the database is unreachable and the caller should retry.",
    openapi_extra=_BODY_DOC,
)
async def trigger_ingestion(request):
    # The body is read raw so the one event parser (shared with the worker) decides; ninja's
    # own body validation would answer differently worded 422s.
    event = parse_event(request.body)
    results = [result.as_dict() for result in await run_in_lane(process_event, event)]
    return {"results": results, "correlation_id": correlation.current_id()}
