"""Order types and their versions: a draft edited freely, published versions never
changed again."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orderloom.db import Base, JSONDocument, UTCDateTime, utcnow


class OrderType(Base):
    __tablename__ = "order_types"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(63), unique=True)
    # The draft as last saved, valid or not: designers save work in progress.
    # Deferred: an order loads its type on every request and needs only the key.
    draft: Mapped[dict[str, Any]] = mapped_column(JSONDocument, deferred=True)
    draft_saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    draft_saved_by: Mapped[str] = mapped_column(String(150))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[DefinitionVersion]] = relationship(
        back_populates="order_type", order_by="DefinitionVersion.number",
        cascade="all, delete-orphan")

    @property
    def latest(self) -> DefinitionVersion | None:
        return self.versions[-1] if self.versions else None


class DefinitionVersion(Base):
    """Version N of an order type. Immutable once written: every order records the
    version it was created with and keeps behaving by it."""

    __tablename__ = "definition_versions"
    __table_args__ = (UniqueConstraint("order_type_id", "number",
                                       name="uq_definition_versions_order_type_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_type_id: Mapped[int] = mapped_column(ForeignKey("order_types.id", ondelete="CASCADE"),
                                               index=True)
    number: Mapped[int] = mapped_column(Integer)
    # Deferred: orders find their compiled blueprint in a per-process cache keyed by
    # id and publication time, so the (large) definition is read only on a miss.
    definition: Mapped[dict[str, Any]] = mapped_column(JSONDocument, deferred=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by: Mapped[str] = mapped_column(String(150))
    note: Mapped[str] = mapped_column(String(500), default="")

    order_type: Mapped[OrderType] = relationship(back_populates="versions")
