"""Tables and persistence for professional standards: standards, their versions (one JSON document per
version), and reviewers' comments per element.

Every change goes through `audited(store, actor)` (qualframe.store.accounts): the version row is read
under the transaction's lock (SQLite BEGIN IMMEDIATE; PostgreSQL SELECT ... FOR UPDATE), the edit is
applied by the pure domain code (qualframe.standards), and the new document, the editor's id and the
audit entry commit together. An edit based on an old element version raises `Conflict` (409), so
concurrent edits are refused, never lost.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from qualframe.model.messages import N_
from qualframe.model.messages import Text as Sentence  # sqlalchemy has a Text too
from qualframe.standards import document as D
from qualframe.standards import workflow as W
from qualframe.standards.diff import diff
from qualframe.standards.render import plain_text
from qualframe.store import accounts as acc
from qualframe.store.base import Base
from qualframe.store.base import utcnow as _now


class StandardRow(Base):
    __tablename__ = "standards"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    framework_id: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)


class StandardVersionRow(Base):
    __tablename__ = "standard_versions"
    __table_args__ = (UniqueConstraint("standard_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    standard_id: Mapped[str] = mapped_column(ForeignKey("standards.id", ondelete="CASCADE"), nullable=False,
                                             index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    document: Mapped[str] = mapped_column(Text, nullable=False)
    editors: Mapped[list[int]] = mapped_column(JSON, nullable=False)  # user ids who edited this version
    name_kk: Mapped[str] = mapped_column(String(300), nullable=False)
    name_ru: Mapped[str] = mapped_column(String(300), nullable=False)
    areas: Mapped[str] = mapped_column(String(100), nullable=False)  # ",3.1,"
    levels: Mapped[str] = mapped_column(String(100), nullable=False)  # ",5,6,"
    isco: Mapped[str] = mapped_column(String(300), nullable=False)  # ",2512,"
    rows: Mapped[str] = mapped_column(String(1000), nullable=False)  # ",3.1-05,3.1-06,"
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StandardCommentRow(Base):
    __tablename__ = "standard_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("standard_versions.id", ondelete="CASCADE"), nullable=False,
                                            index=True)
    element_id: Mapped[str] = mapped_column(String(40), nullable=False)
    author: Mapped[str] = mapped_column(String(200), nullable=False)
    author_user_id: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


MAX_COMMENT = 2000


class StandardError(Exception):
    """`kind`: not_found, conflict, invalid, forbidden (the routes map them to 404/409/422/403); `message` is
    usually a :class:`Text`, translated on a page."""

    def __init__(self, kind: str, message: str, detail: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.detail = detail or {}



def _iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    dt = dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _index_cols(doc: dict[str, Any]) -> dict[str, Any]:
    rows = [c["row"] for c in doc["cards"] if c.get("row")]

    def joined(values: Any) -> str:
        vals = sorted({str(v) for v in values if v})
        return "," + ",".join(vals) + "," if vals else ","

    return {"name_kk": (doc["passport"]["name"].get("kk") or "")[:300],
            "name_ru": (doc["passport"]["name"].get("ru") or "")[:300],
            "areas": joined(r["area"] for r in rows)[:100], "levels": joined(r["nqf_level"] for r in rows)[:100],
            "isco": joined(c.get("isco") for c in doc["cards"])[:300],
            "rows": joined(r["row_id"] for r in rows)[:1000]}


def _meta(s: Any, v: Any, org_name: str | None = None) -> dict[str, Any]:
    return {"org": s.org, "sid": s.id, "code": s.code if v.status == "published" else None,
            "number": v.number, "status": v.status, "published": _iso(v.published_at),
            "updated": _iso(v.updated_at), "editors": list(v.editors or []), "org_name": org_name,
            "framework": s.framework_id}


def _org_name(conn: Connection, slug: str) -> str | None:
    org = acc.find_org(conn, slug)
    if org is None:
        return None
    return org.names.get("kk") or org.names.get("en") or slug


def _standard(conn: Connection, org: str, sid: str) -> Any:
    s = conn.execute(select(StandardRow).where(StandardRow.id == sid, StandardRow.org == org)).first()
    if s is None:
        raise StandardError("not_found", Sentence(N_("no standard %(id)s in organisation %(org)s"), id=repr(sid),
                                                  org=repr(org)))
    return s


def _version(conn: Connection, sid: str, number: int | None = None, lock: bool = False) -> Any:
    q = select(StandardVersionRow).where(StandardVersionRow.standard_id == sid)
    q = q.where(StandardVersionRow.number == number) if number else q.order_by(StandardVersionRow.number.desc())
    if lock:
        q = q.with_for_update()
    v = conn.execute(q.limit(1)).first()
    if v is None:
        raise StandardError("not_found", Sentence(N_("no version %(number)s of standard %(id)s"), number=number,
                                                  id=repr(sid)))
    return v


# --- reading -------------------------------------------------------------------------------------------

def versions(store: Any, org: str, sid: str) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        _standard(conn, org, sid)
        rows = conn.execute(select(StandardVersionRow.number, StandardVersionRow.status,
                                   StandardVersionRow.updated_at, StandardVersionRow.published_at)
                            .where(StandardVersionRow.standard_id == sid).order_by(StandardVersionRow.number)).all()
    return [{"number": r[0], "status": r[1], "updated": _iso(r[2]), "published": _iso(r[3])} for r in rows]


def load(store: Any, org: str, sid: str, number: int | None = None, *, published_only: bool = False
         ) -> tuple[dict[str, Any], dict[str, Any]]:
    """(document, meta) of a version: the given number, else the latest (the latest published one when
    `published_only`, for people outside the organisation)."""
    with store.engine.connect() as conn:
        s = _standard(conn, org, sid)
        if published_only:
            q = select(StandardVersionRow).where(StandardVersionRow.standard_id == sid,
                                                 StandardVersionRow.status == "published")
            q = q.where(StandardVersionRow.number == number) if number else q.order_by(
                StandardVersionRow.number.desc())
            v = conn.execute(q.limit(1)).first()
            if v is None:
                raise StandardError("not_found", Sentence(
                    N_("standard %(id)s has no published version %(number)s"), id=repr(sid), number=number)
                    if number else Sentence(N_("standard %(id)s has no published version"), id=repr(sid)))
        else:
            v = _version(conn, sid, number)
        return json.loads(v.document), _meta(s, v, _org_name(conn, org))


def org_standards(store: Any, org: str) -> list[dict[str, Any]]:
    """Every standard of an organisation with its latest version's status."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(StandardRow.id, StandardRow.code, StandardVersionRow.number,
                                   StandardVersionRow.status, StandardVersionRow.name_kk, StandardVersionRow.name_ru,
                                   StandardVersionRow.updated_at)
                            .join(StandardVersionRow, StandardVersionRow.standard_id == StandardRow.id)
                            .where(StandardRow.org == org).order_by(StandardRow.id, StandardVersionRow.number)).all()
    latest: dict[str, dict[str, Any]] = {}
    for r in rows:
        latest[r[0]] = {"org": org, "sid": r[0], "code": r[1], "number": r[2], "status": r[3],
                        "name": {"kk": r[4], "ru": r[5]}, "updated": _iso(r[6])}
    return list(latest.values())


def _published_heads(conn: Connection) -> list[tuple[Any, Any]]:
    """(standard row, version row) of the latest published version of every standard."""
    versions_ = conn.execute(select(StandardVersionRow).where(StandardVersionRow.status == "published")
                             .order_by(StandardVersionRow.standard_id, StandardVersionRow.number)).all()
    latest = {v.standard_id: v for v in versions_}
    if not latest:
        return []
    stds = {s.id: s for s in conn.execute(select(StandardRow).where(StandardRow.id.in_(list(latest)))).all()}
    return [(stds[sid], v) for sid, v in latest.items()]


def published(store: Any) -> list[dict[str, Any]]:
    """The latest published version of every standard, for the register (with its searchable text)."""
    with store.engine.connect() as conn:
        heads = _published_heads(conn)
    out = []
    for s, v in heads:
        doc = json.loads(v.document)
        out.append({"org": s.org, "sid": s.id, "code": s.code, "number": v.number,
                    "published": _iso(v.published_at), "name": {"kk": v.name_kk, "ru": v.name_ru},
                    "areas": [a for a in v.areas.split(",") if a], "levels": [int(x) for x in v.levels.split(",") if x],
                    "isco": [g for g in v.isco.split(",") if g],
                    "cards": [{"id": c["id"], "name": c["name"], "row": c.get("row"), "isco": c.get("isco")}
                              for c in doc["cards"]],
                    "text": plain_text(doc)})
    out.sort(key=lambda e: e["published"] or "", reverse=True)
    return out


def cards_on_row(store: Any, row_id: str) -> list[dict[str, Any]]:
    """Published cards standing on framework row `row_id` (latest published version of each standard);
    reads only the documents of the standards whose index column names the row."""
    with store.engine.connect() as conn:
        heads = conn.execute(select(StandardVersionRow.standard_id, func.max(StandardVersionRow.number)).where(
            StandardVersionRow.status == "published").group_by(StandardVersionRow.standard_id)).all()
        out = []
        for sid, number in heads:
            r = conn.execute(select(StandardRow.org, StandardRow.code, StandardVersionRow.document).join(
                StandardRow, StandardRow.id == StandardVersionRow.standard_id).where(
                StandardVersionRow.standard_id == sid, StandardVersionRow.number == number,
                StandardVersionRow.rows.contains(f",{row_id},", autoescape=True))).first()
            if r is None:
                continue
            doc = json.loads(r[2])
            for c in doc["cards"]:
                if (c.get("row") or {}).get("row_id") == row_id:
                    out.append({"org": r[0], "sid": sid, "code": r[1], "standard": doc["passport"]["name"],
                                "card": c["id"], "name": c["name"], "url": f"/standards/{r[0]}/{sid}/cards/{c['id']}"})
    return out


def comments(store: Any, org: str, sid: str, number: int | None = None) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        _standard(conn, org, sid)
        v = _version(conn, sid, number)
        rows = conn.execute(select(StandardCommentRow).where(StandardCommentRow.version_id == v.id)
                            .order_by(StandardCommentRow.id)).all()
    return [{"id": r.id, "element": r.element_id, "author": r.author, "text": r.text,
             "created": _iso(r.created_at)} for r in rows]


def version_diff(store: Any, org: str, sid: str, a: int, b: int, published_only: bool = False) -> dict[str, Any]:
    da, _ = load(store, org, sid, a, published_only=published_only)
    db, _ = load(store, org, sid, b, published_only=published_only)
    return {"from": a, "to": b, "changes": diff(da, db)}


# --- writing -------------------------------------------------------------------------------------------

def create(store: Any, actor: acc.Actor, org: str, framework_id: str, fields: dict[str, Any] | None = None,
           doc: dict[str, Any] | None = None, detail: dict[str, Any] | None = None) -> dict[str, Any]:
    """A new standard with an empty draft (or the given document, e.g. an import) as version 1."""
    sid = "ps-" + secrets.token_hex(4)
    if doc is None:
        doc = D.new_document(sid, framework_id)
        if fields:
            D.edit_element(doc, "passport", 1, fields)
            doc["passport"]["v"] = 1
    doc["standard"] = sid
    now = _now()
    with acc.audited(store, actor) as tx:
        if acc.find_org(tx.conn, org) is None:
            raise StandardError("not_found", Sentence(N_("no organisation %(slug)s"), slug=repr(org)))
        tx.conn.execute(insert(StandardRow).values(id=sid, org=org, code=None, framework_id=framework_id,
                                                   created_at=now, created_by=actor.name))
        tx.conn.execute(insert(StandardVersionRow).values(
            standard_id=sid, number=1, status="draft", document=json.dumps(doc, ensure_ascii=False),
            editors=[actor.user_id] if actor.user_id else [], updated_at=now, published_at=None,
            **_index_cols(doc)))
        tx.audit("standard.create", "standard", sid, after={"org": org, "number": 1}, org=org, detail=detail)
    return {"org": org, "sid": sid, "number": 1, "status": "draft"}


def mutate(store: Any, actor: acc.Actor, org: str, sid: str, action: str, fn: Callable[[dict[str, Any]], Any],
           detail: dict[str, Any] | None = None) -> Any:
    """Apply `fn(document)` to the latest version, which must be a draft; one audited transaction."""
    with acc.audited(store, actor) as tx:
        _standard(tx.conn, org, sid)
        v = _version(tx.conn, sid, lock=True)
        try:
            W.check_editable(v.status)
        except W.WorkflowError as exc:
            raise StandardError("conflict", exc.message) from exc
        doc = json.loads(v.document)
        before = {"document": v.document}
        try:
            result = fn(doc)
        except D.Conflict as exc:
            raise StandardError("conflict", exc.message, {"element": exc.element_id, "current_version":
                                                          exc.current, "your_version": exc.expected}) from exc
        except D.DocumentError as exc:
            raise StandardError("not_found" if exc.kind == "not_found" else "invalid", str(exc),
                                {"path": exc.path}) from exc
        text = json.dumps(doc, ensure_ascii=False)
        editors = list(v.editors or [])
        if actor.user_id and actor.user_id not in editors:
            editors.append(actor.user_id)
        tx.conn.execute(update(StandardVersionRow).where(StandardVersionRow.id == v.id).values(
            document=text, editors=editors, updated_at=_now(), **_index_cols(doc)))
        tx.audit(action, "standard", f"{sid}/{v.number}", before=before, after={"document": text}, org=org,
                 detail=detail)
    return result


def transition(store: Any, actor: acc.Actor, org: str, sid: str, name: str, errors: Callable[[dict], int],
               area_of: Callable[[dict], str | None] | None = None) -> dict[str, Any]:
    """Move the latest version along the workflow (errors(doc) counts blocking check errors for submit)."""
    with acc.audited(store, actor) as tx:
        s = _standard(tx.conn, org, sid)
        v = _version(tx.conn, sid, lock=True)
        doc = json.loads(v.document)
        try:
            t = W.check_transition(name, v.status, actor_id=actor.user_id, editors=list(v.editors or []),
                                   errors=errors(doc) if name == "submit" else 0)
        except W.WorkflowError as exc:
            raise StandardError(exc.kind, exc.message) from exc
        values: dict[str, Any] = {"status": t.target, "updated_at": _now()}
        code = s.code
        if t.target == "published":
            now = _now()
            if code is None:
                n = tx.conn.execute(select(func.count()).select_from(StandardRow).where(
                    StandardRow.code.is_not(None))).scalar_one()
                area = area_of(doc) if area_of else None
                code = W.standard_code(area, n + 1, now.year)
                tx.conn.execute(update(StandardRow).where(StandardRow.id == sid).values(code=code))
            doc["passport"]["code"] = code
            doc["published"] = _iso(now)
            values.update(published_at=now, document=json.dumps(doc, ensure_ascii=False))
        tx.conn.execute(update(StandardVersionRow).where(StandardVersionRow.id == v.id).values(**values))
        tx.audit(f"standard.{name}", "standard", f"{sid}/{v.number}", before={"status": v.status},
                 after={"status": t.target}, org=org, detail={"code": code} if t.target == "published" else None)
    return {"org": org, "sid": sid, "number": v.number, "status": t.target, "code": code}


def new_version(store: Any, actor: acc.Actor, org: str, sid: str) -> dict[str, Any]:
    """Start a new draft copying the latest version, which must be published."""
    with acc.audited(store, actor) as tx:
        _standard(tx.conn, org, sid)
        v = _version(tx.conn, sid, lock=True)
        if v.status != "published":
            raise StandardError("conflict", Sentence(
                N_("version %(number)s is %(status)s; a new version starts from a published one (edit the current "
                   "draft instead)"), number=v.number, status=W.status_label(v.status)))
        doc = D.copy_for_new_version(json.loads(v.document), v.number + 1)
        tx.conn.execute(insert(StandardVersionRow).values(
            standard_id=sid, number=v.number + 1, status="draft", document=json.dumps(doc, ensure_ascii=False),
            editors=[], updated_at=_now(), published_at=None, **_index_cols(doc)))
        tx.audit("standard.new_version", "standard", f"{sid}/{v.number + 1}", after={"from": v.number}, org=org)
    return {"org": org, "sid": sid, "number": v.number + 1, "status": "draft"}


def add_comment(store: Any, actor: acc.Actor, org: str, sid: str, element_id: str, text: str) -> dict[str, Any]:
    text = (text or "").strip()
    if not text or len(text) > MAX_COMMENT:
        raise StandardError("invalid", Sentence(N_("a comment has 1 to %(max)s characters"), max=MAX_COMMENT))
    with acc.audited(store, actor) as tx:
        _standard(tx.conn, org, sid)
        v = _version(tx.conn, sid, lock=True)
        if v.status not in W.COMMENTABLE:
            raise StandardError("conflict", Sentence(
                N_("version %(number)s is %(status)s; comments are made on drafts and versions in review"),
                number=v.number, status=W.status_label(v.status)))
        if element_id:
            try:
                D.find(json.loads(v.document), element_id)
            except D.DocumentError as exc:
                raise StandardError("not_found", exc.message) from exc
        row = tx.conn.execute(insert(StandardCommentRow).values(
            version_id=v.id, element_id=element_id or "", author=actor.name, author_user_id=actor.user_id,
            text=text, created_at=_now()).returning(StandardCommentRow.id)).scalar_one()
        tx.audit("standard.comment", "standard", f"{sid}/{v.number}", after={"element": element_id, "text": text},
                 org=org, detail={"comment": row, "element": element_id})
    return {"id": row, "element": element_id, "author": actor.name, "text": text}


def case_packages(store: Any, base: str) -> list[dict[str, Any]]:
    """The CASE package of the latest published version of every standard (for the CASE provider)."""
    from qualframe.standards.case import build_standard_package

    out = []
    texts: dict[str, dict[str, str]] = {}
    with store.engine.connect() as conn:
        heads = _published_heads(conn)
        names = {s.org: _org_name(conn, s.org) for s, _ in heads}
    for s, v in heads:
        if s.framework_id not in texts:
            try:
                fw = store.get_framework(s.framework_id)
                texts[s.framework_id] = {d.id: d.text for _, _, d in fw.descriptors()}
            except KeyError:
                texts[s.framework_id] = {}
        meta = {**_meta(s, v, names.get(s.org)), "descriptor_texts": texts[s.framework_id]}
        out.append(build_standard_package(json.loads(v.document), meta, base))
    return out
