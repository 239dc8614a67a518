"""Tables and persistence for employers' job catalogues: positions (with their placement and decision),
placement jobs, pay bands per level row, the organisation's grade order, and self-assessments.

A position row holds everything the review list shows (top suggestions as JSON, the effective
placement, the decision, the flags), so a page of the list is one indexed query, never one per
position. Changes made by people (uploads, decisions, pay bands, grade order, job start and cancel,
self-assessments) go through `accounts.audited` with their audit entry; the placement job's batch
writes are the system's own work and commit each batch with its progress in one plain transaction
(the job's start and end are audited).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from qualframe.catalogue import grades
from qualframe.catalogue.placement import LOW_CONFIDENCE, text_hash
from qualframe.interop.catalogue_io import CatalogueLine
from qualframe.model.messages import N_, in_context
from qualframe.model.messages import Text as Sentence  # sqlalchemy has a Text too
from qualframe.store.accounts import AccountError, Organisation, Tx, need_org
from qualframe.store.base import Base
from qualframe.store.base import aware as _aware
from qualframe.store.base import utcnow as _now

JOB_STATES = ("queued", "running", "done", "failed", "cancelled")
ACTIVE_STATES = ("queued", "running")
FILTERS = ("all", "undecided", "low", "disagree", "decided")
MAX_REASON = 1000
TOKEN_BYTES = 24  # 192-bit self-assessment tokens




def _iso(dt: datetime | None) -> str | None:
    dt = _aware(dt)
    return dt.isoformat(timespec="seconds").replace("+00:00", "Z") if dt else None


# --- tables -----------------------------------------------------------------------------------------

class PositionRow(Base):
    __tablename__ = "catalogue_positions"
    __table_args__ = (
        UniqueConstraint("org_id", "key"),
        Index("ix_catalogue_positions_org_placement", "org_id", "area", "nqf_level"),
        Index("ix_catalogue_positions_org_pending", "org_id", "placed_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False)
    key: Mapped[str] = mapped_column(String(100), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    department: Mapped[str] = mapped_column(String(200), nullable=False)
    grade: Mapped[str] = mapped_column(String(50), nullable=False)
    occupation_code: Mapped[str] = mapped_column(String(20), nullable=False)
    oked: Mapped[str] = mapped_column(String(20), nullable=False)
    line: Mapped[int | None] = mapped_column(Integer)  # its line in the last upload
    text_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    placed_hash: Mapped[str | None] = mapped_column(String(64))  # text_hash when last placed
    placements: Mapped[int] = mapped_column(Integer, nullable=False)  # times placed (again after a text change)
    suggestions: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    place_error: Mapped[str | None] = mapped_column(String(300))
    top_confidence: Mapped[float | None] = mapped_column(Float)
    # the effective placement: the decision if there is one, else the top suggestion
    row_id: Mapped[str | None] = mapped_column(String(20))
    area: Mapped[str | None] = mapped_column(String(10))
    nqf_level: Mapped[int | None] = mapped_column(Integer)
    sqf_level: Mapped[str | None] = mapped_column(String(10))
    decision_row_id: Mapped[str | None] = mapped_column(String(20))
    decision_source: Mapped[str | None] = mapped_column(String(12))  # accepted / overridden
    decision_reason: Mapped[str | None] = mapped_column(String(MAX_REASON))
    decision_confidence: Mapped[float | None] = mapped_column(Float)
    decided_by: Mapped[str | None] = mapped_column(String(254))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    flag_inversion: Mapped[bool] = mapped_column(Boolean, nullable=False)
    flag_disagree: Mapped[bool] = mapped_column(Boolean, nullable=False)
    inversion_with: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class JobRow(Base):
    __tablename__ = "catalogue_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False,
                                        index=True)
    state: Mapped[str] = mapped_column(String(10), nullable=False, index=True)
    total: Mapped[int] = mapped_column(Integer, nullable=False)
    done: Mapped[int] = mapped_column(Integer, nullable=False)
    failed: Mapped[int] = mapped_column(Integer, nullable=False)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    enqueued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(String(500))
    upload: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class PayBandRow(Base):
    __tablename__ = "catalogue_pay_bands"

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    row_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    band: Mapped[str] = mapped_column(String(50), nullable=False)


class CatalogueSettingsRow(Base):
    __tablename__ = "catalogue_settings"

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    grade_order: Mapped[list[str]] = mapped_column(JSON, nullable=False)


class SelfAssessmentRow(Base):
    __tablename__ = "self_assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_digest: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)  # SHA-256 of the token
    framework_id: Mapped[str] = mapped_column(String(64), nullable=False)
    row_ids: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    ratings: Mapped[dict[str, int]] = mapped_column(JSON, nullable=False)
    lang: Mapped[str] = mapped_column(String(2), nullable=False)
    client_digest: Mapped[str | None] = mapped_column(String(64), index=True)  # for the rate limit only
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)


# --- records ----------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Job:
    id: int
    org: str
    state: str
    total: int
    done: int
    failed: int
    cancel_requested: bool
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None
    upload: dict[str, Any] | None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "state": self.state, "done": self.done, "total": self.total, "failed": self.failed,
                "cancel_requested": self.cancel_requested, "created_at": _iso(self.created_at),
                "started_at": _iso(self.started_at), "finished_at": _iso(self.finished_at), "error": self.error,
                "percent": round(100 * (self.done + self.failed) / self.total) if self.total else 100}


def _need_employer(conn: Connection, slug: str) -> Organisation:
    org = need_org(conn, slug)
    if org.kind != "employer":
        raise AccountError("conflict", Sentence(
            N_("%(org)s is a %(kind)s, not an employer: only employers keep a job catalogue"), org=slug,
            kind=org.kind))
    return org


# --- upload ---------------------------------------------------------------------------------------------

_FIELDS = ("title", "description", "department", "grade", "occupation_code", "oked")


def upsert_positions(tx: Tx, slug: str, lines: Sequence[CatalogueLine], upload: dict[str, Any]) -> dict[str, int]:
    """Insert new positions and update changed ones by key (in the caller's audited transaction)."""
    org = _need_employer(tx.conn, slug)
    conn = tx.conn
    existing = {r.key: r for r in conn.execute(
        select(PositionRow.id, PositionRow.key, *[getattr(PositionRow, f) for f in _FIELDS], PositionRow.line)
        .where(PositionRow.org_id == org.id))}
    now = _now()
    new_rows: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    same = 0
    for ln in lines:
        values = {f: getattr(ln, f) for f in _FIELDS}
        old = existing.get(ln.key)
        if old is None:
            new_rows.append({"org_id": org.id, "key": ln.key, **values, "line": ln.line,
                             "text_hash": text_hash(ln.title, ln.description), "placements": 0,
                             "flag_inversion": False, "flag_disagree": False, "created_at": now, "updated_at": now})
        elif any(getattr(old, f) != values[f] for f in _FIELDS) or old.line != ln.line:
            changed.append({"pid": old.id, **{f"v_{f}": v for f, v in values.items()}, "v_line": ln.line,
                            "v_hash": text_hash(ln.title, ln.description), "v_now": now})
        else:
            same += 1
    if new_rows:
        conn.execute(insert(PositionRow), new_rows)
    if changed:
        conn.execute(update(PositionRow).where(PositionRow.id == bindparam("pid")).values(
            **{f: bindparam(f"v_{f}") for f in _FIELDS}, line=bindparam("v_line"),
            text_hash=bindparam("v_hash"), updated_at=bindparam("v_now")), changed)
    counts = {"created": len(new_rows), "updated": len(changed), "unchanged": same,
              "bad_rows": int(upload.get("bad_rows", 0))}
    tx.audit("catalogue.upload", "catalogue", slug, org=slug, after={"counts": counts},
             detail={**counts, "format": upload.get("format"), "encoding": upload.get("encoding")})
    if changed:
        recompute_flags(conn, org.id)
    return counts


def pending_count(conn: Connection, org_id: int) -> int:
    return conn.execute(select(func.count()).select_from(PositionRow).where(
        PositionRow.org_id == org_id, _pending())).scalar_one()


def _pending() -> Any:
    return or_(PositionRow.placed_hash.is_(None), PositionRow.placed_hash != PositionRow.text_hash)


def create_job(tx: Tx, slug: str, upload: dict[str, Any] | None = None) -> Job:
    """A placement job for every position of the org whose current text is not placed yet.

    At most one job per organisation is active: asking again while one is queued or running returns it."""
    org = _need_employer(tx.conn, slug)
    conn = tx.conn
    active = conn.execute(select(JobRow.id).where(JobRow.org_id == org.id, JobRow.state.in_(ACTIVE_STATES))
                          .order_by(JobRow.id.desc())).scalar()
    if active is not None:
        if upload is not None:  # the running job will also place what this upload changed
            conn.execute(update(JobRow).where(JobRow.id == active).values(
                upload=upload, total=JobRow.done + JobRow.failed + pending_count(conn, org.id)))
        return _need_job(conn, slug, active)
    total = pending_count(conn, org.id)
    now = _now()
    state = "queued" if total else "done"
    jid = conn.execute(insert(JobRow).values(
        org_id=org.id, state=state, total=total, done=0, failed=0, cancel_requested=False,
        created_by=tx.actor.name, created_at=now, enqueued_at=now, finished_at=None if total else now,
        upload=upload).returning(JobRow.id)).scalar_one()
    tx.audit("catalogue.job.create", "catalogue_job", jid, org=slug, after={"total": total, "state": state})
    return _need_job(conn, slug, jid)


def _job(r: Any, slug: str) -> Job:
    return Job(r.id, slug, r.state, r.total, r.done, r.failed, bool(r.cancel_requested), r.created_by,
               _aware(r.created_at), _aware(r.started_at), _aware(r.finished_at), r.error, r.upload)


def get_job(conn: Connection, slug: str, job_id: int) -> Job | None:
    r = conn.execute(select(JobRow).join_from(JobRow, _org_table(), JobRow.org_id == _org_table().c.id)
                     .where(JobRow.id == job_id, _org_table().c.slug == slug)).first()
    return _job(r, slug) if r else None


def _org_table() -> Any:
    from qualframe.store.accounts import OrganisationRow

    return OrganisationRow.__table__


def _need_job(conn: Connection, slug: str, job_id: int) -> Job:
    j = get_job(conn, slug, job_id)
    if j is None:
        raise AccountError("not_found", Sentence(N_("%(org)s has no placement job %(id)s"), org=slug, id=job_id))
    return j


def latest_job(conn: Connection, slug: str) -> Job | None:
    org = need_org(conn, slug)
    r = conn.execute(select(JobRow).where(JobRow.org_id == org.id).order_by(JobRow.id.desc()).limit(1)).first()
    return _job(r, slug) if r else None


def cancel_job(tx: Tx, slug: str, job_id: int) -> Job:
    """Ask a job to stop: a queued job is cancelled at once, a running one after its current batch."""
    job = _need_job(tx.conn, slug, job_id)
    if not job.active:
        raise AccountError("conflict", Sentence(N_("job %(id)s is already %(state)s"), id=job_id,
                                                state=in_context("job state", job.state)))
    values: dict[str, Any] = {"cancel_requested": True}
    if job.state == "queued":
        values.update(state="cancelled", finished_at=_now())
    tx.conn.execute(update(JobRow).where(JobRow.id == job_id).values(**values))
    tx.audit("catalogue.job.cancel", "catalogue_job", job_id, org=slug, before={"state": job.state},
             after={"state": values.get("state", job.state), "cancel_requested": True})
    return _need_job(tx.conn, slug, job_id)


# --- the worker's side -------------------------------------------------------------------------------------

def claim_job(conn: Connection, job_id: int, owner: str, lease: timedelta) -> bool:
    """Take (or take over, when its lease ran out) a queued or running job; True if this owner has it now."""
    now = _now()
    res = conn.execute(update(JobRow).where(
        JobRow.id == job_id, JobRow.state.in_(ACTIVE_STATES), JobRow.cancel_requested.is_(False),
        or_(JobRow.lease_owner.is_(None), JobRow.lease_owner == owner, JobRow.lease_until < now),
    ).values(state="running", lease_owner=owner, lease_until=now + lease,
             started_at=func.coalesce(JobRow.started_at, now)))
    return res.rowcount == 1


def job_org(conn: Connection, job_id: int) -> tuple[int, str, bool] | None:
    """(org id, state, cancel requested) of a job."""
    r = conn.execute(select(JobRow.org_id, JobRow.state, JobRow.cancel_requested).where(JobRow.id == job_id)).first()
    return (r.org_id, r.state, bool(r.cancel_requested)) if r else None


def next_batch(conn: Connection, org_id: int, n: int) -> list[tuple[int, str, str, str]]:
    """Up to `n` positions not placed in their current text: (id, title, description, text hash)."""
    return [tuple(r) for r in conn.execute(
        select(PositionRow.id, PositionRow.title, PositionRow.description, PositionRow.text_hash)
        .where(PositionRow.org_id == org_id, _pending()).order_by(PositionRow.id).limit(n))]


@dataclass(frozen=True, slots=True)
class Placement:
    position_id: int
    text_hash: str
    suggestions: list[dict[str, Any]] | None
    error: str | None = None


def write_batch(conn: Connection, job_id: int, owner: str, lease: timedelta, results: Sequence[Placement]) -> bool:
    """Store a batch's placements and the job's progress together (the caller's transaction), only while
    this owner still holds the job; False (and the caller rolls back) when it lost the job or it was cancelled.

    A position is written only if its text is still the one placed and not placed yet, so a batch can
    never place a position twice, whatever the workers do."""
    now = _now()
    placed = failed = 0
    for p in results:
        top = p.suggestions[0] if p.suggestions else None
        values: dict[str, Any] = {"placed_hash": p.text_hash, "placements": PositionRow.placements + 1,
                                  "suggestions": p.suggestions, "place_error": p.error,
                                  "top_confidence": top["confidence"] if top else None, "updated_at": now}
        res = conn.execute(update(PositionRow).where(
            PositionRow.id == p.position_id, PositionRow.text_hash == p.text_hash,
            or_(PositionRow.placed_hash.is_(None), PositionRow.placed_hash != p.text_hash)).values(**values))
        if res.rowcount:
            # the effective placement follows the top suggestion unless a person decided
            conn.execute(update(PositionRow).where(PositionRow.id == p.position_id,
                                                   PositionRow.decision_row_id.is_(None)).values(
                row_id=top["row_id"] if top else None, area=top["area"] if top else None,
                nqf_level=top["nqf_level"] if top else None, sqf_level=top["sqf_level"] if top else None))
            if p.error:
                failed += 1
            else:
                placed += 1
    res = conn.execute(update(JobRow).where(
        JobRow.id == job_id, JobRow.lease_owner == owner, JobRow.state == "running",
        JobRow.cancel_requested.is_(False),
    ).values(done=JobRow.done + placed, failed=JobRow.failed + failed, lease_until=now + lease))
    return res.rowcount == 1


def finish_job(conn: Connection, job_id: int, owner: str, state: str, error: str | None = None) -> str | None:
    """Close a job this owner holds (done, failed or cancelled) and refresh the catalogue's flags; returns the
    organisation's slug, or None when this owner does not hold the job (any more)."""
    org = _org_table()
    r = conn.execute(select(JobRow.org_id, org.c.slug).join_from(JobRow, org, JobRow.org_id == org.c.id)
                     .where(JobRow.id == job_id, JobRow.lease_owner == owner)).first()
    if r is None:
        return None
    res = conn.execute(update(JobRow).where(JobRow.id == job_id, JobRow.lease_owner == owner,
                                            JobRow.state == "running").values(
        state=state, finished_at=_now(), lease_owner=None, lease_until=None, error=error[:500] if error else None))
    if res.rowcount and state == "done":
        recompute_flags(conn, r.org_id)
    return r.slug if res.rowcount else None


def orphaned_jobs(conn: Connection, older_than: timedelta) -> list[int]:
    """Active jobs nobody works on: running with an expired lease, or queued and not picked up for a while
    (the queue message was lost, e.g. the process that took it was killed)."""
    now = _now()
    rows = conn.execute(select(JobRow.id).where(
        JobRow.state.in_(ACTIVE_STATES), JobRow.cancel_requested.is_(False),
        or_(and_(JobRow.state == "running", JobRow.lease_until < now),
            and_(JobRow.state == "queued", JobRow.enqueued_at < now - older_than)))).all()
    return [r[0] for r in rows]


def mark_enqueued(conn: Connection, job_ids: Iterable[int]) -> None:
    ids = list(job_ids)
    if ids:
        conn.execute(update(JobRow).where(JobRow.id.in_(ids)).values(enqueued_at=_now()))


def stop_cancelled(conn: Connection, job_id: int) -> None:
    """A running job whose cancel was requested becomes cancelled (by the worker, between batches)."""
    conn.execute(update(JobRow).where(JobRow.id == job_id, JobRow.state == "running",
                                      JobRow.cancel_requested.is_(True)).values(
        state="cancelled", finished_at=_now(), lease_owner=None, lease_until=None))


# --- review -------------------------------------------------------------------------------------------------

def _filter(q: Any, name: str) -> Any:
    if name == "undecided":
        return q.where(PositionRow.decision_row_id.is_(None))
    if name == "decided":
        return q.where(PositionRow.decision_row_id.is_not(None))
    if name == "low":
        return q.where(PositionRow.top_confidence < LOW_CONFIDENCE)
    if name == "disagree":
        return q.where(PositionRow.flag_disagree.is_(True))
    return q


def _position(r: Any) -> dict[str, Any]:
    decision = None
    if r.decision_row_id:
        decision = {"row_id": r.decision_row_id, "source": r.decision_source, "reason": r.decision_reason,
                    "confidence": r.decision_confidence, "reviewer": r.decided_by, "decided_at": _iso(r.decided_at)}
    return {"key": r.key, "title": r.title, "description": r.description, "department": r.department,
            "grade": r.grade or None, "occupation_code": r.occupation_code or None, "oked": r.oked or None,
            "line": r.line, "suggestions": r.suggestions or [], "placed": r.placed_hash == r.text_hash,
            "error": r.place_error, "confidence": r.top_confidence, "row_id": r.row_id, "area": r.area,
            "nqf_level": r.nqf_level, "sqf_level": r.sqf_level, "decision": decision,
            "flags": {"inversion": bool(r.flag_inversion), "disagree": bool(r.flag_disagree),
                      "inversion_with": r.inversion_with,
                      "low_confidence": r.top_confidence is not None and r.top_confidence < LOW_CONFIDENCE}}


def list_positions(conn: Connection, slug: str, *, filter: str = "all", offset: int = 0,
                   limit: int = 25) -> tuple[list[dict[str, Any]], int]:
    """One page of positions (upload order) and the number matching the filter."""
    org = need_org(conn, slug)
    base = select(PositionRow).where(PositionRow.org_id == org.id)
    count = conn.execute(_filter(select(func.count()).select_from(PositionRow)
                                 .where(PositionRow.org_id == org.id), filter)).scalar_one()
    rows = conn.execute(_filter(base, filter).order_by(PositionRow.id).offset(offset).limit(limit)).all()
    return [_position(r) for r in rows], count


def get_position(conn: Connection, slug: str, key: str) -> dict[str, Any] | None:
    org = need_org(conn, slug)
    r = conn.execute(select(PositionRow).where(PositionRow.org_id == org.id, PositionRow.key == key)).first()
    return _position(r) if r else None


def all_positions(conn: Connection, slug: str) -> list[dict[str, Any]]:
    org = need_org(conn, slug)
    return [_position(r) for r in conn.execute(select(PositionRow).where(PositionRow.org_id == org.id)
                                               .order_by(PositionRow.id))]


def area_positions(conn: Connection, slug: str, area: str, limit: int = 2000) -> list[dict[str, Any]]:
    """The positions placed in one area (for a career ladder): key, title, grade and placement."""
    org = need_org(conn, slug)
    c = PositionRow
    return [{"key": r.key, "title": r.title or r.description[:80], "grade": r.grade or None, "row_id": r.row_id,
             "area": r.area, "nqf_level": r.nqf_level}
            for r in conn.execute(select(c.key, c.title, c.description, c.grade, c.row_id, c.area, c.nqf_level)
                                  .where(c.org_id == org.id, c.area == area).order_by(c.nqf_level, c.id).limit(limit))]


def decision_history(conn: Connection, slug: str, key: str) -> list[dict[str, Any]]:
    """Every decision taken on a position, newest first, from the audit trail."""
    from qualframe.store.accounts import AuditRow

    rows = conn.execute(select(AuditRow.seq, AuditRow.at, AuditRow.actor, AuditRow.detail).where(
        AuditRow.org == slug, AuditRow.action == "catalogue.decide",
        AuditRow.object_id == f"{slug}/{key}"[:100]).order_by(AuditRow.seq.desc()).limit(100)).all()
    return [{"seq": r.seq, "at": _iso(r.at), "actor": r.actor, **(r.detail or {})} for r in rows]


def overview(conn: Connection, slug: str) -> dict[str, Any]:
    """Positions per (area, NQF level), and the catalogue's counts."""
    org = need_org(conn, slug)
    cells = conn.execute(select(PositionRow.area, PositionRow.nqf_level, func.count())
                         .where(PositionRow.org_id == org.id).group_by(PositionRow.area, PositionRow.nqf_level)).all()
    c = PositionRow
    counts = conn.execute(select(
        func.count(), func.count(c.decision_row_id),
        func.sum(_int(c.flag_inversion)), func.sum(_int(c.flag_disagree)),
        func.sum(_int(c.top_confidence < LOW_CONFIDENCE)),
        func.sum(_int(or_(c.placed_hash.is_(None), c.placed_hash != c.text_hash))),
    ).where(c.org_id == org.id)).one()
    inverted = [dict(key=r.key, title=r.title, grade=r.grade, nqf_level=r.nqf_level, area=r.area,
                     inversion_with=r.inversion_with)
                for r in conn.execute(select(c.key, c.title, c.grade, c.nqf_level, c.area, c.inversion_with)
                                      .where(c.org_id == org.id, c.flag_inversion.is_(True)).order_by(c.id).limit(50))]
    return {"cells": [{"area": a, "nqf_level": lv, "count": n} for a, lv, n in cells],
            "total": counts[0], "decided": counts[1], "inversions": int(counts[2] or 0),
            "disagree": int(counts[3] or 0), "low_confidence": int(counts[4] or 0),
            "unplaced": int(counts[5] or 0), "inverted": inverted}


def _int(cond: Any) -> Any:
    from sqlalchemy import case

    return case((cond, 1), else_=0)


def decide(tx: Tx, slug: str, key: str, *, row: dict[str, Any], reason: str | None, reviewer: str) -> dict[str, Any]:
    """Record HR's decision for a position: `row` is the chosen level row ({"row_id", "area", "nqf_level",
    "sqf_level"}, checked against the framework by the caller). Choosing one of the suggestions is
    "accepted" (a reason is optional); any other row is "overridden" and needs a reason."""
    org = _need_employer(tx.conn, slug)
    r = tx.conn.execute(select(PositionRow).where(PositionRow.org_id == org.id, PositionRow.key == key)).first()
    if r is None:
        raise AccountError("not_found", Sentence(N_("%(org)s has no position %(key)s"), org=slug, key=repr(key)))
    reason = (reason or "").strip() or None
    if reason and len(reason) > MAX_REASON:
        raise AccountError("invalid", Sentence(N_("the reason is %(length)s characters long; at most %(max)s"),
                                               length=len(reason), max=MAX_REASON))
    suggested = {s["row_id"]: s for s in (r.suggestions or [])}
    source = "accepted" if row["row_id"] in suggested else "overridden"
    if source == "overridden" and not reason:
        raise AccountError("invalid", Sentence(
            N_("%(row)s is not among the suggestions for %(key)s: choosing another row needs a reason"),
            row=row["row_id"], key=repr(key)))
    confidence = suggested[row["row_id"]]["confidence"] if source == "accepted" else None
    before = _position(r)["decision"]
    now = _now()
    tx.conn.execute(update(PositionRow).where(PositionRow.id == r.id).values(
        decision_row_id=row["row_id"], decision_source=source, decision_reason=reason,
        decision_confidence=confidence, decided_by=reviewer, decided_at=now, row_id=row["row_id"],
        area=row["area"], nqf_level=row["nqf_level"], sqf_level=row["sqf_level"], updated_at=now))
    after = {"row_id": row["row_id"], "source": source, "reason": reason}
    tx.audit("catalogue.decide", "position", f"{slug}/{key}"[:100], org=slug, before=before, after=after,
             detail={"key": key, **after, "previous": before["row_id"] if before else None})
    recompute_flags(tx.conn, org.id)
    return get_position(tx.conn, slug, key) or {}


def recompute_flags(conn: Connection, org_id: int) -> int:
    """Refresh every position's inversion and disagreement flags; returns how many changed.

    Linear in the catalogue (one read, updates only for changed flags): see catalogue.grades."""
    order = grade_order_of(conn, org_id)
    bands = {r.row_id: r.band for r in conn.execute(select(PayBandRow).where(PayBandRow.org_id == org_id))}
    rows = conn.execute(select(PositionRow.id, PositionRow.key, PositionRow.grade, PositionRow.nqf_level,
                               PositionRow.row_id, PositionRow.flag_inversion, PositionRow.flag_disagree,
                               PositionRow.inversion_with).where(PositionRow.org_id == org_id)).all()
    inv = grades.inversions([grades.Placed(r.key, r.grade, r.nqf_level) for r in rows], order)
    changes = []
    for r in rows:
        i = inv.get(r.key)
        disagree = i is not None or grades.band_disagrees(r.grade, bands.get(r.row_id or ""))
        other = i.other if i else None
        if bool(r.flag_inversion) != (i is not None) or bool(r.flag_disagree) != disagree or r.inversion_with != other:
            changes.append({"pid": r.id, "v_inv": i is not None, "v_dis": disagree, "v_with": other})
    if changes:
        conn.execute(update(PositionRow).where(PositionRow.id == bindparam("pid")).values(
            flag_inversion=bindparam("v_inv"), flag_disagree=bindparam("v_dis"),
            inversion_with=bindparam("v_with")), changes)
    return len(changes)


# --- pay bands and grade order ---------------------------------------------------------------------------------

def pay_bands(conn: Connection, slug: str) -> dict[str, str]:
    org = need_org(conn, slug)
    return {r.row_id: r.band for r in conn.execute(select(PayBandRow).where(PayBandRow.org_id == org.id))}


def set_pay_bands(tx: Tx, slug: str, bands: dict[str, str | None]) -> dict[str, str]:
    """Attach (or with an empty value remove) the organisation's pay band for level rows."""
    org = _need_employer(tx.conn, slug)
    before = pay_bands(tx.conn, slug)
    for row_id, band in bands.items():
        band = (band or "").strip()
        if len(band) > 50:
            raise AccountError("invalid", Sentence(N_("pay band for %(row)s is longer than %(n)s characters"),
                                                   row=row_id, n=50))
        tx.conn.execute(PayBandRow.__table__.delete().where(PayBandRow.org_id == org.id, PayBandRow.row_id == row_id))
        if band:
            tx.conn.execute(insert(PayBandRow).values(org_id=org.id, row_id=row_id, band=band))
    after = pay_bands(tx.conn, slug)
    if after != before:
        tx.audit("catalogue.pay_bands", "catalogue", slug, org=slug, before=before, after=after,
                 detail={"rows": sorted(bands)[:50]})
        recompute_flags(tx.conn, org.id)
    return after


def grade_order_of(conn: Connection, org_id: int) -> list[str]:
    r = conn.execute(select(CatalogueSettingsRow.grade_order).where(CatalogueSettingsRow.org_id == org_id)).first()
    return list(r[0]) if r else []


def grade_order(conn: Connection, slug: str) -> list[str]:
    return grade_order_of(conn, need_org(conn, slug).id)


def set_grade_order(tx: Tx, slug: str, order: Sequence[str]) -> list[str]:
    org = _need_employer(tx.conn, slug)
    try:
        clean = grades.normalise_grade_list(order)
    except ValueError as exc:
        raise AccountError("invalid", exc.args[0]) from None  # a Text: the page translates it
    before = grade_order_of(tx.conn, org.id)
    tx.conn.execute(CatalogueSettingsRow.__table__.delete().where(CatalogueSettingsRow.org_id == org.id))
    tx.conn.execute(insert(CatalogueSettingsRow).values(org_id=org.id, grade_order=clean))
    tx.audit("catalogue.grade_order", "catalogue", slug, org=slug, before={"order": before},
             after={"order": clean})
    recompute_flags(tx.conn, org.id)
    return clean


# --- export ---------------------------------------------------------------------------------------------------

def export_rows(conn: Connection, slug: str) -> list[dict[str, Any]]:
    """One row per position for the spreadsheet export (interop.catalogue_io.EXPORT_FIELDS)."""
    org = need_org(conn, slug)
    bands = pay_bands(conn, slug)
    out = []
    for r in conn.execute(select(PositionRow).where(PositionRow.org_id == org.id).order_by(PositionRow.id)):
        conf = r.decision_confidence if r.decision_row_id else r.top_confidence
        out.append({"key": r.key, "position": r.title or r.description[:120], "department": r.department,
                    "grade": r.grade, "row_id": r.row_id, "area": r.area, "nqf_level": r.nqf_level,
                    "sqf_level": r.sqf_level, "pay_band": bands.get(r.row_id or ""),
                    "decision_source": r.decision_source or ("suggested" if r.row_id else None),
                    "reason": r.decision_reason, "confidence": conf, "reviewer": r.decided_by,
                    "decided_at": _iso(r.decided_at)})
    return out


# --- self-assessments ---------------------------------------------------------------------------------------------

def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def assessments_from(conn: Connection, client_digest: str, since: datetime) -> int:
    return conn.execute(select(func.count()).select_from(SelfAssessmentRow).where(
        SelfAssessmentRow.client_digest == client_digest, SelfAssessmentRow.created_at >= since)).scalar_one()


def create_assessment(tx: Tx, framework_id: str, row_ids: list[str], ratings: dict[str, int], lang: str,
                      client_digest: str | None) -> str:
    """Store a self-assessment; returns its token (shown once, in the link; only its digest is kept)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    aid = tx.conn.execute(insert(SelfAssessmentRow).values(
        token_digest=_digest(token), framework_id=framework_id, row_ids=row_ids, ratings=ratings, lang=lang,
        client_digest=client_digest, created_at=_now()).returning(SelfAssessmentRow.id)).scalar_one()
    tx.audit("selfassessment.create", "self_assessment", aid, after={"rows": row_ids, "rated": len(ratings)})
    return token


def get_assessment(conn: Connection, token: str) -> dict[str, Any] | None:
    if not token or len(token) > 100:
        return None
    r = conn.execute(select(SelfAssessmentRow).where(SelfAssessmentRow.token_digest == _digest(token))).first()
    if r is None:
        return None
    return {"id": r.id, "framework_id": r.framework_id, "row_ids": list(r.row_ids), "ratings": dict(r.ratings),
            "lang": r.lang, "created_at": _iso(r.created_at)}
