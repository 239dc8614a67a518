"""did:web for recognition centres, on SQLite and PostgreSQL: the DID and its document (every key, rotated ones
too, public keys only), issuing with `options.verificationMethod: "did:web"`, verification by the server from its
own database (no network), the status lists of did:web credentials, and the CLI, which needs the DID document
(--did-document FILE, or --online) and says so (exit 2) when it is missing."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from typer.testing import CliRunner

from certificates_helpers import bearer, kek_env, make_centre  # noqa: F401
from credentials_helpers import TEST_SECRET
from qualframe.cli import app
from qualframe.credentials import didweb
from qualframe.credentials.didkey import public_key_multibase
from qualframe.credentials.keys import Ed25519Signer, KeyEncryptionKey
from qualframe.store import accounts as acc
from qualframe.store import credentials as cs

runner = CliRunner()
HOST = "certs.example.kz"
DID = f"did:web:{HOST}:orgs:kazcert"
PLAIN = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
         "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21"}}


# --- pure ----------------------------------------------------------------------------------------------------

def test_did_web_names_and_urls() -> None:
    assert didweb.centre_did("Certs.Example.kz", "kazcert") == DID
    assert didweb.centre_did("localhost:8443", "kazcert") == "did:web:localhost%3A8443:orgs:kazcert"
    assert didweb.document_url(DID + "#z6Mk") == f"https://{HOST}/orgs/kazcert/did.json"
    assert didweb.document_url("did:web:localhost%3A8443:orgs:x") == "https://localhost:8443/orgs/x/did.json"
    assert didweb.document_url("did:web:example.com") == "https://example.com/.well-known/did.json"
    assert didweb.centre_slug(DID, HOST) == "kazcert"
    assert didweb.centre_slug(DID, "other.example.kz") is None
    assert didweb.centre_slug(f"did:web:{HOST}:people:kazcert", HOST) is None
    for bad in ("http://x", "exa mple.kz", "a/b", "x" * 80, "host:port"):
        with pytest.raises(didweb.DidWebError):
            didweb.encode_host(bad)
    for bad in ("did:key:z6Mk", "did:web:", "did:web:ex ample.com", "did:web:example.com:a/b"):
        with pytest.raises(didweb.DidWebError):
            didweb.parse(bad)


def test_did_document_resolution_holds_only_for_listed_controlled_methods() -> None:
    old, new = (Ed25519Signer(bytes([i]) * 32) for i in (1, 2))
    keys = [public_key_multibase(s.public_key) for s in (old, new)]
    doc = didweb.did_document(DID, keys)
    assert [m["id"] for m in doc["verificationMethod"]] == [f"{DID}#{k}" for k in keys]
    assert doc["assertionMethod"] == [f"{DID}#{k}" for k in keys]
    assert "privateKeyMultibase" not in json.dumps(doc)
    assert didweb.resolve_key(f"{DID}#{keys[0]}", doc) == old.public_key  # a rotated key still resolves
    assert didweb.resolve_key(f"{DID}#{keys[1]}", doc) == new.public_key
    cases = {
        "not a verification method": (f"{DID}#z6MkUnknown", doc),
        "not the document of": (f"{DID}#{keys[0]}", {**doc, "id": "did:web:evil.example"}),
        "not listed under assertionMethod": (f"{DID}#{keys[0]}",
                                             {**doc, "assertionMethod": doc["assertionMethod"][1:]}),
        "not controlled by": (f"{DID}#{keys[0]}", {**doc, "verificationMethod": [
            {**doc["verificationMethod"][0], "controller": "did:web:evil.example"}]}),
    }
    for expected, (vm, document) in cases.items():
        with pytest.raises(didweb.DidWebError, match=expected):
            didweb.resolve_key(vm, document)


# --- the instance ----------------------------------------------------------------------------------------------

@pytest.fixture
def centre(make_client, kek_env, monkeypatch) -> dict[str, Any]:  # noqa: F811
    monkeypatch.setenv(didweb.HOST_ENV, HOST)
    c = make_client()
    return {"client": c, "store": c.app.state.qf.store, "token": make_centre(c.app.state.qf.store)}


def _issue(centre: dict[str, Any], **options: Any) -> Any:
    return centre["client"].post("/credentials/issue", json={"credential": PLAIN, "options": options},
                                 headers=bearer(centre["token"]))


def _verify(client: Any, credential: dict[str, Any]) -> Any:
    return client.post("/credentials/verify", json={"verifiableCredential": credential})


def _status_list(client: Any, credential: dict[str, Any], purpose: str = "revocation") -> Any:
    entry = next(e for e in credential["credentialStatus"] if e["statusPurpose"] == purpose)
    return client.get("/" + entry["statusListCredential"].split("://", 1)[1].split("/", 1)[1])


def test_did_web_issue_serve_verify_rotate_and_revoke(centre) -> None:
    c = centre["client"]
    assert c.get("/orgs/kazcert/did.json").status_code == 404  # no key yet
    by_key = _issue(centre).json()["verifiableCredential"]  # did:key stays the default
    assert by_key["issuer"].startswith("did:key:")
    org = c.get("/api/v1/orgs/kazcert").json()
    assert org["did"] == by_key["issuer"] and org["did_web"] == DID

    r = _issue(centre, verificationMethod="did:web")
    assert r.status_code == 201, r.text
    vc = r.json()["verifiableCredential"]
    fingerprint = org["did"].removeprefix("did:key:")
    assert vc["issuer"] == DID and vc["proof"]["verificationMethod"] == f"{DID}#{fingerprint}"

    doc = c.get("/orgs/kazcert/did.json")
    assert doc.status_code == 200 and doc.headers["content-type"].startswith("application/did+ld+json")
    document = doc.json()
    assert document["id"] == DID and [m["publicKeyMultibase"] for m in document["verificationMethod"]] == [fingerprint]
    assert "sealed" not in doc.text and "private" not in doc.text.lower()
    assert c.get("/orgs/kazcert/did.json", headers={"if-none-match": doc.headers["etag"]}).status_code == 304

    ok = _verify(c, vc)
    assert ok.status_code == 200, ok.text
    assert any("kazcert" in r for r in ok.json()["result"]["checks"][6]["reasons"])  # issuer: the centre
    listed = _status_list(c, vc)
    assert listed.status_code == 200 and listed.json()["issuer"] == DID  # its status list is signed as did:web
    assert listed.json()["proof"]["verificationMethod"] == f"{DID}#{fingerprint}"
    evil = "did:web:evil.example:orgs:kazcert"
    for mutate in (lambda d: d["credentialSubject"].__setitem__("id", "did:example:other"),
                   lambda d: d["proof"].__setitem__("verificationMethod", f"{evil}#{fingerprint}"),
                   lambda d: d.__setitem__("issuer", "did:web:evil.example:orgs:kazcert")):
        bad = copy.deepcopy(vc)
        mutate(bad)
        assert _verify(c, bad).status_code == 422

    # rotation: the document lists both keys; the old credential keeps verifying, a new one uses the new key
    with acc.audited(centre["store"], acc.Actor("cli:test")) as tx:
        rotated = cs.rotate_key(tx, "kazcert", KeyEncryptionKey(TEST_SECRET))
    document = c.get("/orgs/kazcert/did.json").json()
    new_fp = rotated.public_key_multibase
    assert [m["publicKeyMultibase"] for m in document["verificationMethod"]] == [fingerprint, new_fp]
    assert _verify(c, vc).status_code == 200
    newer = _issue(centre, verificationMethod="did:web").json()["verifiableCredential"]
    assert newer["proof"]["verificationMethod"] == f"{DID}#{new_fp}"
    assert _verify(c, newer).status_code == 200

    body = {"credentialId": vc["id"], "credentialStatus": [{"type": "BitstringStatusListCredential",
                                                            "status": "revoked"}], "reason": "issued in error"}
    assert c.post("/credentials/status", json=body, headers=bearer(centre["token"])).status_code == 200
    r = _verify(c, vc)
    assert r.status_code == 422 and r.json()["result"]["revoked"] is True


def test_did_web_is_off_without_a_configured_host(make_client, kek_env, monkeypatch) -> None:  # noqa: F811
    monkeypatch.delenv(didweb.HOST_ENV, raising=False)
    c = make_client()
    token = make_centre(c.app.state.qf.store)
    centre = {"client": c, "token": token}
    r = _issue(centre, verificationMethod="did:web")
    assert r.status_code == 422 and didweb.HOST_ENV in r.json()["error"]["message"]
    assert _issue(centre).status_code == 201
    assert "did_web" not in c.get("/api/v1/orgs/kazcert").json()
    assert c.get("/orgs/kazcert/did.json").status_code == 404


def test_cli_needs_the_did_document_for_did_web(centre, tmp_path) -> None:
    c = centre["client"]
    vc = _issue(centre, verificationMethod="did:web").json()["verifiableCredential"]
    cred = tmp_path / "vc.json"
    cred.write_text(json.dumps(vc), encoding="utf-8")
    res = runner.invoke(app, ["credential", "verify", str(cred)])
    assert res.exit_code == 2
    assert "needs the DID document" in res.output and f"https://{HOST}/orgs/kazcert/did.json" in res.output

    doc_file = tmp_path / "did.json"
    doc_file.write_text(c.get("/orgs/kazcert/did.json").text, encoding="utf-8")
    list_file = tmp_path / "revocation.json"
    list_file.write_text(_status_list(c, vc).text, encoding="utf-8")
    res = runner.invoke(app, ["credential", "verify", str(cred), "--did-document", str(doc_file),
                              "--status-list", str(list_file), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["verified"] is True and out["proofs"][0]["verificationMethod"].startswith(DID + "#")

    # a DID document whose key was swapped for another: the signature does not verify with it
    forged = json.loads(doc_file.read_text(encoding="utf-8"))
    forged["verificationMethod"][0]["publicKeyMultibase"] = public_key_multibase(Ed25519Signer(b"\x07" * 32).public_key)
    doc_file.write_text(json.dumps(forged), encoding="utf-8")
    res = runner.invoke(app, ["credential", "verify", str(cred), "--did-document", str(doc_file)])
    assert res.exit_code == 1 and "INVALID" in res.stdout
    # the document of another DID does not stand in for it
    forged["id"] = "did:web:evil.example:orgs:kazcert"
    doc_file.write_text(json.dumps(forged), encoding="utf-8")
    res = runner.invoke(app, ["credential", "verify", str(cred), "--did-document", str(doc_file)])
    assert res.exit_code == 2 and "needs the DID document" in res.output
