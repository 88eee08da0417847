"""Decompressed bytes of a file: gzip guarded against bombs, every gzip error a FormatError."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from types import TracebackType
from typing import Protocol

from ingestion.core import limits
from ingestion.core.errors import FormatError


class ByteStream(Protocol):
    """What the readers use of an opened file: `read`, `close` and a `with` block."""

    def read(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...

    def __enter__(self) -> ByteStream: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
        /,
    ) -> None: ...


def open_bytes(
    path: Path, compression: str | None, *, max_bytes: int = limits.DEFAULT_MAX_DECOMPRESSED_BYTES
) -> ByteStream:
    """Open the file's (decompressed) bytes for reading; gzip may expand to `max_bytes`."""
    if compression == "gzip":
        return GuardedGzip(path, max_bytes=max_bytes)
    return path.open("rb")


class GuardedGzip:
    """gzip decompression that refuses bombs and turns every gzip error into a FormatError.

    gzip has no trustworthy directory, so the bytes are counted as they are produced: past
    `max_bytes` in all, or past MAX_GZIP_RATIO times the compressed size once the first
    GZIP_RATIO_FLOOR_BYTES are out, reading stops with a format failure.
    """

    def __init__(self, path: Path, *, max_bytes: int = limits.DEFAULT_MAX_DECOMPRESSED_BYTES):
        compressed = max(path.stat().st_size, 1)
        self._ratio_ceiling = max(limits.GZIP_RATIO_FLOOR_BYTES, limits.MAX_GZIP_RATIO * compressed)
        self._max_bytes = max_bytes
        self._raw = path.open("rb")
        self._gzip = gzip.GzipFile(fileobj=self._raw, mode="rb")
        self._produced = 0

    def read(self, size: int = -1) -> bytes:
        try:
            data = self._gzip.read(size)
        except (OSError, EOFError, zlib.error) as error:
            raise FormatError(f"corrupt gzip stream: {error}", compression="gzip") from None
        self._produced += len(data)
        if self._produced > self._max_bytes:
            raise FormatError(
                f"the gzip stream expands past {self._max_bytes // limits.MIB:,} MiB "
                "(MAX_DECOMPRESSED_MB)",
                compression="gzip",
                limit_bytes=self._max_bytes,
            )
        if self._produced > self._ratio_ceiling:
            raise FormatError(
                f"gzip stream expands more than {limits.MAX_GZIP_RATIO}x past the first "
                f"{limits.GZIP_RATIO_FLOOR_BYTES // limits.MIB} MiB (possible zip bomb)",
                compression="gzip",
            )
        return data

    def close(self) -> None:
        self._gzip.close()
        self._raw.close()

    def __enter__(self) -> GuardedGzip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
