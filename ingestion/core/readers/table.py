"""Open any supported file as a table: the content's magic bytes decide the reader."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ingestion.core.errors import FormatError
from ingestion.core.limits import DEFAULT_LIMITS, EngineLimits
from ingestion.core.readers.chunks import Table
from ingestion.core.readers.content import Detected, detect
from ingestion.core.readers.text import TextTable, sniff_layout
from ingestion.core.readers.workbook import WorkbookTable

if TYPE_CHECKING:
    from schemas.definition import SchemaDefinition

WORKBOOK_KINDS = frozenset({"xlsx", "xlsm", "xlsb", "ods", "xls"})


def open_table(
    path: Path,
    definition: SchemaDefinition | None,
    *,
    name_hint: str,
    chunk_rows: int,
    engine_limits: EngineLimits = DEFAULT_LIMITS,
) -> Table:
    """Open `path` and read its header; raise FormatError when it cannot be read as a table."""
    detected = detect(path, name_hint)
    try:
        return _open(path, detected, definition, name_hint, chunk_rows, engine_limits)
    except FormatError as error:
        error.format = error.format or {"type": detected.kind, "compression": detected.compression}
        raise


def _open(
    path: Path,
    detected: Detected,
    definition: SchemaDefinition | None,
    name_hint: str,
    chunk_rows: int,
    engine_limits: EngineLimits,
) -> Table:

    if detected.kind in WORKBOOK_KINDS:
        return WorkbookTable(path, detected.kind, definition, chunk_rows, engine_limits)
    layout = sniff_layout(
        path,
        detected.compression,
        definition.encoding if definition else None,
        definition.delimiter if definition else None,
        name_hint,
        engine_limits,
    )
    return TextTable(path, layout, chunk_rows, engine_limits)
