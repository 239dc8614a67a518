"""Issuing certificates: keys at rest, OpenBadgeCredential round trip, tampering, status, an independent verifier."""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from typer.testing import CliRunner

from credentials_helpers import (
    REVOCATION_LIST,
    TEST_SECRET,
    VC_DIR,
    centre_ring,
    kek,
    load,
    needs_vc,
    sample_credential,
    status_lists,
    valid_iin,
)
from qualframe.cli import app
from qualframe.credentials.dataintegrity import create_proof, verify_proofs
from qualframe.credentials.iin import identity_hash
from qualframe.credentials.jsonld import EXAMPLES_V2, OB_V3P0, CanonicalizationError, context_bytes
from qualframe.credentials.keys import (
    ENV_SECRET,
    ENV_SECRET_FILE,
    Ed25519Signer,
    KeyDecryptionError,
    KeyEncryptionKey,
    KeyRing,
    SecretKeyMissing,
    generate_key,
)
from qualframe.credentials.openbadge import CredentialBuildError, issue_credential
from qualframe.credentials.verify import UnusableInput, verify_credential, verify_document, verify_presentation

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def issued() -> dict[str, Any]:
    ring = centre_ring()
    signer = ring.signer(kek())
    cred = issue_credential(sample_credential(ring.active.did), signer, created="2025-03-01T10:00:00Z")
    return {"ring": ring, "signer": signer, "credential": cred, "lists": status_lists(ring.active.did, signer)}


def _verify(issued: dict[str, Any], cred: dict[str, Any], lists: dict | None = None, **kw: Any):
    lists = issued["lists"] if lists is None else lists
    return verify_credential(cred, resolve_key=issued["ring"].resolve, resolve_status_list=lists.get, now=NOW, **kw)


# ---- keys -------------------------------------------------------------------------------------------------

def test_kek_from_environment_and_file(tmp_path) -> None:
    with pytest.raises(SecretKeyMissing, match=ENV_SECRET):
        KeyEncryptionKey.from_environment({})
    with pytest.raises(SecretKeyMissing, match="at least 32"):
        KeyEncryptionKey.from_environment({ENV_SECRET: "short"})
    key_file = tmp_path / "kek"
    key_file.write_bytes(TEST_SECRET + b"\n")
    from_file = KeyEncryptionKey.from_environment({ENV_SECRET_FILE: str(key_file)})
    from_env = KeyEncryptionKey.from_environment({ENV_SECRET: TEST_SECRET.decode()})
    sealed = generate_key(from_env)
    assert sealed.unlock(from_file).public_key == sealed.public_key  # same secret, same KEK
    with pytest.raises(SecretKeyMissing, match="cannot read"):
        KeyEncryptionKey.from_environment({ENV_SECRET_FILE: str(tmp_path / "missing")})


def test_sealed_key_needs_the_right_kek_and_binding() -> None:
    stored = generate_key(kek())
    other = KeyEncryptionKey(b"another operator secret of at least 32 bytes")
    with pytest.raises(KeyDecryptionError):
        stored.unlock(other)
    # a sealed key moved under another key id does not open (the id is authenticated data)
    from dataclasses import replace

    moved = replace(stored, key_id=generate_key(kek()).key_id)
    with pytest.raises(KeyDecryptionError):
        moved.unlock(kek())


def test_private_keys_never_shown_or_pickled() -> None:
    stored = generate_key(kek())
    signer = stored.unlock(kek())
    seed = signer._key.private_bytes_raw()
    for text in (repr(stored), str(stored), repr(signer), repr(kek()), repr(KeyRing((stored,)))):
        assert seed.hex() not in text and stored.sealed_private_key.hex() not in text
        assert "sealed_private_key" not in text
    assert seed not in stored.sealed_private_key
    for obj in (signer, kek()):
        with pytest.raises(TypeError):
            pickle.dumps(obj)


def test_rotation_keeps_old_keys_verifying() -> None:
    ring = centre_ring()
    old_signer = ring.signer(kek())
    old_cred = issue_credential(sample_credential(ring.active.did), old_signer, created="2025-03-01T10:00:00Z")
    rotated = ring.rotate(kek(), "2025-06-01T00:00:00Z")
    assert len(rotated.keys) == 2 and rotated.keys[0].retired == "2025-06-01T00:00:00Z"
    assert rotated.active.key_id != ring.active.key_id
    assert set(rotated.public_keys()) == {ring.active.key_id, rotated.active.key_id}
    assert verify_credential(old_cred, resolve_key=rotated.resolve, now=NOW).check("proof").status == "ok"
    new_cred = issue_credential(sample_credential(rotated.active.did), rotated.signer(kek()))
    assert verify_credential(new_cred, resolve_key=rotated.resolve, now=NOW).check("proof").status == "ok"


def test_issuer_must_be_the_signing_key() -> None:
    ring, other = centre_ring(), centre_ring()
    with pytest.raises(CredentialBuildError, match="not the DID of the signing key"):
        issue_credential(sample_credential(ring.active.did), other.signer(kek()))


# ---- the credential ---------------------------------------------------------------------------------------

def test_issued_credential_shape(issued) -> None:
    cred = issued["credential"]
    assert cred["@context"] == ["https://www.w3.org/ns/credentials/v2", OB_V3P0]
    assert cred["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert cred["issuer"]["id"] == issued["ring"].active.did and cred["issuer"]["id"].startswith("did:key:z6Mk")
    assert cred["issuer"]["name"] == "«Цифрлық біліктілік» тану орталығы"
    others = {e["identifierType"]: e["identifier"] for e in cred["issuer"]["otherIdentifier"]}
    assert others["ext:name-ru"].startswith("Центр") and others["ext:accreditationNumber"] == "ACC-2024-017"
    subject = cred["credentialSubject"]
    assert subject["licenseNumber"] == "ICT-2025-000017"
    name_id, iin_id = subject["identifier"]
    assert name_id == {"type": "IdentityObject", "identityType": "name", "hashed": False,
                       "identityHash": "Әлия Сәрсенбаева"}
    assert iin_id["hashed"] is True and iin_id["identityType"] == "nationalIdentityNumber"
    assert iin_id["identityHash"] == identity_hash(valid_iin(), iin_id["salt"])
    assert valid_iin() not in json.dumps(cred)
    assert [e["statusListIndex"] for e in cred["credentialStatus"]] == ["4242", "4242"]  # strings, as specified
    assert [a["targetType"] for a in subject["achievement"]["alignment"]] == ["CFItem", "ext:LevelPage"]
    proof = cred["proof"]
    assert (proof["type"], proof["cryptosuite"], proof["proofPurpose"]) == (
        "DataIntegrityProof", "eddsa-rdfc-2022", "assertionMethod")
    assert proof["verificationMethod"] == issued["ring"].active.key_id


def test_round_trip_verifies(issued) -> None:
    result = _verify(issued, issued["credential"])
    assert result.verified, result.failures()
    assert {c.name: c.status for c in result.checks} == {
        "structure": "ok", "contexts": "ok", "terms": "ok", "proof": "ok", "validity": "ok", "status": "ok",
        "issuer": "not-checked"}
    # did:key alone (no key ring) verifies too: the key is in the DID
    assert verify_credential(issued["credential"], now=NOW).check("proof").status == "ok"


def _set(path: tuple, value: Any) -> Callable[[dict], None]:
    def apply(doc: dict) -> None:
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return apply


TAMPERS: dict[str, Callable[[dict], None]] = {
    "credential name": _set(("name",), "Forged"),
    "achievement name": _set(("credentialSubject", "achievement", "name"), "Бас сәулетші, ҰБШ 8"),
    "issuer name": _set(("issuer", "name"), "Басқа орталық"),
    "holder name": _set(("credentialSubject", "identifier", 0, "identityHash"), "Someone Else"),
    "certificate number": _set(("credentialSubject", "licenseNumber"), "ICT-2025-000018"),
    "validFrom": _set(("validFrom",), "2024-03-01T00:00:00Z"),
    "validUntil": _set(("validUntil",), "2040-03-01T00:00:00Z"),
    "alignment url": _set(("credentialSubject", "achievement", "alignment", 0, "targetUrl"),
                          "https://qualframe.example.kz/levels/3.1-10"),
    "status index": _set(("credentialStatus", 0, "statusListIndex"), "4243"),
    "status list url": _set(("credentialStatus", 0, "statusListCredential"), "https://evil.example/list"),
    "proof value": lambda d: d["proof"].__setitem__(
        "proofValue", d["proof"]["proofValue"][:-3] + ("111" if d["proof"]["proofValue"][-3:] != "111" else "222")),
    "proof created": _set(("proof", "created"), "2025-03-02T10:00:00Z"),
    "undefined term": _set(("credentialSubject", "grade"), "excellent"),
    "undefined term at top": _set(("isGenuine",), True),
    "relative IRI": _set(("credentialSubject", "achievement", "id"), "programmes/3.1-07"),
    "relative image IRI": _set(("issuer", "image"), "logo.png"),
    "unknown context": lambda d: d["@context"].append("https://evil.example/ctx.json"),
}


@pytest.mark.parametrize("name", sorted(TAMPERS))
def test_tampering_is_rejected(issued, name: str) -> None:
    tampered = copy.deepcopy(issued["credential"])
    TAMPERS[name](tampered)
    result = _verify(issued, tampered)
    assert not result.verified, name
    assert result.failures()


def test_undefined_term_would_pass_a_lax_canonicaliser_but_is_refused(issued) -> None:
    from pyld import jsonld

    from qualframe.credentials.jsonld import document_loader

    tampered = copy.deepcopy(issued["credential"])
    tampered["credentialSubject"]["grade"] = "excellent"
    lax = {"algorithm": "URDNA2015", "format": "application/n-quads", "base": None, "documentLoader": document_loader}
    strip = lambda d: {k: v for k, v in d.items() if k != "proof"}  # noqa: E731
    # plain pyld drops the term: the signed dataset is unchanged, so a signature check alone would pass
    assert jsonld.normalize(strip(tampered), lax) == jsonld.normalize(strip(issued["credential"]), lax)
    result = _verify(issued, tampered)
    assert result.check("terms").status == "failed"
    assert "grade" in result.check("terms").reasons[0]
    assert result.check("proof").status == "failed" and "cannot canonicalise" in result.check("proof").reasons[0]


def test_undefined_terms_and_relative_iris_refused_on_issue(issued) -> None:
    base = sample_credential(issued["ring"].active.did)
    for mutate in (TAMPERS["undefined term"], TAMPERS["relative IRI"]):
        doc = copy.deepcopy(base)
        mutate(doc)
        with pytest.raises(CanonicalizationError):
            issue_credential(doc, issued["signer"])


def test_validity_dates(issued) -> None:
    cred = issued["credential"]
    early = verify_credential(cred, now=datetime(2025, 1, 1, tzinfo=UTC))
    late = verify_credential(cred, now=datetime(2031, 1, 1, tzinfo=UTC))
    assert early.check("validity").status == "failed" and "not yet valid" in early.check("validity").reasons[0]
    assert late.check("validity").status == "failed" and "expired" in late.check("validity").reasons[0]
    assert not early.verified and not late.verified


def test_revocation_and_suspension(issued) -> None:
    did, signer = issued["ring"].active.did, issued["signer"]
    revoked = _verify(issued, issued["credential"], status_lists(did, signer, revoked={4242}))
    assert revoked.revoked and not revoked.suspended and not revoked.verified
    suspended = _verify(issued, issued["credential"], status_lists(did, signer, suspended={4242}))
    assert suspended.suspended and not suspended.revoked and not suspended.verified
    neighbours = _verify(issued, issued["credential"], status_lists(did, signer, revoked={4241, 4243}))
    assert neighbours.verified, neighbours.failures()


def test_status_list_of_another_issuer_is_refused(issued) -> None:
    other = centre_ring()
    lists = status_lists(other.active.did, other.signer(kek()))
    result = _verify(issued, issued["credential"], lists)
    assert result.check("status").status == "failed"
    assert "not by the credential's issuer" in result.check("status").reasons[0]


def test_issuer_callback(issued) -> None:
    seen = []

    def registry(issuer: str, issued_at: datetime | None, methods: list[str]) -> tuple[bool, str]:
        seen.append((issuer, issued_at, methods))
        return issuer == issued["ring"].active.did, "accredited on the issue date"

    ok = _verify(issued, issued["credential"], check_issuer=registry)
    assert ok.check("issuer").status == "ok" and ok.verified
    assert seen[0] == (issued["ring"].active.did, datetime(2025, 3, 1, tzinfo=UTC), [issued["ring"].active.key_id])
    refused = _verify(issued, issued["credential"], check_issuer=lambda *a: (False, "unknown centre"))
    assert refused.check("issuer").reasons == ["unknown centre"] and not refused.verified


def test_proof_sets_and_chains_round_trip() -> None:
    a, b, c = (Ed25519Signer(bytes([i]) * 32) for i in (1, 2, 3))
    doc = load("vectors/w3c-proof-set-1.json") if VC_DIR.is_dir() else None
    if doc is None:
        pytest.skip("needs ../shared/standards/vc for the example document")
    doc.pop("proof")
    doc = create_proof(doc, a, proof_id="urn:uuid:a", created="2025-01-01T00:00:00Z")
    doc = create_proof(doc, b, proof_id="urn:uuid:b", created="2025-01-01T00:00:00Z")
    doc = create_proof(doc, c, previous_proof=["urn:uuid:a", "urn:uuid:b"], created="2025-01-02T00:00:00Z")
    assert [r.status for r in verify_proofs(doc)] == ["ok", "ok", "ok"]
    doc["proof"][0]["created"] = "2025-01-01T00:00:01Z"
    assert [r.status for r in verify_proofs(doc)] == ["failed", "ok", "failed"]


def test_presentation(issued) -> None:
    holder = Ed25519Signer(bytes([9]) * 32)
    vp = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
          "verifiableCredential": [issued["credential"]]}
    signed = create_proof(vp, holder, proof_purpose="authentication", challenge="c-123", domain="verifier.example")
    result = verify_presentation(signed, challenge="c-123", domain="verifier.example", now=NOW,
                                 resolve_status_list=issued["lists"].get)
    assert result.verified, result.failures()
    assert verify_document(signed, challenge="c-123", domain="verifier.example", now=NOW).verified
    wrong = verify_presentation(signed, challenge="other", now=NOW)
    assert not wrong.verified and wrong.check("proof").status == "failed"
    tampered = copy.deepcopy(signed)
    tampered["verifiableCredential"][0]["name"] = "Forged"
    bad = verify_presentation(tampered, now=NOW)
    assert not bad.verified
    assert bad.check("credentials").status == "failed"
    with pytest.raises(UnusableInput):
        verify_document({"hello": "world"})


def test_deeply_nested_input_is_refused_not_crashed(issued) -> None:
    deep = copy.deepcopy(issued["credential"])
    node = deep["credentialSubject"]
    for _ in range(5000):
        node["x"] = {}
        node = node["x"]
    with pytest.raises(UnusableInput, match="nests deeper"):
        verify_credential(deep)


# ---- an independent implementation --------------------------------------------------------------------------

@needs_vc
def test_independent_verifier_agrees(issued) -> None:
    """openvc-core (PyPI), offline with its own did:key resolver, verifies what qualframe signed."""
    from openvc.proof.data_integrity import DataIntegrityProofSuite
    from openvc.proof.errors import SignatureInvalid

    contexts = {OB_V3P0: json.loads(context_bytes(OB_V3P0)), EXAMPLES_V2: json.loads(context_bytes(EXAMPLES_V2))}
    suite = DataIntegrityProofSuite()
    result = suite.verify(issued["credential"], extra_contexts=contexts, now=NOW)
    assert result.issuer == issued["ring"].active.did
    # and it agrees with us on the published vector, and on a tampered copy
    suite.verify(load("vectors/w3c-eddsa-rdfc-2022-signed.json"), extra_contexts=contexts)
    tampered = copy.deepcopy(issued["credential"])
    tampered["credentialSubject"]["licenseNumber"] = "ICT-2025-999999"
    with pytest.raises(SignatureInvalid):
        suite.verify(tampered, extra_contexts=contexts, now=NOW)


# ---- CLI ------------------------------------------------------------------------------------------------------

runner = CliRunner()


def test_cli_verify(issued, tmp_path) -> None:
    cred = tmp_path / "cert.json"
    cred.write_text(json.dumps(issued["credential"]), encoding="utf-8")
    listed = tmp_path / "revocation.json"
    listed.write_text(json.dumps(issued["lists"][REVOCATION_LIST]), encoding="utf-8")
    ok = runner.invoke(app, ["credential", "verify", str(cred), "--status-list", str(listed), "--json"])
    assert ok.exit_code == 0, ok.output
    body = json.loads(ok.stdout)
    assert body["verified"] is True and body["revoked"] is False
    text = runner.invoke(app, ["credential", "verify", str(cred)])
    assert text.exit_code == 0 and "VALID" in text.stdout and "proof" in text.stdout

    revoked = tmp_path / "revoked-list.json"
    revoked.write_text(json.dumps(status_lists(issued["ring"].active.did, issued["signer"], revoked={4242})[
        REVOCATION_LIST]), encoding="utf-8")
    res = runner.invoke(app, ["credential", "verify", str(cred), "--status-list", str(revoked)])
    assert res.exit_code == 1 and "REVOKED" in res.stdout and "bit 4242" in res.stdout

    bad = copy.deepcopy(issued["credential"])
    bad["validUntil"] = "2099-01-01T00:00:00Z"
    cred.write_text(json.dumps(bad), encoding="utf-8")
    res = runner.invoke(app, ["credential", "verify", str(cred), "--json"])
    assert res.exit_code == 1 and json.loads(res.stdout)["verified"] is False

    cred.write_text("{not json", encoding="utf-8")
    assert runner.invoke(app, ["credential", "verify", str(cred)]).exit_code == 2
    cred.write_text('{"name": "just an object"}', encoding="utf-8")
    assert runner.invoke(app, ["credential", "verify", str(cred)]).exit_code == 2
    assert runner.invoke(app, ["credential", "verify", str(tmp_path / "absent.json")]).exit_code == 2
    assert runner.invoke(app, ["credential", "verify", str(cred), "--online"]).exit_code == 2


@needs_vc
def test_cli_verify_samples() -> None:
    samples = VC_DIR / "samples"
    pair = load("vectors/ob3-keyPair.json")
    vm = f"https://1edtech.edu/issuers/565049#{pair['publicKeyMultibase']}"
    res = runner.invoke(app, ["credential", "verify", str(samples / "credential-status-revoked.json"),
                              "--status-list", str(samples / "status-list-index-23.json"),
                              "--key", f"{vm}={pair['publicKeyMultibase']}"])
    assert res.exit_code == 1 and "REVOKED" in res.stdout
    res = runner.invoke(app, ["credential", "verify", str(samples / "simple-did-key-method.json")])
    assert res.exit_code == 0, res.stdout
    # an https verification method cannot be resolved offline without --key: invalid, with the reason
    res = runner.invoke(app, ["credential", "verify", str(samples / "simple.json")])
    assert res.exit_code == 1 and "cannot be resolved offline" in res.stdout
