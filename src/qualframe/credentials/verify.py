"""Offline verification of Verifiable Credentials (VC 2.0, VC 1.1, Open Badges 3.0) and Verifiable Presentations.

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
from qualframe.credentials.jsonld import (
    CREDENTIALS_V1,
    CREDENTIALS_V2,
    DATA_INTEGRITY_V2,
    KNOWN_CONTEXTS,
    CanonicalizationError,
    expand_strict,
)
from qualframe.credentials.statuslist import (
    ENTRY_TYPE,
    LIST_CREDENTIAL_TYPE,
    PURPOSES,
    StatusList,
    StatusListError,
    parse_index,
)
from qualframe.model.messages import N_, Text

Status = Literal["ok", "failed", "not-checked"]

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
            raise UnusableInput(Text(N_("the JSON nests deeper than %(n)s levels"), n=MAX_DEPTH))
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
        raise ValueError(Text(N_("%(value)s is not an XSD dateTime"), value=repr(value)))
    text = value.replace("Z", "+00:00")
    if "." in text:  # Python accepts at most 6 fraction digits
        head, _, rest = text.partition(".")
        digits = re.match(r"\d+", rest)
        frac = digits.group(0) if digits else ""
        text = f"{head}.{frac[:6].ljust(6, '0')}{rest[len(frac):]}"
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _why(exc: Exception) -> str:
    """An exception's message, as the :class:`Text` it was raised with when it was (so a page translates it)."""
    return exc.args[0] if len(exc.args) == 1 and isinstance(exc.args[0], Text) else str(exc)


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


def _defines_data_integrity(contexts: list[Any]) -> bool:
    return DATA_INTEGRITY_V2 in contexts or any(
        isinstance(c, dict) and "DataIntegrityProof" in c for c in contexts)


def _check_contexts(doc: dict[str, Any]) -> Check:
    ctx = _as_list(doc.get("@context"))
    if not ctx:
        return Check("contexts", "failed", [Text(N_("no @context"))])
    reasons: list[str] = []
    if ctx[0] not in (CREDENTIALS_V2, CREDENTIALS_V1):
        reasons.append(Text(N_("the first @context must be %(v2)s (VC 2.0) or %(v1)s (VC 1.1), not %(found)s"),
                            v2=CREDENTIALS_V2, v1=CREDENTIALS_V1, found=repr(ctx[0])))
    elif ctx[0] == CREDENTIALS_V1 and not _defines_data_integrity(ctx) and any(
            isinstance(p, dict) and p.get("type") == "DataIntegrityProof" for p in _as_list(doc.get("proof"))):
        # VC 1.1 does not define DataIntegrityProof: without this context its proof terms are undefined
        reasons.append(Text(N_("a VC 1.1 credential with a DataIntegrityProof must list %(context)s in its "
                               "@context (after the VC 1.1 context)"), context=DATA_INTEGRITY_V2))
    found: list[Any] = []
    _all_contexts(doc, found)
    for c in dict.fromkeys(x if isinstance(x, str) else "<inline>" for x in found):
        if c == "<inline>":
            continue  # an inline context is part of the signed document itself
        if c not in KNOWN_CONTEXTS:
            reasons.append(Text(N_("context %(context)s is not a known context (contexts are never fetched)"),
                                context=c))
    if reasons:
        return Check("contexts", "failed", reasons)
    return Check("contexts", "ok", [Text(N_("%(n)s known context(s), none fetched"), n=len(set(map(str, found))))])


def _check_terms(doc: dict[str, Any], contexts_ok: bool) -> Check:
    if not contexts_ok:
        return Check("terms", "not-checked", [Text(N_("the contexts are not all known"))])
    try:
        expand_strict({k: v for k, v in doc.items() if k != "proof"})
    except CanonicalizationError as exc:
        return Check("terms", "failed", exc.problems)
    return Check("terms", "ok", [Text(N_("every term is defined by the contexts; no relative IRIs"))])


def _check_proofs(results: list[ProofResult], required: bool) -> Check:
    if not results:
        return Check("proof", "failed" if required else "not-checked", [Text(N_("no proof"))])
    reasons = [r.reason for r in results]
    if any(r.status == "failed" for r in results):
        return Check("proof", "failed", [r.reason for r in results if r.status == "failed"]
                     + [r.reason for r in results if r.status != "failed"])
    if not any(r.status == "ok" for r in results):
        return Check("proof", "failed", [Text(N_("no proof of a supported type: the signature is not verified")),
                                         *reasons])
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
            reasons.append(Text(N_("%(key)s: %(error)s"), key=key, error=_why(exc)))
            continue
        if key == start_key:
            start = parsed
        else:
            end = parsed
    if start and end and end < start:
        failed = True
        reasons.append(Text(N_("%(end_key)s %(end)s is before %(start_key)s %(start)s"), end_key=end_key,
                            end=doc[end_key], start_key=start_key, start=doc[start_key]))
    if start and now < start:
        failed = True
        reasons.append(Text(N_("not yet valid: %(key)s %(value)s"), key=start_key, value=doc[start_key]))
    if end and now > end:
        failed = True
        reasons.append(Text(N_("expired: %(key)s %(value)s"), key=end_key, value=doc[end_key]))
    if failed:
        return Check("validity", "failed", reasons), start
    if not start and not end:
        return Check("validity", "ok", [Text(N_("no validity period given"))]), None
    return Check("validity", "ok", [Text(N_("valid at %(now)s (%(start)s to %(end)s)"), now=now.isoformat(),
                                         start=doc.get(start_key, "…"),
                                         end=doc[end_key] if end_key in doc else Text(N_("no end")))]), start


def _check_status_entry(
    entry: Any,
    doc: dict[str, Any],
    resolve_status_list: StatusListResolver | None,
    resolve_key: KeyResolver,
    now: datetime,
) -> tuple[Status, str, str | None]:
    """(status, reason, purpose that is set or None) for one credentialStatus entry."""
    if not isinstance(entry, dict):
        return "failed", Text(N_("a credentialStatus entry must be an object")), None
    if entry.get("type") != ENTRY_TYPE:
        return "not-checked", Text(N_("status entry of type %(found)s is not supported (only %(type)s)"),
                                   found=repr(entry.get("type")), type=ENTRY_TYPE), None
    purpose = entry.get("statusPurpose")
    url = entry.get("statusListCredential")
    try:
        index = parse_index(entry.get("statusListIndex"))
    except StatusListError as exc:
        return "failed", _why(exc), None
    if purpose not in PURPOSES:
        return "not-checked", Text(N_("statusPurpose %(found)s is not checked (only %(purposes)s)"),
                                   found=repr(purpose), purposes=", ".join(PURPOSES)), None
    if not isinstance(url, str) or not url:
        return "failed", Text(N_("statusListCredential is missing")), None
    if resolve_status_list is None:
        return "not-checked", Text(N_("%(purpose)s list %(url)s not available offline (give it to the verifier)"),
                                   purpose=purpose, url=url), None
    listed = resolve_status_list(url)
    if listed is None:
        return "not-checked", Text(N_("%(purpose)s list %(url)s not available"), purpose=purpose, url=url), None
    if not isinstance(listed, dict) or LIST_CREDENTIAL_TYPE not in _types(listed):
        return "failed", Text(N_("the %(purpose)s list given for %(url)s is not a %(type)s"), purpose=purpose,
                              url=url, type=LIST_CREDENTIAL_TYPE), None
    # the list is itself a credential: its proof and dates must hold (its own status is not followed)
    sub = verify_credential(listed, resolve_key=resolve_key, now=now, _status=False)
    if not sub.verified:
        return "failed", Text(N_("the %(purpose)s list %(url)s does not verify: %(failures)s"), purpose=purpose,
                              url=url, failures="; ".join(sub.failures())), None
    if _issuer_id(listed) != _issuer_id(doc):
        return "failed", Text(N_("the %(purpose)s list is issued by %(list_issuer)s, not by the credential's "
                                 "issuer %(issuer)s"), purpose=purpose, list_issuer=_issuer_id(listed),
                              issuer=_issuer_id(doc)), None
    subject = listed.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    if not isinstance(subject, dict):
        return "failed", Text(N_("the %(purpose)s list has no credentialSubject"), purpose=purpose), None
    if subject.get("statusPurpose") != purpose:
        listed_purpose = subject.get("statusPurpose")
        return "failed", Text(N_("the list's statusPurpose is %(listed)s, the entry's is %(purpose)s"),
                              listed=repr(listed_purpose), purpose=repr(purpose)), None
    try:
        bits = StatusList.decode(subject.get("encodedList"))
        is_set = bits.get(index)
    except StatusListError as exc:
        return "failed", Text(N_("the %(purpose)s list %(url)s: %(error)s"), purpose=purpose, url=url,
                              error=str(exc)), None
    note = "" if listed.get("id") == url else Text(N_(" (list credential id %(id)s was supplied for it)"),
                                                   id=listed.get("id"))
    revocation = purpose == "revocation"
    if is_set:
        msgid = N_("revoked: bit %(index)s is set in %(url)s%(note)s") if revocation else N_(
            "suspended: bit %(index)s is set in %(url)s%(note)s")
        return "failed", Text(msgid, index=index, url=url, note=note), purpose
    msgid = N_("not revoked: bit %(index)s clear in %(url)s%(note)s") if revocation else N_(
        "not suspended: bit %(index)s clear in %(url)s%(note)s")
    return "ok", Text(msgid, index=index, url=url, note=note), None


def _check_status(
    doc: dict[str, Any], resolve_status_list: StatusListResolver | None, resolve_key: KeyResolver, now: datetime
) -> tuple[Check, set[str]]:
    entries = _as_list(doc.get("credentialStatus"))
    if not entries:
        return Check("status", "ok", [Text(N_("no credentialStatus: the credential cannot be revoked"))]), set()
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
        return Check("issuer", "not-checked", [Text(N_("issuer %(issuer)s not looked up (no register of issuers "
                                                       "given)"), issuer=issuer)])
    methods = [p.verification_method for p in proofs if p.status == "ok" and p.verification_method]
    ok, reason = check_issuer(issuer or "", issued, methods)
    return Check("issuer", "ok" if ok else "failed", [reason])


def _structure(doc: dict[str, Any]) -> Check:
    reasons = []
    if "VerifiableCredential" not in _types(doc):
        reasons.append(Text(N_("type does not include VerifiableCredential")))
    if _issuer_id(doc) is None:
        reasons.append(Text(N_("issuer (a URL, or an object with an id) is missing")))
    if not doc.get("credentialSubject"):
        reasons.append(Text(N_("credentialSubject is missing")))
    v1 = _as_list(doc.get("@context"))[:1] == [CREDENTIALS_V1]
    if v1 and "issuanceDate" not in doc:
        reasons.append(Text(N_("issuanceDate is missing (required by VC 1.1)")))
    kind = Text(N_("a VerifiableCredential (VC 1.1)")) if v1 else Text(N_("a VerifiableCredential"))
    return Check("structure", "failed" if reasons else "ok", reasons or [kind])


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
        raise UnusableInput(Text(N_("a credential must be a JSON object")))
    _check_depth(credential)
    types = _types(credential)
    if "VerifiableCredential" not in types and not credential.get("credentialSubject"):
        raise UnusableInput(Text(N_("not a credential: no type VerifiableCredential and no credentialSubject")))
    now = now or datetime.now(UTC)
    structure = _structure(credential)
    contexts = _check_contexts(credential)
    terms = _check_terms(credential, contexts.status == "ok")
    proofs = verify_proofs(credential, resolve_key) if contexts.status == "ok" else []
    proof = _check_proofs(proofs, True) if contexts.status == "ok" else Check(
        "proof", "failed", [Text(N_("not verified: the contexts are not all known"))])
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
        raise UnusableInput(Text(N_("not a presentation: no type VerifiablePresentation")))
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
        proof = Check("proof", "not-checked", [Text(N_("the presentation is not signed (no holder proof)"))])
    nested: list[VerificationResult] = []
    cred_reasons: list[str] = []
    for i, vc in enumerate(_as_list(presentation.get("verifiableCredential"))):
        if isinstance(vc, dict) and "EnvelopedVerifiableCredential" in _types(vc):
            cred_reasons.append(Text(N_("credential %(i)s: enveloped credentials are not checked"), i=i))
            continue
        try:
            nested.append(verify_credential(vc, resolve_key=resolve_key, resolve_status_list=resolve_status_list,
                                            check_issuer=check_issuer, now=now))
        except UnusableInput as exc:
            why = _why(exc)
            cred_reasons.append(Text(N_("credential %(i)s: %(error)s"), i=i, error=why))
            nested.append(VerificationResult("credential", [Check("structure", "failed", [why])]))
    bad = [i for i, r in enumerate(nested) if not r.verified]
    creds = Check("credentials", "failed" if bad else "ok",
                  [Text(N_("credential %(i)s does not verify"), i=i) for i in bad] + cred_reasons
                  or [Text(N_("%(n)s credential(s) verified"), n=len(nested))])
    doc_id = presentation.get("id") if isinstance(presentation.get("id"), str) else None
    return VerificationResult("presentation", [contexts, terms, proof, creds], proofs, nested, doc_id)


def verify_document(document: Any, **options: Any) -> VerificationResult:
    """Verify a credential or a presentation, whichever it is; UnusableInput when neither."""
    if isinstance(document, dict) and "VerifiablePresentation" in _types(document):
        return verify_presentation(document, **options)
    options.pop("challenge", None)
    options.pop("domain", None)
    return verify_credential(document, **options)
