"""Self-assessments handed to a recognition centre: the `assessment_requests` table and its persistence.

The holder of a self-assessment's link (no account) asks a centre to assess them on one of its programmes
(`create_request`); only programmes on the self-assessment's rows (or the same area and level) of centres
whose accreditation is valid today are offered and accepted (`offers`). The request keeps a reference to
the self-assessment (its id, never its secret link), a name, ONE contact and the consent time. The centre's
assessors and admins list the requests (`list_requests`), accept or decline them (`set_state`), start an
assessment from one (`prefill`) and link the recorded assessment (`mark_assessed`). Every change goes
through `accounts.audited`; the audit trail keeps digests of the personal data, never the data itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, DateTime, ForeignKey, Index, Integer, String, func, insert, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from qualframe.accounts.values import InvalidValue
from qualframe.accounts.values import email as check_email
from qualframe.catalogue import handoff
from qualframe.credentials import recognition as rec
from qualframe.model import Framework
from qualframe.model.messages import N_, Text, in_context, not_one_of
from qualframe.store import catalogue as cat
from qualframe.store import credentials as cs
from qualframe.store.accounts import OrganisationRow, Tx, need_org
from qualframe.store.base import Base
from qualframe.store.base import aware as _aware
from qualframe.store.base import utcnow as _now

MAX_PER_ASSESSMENT = 5  # requests one self-assessment may make in all (a link cannot flood the centres)
MAX_OFFERS = 200




def _iso(dt: datetime | None) -> str | None:
    return None if dt is None else _aware(dt).astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class AssessmentRequestRow(Base):
    __tablename__ = "assessment_requests"
    __table_args__ = (Index("ix_assessment_requests_org_created", "org_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), nullable=False)
    self_assessment_id: Mapped[int] = mapped_column(ForeignKey("self_assessments.id", ondelete="CASCADE"),
                                                    nullable=False, index=True)
    candidate_name: Mapped[str] = mapped_column(String(200), nullable=False)
    contact_kind: Mapped[str] = mapped_column(String(10), nullable=False)  # email | phone
    contact: Mapped[str] = mapped_column(String(254), nullable=False)
    consent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    state: Mapped[str] = mapped_column(String(10), nullable=False)
    reason: Mapped[str | None] = mapped_column(String(500))  # the centre's, when declining
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"), unique=True)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    client_digest: Mapped[str | None] = mapped_column(String(64), index=True)  # for the rate limit only
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


# --- records ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Request:
    """A request as its centre sees it (with the self-assessment's rows and ratings for the summary)."""

    id: int
    org: str
    org_names: dict[str, str]
    programme_id: int
    programme_title: str
    programme_row_id: str
    programme_descriptors: dict[str, list[str]]
    candidate_name: str
    contact_kind: str
    contact: str
    consent_at: datetime
    state: str
    reason: str | None
    assessment_id: int | None
    decided_by: str | None
    created_at: datetime
    updated_at: datetime
    framework_id: str
    row_ids: list[str]
    ratings: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "org": self.org, "state": self.state, "candidate_name": self.candidate_name,
                "contact": {"kind": self.contact_kind, "value": self.contact},
                "programme": {"id": self.programme_id, "title": self.programme_title,
                              "row_id": self.programme_row_id},
                "consent_at": _iso(self.consent_at), "reason": self.reason, "assessment_id": self.assessment_id,
                "decided_by": self.decided_by, "created_at": _iso(self.created_at),
                "updated_at": _iso(self.updated_at), "framework_id": self.framework_id}

    def centre_name(self, lang: str) -> str:
        return self.org_names.get(lang) or self.org_names.get("kk") or self.org

    def public_dict(self, lang: str = "kk") -> dict[str, Any]:
        """What the holder of the self-assessment's link sees: no name, no contact (a link may be passed on)."""
        return {"id": self.id, "state": self.state, "centre": {"slug": self.org, "name": self.centre_name(lang)},
                "programme": {"id": self.programme_id, "title": self.programme_title,
                              "row_id": self.programme_row_id},
                "reason": self.reason if self.state == "declined" else None,
                "created_at": _iso(self.created_at), "updated_at": _iso(self.updated_at)}


def _select() -> Any:
    R, P, S = AssessmentRequestRow, cs.ProgrammeRow, cat.SelfAssessmentRow
    return (select(R, OrganisationRow.slug, OrganisationRow.names, P.title, P.row_id, P.spec, S.framework_id,
                   S.row_ids, S.ratings)
            .join(OrganisationRow, OrganisationRow.id == R.org_id)
            .join(P, P.id == R.programme_id)
            .join(S, S.id == R.self_assessment_id))


def _request(a: Any) -> Request:
    # a Core row: the request's columns with the joined ones (distinct names) beside them
    return Request(a.id, a.slug, dict(a.names), a.programme_id, a.title, a.row_id, dict(a.spec).get("descriptors", {}),
                   a.candidate_name, a.contact_kind, a.contact, _aware(a.consent_at), a.state, a.reason,
                   a.assessment_id, a.decided_by, _aware(a.created_at), _aware(a.updated_at), a.framework_id,
                   list(a.row_ids), {k: int(v) for k, v in dict(a.ratings).items()})


# --- what is offered to the holder of a self-assessment -------------------------------------------------------------

def offers(conn: Connection, fw: Framework, row_ids: Sequence[str], *, lang: str = "kk",
           today: date | None = None) -> list[dict[str, Any]]:
    """Programmes on the self-assessment's rows (or the same area and level) of recognition centres whose
    accreditation is valid `today`, by centre."""
    day = today or _now().date()
    rows = handoff.candidate_rows(fw, row_ids)
    if not rows:
        return []
    P, Org = cs.ProgrammeRow, OrganisationRow
    q = (select(P.id, P.title, P.row_id, Org.slug, Org.names, Org.accreditation_number, Org.accreditation_valid_from,
                Org.accreditation_valid_to)
         .join(Org, Org.id == P.org_id)
         .where(Org.kind == cs.CENTRE_KIND, Org.accreditation_number.is_not(None), P.framework_id == fw.id,
                P.row_id.in_(rows), or_(Org.accreditation_valid_from.is_(None), Org.accreditation_valid_from <= day),
                or_(Org.accreditation_valid_to.is_(None), Org.accreditation_valid_to >= day))
         .order_by(Org.slug, P.id).limit(MAX_OFFERS))
    out = []
    for r in conn.execute(q):
        accreditation = {"number": r.accreditation_number, "valid_from": r.accreditation_valid_from,
                         "valid_to": r.accreditation_valid_to}
        ok, _why = rec.accredited_on(accreditation, day)  # the one rule; the query only narrows
        if not ok:
            continue
        names = dict(r.names)
        area, row = next((a, x) for a, x in fw.rows() if x.id == r.row_id)
        out.append({"programme_id": r.id, "title": r.title, "row_id": r.row_id, "area": area.code,
                    "nqf_level": row.nqf_level, "label": row.label,
                    "centre": {"slug": r.slug, "name": names.get(lang) or names.get("kk") or r.slug,
                               "accreditation": {"number": r.accreditation_number,
                                                 "valid_to": _day(r.accreditation_valid_to)}}})
    return out


def _day(d: date | None) -> str | None:
    return d.isoformat() if d else None


def requests_of(conn: Connection, self_assessment_id: int) -> list[Request]:
    return [_request(r) for r in conn.execute(
        _select().where(AssessmentRequestRow.self_assessment_id == self_assessment_id)
        .order_by(AssessmentRequestRow.id.desc()))]


def public_view(conn: Connection, fw: Framework, token: str, *, lang: str = "kk",
                today: date | None = None) -> dict[str, Any] | None:
    """The hand-off section of a self-assessment: the requests made from it (state only) and what is offered."""
    a = cat.get_assessment(conn, token)
    if a is None:
        return None
    made = [r.public_dict(lang) for r in requests_of(conn, a["id"])]
    offered = offers(conn, fw, a["row_ids"], lang=lang, today=today) if a["framework_id"] == fw.id else []
    return {"url": f"/self-assessment/{token}/handoff", "api_url": f"/api/v1/self-assessments/{token}/handoff",
            "requests": made, "offers": offered, "can_request": len(made) < MAX_PER_ASSESSMENT,
            "max_requests": MAX_PER_ASSESSMENT}


# --- the hand-off -------------------------------------------------------------------------------------------------

def requests_from(conn: Connection, client_digest: str, since: datetime) -> int:
    """Requests made from one client address since `since` (the per-address rate limit)."""
    return conn.execute(select(func.count()).select_from(AssessmentRequestRow).where(
        AssessmentRequestRow.client_digest == client_digest, AssessmentRequestRow.created_at >= since)).scalar_one()


def check_contact(value: Any) -> tuple[str, str]:
    """("email" | "phone", the normalised contact); HandoffError naming `contact` otherwise."""
    if not isinstance(value, str) or not value.strip():
        raise handoff.HandoffError([("contact", Text(N_("required: an email address or a phone number")))])
    if "@" in value:
        try:
            return "email", check_email(value)
        except InvalidValue as exc:
            raise handoff.HandoffError([("contact", exc.message)]) from None
    return "phone", handoff.phone(value)


def _checked(name: Any, contact: Any, consent: Any) -> tuple[str, tuple[str, str]]:
    """Every field checked; all the wrong ones reported together."""
    errors: list[tuple[str, str]] = []
    out: list[Any] = []
    for check, value in ((handoff.clean_name, name), (check_contact, contact), (handoff.consent, consent)):
        try:
            out.append(check(value))
        except handoff.HandoffError as exc:
            errors.extend(exc.errors)
    if errors:
        raise handoff.HandoffError(errors)
    return out[0], out[1]


def create_request(tx: Tx, fw: Framework, token: str, *, programme_id: Any, candidate_name: Any, contact: Any,
                   consent: Any, client_digest: str | None = None, today: date | None = None) -> Request:
    """Hand the self-assessment behind `token` to the centre of `programme_id` (which must be offered to it)."""
    a = cat.get_assessment(tx.conn, token)
    if a is None:
        raise cs.CredentialStoreError("not_found", Text(N_("no such self-assessment (the link is wrong or "
                                                           "incomplete)")))
    name, (kind, value) = _checked(candidate_name, contact, consent)
    try:
        pid = int(programme_id)
    except (TypeError, ValueError):
        raise handoff.HandoffError([("programme_id", Text(N_("choose a centre's programme")))]) from None
    offered = {o["programme_id"]: o for o in offers(tx.conn, fw, a["row_ids"], today=today)}
    if a["framework_id"] != fw.id or pid not in offered:
        raise handoff.HandoffError([("programme_id", Text(N_(
            "programme %(id)s is not offered for this self-assessment (not on its rows, or the centre is not "
            "accredited today)"), id=pid))])
    made = requests_of(tx.conn, a["id"])
    if len(made) >= MAX_PER_ASSESSMENT:
        raise cs.CredentialStoreError("conflict", Text(N_("a self-assessment can be handed over at most %(n)s times"),
                                                       n=MAX_PER_ASSESSMENT))
    if any(r.programme_id == pid and r.state in handoff.OPEN_STATES for r in made):
        raise cs.CredentialStoreError("conflict", Text(N_("this self-assessment is already with that centre for "
                                                          "that programme")))
    org = need_org(tx.conn, offered[pid]["centre"]["slug"])
    now = _now()
    rid = tx.conn.execute(insert(AssessmentRequestRow).values(
        org_id=org.id, programme_id=pid, self_assessment_id=a["id"], candidate_name=name, contact_kind=kind,
        contact=value, consent_at=now, state="new", client_digest=client_digest, created_at=now,
        updated_at=now).returning(AssessmentRequestRow.id)).scalar_one()
    req = get_request(tx.conn, org.slug, rid)
    tx.audit("assessment_request.create", "assessment_request", rid, org=org.slug, after=req.to_dict(),
             detail={"programme_id": pid, "self_assessment_id": a["id"], "contact_kind": kind})
    return req


# --- the centre's side -----------------------------------------------------------------------------------------------

def list_requests(conn: Connection, slug: str, *, state: str | None = None, limit: int = 100) -> list[Request]:
    """The centre's requests, newest first (optionally in one state)."""
    org = cs.need_centre(conn, slug)
    q = _select().where(AssessmentRequestRow.org_id == org.id)
    if state:
        if state not in handoff.STATES:
            raise handoff.HandoffError([("state", not_one_of(state, handoff.STATES))])
        q = q.where(AssessmentRequestRow.state == state)
    q = q.order_by(AssessmentRequestRow.created_at.desc(), AssessmentRequestRow.id.desc()).limit(limit)
    return [_request(r) for r in conn.execute(q)]


def count_by_state(conn: Connection, slug: str) -> dict[str, int]:
    org = cs.need_centre(conn, slug)
    got = dict(conn.execute(select(AssessmentRequestRow.state, func.count()).where(
        AssessmentRequestRow.org_id == org.id).group_by(AssessmentRequestRow.state)).all())
    return {s: int(got.get(s, 0)) for s in handoff.STATES}


def get_request(conn: Connection, slug: str, request_id: int) -> Request:
    """One request of the centre `slug` (not_found for another centre's: its existence is not revealed)."""
    org = cs.need_centre(conn, slug)
    r = conn.execute(_select().where(AssessmentRequestRow.org_id == org.id,
                                     AssessmentRequestRow.id == request_id)).first()
    if r is None:
        raise cs.CredentialStoreError("not_found", Text(N_("%(org)s has no assessment request %(id)s"), org=slug,
                                                        id=request_id))
    return _request(r)


def _move(tx: Tx, slug: str, request_id: int, state: str, **values: Any) -> tuple[Request, Request]:
    before = get_request(tx.conn, slug, request_id)
    try:
        handoff.check_transition(before.state, state)
    except handoff.TransitionRefused as exc:
        raise cs.CredentialStoreError("conflict", exc.args[0]) from None  # a Text: the page translates it
    tx.conn.execute(update(AssessmentRequestRow).where(AssessmentRequestRow.id == before.id).values(
        state=state, decided_by=tx.actor.name, updated_at=_now(), **values))
    return before, get_request(tx.conn, slug, request_id)


def set_state(tx: Tx, slug: str, request_id: int, state: str, reason: str | None = None) -> Request:
    """Accept or decline a request (audit-logged; declining may give a reason the person sees)."""
    if state not in ("accepted", "declined"):
        raise handoff.HandoffError([("state", Text(N_("accepted or declined (assessed is set by recording the "
                                                      "assessment)")))])
    why = handoff.reason(reason) if state == "declined" else None
    before, after = _move(tx, slug, request_id, state, reason=why)
    tx.audit(f"assessment_request.{'accept' if state == 'accepted' else 'decline'}", "assessment_request",
             request_id, org=slug, before=before.to_dict(), after=after.to_dict(),
             detail={"state": state, "reason": why})
    return after


def prefill(conn: Connection, slug: str, request_id: int) -> dict[str, Any]:
    """What the assessment form starts from: the candidate's name, the programme and their self-ratings
    (as words, on the programme's descriptors). Only for a request that is still open."""
    r = get_request(conn, slug, request_id)
    if r.state not in handoff.OPEN_STATES:
        raise cs.CredentialStoreError("conflict", Text(N_("request %(id)s is %(state)s: no assessment starts from it"),
                                                       id=request_id, state=in_context("request state", r.state)))
    covered = [d for ids in r.programme_descriptors.values() for d in ids]
    return {"request_id": r.id, "candidate_name": r.candidate_name, "programme_id": r.programme_id,
            "self_ratings": handoff.rating_words(r.ratings, covered)}


def mark_assessed(tx: Tx, slug: str, request_id: int, assessment_id: int) -> Request:
    """Link the assessment recorded from a request (same centre) and mark the request assessed."""
    assessment = cs.get_assessment(tx.conn, slug, assessment_id)  # not_found for another centre's
    linked = tx.conn.execute(select(AssessmentRequestRow.id).where(
        AssessmentRequestRow.assessment_id == assessment.id)).scalar()
    if linked is not None:
        raise cs.CredentialStoreError("conflict", Text(N_("assessment %(id)s is already linked to request %(request)s"),
                                                       id=assessment_id, request=linked))
    before, after = _move(tx, slug, request_id, "assessed", assessment_id=assessment.id)
    tx.audit("assessment_request.assessed", "assessment_request", request_id, org=slug, before=before.to_dict(),
             after=after.to_dict(), detail={"assessment_id": assessment.id, "passed": assessment.passed})
    return after
