"""S3 access: one cached client with explicit timeouts and retries, one GET per object.

"Object not found" is a normal result (`None`), not an error; an unreachable S3 raises
SourceUnavailable so callers can answer 503 or leave a message for redelivery.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from ingestion.aws import make_client
from ingestion.errors import SourceUnavailable

logger = logging.getLogger(__name__)

READ_TIMEOUT_SECONDS = 60
DOWNLOAD_CHUNK_BYTES = 1024 * 1024
_NOT_FOUND_CODES = {"404", "NoSuchKey", "NotFound", "NoSuchBucket", "NoSuchVersion"}


@dataclass(frozen=True)
class ObjectInfo:
    bucket: str
    key: str
    size: int
    etag: str
    last_modified: datetime
    version_id: str | None


@functools.cache
def client():
    return make_client("s3", read_timeout=READ_TIMEOUT_SECONDS)


@dataclass(frozen=True)
class OpenObject:
    """An object whose GET has answered: its metadata, and its bytes still on the wire."""

    info: ObjectInfo
    body: Any


@contextlib.contextmanager
def open_object(bucket: str, key: str) -> Iterator[OpenObject | None]:
    """GET an object: its metadata at once, its bytes only if `download_object` reads them.

    Yields None when there is no such object. The one GET replaces a HEAD before it: the
    metadata and the bytes come from the same answer, so they always describe the same version.
    Leaving the block unread (a duplicate, an object over the size limit) closes the stream
    and drops its connection; nothing more is transferred.
    """
    response = _get(bucket, key)
    if response is None:
        yield None
        return
    info = ObjectInfo(
        bucket=bucket,
        key=key,
        size=int(response["ContentLength"]),
        etag=str(response.get("ETag", "")).strip('"'),
        last_modified=response["LastModified"],
        version_id=response.get("VersionId") or None,
    )
    try:
        yield OpenObject(info, response["Body"])
    finally:
        response["Body"].close()


def download_object(opened: OpenObject, destination: Path) -> str:
    """Stream the object's bytes to a file, chunk by chunk; they never sit in memory at once.

    The bytes of the one GET `open_object` made, not a ranged multipart transfer. Returns their
    sha256 (hex), taken as they pass: the file is never read again for it.
    """
    digest = hashlib.sha256()
    try:
        with destination.open("wb") as sink:
            for chunk in opened.body.iter_chunks(DOWNLOAD_CHUNK_BYTES):
                digest.update(chunk)
                sink.write(chunk)
    except BotoCoreError as exc:
        raise SourceUnavailable(f"S3 download failed: {exc}") from exc
    return digest.hexdigest()


def _get(bucket: str, key: str) -> dict[str, Any] | None:
    """The GET's answer, body unread; None when there is no such object."""
    try:
        return client().get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if _error_code(exc) in _NOT_FOUND_CODES:
            return None
        raise SourceUnavailable(f"S3 refused GET s3://{bucket}/{key}: {_error_code(exc)}") from exc
    except ParamValidationError:
        # A name S3 would refuse (e.g. "Bad Bucket!") can hold no object. Retrying cannot help,
        # so it must not pass for an outage (a 503, a message left for the DLQ).
        return None
    except BotoCoreError as exc:
        raise SourceUnavailable(f"S3 is unreachable: {exc}") from exc


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "unknown"))
