"""Delimited text (CSV, TSV, `;` and `|`, optionally gzip-compressed) read with pyarrow, streaming.

The head of the file decides the encoding (a BOM wins over the declared one), rejects binary
content, sniffs the delimiter and counts the header's fields. pyarrow's streaming reader then
parses every record as strings, header included, in blocks of a fixed size, in a thread ahead of
the checks; records with the wrong number of fields come back through its invalid-row handler
and are put back in place: a short row gets nulls, a whitespace-only line is skipped like a blank
line (in a one-column file it is a row with a null cell), a long row is a format failure.
pyarrow reads the text through a `LineScanner`, which decompresses and transcodes it once, paces
pyarrow's read-ahead and notes blank lines and quoted regions, so that every row gets the line
number a person sees.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from ingestion.core import limits
from ingestion.core.arrays import Int64s
from ingestion.core.errors import FormatError
from ingestion.core.readers.chunks import Chunk, TableInfo, bounded
from ingestion.core.readers.compression import open_bytes
from ingestion.core.readers.content import is_utf8, split_bom
from ingestion.core.readers.lines import LineTracker, RecordOrder, RejectedRow
from ingestion.core.readers.prefetch import Prefetcher
from ingestion.core.readers.scanner import LineScanner, ScanState
from ingestion.core.strings import string_buffers
from schemas.spelling import DEFAULT_ENCODING, SNIFFED_DELIMITERS

QUOTE = '"'
# Control bytes that plain text may contain: tab, LF, VT, FF, CR, DOS end-of-file and escape.
TEXT_CONTROLS = frozenset(b"\t\n\x0b\x0c\r\x1a\x1b")
CONTROL_BYTES = bytes(code for code in range(32) if code not in TEXT_CONTROLS)


@dataclass(frozen=True)
class TextLayout:
    """How to read the text: decided once from its head."""

    bom: bytes
    encoding: str
    delimiter: str
    fields: int
    compression: str | None

    @property
    def transcode(self) -> str | None:
        return None if is_utf8(self.encoding) else self.encoding

    def format(self) -> dict[str, Any]:
        return {
            "type": "tsv" if self.delimiter == "\t" else "csv",
            "encoding": codecs.lookup(self.encoding).name,
            "bom": bool(self.bom),
            "delimiter": self.delimiter,
            "compression": self.compression,
            "sheet": None,
        }


def sniff_layout(
    path: Path,
    compression: str | None,
    declared_encoding: str | None,
    declared_delimiter: str | None,
    name_hint: str,
    engine_limits: limits.EngineLimits = limits.DEFAULT_LIMITS,
) -> TextLayout:
    """Read the head of the text and decide how to parse it; raise FormatError if it is no text."""
    with open_bytes(path, compression) as source:
        head = source.read(limits.HEAD_BYTES + 1)
    complete = len(head) <= limits.HEAD_BYTES
    head = head[: limits.HEAD_BYTES]
    bom, bom_encoding = split_bom(head)
    encoding = bom_encoding or declared_encoding or DEFAULT_ENCODING
    # The UTF-16/32 codecs need their BOM to know the byte order; UTF-8 must not see it.
    text = _decode_head(
        head if bom and not is_utf8(encoding) else head[len(bom) :], encoding, complete
    )
    if not text.strip():
        raise FormatError("no header row: the text holds only blank lines")
    sample = text if complete else text[: max(text.rfind("\n"), text.rfind("\r"), 0)]
    if not sample.strip():
        raise FormatError("the header row is longer than the sniffed head of the file")
    delimiter = declared_delimiter or sniff_delimiter(sample, name_hint)
    header = _first_record(sample, delimiter)
    engine_limits.check_width(len(header))
    return TextLayout(bom, encoding, delimiter, len(header), compression)


def sniff_delimiter(sample: str, name_hint: str = "") -> str:
    """Pick among , ; tab | the delimiter that splits the header and agrees with most rows."""
    preferred = "\t" if name_hint.lower().removesuffix(".gz").endswith(".tsv") else ","
    best, best_score = preferred, (0.0, 1, 0)
    for delimiter in SNIFFED_DELIMITERS:
        counts = _field_counts(sample, delimiter)
        if not counts or counts[0] < 2:
            continue
        agreement = sum(count == counts[0] for count in counts) / len(counts)
        score = (agreement, counts[0], int(delimiter == preferred))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _field_counts(sample: str, delimiter: str) -> list[int]:
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, quotechar=QUOTE)
    counts: list[int] = []
    try:
        for fields in reader:
            if any(field.strip() for field in fields):
                counts.append(len(fields))
            if len(counts) >= limits.SNIFF_LINES:
                break
    except csv.Error:
        pass
    return counts


def _first_record(sample: str, delimiter: str) -> list[str]:
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, quotechar=QUOTE)
    try:
        for fields in reader:
            if any(field.strip() for field in fields):
                return fields
    except csv.Error as error:
        raise FormatError(f"the header row cannot be parsed: {error}") from None
    raise FormatError("no header row: the text holds only blank lines")


def _decode_head(raw: bytes, encoding: str, complete: bool) -> str:
    ascii_based = not codecs.lookup(encoding).name.startswith(("utf-16", "utf-32"))
    if ascii_based:
        _reject_binary_bytes(raw)
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        text = decoder.decode(raw, final=complete)
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise FormatError(f"text is not valid {encoding} (line {line})", line=line) from None
    if not ascii_based and "\x00" in text:
        raise FormatError("binary content: the file is not text")
    return text


def _reject_binary_bytes(raw: bytes) -> None:
    if b"\x00" in raw:
        raise FormatError("binary content: the file is not text (it contains NUL bytes)")
    sample = raw[: 64 * 1024]
    controls = len(sample) - len(sample.translate(None, CONTROL_BYTES))
    if sample and controls / len(sample) > limits.MAX_CONTROL_SHARE:
        raise FormatError("binary content: the file is not text (control bytes)")


class TextTable:
    """An opened delimited-text table; `info` is known once the header has been read."""

    def __init__(
        self,
        path: Path,
        layout: TextLayout,
        chunk_rows: int,
        engine_limits: limits.EngineLimits = limits.DEFAULT_LIMITS,
    ) -> None:
        self.info = TableInfo(format=layout.format())
        self._path = path
        self._layout = layout
        self._chunk_rows = engine_limits.chunk_rows(chunk_rows, layout.fields)
        self._max_bytes = engine_limits.max_decompressed_bytes
        self._order = RecordOrder()
        self._lines = LineTracker()
        self._scanner = LineScanner(
            open_bytes(path, layout.compression, max_bytes=self._max_bytes),
            skip=0 if layout.transcode else len(layout.bom),
            encoding=layout.transcode,
        )
        self._rejected: list[RejectedRow] = []
        self._reader: pa.RecordBatchReader | None = None
        self._prefetch: Prefetcher[tuple[Any, ...]] | None = None
        self._rest: Chunk | None = None
        self._records: Iterator[Chunk] = iter(())
        try:
            self._open()
        except BaseException:
            self.close()
            raise

    def chunks(self) -> Iterator[Chunk]:
        """Yield the data rows in chunks of at most `chunk_rows`: pyarrow's batches, split."""
        yield from bounded(self._data(), self._chunk_rows)

    def _data(self) -> Iterator[Chunk]:
        if self._rest is not None:
            yield self._rest
            self._rest = None
        yield from self._records

    def close(self) -> None:
        # The scanner first: a pyarrow read waiting for its pace then ends, and so does the
        # prefetch thread.
        self._scanner.close()
        if self._prefetch is not None:
            self._prefetch.close()
            self._prefetch = None
        # No read of pyarrow's may still be under way when the interpreter exits.
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def _open(self) -> None:
        reader = self._reader = self._arrow_reader()
        self._prefetch = Prefetcher(self._batches(reader), limits.PREFETCH_BATCHES)
        self._records = self._ordered(iter(self._prefetch))
        for chunk in self._records:
            rest = self._take_header(chunk)
            if rest is not None:
                self._rest = rest
                return
        raise FormatError("no header row: the text holds only blank lines")

    def _arrow_reader(self) -> pa.RecordBatchReader:
        names = [f"c{index}" for index in range(self._layout.fields)]
        self._scanner.allow(limits.READ_AHEAD_BLOCKS * limits.BLOCK_BYTES)
        try:
            return pa_csv.open_csv(
                self._scanner,
                read_options=pa_csv.ReadOptions(
                    column_names=names,
                    use_threads=False,
                    block_size=limits.BLOCK_BYTES,
                    encoding="utf8",
                ),
                parse_options=pa_csv.ParseOptions(
                    delimiter=self._layout.delimiter,
                    quote_char=QUOTE,
                    double_quote=True,
                    newlines_in_values=True,
                    ignore_empty_lines=True,
                    invalid_row_handler=self._reject,
                ),
                convert_options=pa_csv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()),
                    strings_can_be_null=False,
                    check_utf8=True,
                ),
            )
        except (pa.ArrowException, UnicodeDecodeError, OSError) as error:
            raise self._parse_error(error) from None

    def _reject(self, row: Any) -> str:
        # Called by pyarrow, in the thread that parses, in file order; never raise from here.
        self._rejected.append(RejectedRow(int(row.number or 0), row.actual_columns, row.text))
        return "skip"

    def _batches(self, reader: pa.RecordBatchReader) -> Iterator[tuple[Any, ...]]:
        """Yield each batch with the rows pyarrow rejected while parsing it (prefetch thread).

        pyarrow parses one batch a block, so taking batch k lets it read on to block
        k + READ_AHEAD_BLOCKS; the rows of batch k were all read before it was handed over.
        """
        blocks = 0
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                batch = None
            except (pa.ArrowException, UnicodeDecodeError, OSError) as error:
                raise self._parse_error(error) from None
            blocks += 1
            self._scanner.allow((blocks + limits.READ_AHEAD_BLOCKS) * limits.BLOCK_BYTES)
            rejected, self._rejected = self._rejected, []
            yield batch, rejected
            if batch is None:
                return

    def _ordered(self, batches: Iterator[tuple[Any, ...]]) -> Iterator[Chunk]:
        """Put rejected rows back in place and number every row with its physical line."""
        for batch, rejected in batches:
            self._order.add_rejected(rejected)
            kept = batch.num_rows if batch is not None else 0
            records, taken = self._order.place(kept, final=batch is None)
            columns = tuple(batch.columns) if batch is not None else ()
            if taken:
                yield self._merge(columns, records, taken)
            elif kept:
                yield Chunk(columns, self._place(columns, kept, []))

    def _place(
        self,
        columns: tuple[pa.Array, ...],
        kept: int,
        taken: list[RejectedRow],
        order: Int64s | None = None,
    ) -> Int64s:
        """Return each record's start line, asking the scanner for more only when needed."""
        valued = False
        breaks = self._breaks(columns, kept, taken, order, valued)
        state = self._scanner.state()
        while True:
            self._lines.add_blank_lines(state.blank_lines)
            starts = self._lines.preview(breaks)
            end = int(starts[-1] + breaks[-1])
            if not state.covers(end):
                state = self._scanner.scan_to(end)
                continue
            if not valued and kept and self._scanner.quoted_between(int(starts[0]), end):
                valued = True
                breaks = self._breaks(columns, kept, taken, order, valued)
                state = ScanState([], state.breaks, state.exhausted)
                continue
            break
        self._lines.commit(starts, breaks)
        return starts

    def _breaks(
        self,
        columns: tuple[pa.Array, ...],
        kept: int,
        taken: list[RejectedRow],
        order: Int64s | None,
        valued: bool,
    ) -> Int64s:
        breaks = _value_breaks(columns, kept) if valued and kept else np.zeros(kept, np.int64)
        if not taken:
            return breaks
        extra = np.array([row.breaks for row in taken], dtype=np.int64)
        return np.concatenate([breaks, extra])[order]

    def _merge(
        self, columns: tuple[pa.Array, ...], records: Int64s, taken: list[RejectedRow]
    ) -> Chunk:
        kept = len(records)
        numbers = np.concatenate([records, [row.number for row in taken]]).astype(np.int64)
        order = np.argsort(numbers, kind="stable")
        lines = self._place(columns, kept, taken, order)
        at_line = dict(zip(order.tolist(), lines.tolist(), strict=True))
        width = self._layout.fields
        for position, row in enumerate(taken, start=kept):
            if row.fields > width and not row.blank:
                line = at_line[position]
                raise FormatError(
                    f"line {line} has {row.fields} fields, the header has {width}", line=line
                )
        extra = [self._fields(row) for row in taken]
        keep = np.array([True] * kept + [not row.blank for row in taken])[order]
        merged = []
        for index in range(width):
            values = pa.array([fields[index] for fields in extra], pa.string())
            column = columns[index] if columns else pa.array([], pa.string())
            merged.append(pa.concat_arrays([column, values]).take(pa.array(order)).filter(keep))
        return Chunk(tuple(merged), lines[keep])

    def _fields(self, row: RejectedRow) -> list[str | None]:
        width = self._layout.fields
        if row.blank:
            return [None] * width
        reader = csv.reader(
            io.StringIO(row.text, newline=""), delimiter=self._layout.delimiter, quotechar=QUOTE
        )
        fields = next(reader, [])[:width]
        return fields + [None] * (width - len(fields))

    def _take_header(self, chunk: Chunk) -> Chunk | None:
        """Find the header in the first rows; return the data rows after it, or None."""
        for index in range(len(chunk)):
            values = [column[index].as_py() for column in chunk.columns]
            if any(value is None for value in values):
                raise FormatError("the header row cannot be parsed", line=int(chunk.lines[index]))
            if not any(value.strip() for value in values):
                continue
            self.info.header = tuple(_header_name(value) for value in values)
            return chunk.slice(index + 1, len(chunk))
        return None

    def _parse_error(self, error: BaseException) -> FormatError:
        if isinstance(error, FormatError):
            return error
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        if "UTF8" in message and self._layout.transcode is None:
            line = first_invalid_line(self._path, self._layout, self._max_bytes)
            return FormatError(f"text is not valid utf-8 (line {line})", line=line)
        if isinstance(error, UnicodeDecodeError):
            line = first_invalid_line(self._path, self._layout, self._max_bytes)
            encoding = self._layout.encoding
            return FormatError(f"text is not valid {encoding} (line {line})", line=line)
        if "straddling" in message or "block" in message.lower():
            return FormatError(f"a row is longer than {limits.BLOCK_BYTES // limits.MIB} MiB")
        if self._layout.compression and isinstance(error, OSError):
            return FormatError(f"corrupt gzip stream: {message}", compression="gzip")
        return FormatError(f"the text cannot be parsed as a table: {message}")


def first_invalid_line(path: Path, layout: TextLayout, max_bytes: int) -> int:
    """Return the line of the first undecodable byte, reading the text once more."""
    scanner = LineScanner(
        open_bytes(path, layout.compression, max_bytes=max_bytes),
        skip=len(layout.bom) if layout.transcode is None else 0,
        encoding=layout.transcode or "utf-8",
    )
    try:
        while not scanner.exhausted:
            scanner.read(limits.SCAN_BYTES)
    except FormatError as error:
        return int(error.evidence.get("line") or 1)
    finally:
        scanner.close()
    return scanner.breaks + 1


def _header_name(value: str) -> str:
    return value.strip().strip("\ufeff").strip()


def _value_breaks(columns: tuple[pa.Array, ...], rows: int) -> Int64s:
    """Count the line breaks inside each row's values (only quoted values can hold them)."""
    total = np.zeros(rows, dtype=np.int64)
    for column in columns:
        if not _may_hold_breaks(column):
            continue
        counts = (
            pc.count_substring(column, "\n").to_numpy(zero_copy_only=False)
            + pc.count_substring(column, "\r").to_numpy(zero_copy_only=False)
            - pc.count_substring(column, "\r\n").to_numpy(zero_copy_only=False)
        )
        total += counts.astype(np.int64)
    return total


def _may_hold_breaks(column: pa.Array) -> bool:
    if len(column) == 0:
        return False
    offsets, data = string_buffers(column)
    values = data[int(offsets[0]) : int(offsets[-1])].tobytes()
    return b"\n" in values or b"\r" in values
