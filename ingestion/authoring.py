"""Definition authoring: draft a definition from a sample file, and dry-run a file against one.

`POST /api/definitions/draft`, `POST /api/validate` and the `draft_definition` and
`validate_file` commands all call these functions. Nothing here writes to the database (a
stored definition is only read) or touches S3: the file is the upload or a local path.

Uploads reach the views through `LimitedUploadHandler` (see FILE_UPLOAD_HANDLERS): every file
is streamed to a temporary file on disk, never held whole in memory, and the upload stops with
413 as soon as it grows past MAX_FILE_SIZE_MB.
"""

from __future__ import annotations

import contextlib
import json
import logging
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler

from ingestion.core import QualityReport
from ingestion.errors import IngestionError
from ingestion.models import MonitoringFileSchemaDefinition
from ingestion.pipeline.services import invalid_definition_detail
from ingestion.scoring_limits import engine_limits
from schemas.definition import DefinitionError, SchemaDefinition, parse_definition

if TYPE_CHECKING:
    from ingestion.core.drafting import Draft

logger = logging.getLogger(__name__)

MIB = 1024 * 1024
# Room for the multipart boundaries and part headers around the file in a request body.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


class UploadTooLarge(IngestionError):
    """The uploaded file is larger than MAX_FILE_SIZE_MB."""

    status_code = 413


class InvalidDefinition(IngestionError):
    """The definition given for a dry run is missing, ambiguous or invalid."""

    status_code = 422


class DefinitionNotFound(IngestionError):
    """No stored schema definition has the given id."""

    status_code = 404


class InvalidUpload(IngestionError):
    """The multipart body holds no file, an empty one, or more than one."""

    status_code = 422


class UnreadableSample(IngestionError):
    """The sample cannot be read as a table, so no definition can be drafted from it."""

    status_code = 422


def max_upload_bytes() -> int:
    return settings.MAX_FILE_SIZE_MB * MIB


def too_large() -> UploadTooLarge:
    return UploadTooLarge(
        f"the upload is larger than MAX_FILE_SIZE_MB={settings.MAX_FILE_SIZE_MB}",
        extra={"limit_bytes": max_upload_bytes()},
    )


class LimitedUploadHandler(TemporaryFileUploadHandler):
    """Stream each uploaded file to a temporary file; stop past MAX_FILE_SIZE_MB."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # A declared body longer than any allowed file plus the in-memory form fields is
        # refused before a byte of it is read.
        fields = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
        if content_length and content_length > max_upload_bytes() + fields + (
            MULTIPART_OVERHEAD_BYTES
        ):
            raise too_large()

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > max_upload_bytes():
            self.upload_interrupted()  # closes and removes the partial temporary file
            raise too_large()
        return super().receive_data_chunk(raw_data, start)


def draft_file(
    path: Path, *, name_hint: str = "", sheet: str | None = None, sample_rows: int | None = None
) -> Draft:
    """Draft a definition from the sample at `path`; raise UnreadableSample if it is no table."""
    # The drafter and the engine load pyarrow: imported on first use, not with the API.
    from ingestion.core.drafting import DraftError, draft_definition

    started = time.monotonic()
    try:
        draft = draft_definition(
            path,
            name_hint=name_hint or path.name,
            sheet=sheet,
            sample_rows=sample_rows,
            engine_limits=engine_limits(),
        )
    except DraftError as exc:
        raise UnreadableSample(f"cannot draft a definition: {exc}") from None
    logger.info(
        "definition drafted",
        extra={
            "file": name_hint or path.name,
            "rows": draft.row_count,
            "columns": len(draft.definition["columns"]),
            "duration_ms": _since(started),
        },
    )
    return draft


def draft_upload(
    upload: UploadedFile, *, sheet: str | None = None, sample_rows: int | None = None
) -> Draft:
    with on_disk(upload) as path:
        return draft_file(path, name_hint=upload.name or "", sheet=sheet, sample_rows=sample_rows)


def resolve_definition(
    *, definition_id: int | None = None, definition: str | Mapping[str, Any] | None = None
) -> SchemaDefinition:
    """Return the stored definition `definition_id` or the inline `definition`, parsed.

    Exactly one must be given. Invalid definitions are named as ingestion names them.
    """
    if isinstance(definition, str) and not definition.strip():
        definition = None
    if definition_id is not None and definition is not None:
        raise InvalidDefinition("give either definition_id or definition, not both")
    if definition_id is not None:
        return _stored_definition(definition_id)
    if definition is not None:
        return _inline_definition(definition)
    raise InvalidDefinition("give definition_id or an inline definition")


def validate_file(
    path: Path, *, definition: SchemaDefinition, name_hint: str = ""
) -> QualityReport:
    """Score the file at `path` against `definition`, as ingestion would, recording nothing."""
    from ingestion.core.engine import score_file

    started = time.monotonic()
    report = score_file(
        path, definition, name_hint=name_hint or path.name, engine_limits=engine_limits()
    )
    logger.info(
        "dry run",
        extra={
            "file": name_hint or path.name,
            "score": report.score,
            "passed": report.passed,
            "duration_ms": _since(started),
        },
    )
    return report


def validate_upload(
    upload: UploadedFile,
    *,
    definition_id: int | None = None,
    definition: str | Mapping[str, Any] | None = None,
) -> QualityReport:
    schema = resolve_definition(definition_id=definition_id, definition=definition)
    with on_disk(upload) as path:
        return validate_file(path, definition=schema, name_hint=upload.name or "")


@contextlib.contextmanager
def on_disk(upload: UploadedFile) -> Iterator[Path]:
    """Yield the path of the upload's temporary file (an in-memory upload is written to one)."""
    if upload.size is not None and upload.size > max_upload_bytes():
        raise too_large()
    if upload.size == 0:
        raise InvalidUpload("the uploaded file is empty")
    if hasattr(upload, "temporary_file_path"):
        yield Path(upload.temporary_file_path())
        return
    with tempfile.TemporaryDirectory(prefix="efm-upload-") as folder:
        path = Path(folder) / "upload"
        with path.open("wb") as target:
            for chunk in upload.chunks():
                target.write(chunk)
        yield path


def _stored_definition(definition_id: int) -> SchemaDefinition:
    stored = MonitoringFileSchemaDefinition.objects.filter(pk=definition_id).first()
    if stored is None:
        raise DefinitionNotFound(f"schema definition {definition_id} does not exist")
    try:
        return parse_definition(stored.definition)
    except DefinitionError as exc:
        raise InvalidDefinition(invalid_definition_detail(definition_id, exc)) from None


def _inline_definition(definition: str | Mapping[str, Any]) -> SchemaDefinition:
    raw: Any = definition
    if isinstance(definition, str):
        try:
            raw = json.loads(definition)
        except json.JSONDecodeError as exc:
            raise InvalidDefinition(
                f"definition is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            ) from None
    try:
        return parse_definition(raw)
    except DefinitionError as exc:
        raise InvalidDefinition(f"the inline definition is invalid: {exc}") from None


def _since(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)
