"""POST /api/definitions/draft and POST /api/validate: definition authoring, nothing recorded."""

from __future__ import annotations

from typing import Annotated

from ninja import File, Form, Router
from ninja.files import UploadedFile

from api.auth import ingestion_token
from api.payloads import (
    DRAFT_EXAMPLE,
    INLINE_DEFINITION_EXAMPLE,
    VALIDATE_EXAMPLE,
    Detail,
    DraftOut,
    ValidateOut,
    answer_example,
)
from ingestion import authoring, correlation

router = Router(tags=["definitions"])

Sample = Annotated[
    UploadedFile, File(description="The file, sent as one multipart part named `file`.")
]
Sheet = Annotated[
    str | None,
    Form(description="The workbook sheet to read (default: the first).", example="May"),
]
SampleRows = Annotated[
    int | None,
    Form(ge=1, description="Read only the first N data rows (default: every row).", example=1000),
]
DefinitionId = Annotated[
    int | None, Form(description="The id of a stored schema definition.", example=12)
]
InlineDefinition = Annotated[
    str | None,
    Form(
        description="A definition as a JSON string, instead of definition_id.",
        example=INLINE_DEFINITION_EXAMPLE,
    ),
]


@router.post(
    "/definitions/draft",
    auth=ingestion_token,
    response={200: DraftOut, 401: Detail, 413: Detail, 422: Detail},
    summary="Draft a schema definition from a sample file",
    description="Reads every row of the uploaded sample (CSV/TSV, gzip, xlsx, xlsm, xls) with "
    "the ingestion readers and answers a definition to review, with one explanation per "
    "column. Fed back with the same file, the draft scores 100. Nothing is recorded. "
    "413: the file is larger than MAX_FILE_SIZE_MB; 422: it cannot be read as a table.",
    openapi_extra=answer_example(DRAFT_EXAMPLE),
)
def draft_definition(request, file: Sample, sheet: Sheet = None, sample_rows: SampleRows = None):
    draft = authoring.draft_upload(
        one_file(request, file), sheet=sheet or None, sample_rows=sample_rows
    )
    return {**draft.as_dict(), "correlation_id": correlation.current_id()}


@router.post(
    "/validate",
    auth=ingestion_token,
    response={200: ValidateOut, 401: Detail, 404: Detail, 413: Detail, 422: Detail},
    summary="Score a file against a definition without recording anything (dry run)",
    description="Give the file and either `definition_id` (a stored schema definition) or "
    "`definition` (the definition's JSON as a string). Answers the report ingestion would "
    "record: score, passed, deductions and metrics with their evidence. Nothing is written "
    "and nothing is read from S3. 404: no such definition; 413: the file is larger than "
    "MAX_FILE_SIZE_MB; 422: the definition is missing, given twice or invalid.",
    openapi_extra=answer_example(VALIDATE_EXAMPLE),
)
def validate(
    request,
    file: Sample,
    definition_id: DefinitionId = None,
    definition: InlineDefinition = None,
):
    report = authoring.validate_upload(
        one_file(request, file), definition_id=definition_id, definition=definition
    )
    return {**report.as_dict(), "correlation_id": correlation.current_id()}


def one_file(request, file: UploadedFile) -> UploadedFile:
    """The request's one `file` part: several would leave which one was scored to chance."""
    parts = len(request.FILES.getlist("file"))
    if parts > 1:
        raise authoring.InvalidUpload(f"send one file part named `file`, not {parts}")
    return file
