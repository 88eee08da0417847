"""What a file is: content sniffing by magic bytes and byte-order marks.

The file's extension is only a hint: the first bytes decide what a file is.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ingestion.core.errors import FormatError
from ingestion.core.readers.compression import GuardedGzip

MAGIC_BYTES = 16
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Well-known binary formats, named in the failure so that a person knows what was sent.
BINARY_MAGICS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x7fELF", "an executable"),
    (b"MZ\x90\x00", "an executable"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"\x28\xb5\x2f\xfd", "a zstd archive"),
    (b"PAR1", "a Parquet file"),
    (b"<?xml", "an XML document"),
    (b"<!DOCTYPE html", "an HTML page"),
    (b"<html", "an HTML page"),
)
# An OpenDocument spreadsheet names its type in a `mimetype` member (first in the zip).
ODS_MIMETYPE_MEMBER = "mimetype"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
BZIP2_MAGIC = re.compile(rb"BZh[1-9]1AY&SY")
# The UTF-16 and UTF-32 codecs read the BOM themselves to learn the byte order.
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class Detected:
    """What the content is.

    `kind` is text, xlsx, xlsm, xlsb, ods or xls; `compression` is gzip or None.
    """

    kind: str
    compression: str | None = None


def detect(path: Path, name_hint: str = "") -> Detected:
    """Tell what `path` holds from its first bytes; raise FormatError for what is no table."""
    with path.open("rb") as handle:
        head = handle.read(MAGIC_BYTES)
    if not head:
        raise FormatError("the file is empty")
    if head.startswith(GZIP_MAGIC):
        return _detect_gzip(path)
    if head.startswith(ZIP_MAGICS):
        return Detected(_workbook_kind(path, name_hint))
    if head.startswith(OLE_MAGIC):
        return Detected("xls")
    _reject_binary(head, "")
    return Detected("text")


def split_bom(head: bytes) -> tuple[bytes, str | None]:
    """Return the byte-order mark `head` starts with and the encoding it names."""
    for bom, encoding in BOMS:
        if head.startswith(bom):
            return bom, encoding
    return b"", None


def is_utf8(encoding: str) -> bool:
    return codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")


def _detect_gzip(path: Path) -> Detected:
    with GuardedGzip(path) as stream:
        inner = stream.read(MAGIC_BYTES)
    if not inner:
        raise FormatError("the file is empty once decompressed", compression="gzip")
    if inner.startswith((*ZIP_MAGICS, OLE_MAGIC, GZIP_MAGIC)):
        raise FormatError("unsupported file type: only delimited text may be gzip-compressed")
    _reject_binary(inner, " inside gzip")
    return Detected("text", "gzip")


def _reject_binary(head: bytes, where: str) -> None:
    for magic, label in BINARY_MAGICS:
        if head.startswith(magic):
            raise FormatError(f"unsupported file type: {label}{where}")
    if BZIP2_MAGIC.match(head):
        raise FormatError(f"unsupported file type: a bzip2 archive{where}")


def _workbook_kind(path: Path, name_hint: str) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            mimetype = b""
            if ODS_MIMETYPE_MEMBER in names:
                with archive.open(ODS_MIMETYPE_MEMBER) as member:
                    mimetype = member.read(len(ODS_MIMETYPE) + 1).strip()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise FormatError(f"corrupt zip archive: {error}") from None
    if mimetype == ODS_MIMETYPE:
        return "ods"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if "xl/workbook.xml" not in names:
        raise FormatError("unsupported file type: a zip archive that is not an Excel workbook")
    if "xl/vbaProject.bin" in names or name_hint.lower().endswith(".xlsm"):
        return "xlsm"
    return "xlsx"
