"""Find the MonitoringFile an S3 object belongs to.

A row matches an object when its `file_name` matches the object's basename (exactly, or as a
glob with `*`/`?`) and either its `s3_url` contains the object (a folder prefix, or the object's
own URL) or, with no `s3_url`, its `agency_slug` is one of the key's folder names.
Exact names beat globs; an `s3_url` match beats an agency-folder match.
"""

from __future__ import annotations

import fnmatch
import logging
from dataclasses import dataclass, field
from typing import Literal

from django.db.models import Q

from ingestion.models import MonitoringFile

logger = logging.getLogger(__name__)

ResolutionStatus = Literal["matched", "unmatched", "inactive"]
_GLOB_CHARACTERS = ("*", "?")


@dataclass(frozen=True)
class Resolution:
    status: ResolutionStatus
    monitoring_file: MonitoringFile | None = None
    candidate_ids: tuple[int, ...] = field(default=())
    reason: str = ""


def resolve_monitoring_file(bucket: str, key: str) -> Resolution:
    folders, _, basename = key.rpartition("/")
    rows = MonitoringFile.objects.filter(
        Q(file_name=basename) | Q(file_name__contains="*") | Q(file_name__contains="?")
    ).select_related("schema_definition", "agency")
    ranked = [
        (rank, row)
        for row in rows
        if (rank := _match_rank(row, bucket, key, basename, folders.split("/") if folders else []))
        is not None
    ]
    if not ranked:
        return Resolution("unmatched", reason="no monitoring file matches this object")
    active = [(rank, row) for rank, row in ranked if row.is_active]
    if not active:
        ids = tuple(sorted(row.id for _, row in ranked))
        inactive = min(ranked, key=lambda pair: (pair[0], pair[1].id))[1]
        return Resolution("inactive", inactive, ids, "every matching monitoring file is inactive")
    best = min(rank for rank, _ in active)
    winners = [row for rank, row in active if rank == best]
    if len(winners) > 1:
        ids = tuple(sorted(row.id for row in winners))
        return Resolution("unmatched", None, ids, "several monitoring files match equally well")
    return Resolution("matched", winners[0], (winners[0].id,))


def _match_rank(
    row: MonitoringFile, bucket: str, key: str, basename: str, folders: list[str]
) -> tuple[int, int] | None:
    """Return (name rank, location rank), lower is better, or None when the row does not match."""
    if row.file_name == basename:
        name_rank = 0
    elif any(c in row.file_name for c in _GLOB_CHARACTERS) and fnmatch.fnmatchcase(
        basename, row.file_name
    ):
        name_rank = 1
    else:
        return None
    s3_url = row.s3_url.strip()
    if s3_url:
        return (name_rank, 0) if s3_url_contains(s3_url, bucket, key, row.file_name) else None
    if row.agency_slug and row.agency_slug in folders:
        return (name_rank, 1)
    return None


def s3_url_contains(s3_url: str, bucket: str, key: str, file_name: str) -> bool:
    """True when `s3_url` is the object's own URL or a folder prefix the object lies under.

    A URL whose last segment is the row's file name (or matches its glob) names one object;
    any other URL is a folder, with or without a trailing slash.
    """
    if not s3_url.startswith("s3://"):
        return False
    url_bucket, _, prefix = s3_url.removeprefix("s3://").partition("/")
    if url_bucket != bucket:
        return False
    last_segment = prefix.rpartition("/")[2]
    if last_segment and fnmatch.fnmatchcase(last_segment, file_name):
        return prefix == key
    folder = prefix.rstrip("/")
    return not folder or key.startswith(f"{folder}/")
