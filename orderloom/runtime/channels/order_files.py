"""Orders from and to spreadsheets: CSV and Excel (xlsx).

A file has one row per order line; rows with the same external order id are
lines of one order. Each order is mapped with the channel mapping format (a
path names a column: ``$.数量`` or ``$['Unit price']``), where the order's
fields are read from its first row and ``$.rows[*]`` lists all its rows.
Each order is created whole or not at all; the report names its rows as the
spreadsheet numbers them (the header is row 1).
"""
from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.designer.blueprint import published_blueprint, to_json
from orderloom.designer.problems import DefinitionProblem
from orderloom.runtime import business_calendar
from orderloom.runtime.audit import Actor
from orderloom.runtime.channels import file_columns, marketplace_totals
from orderloom.runtime.channels.ingestion import accepted_order
from orderloom.runtime.channels.mapping import (
    RECORD_MEMBERS,
    MappingError,
    apply_mapping,
    parse_path,
    resolve,
)
from orderloom.runtime.channels.models import ACCEPTED, InboundOrder
from orderloom.runtime.engine import lifecycle
from orderloom.runtime.errors import OrderError, OrderInputError
from orderloom.runtime.orders.models import Order
from orderloom.runtime.payments.received import record_reported
from orderloom.runtime.spreadsheets import formulas as spreadsheet_formulas
from orderloom.runtime.spreadsheets.reading import SpreadsheetError, read_table

log = logging.getLogger(__name__)

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

PREVIEW_ORDERS = 20
IMPORT_CHANNEL = "import"


class FileError(SpreadsheetError):
    """A file that cannot be read as a table of orders."""


Row = tuple[int, dict[str, Any]]  # spreadsheet row number, column name -> cell
# In a payload's marketplace money, the money cell that is not an amount.
UNREADABLE = "unreadable"


def read_rows(content: bytes, filename: str = "") -> list[Row]:
    """The data rows of a CSV or xlsx file, keyed by the header row's names. The
    file is read by ``spreadsheets.reading.read_table``, whose limits a refusal names."""
    return read_sheet(content, filename)[1]


def read_sheet(content: bytes, filename: str = "") -> tuple[list[str], list[Row]]:
    """The column names of a CSV or xlsx file (its first row) and its data rows."""
    table = read_table(content, filename)
    names = [_cell_text(h) for h in table[0]]
    while names and not names[-1]:
        names.pop()
    if not names:
        raise FileError("the first row must name the columns")
    seen = set()
    for name in names:
        if name and name in seen:
            raise FileError(f"the column {name!r} appears twice in the first row")
        seen.add(name)
    rows: list[Row] = []
    aliases = file_columns.aliases([name for name in names if name])
    for number, cells in enumerate(table[1:], start=2):
        values = {name: spreadsheet_formulas.as_read(_cell_value(cell))
                  for name, cell in zip(names, cells, strict=False)
                  if name and cell not in (None, "")}
        # ="" is how some marketplace exports write an empty cell
        values = {name: value for name, value in values.items() if value != ""}
        if values:  # a blank row is skipped, though it counted against the row limit
            values.update({alias: values[column] for alias, column in aliases.items()
                           if column in values})
            rows.append((number, values))
    return [name for name in names if name], rows


# Tmall's newer order-detail report names the order a line belongs to 主订单编号 (and
# the line itself 子订单编号); its older 宝贝报表 names it 订单编号, as the order report does.
LINE_REPORT_ORDER_COLUMNS = ("主订单编号",)


def join_line_report(orders: tuple[list[str], list[Row]], lines: tuple[list[str], list[Row]],
                     order_column: str, filename: str = "") -> bytes:
    """An order report (one row per order) and its line report (one row per line, such
    as Tmall's 订单报表 and 宝贝报表) as one CSV file of one row per line: each line's
    row with its order's columns beside it, the line report's value kept where both
    have a column. Rows are in the line report's order, so a row number of the result
    is the line report's; orders without lines follow at the end."""
    order_names, order_rows = orders
    line_names, line_rows = lines
    if order_column not in order_names:
        raise FileError(file_columns.missing_order_id(order_column, order_names),
                        filename=filename)
    line_column = next((c for c in (*LINE_REPORT_ORDER_COLUMNS, order_column)
                        if c in line_names), None)
    if line_column is None:
        names = ", ".join(repr(c) for c in (order_column, *LINE_REPORT_ORDER_COLUMNS))
        raise FileError(f"the line report has none of the columns {names} that name each "
                        f"line's order; its columns are: {', '.join(line_names)} / 明细报表中"
                        f"没有标明订单的列（{names}）；它的列为：{'、'.join(line_names)}",
                        filename=filename)
    by_id = {_key(values.get(order_column)): values for _, values in order_rows}
    header = list(dict.fromkeys([*line_names, *order_names]))
    joined: list[list[Any]] = []
    matched = set()
    for _, values in line_rows:
        key = _key(values.get(line_column))
        order = by_id.get(key, {})
        if order:
            matched.add(key)
        row = {**order, **values, order_column: values.get(line_column, order.get(
            order_column))}
        joined.append([_joined_cell(row.get(name)) for name in header])
    for key, values in by_id.items():
        if key not in matched:
            joined.append([_joined_cell(values.get(name)) for name in header])
    return "".join(write_csv(header, iter(joined))).encode("utf-8")


def _key(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _joined_cell(value: Any) -> Any:
    # As read, so written back to be read again as the same value; text that would
    # start a formula keeps the apostrophe that as_read takes off again.
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return spreadsheet_formulas.as_text(value)


def _cell_value(value: Any) -> Any:
    if isinstance(value, float):
        # Excel stores every number as a float; 19.9 must not become 19.899999...
        return Decimal(repr(value)) if not value.is_integer() else int(value)
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date()
    return value


def _cell_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


# --- grouping and mapping ---------------------------------------------------------------------

@dataclass
class Group:
    external_id: str | None
    rows: list[Row]

    @property
    def numbers(self) -> list[int]:
        return [number for number, _ in self.rows]

    def payload(self, columns: list[str] | None = None) -> dict[str, Any]:
        """The order's first row, and all its rows under ``rows``. With the file's
        ``columns``, each row names every column, an empty cell as None, so that a
        mapping formula may test a column that is empty in this row. The rows of a
        marketplace export Orderloom knows also give the order's money under
        ``orderloom`` (runtime/channels/marketplace_totals.py)."""
        empty = dict.fromkeys(file_columns.readable(columns or []))
        rows = [{**empty, **values} for _, values in self.rows]
        payload = {**rows[0], "rows": rows}
        try:
            totals = marketplace_totals.order_totals(rows)
        except marketplace_totals.Unreadable as error:
            # Said by import_rows as the order's failure; a mapping reads no money.
            totals = {UNREADABLE: error.as_json()}
        if totals is not None:
            payload[marketplace_totals.TOTALS] = totals
        return payload


def group_rows(rows: list[Row], mapping: dict[str, Any]) -> list[Group]:
    """Rows in orders, by the mapping's external id, in the order they first appear."""
    path = parse_path(mapping["external_id"])
    groups: dict[str, Group] = {}
    ungrouped: list[Group] = []
    for number, values in rows:
        found = resolve(path, values)
        key = None if found in (None, "") or isinstance(found, dict | list) else str(found)
        if key is None:
            ungrouped.append(Group(None, [(number, values)]))
        else:
            groups.setdefault(key, Group(key, [])).rows.append((number, values))
    return sorted([*groups.values(), *ungrouped], key=lambda g: g.rows[0][0])


@dataclass
class ImportReport:
    total_rows: int = 0
    created: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    preview: list[dict[str, Any]] = field(default_factory=list)
    # The columns the mapping reads that the file lacks, said once for the file.
    missing_columns: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self, preview: bool) -> dict[str, Any]:
        answer: dict[str, Any] = {"rows": self.total_rows, "failed": self.failed,
                                  "duplicates": self.duplicates}
        if self.missing_columns:
            answer["missing_columns"] = self.missing_columns
        if preview:
            answer["orders"] = self.preview
        else:
            answer["created"] = self.created
        return answer


def import_source(order_type_key: str) -> str:
    """Where an import without a channel records its external ids: one namespace per
    order type, so the same file imported into two order types makes orders in both."""
    return f"{IMPORT_CHANNEL}:{order_type_key}"


def check_columns(columns: list[str], mapping: dict[str, Any], filename: str = "") -> None:
    """Refuse a file without the column the mapping reads order ids from: none of its
    rows could be told apart."""
    column = file_columns.order_id_column(mapping)
    if column is not None and column not in file_columns.readable(columns):
        raise FileError(file_columns.missing_order_id(column, columns), filename=filename)


def import_rows(session: Session, actor: Actor, rows: list[Row], order_type_key: str,
                definition: dict[str, Any], mapping: dict[str, Any], *, source: str,
                channel_id: int | None = None, preview: bool = False,
                columns: list[str] | None = None) -> ImportReport:
    """Map ``rows`` into orders and (unless ``preview``) create each valid one, whole or
    not at all. Mapping problems must have been checked already. With the file's
    ``columns``, the columns the mapping reads that the file lacks are named, once in
    the report and in each failure they explain."""
    report = ImportReport(total_rows=len(rows))
    missing = file_columns.missing_columns(mapping, columns) if columns is not None else []
    # Said once per column, where the mapping first reads it.
    first: dict[str, file_columns.Missing] = {}
    for m in missing:
        first.setdefault(m.column, m)
    report.missing_columns = [m.as_json(columns or []) for m in first.values()]
    blueprint = published_blueprint(definition) if preview else None
    seen: set[str] = set()
    for group in group_rows(rows, mapping):
        where = {"rows": group.numbers, "external_id": group.external_id}
        if group.external_id is None:
            report.failed.append({**where, "errors": [{
                "pointer": "/mapping/external_id",
                "detail": f"the row has no order id in {mapping['external_id']}"}]})
            continue
        if group.external_id in seen or accepted_order(session, source,
                                                       group.external_id) is not None:
            report.duplicates.append(where)
            continue
        seen.add(group.external_id)
        payload = group.payload(columns)
        unreadable = (payload.get(marketplace_totals.TOTALS) or {}).get(UNREADABLE)
        if unreadable:
            report.failed.append({**where, "errors": [unreadable]})
            continue
        try:
            mapped = apply_mapping(mapping, payload, definition,
                                   business_calendar.formula_calendar(session))
        except MappingError as error:
            report.failed.append({**where, "errors": [p.as_json() for p in error.problems]})
            continue
        if blueprint is not None:
            calendar = business_calendar.formula_calendar(session)
            values = blueprint.compute(mapped.data, calendar=calendar)
            problems = [DefinitionProblem("/order" + p.pointer, p.message, p.line, p.column)
                        for p in blueprint.problems(values, calendar=calendar)]
            if problems:
                report.failed.append({**where, "errors": [p.as_json() for p in problems]})
            elif len(report.preview) < PREVIEW_ORDERS:
                report.preview.append({**where, "data": to_json(values)})
            continue
        _create(session, actor, order_type_key, mapped.data, group, source, channel_id,
                payload, report, payment=mapped.payment)
    if missing:
        for failure in report.failed:
            failure["errors"] = file_columns.blame(failure["errors"], missing)
    log.info("import into %s: %s rows, %s created, %s duplicates, %s failed%s",
             order_type_key, len(rows), len(report.created), len(report.duplicates),
             len(report.failed), " (preview)" if preview else "")
    return report


def _create(session: Session, actor: Actor, order_type_key: str, data: dict[str, Any],
            group: Group, source: str, channel_id: int | None, payload: dict[str, Any],
            report: ImportReport, payment: dict[str, Any] | None = None) -> None:
    channel_key = source.partition(":")[0]
    where = {"rows": group.numbers, "external_id": group.external_id}
    try:
        with session.begin_nested():
            # A marketplace's export holds orders already sold: like a channel's own
            # delivery, its SKUs are taken whether or not the catalog has them.
            order = lifecycle.create_order(session, actor, order_type_key, data,
                                           channel=channel_key, data_pointer="/order",
                                           products_checked=False)
            if payment:  # the mapping's payment.* columns
                record_reported(session, actor, order, payment, channel_key)
            session.add(InboundOrder(
                channel_id=channel_id, source=source, external_id=group.external_id,
                accepted_external_id=group.external_id, status=ACCEPTED,
                body=_json_text(payload), order_id=order.id, attempts=1,
                received_at=utcnow(), processed_at=utcnow()))
            session.flush()
    except OrderInputError as error:
        report.failed.append({**where, "errors": [p.as_json() for p in error.problems]})
        return
    except OrderError as error:
        report.failed.append({**where, "errors": [{"pointer": "", "detail": error.message}]})
        return
    except IntegrityError:
        if accepted_order(session, source, group.external_id) is not None:
            report.duplicates.append(where)  # imported at the same moment by someone else
        else:
            log.warning("import into %s: rows %s could not be stored", order_type_key,
                        group.numbers, exc_info=True)
            report.failed.append({**where, "errors": [
                {"pointer": "", "detail": "the order could not be stored; try again"}]})
        return
    report.created.append({**where, "number": order.number})


def _json_text(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


# --- export ---------------------------------------------------------------------------------

ORDER_COLUMNS = ("number", "state", "channel", "created_at")


def export_columns(definition: dict[str, Any]) -> tuple[list[str], str | None]:
    """The header of an export, and the line items field whose lines make the rows."""
    columns = list(ORDER_COLUMNS)
    lines_key = None
    for f in definition["form"]["fields"]:
        if f["type"] == "line_items":
            if lines_key is None:
                lines_key = f["key"]
                columns += [f"{f['key']}.{c['key']}" for c in f["fields"]]
        elif f["type"] in RECORD_MEMBERS:
            columns += [f"{f['key']}.{member}" for member in RECORD_MEMBERS[f["type"]]]
        else:
            columns.append(f["key"])
    return columns, lines_key


def export_rows(orders: list[Order], columns: list[str], lines_key: str | None,
                data_of: Callable[[Order], dict[str, Any]] | None = None
                ) -> Iterator[list[Any]]:
    """One row per line of each order (one row for an order without lines), the order's
    columns repeated on each. ``data_of`` gives the values to write (by default all:
    a reader who may not see some fields gets them left out)."""
    for order in orders:
        data = data_of(order) if data_of is not None else order.data
        base = {"number": order.number, "state": order.state, "channel": order.channel,
                "created_at": order.created_at.isoformat()}
        lines = (data.get(lines_key) if lines_key else None) or [{}]
        for line in lines:
            yield [_cell(_value(data, base, line, lines_key, name)) for name in columns]


def _value(data: dict[str, Any], base: dict[str, Any], line: Any, lines_key: str | None,
           name: str) -> Any:
    if name in base:
        return base[name]
    key, _, member = name.partition(".")
    if member and key == lines_key:
        return line.get(member) if isinstance(line, dict) else None
    value = data.get(key)
    if member:
        return value.get(member) if isinstance(value, dict) else None
    return value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ""  # a formula fault stored as {"error": ...} is no spreadsheet value
    if isinstance(value, str) and _numeric(value):
        return value  # an amount such as -5.00 stays a number the sheet can add up
    return spreadsheet_formulas.as_text(value)


def _numeric(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def write_csv(header: list[str], rows: Iterator[list[Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # so Excel opens UTF-8 Chinese text correctly
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_xlsx(header: list[str], rows: Iterator[list[Any]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("orders")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
