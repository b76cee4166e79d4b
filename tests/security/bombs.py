"""Hostile spreadsheets, built by hand: xlsx workbooks whose parts say one thing and
hold another, and CSV text that is mostly nothing."""
from __future__ import annotations

import io
import struct
import zipfile

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '</Types>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="orders" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
SHEET_START = ('<?xml version="1.0" encoding="UTF-8"?>'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')


def cell(ref: str, value: str | int) -> str:
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def sheet(rows: str, dimension: str = "A1:C3", prologue: str = "") -> bytes:
    return (prologue + SHEET_START + f'<dimension ref="{dimension}"/><sheetData>' + rows
            + '</sheetData></worksheet>').encode()


HEADER_AND_ONE_ROW = ('<row r="1">' + cell("A1", "sku") + cell("B1", "warehouse")
                      + cell("C1", "quantity") + '</row><row r="2">' + cell("A2", "TEA-01")
                      + cell("B2", "HZ") + cell("C2", 3) + '</row>')


def parts(sheet_xml: bytes, shared_strings: bytes | None = None) -> dict[str, str | bytes]:
    """The parts of an xlsx file of the given first sheet (and shared strings)."""
    return {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": _ROOT_RELS,
            "xl/workbook.xml": _WORKBOOK, "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
            "xl/worksheets/sheet1.xml": sheet_xml,
            "xl/sharedStrings.xml": shared_strings or (
                b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.'
                b'openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"/>')}


def package(members: dict[str, str | bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def workbook(sheet_xml: bytes, shared_strings: bytes | None = None) -> bytes:
    """An xlsx file of the given first sheet (and shared strings), nothing else."""
    return package(parts(sheet_xml, shared_strings))


def shared_strings(size: int) -> bytes:
    """A shared strings part of about ``size`` bytes: one long text repeated."""
    item = b"<si><t>" + b"A" * 1000 + b"</t></si>"
    count = size // len(item) + 1
    return (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats'
            b'.org/spreadsheetml/2006/main">' + item * count + b"</sst>")


def lying_about(content: bytes, name: str, declared: int) -> bytes:
    """``content`` with the uncompressed size of part ``name`` rewritten to
    ``declared`` in its local header and in the central directory."""
    data = bytearray(content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        offset = archive.getinfo(name).header_offset
    struct.pack_into("<I", data, offset + 22, declared)
    start = 0
    encoded = name.encode()
    while (start := data.find(b"PK\x01\x02", start)) != -1:
        name_length = struct.unpack_from("<H", data, start + 28)[0]
        if bytes(data[start + 46:start + 46 + name_length]) == encoded:
            struct.pack_into("<I", data, start + 24, declared)
            return bytes(data)
        start += 4
    raise AssertionError(f"{name} is not in the central directory")


# --- the bombs --------------------------------------------------------------------------------

def declared_everything() -> bytes:
    """About 1 KB that declares A1:XFD1048576 and holds two rows: it must read as the
    two rows it has, not as 17 billion cells."""
    return workbook(sheet(HEADER_AND_ONE_ROW, dimension="A1:XFD1048576"))


def last_cell_filled() -> bytes:
    """Two rows, and one cell at XFD1048576: a million rows of nothing between."""
    far = '<row r="1048576">' + cell("XFD1048576", 1) + "</row>"
    return workbook(sheet(HEADER_AND_ONE_ROW + far, dimension="A1:XFD1048576"))


def empty_row_elements(count: int = 200_000) -> bytes:
    """Rows written but empty, as a sheet with formatting on whole rows has them."""
    blank = "".join(f'<row r="{n}" s="1" customFormat="1"/>' for n in range(3, count + 3))
    return workbook(sheet(HEADER_AND_ONE_ROW + blank, dimension=f"A1:C{count + 2}"))


def wide_rows(count: int = 20_000) -> bytes:
    """Every row has a cell in the last column, XFD: rows 16,384 cells wide."""
    rows = "".join(f'<row r="{n}">' + cell(f"A{n}", "x") + cell(f"XFD{n}", 1) + "</row>"
                   for n in range(3, count + 3))
    return workbook(sheet(HEADER_AND_ONE_ROW + rows, dimension="A1:XFD20002"))


def shared_strings_bomb(size: int = 40 * 1024 * 1024) -> bytes:
    """A few tens of KB that unpack to ``size`` bytes of shared strings."""
    return workbook(sheet(HEADER_AND_ONE_ROW), shared_strings(size))


def packed_too_tightly(size: int = 16 * 1024 * 1024) -> bytes:
    """Shared strings under the size limit, packed a thousand to one."""
    return workbook(sheet(HEADER_AND_ONE_ROW), shared_strings(size))


def sizes_that_lie(size: int = 40 * 1024 * 1024) -> bytes:
    """Shared strings of ``size`` bytes whose zip entry says they are 1 KB."""
    return lying_about(shared_strings_bomb(size), "xl/sharedStrings.xml", 1024)


def entity_expansion() -> bytes:
    """The billion laughs: a DTD whose entities multiply one word into gigabytes."""
    entities = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{n} "{("&a" + str(n - 1) + ";") * 10}">' for n in range(1, 10))
    prologue = f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>'
    rows = HEADER_AND_ONE_ROW.replace("TEA-01", "&a9;")
    return workbook(sheet(rows, prologue=prologue).replace(
        b'<?xml version="1.0" encoding="UTF-8"?>', b"", 1))


def blank_lines(count: int = 9_000_000, line: bytes = b"\n") -> bytes:
    """A CSV header, one row, and then ``count`` blank lines."""
    return b"sku,warehouse,quantity\nTEA-01,HZ,3\n" + line * count
