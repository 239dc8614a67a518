"""Recognition and certificates through the web app, on SQLite and PostgreSQL: programmes, assessments and
their outcome, issuing (only a passed assessment of a centre accredited on the dates), the public register,
/verify, the VC API (issue, status, verify) with an independent verifier, key rotation, revocation and
suspension with status lists (ETag), and the IIN that never appears in any answer, export or log."""

from __future__ import annotations

import copy
import json
import logging
from datetime import date
from typing import Any

import pytest

from accounts_helpers import make_user
from certificates_helpers import (  # noqa: F401
    IIN,
    ROW,
    assess,
    bearer,
    centre_with_programme,
    certify,
    kek_env,
    make_centre,
    make_programme,
)
from credentials_helpers import needs_vc
from qualframe.credentials.statuslist import StatusList
from qualframe.store import accounts as acc
from qualframe.store import credentials as cs


@pytest.fixture
def centre(make_client, kek_env) -> dict[str, Any]:  # noqa: F811
    return centre_with_programme(make_client())


def _issue(centre: dict[str, Any], **kw: Any) -> dict[str, Any]:
    a = assess(centre["client"], centre["token"], centre["programme"], **kw)
    r = certify(centre["client"], centre["token"], a)
    assert r.status_code == 201, r.text
    return r.json()


def _verify(client: Any, credential: dict[str, Any]) -> Any:
    return client.post("/credentials/verify", json={"verifiableCredential": credential})


def _status_bits(client: Any, credential: dict[str, Any], purpose: str = "revocation") -> tuple[StatusList, Any]:
    entry = next(e for e in credential["credentialStatus"] if e["statusPurpose"] == purpose)
    path = entry["statusListCredential"].split("://", 1)[1].split("/", 1)[1]
    r = client.get("/" + path)
    assert r.status_code == 200, r.text
    return StatusList.decode(r.json()["credentialSubject"]["encodedList"]), r


# --- programmes and assessments ----------------------------------------------------------------------------

def test_programme_pass_rules_and_outcome(centre) -> None:
    c, token, prog = centre["client"], centre["token"], centre["programme"]
    assert prog["row_id"] == ROW and prog["pass_rules"] == {"competences": "all", "skills": 2, "knowledge": "all"}
    case_item, level = prog["alignment"]
    assert case_item["target_type"] == "CFItem" and "/ims/case/v1p1/CFItems/" in case_item["target_url"]
    assert level["target_url"].endswith(f"/levels/{ROW}")
    # the CASE item the alignment names is served by this instance
    assert c.get(case_item["target_url"].split("://", 1)[1].split("/", 1)[1].join(["/", ""])).status_code == 200
    passed = assess(c, token, prog)
    assert passed["passed"] is True and passed["columns"]["skills"]["met"] == 3
    one_skill_missed = assess(c, token, prog, failed=1)
    assert one_skill_missed["passed"] is False  # competences: all needed
    skills = {"programme_id": prog["id"], "candidate_name": "X Y", "assessed_on": "2026-01-15",
              "assessors": ["Z"], "results": {d: {"met": not d.startswith(f"{ROW}-s1")} for ids in
                                              prog["descriptors"].values() for d in ids}}
    r = c.post("/api/v1/orgs/kazcert/assessments", json=skills, headers=bearer(token))
    assert r.status_code == 201 and r.json()["passed"] is True  # skills: at least 2 of 3
    bad = {**skills, "results": {f"{ROW}-c1": {"met": True}}}
    r = c.post("/api/v1/orgs/kazcert/assessments", json=bad, headers=bearer(token))
    assert r.status_code == 422 and "no result for" in r.json()["error"]["message"]
    r = c.post("/api/v1/orgs/kazcert/programmes", json={"row_id": ROW, "title": "t", "methods": ["oral exam"]},
               headers=bearer(token))
    assert r.status_code == 422 and "oral exam" in r.json()["error"]["message"]
    r = c.post("/api/v1/orgs/kazcert/programmes", json={"row_id": ROW, "title": "t", "methods": ["test"],
                                                        "pass_rules": {"skills": 9}}, headers=bearer(token))
    assert r.status_code == 422 and "only 3" in r.json()["error"]["message"]
    r = c.post("/api/v1/orgs/kazcert/assessments", json={**skills, "iin": "123456789012"}, headers=bearer(token))
    assert r.status_code == 422 and "123456789012" not in r.text


def test_programmes_page_and_form(centre) -> None:
    c, store = centre["client"], centre["store"]
    from accounts_helpers import csrf_from, web_login

    page = c.get("/orgs/kazcert/programmes")
    assert page.status_code == 200 and "СБШ 62" in page.text and "<form" not in page.text.split("</header>")[1]
    web_login(c, "assessor@kazcert.kz")
    page = c.get("/orgs/kazcert/programmes")
    r = c.post("/orgs/kazcert/programmes", data={"csrf_token": csrf_from(page.text), "row_id": "3.3-03",
                                                 "title": "Пошта қызметкері", "methods": ["test", "interview"],
                                                 "pass_rules": "competences=2"}, follow_redirects=False)
    assert r.status_code == 303
    data = c.get("/orgs/kazcert/programmes.json").json()
    assert [p["row_id"] for p in data["programmes"]] == [ROW, "3.3-03"]
    assert data["programmes"][1]["pass_rules"]["competences"] == 2
    with acc.audited(store, acc.Actor("cli:test")) as tx:
        acc.create_org(tx, "acme", "employer", {"kk": "Acme"})
        acc.add_member(tx, "acme", "assessor@kazcert.kz", "admin")
    r = c.post("/api/v1/orgs/acme/programmes", json={"row_id": ROW, "title": "t", "methods": ["test"]},
               headers={"x-csrf-token": csrf_from(c.get("/account").text)})
    assert r.status_code == 403 and "not a recognition centre" in r.json()["error"]["message"]


# --- issuing ------------------------------------------------------------------------------------------------

def test_only_a_passed_assessment_within_accreditation_is_certified(make_client, kek_env) -> None:  # noqa: F811
    c = make_client()
    store = c.app.state.qf.store
    token = make_centre(store, "late", valid_from=date(2026, 2, 1))
    prog = make_programme(c, token, slug="late")
    before = assess(c, token, prog, slug="late", on="2026-01-15")
    r = certify(c, token, before, slug="late")
    assert r.status_code == 403 and "not accredited on the assessment date 2026-01-15" in r.json()["error"]["message"]
    failed = assess(c, token, prog, slug="late", on="2026-03-01", failed=1)
    r = certify(c, token, failed, slug="late")
    assert r.status_code == 409 and "not passed" in r.json()["error"]["message"]
    ok = assess(c, token, prog, slug="late", on="2026-03-01")
    r = certify(c, token, ok, slug="late")
    assert r.status_code == 201 and r.json()["number"].startswith("LATE-")
    assert certify(c, token, ok, slug="late").status_code == 409  # one certificate per assessment
    # an accreditation that ended before the issue date: nothing is issued
    ended = make_centre(store, "ended", valid_from=date(2020, 1, 1), valid_to=date(2026, 2, 1))
    prog2 = make_programme(c, ended, slug="ended")
    a = assess(c, ended, prog2, slug="ended", on="2026-01-20")
    r = certify(c, ended, a, slug="ended")
    assert r.status_code == 403 and "issue date" in r.json()["error"]["message"]
    with store.engine.connect() as conn:
        assert cs.certificate_count(conn) == 1


def test_issue_numbers_register_and_verify(centre) -> None:
    c = centre["client"]
    first = _issue(centre)
    second = _issue(centre, name="Бауыржан Қасымов Нұрланұлы")
    year = first["valid_from"][:4]
    assert first["number"] == f"KAZCERT-{year}-000001" and second["number"] == f"KAZCERT-{year}-000002"
    vc = first["verifiableCredential"]
    assert vc["credentialSubject"]["licenseNumber"] == first["number"]
    assert vc["issuer"]["id"] == c.get("/api/v1/orgs/kazcert").json()["did"]
    assert [e["statusPurpose"] for e in vc["credentialStatus"]] == ["revocation", "suspension"]
    r = _verify(c, vc)
    assert r.status_code == 200 and r.json()["verified"] is True
    assert {"proof", "issuer", "status", "validity", "terms"} <= set(r.json()["checks"])
    # the register shows the name only as the holder agreed
    page = c.get(f"/register/certificates/{second['number']}")
    assert page.status_code == 200 and "Бауыржан Қ. Н." in page.text and "Қасымов" not in page.text
    reg = c.get(f"/register/certificates/{second['number']}.json").json()
    assert reg["holder"] == "Бауыржан Қ. Н." and reg["status"] == "active"
    found = c.get(f"/register/certificates.json?q={first['number'][:-3].lower()}").json()
    assert [x["number"] for x in found["results"]] == [first["number"], second["number"]]
    assert c.get("/register/certificates/NOPE-2026-000001").status_code == 404
    full = _issue(centre, name="Дана Ермекова")
    r = c.post("/api/v1/orgs/kazcert/assessments/99/certificate", json={}, headers=bearer(centre["token"]))
    assert r.status_code == 404
    assert c.get(f"/register/certificates/{full['number']}.json").json()["holder"] == "Дана Е."
    page = c.get(f"/verify?number={first['number']}")
    assert page.status_code == 200 and 'id="check-proof"' in page.text and "check-failed" not in page.text
    ru = c.get(f"/verify?number={first['number']}&lang=ru")
    assert ru.status_code == 200


def test_verify_page_paste_and_upload(centre) -> None:
    from accounts_helpers import csrf_from

    c = centre["client"]
    vc = _issue(centre)["verifiableCredential"]
    page = c.get("/verify")
    token = csrf_from(page.text)
    r = c.post("/verify", data={"csrf_token": token, "credential": json.dumps(vc)})
    assert r.status_code == 200 and "check-failed" not in r.text
    tampered = copy.deepcopy(vc)
    tampered["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    r = c.post("/verify", data={"csrf_token": token},
               files={"file": ("cert.json", json.dumps(tampered).encode(), "application/json")})
    assert r.status_code == 422 and 'class="check-failed" id="check-proof"' in r.text
    r = c.post("/verify", data={"csrf_token": token, "credential": "{not json"})
    assert r.status_code == 400
    assert c.post("/verify", data={"credential": json.dumps(vc)}).status_code == 403  # no CSRF token


def test_revoke_suspend_status_list_and_etag(centre) -> None:
    c, token = centre["client"], centre["token"]
    certs = [_issue(centre) for _ in range(3)]
    vc = certs[1]["verifiableCredential"]
    index = int(vc["credentialStatus"][0]["statusListIndex"])
    bits, first = _status_bits(c, vc)
    assert bits.set_indices() == [] and len(bits) >= 131_072
    etag = first.headers["etag"]
    assert c.get(first.url.path, headers={"if-none-match": etag}).status_code == 304
    r = c.post(f"/api/v1/orgs/kazcert/certificates/{certs[1]['number']}/status",
               json={"action": "revoke", "reason": ""}, headers=bearer(token))
    assert r.status_code == 422 and "reason" in r.json()["error"]["message"]
    r = c.post(f"/api/v1/orgs/kazcert/certificates/{certs[1]['number']}/status",
               json={"action": "suspend", "reason": "documents under review"}, headers=bearer(token))
    assert r.status_code == 200 and r.json()["status"] == "suspended"
    r = _verify(c, vc)
    assert r.status_code == 422 and r.json()["result"]["suspended"] is True
    sus, _ = _status_bits(c, vc, "suspension")
    assert sus.set_indices() == [index]
    r = c.post(f"/api/v1/orgs/kazcert/certificates/{certs[1]['number']}/status",
               json={"action": "unsuspend", "reason": "review done"}, headers=bearer(token))
    assert r.status_code == 200 and _verify(c, vc).status_code == 200
    r = c.post(f"/api/v1/orgs/kazcert/certificates/{certs[1]['number']}/status",
               json={"action": "revoke", "reason": "fraud established"}, headers=bearer(token))
    assert r.status_code == 200
    bits, after = _status_bits(c, vc)
    assert bits.set_indices() == [index] and after.headers["etag"] != etag
    assert c.get(after.url.path, headers={"if-none-match": etag}).status_code == 200
    r = _verify(c, vc)
    assert r.status_code == 422 and r.json()["result"]["revoked"] is True
    assert any("revoked: bit" in e for e in r.json()["errors"])
    assert _verify(c, certs[0]["verifiableCredential"]).status_code == 200  # the neighbours stay valid
    assert c.get(f"/register/certificates/{certs[1]['number']}.json").json()["status"] == "revoked"
    page = c.get(f"/verify?number={certs[1]['number']}")
    assert "check-failed" in page.text
    r = c.post(f"/api/v1/orgs/kazcert/certificates/{certs[1]['number']}/status",
               json={"action": "unsuspend", "reason": "x"}, headers=bearer(token))
    assert r.status_code == 409
    actions = [e["action"] for e in acc.iter_audit(centre["store"])]
    assert {"certificate.suspend", "certificate.unsuspend", "certificate.revoke"} <= set(actions)


def test_key_rotation_keeps_old_certificates_verifying(centre) -> None:
    from typer.testing import CliRunner

    from qualframe.cli import app

    c = centre["client"]
    old = _issue(centre)
    did_before = c.get("/api/v1/orgs/kazcert").json()["did"]
    r = CliRunner().invoke(app, ["centre", "key", "rotate", "kazcert", "--db", centre["store"].url, "--json"])
    assert r.exit_code == 0, r.output
    rotated = json.loads(r.stdout)
    assert rotated["did"] != did_before and "sealed" not in r.stdout
    new = _issue(centre)
    assert c.get("/api/v1/orgs/kazcert").json()["did"] == rotated["did"] == new["verifiableCredential"]["issuer"]["id"]
    for cert in (old, new):
        r = _verify(c, cert["verifiableCredential"])
        assert r.status_code == 200, r.json()["errors"]
    assert old["verifiableCredential"]["credentialStatus"][0]["statusListCredential"] != \
        new["verifiableCredential"]["credentialStatus"][0]["statusListCredential"]


def test_issue_is_refused_without_a_key_encryption_key(centre, monkeypatch) -> None:
    a = assess(centre["client"], centre["token"], centre["programme"])
    monkeypatch.delenv("QUALFRAME_SECRET_KEY")
    r = certify(centre["client"], centre["token"], a)
    assert r.status_code == 503 and "QUALFRAME_SECRET_KEY" in r.json()["error"]["message"]


def test_iin_never_appears_in_answers_exports_or_logs(centre, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    c, token = centre["client"], centre["token"]
    seen: list[str] = []
    a = assess(c, token, centre["programme"])
    cert = _issue(centre)
    seen += [json.dumps(a), json.dumps(cert)]
    for path in (f"/api/v1/orgs/kazcert/assessments/{a['id']}", "/api/v1/orgs/kazcert/certificates",
                 f"/api/v1/orgs/kazcert/certificates/{cert['number']}"):
        seen.append(c.get(path, headers=bearer(token)).text)
    for path in (f"/register/certificates/{cert['number']}", f"/register/certificates/{cert['number']}.json",
                 f"/verify?number={cert['number']}", "/orgs/kazcert/programmes.json"):
        seen.append(c.get(path).text)
    seen.append(_verify(c, cert["verifiableCredential"]).text)
    seen += [json.dumps(e, ensure_ascii=False) for e in acc.iter_audit(centre["store"])]
    seen.append(caplog.text)
    with centre["store"].engine.connect() as conn:  # nor in any column of the database
        for table in ("assessments", "certificates"):
            seen += [repr(tuple(r)) for r in conn.exec_driver_sql(f"SELECT * FROM {table}")]
    blob = "\n".join(seen)
    assert IIN not in blob and IIN[:6] + " " + IIN[6:] not in blob
    # but the IIN can be matched through its keyed hash, and the credential carries the OB salted hash
    assert cs.assessments_with_iin(centre["store"], IIN, "kazcert") == [a["id"], cert["assessment_id"]]
    ident = cert["verifiableCredential"]["credentialSubject"]["identifier"][1]
    from qualframe.credentials.iin import identity_hash

    assert ident["identityHash"] == identity_hash(IIN, ident["salt"])


# --- the VC API ----------------------------------------------------------------------------------------------

PLAIN = {"@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
         "type": ["VerifiableCredential", "ExampleAlumniCredential"],
         "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"}}


def test_vc_api_issue_status_and_verify(centre) -> None:
    c, token = centre["client"], centre["token"]
    r = c.post("/credentials/issue", json={"credential": PLAIN, "options": {}}, headers=bearer(token))
    assert r.status_code == 201, r.text
    vc = r.json()["verifiableCredential"]
    assert vc["issuer"] == c.get("/api/v1/orgs/kazcert").json()["did"]
    assert vc["credentialStatus"][0]["type"] == "BitstringStatusListEntry"
    ok = _verify(c, vc)
    assert ok.status_code == 200 and ok.json()["verified"] is True
    for mutate in (lambda d: d["credentialSubject"].__setitem__("alumniOf", "Other School"),
                   lambda d: d.__setitem__("validFrom", "2020-01-01T00:00:00Z"),
                   lambda d: d["proof"].__setitem__("created", "2020-01-01T00:00:00Z"),
                   lambda d: d["credentialStatus"][0].__setitem__("statusListIndex", "77"),
                   lambda d: d["credentialSubject"].__setitem__("undefinedTerm", 1)):
        bad = copy.deepcopy(vc)
        mutate(bad)
        r = _verify(c, bad)
        assert r.status_code == 422 and r.json()["verified"] is False and r.json()["errors"]
    # bad input: 400 (unusable) or 422 (refused), never 500
    for body in ({}, {"verifiableCredential": "x"}, {"verifiableCredential": {"a": 1}}, []):
        assert c.post("/credentials/verify", json=body).status_code == 400
    assert c.post("/credentials/verify", content=b"{oops", headers={"content-type": "application/json"}
                  ).status_code == 400
    assert c.post("/credentials/verify", data={"verifiableCredential": "x"}).status_code == 415
    r = c.post("/credentials/issue", json={"credential": {**PLAIN, "credentialSubject": {}}}, headers=bearer(token))
    assert r.status_code == 422
    # VC 1.1 is issued (tests/test_credentials_vc11.py), but only with known contexts: nothing is fetched
    v1 = {**PLAIN, "@context": ["https://www.w3.org/2018/credentials/v1",
                                "https://www.w3.org/2018/credentials/examples/v1"]}
    r = c.post("/credentials/issue", json={"credential": v1}, headers=bearer(token))
    assert r.status_code == 422 and "examples/v1 is not one of the known" in r.json()["error"]["message"]
    r = c.post("/credentials/issue", json={"credential": {**PLAIN, "issuer": "did:key:z6MkOther"}},
               headers=bearer(token))
    assert r.status_code == 422 and "issuer" in r.json()["error"]["message"]
    v2_only = {**PLAIN, "@context": PLAIN["@context"][:1], "type": ["VerifiableCredential"]}
    r = c.post("/credentials/issue", json={"credential": {**v2_only, "credentialSubject": {"nope": 1}}},
               headers=bearer(token))
    assert r.status_code == 422 and "nope" in r.json()["error"]["message"]
    assert c.post("/credentials/issue", json={"credential": PLAIN}).status_code == 401
    # a presentation of the credential
    vp = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
          "verifiableCredential": [vc]}
    assert c.post("/presentations/verify", json={"verifiablePresentation": vp}).status_code == 200
    assert c.post("/presentations/verify", json={"verifiablePresentation": {"type": "x"}}).status_code == 400
    # revoke through the VC API
    body = {"credentialId": vc["id"], "credentialStatus": [{"type": "BitstringStatusListCredential",
                                                            "status": "revoked"}], "reason": "issued in error"}
    r = c.post("/credentials/status", json=body, headers=bearer(token))
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    r = _verify(c, vc)
    assert r.status_code == 422 and r.json()["result"]["revoked"] is True
    assert c.post("/presentations/verify", json={"verifiablePresentation": vp}).status_code == 422
    assert c.post("/credentials/status", json={**body, "reason": ""}, headers=bearer(token)).status_code == 422
    assert c.post("/credentials/status", json={**body, "credentialId": "urn:x"},
                  headers=bearer(token)).status_code == 404


def test_vc_api_acts_only_for_a_recognition_centre_and_the_right_role(centre) -> None:
    c, store = centre["client"], centre["store"]
    make_user(store, "hr@acme.kz", roles={"acme": ["admin"]})
    from accounts_helpers import make_token

    admin_of_employer, _ = make_token(store, "hr@acme.kz", "acme", "admin")
    r = c.post("/credentials/issue", json={"credential": PLAIN}, headers=bearer(admin_of_employer))
    assert r.status_code == 403 and "not a recognition centre" in r.json()["error"]["message"]
    with acc.audited(store, acc.Actor("cli:test")) as tx:
        acc.create_user(tx, "dev@kazcert.kz", None, password="correct horse battery")
        acc.add_member(tx, "kazcert", "dev@kazcert.kz", "developer")
    dev, _ = make_token(store, "dev@kazcert.kz", "kazcert", "developer")
    assert c.post("/credentials/issue", json={"credential": PLAIN}, headers=bearer(dev)).status_code == 403


@needs_vc
def test_independent_verifier_accepts_what_the_api_issued(centre) -> None:
    """openvc-core (PyPI) verifies, offline, credentials issued through POST /credentials/issue and the
    certificate route; our POST /credentials/verify refuses the tampered copies it refuses."""
    from openvc.proof.data_integrity import DataIntegrityProofSuite
    from openvc.proof.errors import SignatureInvalid

    from qualframe.credentials.jsonld import EXAMPLES_V2, OB_V3P0, context_bytes

    c, token = centre["client"], centre["token"]
    contexts = {OB_V3P0: json.loads(context_bytes(OB_V3P0)), EXAMPLES_V2: json.loads(context_bytes(EXAMPLES_V2))}
    suite = DataIntegrityProofSuite()
    plain = c.post("/credentials/issue", json={"credential": PLAIN}, headers=bearer(token)).json()
    cert = _issue(centre)
    for vc in (plain["verifiableCredential"], cert["verifiableCredential"]):
        assert suite.verify(vc, extra_contexts=contexts).issuer == vc["issuer"] if isinstance(vc["issuer"], str) \
            else suite.verify(vc, extra_contexts=contexts).issuer == vc["issuer"]["id"]
        tampered = copy.deepcopy(vc)
        tampered["credentialSubject"]["id" if "id" in tampered["credentialSubject"] else "licenseNumber"] = "x:y"
        with pytest.raises(SignatureInvalid):
            suite.verify(tampered, extra_contexts=contexts)
        assert _verify(c, tampered).status_code == 422
