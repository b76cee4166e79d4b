"""Reading uploaded CSV and Excel (xlsx) files as tables, with every limit checked
before the work it bounds.

Order, customer, stock and statement files all come through ``read_table``. A
small upload must not be able to cost much more than its size:

- An xlsx file is a zip of XML parts. Before any part is parsed, the zip's
  directory is checked: how many parts, how large each says it unpacks to
  (sheets, shared strings, the rest) and in total, and how much each is
  compressed. Then every part is unpacked once, in pieces, to check that it
  is what the directory declares (the checksum) and carries no DTD: parts
  written by Excel never do, and entity definitions are how XML bombs
  multiply text. What a part is (a worksheet, the shared strings, anything
  else) comes from the content types and relationships, not its name.
- The sheet's declared dimension (``A1:XFD1048576``) is not trusted: cells
  are read as far as the header row goes and rows as far as the sheet has
  them, in openpyxl's read-only (streaming) mode.
- Blank rows and lines count against the row limit, and reading stops at the
  first row over it, so millions of blank lines cost no more than the limit.

A refusal is a ``SpreadsheetError`` (status 422, pointer ``/file``) that names
the file, the limit and the figure that broke it.
"""
from __future__ import annotations

import csv
import io
import logging
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from typing import Any
from xml.etree import ElementTree

from orderloom.runtime.errors import OrderError

log = logging.getLogger(__name__)

# Rows under the header, blank ones included, and columns of the header.
MAX_ROWS = 50_000
MAX_COLUMNS = 200

# The zip of an xlsx file. Uploads are at most ORDERLOOM_MAX_BODY_BYTES (10 MiB) and
# Excel's XML usually packs about ten to one, so a file that works unpacks to far
# less than these.
MAX_PARTS = 10_000
MAX_SHEET_BYTES = 128 * 1024 * 1024  # streamed, so it costs time, not memory
MAX_SHARED_STRINGS_BYTES = 32 * 1024 * 1024  # held in memory while the sheet is read
MAX_OTHER_XML_BYTES = 8 * 1024 * 1024  # styles, workbook, relationships: parsed whole
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
# The ratio Apache POI refuses by default (its minimum inflate ratio of 0.01); a part
# smaller than the floor cannot hurt whatever its ratio.
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 1024 * 1024

XLSX_MAGIC = b"PK\x03\x04"
_OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0"
_CHUNK = 1024 * 1024
_DTD_MARKS = (b"<!DOCTYPE", b"<!ENTITY")


# Why a file is refused: EMPTY, OLD_EXCEL (.xls), NOT_A_TABLE (neither CSV text nor an
# xlsx workbook), DAMAGED (a CSV or workbook that cannot be read), TOO_LARGE (over a
# limit: rows, columns, parts, bytes, packing).
EMPTY, OLD_EXCEL, NOT_A_TABLE, DAMAGED, TOO_LARGE = (
    "empty", "old_excel", "not_a_table", "damaged", "too_large")


class SpreadsheetError(OrderError):
    """An uploaded file that is not read as a table: over a limit, damaged, or no
    spreadsheet at all (``unreadable``)."""

    pointer = "/file"

    def __init__(self, message: str, *, filename: str = "", unreadable: bool = False,
                 reason: str | None = None, code: str | None = None,
                 **values: object) -> None:
        name = _shown(filename)
        # Why, for a page to say in its reader's language (the message is English): a
        # refusal's own code when it has one (a limit with its figures), else its reason's.
        self.reason = reason or (DAMAGED if unreadable else TOO_LARGE)
        super().__init__(f"{name}: {message}" if name else message,
                         code=code or f"spreadsheet.{self.reason}", file=name, **values)
        self.unreadable = unreadable


Table = list[tuple[Any, ...]]
BLANK: tuple[Any, ...] = ()


def read_table(content: bytes, filename: str = "") -> Table:
    """The rows of the first sheet of an xlsx file, or of CSV text (UTF-8 or GB18030,
    separated by commas, semicolons or tabs), header first. A blank row is ``BLANK``,
    so a row's place in the list is its place in the file. Cells of xlsx rows are
    openpyxl's values, read no wider than the header; CSV cells are text. What the
    content is decides how it is read, not the file's name."""
    if not content or content.isspace():
        raise SpreadsheetError("the file is empty", filename=filename, reason=EMPTY)
    if content.startswith(XLSX_MAGIC):
        return _xlsx_table(content, filename)
    if content.startswith(_OLD_EXCEL_MAGIC):
        raise SpreadsheetError("this is an old Excel .xls file; save it as .xlsx or CSV",
                               reason=OLD_EXCEL,
                               filename=filename, unreadable=True)
    if b"\x00" in content[:4096]:
        raise SpreadsheetError("the file is neither CSV text nor an Excel .xlsx workbook",
                               reason=NOT_A_TABLE,
                               filename=filename, unreadable=True)
    return _csv_table(content, filename)


# --- CSV --------------------------------------------------------------------------------------

def _csv_table(content: bytes, filename: str) -> Table:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GB18030
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SpreadsheetError("the CSV file is neither UTF-8 nor GB18030 text",
                               filename=filename, unreadable=True,
                               code="spreadsheet.encoding")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    table: Table = []
    try:
        for cells in csv.reader(_lines(text), dialect):
            if not table:
                _check_header(cells, filename)
            _count(table, filename, "lines")
            table.append(tuple(cells) if any(cells) else BLANK)
    except csv.Error as error:
        raise SpreadsheetError(f"the CSV file cannot be read at line {len(table) + 1}: "
                               f"{error}", filename=filename, reason=DAMAGED) from None
    return table


# A line with its end kept, as the csv module wants them (so quoted cells may hold line
# ends, and files from old Macs with bare \r read too); the last line may have no end.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` one at a time: a copy of the whole text (io.StringIO keeps
    four bytes a character) would cost more than the file."""
    for match in _LINE.finditer(text):
        yield match.group()


def _count(table: Table, filename: str, unit: str) -> None:
    """Refuse the row about to be added when it is one past the limit (the header is
    the table's first row)."""
    if len(table) > MAX_ROWS:
        blank = sum(1 for row in table if row is BLANK)
        raise SpreadsheetError(
            f"the file has more than {MAX_ROWS:,} {unit} under its header ({blank:,} of "
            f"the first {len(table):,} are blank, and blank {unit} count too); split it",
            filename=filename, code="spreadsheet.too_many_rows", most=f"{MAX_ROWS:,}")


# --- xlsx -------------------------------------------------------------------------------------

def _xlsx_table(content: bytes, filename: str) -> Table:
    from openpyxl import load_workbook  # imported here: only xlsx uploads need it

    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as error:
        raise SpreadsheetError(f"the Excel file cannot be read ({error})", filename=filename,
                               unreadable=True) from None
    with archive:
        _check_parts(archive, filename)
    try:
        # keep_links=False: the cached copies of other workbooks that external links
        # carry would be parsed whole, and no table here needs them.
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True,
                             keep_links=False)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise SpreadsheetError(f"the Excel file cannot be read ({type(error).__name__})",
                               filename=filename, unreadable=True) from None
    try:
        if not book.worksheets:
            raise SpreadsheetError("the Excel file has no worksheet", filename=filename,
                                   reason=DAMAGED)
        sheet = book.worksheets[0]
        # The dimension the sheet declares is only a claim: A1:XFD1048576 would make
        # openpyxl pad every row to 16,384 cells and add empty rows up to 1,048,576.
        sheet.reset_dimensions()
        return _sheet_rows(sheet, filename)
    except SpreadsheetError:
        raise
    except Exception as error:  # a part that unpacked well but is no sheet XML
        raise SpreadsheetError(f"the Excel file's first sheet cannot be read "
                               f"({type(error).__name__})", filename=filename,
                               reason=DAMAGED) from None
    finally:
        book.close()


def _sheet_rows(sheet: Any, filename: str) -> Table:
    # The header is read one cell wider than allowed, so a header too wide is seen;
    # the rows under it are read as wide as the header, since no reader of a table
    # looks at cells without a column name.
    header = next(sheet.iter_rows(min_row=1, max_row=1, max_col=MAX_COLUMNS + 1,
                                  values_only=True), BLANK)
    width = _check_header(header, filename)
    table: Table = [tuple(header[:width]) if width else BLANK]
    if not width:
        return table
    for row in sheet.iter_rows(min_row=2, max_col=width, values_only=True):
        _count(table, filename, "rows")
        table.append(BLANK if row.count(None) == len(row) else row)
    return table


def _check_header(header: Sequence[Any], filename: str) -> int:
    """The header's width without its empty cells at the end, at most MAX_COLUMNS."""
    width = len(header)
    while width and header[width - 1] in (None, ""):
        width -= 1
    if width > MAX_COLUMNS:
        raise SpreadsheetError(f"the first row has more than {MAX_COLUMNS} columns",
                               filename=filename, code="spreadsheet.too_many_columns",
                               most=MAX_COLUMNS)
    return width


def _check_parts(archive: zipfile.ZipFile, filename: str) -> None:
    parts = archive.infolist()
    if len(parts) > MAX_PARTS:
        raise SpreadsheetError(f"the Excel file has {len(parts):,} parts; at most "
                               f"{MAX_PARTS:,} are read", filename=filename)
    # The content types and relationships say what each part is read as; they are
    # small and parsed whole, so they are checked first, against the smallest limit.
    maps = [p for p in parts if p.filename == _CONTENT_TYPES or _is_rels(p.filename)]
    for part in maps:
        _check_size(part, MAX_OTHER_XML_BYTES, "part", filename)
        _check_content(archive, part, filename)
    roles = _roles(archive, maps, filename)
    total = 0
    for part in parts:
        limit, kind = _limit(roles.get(part.filename, {_OTHER}))
        _check_size(part, limit, kind, filename)
        total += part.file_size
        if total > MAX_UNPACKED_BYTES:
            raise SpreadsheetError(f"its parts unpack to more than {MAX_UNPACKED_BYTES:,} "
                                   "bytes together", filename=filename)
    for part in parts:
        if part not in maps:
            _check_content(archive, part, filename)


def _check_size(part: zipfile.ZipInfo, limit: int, kind: str, filename: str) -> None:
    if part.file_size > limit:
        raise SpreadsheetError(
            f"its {kind} {part.filename} unpacks to {part.file_size:,} bytes; at most "
            f"{limit:,} are read", filename=filename)
    if part.file_size > RATIO_FLOOR_BYTES and (
            part.file_size > MAX_RATIO * max(part.compress_size, 1)):
        raise SpreadsheetError(
            f"its {kind} {part.filename} unpacks from {part.compress_size:,} to "
            f"{part.file_size:,} bytes, more than {MAX_RATIO} times; such packing is "
            "a zip bomb, not a spreadsheet", filename=filename)


# What a part may be read as. openpyxl streams a worksheet (found by the workbook's
# relationships) and holds the shared strings (found by their content type); every
# other part it reads (by a fixed name, a content type or a relationship) it parses
# whole. A part gets the limit of the most costly way it may be read, so a large part
# declared a worksheet but also named as, say, a chartsheet gets the smallest limit.
_SHEET, _STRINGS, _OTHER = "sheet", "strings", "other"
_CONTENT_TYPES = "[Content_Types].xml"
_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml."
_TYPE_ROLES = {_MAIN + "worksheet+xml": _SHEET, _MAIN + "sharedStrings+xml": _STRINGS}
_RELATION_ROLES = {"worksheet": _SHEET, "sharedStrings": _STRINGS}
# Parts openpyxl reads by these names, whatever the content types say of them.
_READ_BY_NAME = frozenset({_CONTENT_TYPES, "_rels/.rels", "xl/styles.xml",
                           "xl/theme/theme1.xml", "docProps/core.xml", "docProps/custom.xml"})
_CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_RELATIONSHIPS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _limit(roles: set[str]) -> tuple[int, str]:
    if roles == {_SHEET}:
        return MAX_SHEET_BYTES, "sheet"
    if roles <= {_SHEET, _STRINGS}:
        return MAX_SHARED_STRINGS_BYTES, "shared strings part"
    return MAX_OTHER_XML_BYTES, "part"


def _is_rels(name: str) -> bool:
    return name.endswith(".rels")


def _roles(archive: zipfile.ZipFile, maps: list[zipfile.ZipInfo],
           filename: str) -> dict[str, set[str]]:
    names = {part.filename for part in archive.infolist()}
    roles: dict[str, set[str]] = {name: {_OTHER} if name in _READ_BY_NAME else set()
                                  for name in names}
    defaults: dict[str, str] = {}
    for part in maps:
        try:
            # No DTD got past _check_content, so no entity can grow while parsing.
            root = ElementTree.fromstring(archive.read(part))
        except ElementTree.ParseError as error:
            raise SpreadsheetError(f"its part {part.filename} is not XML ({error})",
                                   filename=filename, unreadable=True) from None
        if part.filename == _CONTENT_TYPES:
            for item in root.iter(_CONTENT_TYPES_NS + "Override"):
                name = item.get("PartName", "").lstrip("/")
                if name in roles:
                    roles[name].add(_TYPE_ROLES.get(item.get("ContentType", ""), _OTHER))
            for item in root.iter(_CONTENT_TYPES_NS + "Default"):
                defaults[item.get("Extension", "").lower()] = item.get("ContentType", "")
            continue
        parent = posixpath.split(posixpath.dirname(part.filename))[0]
        for item in root.iter(_RELATIONSHIPS_NS + "Relationship"):
            if item.get("TargetMode") == "External":
                continue
            target = item.get("Target", "")
            target = target[1:] if target.startswith("/") else posixpath.normpath(
                posixpath.join(parent, target))
            if target in roles:
                relation = item.get("Type", "").rsplit("/", 1)[-1]
                roles[target].add(_RELATION_ROLES.get(relation, _OTHER))
    for name, found in roles.items():
        if not found:  # no override: the default for its extension, or nothing at all
            extension = name.rsplit(".", 1)[-1].lower()
            found.add(_TYPE_ROLES.get(defaults.get(extension, ""), _OTHER))
    return roles


def _check_content(archive: zipfile.ZipFile, part: zipfile.ZipInfo, filename: str) -> None:
    """Unpack ``part`` in pieces: zipfile stops at the size the directory declares and
    raises when the checksum differs, so a part that lies about its size is caught
    here, before anything parses it."""
    xml = not part.filename.lower().endswith((".png", ".jpeg", ".jpg", ".gif", ".emf",
                                              ".wmf", ".bin"))
    tail = b""
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(_CHUNK):
                if xml:
                    window = tail + chunk
                    if any(mark in window for mark in _DTD_MARKS):
                        raise SpreadsheetError(
                            f"its part {part.filename} declares a DTD or entities, which "
                            "Excel never writes; they are how XML bombs grow",
                            filename=filename)
                    tail = chunk[-16:]
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as error:
        raise SpreadsheetError(
            f"its part {part.filename} does not unpack to the {part.file_size:,} bytes its "
            f"zip entry declares ({error}); the file is damaged", filename=filename) from None
    except (NotImplementedError, RuntimeError) as error:  # another method, or encrypted
        raise SpreadsheetError(f"its part {part.filename} cannot be unpacked ({error})",
                               filename=filename, unreadable=True) from None


def _shown(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:100]
