"""The streaming xlsx reader: the values openpyxl reads, far faster, and no XML entity tricks."""

from __future__ import annotations

import datetime as dt
import re
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest

from ingestion.core import score_file
from ingestion.core.errors import FormatError
from ingestion.core.readers.workbook import _as_text
from ingestion.core.readers.xlsx import open_sheet
from tests.core.conftest import column, definition, write_xlsx

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_XML = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="{MAIN}" xmlns:r="{RELS}"><dimension ref="A1:E6"/><sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>
<c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c></row>
<row r="2"><c r="A2"><v>1</v></c><c r="B2" s="1"><v>44197.5</v></c>
<c r="C2" t="b"><v>1</v></c>
<c r="D2" t="s"><v>5</v></c><c r="E2"><f>1/4</f><v>0.25</v></c></row>
<row r="4"><c r="A4"><v>2.0</v></c><c r="B4" s="2"><v>44198</v></c><c r="C4" t="b"><v>0</v></c>
<c r="D4" t="inlineStr"><is><t>inline &amp; text</t></is></c>
<c r="E4" t="e"><v>#N/A</v></c></row>
<row r="6"><c r="A6"><v>1.5E+3</v></c><c r="D6" t="str"><f>A1</f><v>formula text</v></c></row>
</sheetData></worksheet>"""
STRINGS_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="{MAIN}" count="6" uniqueCount="6"><si><t>id</t></si><si><t>at</t></si>
<si><t>ok</t></si><si><t>name</t></si><si><t>share</t></si>
<si><r><t>Zo</t></r><r><t xml:space="preserve">ë </t></r>
<rPh sb="0" eb="1"><t>ゾ</t></rPh></si></sst>"""
STYLES_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<styleSheet xmlns="{MAIN}"><numFmts count="1">
<numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/></numFmts>
<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>
<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="14"/></cellXfs>
</styleSheet>"""


def excel_package(folder: Path, sheet_xml: str = SHEET_XML, date1904: bool = False) -> Path:
    """A workbook laid out as Excel writes it: shared strings, styles, relationships."""
    path = folder / "excel.xlsx"
    workbook = (
        f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><workbookPr date1904="{int(date1904)}"/>'
        f'<sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    relationships = (
        f'<Relationships xmlns="{PACKAGE_RELS}">'
        f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'
        f'<Relationship Id="rId3" Type="{RELS}/styles" Target="styles.xml"/></Relationships>'
    )
    office = "application/vnd.openxmlformats-officedocument.spreadsheetml."
    parts = [
        ("/xl/workbook.xml", "sheet.main"),
        ("/xl/worksheets/sheet1.xml", "worksheet"),
        ("/xl/sharedStrings.xml", "sharedStrings"),
        ("/xl/styles.xml", "styles"),
    ]
    types = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        + "".join(
            f'<Override PartName="{name}" ContentType="{office}{kind}+xml"/>'
            for name, kind in parts
        )
        + "</Types>"
    )
    root_rels = (
        f'<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" '
        f'Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", root_rels)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", relationships)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        archive.writestr("xl/sharedStrings.xml", STRINGS_XML)
        archive.writestr("xl/styles.xml", STYLES_XML)
    return path


def streamed(path: Path) -> dict[int, tuple]:
    with zipfile.ZipFile(path) as archive:
        rows = open_sheet(archive, None).rows()
        return {number: _texts(cells) for number, cells in rows if _texts(cells)}


def by_openpyxl(path: Path) -> dict[int, tuple]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "no default style" in the hand-made package
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()
    found = {}
    for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
        if _texts(cells):
            found[number] = _texts(cells)
    workbook.close()
    return found


def _texts(cells) -> tuple:
    values = [_as_text(cell) for cell in cells]
    while values and values[-1] is None:
        values.pop()
    return tuple(values)


@pytest.mark.parametrize("date1904", [False, True])
def test_it_reads_an_excel_package_as_openpyxl_does(tmp_path, date1904):
    path = excel_package(tmp_path, date1904=date1904)
    rows = streamed(path)
    assert rows == by_openpyxl(path)
    assert rows[2][:4] == (
        "1",
        "2021-01-01T12:00:00" if not date1904 else "2025-01-02T12:00:00",
        "TRUE",
        "Zoë ",
    )
    assert rows[4] == ("2", rows[4][1], "FALSE", "inline & text", "#N/A")
    assert rows[6] == ("1500", None, None, "formula text")


def test_it_reads_an_openpyxl_workbook_as_openpyxl_does(tmp_path):
    rows = [
        ["id", "when", "day", "ok", "share", "name"],
        [1, dt.datetime(2021, 5, 6, 7, 8, 9), dt.date(2021, 5, 6), True, 0.25, "a & b"],
        [2.0, None, None, False, 1e-7, "  padded "],
        [None, None, None, None, None, None],
        [-3, dt.datetime(1999, 12, 31, 23, 59, 59, 500000), None, None, 12345678901234.5, "ü"],
    ]
    path = write_xlsx(tmp_path, rows)
    assert streamed(path) == by_openpyxl(path)


def test_xml_entity_declarations_are_refused(tmp_path):
    bomb = SHEET_XML.replace(
        "<worksheet", '<!DOCTYPE worksheet [<!ENTITY lol "lollollol">]><worksheet', 1
    ).replace('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>', "", 1)
    path = excel_package(tmp_path, sheet_xml='<?xml version="1.0"?>' + bomb)
    with zipfile.ZipFile(path) as archive, pytest.raises(FormatError, match="unsafe workbook XML"):
        list(open_sheet(archive, None).rows())
    report = score_file(path, None)
    assert report.score == 65
    assert "unsafe workbook XML refused" in report.metrics["format_parsing"]["error"]


def test_a_prefixed_sheet_is_read_too(tmp_path):
    declaration, body = SHEET_XML.split("\n", 1)
    prefixed = declaration + re.sub(r"<(/?)([A-Za-z])", r"<\1x:\2", body).replace(
        'xmlns="', 'xmlns:x="', 1
    )
    expected = streamed(excel_package(tmp_path))
    assert streamed(excel_package(tmp_path, sheet_xml=prefixed)) == expected


def test_an_excel_package_scores_like_its_csv(tmp_path):
    spec = definition(
        column("id", "integer", unique=True),
        column("at", "datetime", required=True),
        column("ok", "boolean"),
        column("name"),
        column("share", "number", max=0.2),
    )
    report = score_file(excel_package(tmp_path), spec)
    assert report.metrics["row_count"] == 3
    assert report.metrics["completeness"]["samples"] == {"at": [{"row": 6, "value": None}]}
    assert report.metrics["bounds_range"]["samples"] == {
        "share": [{"row": 2, "value": "0.25", "rule": "max"}]
    }


def test_an_unfamiliar_layout_falls_back_to_openpyxl(tmp_path, monkeypatch):
    from ingestion.core.readers import workbook
    from ingestion.core.readers.xlsx import WorkbookLayoutError

    def unfamiliar(archive, wanted):
        raise WorkbookLayoutError("layout not known")

    monkeypatch.setattr(workbook, "open_sheet", unfamiliar)
    spec = definition(column("id", "integer", required=True))
    report = score_file(write_xlsx(tmp_path, [["id"], [1], [None], ["x"], [None, None], [4]]), spec)
    assert report.metrics["completeness"]["samples"] == {}
    assert report.metrics["bounds_range"]["samples"] == {
        "id": [{"row": 4, "value": "x", "rule": "type"}]
    }
    assert report.metrics["row_count"] == 3
