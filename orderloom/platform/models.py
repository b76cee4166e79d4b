"""People and their access: users, roles and API tokens."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orderloom.db import Base, JSONDocument, UTCDateTime, utcnow
from orderloom.platform.permissions import permissions_of

user_roles = Table(
    "user_roles",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
)


class Role(Base):
    """A built-in role (admin, designer, staff, viewer) or a custom one that workflows
    name for approvals, such as ``finance`` or ``warehouse``."""

    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    # Only custom roles use this list; built-in roles take theirs from the permission table.
    permissions: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    # Which orders holders of this role see: a key of permissions.ROW_RULES.
    row_rule: Mapped[str] = mapped_column(String(20), default="all", server_default="all")

    @property
    def granted(self) -> frozenset[str]:
        return permissions_of(self.name, self.permissions)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    display_name: Mapped[str] = mapped_column(String(150), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped when the password changes or the user is deactivated, which ends
    # every session that was opened before.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the row rules of the user's roles (permissions.ROW_RULES) measure orders
    # against: the channel keys and warehouse codes they work for, and their team.
    channels: Mapped[list[str]] = mapped_column(JSONDocument, default=list, server_default="[]")
    warehouses: Mapped[list[str]] = mapped_column(JSONDocument, default=list,
                                                  server_default="[]")
    team: Mapped[str | None] = mapped_column(String(63), index=True)

    roles: Mapped[list[Role]] = relationship(secondary=user_roles, lazy="selectin",
                                             order_by=Role.name)

    @property
    def role_names(self) -> list[str]:
        return sorted(role.name for role in self.roles)

    @property
    def permissions(self) -> frozenset[str]:
        granted: set[str] = set()
        for role in self.roles:
            granted |= role.granted
        return frozenset(granted)

    def can(self, permission: str) -> bool:
        return self.active and permission in self.permissions


class ApiToken(Base):
    """A Bearer token for an integration. Only the SHA-256 of the token is kept;
    the token itself is shown once, when it is created."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, so a person can tell their tokens apart in a list.
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
