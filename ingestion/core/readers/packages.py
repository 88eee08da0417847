"""Zip-based workbooks before any parser sees them: declared sizes, XML declarations, sheet extent.

Three looks at a package, each made from the zip directory or by scanning decompressed bytes in
C (never by parsing XML in Python):
- `check_zip_bomb`: the directory's declared sizes and ratios (nothing is decompressed);
- `vet_parts`: no XML part that calamine may parse carries a DTD or an entity
  declaration (calamine's parser would not expand them, but it must never be handed one);
- `bound_grid` and `reads_alike`: whether calamine reads a worksheet within the memory it is
  allowed and exactly as the streaming reader does. calamine builds a dense grid from the
  top-left to the bottom-right cell (32 bytes a cell, allocated at once), so two far-apart cells
  in a tiny file would ask for hundreds of gigabytes and abort the process: the cells'
  references must lie inside the sheet's declared dimension, and the dimension must be small
  enough.

The worksheet scans run arrow's RE2 over each block (`_found`): a DFA with no cost per match,
about three times as fast as `re` on a sheet's 500k cells, and with the GIL released, so
`bound_grid` decompresses its next block meanwhile and `reads_alike` leaves the main thread free.
"""

from __future__ import annotations

import itertools
import re
import string
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ingestion.core import limits
from ingestion.core.errors import FormatError
from ingestion.core.readers.prefetch import Prefetcher

SCAN_BYTES = 1024 * 1024
# Blocks decompressed ahead of the scan that bounds a grid.
PREFETCH_BLOCKS = 2
# Bytes of a part read to learn its root element's prefix and its dimension.
HEAD_BYTES = 64 * 1024
DECLARATIONS = (b"<!DOCTYPE", b"<!ENTITY")
WIDE_ENCODING_MARKS = (b"\xff\xfe", b"\xfe\xff", b"\x00<", b"<\x00")
# Error cells (calamine empties them) and single-quoted attributes (not what the patterns follow).
UNLIKE_MARKS = (b't="e"', b"='")
XML_SUFFIXES = (".xml", ".rels", ".vml")
SHARED_STRINGS = "sharedStrings"
ANY_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>/]")
DIMENSION = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?dimension\s+ref="(?:[A-Z]+\d+:)?([A-Z]+)(\d+)"')
# .xlsb: worksheet parts, and the record types that name a row (BrtRowHdr) or a column (cells).
XLSB_SHEETS = "xl/worksheets/"
XLSB_ROW_HEADER = 0
XLSB_CELLS = frozenset(range(1, 14))
XLSB_FIELD_BYTES = 4
# .ods: the part holding the sheets, repeat counts, and a row of only empty (self-closed) cells.
ODS_CONTENT = "content.xml"
ODS_REPEAT = re.compile(rb'number-(rows|columns)-repeated="(\d+)"')
ODS_EMPTY_ROW = re.compile(rb"\s*(?:<table:(?:covered-)?table-cell[^>]*/>\s*)*</table:table-row>")
REFERENCE_LETTERS = 3
REFERENCE_DIGITS = 7


def check_zip_bomb(path: Path, max_bytes: int = limits.DEFAULT_MAX_DECOMPRESSED_BYTES) -> None:
    """Refuse a workbook whose declared sizes would blow up memory or time; read nothing else."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise FormatError(f"corrupt workbook: {error}") from None
    if len(members) > limits.MAX_ZIP_MEMBERS:
        raise FormatError(f"corrupt workbook: {len(members)} archive members")
    total = sum(member.file_size for member in members)
    if total > max_bytes:
        raise FormatError(
            f"workbook declares {total:,} bytes uncompressed, over the limit of "
            f"{max_bytes // limits.MIB:,} MiB (MAX_DECOMPRESSED_MB; possible zip bomb)",
            uncompressed_bytes=total,
            limit_bytes=max_bytes,
        )
    for member in members:
        if member.filename.endswith("sharedStrings.xml") and (
            member.file_size > limits.MAX_SHARED_STRINGS_BYTES
        ):
            raise FormatError(f"workbook's shared strings declare {member.file_size} bytes")
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > limits.ZIP_RATIO_FLOOR_BYTES and ratio > limits.MAX_ZIP_RATIO:
            raise FormatError(
                f"workbook member {member.filename} expands {ratio:.0f}x (possible zip bomb)"
            )


def declared_size(archive: zipfile.ZipFile, name: str) -> int:
    """The uncompressed size the zip directory declares for `name` (0 when there is none)."""
    try:
        return archive.getinfo(name).file_size
    except KeyError:
        return 0


def vet_parts(archive: zipfile.ZipFile, skip: Iterable[str] = ()) -> bool:
    """Raise FormatError when an XML part declares a DTD or entities; else tell if calamine fits.

    Parts in `skip` (worksheets that will not be read, or that `bound_grid` and `reads_alike`
    scan) are left.
    The wording is the streaming reader's, so a refusal reads the same whichever reader runs.
    False when calamine would not read the parts as the streaming reader does: a UTF-16 part
    (its bytes hide declarations from a byte search) or shared strings that calamine would trim.
    """
    skipped = set(skip)
    exact = True
    for member in archive.infolist():
        name = member.filename
        if name in skipped or not name.lower().endswith(XML_SUFFIXES):
            continue
        trimmed = _unlike_text(ANY_PREFIX) if SHARED_STRINGS in name else None
        for index, block in enumerate(_blocks(archive, name)):
            if index == 0 and block.startswith(WIDE_ENCODING_MARKS):
                return False
            if any(declaration in block for declaration in DECLARATIONS):
                raise FormatError("unsafe workbook XML refused: DTDForbidden")
            if trimmed is not None and exact and trimmed.search(block):
                exact = False
    return exact


def bound_grid(archive: zipfile.ZipFile, name: str) -> int | None:
    """The most cells calamine's grid can hold for the worksheet part `name`, or None.

    The bound is the sheet's declared dimension, checked against every cell's reference. None
    when there is no dimension, a cell calamine would place by counting (no leading reference)
    or past the dimension, or a DTD, comment or CDATA (`<!`): the sheet is then streamed.
    """
    head, blocks = _head(archive, name)
    root, dimension = ROOT.search(head), DIMENSION.search(head)
    if root is None or dimension is None:
        return None
    letters, digits = dimension.group(1).decode(), dimension.group(2).decode()
    if len(letters) > REFERENCE_LETTERS or len(digits) > REFERENCE_DIGITS:
        return None
    unbound = pc.MatchSubstringOptions(_unbound_marks(root.group(1) or b"", letters, digits))
    # The scan releases the GIL, so the next block is decompressed meanwhile on another core.
    ahead = Prefetcher(blocks, PREFETCH_BLOCKS)
    try:
        for block in itertools.chain([head], ahead):
            if _found(pa.array([block], pa.binary()), unbound):
                return None
    finally:
        ahead.close()
    return _column_number(letters) * int(digits)


def reads_alike(
    archive: zipfile.ZipFile, name: str, date_styles: Callable[[], frozenset[int]]
) -> bool:
    """Whether calamine reads every value of the worksheet part `name` as the streamer does.

    Not when the sheet holds error cells (calamine empties them), text or values calamine
    would trim or round (`_unlike_values`), single-quoted attributes (which the byte patterns
    do not follow), or a date-formatted negative number (`date_styles` gives the indices of the
    cell formats that show dates; it is asked only when the sheet holds a negative number, as
    judging the formats imports openpyxl). Runs while calamine loads the sheet.
    """
    head, blocks = _head(archive, name)
    root = ROOT.search(head)
    if root is None:
        return False
    prefix = re.escape(root.group(1) or b"")
    tag = b"<" + (root.group(1) or b"")
    unlike = pc.MatchSubstringOptions(_unlike_values(tag))
    # Attributes on text or a value, or a negative number: rare, and looked at closer in `re`.
    closer = pc.MatchSubstringOptions(_rare_marks(tag))
    attributed = _attributed_text(prefix)
    negative_dates: re.Pattern[bytes] | None = None
    styles: frozenset[int] | None = None
    for block in itertools.chain([head], blocks):
        data = pa.array([block], pa.binary())
        if _found(data, unlike):
            return False
        if not _found(data, closer):
            continue
        has_attributes = tag + b"t " in block or tag + b"v " in block
        if has_attributes and attributed.search(block):
            return False
        if b">-" not in block:
            continue
        if styles is None:
            styles = date_styles()
            negative_dates = _negative_dates(prefix, styles) if styles else None
        if negative_dates is not None and negative_dates.search(block):
            return False
    return True


def _found(data: pa.Array, pattern: pc.MatchSubstringOptions) -> bool:
    """Whether RE2 finds `pattern` in the one block of `data` (its bytes read as Latin-1)."""
    return bool(pc.match_substring_regex(data, options=pattern)[0].as_py())


def _head(archive: zipfile.ZipFile, name: str) -> tuple[bytes, Iterator[bytes]]:
    blocks = _blocks(archive, name)
    head = next(blocks, b"")
    return (b"", iter(())) if head.startswith(WIDE_ENCODING_MARKS) else (head, blocks)


def _unlike_values(tag: bytes) -> str:
    """An RE2 pattern for what calamine would read differently from the streaming reader.

    An error cell (calamine empties it) or a single-quoted attribute (the patterns here follow
    double quotes only). calamine's XML parser trims text not marked xml:space="preserve" ("a "
    becomes "a", a run of " " in rich text vanishes) where Excel and the streaming reader keep
    it; and it reads every number as a float, where the streaming reader keeps an integer's own
    digits (`-0`, `+5`, `007`, or more digits than a float holds). `tag` is `<` and the prefix.
    """
    start = re.escape(tag.decode("ascii"))
    marks = "|".join(re.escape(mark.decode("ascii")) for mark in UNLIKE_MARKS)
    return (
        f"{marks}"
        rf"|{start}t>(?:[ \t\r\n]|[^<]*[ \t\r\n]<)"
        rf"|{start}v>(?:[ \t\r\n]|[^<]*[ \t\r\n]<|-0<|\+|-?0[0-9]|-?[0-9]{{16}})"
    )


def _rare_marks(tag: bytes) -> str:
    """An RE2 pattern for text or a value with attributes, or a negative number."""
    start = re.escape(tag.decode("ascii"))
    return f"{start}[tv] |>-"


def _attributed_text(prefix: bytes) -> re.Pattern[bytes]:
    """Text with attributes other than xml:space="preserve" that calamine would trim."""
    return re.compile(
        b"<" + prefix + rb'[tv]\s(?![^>]*xml:space="preserve")[^>]*>'
        rb"(?:[ \t\r\n]|[^<]*[ \t\r\n]<)"
    )


def _negative_dates(prefix: bytes, date_styles: frozenset[int]) -> re.Pattern[bytes]:
    """A date-formatted negative number: calamine and openpyxl turn it into different dates."""
    styles = b"|".join(str(index).encode() for index in sorted(date_styles))
    formula = b"(?:<" + prefix + b"f[^>]*/>|<" + prefix + b"f[^>]*>[^<]*</" + prefix + b"f>)?"
    return re.compile(
        b"<"
        + prefix
        + rb'c\s[^>]*?\bs="(?:'
        + styles
        + rb')"[^>]*>'
        + formula
        + b"<"
        + prefix
        + b"v>-"
    )


def _unlike_text(prefix: bytes) -> re.Pattern[bytes]:
    """Shared strings calamine would trim (any text element not preserving its spaces)."""
    return re.compile(
        b"<" + prefix + rb't(?:\s(?![^>]*xml:space="preserve")[^>]*)?>'
        rb"(?:[ \t\r\n]|[^<]*[ \t\r\n]<)"
    )


def _unbound_marks(prefix: bytes, letters: str, digits: str) -> str:
    """An RE2 pattern for what leaves the grid unbounded: `<!`, or a misplaced cell.

    A cell is misplaced with no leading reference, or one past the column or row of the
    dimension's end. RE2 has no lookahead, so "not followed by ` r="[A-Z]`" is spelt out, the
    end of the text included.
    """
    tag = "<" + re.escape(prefix.decode("ascii")) + "c"
    column = _greater(letters, string.ascii_uppercase)
    row = _greater(digits, string.digits)
    no_reference = r'(?:[\t\n\r\x0b\x0c/>]| (?:[^r]|r[^=]|r=[^"]|r="[^A-Z]|r?=?"?$))'
    return f'<!|{tag}{no_reference}|{tag} r="(?:{column})[0-9]|{tag} r="[A-Z]{{1,3}}(?:{row})"'


def _greater(text: str, alphabet: str) -> str:
    """A regex for the strings over `alphabet` that stand for more than `text`.

    Letters and digits alike: a longer string is larger, and strings of one length compare
    character by character. A number with leading zeros may be taken as larger than it is,
    which only sends the sheet to the slower reader (Excel never writes one).
    """
    every = f"[{alphabet[0]}-{alphabet[-1]}]"
    options = [f"{every}{{{len(text) + 1},}}"]
    for index, char in enumerate(text):
        position = alphabet.index(char)
        if position + 1 < len(alphabet):
            above = f"[{alphabet[position + 1]}-{alphabet[-1]}]"
            options.append(f"{text[:index]}{above}{every}{{{len(text) - index - 1}}}")
    return "|".join(options)


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _blocks(archive: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    """The part's bytes in blocks cut after a `>`, so that no tag straddles two blocks."""
    carry = b""
    with archive.open(name) as source:
        while True:
            data = source.read(SCAN_BYTES)
            if not data:
                break
            data = carry + data
            cut = data.rfind(b">") + 1 or len(data)
            carry = data[cut:]
            yield data[:cut]
    if carry:
        yield carry


def bound_xlsb(archive: zipfile.ZipFile) -> int:
    """The most cells calamine's grid can hold for any sheet of an .xlsb package.

    Walks the binary records of every worksheet part (a row header or a cell record names its
    row or column) and takes the largest rows-by-columns extent; the records are not decoded
    further. A truncated record ends the walk: calamine then fails on it as corrupt.
    """
    largest = 0
    for name in archive.namelist():
        if name.startswith(XLSB_SHEETS) and name.endswith(".bin"):
            rows, columns = _xlsb_extent(archive.read(name))
            largest = max(largest, rows * columns)
    return largest


def _xlsb_extent(data: bytes) -> tuple[int, int]:
    top_row = top_column = -1
    position, end = 0, len(data)
    while position < end:
        kind, position = _varint(data, position, 2)
        size, position = _varint(data, position, 4)
        if position + size > end:
            break
        if kind == XLSB_ROW_HEADER and size >= XLSB_FIELD_BYTES:
            top_row = max(top_row, int.from_bytes(data[position : position + 4], "little"))
        elif kind in XLSB_CELLS and size >= XLSB_FIELD_BYTES:
            top_column = max(top_column, int.from_bytes(data[position : position + 4], "little"))
        position += size
    return top_row + 1, top_column + 1


def _varint(data: bytes, position: int, most: int) -> tuple[int, int]:
    value = shift = 0
    for _ in range(most):
        if position >= len(data):
            break
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    return value, position


def check_ods_repeats(archive: zipfile.ZipFile) -> None:
    """Refuse an .ods whose cells or rows repeat a value more often than a sheet holds.

    ODS stores a run of equal cells once with a repeat count; calamine expands a run into its
    grid (it refuses past 100 million cells, 3 GiB of grid). Long runs of empty cells or rows,
    which spreadsheets write to the sheet's edge, are not expanded and are let through.
    """
    content = archive.read(ODS_CONTENT) if ODS_CONTENT in archive.namelist() else b""
    for match in ODS_REPEAT.finditer(content):
        if int(match.group(2)) <= limits.MAX_ODS_REPEAT:
            continue
        if match.group(1) == b"columns":
            empty = content[: content.index(b">", match.end()) + 1].endswith(b"/>")
        else:
            empty = ODS_EMPTY_ROW.match(content, content.index(b">", match.end()) + 1) is not None
        if not empty:
            raise FormatError(
                f"workbook repeats a cell or row {int(match.group(2))} times, over the "
                f"{limits.MAX_ODS_REPEAT} limit"
            )
