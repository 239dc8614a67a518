"""Tables and persistence for certificates: centre signing keys, qualification programmes, assessments,
certificates (signed credentials), Bitstring Status Lists and the cache of their signed form.

Every change goes through `accounts.audited(store, actor)` (one transaction holding the audit chain's lock,
so writes from any number of processes are serialised: certificate numbers and status indices are allocated
without gaps or duplicates). An IIN is never stored: only its HMAC under a per-instance secret (for
matching) and the OB 3.0 salted identity hash that the credential itself carries. Private keys are stored
sealed under the operator's key-encryption key and never leave this module unsealed except as a signer.

Status: each certificate row holds its revocation and suspension state; a status list credential is built
from those rows when asked and signed with the key that issued the list's certificates; the signed form is
cached in the database keyed by the list's version counter (bumped in the same transaction as any change),
so every server process serves the newest list at once.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from qualframe.credentials import didweb
from qualframe.credentials import recognition as rec
from qualframe.credentials.dataintegrity import create_proof, did_key_resolver
from qualframe.credentials.iin import InvalidIin, iin_digest, normalize_iin, validate_iin
from qualframe.credentials.jsonld import CanonicalizationError
from qualframe.credentials.keys import KeyEncryptionKey, KeyRing, StoredKey, generate_key
from qualframe.credentials.openbadge import CredentialBuildError, issue_credential, xsd_datetime
from qualframe.credentials.plain import PlainCredentialError
from qualframe.credentials.plain import prepare as prepare_plain
from qualframe.credentials.plain import validity as plain_validity
from qualframe.credentials.statuslist import MIN_ENTRIES, PURPOSES, StatusList, status_entry, status_list_credential
from qualframe.model.messages import N_, field_label, labelled
from qualframe.model.messages import Text as Sentence
from qualframe.store.accounts import (
    AccountError,
    Organisation,
    OrganisationRow,
    Tx,
    app_secret,
    find_org,
    need_org,
)
from qualframe.store.base import Base
from qualframe.store.base import aware as _aware
from qualframe.store.base import utcnow as _now

STATUS_LIST_SIZE = MIN_ENTRIES
CENTRE_KIND = "recognition-centre"
ACCREDITATION_BODY = "Regional chamber of entrepreneurs (accreditation of recognition centres)"
MAX_SEARCH = 50


# --- tables -----------------------------------------------------------------------------------------

class CentreKeyRow(Base):
    __tablename__ = "centre_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False,
                                        index=True)
    key_id: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)  # did:key:z6Mk…#z6Mk…
    did: Mapped[str] = mapped_column(String(120), nullable=False, index=True)
    public_key_multibase: Mapped[str] = mapped_column(String(80), nullable=False)
    sealed: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)  # AES-256-GCM under the KEK
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ProgrammeRow(Base):
    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False,
                                        index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    framework_id: Mapped[str] = mapped_column(String(100), nullable=False)
    row_id: Mapped[str] = mapped_column(String(40), nullable=False)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    achievement: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)  # what its certificates state
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class AssessmentRow(Base):
    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False,
                                        index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), nullable=False)
    candidate_name: Mapped[str] = mapped_column(String(200), nullable=False)
    iin_hmac: Mapped[str | None] = mapped_column(String(64), index=True)  # HMAC-SHA256, never the IIN
    identity_hash: Mapped[str | None] = mapped_column(String(80))  # OB 3.0 'sha256$…' for the credential
    identity_salt: Mapped[str | None] = mapped_column(String(64))
    assessed_on: Mapped[date] = mapped_column(Date, nullable=False)
    assessors: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    results: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    passed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class CertificateCounterRow(Base):
    __tablename__ = "certificate_counters"

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, nullable=False)


class StatusListRow(Base):
    __tablename__ = "status_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False,
                                        index=True)
    key_id: Mapped[str] = mapped_column(String(200), nullable=False)  # the key that signs it and its certificates
    token: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)  # the list's name in its URL
    url: Mapped[str] = mapped_column(String(300), nullable=False, unique=True)  # + "/revocation" | "/suspension"
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    next_index: Mapped[int] = mapped_column(Integer, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)  # bumped with every status change
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class StatusListCacheRow(Base):
    __tablename__ = "status_list_cache"

    list_id: Mapped[int] = mapped_column(ForeignKey("status_lists.id", ondelete="CASCADE"), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    etag: Mapped[str] = mapped_column(String(80), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)


class CertificateRow(Base):
    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("status_list_id", "status_index"),
        # prefix search (?q=) with LIKE 'X%': PostgreSQL uses a btree only with the pattern operator class
        Index("ix_certificates_number_prefix", "number", postgresql_ops={"number": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False,
                                        index=True)
    number: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)  # the register's look-up key
    credential_id: Mapped[str] = mapped_column(String(300), nullable=False, unique=True)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"), unique=True)
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id"))
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    holder_name: Mapped[str | None] = mapped_column(String(200))
    holder_consent: Mapped[str] = mapped_column(String(10), nullable=False)  # full | masked
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    key_id: Mapped[str] = mapped_column(String(200), nullable=False)
    status_list_id: Mapped[int] = mapped_column(ForeignKey("status_lists.id"), nullable=False)
    status_index: Mapped[int] = mapped_column(Integer, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revocation_reason: Mapped[str | None] = mapped_column(String(500))
    suspended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    suspension_reason: Mapped[str | None] = mapped_column(String(500))
    credential: Mapped[str] = mapped_column(Text, nullable=False)  # the signed credential, JSON


# --- records ----------------------------------------------------------------------------------------

class CredentialStoreError(AccountError):
    """A certificate operation that cannot be done (kind: not_found, conflict, invalid, forbidden, unavailable);
    `message` is usually a :class:`Text`, translated on a page (see :class:`AccountError`)."""




def _iso(dt: datetime | date | None) -> str | None:
    if dt is None:
        return None
    if isinstance(dt, datetime):
        return xsd_datetime(_aware(dt))  # type: ignore[arg-type]
    return dt.isoformat()


def base_url() -> str:
    from qualframe.interop.common import base_url as configured

    return configured()


def need_centre(conn: Connection, slug: str) -> Organisation:
    """The organisation, which must be a recognition centre (403 otherwise: it may not certify)."""
    org = need_org(conn, slug)
    if org.kind != CENTRE_KIND:
        raise CredentialStoreError("forbidden", Sentence(
            N_("%(org)s is a %(kind)s, not a recognition centre: only recognition centres assess and certify"),
            org=slug, kind=org.kind))
    return org


def _refuse(kind: str, message: str) -> CredentialStoreError:
    return CredentialStoreError(kind, message)


def _issue_date(day: date) -> Sentence:
    return Sentence(N_("issue date %(date)s"), date=day.isoformat())


# --- keys ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CentreKey:
    """A centre's key as shown: never the private half."""

    key_id: str
    did: str
    public_key_multibase: str
    created_at: datetime
    retired_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {"key_id": self.key_id, "did": self.did, "public_key_multibase": self.public_key_multibase,
                "created_at": _iso(self.created_at), "retired_at": _iso(self.retired_at),
                "active": self.retired_at is None}


def _key_rows(conn: Connection, org_id: int) -> list[Any]:
    return conn.execute(select(CentreKeyRow).where(CentreKeyRow.org_id == org_id).order_by(CentreKeyRow.id)).all()


def centre_keys(conn: Connection, org: Organisation) -> list[CentreKey]:
    return [CentreKey(r.key_id, r.did, r.public_key_multibase, _aware(r.created_at), _aware(r.retired_at))
            for r in _key_rows(conn, org.id)]


def key_ring(conn: Connection, org: Organisation) -> KeyRing:
    """Every key of the centre (retired ones too), as the credentials package's KeyRing."""
    return KeyRing(tuple(StoredKey(r.key_id, r.public_key_multibase, bytes(r.sealed), _iso(r.created_at) or "",
                                   _iso(r.retired_at)) for r in _key_rows(conn, org.id)))


def centre_did(conn: Connection, org: Organisation) -> str | None:
    """The DID of the centre's active key (did:key), or None before it has one."""
    r = conn.execute(select(CentreKeyRow.did).where(CentreKeyRow.org_id == org.id, CentreKeyRow.retired_at.is_(None))
                     .order_by(CentreKeyRow.id.desc()).limit(1)).first()
    return r.did if r else None


def centre_did_web(org: Organisation) -> str | None:
    """The centre's did:web when this instance serves did:web ($QUALFRAME_DID_WEB_HOST), else None."""
    try:
        host = didweb.configured_host()
        return didweb.centre_did(host, org.slug) if host else None
    except didweb.DidWebError as exc:
        raise _refuse("unavailable", f"did:web is misconfigured on this server: {exc}") from None


def centre_did_document(conn: Connection, org: Organisation) -> dict[str, Any] | None:
    """The centre's did:web DID document (every key, rotated ones too; public keys only), or None."""
    did = centre_did_web(org)
    if did is None:
        return None
    return didweb.did_document(did, [k.public_key_multibase for k in centre_keys(conn, org)])


def _insert_key(tx: Tx, org: Organisation, stored: StoredKey, now: datetime) -> CentreKey:
    tx.conn.execute(insert(CentreKeyRow).values(org_id=org.id, key_id=stored.key_id, did=stored.did,
                                                public_key_multibase=stored.public_key_multibase,
                                                sealed=stored.sealed_private_key, created_at=now))
    key = CentreKey(stored.key_id, stored.did, stored.public_key_multibase, now, None)
    tx.audit("centre.key.create", "centre_key", stored.key_id[:100], org=org.slug, after=key.to_dict())
    return key


def create_key(tx: Tx, slug: str, kek: KeyEncryptionKey) -> CentreKey:
    """The centre's first signing key (conflict if it has one: rotate instead)."""
    org = need_centre(tx.conn, slug)
    if centre_did(tx.conn, org):
        raise _refuse("conflict", Sentence(N_("%(org)s already has an active signing key; use rotate to replace it"),
                                           org=slug))
    return _insert_key(tx, org, generate_key(kek), _now())


def rotate_key(tx: Tx, slug: str, kek: KeyEncryptionKey) -> CentreKey:
    """A fresh active key; the old ones are retired but kept, so what they signed keeps verifying."""
    org = need_centre(tx.conn, slug)
    now = _now()
    before = centre_keys(tx.conn, org)
    tx.conn.execute(update(CentreKeyRow).where(CentreKeyRow.org_id == org.id, CentreKeyRow.retired_at.is_(None))
                    .values(retired_at=now))
    for k in before:
        if k.retired_at is None:
            tx.audit("centre.key.retire", "centre_key", k.key_id[:100], org=org.slug, before=k.to_dict(),
                     after={**k.to_dict(), "retired_at": _iso(now), "active": False})
    return _insert_key(tx, org, generate_key(kek), now)


def _active_signer(tx: Tx, org: Organisation, kek: KeyEncryptionKey) -> Any:
    """The unlocked active key; a centre's first issue creates its key (audited)."""
    ring = key_ring(tx.conn, org)
    if not ring.keys or all(k.retired for k in ring.keys):
        _insert_key(tx, org, generate_key(kek), _now())
        ring = key_ring(tx.conn, org)
    try:
        return ring.signer(kek)
    except Exception as exc:  # KeyDecryptionError: another KEK than the one that sealed it
        raise _refuse("unavailable", Sentence(
            N_("the signing key of %(org)s does not open with this key-encryption key (%(error)s); was %(env)s "
               "changed?"), org=org.slug, error=type(exc).__name__, env="QUALFRAME_SECRET_KEY")) from None


# --- programmes -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Programme:
    id: int
    org: str
    title: str
    spec: dict[str, Any]
    achievement: dict[str, Any]
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "org": self.org, **self.spec, "title": self.title,
                "achievement_id": self.achievement["id"],
                "alignment": self.achievement.get("alignments", []), "created_at": _iso(self.created_at)}


def _programme(r: Any, slug: str) -> Programme:
    return Programme(r.id, slug, r.title, dict(r.spec), dict(r.achievement), _aware(r.created_at))


def add_programme(tx: Tx, slug: str, framework: Any, *, row_id: str, title: str,
                  descriptors: Iterable[str] | None, methods: Iterable[str], rules: dict[str, Any] | None,
                  validity_years: int = 5, default_framework: str | None = None) -> Programme:
    """A qualification programme of a centre on a row of `framework` (a model.Framework)."""
    from qualframe.interop.case import API_PREFIX, case_uuid

    org = need_centre(tx.conn, slug)
    try:
        row = framework.row(row_id)
    except KeyError:
        raise rec.RecognitionError("row_id", Sentence(N_("no row %(row)s in %(framework)s"), row=repr(row_id),
                                                      framework=framework.id)) from None
    area = next(a for a, r in framework.rows() if r.id == row.id)
    spec = rec.programme_spec(
        framework_id=framework.id, row_id=row.id, title=title,
        row_descriptors={c: [d.id for d in row.column(c)] for c in rec.COLUMNS},
        descriptors=descriptors, methods=methods, rules=rules, validity_years=validity_years)
    base = base_url()
    prefix = "" if framework.id == (default_framework or framework.id) else f"/frameworks/{framework.id}"
    texts = {d.id: d.text for d in row.descriptors}
    rules_text = "; ".join(f"{c}: {r.describe(len(spec.covered[c]))}" for c, r in spec.rules.items())
    now = _now()
    pid = tx.conn.execute(insert(ProgrammeRow).values(
        org_id=org.id, title=spec.title, framework_id=framework.id, row_id=row.id, spec=spec.to_json(),
        achievement={}, created_at=now).returning(ProgrammeRow.id)).scalar_one()
    info = rec.achievement_info(
        achievement_id=f"{base}/orgs/{org.slug}/programmes/{pid}", title=spec.title, row_label=row.label,
        area_code=area.code, nqf_level=row.nqf_level, sqf_level=row.sqf_level, framework_id=framework.id,
        row_id=row.id, case_item_url=f"{base}{API_PREFIX}/CFItems/{case_uuid(f'{framework.id}/item/{row.id}')}",
        level_url=f"{base}{prefix}/levels/{row.id}",
        descriptor_texts=[texts[d] for ids in spec.covered.values() for d in ids],
        methods=spec.methods, rules_text=rules_text)
    achievement = _achievement_json(info)
    tx.conn.execute(update(ProgrammeRow).where(ProgrammeRow.id == pid).values(achievement=achievement))
    prog = get_programme(tx.conn, slug, pid)
    tx.audit("programme.create", "programme", pid, org=org.slug, after=prog.to_dict())
    return prog


def _achievement_json(info: Any) -> dict[str, Any]:
    return {"id": info.id, "name": info.name, "description": info.description, "criteria": info.criteria,
            "achievement_type": info.achievement_type, "human_code": info.human_code,
            "field_of_study": info.field_of_study, "language": info.language,
            "alignments": [{"target_name": a.target_name, "target_url": a.target_url, "target_type": a.target_type,
                            "target_code": a.target_code, "target_framework": a.target_framework}
                           for a in info.alignments]}


def _achievement_info(data: dict[str, Any]) -> Any:
    from qualframe.credentials.openbadge import AchievementInfo, Alignment

    return AchievementInfo(
        id=data["id"], name=data["name"], description=data["description"], criteria=data["criteria"],
        achievement_type=data["achievement_type"], human_code=data["human_code"],
        field_of_study=data["field_of_study"], language=data["language"],
        alignments=tuple(Alignment(**a) for a in data["alignments"]))


def get_programme(conn: Connection, slug: str, programme_id: int) -> Programme:
    r = conn.execute(select(ProgrammeRow).join(OrganisationRow, OrganisationRow.id == ProgrammeRow.org_id)
                     .where(OrganisationRow.slug == slug, ProgrammeRow.id == programme_id)).first()
    if r is None:
        raise _refuse("not_found", Sentence(N_("%(org)s has no programme %(id)s"), org=slug, id=programme_id))
    return _programme(r, slug)


def list_programmes(conn: Connection, slug: str) -> list[Programme]:
    org = need_org(conn, slug)
    return [_programme(r, slug) for r in conn.execute(
        select(ProgrammeRow).where(ProgrammeRow.org_id == org.id).order_by(ProgrammeRow.id))]


# --- assessments -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Assessment:
    """An assessment as shown to the centre: never the IIN, nor its hashes (only whether one was given)."""

    id: int
    org: str
    programme_id: int
    candidate_name: str
    has_iin: bool
    assessed_on: date
    assessors: list[str]
    results: dict[str, Any]
    outcome: dict[str, Any]
    passed: bool
    certificate: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "org": self.org, "programme_id": self.programme_id,
                "candidate_name": self.candidate_name, "iin_recorded": self.has_iin,
                "assessed_on": self.assessed_on.isoformat(), "assessors": list(self.assessors),
                "results": self.results, **self.outcome, "certificate": self.certificate}


def iin_key(store: Any) -> bytes:
    """The per-instance secret the IIN is hashed with (app_secrets; shared by every process, never shown).

    Read it before opening the audited transaction (creating it on first use writes to the database).
    """
    return app_secret(store, "iin-hmac")


@dataclass(frozen=True)
class CheckedAssessment:
    """An assessment's input after every check, ready to insert (the IIN already reduced to its hashes)."""

    candidate_name: str
    assessed_on: date
    assessors: list[str]
    results: dict[str, Any]
    outcome: Any  # recognition.Outcome
    iin_hmac: str | None
    identity_hash: str | None
    identity_salt: str | None


def check_assessment(spec: Any, *, candidate_name: str, assessed_on: date, assessors: Iterable[str],
                     results: dict[str, Any], iin: str | None = None,
                     iin_secret: bytes | None = None) -> CheckedAssessment:
    """Validate an assessment against its programme's spec; RecognitionError names the failing field."""
    name = rec.clean_name(candidate_name)
    people = [" ".join(a.split()) for a in assessors if isinstance(a, str) and a.strip()]
    if not people or any(len(a) > rec.MAX_NAME for a in people) or len(people) > 20:
        raise rec.RecognitionError("assessors", Sentence(
            N_("one to twenty names, each at most %(n)s characters"), n=rec.MAX_NAME))
    if not isinstance(assessed_on, date) or assessed_on > _now().date():
        raise rec.RecognitionError("assessed_on", Sentence(N_("a date, not in the future")))
    checked = rec.check_results(spec, results)
    outcome = rec.evaluate(spec, checked)
    hmac_hex = ident = salt = None
    if iin is not None and str(iin).strip():
        try:
            number = normalize_iin(str(iin))
            validate_iin(number)
        except InvalidIin as exc:
            raise rec.RecognitionError("iin", str(exc)) from None  # the message never repeats the IIN
        from qualframe.credentials.iin import identity_hash

        if iin_secret is None:
            raise _refuse("invalid", labelled("iin", Sentence(N_("no hashing secret given (%(setting)s)"),
                                                          setting="store.credentials.iin_key")))
        hmac_hex = iin_digest(number, iin_secret)
        salt = secrets.token_hex(16)
        ident = identity_hash(number, salt)
    return CheckedAssessment(name, assessed_on, people, checked, outcome, hmac_hex, ident, salt)


def record_assessment(tx: Tx, slug: str, *, programme_id: int, candidate_name: str, assessed_on: date,
                      assessors: Iterable[str], results: dict[str, Any], iin: str | None = None,
                      iin_secret: bytes | None = None) -> Assessment:
    """Record an assessment and its outcome (computed from the programme's pass rules).

    An IIN is checked and kept only as HMAC(iin_secret) and as the OB salted identity hash.
    """
    org = need_centre(tx.conn, slug)
    prog = get_programme(tx.conn, slug, programme_id)
    checked = check_assessment(rec.spec_from_json(prog.spec), candidate_name=candidate_name,
                               assessed_on=assessed_on, assessors=assessors, results=results, iin=iin,
                               iin_secret=iin_secret)
    return _insert_assessment(tx, org, prog, checked)


def _insert_assessment(tx: Tx, org: Organisation, prog: Programme, c: CheckedAssessment) -> Assessment:
    # values as parameters, not .values(...): the statement compiles once (an import inserts thousands)
    aid = tx.conn.execute(insert(AssessmentRow).returning(AssessmentRow.id), dict(
        org_id=org.id, programme_id=prog.id, candidate_name=c.candidate_name, iin_hmac=c.iin_hmac,
        identity_hash=c.identity_hash, identity_salt=c.identity_salt, assessed_on=c.assessed_on,
        assessors=c.assessors, results=c.results, outcome=c.outcome.to_json(), passed=c.outcome.passed,
        created_at=_now())).scalar_one()
    a = Assessment(aid, org.slug, prog.id, c.candidate_name, c.iin_hmac is not None, c.assessed_on,
                   list(c.assessors), dict(c.results), c.outcome.to_json(), bool(c.outcome.passed), None)
    tx.audit("assessment.record", "assessment", aid, org=org.slug, after=a.to_dict(),
             detail={"programme_id": prog.id, "passed": c.outcome.passed, "iin_recorded": c.iin_hmac is not None})
    return a


@dataclass(frozen=True)
class ImportCheck:
    """Rows of a results file checked against the programme: `rows` ready to insert, or `problems`."""

    rows: list[tuple[int, CheckedAssessment]]  # (line, checked input)
    problems: list[tuple[int, str, str]]  # (line, field, message)


def check_import(conn: Connection, slug: str, programme_id: int, lines: Iterable[Any],
                 iin_secret: bytes | None) -> ImportCheck:
    """Check parsed rows (`interop.assessment_io.AssessmentLine`) as `record_assessment` would, and refuse
    duplicates (same name, date and IIN or lack of one) within the file and against this programme's
    recorded assessments, so importing a file twice records nothing twice."""
    need_centre(conn, slug)
    prog = get_programme(conn, slug, programme_id)
    spec = rec.spec_from_json(prog.spec)
    rows: list[tuple[int, CheckedAssessment]] = []
    problems: list[tuple[int, str, str]] = []
    for ln in lines:
        try:
            rows.append((ln.line, check_assessment(spec, candidate_name=ln.name, assessed_on=ln.assessed_on,
                                                   assessors=ln.assessors, results=ln.results, iin=ln.iin,
                                                   iin_secret=iin_secret)))
        except rec.RecognitionError as exc:
            problems.append((ln.line, exc.field, exc.message))
    seen: dict[tuple[str, date, str | None], str] = {
        (r.candidate_name.casefold(), r.assessed_on, r.iin_hmac): Sentence(N_("assessment %(id)s"), id=r.id)
        for r in conn.execute(select(AssessmentRow.id, AssessmentRow.candidate_name, AssessmentRow.assessed_on,
                                     AssessmentRow.iin_hmac).where(AssessmentRow.programme_id == prog.id))}
    for line, c in rows:
        key = (c.candidate_name.casefold(), c.assessed_on, c.iin_hmac)
        if key in seen:
            problems.append((line, "name", Sentence(
                N_("%(name)s assessed on %(date)s is already recorded (%(where)s); give the IIN to tell two people "
                   "apart"), name=c.candidate_name, date=c.assessed_on.isoformat(), where=seen[key])))
        else:
            seen[key] = Sentence(N_("line %(line)s"), line=line)
    problems.sort()
    return ImportCheck(rows if not problems else [], problems)


def import_assessments(tx: Tx, slug: str, programme_id: int, lines: Iterable[Any], iin_secret: bytes | None,
                       progress: Any = None) -> list[Assessment]:
    """Record every row of a results file in this transaction, or none: the rows are checked again under the
    audit lock, and any problem raises ImportRejected (nothing written)."""
    checked = check_import(tx.conn, slug, programme_id, lines, iin_secret)
    if checked.problems:
        raise ImportRejected(checked.problems)
    org = need_centre(tx.conn, slug)
    prog = get_programme(tx.conn, slug, programme_id)
    out = []
    for _line, c in checked.rows:
        out.append(_insert_assessment(tx, org, prog, c))
        if progress:
            progress()
    return out


class ImportRejected(CredentialStoreError):
    """A results file with problems: nothing of it is recorded."""

    def __init__(self, problems: list[tuple[int, str, str]]) -> None:
        super().__init__("invalid", Sentence(N_("%(n)s problem(s) in the file; nothing was recorded"),
                                             n=len(problems)))
        self.problems = problems


def get_assessment(conn: Connection, slug: str, assessment_id: int) -> Assessment:
    r = conn.execute(select(AssessmentRow, CertificateRow.number)
                     .join(OrganisationRow, OrganisationRow.id == AssessmentRow.org_id)
                     .outerjoin(CertificateRow, CertificateRow.assessment_id == AssessmentRow.id)
                     .where(OrganisationRow.slug == slug, AssessmentRow.id == assessment_id)).first()
    if r is None:
        raise _refuse("not_found", Sentence(N_("%(org)s has no assessment %(id)s"), org=slug, id=assessment_id))
    return _assessment(r, slug)


def _assessment(r: Any, slug: str) -> Assessment:
    a = r  # columns of the assessment row, plus the certificate number
    return Assessment(a.id, slug, a.programme_id, a.candidate_name, a.iin_hmac is not None, a.assessed_on,
                      list(a.assessors), dict(a.results), dict(a.outcome), bool(a.passed), r.number)


def list_assessments(conn: Connection, slug: str, limit: int = 100) -> list[Assessment]:
    """A centre's assessments, newest first, each with its certificate number once issued."""
    org = need_org(conn, slug)
    rows = conn.execute(select(AssessmentRow, CertificateRow.number)
                        .outerjoin(CertificateRow, CertificateRow.assessment_id == AssessmentRow.id)
                        .where(AssessmentRow.org_id == org.id)
                        .order_by(AssessmentRow.id.desc()).limit(limit)).all()
    return [_assessment(r, slug) for r in rows]


def assessments_with_iin(store: Any, iin: str, slug: str | None = None) -> list[int]:
    """Ids of assessments recorded with this IIN (matching by its HMAC; the IIN is not kept)."""
    digest = iin_digest(iin, iin_key(store))
    q = select(AssessmentRow.id).where(AssessmentRow.iin_hmac == digest).order_by(AssessmentRow.id)
    with store.engine.connect() as conn:
        if slug is not None:
            q = q.where(AssessmentRow.org_id == need_org(conn, slug).id)
        return [r.id for r in conn.execute(q)]


# --- numbers and status slots -------------------------------------------------------------------------------

def _next_number(tx: Tx, org: Organisation, year: int) -> str:
    # the audited transaction holds the chain lock: no other writer allocates meanwhile
    last = tx.conn.execute(select(CertificateCounterRow.last).where(
        CertificateCounterRow.org_id == org.id, CertificateCounterRow.year == year).with_for_update()).scalar()
    if last is None:
        tx.conn.execute(insert(CertificateCounterRow).values(org_id=org.id, year=year, last=1))
        seq = 1
    else:
        seq = last + 1
        tx.conn.execute(update(CertificateCounterRow).where(CertificateCounterRow.org_id == org.id,
                                                            CertificateCounterRow.year == year).values(last=seq))
    return rec.certificate_number(org.slug, year, seq)


def _status_slot(tx: Tx, org: Organisation, key_id: str) -> tuple[int, str, int]:
    """(list id, list URL, index) for a new certificate signed by `key_id`."""
    r = tx.conn.execute(select(StatusListRow.id, StatusListRow.url, StatusListRow.next_index)
                        .where(StatusListRow.org_id == org.id, StatusListRow.key_id == key_id,
                               StatusListRow.next_index < StatusListRow.size)
                        .order_by(StatusListRow.id).limit(1).with_for_update()).first()
    if r is None:
        token = uuid.uuid4().hex[:12]  # URLs stay unique across databases restored from one another
        url = f"{base_url()}/status/{org.slug}/{token}"
        lid = tx.conn.execute(insert(StatusListRow).values(
            org_id=org.id, key_id=key_id, token=token, url=url, size=STATUS_LIST_SIZE, next_index=0, version=1,
            created_at=_now()).returning(StatusListRow.id)).scalar_one()
        tx.audit("status_list.create", "status_list", lid, org=org.slug, after={"url": url, "key_id": key_id})
        r = tx.conn.execute(select(StatusListRow.id, StatusListRow.url, StatusListRow.next_index)
                            .where(StatusListRow.id == lid)).one()
    tx.conn.execute(update(StatusListRow).where(StatusListRow.id == r.id).values(next_index=r.next_index + 1))
    return r.id, r.url, r.next_index


def _entries(url: str, index: int) -> list[dict[str, Any]]:
    return [status_entry(f"{url}/{p}", index, p) for p in PURPOSES]


# --- certificates ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Certificate:
    id: int
    org: str
    number: str
    credential_id: str
    title: str
    holder_name: str | None
    holder_consent: str
    valid_from: datetime
    valid_until: datetime | None
    issued_at: datetime
    key_id: str
    revoked_at: datetime | None
    revocation_reason: str | None
    suspended_at: datetime | None
    suspension_reason: str | None
    assessment_id: int | None
    programme_id: int | None
    credential_json: str

    @property
    def credential(self) -> dict[str, Any]:
        return json.loads(self.credential_json)

    @property
    def status(self) -> str:
        return "revoked" if self.revoked_at else "suspended" if self.suspended_at else "active"

    def holder_display(self) -> str | None:
        return rec.display_name(self.holder_name, self.holder_consent) if self.holder_name else None

    def public_dict(self) -> dict[str, Any]:
        """What the public register shows: the holder's name only as agreed, never an IIN or its hash."""
        return {"number": self.number, "org": self.org, "title": self.title, "holder": self.holder_display(),
                "holder_name_shown": self.holder_consent if self.holder_name else None,
                "valid_from": _iso(self.valid_from), "valid_until": _iso(self.valid_until),
                "issued_at": _iso(self.issued_at), "status": self.status,
                "revoked_at": _iso(self.revoked_at), "suspended_at": _iso(self.suspended_at),
                "credential_id": self.credential_id, "issuer_key": self.key_id}

    def to_dict(self) -> dict[str, Any]:
        """For the centre: the public fields, the reasons, the full name and the links."""
        return {**self.public_dict(), "holder_name": self.holder_name, "assessment_id": self.assessment_id,
                "programme_id": self.programme_id, "revocation_reason": self.revocation_reason,
                "suspension_reason": self.suspension_reason}


_CERT_SELECT = select(CertificateRow, OrganisationRow.slug).join(OrganisationRow,
                                                                 OrganisationRow.id == CertificateRow.org_id)


def _certificate(r: Any) -> Certificate:
    c = r  # columns of the certificate row, plus the organisation's slug
    return Certificate(c.id, r.slug, c.number, c.credential_id, c.title, c.holder_name, c.holder_consent,
                       _aware(c.valid_from), _aware(c.valid_until), _aware(c.issued_at), c.key_id,
                       _aware(c.revoked_at), c.revocation_reason, _aware(c.suspended_at), c.suspension_reason,
                       c.assessment_id, c.programme_id, c.credential)


def find_certificate(conn: Connection, number: str) -> Certificate | None:
    """A certificate by its number (exact; the register's look-up)."""
    r = conn.execute(_CERT_SELECT.where(CertificateRow.number == number)).first()
    return _certificate(r) if r else None


# the public register's page: every column it shows, the centre's in the same row; not the signed credential
# (several kB, TOASTed on PostgreSQL), which the page does not show
_REGISTER_SELECT = select(
    *(c for c in CertificateRow.__table__.c if c.name != "credential"),
    OrganisationRow.slug, OrganisationRow.names, OrganisationRow.kind, OrganisationRow.accreditation_number,
    OrganisationRow.accreditation_valid_from, OrganisationRow.accreditation_valid_to,
    OrganisationRow.created_at.label("org_created_at"),
).join(OrganisationRow, OrganisationRow.id == CertificateRow.org_id)


def register_entry(conn: Connection, number: str) -> tuple[dict[str, Any], Organisation] | None:
    """(public fields, issuing centre) of a certificate: one query on the unique index of `number`."""
    r = conn.execute(_REGISTER_SELECT.where(CertificateRow.number == number)).first()
    if r is None:
        return None
    accreditation = None
    if r.accreditation_number is not None:
        accreditation = {"number": r.accreditation_number, "valid_from": r.accreditation_valid_from,
                         "valid_to": r.accreditation_valid_to}
    org = Organisation(r.org_id, r.slug, dict(r.names), r.kind, accreditation, _aware(r.org_created_at))
    cert = Certificate(r.id, r.slug, r.number, r.credential_id, r.title, r.holder_name, r.holder_consent,
                       _aware(r.valid_from), _aware(r.valid_until), _aware(r.issued_at), r.key_id,
                       _aware(r.revoked_at), r.revocation_reason, _aware(r.suspended_at), r.suspension_reason,
                       r.assessment_id, r.programme_id, "")
    return cert.public_dict(), org


def find_by_credential_id(conn: Connection, credential_id: str) -> Certificate | None:
    r = conn.execute(_CERT_SELECT.where(CertificateRow.credential_id == credential_id)).first()
    return _certificate(r) if r else None


def search_certificates(conn: Connection, q: str, limit: int = 20) -> list[Certificate]:
    """Certificates whose number is `q` or starts with it (case-insensitive input; numbers are upper case)."""
    q = (q or "").strip().upper()
    if not q or len(q) > 100:
        return []
    exact = find_certificate(conn, q)
    if exact is not None:
        return [exact]
    escaped = re.sub(r"([\\%_])", r"\\\1", q)
    rows = conn.execute(_CERT_SELECT.where(CertificateRow.number.like(escaped + "%", escape="\\"))
                        .order_by(CertificateRow.number).limit(min(limit, MAX_SEARCH))).all()
    return [_certificate(r) for r in rows]


def list_certificates(conn: Connection, slug: str, limit: int = 100) -> list[Certificate]:
    return [_certificate(r) for r in conn.execute(_CERT_SELECT.where(OrganisationRow.slug == slug)
                                                  .order_by(CertificateRow.id.desc()).limit(limit))]


def _check_accredited(org: Organisation, day: date, what: str) -> None:
    ok, reason = rec.accredited_on(org.accreditation, day)
    if not ok:
        raise _refuse("forbidden", Sentence(N_("%(org)s is not accredited on the %(what)s (%(reason)s): no "
                                               "certificate"), org=org.slug, what=what, reason=reason))


def issue_certificate(tx: Tx, slug: str, assessment_id: int, kek: KeyEncryptionKey, *,
                      consent: str | None = None, now: datetime | None = None) -> Certificate:
    """The certificate of a passed assessment of an accredited centre: signed, numbered, with status entries."""
    org = need_centre(tx.conn, slug)
    a = get_assessment(tx.conn, slug, assessment_id)
    if not a.passed:
        raise _refuse("conflict", Sentence(N_("assessment %(id)s was not passed: it cannot become a certificate"),
                                           id=assessment_id))
    if a.certificate:
        raise _refuse("conflict", Sentence(N_("assessment %(id)s already has certificate %(number)s"),
                                           id=assessment_id, number=a.certificate))
    now = (now or _now()).replace(microsecond=0)
    _check_accredited(org, a.assessed_on, Sentence(N_("assessment date %(date)s"), date=a.assessed_on.isoformat()))
    _check_accredited(org, now.date(), _issue_date(now.date()))
    consent = rec.consent_value(consent)
    prog = get_programme(tx.conn, slug, a.programme_id)
    row = tx.conn.execute(select(AssessmentRow.identity_hash, AssessmentRow.identity_salt)
                          .where(AssessmentRow.id == a.id)).one()
    signer = _active_signer(tx, org, kek)
    did = signer.verification_method.partition("#")[0]
    number = _next_number(tx, org, now.year)
    list_id, url, index = _status_slot(tx, org, signer.verification_method)
    years = int(prog.spec.get("validity_years", 5))
    try:
        until = now.replace(year=now.year + years)
    except ValueError:  # 29 February
        until = now.replace(year=now.year + years, day=28)
    data = rec.CertificateInput(
        credential_id=f"{base_url()}/register/certificates/{number}", number=number,
        issuer=rec.issuer_profile(did, org.names, f"{base_url()}/orgs/{org.slug}", org.accreditation,
                                  ACCREDITATION_BODY),
        achievement=_achievement_info(prog.achievement), holder_name=a.candidate_name,
        valid_from=xsd_datetime(now), valid_until=xsd_datetime(until), awarded=a.assessed_on,
        status_entries=_entries(url, index),
        identity={"identityHash": row.identity_hash, "salt": row.identity_salt} if row.identity_hash else None)
    credential = issue_credential(rec.certificate_credential(data), signer, created=xsd_datetime(now))
    cert = _insert_certificate(tx, org, number, credential, title=prog.title, holder=a.candidate_name,
                               consent=consent, valid_from=now, valid_until=until, key_id=signer.verification_method,
                               list_id=list_id, index=index, assessment_id=a.id, programme_id=prog.id)
    return cert


def _insert_certificate(tx: Tx, org: Organisation, number: str, credential: dict[str, Any], *, title: str,
                        holder: str | None, consent: str, valid_from: datetime, valid_until: datetime | None,
                        key_id: str, list_id: int, index: int, assessment_id: int | None,
                        programme_id: int | None) -> Certificate:
    now = _now()
    tx.conn.execute(insert(CertificateRow), dict(  # parameters: compiled once for a whole batch
        org_id=org.id, number=number, credential_id=credential["id"], assessment_id=assessment_id,
        programme_id=programme_id, title=title[:300], holder_name=holder, holder_consent=consent,
        valid_from=valid_from, valid_until=valid_until, issued_at=now, key_id=key_id, status_list_id=list_id,
        status_index=index, credential=json.dumps(credential, ensure_ascii=False, separators=(",", ":"))))
    cert = find_certificate(tx.conn, number)
    assert cert is not None
    tx.audit("certificate.issue", "certificate", number, org=org.slug, after=cert.public_dict(),
             detail={"assessment_id": assessment_id, "key_id": key_id, "status_index": index})
    return cert


# --- batches: the certificates of a whole campaign ------------------------------------------------------------

@dataclass(frozen=True)
class BatchSelection:
    """What a batch issue would do: `pending` in issue order; `problems` block the batch until solved."""

    pending: list[int]
    already: list[tuple[int, str]]  # (assessment id, its certificate number): skipped, never issued twice
    problems: list[tuple[int, str]]  # (assessment id, why it cannot become a certificate)


def batch_selection(conn: Connection, slug: str, *, ids: Sequence[int] | None = None,
                    programme_id: int | None = None, today: date | None = None) -> BatchSelection:
    """The assessments a batch issue covers: `ids` (in that order), else every passed one of the centre
    (of `programme_id` when given) in id order. Cheap checks run here so a batch does not stop half-way."""
    org = need_centre(conn, slug)
    _check_accredited(org, today or _now().date(), _issue_date(today or _now().date()))
    if programme_id is not None:
        get_programme(conn, slug, programme_id)
    q = (select(AssessmentRow.id, AssessmentRow.passed, AssessmentRow.assessed_on, CertificateRow.number)
         .outerjoin(CertificateRow, CertificateRow.assessment_id == AssessmentRow.id)
         .where(AssessmentRow.org_id == org.id))
    if programme_id is not None:
        q = q.where(AssessmentRow.programme_id == programme_id)
    problems: list[tuple[int, str]] = []
    if ids is None:
        rows = list(conn.execute(q.where(AssessmentRow.passed.is_(True)).order_by(AssessmentRow.id)))
    else:
        wanted = list(dict.fromkeys(ids))
        by_id: dict[int, Any] = {}
        for i in range(0, len(wanted), 1000):  # bounded IN lists
            by_id.update((r.id, r) for r in conn.execute(q.where(AssessmentRow.id.in_(wanted[i:i + 1000]))))
        rows = [by_id[i] for i in wanted if i in by_id]
        problems += [(i, f"{slug} has no assessment {i}" + (f" of programme {programme_id}" if programme_id else ""))
                     for i in wanted if i not in by_id]
    pending: list[int] = []
    already: list[tuple[int, str]] = []
    for r in rows:
        if r.number:
            already.append((r.id, r.number))
        elif not r.passed:
            problems.append((r.id, "was not passed: it cannot become a certificate"))
        else:
            ok, reason = rec.accredited_on(org.accreditation, r.assessed_on)
            if ok:
                pending.append(r.id)
            else:
                problems.append((r.id, f"{slug} is not accredited on the assessment date "
                                       f"{r.assessed_on.isoformat()} ({reason})"))
    problems.sort()
    return BatchSelection(pending, already, problems)


class BatchIssueError(CredentialStoreError):
    """One certificate of a chunk could not be issued; the chunk's transaction rolls back whole."""

    def __init__(self, assessment_id: int, kind: str, message: str) -> None:
        super().__init__(kind, Sentence(N_("assessment %(id)s: %(message)s"), id=assessment_id, message=message))
        self.assessment_id = assessment_id


def issue_chunk(tx: Tx, slug: str, assessment_ids: Sequence[int], kek: KeyEncryptionKey, *,
                consent: str | None = None) -> list[Certificate]:
    """Issue the certificates of `assessment_ids` in this transaction (one audit entry each), skipping any
    that got a certificate meanwhile. A failure raises BatchIssueError naming the assessment: the caller's
    transaction then rolls back, so no certificate, number or status slot of the chunk is left behind."""
    taken = set(tx.conn.execute(select(CertificateRow.assessment_id)
                                .where(CertificateRow.assessment_id.in_(list(assessment_ids)))).scalars())
    out = []
    for aid in assessment_ids:
        if aid in taken:
            continue
        try:
            out.append(issue_certificate(tx, slug, aid, kek, consent=consent))
        except AccountError as exc:
            raise BatchIssueError(aid, exc.kind, exc.message) from exc
        except Exception as exc:  # a build or database failure: still name the assessment it happened on
            raise BatchIssueError(aid, "invalid", f"{type(exc).__name__}: {str(exc)[:300]}") from exc
    return out


def issue_plain(tx: Tx, slug: str, credential: Any, kek: KeyEncryptionKey, *,
                now: datetime | None = None, did_web: bool = False) -> Certificate:
    """VC API issue: sign a plain VC 2.0 or VC 1.1 credential (OB or not) as the centre, with status entries added.

    `issuer` is filled with the centre's DID when absent (or set as the id of an issuer object without one);
    `did_web` signs with the centre's did:web (refused when the instance does not serve did:web).
    """
    if not isinstance(credential, dict):
        raise _refuse("invalid", labelled("credential", Sentence(N_("a JSON object"))))
    org = need_centre(tx.conn, slug)
    now = (now or _now()).replace(microsecond=0)
    web_did = centre_did_web(org) if did_web else None
    if did_web and web_did is None:
        raise _refuse("invalid", labelled("options.verificationMethod", Sentence(
            N_("did:web is not served by this instance (its operator sets %(env)s); use did:key"),
            env=didweb.HOST_ENV)))
    _check_accredited(org, now.date(), _issue_date(now.date()))
    signer = _active_signer(tx, org, kek)  # a refusal below rolls back a key created here
    if web_did:
        signer = didweb.DidWebSigner(signer, web_did)
    did = signer.verification_method.partition("#")[0]
    try:
        doc = prepare_plain(credential, did, xsd_datetime(now))
    except PlainCredentialError as exc:
        raise _refuse("invalid", str(exc)) from None
    number = _next_number(tx, org, now.year)
    doc.setdefault("id", f"urn:uuid:{uuid.uuid4()}")
    if not isinstance(doc["id"], str) or len(doc["id"]) > 300:
        raise _refuse("invalid", labelled("credential.id", Sentence(N_("a URL of at most %(n)s characters"), n=300)))
    if find_by_credential_id(tx.conn, doc["id"]):
        raise _refuse("conflict", labelled("credential.id", Sentence(N_("%(id)s was already issued"), id=doc["id"])))
    list_id, url, index = _status_slot(tx, org, signer.verification_method)
    doc["credentialStatus"] = _entries(url, index)
    start, end = plain_validity(doc)
    try:
        signed = issue_credential(doc, signer, created=xsd_datetime(now))
        valid_from = _parse_dt(start, "validFrom")
        valid_until = _parse_dt(end, "validUntil") if end is not None else None
    except CanonicalizationError as exc:
        raise _refuse("invalid", "credential: " + "; ".join(exc.problems)) from None
    except CredentialBuildError as exc:
        raise _refuse("invalid", f"credential: {exc}") from None
    types = signed.get("type") if isinstance(signed.get("type"), list) else [signed.get("type")]
    title = signed.get("name") if isinstance(signed.get("name"), str) else " ".join(map(str, types))
    return _insert_certificate(tx, org, number, signed, title=title or "VerifiableCredential", holder=None,
                               consent="masked", valid_from=valid_from, valid_until=valid_until,
                               key_id=signer.verification_method, list_id=list_id, index=index,
                               assessment_id=None, programme_id=None)


def _parse_dt(value: Any, field: str) -> datetime:
    from qualframe.credentials.verify import parse_xsd_datetime

    try:
        return parse_xsd_datetime(value)
    except ValueError as exc:
        raise _refuse("invalid", f"credential.{field}: {exc}") from None


STATUS_ACTIONS = ("revoke", "suspend", "unsuspend")


def set_status(tx: Tx, number: str, action: str, reason: str, *, slug: str | None = None) -> Certificate:
    """Revoke (final), suspend or lift a suspension; needs a reason; bumps the list's version."""
    if action not in STATUS_ACTIONS:
        raise _refuse("invalid", Sentence(N_("action %(action)s: one of %(actions)s"), action=repr(action),
                                          actions=", ".join(STATUS_ACTIONS)))
    reason = " ".join((reason or "").split())
    if not reason or len(reason) > 500:
        raise _refuse("invalid", labelled(field_label("reason"),
                                          Sentence(N_("required, at most %(n)s characters"), n=500)))
    r = tx.conn.execute(_CERT_SELECT.where(CertificateRow.number == number).with_for_update()).first()
    if r is None or (slug is not None and r.slug != slug):
        raise _refuse("not_found", Sentence(N_("no certificate %(number)s of %(org)s"), number=number, org=slug)
                      if slug else Sentence(N_("no certificate %(number)s"), number=number))
    before = _certificate(r)
    now = _now()
    if before.revoked_at is not None:
        raise _refuse("conflict", Sentence(N_("certificate %(number)s is already revoked (revocation is final)"),
                                           number=number))
    if action == "revoke":
        values = {"revoked_at": now, "revocation_reason": reason}
    elif action == "suspend":
        if before.suspended_at is not None:
            raise _refuse("conflict", Sentence(N_("certificate %(number)s is already suspended"), number=number))
        values = {"suspended_at": now, "suspension_reason": reason}
    else:
        if before.suspended_at is None:
            raise _refuse("conflict", Sentence(N_("certificate %(number)s is not suspended"), number=number))
        values = {"suspended_at": None, "suspension_reason": None}
    tx.conn.execute(update(CertificateRow).where(CertificateRow.id == before.id).values(**values))
    tx.conn.execute(update(StatusListRow).where(StatusListRow.id == r.status_list_id)
                    .values(version=StatusListRow.version + 1))
    after = find_certificate(tx.conn, number)
    assert after is not None
    tx.audit(f"certificate.{action}", "certificate", number, org=r.slug, before=before.to_dict(),
             after=after.to_dict(), detail={"reason": reason, "status_index": r.status_index})
    return after


# --- status lists ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SignedList:
    body: bytes
    etag: str
    version: int


def status_list_id(conn: Connection, slug: str, token: str) -> int | None:
    """The id of the list served at /status/{slug}/{token}, or None."""
    r = conn.execute(select(StatusListRow.id).join(OrganisationRow, OrganisationRow.id == StatusListRow.org_id)
                     .where(OrganisationRow.slug == slug, StatusListRow.token == token)).first()
    return r.id if r else None


def signed_status_list(store: Any, list_id: int, purpose: str, kek_provider: Any) -> SignedList | None:
    """The signed BitstringStatusListCredential of a list for `purpose`, built from the certificate rows.

    The cached form is served when its version is the list's current one; otherwise it is rebuilt, signed
    (`kek_provider()` gives the KEK; SecretKeyMissing propagates) and cached for every process.
    """
    if purpose not in PURPOSES:
        return None
    with store.engine.connect() as conn:
        lst = conn.execute(select(StatusListRow, OrganisationRow.slug)
                           .join(OrganisationRow, OrganisationRow.id == StatusListRow.org_id)
                           .where(StatusListRow.id == list_id)).first()
        if lst is None:
            return None
        row = lst
        cached = conn.execute(select(StatusListCacheRow.version, StatusListCacheRow.etag, StatusListCacheRow.body)
                              .where(StatusListCacheRow.list_id == list_id,
                                     StatusListCacheRow.purpose == purpose)).first()
        if cached is not None and cached.version == row.version:
            return SignedList(cached.body.encode("utf-8"), cached.etag, cached.version)
        # the version was read first: rows read now are at least that new, so the cache is never stale-labelled
        column = CertificateRow.revoked_at if purpose == "revocation" else CertificateRow.suspended_at
        indices = conn.execute(select(CertificateRow.status_index).where(
            CertificateRow.status_list_id == list_id, column.is_not(None))).scalars().all()
        web_did, _, fingerprint = row.key_id.partition("#") if row.key_id.startswith(didweb.PREFIX) else ("", "", "")
        # a list of did:web-signed credentials is keyed by that did:web method: it is signed as did:web too
        sealed = conn.execute(select(CentreKeyRow).where(
            CentreKeyRow.org_id == row.org_id, CentreKeyRow.public_key_multibase == fingerprint) if web_did
            else select(CentreKeyRow).where(CentreKeyRow.key_id == row.key_id)).one()
    bits = StatusList(row.size)
    for i in indices:
        bits.set(i)
    key = StoredKey(sealed.key_id, sealed.public_key_multibase, bytes(sealed.sealed), _iso(sealed.created_at) or "")
    signer: Any = key.unlock(kek_provider())
    if web_did:
        signer = didweb.DidWebSigner(signer, web_did)
    # validFrom is the list's creation: a list built during a verification must not look "not yet valid"
    since = xsd_datetime(_aware(row.created_at).replace(microsecond=0))  # type: ignore[union-attr]
    doc = status_list_credential(f"{row.url}/{purpose}", web_did or key.did, purpose, bits, valid_from=since)
    signed = create_proof(doc, signer, created=xsd_datetime(_now().replace(microsecond=0)))
    text = json.dumps(signed, ensure_ascii=False, separators=(",", ":"))
    etag = f'"{row.version}-{hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]}"'
    _cache_put(store, list_id, purpose, row.version, etag, text)
    return SignedList(text.encode("utf-8"), etag, row.version)


def _cache_put(store: Any, list_id: int, purpose: str, version: int, etag: str, body: str) -> None:
    with store.engine.begin() as conn:
        n = conn.execute(update(StatusListCacheRow).where(
            StatusListCacheRow.list_id == list_id, StatusListCacheRow.purpose == purpose,
            StatusListCacheRow.version < version).values(version=version, etag=etag, body=body)).rowcount
        if n:
            return
    try:
        with store.engine.begin() as conn:
            conn.execute(insert(StatusListCacheRow).values(list_id=list_id, purpose=purpose, version=version,
                                                           etag=etag, body=body))
    except IntegrityError:
        pass  # another process cached this (or a newer) version meanwhile


def status_list_version(conn: Connection, list_id: int) -> int | None:
    return conn.execute(select(StatusListRow.version).where(StatusListRow.id == list_id)).scalar()


# --- verification from the store ---------------------------------------------------------------------------

_LIST_URL = re.compile(r"^(?P<url>.+)/(?P<purpose>revocation|suspension)$")


class StoreVerifier:
    """Callbacks for `credentials.verify`: keys, issuers and status lists from this instance's store only.

    Nothing is fetched: a status list that is not one of ours is "not available" (not-checked).
    """

    def __init__(self, store: Any, kek_provider: Any) -> None:
        self.store = store
        self.kek_provider = kek_provider

    def resolve_key(self, vm: str) -> bytes | None:
        if vm.startswith("did:key:"):
            return did_key_resolver(vm)
        document = self.did_document(vm.partition("#")[0]) if vm.startswith(didweb.PREFIX) else None
        return didweb.resolve_key(vm, document) if document else None

    def did_document(self, did: str) -> dict[str, Any] | None:
        """The DID document of a centre's did:web on this instance's own host, from the database (no network)."""
        host = didweb.configured_host()
        slug = didweb.centre_slug(did, host) if host else None
        if slug is None:
            return None
        with self.store.engine.connect() as conn:
            org = find_org(conn, slug)
            return centre_did_document(conn, org) if org is not None and org.kind == CENTRE_KIND else None

    def resolve_status_list(self, url: str) -> dict[str, Any] | None:
        m = _LIST_URL.match(url or "")
        if not m or len(url) > 400:
            return None
        with self.store.engine.connect() as conn:
            lid = conn.execute(select(StatusListRow.id).where(StatusListRow.url == m["url"])).scalar()
        if lid is None:
            return None
        signed = signed_status_list(self.store, lid, m["purpose"], self.kek_provider)
        return json.loads(signed.body) if signed else None

    def check_issuer(self, issuer: str, issued: datetime | None, methods: list[str]) -> tuple[bool, str]:
        """Known centre (any of its keys, retired ones too) and accredited on the issue date (validFrom)."""
        host = didweb.configured_host() if issuer.startswith(didweb.PREFIX) else None
        web_slug = didweb.centre_slug(issuer, host) if host else None
        with self.store.engine.connect() as conn:
            rows = conn.execute(select(CentreKeyRow.key_id, CentreKeyRow.retired_at, CentreKeyRow.public_key_multibase,
                                       OrganisationRow.slug)
                                .join(OrganisationRow, OrganisationRow.id == CentreKeyRow.org_id)
                                .where(OrganisationRow.slug == web_slug if web_slug else CentreKeyRow.did == issuer)
                                ).all()
            if not rows:
                return False, Sentence(N_("issuer %(issuer)s is not a recognition centre known to this register"),
                                   issuer=issuer)
            org = need_org(conn, rows[0].slug)
        keys = {didweb.verification_method(issuer, r.public_key_multibase) if web_slug else r.key_id for r in rows}
        if methods and not any(m in keys or m == issuer for m in methods):
            return False, Sentence(N_("the proof was not made with a key of %(centre)s"), centre=org.slug)
        if org.kind != CENTRE_KIND:
            return False, Sentence(N_("%(centre)s is not a recognition centre"), centre=org.slug)
        if issued is None:
            return False, Sentence(N_("%(centre)s: the credential has no validFrom, so accreditation cannot be "
                                  "checked"), centre=org.slug)
        ok, reason = rec.accredited_on(org.accreditation, issued.astimezone(UTC).date())
        retired = Sentence(N_(" (a retired key of the centre)")) if all(r.retired_at for r in rows) else ""
        name = org.names.get("kk") or org.slug
        return ok, Sentence(N_("%(name)s (%(centre)s)%(retired)s: %(reason)s"), name=name, centre=org.slug,
                        retired=retired, reason=reason)

    def options(self) -> dict[str, Any]:
        return {"resolve_key": self.resolve_key, "resolve_status_list": self.resolve_status_list,
                "check_issuer": self.check_issuer}


def certificate_count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(CertificateRow)).scalar_one()


__all__ = [
    "STATUS_ACTIONS",
    "Assessment",
    "BatchIssueError",
    "BatchSelection",
    "CentreKey",
    "Certificate",
    "CredentialStoreError",
    "Programme",
    "StoreVerifier",
    "add_programme",
    "batch_selection",
    "centre_did",
    "centre_did_document",
    "centre_did_web",
    "centre_keys",
    "check_assessment",
    "create_key",
    "find_by_credential_id",
    "find_certificate",
    "get_assessment",
    "get_programme",
    "issue_certificate",
    "issue_chunk",
    "issue_plain",
    "key_ring",
    "list_assessments",
    "list_certificates",
    "list_programmes",
    "need_centre",
    "record_assessment",
    "rotate_key",
    "search_certificates",
    "set_status",
    "signed_status_list",
    "status_list_id",
]
