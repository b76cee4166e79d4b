"""Statements of payment providers and banks: the column mapping saved per provider,
and reading a CSV or Excel statement into lines with it.

A statement is read whole before anything is stored: one bad line refuses the
file with the row and column at fault, so no half-imported statement exists.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from orderloom.db import Base, JSONDocument, Money, UTCDateTime, utcnow
from orderloom.designer import numbers
from orderloom.runtime import business_calendar
from orderloom.runtime.channels.order_files import FileError, read_rows
from orderloom.runtime.payments.received import PaymentError

# What a statement line may carry, and which of them a mapping must name.
FIELDS = ("reference", "order_number", "amount", "currency", "date", "description")
REQUIRED = ("amount", "date")


class StatementMapping(Base):
    """Which column of a provider's statement holds what."""

    __tablename__ = "statement_mappings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(63), unique=True)
    columns: Mapped[dict[str, str]] = mapped_column(JSONDocument)
    # strptime pattern of the date column, e.g. %d/%m/%Y; empty: ISO 8601
    date_format: Mapped[str] = mapped_column(String(40), default="")
    # "1.234,56": the provider writes a decimal comma
    decimal_comma: Mapped[bool] = mapped_column(Boolean, default=False)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(150))


class StatementImport(Base):
    __tablename__ = "statement_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(63), index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(150))
    line_count: Mapped[int] = mapped_column(Integer, default=0)
    matched_count: Mapped[int] = mapped_column(Integer, default=0)
    mismatch_count: Mapped[int] = mapped_column(Integer, default=0)


class StatementLine(Base):
    __tablename__ = "statement_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(
        ForeignKey("statement_imports.id", ondelete="CASCADE"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(200), default="", index=True)
    order_number: Mapped[str] = mapped_column(String(40), default="")
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    booked_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(500), default="")
    # What it was matched to, and how: reference, order_number or amount_date.
    payment_id: Mapped[int | None] = mapped_column(
        ForeignKey("payments.id", ondelete="SET NULL"), index=True)
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    matched_by: Mapped[str | None] = mapped_column(String(20))


@dataclass
class ParsedLine:
    row_number: int
    reference: str
    order_number: str
    amount: Decimal
    currency: str
    booked_on: date
    description: str


def find_mapping(session: Session, provider: str) -> StatementMapping | None:
    return session.scalar(select(StatementMapping).where(StatementMapping.provider == provider))


def save_mapping(session: Session, actor_name: str, provider: str, columns: dict[str, str], *,
                 date_format: str = "", decimal_comma: bool = False,
                 currency: str = "CNY") -> StatementMapping:
    """Create or replace a provider's mapping (the API checks its shape first)."""
    for field in REQUIRED:
        if not columns.get(field):
            raise PaymentError(f"name the column that holds the {field}",
                               pointer=f"/columns/{field}", code="statement.column_missing",
                               field=field)
    if date_format:
        try:
            datetime.now().strftime(date_format)
        except ValueError:
            raise PaymentError(f"{date_format!r} is not a date pattern such as %d/%m/%Y",
                               pointer="/date_format", code="statement.bad_date_pattern",
                               pattern=date_format) from None
    mapping = find_mapping(session, provider)
    if mapping is None:
        mapping = StatementMapping(provider=provider, updated_by=actor_name)
        session.add(mapping)
    mapping.columns = {k: v for k, v in columns.items() if v}
    mapping.date_format = date_format
    mapping.decimal_comma = decimal_comma
    mapping.currency = currency
    mapping.updated_at = utcnow()
    mapping.updated_by = actor_name
    session.flush()
    return mapping


def mapping_json(mapping: StatementMapping) -> dict[str, Any]:
    return {"provider": mapping.provider, "columns": mapping.columns,
            "date_format": mapping.date_format, "decimal_comma": mapping.decimal_comma,
            "currency": mapping.currency, "updated_at": mapping.updated_at.isoformat(),
            "updated_by": mapping.updated_by}


def read_statement(content: bytes, filename: str, mapping: StatementMapping
                   ) -> list[ParsedLine]:
    """Every line of a statement, or PaymentError naming the first rows at fault as
    ``/rows/<row>/<column>``."""
    try:
        rows = read_rows(content, filename)
    except FileError as error:
        raise PaymentError(str(error), pointer="/file") from None
    if not rows:
        raise PaymentError("the statement has no lines", pointer="/file",
                           code="statement.empty")
    present = set().union(*(values.keys() for _, values in rows))
    for field, column in mapping.columns.items():
        if field in REQUIRED and column not in present:
            raise PaymentError(f"the mapping of {mapping.provider!r} reads the {field} from "
                               f"the column {column!r}, which the file does not have",
                               pointer=f"/columns/{field}", code="statement.column_absent",
                               provider=mapping.provider, field=field, column=column)
    lines: list[ParsedLine] = []
    faults: list[tuple[str, str]] = []
    for number, values in rows:
        line = _line(number, values, mapping, faults)
        if line is not None:
            lines.append(line)
        if len(faults) >= 20:
            break
    if faults:
        error = PaymentError("; ".join(f"{p}: {m}" for p, m in faults[:5])
                             + (f"; and {len(faults) - 5} more" if len(faults) > 5 else ""),
                             pointer=faults[0][0])
        error.faults = faults
        raise error
    return lines


def _line(number: int, values: dict[str, Any], mapping: StatementMapping,
          faults: list[tuple[str, str]]) -> ParsedLine | None:
    columns = mapping.columns

    def cell(field: str) -> Any:
        column = columns.get(field)
        return values.get(column) if column else None

    def where(field: str) -> str:
        return f"/rows/{number}/{columns.get(field, field)}"

    amount = _amount(cell("amount"), mapping.decimal_comma)
    if amount is None:
        faults.append((where("amount"), f"{cell('amount')!r} is not an amount"))
    booked = _date(cell("date"), mapping.date_format)
    if booked is None:
        faults.append((where("date"), f"{cell('date')!r} is not a date"
                       + (f" in the form {mapping.date_format}" if mapping.date_format else
                          " (YYYY-MM-DD)")))
    if amount is None or booked is None:
        return None
    currency = str(cell("currency") or mapping.currency).strip().upper()[:3]
    try:
        # Read leniently above (signs, thousands separators), bounded like every amount.
        numbers.checked("money", amount, currency)
    except numbers.OutOfBounds as refused:
        faults.append((where("amount"), f"{cell('amount')!r}: {refused}"))
        return None
    return ParsedLine(number, _text(cell("reference"), 200), _text(cell("order_number"), 40),
                      amount, currency, booked, _text(cell("description"), 500))


def _text(value: Any, limit: int) -> str:
    return "" if value is None else str(value).strip()[:limit]


def _amount(value: Any, decimal_comma: bool) -> Decimal | None:
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return Decimal(value)
    if not isinstance(value, str):
        return None
    text = value.strip().replace(" ", "").replace("\u00a0", "")
    for sign in ("¥", "￥", "$", "€", "CNY", "RMB"):
        text = text.replace(sign, "")
    if decimal_comma:
        text = text.replace(".", "").replace(",", ".")
    else:
        text = text.replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _date(value: Any, pattern: str) -> date | None:
    if isinstance(value, datetime):
        return business_calendar.instance_date(value) if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        if pattern:
            return datetime.strptime(text, pattern).date()
        parsed = datetime.fromisoformat(text)
        return business_calendar.instance_date(parsed) if parsed.tzinfo else parsed.date()
    except ValueError:
        return None
