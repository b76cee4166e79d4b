"""Customers in from CSV or Excel files (a CRM's export, a spreadsheet kept by sales)
and out to them.

A file has one customer per row, upserted by its ``code``: a new code makes a
customer (its ``name`` is then required), a known one changes the columns the
row fills in (an empty cell leaves the value as it is). Columns other than
code, name, email, phone and tags are kept as the customer's attributes (tier,
credit_limit...). The columns an export adds (orders, lifetime_value...) are
read-only and ignored, so an exported file can be edited and imported again.

Every row is checked before anything is written. By default a file with a bad
row stores nothing and the answer lists every bad row; with ``skip_bad_rows``
every good row is stored and the bad ones are listed as skipped.
"""
from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.runtime import audit
from orderloom.runtime.audit import Actor
from orderloom.runtime.channels.order_files import FileError, read_rows, write_csv
from orderloom.runtime.customers import records as customers
from orderloom.runtime.customers.records import Customer, CustomerError
from orderloom.runtime.errors import OrderError
from orderloom.runtime.spreadsheets import formulas as spreadsheet_formulas

log = logging.getLogger(__name__)

IDENTITY_COLUMNS = ("code", "name", "email", "phone", "tags")
READ_ONLY_COLUMNS = ("orders", "lifetime_value", "segment", "last_order_at", "merged_into")
_CHUNK = 500


class CustomerRowsRefused(OrderError):
    """Rows that cannot be stored, each with its row number; nothing was stored."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        shown = "; ".join(f"row {p.row}: {p.detail}" for p in problems[:5])
        more = f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        super().__init__(f"nothing was imported because {len(problems)} row(s) are wrong: "
                         f"{shown}{more}")


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    detail: str

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "detail": self.detail}


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[RowProblem] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"created": len(self.created), "updated": len(self.updated),
                "unchanged": self.unchanged,
                "skipped": [p.as_json() for p in self.skipped],
                "stored": "every good row" if self.skipped else "every row"}


def _attribute(value: Any) -> Any:
    """A cell as a JSON value: money and fractions as exact strings, dates in ISO form."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return str(Decimal(repr(value)))
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip()
    return value


def _checked(number: int, values: dict[str, Any], existing: Customer | None
             ) -> dict[str, Any]:
    """The row's values, cleaned; CustomerError's pointer is the column at fault."""
    row = {str(k).strip().lower(): v for k, v in values.items()}
    out: dict[str, Any] = {}
    if "name" in row:
        out["name"] = customers.clean_name(row["name"], "name")
    elif existing is None:
        raise CustomerError("a new customer needs a name", pointer="name")
    if "email" in row:
        out["email"] = customers.clean_email(row["email"], "email")
    if "phone" in row:
        out["phone"] = customers.clean_phone(row["phone"], "phone")
    if "tags" in row:
        out["tags"] = customers.clean_tags(str(row["tags"]), "tags")
    attributes = {key: _attribute(value) for key, value in row.items()
                  if key not in IDENTITY_COLUMNS and key not in READ_ONLY_COLUMNS}
    if attributes:
        out["attributes"] = attributes
    return out


def import_rows(session: Session, actor: Actor, content: bytes, filename: str = "", *,
                skip_bad_rows: bool = False) -> ImportReport:
    """Upsert the file's customers in ``session`` (never commits). Raises FileError for
    a file that is not a table, CustomerRowsRefused when a row is bad and
    ``skip_bad_rows`` is off; the caller then rolls back."""
    rows = read_rows(content, filename)
    if not rows:
        raise FileError("the file has no rows under its header")
    if not any("code" in {str(k).strip().lower() for k in values} for _n, values in rows):
        raise FileError("the first row must name the columns: code, name, and optionally "
                        "email, phone, tags and any attributes")
    codes: dict[int, str] = {}
    problems: list[RowProblem] = []
    for number, values in rows:
        code = next((v for k, v in values.items() if str(k).strip().lower() == "code"), None)
        try:
            codes[number] = customers.clean_code(code, "code")
        except CustomerError as error:
            problems.append(RowProblem(number, error.pointer, error.message))
    known = _existing(session, set(codes.values()))
    seen: dict[str, int] = {}
    accepted: list[tuple[int, str, dict[str, Any]]] = []
    for number, values in rows:
        code = codes.get(number)
        if code is None:
            continue
        if code in seen:
            problems.append(RowProblem(number, "code", f"the code {code!r} is on row "
                                                       f"{seen[code]} already"))
            continue
        seen[code] = number
        existing = known.get(code)
        if existing is not None and existing.merged_into_id is not None:
            problems.append(RowProblem(number, "code", f"customer {code} was merged into "
                                                       "another customer; update that one"))
            continue
        try:
            accepted.append((number, code, _checked(number, values, existing)))
        except CustomerError as error:
            problems.append(RowProblem(number, error.pointer, error.message))
    problems.sort(key=lambda p: p.row)
    if problems and not skip_bad_rows:
        raise CustomerRowsRefused(problems)
    report = ImportReport(skipped=problems)
    for _number, code, values in accepted:
        existing = known.get(code)
        if existing is None:
            session.add(Customer(code=code, name=values["name"], email=values.get("email"),
                                 phone=values.get("phone"), tags=values.get("tags", []),
                                 attributes=values.get("attributes", {}),
                                 created_at=utcnow(), updated_at=utcnow()))
            report.created.append(code)
        elif _apply(existing, values):
            report.updated.append(code)
        else:
            report.unchanged += 1
    session.flush()
    # One audit row for the file: a CRM's nightly file may hold thousands of customers.
    audit.record(session, actor, "customers.imported", "customer_file", filename or "upload",
                 created=report.created[:1000], updated=report.updated[:1000],
                 unchanged=report.unchanged, skipped=[p.as_json() for p in problems[:1000]])
    return report


def _existing(session: Session, codes: set[str]) -> dict[str, Customer]:
    found: dict[str, Customer] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start:start + _CHUNK]
        for customer in session.scalars(select(Customer).where(Customer.code.in_(chunk))):
            found[customer.code] = customer
    return found


def _apply(customer: Customer, values: dict[str, Any]) -> bool:
    changed = False
    for key in ("name", "email", "phone", "tags"):
        if key in values and values[key] != getattr(customer, key):
            setattr(customer, key, values[key])
            changed = True
    if "attributes" in values:
        merged = {**customer.attributes, **values["attributes"]}
        if merged != customer.attributes:
            customer.attributes = merged
            changed = True
    if changed:
        customer.updated_at = utcnow()
    return changed


# --- export ---------------------------------------------------------------------------------

def _safe(value: Any) -> Any:
    if value is None:
        return ""
    return spreadsheet_formulas.as_text(value)


def export_table(session: Session, now: datetime | None = None
                 ) -> tuple[list[str], Iterator[list[Any]]]:
    """The header and rows of every customer not merged away, by code."""
    now = now or utcnow()
    stats = customers.order_stats(session)
    query = (select(Customer, stats.c.orders, stats.c.value, stats.c.last_order_at,
                    customers.segment_of(stats, now).label("segment"))
             .outerjoin(stats, stats.c.customer_id == Customer.id)
             .where(Customer.merged_into_id.is_(None))
             .order_by(Customer.code))
    rows = session.execute(query).all()
    extra = sorted({key for row in rows for key in row[0].attributes
                    if key not in IDENTITY_COLUMNS and key not in READ_ONLY_COLUMNS})
    header = [*IDENTITY_COLUMNS, *extra, "orders", "lifetime_value", "segment",
              "last_order_at"]

    def body() -> Iterator[list[Any]]:
        for customer, orders, value, last, segment in rows:
            yield [_safe(v) for v in (
                customer.code, customer.name, customer.email, customer.phone,
                "; ".join(customer.tags),
                *(customer.attributes.get(key) for key in extra),
                orders or 0, str(customers.money_value(value)), segment,
                last.isoformat() if last else None)]

    return header, body()


def export_csv(session: Session) -> bytes:
    header, rows = export_table(session)
    return "".join(write_csv(header, rows)).encode("utf-8")


def export_xlsx(session: Session) -> bytes:
    header, rows = export_table(session)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("customers")
    sheet.append(header)
    for row in rows:
        sheet.append([v if not isinstance(v, dict | list) else str(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
