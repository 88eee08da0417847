"""S3 access: one cached client with explicit timeouts and retries.

"Object not found" is a normal result (`None`), not an error; an unreachable S3 raises
SourceUnavailable so callers can answer 503 or leave a message for redelivery.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

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


def head_object(bucket: str, key: str) -> ObjectInfo | None:
    """Return the object's metadata, or None when there is no such object."""
    try:
        head = client().head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if _error_code(exc) in _NOT_FOUND_CODES:
            return None
        raise SourceUnavailable(f"S3 refused HEAD s3://{bucket}/{key}: {_error_code(exc)}") from exc
    except ParamValidationError:
        # A name S3 would refuse (e.g. "Bad Bucket!") can hold no object. Retrying cannot help,
        # so it must not pass for an outage (a 503, a message left for the DLQ).
        return None
    except BotoCoreError as exc:
        raise SourceUnavailable(f"S3 is unreachable: {exc}") from exc
    return ObjectInfo(
        bucket=bucket,
        key=key,
        size=int(head["ContentLength"]),
        etag=str(head.get("ETag", "")).strip('"'),
        last_modified=head["LastModified"],
        version_id=head.get("VersionId") or None,
    )


def download_object(info: ObjectInfo, destination: Path) -> None:
    """Stream exactly the HEAD-ed version of an object to a file, chunk by chunk.

    A single GET is used rather than a ranged multipart transfer: one request, and the bytes
    never sit in memory all at once. The ETag (and version) pin the bytes to what was HEAD-ed.
    """
    request = {"Bucket": info.bucket, "Key": info.key}
    if info.version_id:
        request["VersionId"] = info.version_id
    if info.etag:
        request["IfMatch"] = f'"{info.etag}"'
    try:
        response = client().get_object(**request)
        with destination.open("wb") as sink:
            for chunk in response["Body"].iter_chunks(DOWNLOAD_CHUNK_BYTES):
                sink.write(chunk)
    except ClientError as exc:
        raise SourceUnavailable(
            f"S3 refused GET s3://{info.bucket}/{info.key}: {_error_code(exc)}"
        ) from exc
    except BotoCoreError as exc:
        raise SourceUnavailable(f"S3 download failed: {exc}") from exc


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "unknown"))
