"""The recognition centre's pages, on SQLite and PostgreSQL: who may see and use them (anonymous 401, other roles
and other centres 403), CSRF, the assessment form (field errors next to the field, what was typed kept, the IIN
never sent back), issuing from a passed assessment (and the clear error page without a key-encryption key), the
certificate page with its links and credential, revocation with a required reason, the audit entries, and the
JSON twin of every page."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from accounts_helpers import csrf_from, make_user, web_login
from certificates_helpers import IIN, ROW, centre_with_programme, kek_env, make_centre  # noqa: F401  (kek_env: fixture)
from qualframe.store import accounts as acc
from qualframe.store import credentials as cs

ASSESSOR = "assessor@kazcert.kz"
NAME = "Әлия Сәрсенбаева"


@pytest.fixture
def centre(make_client, kek_env) -> dict[str, Any]:  # noqa: F811
    return centre_with_programme(make_client())


def _signed_in(centre: dict[str, Any], email: str = ASSESSOR) -> Any:
    c = centre["client"]
    assert web_login(c, email).status_code == 303
    return c


def _form(prog: dict[str, Any], csrf: str, *, failed: int = 0, **over: str) -> dict[str, str]:
    """The assessment form as a browser sends it: every descriptor met, except the first `failed` competences."""
    data = {"csrf_token": csrf, "programme_id": str(prog["id"]), "candidate_name": NAME, "iin": IIN,
            "assessed_on": "2026-01-15", "assessors": "Бекзат Оразов\nДана Ермекова"}
    for col, ids in prog["descriptors"].items():
        for i, d in enumerate(ids):
            data[f"met-{d}"] = "not_met" if col == "competences" and i < failed else "met"
            data[f"evidence-{d}"] = f"практикалық тапсырма {i + 1} ({col})"
    data.update(over)
    return data


def _record(c: Any, prog: dict[str, Any], **kw: Any) -> Any:
    csrf = csrf_from(c.get("/orgs/kazcert/assessments/new").text)
    return c.post("/orgs/kazcert/assessments", data=_form(prog, csrf, **kw), follow_redirects=False)


def _field_error(html: str, field: str) -> str:
    m = re.search(rf'id="err-{re.escape(field)}" role="alert">([^<]+)<', html)
    assert m, f"no error shown next to {field}"
    return m.group(1)


# --- who may ---------------------------------------------------------------------------------------------------

def test_pages_and_forms_are_for_the_centres_assessors_and_admins(centre) -> None:
    c, store = centre["client"], centre["store"]
    pages = ["/orgs/kazcert/assessments", "/orgs/kazcert/assessments/new", "/orgs/kazcert/certificates"]
    for path in pages:
        assert c.get(path).status_code == 401, path
    r = c.post("/orgs/kazcert/assessments", data={"candidate_name": "x"})
    assert r.status_code in (401, 403)
    make_user(store, "hr@kazcert.kz", roles={})
    with acc.audited(store, acc.Actor("cli:test")) as tx:
        acc.add_member(tx, "kazcert", "hr@kazcert.kz", "hr")
    make_centre(store, "othercert", email="assessor@othercert.kz")
    make_user(store, "boss@kazcert.kz")
    with acc.audited(store, acc.Actor("cli:test")) as tx:
        acc.add_member(tx, "kazcert", "boss@kazcert.kz", "admin")
    for email in ("hr@kazcert.kz", "assessor@othercert.kz"):
        web_login(c, email)
        for path in pages:
            r = c.get(path)
            assert r.status_code == 403 and "credentials.issue" in r.text, (email, path)
        csrf = csrf_from(c.get("/account").text)
        r = c.post("/orgs/kazcert/assessments", data=_form(centre["programme"], csrf), follow_redirects=False)
        assert r.status_code == 403, email
    for email in (ASSESSOR, "boss@kazcert.kz"):
        web_login(c, email)
        page = c.get("/orgs/kazcert/assessments")
        assert page.status_code == 200 and 'id="record-assessment"' in page.text, email
        assert c.get("/orgs/kazcert/assessments/new").status_code == 200
    # an employer is not a recognition centre: its admin gets 403 with the reason, not an empty form
    make_user(store, "ceo@acme.kz", roles={"acme": ["admin"]})
    web_login(c, "ceo@acme.kz")
    r = c.get("/orgs/acme/assessments/new")
    assert r.status_code == 403 and "біліктілікті тану орталығы емес" in r.text  # the page speaks Kazakh
    with store.engine.connect() as conn:
        assert cs.list_assessments(conn, "kazcert") == []


def test_a_form_without_its_csrf_token_is_refused(centre) -> None:
    c = _signed_in(centre)
    data = _form(centre["programme"], "0" * 64)
    assert c.post("/orgs/kazcert/assessments", data=data, follow_redirects=False).status_code == 403
    del data["csrf_token"]
    assert c.post("/orgs/kazcert/assessments", data=data, follow_redirects=False).status_code == 403
    with centre["store"].engine.connect() as conn:
        assert cs.list_assessments(conn, "kazcert") == []


# --- the form -------------------------------------------------------------------------------------------------------

def test_the_form_lists_the_programmes_descriptors_by_column_in_the_page_language(centre) -> None:
    c = _signed_in(centre)
    kk = c.get("/orgs/kazcert/assessments/new").text
    ids = [d for ids in centre["programme"]["descriptors"].values() for d in ids]
    assert all(f'name="met-{d}"' in kk and f'name="evidence-{d}"' in kk for d in ids)
    assert "Құрылымданған болжамсыз ортада" in kk  # 3.1-07-c1, the official Kazakh text
    me = c.get("/api/v1/me").json()["user"]
    assert re.search(rf'id="a-assessors"[^>]*>{re.escape(me["display_name"] or me["email"])}</textarea>', kk)
    en = c.get("/orgs/kazcert/assessments/new?lang=en").text
    assert "Managerial activity within the strategy" in en and "unofficial translation" in en
    data = c.get("/orgs/kazcert/assessments/new.json").json()
    assert [col["column"] for col in data["columns"]] == ["competences", "skills", "knowledge"]
    assert data["programme"]["id"] == centre["programme"]["id"]
    assert c.get("/orgs/kazcert/assessments/new?programme=999").status_code == 404


def test_bad_input_is_shown_next_to_the_field_and_the_iin_is_never_sent_back(centre) -> None:
    c = _signed_in(centre)
    prog = centre["programme"]
    first = prog["descriptors"]["competences"][0]
    r = _record(c, prog, **{"assessed_on": "15.01.2026", f"met-{first}": "", "candidate_name": "Әлия  Сәрсенбаева"})
    assert r.status_code == 422
    assert IIN not in r.text and IIN[:6] not in r.text
    assert "YYYY-MM-DD" in _field_error(r.text, "assessed_on")
    assert re.search(rf'id="r-{re.escape(first)}"[^>]*>.*?class="field-error" role="alert">', r.text, re.S)
    assert 'value="Әлия  Сәрсенбаева"' in r.text and "15.01.2026" in r.text  # what was typed is kept
    assert "практикалық тапсырма 2 (skills)" in r.text
    assert "оны қайта енгізіңіз" in _field_error(r.text, "iin")  # "enter it again", in the page's Kazakh
    assert 'name="iin" maxlength="12" inputmode="numeric" autocomplete="off" value=""' in r.text
    # an IIN with a wrong check digit: the store's message names the field, never the number
    wrong = IIN[:-1] + str((int(IIN[-1]) + 1) % 10)
    r = _record(c, prog, iin=wrong)
    assert r.status_code == 422 and wrong not in r.text and _field_error(r.text, "iin")
    r = _record(c, prog, candidate_name="   ")
    assert r.status_code == 422 and _field_error(r.text, "candidate_name")
    r = _record(c, prog, assessors="")
    assert r.status_code == 422 and _field_error(r.text, "assessors") and IIN not in r.text
    # the JSON twin of a failed form names the fields too
    csrf = csrf_from(c.get("/orgs/kazcert/assessments/new").text)
    r = c.post("/orgs/kazcert/assessments.json", data=_form(prog, csrf, assessed_on="never"))
    assert r.status_code == 422 and "assessed_on" in r.json()["error"]["details"]["fields"] and IIN not in r.text
    with centre["store"].engine.connect() as conn:
        assert cs.list_assessments(conn, "kazcert") == []


def test_prefill_hook_shows_the_candidates_self_ratings_as_hints(centre, monkeypatch) -> None:
    from qualframe.web.routes import assessments

    prog = centre["programme"]
    skill = prog["descriptors"]["skills"][0]
    seen: list[tuple[str, int]] = []

    def prefill(request: Any, slug: str, request_id: int) -> dict[str, Any]:
        seen.append((slug, request_id))
        return {"candidate_name": "Нұрлан Ахметов", "programme_id": prog["id"], "request_id": request_id,
                "self_ratings": {skill: "partly", "bogus": "fully"}}

    monkeypatch.setattr(assessments, "prefill_for", prefill)
    c = _signed_in(centre)
    page = c.get("/orgs/kazcert/assessments/new?request=7")
    assert seen == [("kazcert", 7)] and page.status_code == 200
    assert 'value="Нұрлан Ахметов"' in page.text and 'name="request_id" value="7"' in page.text
    block = page.text.split(f'id="r-{skill}"', 1)[1].split('class="descriptor-result', 1)[0]
    assert 'class="self-rating meta"' in block and page.text.count('class="self-rating meta"') == 1
    assert c.get("/orgs/kazcert/assessments/new").text.count("self-rating") == 0  # no request, no hints


# --- record, issue, revoke ----------------------------------------------------------------------------------------

def test_record_issue_and_revoke_through_the_pages(centre) -> None:
    c, store = centre["client"], centre["store"]
    c = _signed_in(centre)
    seen: list[str] = []
    r = _record(c, centre["programme"])
    assert r.status_code == 303, r.text
    page_url = r.headers["location"]
    assert re.fullmatch(r"/orgs/kazcert/assessments/\d+\?done=recorded", page_url)
    page = c.get(page_url)
    seen.append(page.text)
    assert page.status_code == 200 and 'id="outcome"' in page.text
    assert 'action="/orgs/kazcert/assessments/' in page.text and 'name="holder_consent"' in page.text
    aid = int(page_url.split("/")[-1].split("?")[0])
    twin = c.get(f"/orgs/kazcert/assessments/{aid}.json").json()
    seen.append(json.dumps(twin, ensure_ascii=False))
    assert twin["passed"] is True and twin["iin_recorded"] is True and twin["certificate"] is None
    assert twin["assessors"] == ["Бекзат Оразов", "Дана Ермекова"]
    assert {col["column"]: col["outcome"]["met"] for col in twin["columns"]} == {
        "competences": 2, "skills": 3, "knowledge": 2}
    csrf = csrf_from(page.text)
    r = c.post(f"/orgs/kazcert/assessments/{aid}/certificate", data={"csrf_token": csrf, "holder_consent": "full"},
               follow_redirects=False)
    assert r.status_code == 303, r.text
    cert_url = r.headers["location"].split("?")[0]
    number = cert_url.rsplit("/", 1)[1]
    assert re.fullmatch(r"KAZCERT-\d{4}-000001", number)
    page = c.get(r.headers["location"])
    seen.append(page.text)
    assert page.status_code == 200 and NAME in page.text and 'id="cert-status"' in page.text
    for link in (f"/register/certificates/{number}", f"/verify?number={number}",
                 f"/api/v1/orgs/kazcert/certificates/{number}.pdf?lang=kk", f"{cert_url}/credential.json"):
        assert f'href="{link}"' in page.text, link
    # the assessment now links its certificate, and can no longer be issued twice
    again = c.get(f"/orgs/kazcert/assessments/{aid}")
    assert f'href="{cert_url}"' in again.text and 'name="holder_consent"' not in again.text
    r = c.post(f"/orgs/kazcert/assessments/{aid}/certificate", data={"csrf_token": csrf, "holder_consent": "full"})
    assert r.status_code == 409 and "сертификаты бұрын берілген" in r.text
    # the credential file verifies against this register
    cred = c.get(f"{cert_url}/credential.json")
    assert cred.status_code == 200 and number in cred.headers["content-disposition"]
    seen.append(cred.text)
    v = c.post("/credentials/verify", json={"verifiableCredential": cred.json()})
    assert v.status_code == 200 and v.json()["verified"] is True
    # lists, newest first, with their JSON twins
    lst = c.get("/orgs/kazcert/assessments.json").json()
    assert [(a["id"], a["passed"], a["certificate"]) for a in lst["assessments"]] == [(aid, True, number)]
    certs = c.get("/orgs/kazcert/certificates").text
    assert f'href="{cert_url}"' in certs and NAME in certs
    seen += [json.dumps(lst, ensure_ascii=False), certs]
    # revoking needs a reason
    r = c.post(f"{cert_url}/status", data={"csrf_token": csrf, "action": "revoke", "reason": "  "})
    assert r.status_code == 422 and _field_error(r.text, "reason")
    assert c.get(f"{cert_url}.json").json()["status"] == "active"
    r = c.post(f"{cert_url}/status", data={"csrf_token": csrf, "action": "revoke",
                                           "reason": "жалған құжат бойынша берілген"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{cert_url}?done=revoked"
    twin = c.get(f"{cert_url}.json").json()
    assert twin["status"] == "revoked" and twin["revocation_reason"] == "жалған құжат бойынша берілген"
    assert twin["actions"] == []
    r = c.post(f"{cert_url}/status", data={"csrf_token": csrf, "action": "unsuspend", "reason": "x"})
    assert r.status_code == 409 and "кері қайтарып алу түпкілікті" in r.text
    v = c.post("/credentials/verify", json={"verifiableCredential": cred.json()})
    assert v.status_code == 422 and v.json()["result"]["revoked"] is True
    assert "Revoked" in c.get(f"/verify?number={number}&lang=en").text
    # each step is in the audit trail, by the signed-in user
    entries = [e for e in acc.iter_audit(store) if e["org"] == "kazcert"]
    by_action = {e["action"]: e for e in entries}
    assert {"assessment.record", "certificate.issue", "certificate.revoke"} <= set(by_action)
    user_actor = by_action["assessment.record"]["actor"]
    assert user_actor.startswith("user:") and by_action["certificate.revoke"]["actor"] == user_actor
    assert acc.verify_audit(store).ok
    seen += [json.dumps(e, ensure_ascii=False) for e in entries]
    blob = "\n".join(seen)
    assert IIN not in blob


def test_suspend_and_lift_through_the_page(centre) -> None:
    c = _signed_in(centre)
    aid = int(_record(c, centre["programme"]).headers["location"].split("/")[-1].split("?")[0])
    csrf = csrf_from(c.get("/orgs/kazcert/assessments/new").text)
    r = c.post(f"/orgs/kazcert/assessments/{aid}/certificate", data={"csrf_token": csrf}, follow_redirects=False)
    cert_url = r.headers["location"].split("?")[0]
    assert c.get(f"{cert_url}.json").json()["holder_name_shown"] == "masked"  # the default consent
    assert c.post(f"{cert_url}/status", data={"csrf_token": csrf, "action": "suspend", "reason": "тексеру"},
                  follow_redirects=False).status_code == 303
    twin = c.get(f"{cert_url}.json").json()
    assert twin["status"] == "suspended" and twin["actions"] == ["revoke", "unsuspend"]
    assert c.post(f"{cert_url}/status", data={"csrf_token": csrf, "action": "unsuspend", "reason": "расталды"},
                  follow_redirects=False).status_code == 303
    assert c.get(f"{cert_url}.json").json()["status"] == "active"
    assert c.post(f"{cert_url}/status", data={"csrf_token": csrf, "action": "delete", "reason": "x"}).status_code == 422


def test_a_failed_assessment_offers_no_certificate(centre) -> None:
    c = _signed_in(centre)
    r = _record(c, centre["programme"], failed=1)
    page = c.get(r.headers["location"])
    assert page.status_code == 200 and 'name="holder_consent"' not in page.text and "not-passed" in page.text
    aid = int(r.headers["location"].split("/")[-1].split("?")[0])
    r = c.post(f"/orgs/kazcert/assessments/{aid}/certificate", data={"csrf_token": csrf_from(page.text)})
    assert r.status_code == 409 and "бағалаудан өтпеген" in r.text


def test_issuing_without_a_key_encryption_key_is_a_clear_error_page(centre, monkeypatch) -> None:
    c = _signed_in(centre)
    r = _record(c, centre["programme"])
    page = c.get(r.headers["location"])
    monkeypatch.delenv("QUALFRAME_SECRET_KEY")
    aid = int(r.headers["location"].split("/")[-1].split("?")[0])
    r = c.post(f"/orgs/kazcert/assessments/{aid}/certificate", data={"csrf_token": csrf_from(page.text),
                                                                      "holder_consent": "full"})
    assert r.status_code == 503 and r.headers["content-type"].startswith("text/html")
    assert 'id="issue-error"' in r.text and "QUALFRAME_SECRET_KEY" in r.text
    with centre["store"].engine.connect() as conn:
        assert cs.list_certificates(conn, "kazcert") == []


def test_an_api_token_can_drive_the_form_routes_without_csrf(centre) -> None:
    """Bearer tokens carry no cookies, so no CSRF token is needed; the JSON twin answers 201."""
    c = centre["client"]
    data = _form(centre["programme"], "")
    del data["csrf_token"]
    r = c.post("/orgs/kazcert/assessments.json", data=data, headers={"authorization": f"Bearer {centre['token']}"})
    assert r.status_code == 201 and r.json()["passed"] is True and IIN not in r.text
    assert r.json()["programme_id"] == centre["programme"]["id"] and ROW in json.dumps(centre["programme"])
