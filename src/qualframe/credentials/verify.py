"""Offline verification of Verifiable Credentials (VC 2.0, Open Badges 3.0) and Verifiable Presentations.

Every verification is a list of named checks, each ok, failed or not-checked with its reasons:
structure, contexts (only shipped ones, nothing fetched), terms (no undefined terms or relative IRIs),
proof (Data Integrity `eddsa-rdfc-2022`), validity (dates), status (Bitstring Status List; the list's own proof
is verified too), issuer (known and accredited, through a caller's callback). What cannot be resolved offline
(an https verification method, a status list) comes from callbacks the caller provides.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from qualframe.credentials.dataintegrity import KeyResolver, ProofResult, did_key_resolver, verify_proofs
from qualframe.credentials.jsonld import CONTEXTS, CREDENTIALS_V2, CanonicalizationError, expand_strict
from qualframe.credentials.statuslist import (
    ENTRY_TYPE,
    LIST_CREDENTIAL_TYPE,
    PURPOSES,
    StatusList,
    StatusListError,
    parse_index,
)

Status = Literal["ok", "failed", "not-checked"]
CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"

# statusListCredential URL -> the status list credential (parsed JSON), or None when not available.
StatusListResolver = Callable[[str], dict[str, Any] | None]
# (issuer id, issue date or None, verification methods of the verified proofs) -> (accepted?, reason)
IssuerCheck = Callable[[str, datetime | None, list[str]], tuple[bool, str]]

_XSD_DATETIME = re.compile(
    r"(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?"
)


MAX_DEPTH = 64  # JSON nesting a verifier accepts (OB 3.0 credentials nest about 10 deep)


class UnusableInput(ValueError):
    """Input that is neither a credential nor a presentation (the CLI's exit 2, the API's 400)."""


def _check_depth(document: Any) -> None:
    """UnusableInput when JSON nests deeper than MAX_DEPTH (iterative: bounded work, no recursion)."""
    stack = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise UnusableInput(f"the JSON nests deeper than {MAX_DEPTH} levels")
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


@dataclass
class Check:
    """One named check of a verification."""

    name: str
    status: Status
    reasons: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """JSON form: {name, status, reasons}."""
        return {"name": self.name, "status": self.status, "reasons": list(self.reasons)}


@dataclass
class VerificationResult:
    """The checks of one credential or presentation (and, for a presentation, of each credential in it)."""

    kind: Literal["credential", "presentation"]
    checks: list[Check]
    proofs: list[ProofResult] = field(default_factory=list)
    credentials: list[VerificationResult] = field(default_factory=list)
    document_id: str | None = None
    revoked: bool = False
    suspended: bool = False

    def check(self, name: str) -> Check:
        """The check called `name` (KeyError if absent)."""
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def verified(self) -> bool:
        """No check failed and the proof check passed (for a presentation: and every credential verified)."""
        if any(c.status == "failed" for c in self.checks):
            return False
        if self.kind == "credential" and not any(c.name == "proof" and c.status == "ok" for c in self.checks):
            return False
        return all(c.verified for c in self.credentials)

    def failures(self) -> list[str]:
        """Every reason of every failed check, nested credentials included."""
        out = [f"{c.name}: {r}" for c in self.checks if c.status == "failed" for r in (c.reasons or ["failed"])]
        for i, sub in enumerate(self.credentials):
            out += [f"credential {i}: {r}" for r in sub.failures()]
        return out

    def to_json(self) -> dict[str, Any]:
        """JSON form of the whole result."""
        out: dict[str, Any] = {
            "verified": self.verified,
            "kind": self.kind,
            "id": self.document_id,
            "checks": [c.to_json() for c in self.checks],
            "proofs": [
                {"index": p.index, "type": p.type, "cryptosuite": p.cryptosuite, "status": p.status,
                 "verificationMethod": p.verification_method, "reason": p.reason}
                for p in self.proofs
            ],
        }
        if self.kind == "credential":
            out["revoked"] = self.revoked
            out["suspended"] = self.suspended
        else:
            out["credentials"] = [c.to_json() for c in self.credentials]
        return out


def parse_xsd_datetime(value: Any) -> datetime:
    """An XSD dateTime as an aware datetime (no zone means UTC); ValueError when malformed."""
    if not isinstance(value, str) or not _XSD_DATETIME.fullmatch(value):
        raise ValueError(f"{value!r} is not an XSD dateTime")
    text = value.replace("Z", "+00:00")
    if "." in text:  # Python accepts at most 6 fraction digits
        head, _, rest = text.partition(".")
        digits = re.match(r"\d+", rest)
        frac = digits.group(0) if digits else ""
        text = f"{head}.{frac[:6].ljust(6, '0')}{rest[len(frac):]}"
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _types(doc: dict[str, Any]) -> list[str]:
    t = doc.get("type")
    return [t] if isinstance(t, str) else [x for x in t if isinstance(x, str)] if isinstance(t, list) else []


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _issuer_id(doc: dict[str, Any]) -> str | None:
    issuer = doc.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) and issuer else None


def _all_contexts(node: Any, found: list[Any]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                found.extend(_as_list(value))
            else:
                _all_contexts(value, found)
    elif isinstance(node, list):
        for item in node:
            _all_contexts(item, found)


def _check_contexts(doc: dict[str, Any]) -> Check:
    ctx = _as_list(doc.get("@context"))
    if not ctx:
        return Check("contexts", "failed", ["no @context"])
    reasons: list[str] = []
    if ctx[0] == CREDENTIALS_V1:
        reasons.append(f"VC 1.1 context {CREDENTIALS_V1} is not shipped with qualframe: it cannot be checked offline")
    elif ctx[0] != CREDENTIALS_V2:
        reasons.append(f"the first @context must be {CREDENTIALS_V2} (VC 2.0), not {ctx[0]!r}")
    found: list[Any] = []
    _all_contexts(doc, found)
    for c in dict.fromkeys(x if isinstance(x, str) else "<inline>" for x in found):
        if c == "<inline>":
            continue  # an inline context is part of the signed document itself
        if c not in CONTEXTS and c != CREDENTIALS_V1:
            reasons.append(f"context {c} is not a known context (contexts are never fetched)")
    if reasons:
        return Check("contexts", "failed", reasons)
    return Check("contexts", "ok", [f"{len(set(map(str, found)))} known context(s), none fetched"])


def _check_terms(doc: dict[str, Any], contexts_ok: bool) -> Check:
    if not contexts_ok:
        return Check("terms", "not-checked", ["the contexts are not all known"])
    try:
        expand_strict({k: v for k, v in doc.items() if k != "proof"})
    except CanonicalizationError as exc:
        return Check("terms", "failed", exc.problems)
    return Check("terms", "ok", ["every term is defined by the contexts; no relative IRIs"])


def _check_proofs(results: list[ProofResult], required: bool) -> Check:
    if not results:
        return Check("proof", "failed" if required else "not-checked", ["no proof"])
    reasons = [r.reason for r in results]
    if any(r.status == "failed" for r in results):
        return Check("proof", "failed", [r.reason for r in results if r.status == "failed"]
                     + [r.reason for r in results if r.status != "failed"])
    if not any(r.status == "ok" for r in results):
        return Check("proof", "failed", ["no proof of a supported type: the signature is not verified", *reasons])
    return Check("proof", "ok", reasons)


def _check_validity(doc: dict[str, Any], now: datetime) -> tuple[Check, datetime | None]:
    v1 = _as_list(doc.get("@context"))[:1] == [CREDENTIALS_V1]
    start_key, end_key = ("issuanceDate", "expirationDate") if v1 else ("validFrom", "validUntil")
    reasons: list[str] = []
    failed = False
    start = end = None
    for key in (start_key, end_key):
        if key not in doc:
            continue
        try:
            parsed = parse_xsd_datetime(doc[key])
        except ValueError as exc:
            failed = True
            reasons.append(f"{key}: {exc}")
            continue
        if key == start_key:
            start = parsed
        else:
            end = parsed
    if start and end and end < start:
        failed = True
        reasons.append(f"{end_key} {doc[end_key]} is before {start_key} {doc[start_key]}")
    if start and now < start:
        failed = True
        reasons.append(f"not yet valid: {start_key} {doc[start_key]}")
    if end and now > end:
        failed = True
        reasons.append(f"expired: {end_key} {doc[end_key]}")
    if failed:
        return Check("validity", "failed", reasons), start
    if not start and not end:
        return Check("validity", "ok", ["no validity period given"]), None
    span = f"{doc.get(start_key, '…')} to {doc.get(end_key, 'no end')}"
    return Check("validity", "ok", [f"valid at {now.isoformat()} ({span})"]), start


def _check_status_entry(
    entry: Any,
    doc: dict[str, Any],
    resolve_status_list: StatusListResolver | None,
    resolve_key: KeyResolver,
    now: datetime,
) -> tuple[Status, str, str | None]:
    """(status, reason, purpose that is set or None) for one credentialStatus entry."""
    if not isinstance(entry, dict):
        return "failed", "a credentialStatus entry must be an object", None
    if entry.get("type") != ENTRY_TYPE:
        return "not-checked", f"status entry of type {entry.get('type')!r} is not supported (only {ENTRY_TYPE})", None
    purpose = entry.get("statusPurpose")
    url = entry.get("statusListCredential")
    try:
        index = parse_index(entry.get("statusListIndex"))
    except StatusListError as exc:
        return "failed", str(exc), None
    if purpose not in PURPOSES:
        return "not-checked", f"statusPurpose {purpose!r} is not checked (only {', '.join(PURPOSES)})", None
    if not isinstance(url, str) or not url:
        return "failed", "statusListCredential is missing", None
    if resolve_status_list is None:
        return "not-checked", f"{purpose} list {url} not available offline (give it to the verifier)", None
    listed = resolve_status_list(url)
    if listed is None:
        return "not-checked", f"{purpose} list {url} not available", None
    if not isinstance(listed, dict) or LIST_CREDENTIAL_TYPE not in _types(listed):
        return "failed", f"the {purpose} list given for {url} is not a {LIST_CREDENTIAL_TYPE}", None
    # the list is itself a credential: its proof and dates must hold (its own status is not followed)
    sub = verify_credential(listed, resolve_key=resolve_key, now=now, _status=False)
    if not sub.verified:
        return "failed", f"the {purpose} list {url} does not verify: " + "; ".join(sub.failures()), None
    if _issuer_id(listed) != _issuer_id(doc):
        return "failed", (f"the {purpose} list is issued by {_issuer_id(listed)}, "
                          f"not by the credential's issuer {_issuer_id(doc)}"), None
    subject = listed.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    if not isinstance(subject, dict):
        return "failed", f"the {purpose} list has no credentialSubject", None
    if subject.get("statusPurpose") != purpose:
        listed_purpose = subject.get("statusPurpose")
        return "failed", f"the list's statusPurpose is {listed_purpose!r}, the entry's is {purpose!r}", None
    try:
        bits = StatusList.decode(subject.get("encodedList"))
        is_set = bits.get(index)
    except StatusListError as exc:
        return "failed", f"the {purpose} list {url}: {exc}", None
    note = "" if listed.get("id") == url else f" (list credential id {listed.get('id')} was supplied for it)"
    if is_set:
        word = "revoked" if purpose == "revocation" else "suspended"
        return "failed", f"{word}: bit {index} is set in {url}{note}", purpose
    return "ok", f"not {'revoked' if purpose == 'revocation' else 'suspended'}: bit {index} clear in {url}{note}", None


def _check_status(
    doc: dict[str, Any], resolve_status_list: StatusListResolver | None, resolve_key: KeyResolver, now: datetime
) -> tuple[Check, set[str]]:
    entries = _as_list(doc.get("credentialStatus"))
    if not entries:
        return Check("status", "ok", ["no credentialStatus: the credential cannot be revoked"]), set()
    outcomes = [_check_status_entry(e, doc, resolve_status_list, resolve_key, now) for e in entries]
    reasons = [r for _, r, _ in outcomes]
    set_purposes = {p for _, _, p in outcomes if p}
    statuses = {s for s, _, _ in outcomes}
    status: Status = "failed" if "failed" in statuses else "not-checked" if "not-checked" in statuses else "ok"
    return Check("status", status, reasons), set_purposes


def _check_issuer(
    doc: dict[str, Any], check_issuer: IssuerCheck | None, issued: datetime | None, proofs: list[ProofResult]
) -> Check:
    issuer = _issuer_id(doc)
    if check_issuer is None:
        return Check("issuer", "not-checked", [f"issuer {issuer} not looked up (no register of issuers given)"])
    methods = [p.verification_method for p in proofs if p.status == "ok" and p.verification_method]
    ok, reason = check_issuer(issuer or "", issued, methods)
    return Check("issuer", "ok" if ok else "failed", [reason])


def _structure(doc: dict[str, Any]) -> Check:
    reasons = []
    if "VerifiableCredential" not in _types(doc):
        reasons.append("type does not include VerifiableCredential")
    if _issuer_id(doc) is None:
        reasons.append("issuer (a URL, or an object with an id) is missing")
    if not doc.get("credentialSubject"):
        reasons.append("credentialSubject is missing")
    return Check("structure", "failed" if reasons else "ok", reasons or ["a VerifiableCredential"])


def verify_credential(
    credential: Any,
    *,
    resolve_key: KeyResolver = did_key_resolver,
    resolve_status_list: StatusListResolver | None = None,
    check_issuer: IssuerCheck | None = None,
    now: datetime | None = None,
    _status: bool = True,
) -> VerificationResult:
    """Verify a credential fully offline; UnusableInput when it is not a JSON object with a credential type."""
    if not isinstance(credential, dict):
        raise UnusableInput("a credential must be a JSON object")
    _check_depth(credential)
    types = _types(credential)
    if "VerifiableCredential" not in types and not credential.get("credentialSubject"):
        raise UnusableInput("not a credential: no type VerifiableCredential and no credentialSubject")
    now = now or datetime.now(UTC)
    structure = _structure(credential)
    contexts = _check_contexts(credential)
    terms = _check_terms(credential, contexts.status == "ok")
    proofs = verify_proofs(credential, resolve_key) if contexts.status == "ok" else []
    proof = _check_proofs(proofs, True) if contexts.status == "ok" else Check(
        "proof", "failed", ["not verified: the contexts are not all known"])
    validity, issued = _check_validity(credential, now)
    checks = [structure, contexts, terms, proof, validity]
    revoked = suspended = False
    if _status:
        status, set_purposes = _check_status(credential, resolve_status_list, resolve_key, now)
        revoked, suspended = "revocation" in set_purposes, "suspension" in set_purposes
        checks.append(status)
        checks.append(_check_issuer(credential, check_issuer, issued, proofs))
    doc_id = credential.get("id") if isinstance(credential.get("id"), str) else None
    return VerificationResult("credential", checks, proofs, [], doc_id, revoked, suspended)


def verify_presentation(
    presentation: Any,
    *,
    resolve_key: KeyResolver = did_key_resolver,
    resolve_status_list: StatusListResolver | None = None,
    check_issuer: IssuerCheck | None = None,
    challenge: str | None = None,
    domain: str | None = None,
    now: datetime | None = None,
) -> VerificationResult:
    """Verify a presentation (its proof, if any, with purpose authentication) and every credential in it."""
    if not isinstance(presentation, dict) or "VerifiablePresentation" not in _types(presentation):
        raise UnusableInput("not a presentation: no type VerifiablePresentation")
    _check_depth(presentation)
    now = now or datetime.now(UTC)
    contexts = _check_contexts(presentation)
    terms = _check_terms(presentation, contexts.status == "ok")
    proofs: list[ProofResult] = []
    if contexts.status == "ok":
        proofs = verify_proofs(presentation, resolve_key, expected_purpose="authentication",
                               challenge=challenge, domain=domain)
    required = challenge is not None or domain is not None
    proof = _check_proofs(proofs, required)
    if not proofs and not required:
        proof = Check("proof", "not-checked", ["the presentation is not signed (no holder proof)"])
    nested: list[VerificationResult] = []
    cred_reasons: list[str] = []
    for i, vc in enumerate(_as_list(presentation.get("verifiableCredential"))):
        if isinstance(vc, dict) and "EnvelopedVerifiableCredential" in _types(vc):
            cred_reasons.append(f"credential {i}: enveloped credentials are not checked")
            continue
        try:
            nested.append(verify_credential(vc, resolve_key=resolve_key, resolve_status_list=resolve_status_list,
                                            check_issuer=check_issuer, now=now))
        except UnusableInput as exc:
            cred_reasons.append(f"credential {i}: {exc}")
            nested.append(VerificationResult("credential", [Check("structure", "failed", [str(exc)])]))
    bad = [i for i, r in enumerate(nested) if not r.verified]
    creds = Check("credentials", "failed" if bad else "ok",
                  [f"credential {i} does not verify" for i in bad] + cred_reasons
                  or [f"{len(nested)} credential(s) verified"])
    doc_id = presentation.get("id") if isinstance(presentation.get("id"), str) else None
    return VerificationResult("presentation", [contexts, terms, proof, creds], proofs, nested, doc_id)


def verify_document(document: Any, **options: Any) -> VerificationResult:
    """Verify a credential or a presentation, whichever it is; UnusableInput when neither."""
    if isinstance(document, dict) and "VerifiablePresentation" in _types(document):
        return verify_presentation(document, **options)
    options.pop("challenge", None)
    options.pop("domain", None)
    return verify_credential(document, **options)
