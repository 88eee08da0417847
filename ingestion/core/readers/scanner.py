"""The line scanner: hands the text to pyarrow, noting line breaks, blank lines and quotes."""

from __future__ import annotations

import codecs
import logging
import re
import threading
from dataclasses import dataclass

import numpy as np

from ingestion.core import limits
from ingestion.core.arrays import Int64s
from ingestion.core.errors import FormatError
from ingestion.core.readers.compression import ByteStream

LINE_BREAK = re.compile(rb"\r\n|\r|\n")
NEWLINE, CARRIAGE_RETURN = 10, 13
# Two newlines in a row, at an even or at an odd byte offset, read as one 16-bit word.
DOUBLE_NEWLINE = 0x0A0A
# A paced read that has waited this long for the parser's consumer is let through anyway: the
# pace bounds memory, it must never stall the reading.
STALL_SECONDS = 1.0
UNPACED = float("inf")
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScanState:
    """What the scanner has seen: every line up to `breaks` (all of them once `exhausted`)."""

    blank_lines: list[int]
    breaks: int
    exhausted: bool

    def covers(self, line: int) -> bool:
        return self.exhausted or self.breaks >= line


class LineScanner:
    """The text on its way to pyarrow's CSV parser, noting what the parser does not report.

    pyarrow reads the text through `read`, so every byte is read once, and the scanner records
    where the blank lines are (by physical line number) and which lines lie in reads that hold a
    quote (only quoted values can span lines). Line breaks are `\\r\\n`, `\\r` or `\\n`, as
    pyarrow counts them; a `\\r` ending a read is held back so that a `\\r\\n` is never split.
    `skip` bytes (a UTF-8 BOM) are dropped; with `encoding` set the bytes are decoded from it and
    handed on as UTF-8.

    pyarrow reads ahead of its consumer (some 32 blocks); `allow` paces it: a read past the
    allowed position waits until the consumer has taken more batches, so the text in memory
    stays a few blocks. The checking thread waits in `scan_to` for lines pyarrow has not read
    yet. A lock (and its condition) keeps the threads apart.
    """

    def __init__(self, source: ByteStream, *, skip: int = 0, encoding: str | None = None) -> None:
        self._source = source
        self._decoder = codecs.getincrementaldecoder(encoding)("strict") if encoding else None
        self._encoding = encoding
        self._lock = threading.Lock()
        self._moved = threading.Condition(self._lock)
        self._limit = UNPACED
        self._closed = False
        self._decoded = b""
        self._carry = b""
        self._eof = False
        self.exhausted = False
        self.position = 0
        self.breaks = 0
        self._blank_lines: list[int] = []
        self._quoted: list[tuple[int, int]] = []
        self._at_line_start = True
        if skip:
            source.read(skip)

    @property
    def closed(self) -> bool:
        return self._closed

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        """Stop: a waiting read returns no bytes, and the source is closed."""
        with self._moved:
            self._closed = True
            self._moved.notify_all()
            self._source.close()

    def allow(self, position: int) -> None:
        """Let reads go on up to `position` bytes of text (pacing the parser's read-ahead)."""
        with self._moved:
            self._limit = max(self._limit, position) if self._limit != UNPACED else position
            self._moved.notify_all()

    def read(self, size: int = -1) -> bytes:
        """Hand over the next bytes of text (at most `size`), once the pace allows it."""
        with self._moved:
            while self.position >= self._limit and not self._closed:
                if not self._moved.wait(STALL_SECONDS):
                    logger.debug("text read-ahead waited %.1f s; reading on", STALL_SECONDS)
                    self._limit = self.position + max(size, limits.MIN_BLOCK_BYTES)
            if self._closed:
                return b""
            if size < 0:
                return b"".join(iter(lambda: self._read(limits.SCAN_BYTES), b""))
            data = self._read(size)
            self._moved.notify_all()
            return data

    def scan_to(self, line: int) -> ScanState:
        """Wait until every line up to `line` has been read (or the text ends)."""
        with self._moved:
            while self.breaks < line and not self.exhausted and not self._closed:
                # The consumer needs these lines now: nothing may hold their bytes back.
                self._limit = UNPACED
                self._moved.notify_all()
                self._moved.wait(STALL_SECONDS)
            return self._state()

    def state(self) -> ScanState:
        """Hand over the blank lines found since the last call, with how far the scan got."""
        with self._lock:
            return self._state()

    def quoted_between(self, first: int, last: int) -> bool:
        """Tell whether a quote may sit on lines first..last; forget what lies before `first`."""
        with self._lock:
            self._quoted = [span for span in self._quoted if span[1] >= first]
            return any(low <= last for low, _ in self._quoted)

    def _state(self) -> ScanState:
        found, self._blank_lines = self._blank_lines, []
        return ScanState(found, self.breaks, self.exhausted)

    def _read(self, size: int) -> bytes:
        carry, self._carry = self._carry, b""
        data = carry + self._fetch(size - len(carry)) if carry else self._fetch(size)
        if len(data) > 1 and data.endswith(b"\r"):
            data, self._carry = data[:-1], b"\r"
        if data:
            self.position += len(data)
            self._account(data)
        else:
            self.exhausted = True
        return data

    def _fetch(self, size: int) -> bytes:
        if self._decoder is None:
            return self._source.read(size)
        while len(self._decoded) < size and not self._eof:
            raw = self._source.read(max(size, limits.MIN_BLOCK_BYTES))
            self._eof = not raw
            self._decoded += self._decode(raw)
        data, self._decoded = self._decoded[:size], self._decoded[size:]
        return data

    def _decode(self, raw: bytes) -> bytes:
        assert self._decoder is not None
        try:
            return self._decoder.decode(raw, final=self._eof).encode("utf-8")
        except UnicodeDecodeError as error:
            line = self.breaks + _count_lines(self._decoded) + _decoded_lines(raw, error)
            raise FormatError(
                f"text is not valid {self._encoding} (line {line})", line=line
            ) from None

    def _account(self, data: bytes) -> None:
        first_line = self.breaks + 1
        count, blank_free = _quick_breaks(data, self._at_line_start)
        if blank_free:
            self.breaks += count
            self._at_line_start = data.endswith((b"\n", b"\r"))
        else:
            self._account_blank_lines(data)
        if b'"' in data:
            self._note_quoted(first_line, self.breaks + 1)

    def _note_quoted(self, first: int, last: int) -> None:
        if self._quoted and self._quoted[-1][1] >= first - 1:
            self._quoted[-1] = (self._quoted[-1][0], last)
        else:
            self._quoted.append((first, last))

    def _account_blank_lines(self, data: bytes) -> None:
        starts, ends = _break_positions(data)
        if not len(starts):
            self._at_line_start = False
            return
        line_starts = np.empty_like(starts)
        line_starts[0] = 0
        line_starts[1:] = ends[:-1]
        blank = starts == line_starts
        if not self._at_line_start:
            blank[0] = False
        if blank.any():
            self._blank_lines.extend((np.flatnonzero(blank) + self.breaks + 1).tolist())
        self.breaks += len(starts)
        self._at_line_start = bool(ends[-1] == len(data))


def _quick_breaks(data: bytes, at_line_start: bool) -> tuple[int, bool]:
    """Count the line breaks of LF or CRLF text and tell whether it surely has no blank line.

    Vectorised and cheap; anything unusual (a lone CR, a possible blank line) answers False and
    leaves the exact work to `_break_positions`.
    """
    codes = np.frombuffer(data, np.uint8)
    if b"\r" not in data:
        count = int(np.count_nonzero(codes == NEWLINE))
        if at_line_start and data.startswith(b"\n"):
            return count, False
        return count, not _has_double_newline(data)
    newline = codes == NEWLINE
    count = int(np.count_nonzero(newline))
    if at_line_start and data.startswith((b"\n", b"\r\n")):
        return count, False
    carriage = codes == CARRIAGE_RETURN
    if np.count_nonzero(carriage[:-1] & newline[1:]) != np.count_nonzero(carriage):
        return count, False
    return count, not np.any(newline[2:] & carriage[1:-1] & newline[:-2])


def _has_double_newline(data: bytes) -> bool:
    """Tell whether `data` holds two newlines in a row: as 16-bit words, which halves the work."""
    even = np.frombuffer(data, "<u2", count=len(data) // 2)
    if np.any(even == DOUBLE_NEWLINE):
        return True
    odd = np.frombuffer(data, "<u2", offset=1, count=(len(data) - 1) // 2)
    return bool(np.any(odd == DOUBLE_NEWLINE))


def _break_positions(data: bytes) -> tuple[Int64s, Int64s]:
    """Return where each line break of `data` starts and ends (LF, CRLF or lone CR)."""
    if b"\r" not in data:
        ends = np.flatnonzero(np.frombuffer(data, np.uint8) == NEWLINE)
        return ends, ends + 1
    if data.count(b"\r") == data.count(b"\r\n"):
        codes = np.frombuffer(data, np.uint8)
        newlines = np.flatnonzero(codes == NEWLINE)
        return newlines - (codes[newlines - 1] == CARRIAGE_RETURN), newlines + 1
    # Classic Mac line ends are rare enough for a per-line Python loop.
    spans = [match.span() for match in LINE_BREAK.finditer(data)]
    found = np.array(spans, dtype=np.int64).reshape(-1, 2)
    return found[:, 0], found[:, 1]


def _count_lines(data: bytes) -> int:
    return len(_break_positions(data)[0])


def _decoded_lines(raw: bytes, error: UnicodeDecodeError) -> int:
    prefix = raw[: error.start].decode(error.encoding, errors="replace").encode("utf-8")
    return _count_lines(prefix) + 1
