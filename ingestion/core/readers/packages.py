"""Zip-based workbooks before any parser sees them: declared sizes, XML declarations, sheet extent.

Three looks at a package, each made from the zip directory or by scanning decompressed bytes in
C (never by parsing XML in Python):
- `check_zip_bomb`: the directory's declared sizes and ratios (nothing is decompressed);
- `refuse_declarations`: no XML part that calamine may parse carries a DTD or an entity
  declaration (calamine's parser would not expand them, but it must never be handed one);
- `survey_sheet`: whether calamine reads a worksheet exactly as the streaming reader does and
  within the memory it is allowed. calamine builds a dense grid from the top-left to the
  bottom-right cell (32 bytes a cell, allocated at once), so two far-apart cells in a tiny file
  would ask for hundreds of gigabytes and abort the process: the cells' references must lie
  inside the sheet's declared dimension, and the dimension must be small enough.
"""

from __future__ import annotations

import re
import string
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ingestion.core import limits
from ingestion.core.errors import FormatError

SCAN_BYTES = 1024 * 1024
# Bytes of a part read to learn its root element's prefix and its dimension.
HEAD_BYTES = 64 * 1024
DECLARATIONS = (b"<!DOCTYPE", b"<!ENTITY")
WIDE_ENCODING_MARKS = (b"\xff\xfe", b"\xfe\xff", b"\x00<", b"<\x00")
ERROR_CELLS = (b't="e"', b"t='e'")
XML_SUFFIXES = (".xml", ".rels", ".vml")
SHARED_STRINGS = "sharedStrings"
ANY_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>/]")
DIMENSION = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?dimension\s+ref="(?:[A-Z]+\d+:)?([A-Z]+)(\d+)"')
REFERENCE_LETTERS = 3
REFERENCE_DIGITS = 7


@dataclass(frozen=True)
class SheetSurvey:
    """What a scan of a worksheet part found.

    `cells` is the most cells calamine's grid can hold (None when it cannot be bounded);
    `exact` is False when calamine would read a value differently from the streaming reader
    (error cells, which calamine empties) or the scan cannot vouch for the layout (cells with
    no leading reference, a DTD, CDATA or comments, a wide encoding).
    """

    cells: int | None
    exact: bool

    @property
    def fits(self) -> bool:
        return self.exact and self.cells is not None and self.cells <= limits.MAX_GRID_CELLS


def check_zip_bomb(path: Path) -> None:
    """Refuse a workbook whose declared sizes would blow up memory or time; read nothing else."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise FormatError(f"corrupt workbook: {error}") from None
    if len(members) > limits.MAX_ZIP_MEMBERS:
        raise FormatError(f"corrupt workbook: {len(members)} archive members")
    total = sum(member.file_size for member in members)
    if total > limits.MAX_ZIP_UNCOMPRESSED_BYTES:
        raise FormatError(
            f"workbook declares {total} bytes uncompressed, over the "
            f"{limits.MAX_ZIP_UNCOMPRESSED_BYTES} limit (possible zip bomb)",
            uncompressed_bytes=total,
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

    Parts in `skip` (worksheets that will not be read, or that `survey_sheet` scans) are left.
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
        trimmed = _trimmed_text(ANY_PREFIX) if SHARED_STRINGS in name else None
        for index, block in enumerate(_blocks(archive, name)):
            if index == 0 and block.startswith(WIDE_ENCODING_MARKS):
                return False
            if any(declaration in block for declaration in DECLARATIONS):
                raise FormatError("unsafe workbook XML refused: DTDForbidden")
            if trimmed is not None and exact and trimmed.search(block):
                exact = False
    return exact


def survey_sheet(
    archive: zipfile.ZipFile, name: str, date_styles: frozenset[int] = frozenset()
) -> SheetSurvey:
    """Scan the worksheet part `name` for what decides between calamine and the streaming reader.

    `date_styles` are the indices of the cell formats that show dates.
    """
    blocks = _blocks(archive, name)
    head = next(blocks, b"")
    if head.startswith(WIDE_ENCODING_MARKS):
        return SheetSurvey(None, exact=False)
    root = ROOT.search(head)
    dimension = DIMENSION.search(head)
    if root is None or dimension is None:
        return SheetSurvey(None, exact=False)
    letters, digits = dimension.group(1).decode(), dimension.group(2).decode()
    if len(letters) > REFERENCE_LETTERS or len(digits) > REFERENCE_DIGITS:
        return SheetSurvey(None, exact=False)
    prefix = re.escape(root.group(1) or b"")
    unexpected = _unexpected_cells(prefix, letters, digits, date_styles)
    trimmed = _trimmed_text(prefix)
    for block in _chain([head], blocks):
        if b"<!" in block or any(mark in block for mark in ERROR_CELLS):
            return SheetSurvey(None, exact=False)
        if unexpected.search(block) or trimmed.search(block):
            return SheetSurvey(None, exact=False)
    return SheetSurvey(_column_number(letters) * int(digits), exact=True)


def _trimmed_text(prefix: bytes) -> re.Pattern[bytes]:
    """Text or a value that calamine would read differently from the streaming reader.

    calamine's XML parser trims text not marked xml:space="preserve" ("a " becomes "a", a run
    of " " in rich text vanishes) where Excel and the streaming reader keep it; and it reads
    every number as a float, where the streaming reader keeps an integer's own digits (`-0`,
    `+5`, `007`, or more digits than a float holds).
    """
    return re.compile(
        b"<" + prefix + rb'[tv](?:\s(?![^>]*xml:space="preserve")[^>]*)?>'
        rb"(?:[ \t\r\n]|[^<]*[ \t\r\n]<)"
        b"|<" + prefix + rb"v>(?:-0<|\+|-?0\d|-?\d{16,}<)"
    )


def _unexpected_cells(
    prefix: bytes, letters: str, digits: str, date_styles: frozenset[int]
) -> re.Pattern[bytes]:
    """A cell calamine must not read.

    Its reference is missing or not first (calamine would place it by counting), or lies
    outside the dimension's last cell (the grid would grow past the bound), or it is a
    date-formatted number calamine and the streaming reader turn into different dates
    (a negative one, before the 1904 epoch or before 1900).
    """
    cell = b"<" + prefix + b"c"
    column = _greater(letters, string.ascii_uppercase).encode()
    row = _greater(digits, string.digits).encode()
    options = [
        rb'(?! r="[A-Z])[\s/>]',
        rb' r="(?:' + column + rb")\d",
        rb' r="[A-Z]{1,3}(?:' + row + rb')"',
    ]
    if date_styles:
        styles = b"|".join(str(index).encode() for index in sorted(date_styles))
        value = b"<" + prefix + b"v>-"
        formula = b"(?:<" + prefix + b"f[^>]*/>|<" + prefix + b"f[^>]*>[^<]*</" + prefix + b"f>)?"
        options.append(rb' r="[^"]*"[^>]*?\ss="(?:' + styles + rb')"[^>]*>' + formula + value)
    return re.compile(cell + b"(?:" + b"|".join(options) + b")")


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


def _chain(first: list[bytes], rest: Iterator[bytes]) -> Iterator[bytes]:
    yield from first
    yield from rest
