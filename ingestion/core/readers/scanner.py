"""The line scanner: reads the text a second time to find blank lines and quoted regions."""

from __future__ import annotations

import codecs
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


@dataclass(frozen=True)
class ScanState:
    """What the scanner has seen: every line up to `breaks` (all of them once `exhausted`)."""

    blank_lines: list[int]
    breaks: int
    exhausted: bool

    def covers(self, line: int) -> bool:
        return self.exhausted or self.breaks >= line


class LineScanner:
    """Reads the text a second time, beside pyarrow, to note what its CSV parser does not report.

    It records where the blank lines are (by physical line number) and which lines lie in reads
    that hold a quote (only quoted values can span lines). Line breaks are `\\r\\n`, `\\r` or
    `\\n`, as pyarrow counts them; a `\\r` ending a read is held back so that a `\\r\\n` is
    never split. `skip` bytes (a UTF-8 BOM) are dropped; with `encoding` set the bytes are
    decoded from it first. The reading thread scans ahead as pyarrow parses; the checking thread
    asks for more only when it needs it; a lock keeps the two apart.
    """

    def __init__(self, source: ByteStream, *, skip: int = 0, encoding: str | None = None) -> None:
        self._source = source
        self._decoder = codecs.getincrementaldecoder(encoding)("strict") if encoding else None
        self._encoding = encoding
        self._lock = threading.Lock()
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

    def close(self) -> None:
        with self._lock:
            self._source.close()

    def scan_to(self, line: int) -> ScanState:
        """Read on until every line up to `line` has been seen (or the text ends)."""
        with self._lock:
            while self.breaks < line and not self.exhausted:
                self._read(limits.SCAN_BYTES)
            return self._state()

    def scan_bytes(self, position: int) -> None:
        """Read on until `position` bytes of text have been seen (or the text ends)."""
        with self._lock:
            while self.position < position and not self.exhausted:
                self._read(limits.SCAN_BYTES)

    def state(self) -> ScanState:
        """Hand over the blank lines found since the last call, with how far the scan got."""
        with self._lock:
            return self._state()

    def quoted_between(self, first: int, last: int) -> bool:
        """Tell whether a quote may sit on lines first..last; forget what lies before `first`."""
        with self._lock:
            self._quoted = [span for span in self._quoted if span[1] >= first]
            return any(low <= last for low, _ in self._quoted)

    def read(self, size: int) -> bytes:
        with self._lock:
            return self._read(size)

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
    newline = codes == NEWLINE
    count = int(np.count_nonzero(newline))
    if at_line_start and data.startswith((b"\n", b"\r\n")):
        return count, False
    if b"\r" not in data:
        return count, not np.any(newline[1:] & newline[:-1])
    carriage = codes == CARRIAGE_RETURN
    if np.count_nonzero(carriage[:-1] & newline[1:]) != np.count_nonzero(carriage):
        return count, False
    return count, not np.any(newline[2:] & carriage[1:-1] & newline[:-2])


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
