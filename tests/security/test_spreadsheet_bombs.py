"""Spreadsheet bombs: a small upload that would cost the server far more than its size
(an xlsx declaring A1:XFD1048576, shared strings that unpack a thousandfold, zip
entries that lie about their size, entity expansion, millions of blank CSV lines) is
refused, or read as what it really holds, within a bounded time and memory."""
from __future__ import annotations

import io
import json
import os
import time
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from orderloom.runtime.audit import Actor
from orderloom.runtime.channels import import_runs
from orderloom.runtime.customers.records import Customer
from orderloom.runtime.orders.models import Order
from orderloom.runtime.payments.statements import StatementImport
from orderloom.runtime.spreadsheets import reading as spreadsheets
from orderloom.runtime.spreadsheets.reading import MAX_ROWS, SpreadsheetError, read_table
from orderloom.runtime.stock.models import StockMovement
from tests.channels.test_files import MARKETPLACE
from tests.payments.test_reconciliation import MAPPING as STATEMENT_MAPPING
from tests.security import bombs

# What reading one upload may cost at most. The biggest legitimate cost is the
# decoded text of a 10 MiB CSV; CPU time, not wall time, so a busy machine does not
# make the test fail.
SECONDS = 2.0
MEMORY = 48 * 1024 * 1024


def measured(content: bytes, filename: str) -> tuple[spreadsheets.Table | SpreadsheetError,
                                                     float, int]:
    """What reading ``content`` gives (the rows or the refusal), the CPU seconds it took
    and the most memory it held at once. Time and memory are measured in two reads,
    since tracing memory slows Python down several times."""
    started = time.process_time()
    try:
        outcome: spreadsheets.Table | SpreadsheetError = read_table(content, filename)
    except SpreadsheetError as error:
        outcome = error
    seconds = time.process_time() - started
    tracemalloc.start()
    try:
        read_table(content, filename)
    except SpreadsheetError:
        pass
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return outcome, seconds, peak


def refused(content: bytes, filename: str) -> SpreadsheetError:
    outcome, seconds, peak = measured(content, filename)
    assert isinstance(outcome, SpreadsheetError), f"read {len(outcome)} rows"
    assert seconds < SECONDS, f"refused only after {seconds:.1f} s of CPU"
    assert peak < MEMORY, f"held {peak / 2**20:.0f} MiB to refuse it"
    assert outcome.message.startswith(f"{filename}: ")
    assert outcome.pointer == "/file" and outcome.status == 422
    return outcome


@pytest.mark.parametrize(("bomb", "says"), [
    (bombs.shared_strings_bomb, "its shared strings part xl/sharedStrings.xml unpacks to "
                                "41,943,643 bytes; at most 33,554,432 are read"),
    (bombs.packed_too_tightly, "its shared strings part xl/sharedStrings.xml unpacks from "),
    (bombs.sizes_that_lie, "its part xl/sharedStrings.xml does not unpack to the 1,024 bytes "
                           "its zip entry declares"),
    (bombs.entity_expansion, "its part xl/worksheets/sheet1.xml declares a DTD or entities"),
    (bombs.last_cell_filled, f"the file has more than {MAX_ROWS:,} rows under its header"),
    (bombs.empty_row_elements, f"the file has more than {MAX_ROWS:,} rows under its header"),
], ids=lambda v: getattr(v, "__name__", ""))
def test_an_xlsx_bomb_is_refused_quickly_saying_which_limit(bomb, says):
    content = bomb()
    assert len(content) < 512 * 1024  # each is small enough to upload many times over
    assert says in refused(content, "orders.xlsx").message


@pytest.mark.parametrize("line", [b"\n", b"\r\n", b"\r", b",,\n", b'"",,\n', b" \n"],
                         ids=repr)
def test_millions_of_blank_csv_lines_are_refused_at_the_row_limit(line):
    error = refused(bombs.blank_lines(4_000_000, line), "stock.csv")
    assert f"the file has more than {MAX_ROWS:,} lines under its header" in error.message


@pytest.mark.parametrize(("part", "limit"), [
    ("xl/worksheets/sheet1.xml", spreadsheets.MAX_SHEET_BYTES),
    ("xl/sharedStrings.xml", spreadsheets.MAX_SHARED_STRINGS_BYTES),
    ("xl/workbook.xml", spreadsheets.MAX_OTHER_XML_BYTES),
    ("_rels/.rels", spreadsheets.MAX_OTHER_XML_BYTES),
])
def test_each_part_is_refused_by_its_declared_size_before_it_is_unpacked(part, limit):
    # The entry claims one byte more than the limit; nothing that large is in the file,
    # so only the zip directory can have refused it.
    content = bombs.lying_about(bombs.workbook(bombs.sheet(bombs.HEADER_AND_ONE_ROW)), part,
                                limit + 1)
    error = refused(content, "orders.xlsx")
    assert f"{part} unpacks to {limit + 1:,} bytes; at most {limit:,} are read" in error.message


def strings_elsewhere() -> tuple[dict, str]:
    # openpyxl finds the shared strings by their content type, wherever they are.
    members = bombs.parts(bombs.sheet(bombs.HEADER_AND_ONE_ROW))
    members["xl/media/image1.png"] = members.pop("xl/sharedStrings.xml")
    members["[Content_Types].xml"] = bombs.CONTENT_TYPES.replace("/xl/sharedStrings.xml",
                                                                 "/xl/media/image1.png")
    return members, "xl/media/image1.png"


def sheet_also_a_chartsheet() -> tuple[dict, str]:
    # A chartsheet is parsed whole; the same part named as one is no streamed sheet.
    members = bombs.parts(bombs.sheet(bombs.HEADER_AND_ONE_ROW))
    members["xl/_rels/workbook.xml.rels"] = bombs.WORKBOOK_RELS.replace(
        "</Relationships>", '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/chartsheet" Target="worksheets/sheet1.xml"/>'
        "</Relationships>")
    return members, "xl/worksheets/sheet1.xml"


def styles_declared_a_sheet() -> tuple[dict, str]:
    # openpyxl parses xl/styles.xml whole by its name, whatever it is declared to be.
    members = bombs.parts(bombs.sheet(bombs.HEADER_AND_ONE_ROW))
    members["xl/styles.xml"] = members.pop("xl/worksheets/sheet1.xml")
    members["[Content_Types].xml"] = bombs.CONTENT_TYPES.replace("/xl/worksheets/sheet1.xml",
                                                                 "/xl/styles.xml")
    members["xl/_rels/workbook.xml.rels"] = bombs.WORKBOOK_RELS.replace(
        "worksheets/sheet1.xml", "styles.xml")
    return members, "xl/styles.xml"


@pytest.mark.parametrize(("disguise", "limit", "kind"), [
    (strings_elsewhere, spreadsheets.MAX_SHARED_STRINGS_BYTES, "shared strings part"),
    (sheet_also_a_chartsheet, spreadsheets.MAX_OTHER_XML_BYTES, "part"),
    (styles_declared_a_sheet, spreadsheets.MAX_OTHER_XML_BYTES, "part"),
], ids=lambda v: getattr(v, "__name__", ""))
def test_a_part_gets_the_limit_of_the_most_costly_way_it_may_be_read(disguise, limit, kind):
    members, part = disguise()
    content = bombs.lying_about(bombs.package(members), part, limit + 1)
    error = refused(content, "orders.xlsx")
    assert (f"its {kind} {part} unpacks to {limit + 1:,} bytes; at most {limit:,} are read"
            in error.message)


def test_parts_are_refused_by_their_total_unpacked_size():
    # Three sheets, each declared at the sheet limit; random bytes pack so badly that
    # the ratio stays within bounds, so only the total can refuse them.
    members = bombs.parts(bombs.sheet(bombs.HEADER_AND_ONE_ROW))
    big = ["xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml"]
    for n, name in enumerate(big, start=2):
        members[name] = os.urandom(spreadsheets.MAX_SHEET_BYTES // spreadsheets.MAX_RATIO
                                   + 4096)
        members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
            "</Types>", f'<Override PartName="/{name}" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
            "</Relationships>", f'<Relationship Id="rIdS{n}" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            f'Target="worksheets/sheet{n}.xml"/></Relationships>')
    content = bombs.package(members)
    for name in big:
        content = bombs.lying_about(content, name, spreadsheets.MAX_SHEET_BYTES)
    error = refused(content, "orders.xlsx")
    assert (f"its parts unpack to more than {spreadsheets.MAX_UNPACKED_BYTES:,} bytes "
            "together") in error.message


def test_a_sheet_declaring_a1_to_xfd1048576_reads_as_the_rows_it_holds():
    content = bombs.declared_everything()
    assert len(content) < 2048
    table, seconds, peak = measured(content, "orders.xlsx")
    assert table == [("sku", "warehouse", "quantity"), ("TEA-01", "HZ", 3)]
    assert seconds < SECONDS and peak < MEMORY


def test_rows_reaching_the_last_column_are_read_no_wider_than_the_header():
    table, seconds, peak = measured(bombs.wide_rows(20_000), "orders.xlsx")
    assert len(table) == 20_002
    assert {len(row) for row in table} == {3}
    assert table[-1] == ("x", None, None)
    assert seconds < SECONDS and peak < MEMORY


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=st.lists(st.tuples(st.integers(3, 1_048_576), st.integers(1, 16_384),
                                st.one_of(st.integers(0, 99), st.just(""))),
                      max_size=20),
       dimension=st.sampled_from(["A1:XFD1048576", "A1", "A1:C3", "B2:A1"]))
def test_any_scatter_of_cells_is_read_within_the_limits_or_refused(cells, dimension):
    """Wherever a sheet puts its cells, and whatever dimension it declares, reading costs
    no more than the limits: rows only as far as the data goes and no wider than the
    header, the gaps counted as blank rows."""
    written = {(row, column): value for row, column, value in cells}  # the last one wins
    rows: dict[int, str] = {}
    for (row, column), value in sorted(written.items()):
        rows[row] = rows.get(row, "") + bombs.cell(_ref(column, row), value)
    xml = bombs.HEADER_AND_ONE_ROW + "".join(f'<row r="{r}">{c}</row>'
                                             for r, c in sorted(rows.items()))
    outcome, seconds, peak = measured(bombs.workbook(bombs.sheet(xml, dimension)), "x.xlsx")
    assert seconds < SECONDS and peak < MEMORY
    last = max(rows, default=2)
    if last - 1 > MAX_ROWS:
        assert isinstance(outcome, SpreadsheetError)
        assert f"more than {MAX_ROWS:,} rows" in outcome.message
        return
    assert not isinstance(outcome, SpreadsheetError), outcome.message
    assert len(outcome) == last
    assert all(len(row) <= 3 for row in outcome)
    for (row, column), value in written.items():
        if column <= 3 and value != "":
            assert outcome[row - 1][column - 1] == value


def _ref(column: int, row: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


def test_the_row_limit_counts_blank_rows_and_is_where_it_is_documented():
    under = b"sku,warehouse,quantity\n" + b"TEA-01,HZ,1\n\n" * (MAX_ROWS // 2)
    assert len(read_table(under, "stock.csv")) == MAX_ROWS + 1
    error = refused(under + b"\n", "stock.csv")
    assert (f"more than {MAX_ROWS:,} lines under its header ({MAX_ROWS // 2:,} of the "
            f"first {MAX_ROWS + 1:,} are blank" in error.message)


def test_a_header_wider_than_the_column_limit_is_refused_in_either_format():
    names = [f"c{n}" for n in range(spreadsheets.MAX_COLUMNS + 1)]
    as_csv = (",".join(names) + "\n").encode()
    header = '<row r="1">' + "".join(bombs.cell(_ref(n + 1, 1), name)
                                      for n, name in enumerate(names)) + "</row>"
    as_xlsx = bombs.workbook(bombs.sheet(header))
    for content, name in ((as_csv, "wide.csv"), (as_xlsx, "wide.xlsx")):
        error = refused(content, name)
        assert f"the first row has more than {spreadsheets.MAX_COLUMNS} columns" in error.message


# --- over HTTP, and in a background import ---------------------------------------------------

def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


UPLOADS = {
    "orders": ("/api/v1/order-imports?order_type=retail_order",
               {"mapping": json.dumps(MARKETPLACE)}),
    "stock": ("/api/v1/stock/import", {}),
    "customers": ("/api/v1/customers/import", {}),
    "statements": ("/api/v1/statements?provider=alipay", {}),
}
BOMBS = {
    "lying.xlsx": (bombs.sizes_that_lie, "does not unpack to the 1,024 bytes"),
    "strings.xlsx": (bombs.shared_strings_bomb, "unpacks to 41,943,643 bytes"),
    "blank.csv": (lambda: bombs.blank_lines(9_000_000), f"more than {MAX_ROWS:,} lines"),
}


def test_every_upload_answers_a_bomb_with_a_422_naming_the_limit_and_stores_nothing(
        client, db, token_for, published):
    admin = bearer(token_for("admin"))
    assert client.put("/api/v1/statement-mappings/alipay", headers=admin,
                      json=STATEMENT_MAPPING).status_code == 200
    built = {name: (bomb(), says) for name, (bomb, says) in BOMBS.items()}
    for what, (url, form) in UPLOADS.items():
        for name, (content, says) in built.items():
            answer = client.post(url, headers=admin, content_type="multipart/form-data",
                                 data={**form, "file": (io.BytesIO(content), name)})
            where = f"{what} with {name}"
            assert answer.status_code == 422, (where, answer.get_json())
            assert answer.mimetype == "application/problem+json", where
            problem = answer.get_json()
            assert problem["errors"][0]["pointer"] == "/file", where
            assert problem["detail"].startswith(f"/file: {name}: "), where
            assert says in problem["detail"], (where, problem["detail"])
    for model in (Order, Customer, StockMovement, StatementImport):
        assert db.scalar(select(func.count()).select_from(model)) == 0, model.__name__


def test_a_background_import_of_a_bomb_fails_with_the_limit_as_its_reason(db, published):
    # An upload reads the file before it starts a run; a run stored otherwise (by an
    # older release, or with other limits) is read again by the job.
    run, _job = import_runs.start(
        db, Actor(None, "importer", "api"), order_type_key="retail_order",
        mapping=MARKETPLACE, source="import:retail_order", channel_id=None,
        filename="orders.csv", content=bombs.blank_lines(), rows_total=0)
    db.commit()
    started = time.process_time()
    import_runs.run_import(sessionmaker(bind=db.get_bind()), run.id)
    assert time.process_time() - started < SECONDS
    db.expire_all()
    run = db.get(import_runs.ImportRun, run.id)
    assert run.status == import_runs.FAILED
    assert run.failure.startswith(f"orders.csv: the file has more than {MAX_ROWS:,} lines")
    assert run.content is None  # the file is not kept once the run is over
    assert db.scalar(select(func.count()).select_from(Order)) == 0
