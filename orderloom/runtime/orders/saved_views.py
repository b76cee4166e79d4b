"""Saved views of the order list: a name, the filters, and the columns shown.

A view belongs to the person who saved it, or is shared with everyone (``owner_id``
None). Columns are the list's own (number, state, total ...) and, for a view of one
order type, any field of that type's form (``field:<key>``), shown formatted by the
field's type. Helpers take a session and never commit.
"""
from __future__ import annotations

import difflib
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from orderloom.db import Base, JSONDocument, UTCDateTime, utcnow
from orderloom.designer import versions
from orderloom.designer.models import OrderType
from orderloom.designer.published import blueprint_for
from orderloom.runtime.errors import OrderError

# The order list's own columns, in their default order.
BASE_COLUMNS = ("number", "order_type", "state", "customer", "total", "channel", "created")
DEFAULT_COLUMNS = list(BASE_COLUMNS)
FIELD_PREFIX = "field:"
FILTER_KEYS = ("state", "channel", "created_from", "created_to", "customer", "tag", "q")
MAX_NAME = 100
MAX_COLUMNS = 30
MAX_FILTER_VALUE = 200


class SavedView(Base):
    __tablename__ = "saved_views"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None: shared with everyone.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                                 index=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    order_type_id: Mapped[int | None] = mapped_column(
        ForeignKey("order_types.id", ondelete="CASCADE"))
    filters: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    columns: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    created_by: Mapped[str] = mapped_column(String(150))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def shared(self) -> bool:
        return self.owner_id is None


class ViewProblem(OrderError):
    """A view that cannot be saved as given; ``pointer`` names the member at fault."""

    def __init__(self, pointer: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.pointer = pointer
        self.status = status


def visible_views(session: Session, user_id: int) -> list[SavedView]:
    """The person's own views and the shared ones, by name."""
    return list(session.scalars(select(SavedView).where(
        or_(SavedView.owner_id == user_id, SavedView.owner_id.is_(None)))
        .order_by(SavedView.name, SavedView.id)))


def find_view(session: Session, user_id: int, view_id: int) -> SavedView | None:
    view = session.get(SavedView, view_id)
    if view is None or (view.owner_id is not None and view.owner_id != user_id):
        return None  # someone else's view is not there for this person
    return view


def view_for(session: Session, user_id: int, view_id: int, *, changing: bool = False,
             may_share: bool = False) -> SavedView:
    """The view as this person may open it or, with ``changing``, change it: a shared
    view is changed only by someone who may share views (``may_share``)."""
    view = find_view(session, user_id, view_id)
    if view is None:
        raise ViewProblem("", f"there is no saved view {view_id}", 404)
    if changing and view.shared and not may_share:
        raise ViewProblem("", "a shared view is changed by someone allowed to share views "
                              "(views.share)", 403)
    return view


def field_columns(order_type: OrderType) -> dict[str, dict[str, Any]]:
    """``field:<key>`` -> the field's definition, for the type's latest version."""
    if order_type.latest is None:
        return {}
    definition = blueprint_for(order_type.latest).definition
    return {FIELD_PREFIX + f["key"]: f for f in definition["form"]["fields"]}


def check_columns(columns: Any, order_type: OrderType | None, base: str = "/columns"
                  ) -> list[str]:
    if not isinstance(columns, list) or not columns:
        raise ViewProblem(base, "choose at least one column")
    if len(columns) > MAX_COLUMNS:
        raise ViewProblem(base, f"at most {MAX_COLUMNS} columns")
    fields = field_columns(order_type) if order_type is not None else {}
    known = list(BASE_COLUMNS) + list(fields)
    for index, column in enumerate(columns):
        if not isinstance(column, str) or column not in known:
            if isinstance(column, str) and column.startswith(FIELD_PREFIX) and not order_type:
                raise ViewProblem(f"{base}/{index}", "a form field column needs the view's "
                                                     "order type")
            close = difflib.get_close_matches(str(column), known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ViewProblem(f"{base}/{index}", f"{column!r} is not a column of this "
                                                 f"view{hint}")
    if len(set(columns)) != len(columns):
        raise ViewProblem(base, "a column is chosen twice")
    return list(columns)


def check_filters(filters: Any, order_type: OrderType | None, base: str = "/filters"
                  ) -> dict[str, str]:
    if not isinstance(filters, dict):
        raise ViewProblem(base, "must be an object of filter names and values")
    fields = field_columns(order_type) if order_type is not None else {}
    kept: dict[str, str] = {}
    for key, value in filters.items():
        where = f"{base}/{key.replace('~', '~0').replace('/', '~1')}"
        if key.startswith("field."):
            if FIELD_PREFIX + key[len("field."):] not in fields:
                raise ViewProblem(where, "filters on a form field need the view's order type "
                                         "and a field of its form")
        elif key not in FILTER_KEYS:
            close = difflib.get_close_matches(key, FILTER_KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ViewProblem(where, f"is not a filter of the order list{hint}")
        if not isinstance(value, str) or len(value) > MAX_FILTER_VALUE:
            raise ViewProblem(where, f"must be text of at most {MAX_FILTER_VALUE} characters")
        if key in ("created_from", "created_to") and value:
            try:
                date.fromisoformat(value)
            except ValueError:
                raise ViewProblem(where, "must be a date like 2026-11-25") from None
        if value != "":
            kept[key] = value
    return kept


def _name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ViewProblem("/name", "give the view a name")
    if len(name.strip()) > MAX_NAME:
        raise ViewProblem("/name", f"at most {MAX_NAME} characters")
    return name.strip()


def _clash(session: Session, owner_id: int | None, name: str, keep: int | None) -> None:
    query = select(SavedView.id).where(SavedView.name == name)
    query = query.where(SavedView.owner_id.is_(None) if owner_id is None
                        else SavedView.owner_id == owner_id)
    found = session.scalar(query)
    if found is not None and found != keep:
        where = "shared views" if owner_id is None else "your views"
        raise ViewProblem("/name", f"{where} already have one named {name!r}", 409)


def save_view(session: Session, owner_id: int | None, created_by: str, *, name: Any,
              order_type: OrderType | None, filters: Any, columns: Any) -> SavedView:
    clean = _name(name)
    view = SavedView(owner_id=owner_id, name=clean,
                     order_type_id=order_type.id if order_type else None,
                     filters=check_filters(filters, order_type),
                     columns=check_columns(columns, order_type), created_by=created_by,
                     created_at=utcnow(), updated_at=utcnow())
    _clash(session, owner_id, clean, None)
    session.add(view)
    session.flush()
    return view


def save_view_for(session: Session, user_id: int, username: str, *, shared: bool,
                  may_share: bool, name: Any, order_type_key: str | None, filters: Any,
                  columns: Any, sees: Callable[[OrderType], bool] | None = None
                  ) -> SavedView:
    """Save a view as a person asks: their own, or with ``shared`` one for everyone,
    which only someone who may share views (``may_share``) saves; ``order_type_key``
    narrows it to one order type, which must be one ``sees`` lets the person know of
    (a type its access hides is answered as a missing one)."""
    if shared and not may_share:
        raise ViewProblem("/shared", "sharing views with everyone needs the views.share "
                                     "permission", 403)
    order_type = None
    if order_type_key:
        order_type = versions.find(session, order_type_key)
        if order_type is None or (sees is not None and not sees(order_type)):
            raise ViewProblem("/order_type", f"there is no order type {order_type_key!r}")
    return save_view(session, None if shared else user_id, username, name=name,
                     order_type=order_type, filters=filters, columns=columns)


def change_view(session: Session, view: SavedView, *, name: Any = None,
                filters: Any = None, columns: Any = None) -> SavedView:
    order_type = session.get(OrderType, view.order_type_id) if view.order_type_id else None
    if name is not None:
        clean = _name(name)
        _clash(session, view.owner_id, clean, view.id)
        view.name = clean
    if filters is not None:
        view.filters = check_filters(filters, order_type)
    if columns is not None:
        view.columns = check_columns(columns, order_type)
    view.updated_at = utcnow()
    session.flush()
    return view


def view_json(view: SavedView, order_type_key: str | None) -> dict[str, Any]:
    return {"id": view.id, "name": view.name, "shared": view.shared,
            "order_type": order_type_key, "filters": view.filters, "columns": view.columns,
            "created_by": view.created_by, "created_at": view.created_at.isoformat(),
            "updated_at": view.updated_at.isoformat()}
