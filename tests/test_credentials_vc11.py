"""Plain Verifiable Credentials, VC 1.1 and VC 2.0: the derived Data Integrity v2 context against the pinned VC 2.0
definitions and the published W3C eddsa-rdfc-2022 vector (in VC 1.1 form), then issuing through
POST /credentials/issue and verifying through POST /credentials/verify, the CLI and an independent verifier
(openvc-core), on SQLite and PostgreSQL; tampered copies, undefined terms and relative IRIs are refused."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from typer.testing import CliRunner

from certificates_helpers import bearer, kek_env, make_centre  # noqa: F401
from credentials_helpers import load, needs_vc, read_text
from qualframe.cli import app
from qualframe.credentials.dataintegrity import create_proof, verify_proofs
from qualframe.credentials.didkey import decode_private_key_multibase
from qualframe.credentials.jsonld import (
    CREDENTIALS_V1,
    CREDENTIALS_V2,
    DATA_INTEGRITY_V2,
    ContextNotAllowed,
    canonicalize,
    context_bytes,
    data_integrity_v2,
    document_loader,
    expand_strict,
)
from qualframe.credentials.keys import Ed25519Signer
from qualframe.credentials.verify import verify_credential

runner = CliRunner()
VM = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"


# --- the contexts ----------------------------------------------------------------------------------------------

def _proof_config(ctx: Any) -> dict[str, Any]:
    """A VerifiableCredential carrying a DataIntegrityProof that uses every term the context defines."""
    return {"@context": ctx, "id": "urn:uuid:6f1c", "type": "VerifiableCredential",
            "digestMultibase": "uEiBZlVztZpfWHgPyslVv6-UwirFoQoRvW1htfx963sknNA",
            "proof": {"id": "urn:uuid:p2", "type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
                      "created": "2024-05-01T10:00:00Z", "expires": "2030-01-01T00:00:00Z",
                      "verificationMethod": VM, "proofPurpose": "assertionMethod", "challenge": "c-1",
                      "domain": "example.kz", "nonce": "n-1", "previousProof": "urn:uuid:p1",
                      "proofValue": "z3FXQ7zvGvTqp3b3qNC1ehxV8yhLBdHgSjZxqV8j3ZAYkvgBgMhP8kVTv5U4xT2Zrg6nP5eZQ"}}


@pytest.mark.parametrize("purpose", ["assertionMethod", "authentication", "capabilityInvocation"])
def test_derived_data_integrity_context_expands_exactly_like_credentials_v2(purpose: str) -> None:
    """Every term of the derived context (proof, DataIntegrityProof and its scoped terms, digestMultibase) expands
    under [VC 1.1, Data Integrity v2] to the same IRIs, datatypes and graph containers as under VC 2.0."""
    v2 = _proof_config(CREDENTIALS_V2)
    v2["proof"]["proofPurpose"] = purpose
    v11 = {**copy.deepcopy(v2), "@context": [CREDENTIALS_V1, DATA_INTEGRITY_V2]}
    expanded = expand_strict(v11)
    assert expanded == expand_strict(v2)
    proof_graph = expanded[0]["https://w3id.org/security#proof"][0]["@graph"][0]
    assert proof_graph["@type"] == ["https://w3id.org/security#DataIntegrityProof"]
    assert proof_graph["https://w3id.org/security#cryptosuite"][0]["@type"] == \
        "https://w3id.org/security#cryptosuiteString"
    assert canonicalize(v11) == canonicalize(v2)
    # the derived document holds those three terms and nothing else
    assert set(data_integrity_v2()["@context"]) == {"id", "type", "@protected", "proof", "DataIntegrityProof",
                                                    "digestMultibase"}


def test_loader_serves_vc11_and_data_integrity_v2_only_pinned() -> None:
    v1 = json.loads(context_bytes(CREDENTIALS_V1))
    assert v1["@context"]["VerifiableCredential"]["@id"] == "https://www.w3.org/2018/credentials#VerifiableCredential"
    assert document_loader(DATA_INTEGRITY_V2)["document"] == data_integrity_v2()
    for url in ("https://w3id.org/security/data-integrity/v1", "https://www.w3.org/2018/credentials/examples/v1",
                "https://w3id.org/vc/status-list/2021/v1"):
        with pytest.raises(ContextNotAllowed):
            document_loader(url)


def _vector_in_vc11_form() -> tuple[dict[str, Any], dict[str, Any]]:
    """The W3C eddsa-rdfc-2022 vector with VC 1.1 + Data Integrity v2 contexts; the terms the examples context gave
    it (and validFrom, not a VC 1.1 term) are defined inline with the same IRIs, so the RDF dataset is unchanged."""
    signed = load("vectors/w3c-eddsa-rdfc-2022-signed.json")
    proof = signed.pop("proof")
    signed["@context"] = [CREDENTIALS_V1, DATA_INTEGRITY_V2, {
        "name": "https://schema.org/name", "description": "https://schema.org/description",
        "AlumniCredential": "https://www.w3.org/ns/credentials/examples#AlumniCredential",
        "alumniOf": "https://www.w3.org/ns/credentials/examples#alumniOf",
        "validFrom": {"@id": "https://www.w3.org/2018/credentials#validFrom",
                      "@type": "http://www.w3.org/2001/XMLSchema#dateTime"}}]
    return signed, proof


@needs_vc
def test_w3c_vector_in_vc11_form_is_byte_exact_and_resigns_to_the_published_proof() -> None:
    doc, proof = _vector_in_vc11_form()
    config = {k: v for k, v in proof.items() if k != "proofValue"} | {"@context": doc["@context"]}
    assert canonicalize(doc) == read_text("vectors/w3c-eddsa-rdfc-2022-canon-document.nq")
    assert canonicalize(config) == read_text("vectors/w3c-eddsa-rdfc-2022-canon-proof.nq")
    seed = decode_private_key_multibase(load("vectors/w3c-eddsa-keyPair.json")["privateKeyMultibase"])
    resigned = create_proof(doc, Ed25519Signer(seed, proof["verificationMethod"]), created=proof["created"])
    assert resigned["proof"]["proofValue"] == proof["proofValue"]
    secured = {**doc, "proof": proof}
    assert [r.status for r in verify_proofs(secured)] == ["ok"]
    secured["credentialSubject"] = {**secured["credentialSubject"], "alumniOf": "Elsewhere"}
    assert [r.status for r in verify_proofs(secured)] == ["failed"]


@needs_vc
def test_vc11_without_the_data_integrity_context_or_issuance_date_is_refused_precisely() -> None:
    doc, proof = _vector_in_vc11_form()
    no_di = {**doc, "@context": [CREDENTIALS_V1, doc["@context"][2]], "proof": proof}
    result = verify_credential(no_di)
    assert not result.verified
    assert any(DATA_INTEGRITY_V2 in r for r in result.check("contexts").reasons)
    # VC 1.1 requires issuanceDate (the vector carries validFrom, defined inline above)
    result = verify_credential({**doc, "proof": proof})
    assert result.check("proof").status == "ok"
    assert result.check("structure").reasons == ["issuanceDate is missing (required by VC 1.1)"]


# --- issue and verify through the VC API ----------------------------------------------------------------------

SUBJECT = {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21"}
SHAPES = {
    "vc11-no-issuer": {"@context": [CREDENTIALS_V1], "type": ["VerifiableCredential"], "credentialSubject": SUBJECT},
    "vc11-issuer-object": {"@context": [CREDENTIALS_V1, DATA_INTEGRITY_V2], "type": ["VerifiableCredential"],
                           "issuer": {}, "issuanceDate": "2026-01-10T00:00:00Z",
                           "expirationDate": "2031-01-10T00:00:00Z", "credentialSubject": SUBJECT},
    "vc20-no-issuer": {"@context": [CREDENTIALS_V2], "type": ["VerifiableCredential"], "credentialSubject": SUBJECT},
    "vc20-issuer-object": {"@context": [CREDENTIALS_V2], "type": ["VerifiableCredential"], "issuer": {},
                           "name": "Plain credential", "validFrom": "2026-01-10T00:00:00Z",
                           "validUntil": "2031-01-10T00:00:00Z", "credentialSubject": SUBJECT},
}


@pytest.fixture
def centre(make_client, kek_env) -> dict[str, Any]:  # noqa: F811
    c = make_client()
    return {"client": c, "store": c.app.state.qf.store, "token": make_centre(c.app.state.qf.store)}


def _issue(centre: dict[str, Any], credential: dict[str, Any], **options: Any) -> Any:
    return centre["client"].post("/credentials/issue", json={"credential": credential, "options": options},
                                 headers=bearer(centre["token"]))


def _verify(client: Any, credential: dict[str, Any]) -> Any:
    return client.post("/credentials/verify", json={"verifiableCredential": credential})


TAMPER = {
    "subject": lambda d: d["credentialSubject"].__setitem__("id", "did:example:someone-else"),
    "start": lambda d: d.__setitem__(next(k for k in ("issuanceDate", "validFrom") if k in d), "2026-01-01T00:00:00Z"),
    "proof-created": lambda d: d["proof"].__setitem__("created", "2020-01-01T00:00:00Z"),
    "status-index": lambda d: d["credentialStatus"][0].__setitem__("statusListIndex", "77"),
    "undefined-term": lambda d: d["credentialSubject"].__setitem__("undefinedTerm", 1),
    "issuer": lambda d: d.__setitem__("issuer", "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"),
    "context": lambda d: d["@context"].pop(),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_vc_api_issues_and_verifies_plain_credentials(centre, shape: str) -> None:
    c = centre["client"]
    r = _issue(centre, SHAPES[shape])
    assert r.status_code == 201, r.text
    vc = r.json()["verifiableCredential"]
    did = c.get("/api/v1/orgs/kazcert").json()["did"]
    assert (vc["issuer"]["id"] if isinstance(vc["issuer"], dict) else vc["issuer"]) == did
    assert vc["proof"]["type"] == "DataIntegrityProof" and vc["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert [e["statusPurpose"] for e in vc["credentialStatus"]] == ["revocation", "suspension"]
    if shape.startswith("vc11"):
        assert vc["@context"][:2] == [CREDENTIALS_V1, DATA_INTEGRITY_V2] and "issuanceDate" in vc
        assert "validFrom" not in vc
    else:
        assert vc["@context"][0] == CREDENTIALS_V2 and "validFrom" in vc and "issuanceDate" not in vc
    ok = _verify(c, vc)
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert body["verified"] is True and {"proof", "status", "issuer", "terms"} <= set(body["checks"])
    for name, mutate in TAMPER.items():
        bad = copy.deepcopy(vc)
        mutate(bad)
        r = _verify(c, bad)
        assert r.status_code == 422, (name, r.text)
        assert r.json()["verified"] is False and r.json()["errors"], name


def test_vc_api_refuses_bad_plain_credentials_with_the_reason(centre) -> None:
    v11 = SHAPES["vc11-no-issuer"]
    cases = {
        "credential.validFrom: not a VC 1.1 term": {**v11, "validFrom": "2026-01-10T00:00:00Z"},
        "credential.issuanceDate: not a VC 2.0 term": {**SHAPES["vc20-no-issuer"],
                                                       "issuanceDate": "2026-01-10T00:00:00Z"},
        "https://www.w3.org/2018/credentials/examples/v1": {
            **v11, "@context": [CREDENTIALS_V1, "https://www.w3.org/2018/credentials/examples/v1"]},
        "undefined term 'degree'": {**v11, "credentialSubject": {**SUBJECT, "degree": "BSc"}},
        "relative IRI 'people/42'": {**v11, "credentialSubject": {"id": "people/42"}},
        "the first context must be": {**v11, "@context": ["https://example.org/context"]},
        "credential.type": {**v11, "type": ["AlumniCredential"]},
        "credential.issuer": {**v11, "issuer": "did:example:not-this-centre"},
        "credential.credentialStatus: must be absent": {**v11, "credentialStatus": {"id": "urn:x"}},
    }
    for expected, credential in cases.items():
        r = _issue(centre, credential)
        assert r.status_code == 422, (expected, r.text)
        assert expected in r.json()["error"]["message"], (expected, r.json())
    r = _issue(centre, v11, verificationMethod="did:peer")
    assert r.status_code == 422 and "verificationMethod" in r.json()["error"]["message"]
    # nothing was issued by the refusals
    with centre["store"].engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM certificates").scalar() == 0


def test_vc11_revocation_and_cli_verification(centre, tmp_path) -> None:
    c = centre["client"]
    vc = _issue(centre, SHAPES["vc11-issuer-object"]).json()["verifiableCredential"]
    entry = vc["credentialStatus"][0]
    path = "/" + entry["statusListCredential"].split("://", 1)[1].split("/", 1)[1]
    cred_file, list_file = tmp_path / "vc11.json", tmp_path / "revocation.json"
    cred_file.write_text(json.dumps(vc), encoding="utf-8")
    list_file.write_text(c.get(path).text, encoding="utf-8")
    res = runner.invoke(app, ["credential", "verify", str(cred_file), "--status-list", str(list_file), "--json"])
    assert res.exit_code == 0, res.stdout
    out = json.loads(res.stdout)
    assert out["verified"] is True and out["revoked"] is False
    assert out["checks"][0]["reasons"] == ["a VerifiableCredential (VC 1.1)"]
    tampered = copy.deepcopy(vc)
    tampered["expirationDate"] = "2040-01-10T00:00:00Z"
    (tmp_path / "tampered.json").write_text(json.dumps(tampered), encoding="utf-8")
    res = runner.invoke(app, ["credential", "verify", str(tmp_path / "tampered.json")])
    assert res.exit_code == 1 and "INVALID" in res.stdout and "signature does not verify" in res.stdout

    body = {"credentialId": vc["id"], "credentialStatus": [{"type": "BitstringStatusListCredential",
                                                            "status": "revoked"}], "reason": "issued in error"}
    assert c.post("/credentials/status", json=body, headers=bearer(centre["token"])).status_code == 200
    r = _verify(c, vc)
    assert r.status_code == 422 and r.json()["result"]["revoked"] is True
    list_file.write_text(c.get(path).text, encoding="utf-8")
    res = runner.invoke(app, ["credential", "verify", str(cred_file), "--status-list", str(list_file)])
    assert res.exit_code == 1 and "REVOKED" in res.stdout


@needs_vc
def test_independent_verifier_accepts_qualframe_plain_vc11_and_vc20(centre) -> None:
    """openvc-core (PyPI) verifies the plain credentials the API issued, and refuses tampered copies.

    openvc refuses, by policy, inline context objects other than @vocab; the VC 1.1 credential's inline context
    (the VC 2.0 definition of BitstringStatusListEntry) is therefore handed to it under a URL instead. Contexts
    are not part of the RDF dataset, so the signed N-Quads, and the signature check, are unchanged.
    """
    from openvc.proof.data_integrity import DataIntegrityProofSuite
    from openvc.proof.errors import SignatureInvalid

    suite = DataIntegrityProofSuite()
    contexts = {url: json.loads(context_bytes(url)) for url in (CREDENTIALS_V1, DATA_INTEGRITY_V2)}
    for shape in ("vc11-issuer-object", "vc20-issuer-object", "vc11-no-issuer"):
        vc = _issue(centre, SHAPES[shape]).json()["verifiableCredential"]
        inline = [i for i, ctx in enumerate(vc["@context"]) if isinstance(ctx, dict)]
        extra = dict(contexts)
        for i in inline:
            url = f"urn:qualframe:test:inline-context:{i}"
            extra[url] = {"@context": vc["@context"][i]}
            vc["@context"][i] = url
        assert bool(inline) == shape.startswith("vc11")
        verified = suite.verify(vc, extra_contexts=extra)
        assert verified.issuer == (vc["issuer"]["id"] if isinstance(vc["issuer"], dict) else vc["issuer"])
        tampered = copy.deepcopy(vc)
        tampered["credentialSubject"]["id"] = "did:example:someone-else"
        with pytest.raises(SignatureInvalid):
            suite.verify(tampered, extra_contexts=extra)
