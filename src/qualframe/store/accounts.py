"""Tables and persistence for accounts: users, organisations, memberships, sessions, API tokens, log-in
failures, the audit trail and its chain head, and the server's own secrets.

Every write goes through `audited(store, actor)`: one transaction that first takes the audit chain's
lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: SELECT ... FOR UPDATE on the chain-head row), so appends from
any number of processes are serialised and the chain cannot fork, and the change and its audit entry
commit together or not at all. The operations below (used by the CLI and the web routes alike) each
validate, write and append their audit entry; later capabilities use `audited()` + `Tx.audit()` the same way.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import ModuleType
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from qualframe.accounts import audit as chain
from qualframe.accounts import tokens, values
from qualframe.accounts.policy import Principal
from qualframe.model.messages import N_, Text
from qualframe.store.base import Base
from qualframe.store.base import aware as _aware
from qualframe.store.base import utcnow as _now

SESSION_LIFETIME = timedelta(hours=12)
TOKEN_DEFAULT_LIFETIME = timedelta(days=30)
TOUCH_EVERY = timedelta(seconds=60)  # last_seen / last_used are written at most this often
# Log-in rate limits: failures within the window, per account and per client address.
FAILURE_WINDOW = timedelta(minutes=15)
ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 30


def _passwords() -> ModuleType:
    """qualframe.accounts.passwords, imported with the first password hashed or checked (argon2 is not
    needed to start the server)."""
    from qualframe.accounts import passwords

    return passwords


# --- tables -----------------------------------------------------------------------------------------

class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    email_key: Mapped[str] = mapped_column(String(254), nullable=False, unique=True)  # case-folded
    display_name: Mapped[str] = mapped_column(String(120), nullable=False)
    lang: Mapped[str] = mapped_column(String(2), nullable=False, default="kk")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_superuser: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class OrganisationRow(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    names: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    accreditation_number: Mapped[str | None] = mapped_column(String(100))
    accreditation_valid_from: Mapped[date | None] = mapped_column(Date)
    accreditation_valid_to: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class MembershipRow(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("org_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class SessionRow(Base):
    __tablename__ = "sessions"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the session id
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    digest: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)  # SHA-256 of the token
    prefix: Mapped[str] = mapped_column(String(8), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False,
                                        index=True)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginFailureRow(Base):
    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), nullable=False, index=True)  # digest of account or address
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)


class AuditRow(Base):
    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    actor_user_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: the trail outlives users
    org: Mapped[str | None] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(60), nullable=False)
    object_type: Mapped[str] = mapped_column(String(40), nullable=False)
    object_id: Mapped[str | None] = mapped_column(String(100))
    before: Mapped[str | None] = mapped_column(String(64))
    after: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    client: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)  # a fork would repeat a prev
    digest: Mapped[str] = mapped_column(String(64), nullable=False)


class AuditHeadRow(Base):
    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # always 1
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)


class AppSecretRow(Base):
    __tablename__ = "app_secrets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(128), nullable=False)


# --- records ----------------------------------------------------------------------------------------

class AccountError(Exception):
    """An operation that cannot be done; `kind` is not_found, conflict, invalid or forbidden. `message` is
    usually a :class:`Text`: the English sentence in the API and the CLI, the page's language on a page."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message




def _iso(dt: datetime | date | None) -> str | None:
    if dt is None:
        return None
    if isinstance(dt, datetime):
        return chain.timestamp(dt)
    return dt.isoformat()


@dataclass(frozen=True, slots=True)
class User:
    id: int
    email: str
    display_name: str
    lang: str
    is_superuser: bool
    is_active: bool
    has_password: bool
    password_changed_at: datetime | None
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """Public fields; never the password hash."""
        return {"id": self.id, "email": self.email, "display_name": self.display_name, "lang": self.lang,
                "is_superuser": self.is_superuser, "is_active": self.is_active, "has_password": self.has_password,
                "password_changed_at": _iso(self.password_changed_at), "created_at": _iso(self.created_at)}


@dataclass(frozen=True, slots=True)
class Organisation:
    id: int
    slug: str
    names: dict[str, str]
    kind: str
    accreditation: dict[str, Any] | None
    created_at: datetime

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names.get("kk") or next(iter(self.names.values()), self.slug)

    def to_dict(self) -> dict[str, Any]:
        acc = None
        if self.accreditation:
            acc = {"number": self.accreditation["number"], "valid_from": _iso(self.accreditation["valid_from"]),
                   "valid_to": _iso(self.accreditation["valid_to"])}
        return {"slug": self.slug, "names": dict(self.names), "kind": self.kind, "accreditation": acc,
                "created_at": _iso(self.created_at)}


@dataclass(frozen=True, slots=True)
class Member:
    user_id: int
    email: str
    display_name: str
    roles: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"user_id": self.user_id, "email": self.email, "display_name": self.display_name,
                "roles": list(self.roles)}


@dataclass(frozen=True, slots=True)
class Token:
    id: int
    prefix: str
    name: str
    user_id: int
    user_email: str
    org: str
    role: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    def active(self, now: datetime | None = None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or _now())

    def to_dict(self) -> dict[str, Any]:
        """Never the token itself: it is shown once, when created."""
        return {"id": self.id, "prefix": f"{tokens.TOKEN_PREFIX}{self.prefix}", "name": self.name,
                "user_id": self.user_id, "user": self.user_email, "org": self.org, "role": self.role,
                "created_by": self.created_by, "created_at": _iso(self.created_at),
                "expires_at": _iso(self.expires_at), "revoked_at": _iso(self.revoked_at),
                "last_used_at": _iso(self.last_used_at), "active": self.active()}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who the audit trail names for a change, and where the request came from."""

    name: str
    user_id: int | None = None
    request_id: str | None = None
    client: str | None = None

    @classmethod
    def of(cls, principal: Principal | None, request_id: str | None = None, client: str | None = None) -> Actor:
        if principal is None:
            return cls("anonymous", None, request_id, client)
        return cls(principal.actor, principal.user_id, request_id, client)

    @classmethod
    def cli(cls) -> Actor:
        import getpass

        try:
            who = getpass.getuser()
        except Exception:  # no login name (e.g. a container without passwd entry)
            who = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
        return cls(f"cli:{who}")


# --- the audited transaction -------------------------------------------------------------------------

@dataclass
class Tx:
    """One write transaction holding the audit chain's lock; `audit()` appends to the chain."""

    conn: Connection
    actor: Actor
    head: tuple[int, str]  # (seq, digest) of the chain's last entry, read under the lock
    appended: list[int] = field(default_factory=list)

    def audit(self, action: str, object_type: str, object_id: Any = None, *, before: dict[str, Any] | None = None,
              after: dict[str, Any] | None = None, org: str | None = None,
              detail: dict[str, Any] | None = None) -> int:
        """Append one entry (in this transaction); returns its sequence number."""
        seq, prev = self.head
        entry: dict[str, Any] = {
            "seq": seq + 1, "at": chain.timestamp(_now()), "actor": self.actor.name,
            "actor_user_id": self.actor.user_id, "org": org, "action": action, "object_type": object_type,
            "object_id": None if object_id is None else str(object_id),
            "before": chain.object_digest(before), "after": chain.object_digest(after),
            "request_id": self.actor.request_id, "client": self.actor.client, "detail": detail,
            "prev": prev,
        }
        entry["digest"] = chain.entry_digest(entry)
        # parameters, not .values(): one compiled statement for every append
        self.conn.execute(insert(AuditRow), {**entry, "at": _parse_ts(entry["at"])})
        self.conn.execute(update(AuditHeadRow).where(AuditHeadRow.id == 1)
                          .values(seq=entry["seq"], digest=entry["digest"]))
        self.head = (entry["seq"], entry["digest"])
        self.appended.append(entry["seq"])
        return entry["seq"]


def _parse_ts(s: str) -> datetime:
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


@contextmanager
def audited(store: Any, actor: Actor) -> Iterator[Tx]:
    """A transaction that holds the audit chain's lock from its first statement to its commit."""
    with store.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock now: no stale reads, no fork
        head = conn.execute(select(AuditHeadRow.seq, AuditHeadRow.digest).where(AuditHeadRow.id == 1)
                            .with_for_update()).first()
        if head is None:
            raise AccountError("invalid", Text(N_("the audit chain head is missing; run the migrations")))
        yield Tx(conn, actor, (head.seq, head.digest))


# --- secrets ------------------------------------------------------------------------------------------

_SECRETS: dict[tuple[str, str], bytes] = {}


def app_secret(store: Any, name: str = "csrf") -> bytes:
    """A random key shared by every process on this database (created on first use)."""
    key = (store.url, name)
    if key in _SECRETS:
        return _SECRETS[key]
    with store.engine.connect() as conn:
        value = conn.execute(select(AppSecretRow.value).where(AppSecretRow.name == name)).scalar_one_or_none()
    if value is None:
        try:
            with store.engine.begin() as conn:
                conn.execute(insert(AppSecretRow).values(name=name, value=os.urandom(32).hex()))
        except IntegrityError:
            pass  # another process made it first; read theirs
        with store.engine.connect() as conn:
            value = conn.execute(select(AppSecretRow.value).where(AppSecretRow.name == name)).scalar_one()
    _SECRETS[key] = bytes.fromhex(value)
    return _SECRETS[key]


# --- users --------------------------------------------------------------------------------------------

def _user(r: Any) -> User:
    return User(r.id, r.email, r.display_name, r.lang, bool(r.is_superuser), bool(r.is_active),
                r.password_hash is not None, _aware(r.password_changed_at), _aware(r.created_at))


def find_user(conn: Connection, email_or_id: str | int) -> User | None:
    if isinstance(email_or_id, int):
        r = conn.execute(select(UserRow).where(UserRow.id == email_or_id)).first()
    else:
        try:
            key = values.email_key(email_or_id)
        except values.InvalidValue:
            return None
        r = conn.execute(select(UserRow).where(UserRow.email_key == key)).first()
    return _user(r) if r else None


def _need_user(conn: Connection, email_or_id: str | int) -> User:
    u = find_user(conn, email_or_id)
    if u is None:
        raise AccountError("not_found", Text(N_("no user %(user)s"), user=repr(email_or_id)))
    return u


def create_user(tx: Tx, email: str, name: str | None = None, *, lang: str = "kk", superuser: bool = False,
                password: str | None = None) -> User:
    addr = values.email(email)
    key = values.email_key(addr)
    display = values.display_name(name, addr)
    values.lang(lang)
    pw_hash = _passwords().hash_password(password) if password is not None else None
    if tx.conn.execute(select(UserRow.id).where(UserRow.email_key == key)).first():
        raise AccountError("conflict", Text(N_("a user with the email %(email)s already exists"), email=repr(addr)))
    now = _now()
    uid = tx.conn.execute(insert(UserRow).values(
        email=addr, email_key=key, display_name=display, lang=lang, password_hash=pw_hash,
        password_changed_at=now if pw_hash else None, is_superuser=superuser, is_active=True,
        created_at=now, updated_at=now).returning(UserRow.id)).scalar_one()
    user = _need_user(tx.conn, uid)
    tx.audit("user.create", "user", uid, after=user.to_dict(), detail={"superuser": superuser})
    if pw_hash:
        tx.audit("user.password_set", "user", uid, after=user.to_dict())
    return user


def check_password(store: Any, user_id: int, password: str) -> bool:
    """Whether `password` is the user's current one (for a password change that asks for it)."""
    with store.engine.connect() as conn:
        stored = conn.execute(select(UserRow.password_hash).where(UserRow.id == user_id)).scalar_one_or_none()
    return _passwords().verify_password(stored, password).ok


def set_password(tx: Tx, email_or_id: str | int, password: str, *, keep_session: str | None = None) -> User:
    """Set a new password; every session of the user ends, except `keep_session` (the digest of the
    session that made the change)."""
    before = _need_user(tx.conn, email_or_id)
    pw_hash = _passwords().hash_password(password)
    now = _now()
    tx.conn.execute(update(UserRow).where(UserRow.id == before.id)
                    .values(password_hash=pw_hash, password_changed_at=now, updated_at=now))
    tx.conn.execute(delete(SessionRow).where(SessionRow.user_id == before.id,
                                             SessionRow.digest != (keep_session or "")))
    after = _need_user(tx.conn, before.id)
    tx.audit("user.password_set", "user", before.id, before=before.to_dict(), after=after.to_dict())
    return after


def update_user(tx: Tx, user_id: int, *, lang: str | None = None, name: str | None = None,
                superuser: bool | None = None, active: bool | None = None) -> User:
    before = _need_user(tx.conn, user_id)
    changes: dict[str, Any] = {}
    if lang is not None:
        changes["lang"] = values.lang(lang)
    if name is not None:
        changes["display_name"] = values.display_name(name, before.email)
    if superuser is not None:
        changes["is_superuser"] = superuser
    if active is not None:
        changes["is_active"] = active
    if not changes:
        return before
    tx.conn.execute(update(UserRow).where(UserRow.id == user_id).values(**changes, updated_at=_now()))
    if active is False:
        tx.conn.execute(delete(SessionRow).where(SessionRow.user_id == user_id))
    after = _need_user(tx.conn, user_id)
    tx.audit("user.update", "user", user_id, before=before.to_dict(), after=after.to_dict(),
             detail={"fields": sorted(changes)})
    return after


def list_users(conn: Connection) -> list[User]:
    return [_user(r) for r in conn.execute(select(UserRow).order_by(UserRow.id))]


# --- organisations and members -----------------------------------------------------------------------

def _org(r: Any) -> Organisation:
    acc = None
    if r.accreditation_number is not None:
        acc = {"number": r.accreditation_number, "valid_from": r.accreditation_valid_from,
               "valid_to": r.accreditation_valid_to}
    return Organisation(r.id, r.slug, dict(r.names), r.kind, acc, _aware(r.created_at))


def find_org(conn: Connection, slug: str) -> Organisation | None:
    r = conn.execute(select(OrganisationRow).where(OrganisationRow.slug == slug)).first()
    return _org(r) if r else None


def need_org(conn: Connection, slug: str) -> Organisation:
    o = find_org(conn, slug)
    if o is None:
        raise AccountError("not_found", Text(N_("no organisation %(slug)s"), slug=repr(slug)))
    return o


def update_org(tx: Tx, slug: str, *, names: dict[str, str] | None = None, accreditation_number: str | None = None,
               valid_from: date | None = None, valid_to: date | None = None,
               clear_accreditation: bool = False) -> Organisation:
    """Change an organisation's names (merged per language) and/or its accreditation."""
    before = need_org(tx.conn, slug)
    changes: dict[str, Any] = {}
    if names is not None:
        changes["names"] = values.org_names({**before.names, **{k: v for k, v in names.items() if v}})
    if clear_accreditation:
        changes.update(accreditation_number=None, accreditation_valid_from=None, accreditation_valid_to=None)
    elif accreditation_number is not None or valid_from is not None or valid_to is not None:
        old = before.accreditation or {}
        acc = values.accreditation(accreditation_number or old.get("number"), valid_from or old.get("valid_from"),
                                   valid_to or old.get("valid_to"), before.kind)
        assert acc is not None
        changes.update(accreditation_number=acc["number"], accreditation_valid_from=acc["valid_from"],
                       accreditation_valid_to=acc["valid_to"])
    if not changes:
        return before
    tx.conn.execute(update(OrganisationRow).where(OrganisationRow.id == before.id).values(**changes, updated_at=_now()))
    after = need_org(tx.conn, slug)
    tx.audit("org.update", "organisation", slug, org=slug, before=before.to_dict(), after=after.to_dict(),
             detail={"fields": sorted(changes)})
    return after


def list_orgs(conn: Connection) -> list[Organisation]:
    return [_org(r) for r in conn.execute(select(OrganisationRow).order_by(OrganisationRow.slug))]


def create_org(tx: Tx, slug: str, kind: str, names: dict[str, str], *, accreditation_number: str | None = None,
               valid_from: date | None = None, valid_to: date | None = None) -> Organisation:
    s = values.slug(slug)
    k = values.org_kind(kind)
    n = values.org_names(names)
    acc = values.accreditation(accreditation_number, valid_from, valid_to, k)
    if find_org(tx.conn, s):
        raise AccountError("conflict", Text(N_("an organisation with the slug %(slug)s already exists"),
                                            slug=repr(s)))
    now = _now()
    tx.conn.execute(insert(OrganisationRow).values(
        slug=s, names=n, kind=k, accreditation_number=acc["number"] if acc else None,
        accreditation_valid_from=acc["valid_from"] if acc else None,
        accreditation_valid_to=acc["valid_to"] if acc else None, created_at=now, updated_at=now))
    org = need_org(tx.conn, s)
    tx.audit("org.create", "organisation", s, after=org.to_dict(), org=s)
    return org


def members(conn: Connection, org: Organisation) -> list[Member]:
    rows = conn.execute(
        select(UserRow.id, UserRow.email, UserRow.display_name, MembershipRow.role)
        .join(MembershipRow, MembershipRow.user_id == UserRow.id)
        .where(MembershipRow.org_id == org.id).order_by(UserRow.email_key, MembershipRow.role)).all()
    out: dict[int, Member] = {}
    for uid, email, name, role in rows:
        m = out.get(uid)
        out[uid] = Member(uid, email, name, (*m.roles, role) if m else (role,))
    return list(out.values())


def roles_of(conn: Connection, user_id: int) -> dict[str, frozenset[str]]:
    rows = conn.execute(select(OrganisationRow.slug, MembershipRow.role)
                        .join(MembershipRow, MembershipRow.org_id == OrganisationRow.id)
                        .where(MembershipRow.user_id == user_id)).all()
    out: dict[str, set[str]] = {}
    for slug, role in rows:
        out.setdefault(slug, set()).add(role)
    return {k: frozenset(v) for k, v in out.items()}


def _membership(org: Organisation, user: User, roles: frozenset[str]) -> dict[str, Any]:
    return {"org": org.slug, "user_id": user.id, "roles": sorted(roles)}


def add_member(tx: Tx, slug: str, email: str, role: str) -> Member:
    org = need_org(tx.conn, slug)
    r = values.role(role)
    user = _need_user(tx.conn, email)
    held = roles_of(tx.conn, user.id).get(org.slug, frozenset())
    if r in held:
        raise AccountError("conflict", Text(N_("%(email)s already has the role %(role)s in %(org)s"),
                                            email=user.email, role=repr(r), org=org.slug))
    tx.conn.execute(insert(MembershipRow).values(org_id=org.id, user_id=user.id, role=r, created_at=_now()))
    tx.audit("member.add", "membership", f"{org.slug}/{user.id}", org=org.slug,
             before=_membership(org, user, held) if held else None,
             after=_membership(org, user, held | {r}), detail={"user_id": user.id, "role": r})
    return next(m for m in members(tx.conn, org) if m.user_id == user.id)


def remove_member(tx: Tx, slug: str, user: str | int, role: str) -> None:
    """Take `role` from the member; their tokens with that role in this organisation are revoked with it."""
    org = need_org(tx.conn, slug)
    r = values.role(role)
    u = _need_user(tx.conn, user)
    held = roles_of(tx.conn, u.id).get(org.slug, frozenset())
    if r not in held:
        raise AccountError("not_found", Text(N_("%(email)s has no role %(role)s in %(org)s"), email=u.email,
                                             role=repr(r), org=org.slug))
    if r == "admin" and held and _admin_count(tx.conn, org) == 1:
        raise AccountError("conflict", Text(N_("%(email)s is the last admin of %(org)s; add another admin first"),
                                            email=u.email, org=org.slug))
    tx.conn.execute(delete(MembershipRow).where(MembershipRow.org_id == org.id, MembershipRow.user_id == u.id,
                                                MembershipRow.role == r))
    tx.audit("member.remove", "membership", f"{org.slug}/{u.id}", org=org.slug,
             before=_membership(org, u, held), after=_membership(org, u, held - {r}) if held - {r} else None,
             detail={"user_id": u.id, "role": r})
    for t in list_tokens(tx.conn, org=org, user_id=u.id):
        if t.role == r and t.revoked_at is None:
            revoke_token(tx, t.id)


def _admin_count(conn: Connection, org: Organisation) -> int:
    return conn.execute(select(func.count()).select_from(MembershipRow)
                        .where(MembershipRow.org_id == org.id, MembershipRow.role == "admin")).scalar_one()


# --- API tokens -----------------------------------------------------------------------------------------

def _token_select() -> Any:
    return (select(ApiTokenRow, UserRow.email, OrganisationRow.slug)
            .join(UserRow, UserRow.id == ApiTokenRow.user_id)
            .join(OrganisationRow, OrganisationRow.id == ApiTokenRow.org_id))


def _token(r: Any) -> Token:
    return Token(r.id, r.prefix, r.name, r.user_id, r.email, r.slug, r.role, r.created_by, _aware(r.created_at),
                 _aware(r.expires_at), _aware(r.revoked_at), _aware(r.last_used_at))


def get_token(conn: Connection, token_id: int) -> Token | None:
    r = conn.execute(_token_select().where(ApiTokenRow.id == token_id)).first()
    return _token(r) if r else None


def list_tokens(conn: Connection, *, org: Organisation | None = None, user_id: int | None = None) -> list[Token]:
    q = _token_select().order_by(ApiTokenRow.id)
    if org is not None:
        q = q.where(ApiTokenRow.org_id == org.id)
    if user_id is not None:
        q = q.where(ApiTokenRow.user_id == user_id)
    return [_token(r) for r in conn.execute(q)]


def create_token(tx: Tx, email: str | int, slug: str, *, role: str | None = None, name: str | None = None,
                 lifetime: timedelta = TOKEN_DEFAULT_LIFETIME) -> tuple[str, Token]:
    """A new token for a member of `slug` with one of their roles there; returns (the token, its record)."""
    org = need_org(tx.conn, slug)
    user = _need_user(tx.conn, email)
    held = roles_of(tx.conn, user.id).get(org.slug, frozenset())
    if not held:
        raise AccountError("invalid", Text(N_("%(email)s is not a member of %(org)s"), email=user.email,
                                           org=org.slug))
    if role is None:
        if len(held) != 1:
            raise AccountError("invalid", Text(N_("%(email)s has several roles in %(org)s (%(roles)s); choose one "
                                                  "with --role"), email=user.email, org=org.slug,
                                               roles=", ".join(sorted(held))))
        role = next(iter(held))
    values.role(role)
    if role not in held:
        raise AccountError("invalid", Text(N_("%(email)s does not have the role %(role)s in %(org)s"),
                                           email=user.email, role=repr(role), org=org.slug))
    label = " ".join((name or "").split())[:100] or f"{role} token"
    if lifetime <= timedelta(0) or lifetime > timedelta(days=values.MAX_TOKEN_DAYS):
        raise AccountError("invalid", Text(N_("a token lives between 1 minute and %(days)s days"),
                                           days=values.MAX_TOKEN_DAYS))
    secret, prefix = tokens.new_api_token()
    now = _now()
    tid = tx.conn.execute(insert(ApiTokenRow).values(
        digest=tokens.digest(secret), prefix=prefix, name=label, user_id=user.id, org_id=org.id, role=role,
        created_by=tx.actor.name, created_at=now, expires_at=now + lifetime).returning(ApiTokenRow.id)).scalar_one()
    rec = get_token(tx.conn, tid)
    assert rec is not None
    tx.audit("token.create", "api_token", tid, org=org.slug, after=rec.to_dict(),
             detail={"user_id": user.id, "role": role})
    return secret, rec


def revoke_token(tx: Tx, token_id: int) -> Token:
    before = get_token(tx.conn, token_id)
    if before is None:
        raise AccountError("not_found", Text(N_("no API token %(id)s"), id=token_id))
    if before.revoked_at is not None:
        return before
    tx.conn.execute(update(ApiTokenRow).where(ApiTokenRow.id == token_id).values(revoked_at=_now()))
    after = get_token(tx.conn, token_id)
    assert after is not None
    tx.audit("token.revoke", "api_token", token_id, org=before.org, before=before.to_dict(), after=after.to_dict())
    return after


# --- resolving credentials ---------------------------------------------------------------------------------

def _principal(u: Any, via: str, roles: dict[str, frozenset[str]], **kw: Any) -> Principal:
    return Principal(u.id, u.email, u.display_name, u.lang, bool(u.is_superuser), via, roles, **kw)  # type: ignore[arg-type]


# Built once: these run on every authenticated request, and building a Select costs more than running it.
_TOKEN_LOOKUP = (
    select(ApiTokenRow.id, ApiTokenRow.role, ApiTokenRow.expires_at, ApiTokenRow.revoked_at,
           ApiTokenRow.last_used_at, OrganisationRow.slug, MembershipRow.id.label("membership"),
           UserRow.id.label("uid"), UserRow.email, UserRow.display_name, UserRow.lang, UserRow.is_active)
    .join(UserRow, UserRow.id == ApiTokenRow.user_id)
    .join(OrganisationRow, OrganisationRow.id == ApiTokenRow.org_id)
    .outerjoin(MembershipRow, (MembershipRow.org_id == ApiTokenRow.org_id)
               & (MembershipRow.user_id == ApiTokenRow.user_id) & (MembershipRow.role == ApiTokenRow.role))
    .where(ApiTokenRow.digest == bindparam("digest")))
_SESSION_LOOKUP = (
    select(SessionRow.expires_at, SessionRow.last_seen_at, UserRow.id, UserRow.email, UserRow.display_name,
           UserRow.lang, UserRow.is_superuser, UserRow.is_active, OrganisationRow.slug, MembershipRow.role)
    .join(UserRow, UserRow.id == SessionRow.user_id)
    .outerjoin(MembershipRow, MembershipRow.user_id == UserRow.id)
    .outerjoin(OrganisationRow, OrganisationRow.id == MembershipRow.org_id)
    .where(SessionRow.digest == bindparam("digest")))


def token_principal(store: Any, secret: str) -> Principal | None:
    """The principal behind a Bearer token, or None if unknown, revoked, expired or no longer backed by a role."""
    if not tokens.looks_like_api_token(secret):
        return None
    now = _now()
    with store.engine.connect() as conn:
        r = conn.execute(_TOKEN_LOOKUP, {"digest": tokens.digest(secret)}).first()
    if (r is None or r.revoked_at is not None or _aware(r.expires_at) <= now or not r.is_active
            or r.membership is None):
        return None
    last = _aware(r.last_used_at)
    if last is None or now - last >= TOUCH_EVERY:
        with store.engine.begin() as conn:
            conn.execute(update(ApiTokenRow).where(ApiTokenRow.id == r.id).values(last_used_at=now))
    return Principal(r.uid, r.email, r.display_name, r.lang, False, "token", {r.slug: frozenset({r.role})},
                     token_id=r.id)


def session_principal(store: Any, session_id: str) -> Principal | None:
    """The signed-in user behind a session cookie, or None if unknown or expired."""
    if not session_id or len(session_id) > 100:
        return None
    d = tokens.digest(session_id)
    now = _now()
    with store.engine.connect() as conn:
        rows = conn.execute(_SESSION_LOOKUP, {"digest": d}).all()
    if not rows or _aware(rows[0].expires_at) <= now or not rows[0].is_active:
        return None
    roles: dict[str, set[str]] = {}
    for r in rows:
        if r.slug is not None:
            roles.setdefault(r.slug, set()).add(r.role)
    last = _aware(rows[0].last_seen_at)
    if last is not None and now - last >= TOUCH_EVERY:
        with store.engine.begin() as conn:
            conn.execute(update(SessionRow).where(SessionRow.digest == d).values(last_seen_at=now))
    return _principal(rows[0], "session", {k: frozenset(v) for k, v in roles.items()}, session_digest=d)


# --- log-in, log-out and rate limits --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class LoginResult:
    """`session_id` on success; `retry_after` (seconds) when rate-limited; otherwise a failure."""

    session_id: str | None = None
    user: User | None = None
    retry_after: int | None = None


def _keys(email: str, client: str | None) -> tuple[str, str]:
    e = " ".join((email or "").split()).casefold()[:254]
    return tokens.digest(f"account\0{e}"), tokens.digest(f"address\0{client or '-'}")


def login_limited(store: Any, email: str, client: str | None, now: datetime | None = None) -> int | None:
    """Seconds to wait if the account or the address is over its failure limit, else None."""
    now = now or _now()
    since = now - FAILURE_WINDOW
    acct, addr = _keys(email, client)
    wait = 0.0
    with store.engine.connect() as conn:
        for key, limit in ((acct, ACCOUNT_FAILURES), (addr, ADDRESS_FAILURES)):
            n, oldest = conn.execute(select(func.count(), func.min(LoginFailureRow.at))
                                     .where(LoginFailureRow.key == key, LoginFailureRow.at > since)).one()
            if n >= limit and oldest is not None:
                # the window slides: the wait ends when enough of the oldest failures have aged out
                nth = conn.execute(select(LoginFailureRow.at).where(LoginFailureRow.key == key,
                                                                    LoginFailureRow.at > since)
                                   .order_by(LoginFailureRow.at.desc()).offset(limit - 1).limit(1)).scalar_one()
                wait = max(wait, (_aware(nth) + FAILURE_WINDOW - now).total_seconds())
    return max(1, math.ceil(wait)) if wait > 0 else None


def login(store: Any, email: str, password: str, actor: Actor, *,
          lifetime: timedelta = SESSION_LIFETIME) -> LoginResult:
    """Check the password (in constant-ish time whether or not the account exists) and open a session."""
    wait = login_limited(store, email, actor.client)
    if wait is not None:
        return LoginResult(retry_after=wait)
    with store.engine.connect() as conn:
        r = None
        with suppress(values.InvalidValue):  # not an email: treated like an unknown account
            r = conn.execute(select(UserRow).where(UserRow.email_key == values.email_key(email))).first()
    usable = r is not None and r.is_active and r.password_hash is not None
    verdict = _passwords().verify_password(r.password_hash if usable else None, password)
    now = _now()
    acct, addr = _keys(email, actor.client)
    if not verdict.ok:
        with audited(store, actor) as tx:
            tx.conn.execute(delete(LoginFailureRow).where(LoginFailureRow.at < now - FAILURE_WINDOW))
            tx.conn.execute(insert(LoginFailureRow), [{"key": acct, "at": now}, {"key": addr, "at": now}])
            tx.audit("login.failed", "user", r.id if r is not None else None)
        return LoginResult()
    assert r is not None
    session_id = tokens.new_session_id()
    with audited(store, Actor(f"user:{r.id}", r.id, actor.request_id, actor.client)) as tx:
        tx.conn.execute(delete(SessionRow).where(SessionRow.expires_at < now))
        tx.conn.execute(delete(LoginFailureRow).where(LoginFailureRow.key == acct))
        if verdict.new_hash:
            tx.conn.execute(update(UserRow).where(UserRow.id == r.id).values(password_hash=verdict.new_hash))
        tx.conn.execute(insert(SessionRow).values(digest=tokens.digest(session_id), user_id=r.id, created_at=now,
                                                  expires_at=now + lifetime, last_seen_at=now))
        tx.audit("login", "user", r.id, detail={"rehashed": bool(verdict.new_hash)})
        user = _need_user(tx.conn, r.id)
    return LoginResult(session_id=session_id, user=user)


def logout(store: Any, principal: Principal, actor: Actor) -> bool:
    """End the principal's session (a no-op for tokens); True if a session was deleted."""
    if principal.session_digest is None:
        return False
    with audited(store, actor) as tx:
        n = tx.conn.execute(delete(SessionRow).where(SessionRow.digest == principal.session_digest)).rowcount
        if n:
            tx.audit("logout", "user", principal.user_id)
    return bool(n)


# --- reading the audit trail --------------------------------------------------------------------------------

def _entry(r: Any) -> dict[str, Any]:
    return {"seq": r.seq, "at": chain.timestamp(r.at), "actor": r.actor, "actor_user_id": r.actor_user_id,
            "org": r.org, "action": r.action, "object_type": r.object_type, "object_id": r.object_id,
            "before": r.before, "after": r.after, "request_id": r.request_id, "client": r.client,
            "detail": r.detail, "prev": r.prev, "digest": r.digest}


def audit_entries(conn: Connection, *, org: str | None = None, before_seq: int | None = None,
                  limit: int = 50) -> list[dict[str, Any]]:
    """Newest first, `limit` at a time; page on with `before_seq` = the last seq of the previous page."""
    q = select(AuditRow).order_by(AuditRow.seq.desc()).limit(limit)
    if org is not None:
        q = q.where(AuditRow.org == org)
    if before_seq is not None:
        q = q.where(AuditRow.seq < before_seq)
    return [_entry(r) for r in conn.execute(q)]


def iter_audit(store: Any, batch: int = 1000) -> Iterator[dict[str, Any]]:
    """Every entry in chain order, read in batches (bounded memory)."""
    after = 0
    while True:
        with store.engine.connect() as conn:
            rows = conn.execute(select(AuditRow).where(AuditRow.seq > after).order_by(AuditRow.seq)
                                .limit(batch)).all()
        if not rows:
            return
        for r in rows:
            yield _entry(r)
        after = rows[-1].seq
        if len(rows) < batch:
            return


def verify_audit(store: Any) -> chain.Verdict:
    with store.engine.connect() as conn:
        head = conn.execute(select(AuditHeadRow.seq, AuditHeadRow.digest).where(AuditHeadRow.id == 1)).first()
    return chain.verify(iter_audit(store), (head.seq, head.digest) if head else None)


def sessions_of(conn: Connection, user_id: int) -> int:
    return conn.execute(select(func.count()).select_from(SessionRow)
                        .where(SessionRow.user_id == user_id, SessionRow.expires_at > _now())).scalar_one()


__all__ = [
    "AccountError",
    "Actor",
    "LoginResult",
    "Member",
    "Organisation",
    "Token",
    "Tx",
    "User",
    "add_member",
    "app_secret",
    "audit_entries",
    "audited",
    "check_password",
    "create_org",
    "create_token",
    "create_user",
    "find_org",
    "find_user",
    "iter_audit",
    "list_orgs",
    "list_tokens",
    "list_users",
    "login",
    "login_limited",
    "logout",
    "members",
    "need_org",
    "remove_member",
    "revoke_token",
    "roles_of",
    "session_principal",
    "set_password",
    "token_principal",
    "update_org",
    "update_user",
    "verify_audit",
]
