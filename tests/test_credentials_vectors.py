"""The published W3C eddsa-rdfc-2022 and Open Badges 3.0 vectors and the 1EdTech validator samples, byte-exactly."""

from __future__ import annotations

import copy
import hashlib

import pytest

from credentials_helpers import VC_DIR, load, needs_vc, read_text
from qualframe.credentials.dataintegrity import create_proof, did_key_resolver, verify_proofs
from qualframe.credentials.didkey import (
    decode_private_key_multibase,
    decode_public_key_multibase,
    did_key,
    public_key_multibase,
    resolve_did_key,
)
from qualframe.credentials.jsonld import CONTEXTS, ContextNotAllowed, canonicalize, context_bytes, document_loader
from qualframe.credentials.keys import Ed25519Signer
from qualframe.credentials.statuslist import StatusList
from qualframe.credentials.verify import verify_credential

pytestmark = needs_vc


def _split(signed: dict) -> tuple[dict, dict]:
    doc = copy.deepcopy(signed)
    proof = doc.pop("proof")
    return doc, proof


def _config(proof: dict, doc: dict) -> dict:
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    config["@context"] = doc["@context"]
    return config


@pytest.mark.parametrize("url", sorted(CONTEXTS))
def test_shipped_contexts_equal_the_shared_copies(url: str) -> None:
    filename, digest = CONTEXTS[url]
    shared = (VC_DIR / "contexts" / filename).read_bytes()
    assert context_bytes(url) == shared
    assert hashlib.sha256(shared).hexdigest() == digest


def test_loader_refuses_unknown_urls() -> None:
    with pytest.raises(ContextNotAllowed):
        document_loader("https://www.w3.org/2018/credentials/examples/v1")  # VC 1.1 itself is served: pyld bundles it
    with pytest.raises(ContextNotAllowed):
        document_loader("https://evil.example/context.json")


def test_w3c_vector_canonical_forms_and_signature() -> None:
    signed = load("vectors/w3c-eddsa-rdfc-2022-signed.json")
    doc, proof = _split(signed)
    assert canonicalize(doc) == read_text("vectors/w3c-eddsa-rdfc-2022-canon-document.nq")
    assert canonicalize(_config(proof, doc)) == read_text("vectors/w3c-eddsa-rdfc-2022-canon-proof.nq")

    pair = load("vectors/w3c-eddsa-keyPair.json")
    seed = decode_private_key_multibase(pair["privateKeyMultibase"])
    signer = Ed25519Signer(seed, proof["verificationMethod"])
    assert public_key_multibase(signer.public_key) == pair["publicKeyMultibase"]
    resigned = create_proof(doc, signer, created=proof["created"])
    assert resigned["proof"]["proofValue"] == proof["proofValue"]  # Ed25519 is deterministic

    result = verify_credential(signed)
    assert result.verified, result.failures()
    assert [p.status for p in result.proofs] == ["ok"]


def test_w3c_vector_signature_breaks_on_any_change() -> None:
    signed = load("vectors/w3c-eddsa-rdfc-2022-signed.json")
    signed["credentialSubject"]["alumniOf"] = "The School of Counter-Examples"
    result = verify_credential(signed)
    assert not result.verified
    assert result.check("proof").status == "failed"


def test_ob3_vector_canonical_forms_resign_and_verify() -> None:
    signed = load("vectors/ob3-signed.json")
    pair = load("vectors/ob3-keyPair.json")
    doc, proof = _split(signed)
    assert canonicalize(doc) == read_text("vectors/ob3-canon-document.nq")
    assert canonicalize(_config(proof, doc)) == read_text("vectors/ob3-canon-proof.nq")

    signer = Ed25519Signer(bytes.fromhex(pair["privateKeySeedHex"]), pair["verificationMethod"])
    assert signer.public_key.hex() == pair["publicKeyHex"]
    resigned = create_proof(doc, signer, created=pair["created"])
    assert resigned["proof"]["proofValue"] == pair["proofValue"] == proof["proofValue"]

    # the https verification method resolves to the key pair's public key (from the file, never the network)
    keys = {pair["verificationMethod"]: bytes.fromhex(pair["publicKeyHex"])}
    result = verify_credential(signed, resolve_key=keys.get)
    assert result.verified, result.failures()
    # without that resolver the method cannot be resolved offline: not verified, and it says why
    offline = verify_credential(signed)
    assert not offline.verified
    assert "cannot be resolved offline" in offline.check("proof").reasons[0]


@pytest.mark.parametrize("name", ["w3c-proof-set-1.json", "w3c-proof-set-2.json", "w3c-proof-chain-1.json",
                                  "w3c-proof-chain-2.json"])
def test_proof_set_and_chain_vectors_verify(name: str) -> None:
    signed = load(f"vectors/{name}")
    results = verify_proofs(signed)
    assert results and all(r.status == "ok" for r in results), [r.reason for r in results]
    assert verify_credential(signed).verified


def test_proof_chain_fails_when_a_predecessor_changes() -> None:
    signed = load("vectors/w3c-proof-chain-2.json")
    # the second proof's value changes: it fails, and so does the chained proof that covers it
    value = signed["proof"][1]["proofValue"]
    signed["proof"][1]["proofValue"] = value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1]
    statuses = [r.status for r in verify_proofs(signed)]
    assert statuses[0] == "ok"
    assert statuses[1] == "failed"
    assert statuses[2] == "failed"  # previousProof names proof 1: it covers proof 1's bytes
    assert statuses[3] == "ok"  # chained to proof 2 only, which is unchanged


def test_proof_chain_missing_predecessor_is_reported() -> None:
    signed = load("vectors/w3c-proof-chain-2.json")
    del signed["proof"][0]
    results = verify_proofs(signed)
    assert any("previousProof" in r.reason and r.status == "failed" for r in results)


def test_did_key_round_trip_with_and_without_fragment() -> None:
    pair = load("vectors/w3c-eddsa-keyPair.json")
    pub = decode_public_key_multibase(pair["publicKeyMultibase"])
    did = did_key(pub)
    assert did == "did:key:" + pair["publicKeyMultibase"]
    assert resolve_did_key(did) == pub
    assert resolve_did_key(f"{did}#{pair['publicKeyMultibase']}") == pub
    with pytest.raises(ValueError):
        resolve_did_key(f"{did}#z6MkSomethingElse")
    assert did_key_resolver("https://example.com/key#1") is None


# The 1EdTech samples name https verification methods whose fragment is the key's multikey. The only key pair
# published with them is the OB3 one; for the others this test-only resolver takes the key from the fragment
# (qualframe's own resolvers never do: a URL's fragment proves nothing about who controls the key).
def sample_resolver(vm: str) -> bytes | None:
    if vm.startswith("did:key:"):
        return resolve_did_key(vm)
    pair = load("vectors/ob3-keyPair.json")
    fragment = vm.partition("#")[2]
    if fragment == pair["publicKeyMultibase"]:
        return bytes.fromhex(pair["publicKeyHex"])
    return decode_public_key_multibase(fragment)


@pytest.mark.parametrize("name", ["simple.json", "simple-did-key-method.json", "complete.json"])
def test_samples_verify(name: str) -> None:
    result = verify_credential(load(f"samples/{name}"), resolve_key=sample_resolver)
    assert result.verified, result.failures()


def test_sample_with_a_bare_did_key_needs_no_resolver() -> None:
    result = verify_credential(load("samples/simple-did-key-method.json"))
    assert result.verified, result.failures()


def test_sample_with_a_broken_signature_is_rejected() -> None:
    result = verify_credential(load("samples/simple-err-proof-value.json"), resolve_key=sample_resolver)
    assert not result.verified
    assert result.check("proof").status == "failed"
    assert "signature does not verify" in result.check("proof").reasons[0]


def test_sample_with_an_unknown_proof_type() -> None:
    result = verify_credential(load("samples/simple-multiple-proofs.json"), resolve_key=sample_resolver)
    assert result.verified, result.failures()
    assert [(p.type, p.status) for p in result.proofs] == [("SomeProofType", "not-checked"),
                                                           ("DataIntegrityProof", "ok")]
    assert any("SomeProofType" in r and "not supported" in r for r in result.check("proof").reasons)


def test_only_unknown_proofs_is_not_verified() -> None:
    doc = load("samples/simple-multiple-proofs.json")
    doc["proof"] = doc["proof"][:1]
    result = verify_credential(doc, resolve_key=sample_resolver)
    assert not result.verified
    assert result.check("proof").status == "failed"


def test_revoked_sample_with_its_status_list() -> None:
    status_list = load("samples/status-list-index-23.json")
    result = verify_credential(load("samples/credential-status-revoked.json"), resolve_key=sample_resolver,
                               resolve_status_list=lambda url: status_list)
    assert result.check("proof").status == "ok"
    assert result.check("status").status == "failed"
    assert result.revoked and not result.suspended
    assert not result.verified
    assert "bit 23" in result.check("status").reasons[0]
    # without the list, the status is not checked (and says so) rather than assumed
    unknown = verify_credential(load("samples/credential-status-revoked.json"), resolve_key=sample_resolver)
    assert unknown.check("status").status == "not-checked"


def test_status_list_sample_bit_order() -> None:
    listed = load("samples/status-list-index-23.json")
    bits = StatusList.decode(listed["credentialSubject"]["encodedList"])
    assert len(bits) == 131_072
    assert bits.get(23) and not bits.get(22) and not bits.get(24)
    assert bits.set_indices() == [23]
    raw = bits.to_bytes()
    # a reader taking bit 0 as the least significant bit would look at the wrong bit and call it valid
    assert raw[2] == 0x01 and (raw[23 // 8] >> (23 % 8)) & 1 == 0


def test_status_list_with_a_bad_proof_is_not_trusted() -> None:
    status_list = load("samples/status-list-index-23.json")
    status_list["credentialSubject"]["encodedList"] = StatusList().encode()  # a forged all-clear list
    result = verify_credential(load("samples/credential-status-revoked.json"), resolve_key=sample_resolver,
                               resolve_status_list=lambda url: status_list)
    assert result.check("status").status == "failed"
    assert "does not verify" in result.check("status").reasons[0]
    assert not result.verified
