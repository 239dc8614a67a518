"""Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite (W3C VC Data Integrity EdDSA Cryptosuites v1.0).

hashData = SHA-256(canonical proof configuration) ‖ SHA-256(canonical document); the signature is Ed25519 over
hashData and `proofValue` is its multibase base58btc form. Proof sets (several proofs) and proof chains
(`previousProof`, a string or an array of proof ids) are supported: a chained proof covers the document
carrying the proofs it names. Proofs of other types or cryptosuites are reported as not checked.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from qualframe.credentials.didkey import DidKeyError, resolve_did_key
from qualframe.credentials.jsonld import CanonicalizationError, canonicalize
from qualframe.credentials.multibase import MultibaseError, decode_base58btc, encode_base58btc
from qualframe.model.messages import N_, Text

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"

# VM id -> raw 32-byte Ed25519 public key, or None when the resolver does not know it.
KeyResolver = Callable[[str], bytes | None]
Status = Literal["ok", "failed", "not-checked"]

# XSD dateTime (with optional fraction and zone), as the proof's `created` must be.
_XSD_DATETIME = re.compile(r"-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")


class Signer(Protocol):
    """What create_proof needs: an Ed25519 signing operation and the verification method naming its key."""

    verification_method: str

    def sign(self, data: bytes) -> bytes: ...


class ProofError(ValueError):
    """A proof that cannot be created (bad input document or options)."""


@dataclass(frozen=True)
class ProofResult:
    """The outcome of checking one proof of a document."""

    index: int
    type: str
    status: Status
    reason: str
    cryptosuite: str | None = None
    verification_method: str | None = None
    proof_id: str | None = None


def did_key_resolver(vm: str) -> bytes | None:
    """The default, offline resolver: did:key only (other methods need a caller-provided resolver)."""
    if not vm.startswith("did:key:"):
        return None
    return resolve_did_key(vm)


def _proofs(document: dict[str, Any]) -> list[Any]:
    proof = document.get("proof")
    if proof is None:
        return []
    return list(proof) if isinstance(proof, list) else [proof]


def _unsecured(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "proof"}


def _previous_ids(proof: dict[str, Any]) -> list[str]:
    prev = proof.get("previousProof")
    if prev is None:
        return []
    return [prev] if isinstance(prev, str) else list(prev)


def proof_config(proof: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """The proof configuration that is hashed: the proof without proofValue, under the document's @context."""
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    config["@context"] = document.get("@context")
    return config


def hash_data(document: dict[str, Any], config: dict[str, Any]) -> bytes:
    """SHA-256 of the canonical proof configuration followed by SHA-256 of the canonical document."""
    return (
        hashlib.sha256(canonicalize(config).encode("utf-8")).digest()
        + hashlib.sha256(canonicalize(document).encode("utf-8")).digest()
    )


def _now_xsd() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def create_proof(
    document: dict[str, Any],
    signer: Signer,
    *,
    created: str | None = None,
    proof_purpose: str = "assertionMethod",
    proof_id: str | None = None,
    previous_proof: str | list[str] | None = None,
    challenge: str | None = None,
    domain: str | None = None,
) -> dict[str, Any]:
    """A copy of `document` with one more `eddsa-rdfc-2022` proof (a proof set, or a chain via previous_proof).

    Raises CanonicalizationError for undefined terms or relative IRIs, ProofError for bad options.
    """
    if "@context" not in document:
        raise ProofError("the document has no @context")
    created = created or _now_xsd()
    if not _XSD_DATETIME.fullmatch(created):
        raise ProofError(f"created {created!r} is not an XSD dateTime")
    proof: dict[str, Any] = {"type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE}
    if proof_id:
        proof["id"] = proof_id
    proof.update(created=created, verificationMethod=signer.verification_method, proofPurpose=proof_purpose)
    if challenge is not None:
        proof["challenge"] = challenge
    if domain is not None:
        proof["domain"] = domain
    existing = _proofs(document)
    covered = _unsecured(document)
    if previous_proof is not None:
        proof["previousProof"] = previous_proof
        wanted = [previous_proof] if isinstance(previous_proof, str) else list(previous_proof)
        by_id = {p.get("id"): p for p in existing if isinstance(p, dict)}
        missing = [w for w in wanted if w not in by_id]
        if missing:
            raise ProofError(f"previousProof names proofs the document does not carry: {', '.join(missing)}")
        covered["proof"] = [by_id[w] for w in wanted]
    signature = signer.sign(hash_data(covered, proof_config(proof, document)))
    secured = copy.deepcopy(document)
    proof["proofValue"] = encode_base58btc(signature)
    secured["proof"] = [*existing, proof] if existing else proof
    return secured


def _check_one(
    index: int,
    proof: Any,
    document: dict[str, Any],
    all_proofs: list[Any],
    resolve_key: KeyResolver,
    expected_purpose: str | None,
    challenge: str | None,
    domain: str | None,
    doc_hash_cache: dict[tuple[str, ...], bytes],
) -> ProofResult:
    if not isinstance(proof, dict):
        return ProofResult(index, "?", "failed", Text(N_("a proof must be a JSON object")))
    ptype = proof.get("type")
    ptype_s = ptype if isinstance(ptype, str) else str(ptype)
    suite = proof.get("cryptosuite")
    vm = proof.get("verificationMethod")
    pid = proof.get("id") if isinstance(proof.get("id"), str) else None

    def result(status: Status, reason: str) -> ProofResult:
        return ProofResult(index, ptype_s, status, reason, suite if isinstance(suite, str) else None,
                           vm if isinstance(vm, str) else None, pid)

    if ptype != PROOF_TYPE or suite != CRYPTOSUITE:
        if ptype != PROOF_TYPE:
            msgid = N_("proof %(index)s: type %(value)s is not supported (only %(type)s/%(suite)s)")
        else:
            msgid = N_("proof %(index)s: cryptosuite %(value)s is not supported (only %(type)s/%(suite)s)")
        return result("not-checked", Text(msgid, index=index, value=repr(ptype_s if ptype != PROOF_TYPE else suite),
                                          type=PROOF_TYPE, suite=CRYPTOSUITE))
    if not isinstance(vm, str) or not vm:
        return result("failed", Text(N_("proof %(index)s: no verificationMethod"), index=index))
    created = proof.get("created")
    if created is not None and (not isinstance(created, str) or not _XSD_DATETIME.fullmatch(created)):
        return result("failed", Text(N_("proof %(index)s: created %(value)s is not an XSD dateTime"), index=index,
                                     value=repr(created)))
    if expected_purpose is not None and proof.get("proofPurpose") != expected_purpose:
        return result("failed", Text(N_("proof %(index)s: proofPurpose %(found)s, expected %(expected)s"),
                                     index=index, found=repr(proof.get("proofPurpose")),
                                     expected=repr(expected_purpose)))
    if challenge is not None and proof.get("challenge") != challenge:
        return result("failed", Text(N_("proof %(index)s: challenge does not match"), index=index))
    if domain is not None and proof.get("domain") != domain:
        return result("failed", Text(N_("proof %(index)s: domain does not match"), index=index))
    if "@context" in proof:
        # an embedded proof context must be a prefix of the document's (VC Data Integrity, verify proof)
        pctx = proof["@context"] if isinstance(proof["@context"], list) else [proof["@context"]]
        dctx = document.get("@context") if isinstance(document.get("@context"), list) else [document.get("@context")]
        if dctx[: len(pctx)] != pctx:
            return result("failed", Text(N_("proof %(index)s: its @context does not start the document's @context"),
                                         index=index))
    value = proof.get("proofValue")
    try:
        signature = decode_base58btc(value)
    except MultibaseError as exc:
        return result("failed", Text(N_("proof %(index)s: proofValue: %(error)s"), index=index, error=str(exc)))
    if len(signature) != 64:
        return result("failed", Text(N_("proof %(index)s: proofValue is %(n)s bytes, an Ed25519 signature has 64"),
                                     index=index, n=len(signature)))

    prev = _previous_ids(proof)
    covered = _unsecured(document)
    if prev:
        by_id = {p.get("id"): p for p in all_proofs if isinstance(p, dict) and p.get("id")}
        missing = [p for p in prev if p not in by_id]
        if missing:
            return result("failed", Text(N_("proof %(index)s: previousProof %(ids)s is not in the document"),
                                         index=index, ids=", ".join(missing)))
        covered["proof"] = [by_id[p] for p in prev]
    try:
        key = resolve_key(vm)
    except (DidKeyError, ValueError) as exc:
        return result("failed", Text(N_("proof %(index)s: verification method %(vm)s: %(error)s"), index=index, vm=vm,
                                     error=str(exc)))
    if key is None:
        return result("failed", Text(N_("proof %(index)s: verification method %(vm)s cannot be resolved offline "
                                        "(only did:key, or a key the caller supplies)"), index=index, vm=vm))
    try:
        config_hash = hashlib.sha256(canonicalize(proof_config(proof, document)).encode("utf-8")).digest()
        cache_key = tuple(prev)
        if cache_key not in doc_hash_cache:
            doc_hash_cache[cache_key] = hashlib.sha256(canonicalize(covered).encode("utf-8")).digest()
    except CanonicalizationError as exc:
        return result("failed", Text(N_("proof %(index)s: cannot canonicalise: %(error)s"), index=index,
                                     error=str(exc)))
    from cryptography.exceptions import InvalidSignature  # loaded with the first verification, not at start-up
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(key).verify(signature, config_hash + doc_hash_cache[cache_key])
    except (InvalidSignature, ValueError):
        return result("failed", Text(N_("proof %(index)s: signature does not verify with the key of %(vm)s"),
                                     index=index, vm=vm))
    return result("ok", Text(N_("proof %(index)s: %(suite)s signature verified with %(vm)s"), index=index,
                             suite=CRYPTOSUITE, vm=vm))


def verify_proofs(
    document: dict[str, Any],
    resolve_key: KeyResolver = did_key_resolver,
    *,
    expected_purpose: str | None = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
) -> list[ProofResult]:
    """Check every proof of a secured document; one result per proof, in order."""
    proofs = _proofs(document)
    cache: dict[tuple[str, ...], bytes] = {}
    return [
        _check_one(i, p, document, proofs, resolve_key, expected_purpose, challenge, domain, cache)
        for i, p in enumerate(proofs)
    ]
