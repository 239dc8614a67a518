"""Plain Verifiable Credentials (VC 2.0 and VC 1.1) prepared for signing by the VC API's issue.

A caller sends any credential whose contexts qualframe knows (nothing is fetched); `prepare` checks its
shape, fills in the issuer and the start of validity, and makes sure the proof and the status entry that
qualframe adds are defined by its contexts:

- VC 2.0 (`https://www.w3.org/ns/credentials/v2` first): defines both; `validFrom` / `validUntil`.
- VC 1.1 (`https://www.w3.org/2018/credentials/v1` first): `issuanceDate` (required) / `expirationDate`. VC 1.1
  defines neither `DataIntegrityProof` nor the Bitstring Status List terms, so the Data Integrity v2 context is
  appended to @context (as VC 1.1 credentials with `eddsa-rdfc-2022` proofs do), and an inline context
  carrying the VC 2.0 definition of `BitstringStatusListEntry` (signed with the credential, so every verifier
  expands the entry exactly as a VC 2.0 one).

Undefined terms and relative IRIs are refused later, when the credential is canonicalised for signing.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from qualframe.credentials.jsonld import CREDENTIALS_V1, CREDENTIALS_V2, DATA_INTEGRITY_V2, status_entry_context

Version = Literal["1.1", "2.0"]

# (start, end) of validity per data model version
VALIDITY_KEYS: dict[str, tuple[str, str]] = {"2.0": ("validFrom", "validUntil"),
                                             "1.1": ("issuanceDate", "expirationDate")}


class PlainCredentialError(ValueError):
    """A credential the VC API cannot issue; `field` names where (e.g. "credential.@context")."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [] if value is None else [value]


def vc_version(credential: dict[str, Any]) -> Version:
    """"2.0" or "1.1" from the first @context; PlainCredentialError for anything else."""
    ctx = _as_list(credential.get("@context"))
    first = ctx[0] if ctx else None
    if first == CREDENTIALS_V2:
        return "2.0"
    if first == CREDENTIALS_V1:
        return "1.1"
    raise PlainCredentialError("credential.@context", f"the first context must be {CREDENTIALS_V2} (VC 2.0) or "
                                                      f"{CREDENTIALS_V1} (VC 1.1)")


def _defines(contexts: list[Any], term: str) -> bool:
    return any(isinstance(c, dict) and term in c for c in contexts)


def prepare(credential: Any, issuer_did: str, now: str) -> dict[str, Any]:
    """A copy of `credential` ready for an id, a credentialStatus and a proof (PlainCredentialError if not).

    `issuer` is set to `issuer_did` when absent (or as the id of an issuer object without one) and must
    otherwise be that DID; the start of validity defaults to `now` (an XSD dateTime).
    """
    if not isinstance(credential, dict):
        raise PlainCredentialError("credential", "a JSON object")
    version = vc_version(credential)
    if "VerifiableCredential" not in _as_list(credential.get("type")):
        raise PlainCredentialError("credential.type", "must include VerifiableCredential")
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict | list) or not subject:
        raise PlainCredentialError("credential.credentialSubject", "required")
    for field in ("proof", "credentialStatus"):
        if field in credential:
            raise PlainCredentialError(f"credential.{field}", "must be absent (qualframe adds it)")
    start, end = VALIDITY_KEYS[version]
    other = VALIDITY_KEYS["1.1" if version == "2.0" else "2.0"]
    for field in other:
        if field in credential:
            raise PlainCredentialError(f"credential.{field}", f"not a VC {version} term: use {start} / {end}")
    doc = copy.deepcopy(credential)
    issuer = doc.get("issuer")
    if issuer is None:
        doc["issuer"] = issuer_did
    elif isinstance(issuer, dict) and "id" not in issuer:
        doc["issuer"] = {"id": issuer_did, **issuer}
    elif (issuer.get("id") if isinstance(issuer, dict) else issuer) != issuer_did:
        raise PlainCredentialError("credential.issuer", f"this centre issues as {issuer_did}, not as the issuer "
                                                        "given")
    doc.setdefault(start, now)
    if version == "1.1":
        contexts = _as_list(doc["@context"])
        if DATA_INTEGRITY_V2 not in contexts and not _defines(contexts, "DataIntegrityProof"):
            contexts.append(DATA_INTEGRITY_V2)
        if not _defines(contexts, "BitstringStatusListEntry"):
            contexts.append(status_entry_context())
        doc["@context"] = contexts
    return doc


def validity(doc: dict[str, Any]) -> tuple[Any, Any]:
    """(start, end or None) of a prepared credential's validity, under its version's terms."""
    start, end = VALIDITY_KEYS[vc_version(doc)]
    return doc.get(start), doc.get(end)
