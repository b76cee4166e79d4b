"""Account services: create users and roles, check passwords, issue and revoke tokens.

Every function takes a session and leaves the commit to its caller.
"""
from __future__ import annotations

import functools
import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from orderloom.db import utcnow
from orderloom.designer.models import OrderType
from orderloom.designer.validation import Context, validate_order_type
from orderloom.platform import password_policy
from orderloom.platform.models import ApiToken, Role, User
from orderloom.platform.permissions import BUILTIN_ROLES, PERMISSIONS
from orderloom.runtime import audit
from orderloom.runtime.audit import Actor

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@-]{2,150}$")
ROLE_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{1,49}$")
TOKEN_PREFIX = "olt_"
# scrypt is memory-hard and current; Werkzeug keeps its parameters in the hash,
# so a later change of parameters still verifies old hashes.
PASSWORD_METHOD = "scrypt"


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; ``field`` names the input."""

    def __init__(self, field: str, message: str, status: int = 422, *,
                 code: str | None = None, **values: object) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.status = status
        # What the refusal means, for pages to say in the reader's language
        # (refusals.py REFUSAL_WORDS); the API keeps the English message.
        self.code = code
        self.values = values


@functools.cache
def _dummy_hash() -> str:
    # Verified against when the username is unknown, so a wrong name costs as much
    # time as a wrong password and names cannot be probed.
    return generate_password_hash(secrets.token_hex(16), method=PASSWORD_METHOD)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_METHOD)


def check_password_strength(password: str, username: str, display_name: str = "") -> None:
    """Refuse a password the policy (password_policy.py) refuses for this user."""
    refused = password_policy.judge(password, username,
                                    tuple(display_name.lower().split()))
    if refused is not None:
        code, why = refused
        raise AccountError("password", why, code=code, least=password_policy.MIN_LENGTH)


def find_role(session: Session, name: str) -> Role | None:
    return session.scalar(select(Role).where(Role.name == name))


def ensure_builtin_roles(session: Session) -> None:
    """Make sure the four built-in roles exist (the first migration adds them;
    this repairs a database where someone deleted one)."""
    for name, (description, _granted) in BUILTIN_ROLES.items():
        if find_role(session, name) is None:
            role = Role(name=name, description=description, builtin=True, permissions=[])
            session.add(role)
            session.flush()
            audit.record(session, audit.SYSTEM, "role.created", "role", role.id, name=name,
                         builtin=True)


def create_user(
    session: Session,
    actor: Actor,
    username: str,
    password: str,
    roles: list[str],
    display_name: str = "",
) -> User:
    if not USERNAME_PATTERN.match(username or ""):
        raise AccountError("username", "use 2 to 150 letters, digits or . _ @ -",
                           code="account.username_form")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError("username", f"a user named {username!r} already exists", status=409,
                           code="account.user_exists", username=username)
    check_password_strength(password, username, display_name)
    role_objects = _roles_named(session, roles)
    _check_grant(session, actor, roles, role_objects, set(roles))
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        roles=role_objects,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.created", "user", user.id, username=username,
                 roles=[r.name for r in role_objects])
    return user


def set_roles(session: Session, actor: Actor, user: User, roles: list[str]) -> None:
    before = user.role_names
    chosen = _roles_named(session, roles)
    _check_grant(session, actor, roles, chosen, set(roles) - set(before))
    was_administrator = is_administrator(user)
    user.roles = chosen
    if was_administrator and not is_administrator(user):
        _keep_an_administrator(session, user, "roles")
    audit.record(session, actor, "user.roles_changed", "user", user.id,
                 before=before, after=user.role_names)


def is_administrator(user: User) -> bool:
    """Holds every permission: the one who can still repair any other account."""
    return user.active and user.permissions >= frozenset(PERMISSIONS)


def _keep_an_administrator(session: Session, user: User, field: str) -> None:
    # Checked after the change, on what the database and this session would hold:
    # without an administrator nobody could give the permissions back.
    session.flush()
    others = session.scalars(select(User).where(User.active.is_(True), User.id != user.id))
    if not any(is_administrator(other) for other in others):
        raise AccountError(field, f"{user.username} is the last administrator: give another "
                                  "active user every permission first, or nobody could "
                                  "manage this instance", status=409,
                           code="account.last_administrator", username=user.username)


def _granter_permissions(session: Session, actor: Actor) -> frozenset[str] | None:
    """What ``actor`` may hand on: their own permissions. None for the operator's
    command line and the system, which act for the instance itself."""
    if actor.user_id is None:
        return None
    person = session.get(User, actor.user_id)
    return person.permissions if person is not None and person.active else frozenset()


def check_may_manage(session: Session, actor: Actor, user: User) -> None:
    """Refuse to change the password, roles or access of someone who holds a
    permission the actor lacks: taking over their account would be escalation."""
    own = _granter_permissions(session, actor)
    lacking = sorted(user.permissions - own) if own is not None else []
    if lacking and user.id != actor.user_id:
        raise AccountError("", f"{user.username} holds {', '.join(lacking)}, which you do "
                               "not hold yourself; only someone who does may change "
                               "this user", status=403, code="account.holds_more",
                           username=user.username, permissions=", ".join(lacking))


def _check_grant(session: Session, actor: Actor, names: list[str], roles: list[Role],
                 granted: set[str]) -> None:
    """Refuse to give a role whose permissions the giver lacks: holding
    ``users.manage`` alone must not be a way to become an administrator."""
    own = _granter_permissions(session, actor)
    if own is None:
        return
    by_name = {role.name: role for role in roles}
    for index, name in enumerate(names):
        lacking = sorted(by_name[name].granted - own) if name in granted else []
        if lacking:
            raise AccountError(f"roles/{index}",
                               f"you cannot give the role {name!r}: it grants "
                               f"{', '.join(lacking)}, which you do not hold yourself",
                               status=403, code="account.role_grants_more", role=name,
                               permissions=", ".join(lacking))


def set_active(session: Session, actor: Actor, user: User, active: bool) -> None:
    if user.active == active:
        return
    if not active and is_administrator(user):
        user.active = False
        _keep_an_administrator(session, user, "active")
    user.active = active
    user.session_epoch += 1
    audit.record(session, actor, "user.activated" if active else "user.deactivated",
                 "user", user.id)


def set_password(session: Session, actor: Actor, user: User, password: str) -> None:
    check_password_strength(password, user.username, user.display_name)
    user.password_hash = hash_password(password)
    user.session_epoch += 1
    audit.record(session, actor, "user.password_changed", "user", user.id)


def _roles_named(session: Session, names: list[str]) -> list[Role]:
    found = {r.name: r for r in session.scalars(select(Role).where(Role.name.in_(names)))}
    for index, name in enumerate(names):
        if name not in found:
            raise AccountError(f"roles/{index}", f"there is no role named {name!r}",
                               code="account.no_role", role=name)
    return [found[name] for name in dict.fromkeys(names)]


def create_role(
    session: Session, actor: Actor, name: str, description: str, permissions: list[str]
) -> Role:
    if not ROLE_PATTERN.match(name or ""):
        raise AccountError("name", "use 2 to 50 lower-case letters, digits, - or _, "
                                   "starting with a letter", code="account.role_name_form")
    if find_role(session, name) is not None:
        raise AccountError("name", f"a role named {name!r} already exists", status=409,
                           code="account.role_exists", role=name)
    _check_permissions(session, actor, permissions)
    role = Role(name=name, description=description, builtin=False,
                permissions=sorted(set(permissions)))
    session.add(role)
    session.flush()
    audit.record(session, actor, "role.created", "role", role.id, name=name,
                 permissions=role.permissions)
    return role


def change_role(session: Session, actor: Actor, role: Role, description: str | None,
                permissions: list[str] | None) -> None:
    """Change a custom role's description or permissions; built-in roles take theirs
    from the permission table."""
    if role.builtin:
        raise AccountError("", f"{role.name!r} is a built-in role: what it may do is fixed; "
                               "create a custom role instead", status=409,
                           code="account.builtin_fixed", role=role.name)
    before = list(role.permissions)
    _check_may_change(session, actor, role, "change")
    if permissions is not None:
        _check_permissions(session, actor, permissions)
        holders = list(session.scalars(select(User).where(User.roles.contains(role))))
        administrators = [user for user in holders if is_administrator(user)]
        role.permissions = sorted(set(permissions))
        for user in administrators:
            if not is_administrator(user):
                _keep_an_administrator(session, user, "permissions")
    if description is not None:
        role.description = description
    audit.record(session, actor, "role.changed", "role", role.id, name=role.name,
                 before=before, after=role.permissions)


def _check_may_change(session: Session, actor: Actor, role: Role, verb: str) -> None:
    # Taking powers away is managing the people who hold them: only someone who
    # holds all of the role's powers may change or delete it.
    own = _granter_permissions(session, actor)
    beyond = sorted(set(role.permissions) - own) if own is not None else []
    if beyond:
        raise AccountError("", f"you cannot {verb} the role {role.name!r}: it holds "
                               f"{', '.join(repr(p) for p in beyond)}, which you do not "
                               "hold yourself", status=403,
                           code=f"account.cannot_{verb}_role", role=role.name,
                           permissions=", ".join(beyond))


def delete_role(session: Session, actor: Actor, role: Role) -> None:
    """Delete a custom role that nobody holds and no published order type names."""
    if role.builtin:
        raise AccountError("", f"{role.name!r} is a built-in role and cannot be deleted",
                           status=409, code="account.builtin_kept", role=role.name)
    _check_may_change(session, actor, role, "delete")
    holders = sorted(session.scalars(select(User.username)
                                     .where(User.roles.contains(role))))
    if holders:
        raise AccountError("", f"the role {role.name!r} is still held by "
                               f"{', '.join(holders)}: take it from them first", status=409,
                           code="account.role_held", role=role.name,
                           holders=", ".join(holders))
    naming = order_types_naming(session, role.name)
    if naming:
        # Their approvals and transitions would wait for a role nobody can hold.
        raise AccountError("", f"the published order types {', '.join(naming)} name the "
                               f"role {role.name!r}: publish them without it first",
                           status=409, code="account.role_named", role=role.name,
                           types=", ".join(naming))
    audit.record(session, actor, "role.deleted", "role", role.id, name=role.name,
                 permissions=list(role.permissions))
    session.delete(role)
    session.flush()


def order_types_naming(session: Session, role_name: str) -> list[str]:
    """The keys of the order types whose published version would have more problems
    without ``role_name``: those that name it (approvers, transitions, fields)."""
    roles = frozenset(session.scalars(select(Role.name)))
    present, absent = Context(roles=roles), Context(roles=roles - {role_name})
    naming = []
    for order_type in session.scalars(select(OrderType).order_by(OrderType.key)):
        published = order_type.latest
        if published is None:
            continue
        definition = published.definition
        if (len(validate_order_type(definition, absent))
                > len(validate_order_type(definition, present))):
            naming.append(order_type.key)
    return naming


def _check_permissions(session: Session, actor: Actor, permissions: list[str]) -> None:
    own = _granter_permissions(session, actor)
    for index, permission in enumerate(permissions):
        if permission not in PERMISSIONS:
            raise AccountError(f"permissions/{index}", f"there is no permission {permission!r}",
                               code="account.no_permission", permission=permission)
        if own is not None and permission not in own:
            raise AccountError(f"permissions/{index}",
                               f"you cannot grant {permission!r}: you do not hold it "
                               "yourself", status=403, code="account.cannot_grant",
                               permission=permission)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, or None; the same work is done
    whether the name exists or not."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, actor: Actor, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the row and the token text, which is
    never stored and cannot be shown again."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise AccountError("name", "give the token a name of 1 to 100 characters",
                           code="account.token_name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=token_digest(secret),
                     prefix=secret[: len(TOKEN_PREFIX) + 6])
    session.add(token)
    session.flush()
    audit.record(session, actor, "token.created", "api_token", token.id, name=name,
                 owner=user.username)
    return token, secret


def revoke_token(session: Session, actor: Actor, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(session, actor, "token.revoked", "api_token", token.id, name=token.name)


def user_for_token(session: Session, secret: str) -> tuple[User, ApiToken] | None:
    """The active owner of a live token, or None for an unknown, revoked or
    deactivated one. Marks the token used (at most once a minute); the caller
    commits."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    # Token, user and roles in one query: this runs on every API request.
    token = session.scalars(
        select(ApiToken).where(ApiToken.token_hash == token_digest(secret))
        .options(joinedload(ApiToken.user).joinedload(User.roles))).unique().one_or_none()
    if token is None or token.revoked or not token.user.active:
        return None
    now = utcnow()
    # Coarse on purpose: one write a minute per token, not one per request. A plain
    # UPDATE, not a change of the loaded token: that would count as a change of
    # credentials and clear the tokens this process remembers (token_cache.py).
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        session.execute(update(ApiToken).where(ApiToken.id == token.id)
                        .values(last_used_at=now)
                        .execution_options(synchronize_session=False))
    return token.user, token
