"""A streaming reader of .xlsx/.xlsm worksheets on expat, guarded as defusedxml guards it.

openpyxl's read-only mode reads through defusedxml's pure-Python ElementTree: about 10 s for
100 000 rows of six columns, and on opening it parses every sheet that lacks a dimension
element. This reader drives expat directly with a handful of callbacks, streams the sheet from
the zip member and produces the values openpyxl's `iter_rows(values_only=True)` produces (the
tests compare the two), numbered by the sheet's own row numbers. Entity declarations, DTDs and
external references are refused with defusedxml's exceptions, before anything is expanded.

`open_sheet` raises `WorkbookLayoutError` when the package is laid out in a way this reader does
not know; the caller then falls back to openpyxl. Sheets that fit in memory are read by calamine
(`grid.py`) instead; this reader takes the rest, and the sheets calamine would read differently.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import zipfile
from collections.abc import Callable, Iterator
from typing import IO, Any, NamedTuple, NoReturn
from xml.parsers import expat

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from ingestion.core.errors import FormatError
from ingestion.core.readers.cells import excel_duration, number_text

NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
RELATIONSHIP_NAMESPACES = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
SEPARATOR = "}"
READ_BYTES = 256 * 1024
WORKBOOK = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
SHARED_STRINGS = "xl/sharedStrings.xml"
STYLES = "xl/styles.xml"
DIGITS = "0123456789"


def _names(local: str) -> frozenset[str]:
    return frozenset({local, *(f"{namespace}{SEPARATOR}{local}" for namespace in NAMESPACES)})


TEXT, PHONETIC = _names("t"), _names("rPh")
SHARED_ITEM, SHEET, WORKBOOK_PROPERTIES = _names("si"), _names("sheet"), _names("workbookPr")
NUMBER_FORMAT, CELL_FORMATS, FORMAT = _names("numFmt"), _names("cellXfs"), _names("xf")
RELATIONSHIP = "http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


class WorkbookLayoutError(Exception):
    """The package is not laid out the way this reader expects."""


class Sheet:
    """One worksheet, ready to stream its rows."""

    def __init__(self, archive: zipfile.ZipFile, title: str, path: str, book: _Book) -> None:
        self.archive = archive
        self.title = title
        self._path = path
        self._book = book

    def rows(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """Yield (sheet row number, cell values) for every row the sheet stores."""
        cells = _CellParser(self._book)
        parser = guarded_parser(namespaces=False)
        parser.ordered_attributes = True
        parser.StartElementHandler = cells.start
        parser.EndElementHandler = cells.end
        parser.CharacterDataHandler = cells.text
        with self.archive.open(self._path) as source:
            while True:
                data = source.read(READ_BYTES)
                _feed(parser, data, final=not data)
                yield from cells.take()
                if not data:
                    return


def open_sheet(archive: zipfile.ZipFile, wanted: str | None) -> Sheet:
    """Find the sheet `wanted` (or the first one) and read what its cells need."""
    title, path = find_sheet(archive, wanted)
    return Sheet(archive, title, path, _book(archive))


def find_sheet(archive: zipfile.ZipFile, wanted: str | None) -> tuple[str, str]:
    """The title and worksheet part of the sheet `wanted` (or the first one)."""
    sheets = worksheets(archive)
    if not sheets:
        raise FormatError("the workbook has no sheet")
    if wanted is not None and wanted not in dict(sheets):
        names = ", ".join(name for name, _ in sheets)
        raise FormatError(f"sheet {wanted!r} not found (sheets: {names})", sheet=wanted)
    title, path = next((name, path) for name, path in sheets if wanted in (None, name))
    if path is None:
        raise FormatError(f"sheet {title!r} is a chart, not a table")
    return title, path


def guarded_parser(namespaces: bool = True) -> Any:
    """An expat parser that refuses DTDs, entity declarations and external references."""
    parser = expat.ParserCreate(namespace_separator=SEPARATOR if namespaces else None)
    parser.buffer_text = True
    parser.buffer_size = READ_BYTES
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _forbid_dtd
    parser.EntityDeclHandler = _forbid_entity
    parser.UnparsedEntityDeclHandler = _forbid_unparsed_entity
    parser.ExternalEntityRefHandler = _forbid_external
    return parser


def _forbid_dtd(name: str, sysid: str | None, pubid: str | None, *_: Any) -> NoReturn:
    raise DTDForbidden(name, sysid, pubid)


def _forbid_entity(
    name: str,
    _is_parameter: bool,
    value: str | None,
    base: str | None,
    sysid: str | None,
    pubid: str | None,
    notation: str | None,
) -> NoReturn:
    raise EntitiesForbidden(name, value, base, sysid, pubid, notation)


def _forbid_unparsed_entity(
    name: str, base: str | None, sysid: str | None, pubid: str | None, notation: str | None
) -> NoReturn:
    raise EntitiesForbidden(name, None, base, sysid, pubid, notation)


def _forbid_external(
    context: str, base: str | None, sysid: str | None, pubid: str | None
) -> NoReturn:
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


def _feed(parser: Any, data: bytes, final: bool) -> None:
    try:
        parser.Parse(data, final)
    except expat.ExpatError as error:
        raise FormatError(f"corrupt workbook: {error}") from None
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as error:
        raise FormatError(f"unsafe workbook XML refused: {type(error).__name__}") from None


def _parse_member(
    archive: zipfile.ZipFile,
    name: str,
    start: Callable[..., None],
    end: Callable[[str], None] | None = None,
    text: Callable[[str], None] | None = None,
) -> None:
    parser = guarded_parser()
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    with archive.open(name) as source:
        _feed_all(parser, source)


def _feed_all(parser: Any, source: IO[bytes]) -> None:
    while True:
        data = source.read(READ_BYTES)
        _feed(parser, data, final=not data)
        if not data:
            return


def worksheets(archive: zipfile.ZipFile) -> list[tuple[str, str | None]]:
    """Sheet titles in workbook order with their worksheet part (None for chart sheets)."""
    targets = _relationships(archive)
    found: list[tuple[str, str | None]] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if name in SHEET:
            key = next(
                (
                    attrs[f"{ns}{SEPARATOR}id"]
                    for ns in RELATIONSHIP_NAMESPACES
                    if f"{ns}{SEPARATOR}id" in attrs
                ),
                None,
            )
            if key not in targets:
                raise WorkbookLayoutError(f"sheet {attrs.get('name')!r} has no relationship")
            found.append((attrs.get("name", ""), targets[key]))

    _parse_member(archive, WORKBOOK, start)
    return found


def _relationships(archive: zipfile.ZipFile) -> dict[str, str | None]:
    """Relationship ids of the workbook: worksheet part paths (None for other sheet kinds)."""
    targets: dict[str, str | None] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == RELATIONSHIP:
            target = attrs.get("Target", "")
            path = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join("xl", target))
            )
            worksheet = attrs.get("Type", "").endswith("/worksheet")
            targets[attrs.get("Id", "")] = path if worksheet else None

    try:
        _parse_member(archive, WORKBOOK_RELS, start)
    except KeyError as error:
        raise WorkbookLayoutError("the workbook has no relationships part") from error
    return targets


class _Book:
    """What cells need from the rest of the workbook: shared strings, date styles, epoch."""

    def __init__(
        self,
        strings: list[str],
        dates: frozenset[int],
        durations: frozenset[int],
        epoch: dt.datetime,
    ) -> None:
        self.strings = strings
        self.dates = dates
        self.durations = durations
        self.epoch = epoch


class NumberFormats(NamedTuple):
    """The styles part read but not judged: judging a format code needs openpyxl."""

    codes: dict[int, str]  # the workbook's own format codes by id (over the built-in ones)
    formats: list[int]  # the number format id of each cell format, by its index


def number_formats(archive: zipfile.ZipFile) -> NumberFormats:
    """The number formats of the workbook's cell formats, as the styles part declares them."""
    if STYLES not in set(archive.namelist()):
        return NumberFormats({}, [])
    codes: dict[int, str] = {}
    formats: list[int] = []
    inside = [False]

    def start(name: str, attrs: dict[str, str]) -> None:
        if name in NUMBER_FORMAT:
            codes[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
        elif name in CELL_FORMATS:
            inside[0] = True
        elif name in FORMAT and inside[0]:
            formats.append(int(attrs.get("numFmtId", "0")))

    def end(name: str) -> None:
        if name in CELL_FORMATS:
            inside[0] = False

    _parse_member(archive, STYLES, start, end)
    return NumberFormats(codes, formats)


def date_styles(found: NumberFormats) -> frozenset[int]:
    """Indices of the cell formats that show dates (durations included)."""
    return _date_styles(found)[0]


def _book(archive: zipfile.ZipFile) -> _Book:
    names = set(archive.namelist())
    strings = _shared_strings(archive) if SHARED_STRINGS in names else []
    dates, durations = _date_styles(number_formats(archive))
    return _Book(strings, dates, durations, _epoch(archive))


def _epoch(archive: zipfile.ZipFile) -> dt.datetime:
    # openpyxl is imported only when a sheet is streamed (the engine's start-up stays lean).
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

    found: list[dt.datetime] = [CALENDAR_WINDOWS_1900]

    def start(name: str, attrs: dict[str, str]) -> None:
        if name in WORKBOOK_PROPERTIES and attrs.get("date1904", "").lower() in ("1", "true"):
            found[0] = CALENDAR_MAC_1904

    _parse_member(archive, WORKBOOK, start)
    return found[0]


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    strings: list[str] = []
    parts: list[str] = []
    state = {"text": False, "phonetic": 0}

    def start(name: str, _attrs: dict[str, str]) -> None:
        if name in TEXT:
            state["text"] = True
        elif name in PHONETIC:
            state["phonetic"] += 1
        elif name in SHARED_ITEM:
            parts.clear()

    def end(name: str) -> None:
        if name in TEXT:
            state["text"] = False
        elif name in PHONETIC:
            state["phonetic"] -= 1
        elif name in SHARED_ITEM:
            strings.append("".join(parts))

    def text(data: str) -> None:
        if state["text"] and not state["phonetic"]:
            parts.append(data)

    _parse_member(archive, SHARED_STRINGS, start, end, text)
    return strings


def _date_styles(found: NumberFormats) -> tuple[frozenset[int], frozenset[int]]:
    """Indices of the cell formats that show dates, and of those that show durations."""
    if not found.formats:
        return frozenset(), frozenset()
    # openpyxl judges the codes; it is imported only when a workbook has cell formats to judge.
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

    codes: dict[int, str] = {**BUILTIN_FORMATS, **found.codes}
    formats = found.formats
    dates = {index for index, code in enumerate(formats) if is_date_format(codes.get(code, ""))}
    durations = {index for index in dates if is_timedelta_format(codes.get(formats[index], ""))}
    return frozenset(dates), frozenset(durations)


class _CellParser:
    """expat callbacks that turn <row>/<c> elements into rows of values.

    The sheet is parsed without namespace processing (cheaper per element), so element names
    carry whatever prefix the file uses; it is learnt from the root element. Values come out
    as openpyxl's would, except that numbers stay text (a whole float such as `1.0` becomes
    `1`) and booleans are TRUE/FALSE: the engine reads cells as text anyway.
    """

    def __init__(self, book: _Book) -> None:
        self._book = book
        self._rows: list[tuple[int, tuple[Any, ...]]] = []
        self._row = 0
        self._cells: dict[int, Any] = {}
        self._column = 0
        self._kind = "n"
        self._style = 0
        self._parts: list[str] = []
        self._in_cell = False
        self._skip = 0
        self._columns: dict[str, int] = {}
        self._prefix: str | None = None
        self._names: tuple[str, ...] = ("c", "row", "f", "rPh")

    def take(self) -> list[tuple[int, tuple[Any, ...]]]:
        rows, self._rows = self._rows, []
        return rows

    def start(self, name: str, attrs: list[str]) -> None:
        cell, row, formula, phonetic = self._names
        if name == cell:
            self._in_cell = True
            self._kind, self._style, reference = "n", 0, None
            for index in range(0, len(attrs), 2):
                key = attrs[index]
                if key == "r":
                    reference = attrs[index + 1]
                elif key == "t":
                    self._kind = attrs[index + 1]
                elif key == "s":
                    self._style = int(attrs[index + 1] or 0)
            self._column = self._column_of(reference) if reference else self._column + 1
            self._parts = []
        elif name in (formula, phonetic):
            self._skip += 1
        elif name == row:
            self._row = self._row + 1
            for index in range(0, len(attrs), 2):
                if attrs[index] == "r":
                    self._row = int(attrs[index + 1])
            self._cells = {}
            self._column = 0
        elif self._prefix is None:
            self._learn_prefix(name)

    def end(self, name: str) -> None:
        cell, row, formula, phonetic = self._names
        if name == cell:
            self._in_cell = False
            if self._parts:
                value = self._value("".join(self._parts))
                if value is not None:
                    self._cells[self._column] = value
        elif name in (formula, phonetic):
            self._skip -= 1
        elif name == row:
            cells = self._cells
            width = max(cells, default=0)
            self._rows.append((self._row, tuple(cells.get(index) for index in range(1, width + 1))))

    def text(self, data: str) -> None:
        if self._in_cell and not self._skip:
            self._parts.append(data)

    def _learn_prefix(self, name: str) -> None:
        prefix, colon, _ = name.partition(":")
        self._prefix = prefix + colon if colon else ""
        cell, row, formula, phonetic = (self._prefix + local for local in ("c", "row", "f", "rPh"))
        self._names = (cell, row, formula, phonetic)

    def _column_of(self, reference: str) -> int:
        letters = reference.rstrip(DIGITS)
        column = self._columns.get(letters)
        if column is None:
            column = 0
            for letter in letters.upper():
                column = column * 26 + ord(letter) - 64
            self._columns[letters] = column
        return column

    def _value(self, text: str) -> Any:
        kind = self._kind
        if kind == "n":
            return self._number(text)
        if kind == "s":
            return self._book.strings[int(text)]
        if kind == "b":
            return "FALSE" if text.strip() in ("0", "false", "") else "TRUE"
        if kind == "d":
            return _iso_datetime(text)
        return text  # inlineStr, str (a formula's text), e (an error such as #N/A)

    def _number(self, text: str) -> Any:
        if self._style in self._book.dates:
            number = float(text)
            try:
                return _from_excel(
                    number, self._book.epoch, timedelta=self._style in self._book.durations
                )
            except (ValueError, OverflowError):
                return text
        if "." in text or "e" in text or "E" in text:
            return number_text(float(text))
        return text


def _iso_datetime(text: str) -> Any:
    try:
        return dt.datetime.fromisoformat(text.rstrip("Z"))
    except ValueError:
        return text


def _from_excel(number: float, epoch: dt.datetime, timedelta: bool) -> Any:
    if timedelta:
        return excel_duration(number)
    from openpyxl.utils.datetime import from_excel

    return from_excel(number, epoch)
