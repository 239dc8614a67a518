"""A self-assessment handed to a recognition centre, on SQLite and PostgreSQL, through the real app: what is
offered (accredited centres with a programme on the rows), the public hand-off (API and CSRF-checked form,
field errors, rate limits), the centre's inbox (only its assessors), accept / decline in the audit trail,
the prefill of the assessment form and the link to the recorded assessment."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from accounts_helpers import csrf_from, make_user, web_login
from certificates_helpers import assess, bearer, make_centre, make_programme
from qualframe.store import accounts as acc
from qualframe.store import assessment_requests as areq

ROW = "3.1-07"  # SQF 62: its neighbours 3.1-05 (NQF 5) and 3.1-08 (NQF 7) are rated too; 3.1-06 is the same level


@pytest.fixture
def world(make_client) -> dict[str, Any]:
    """Four centres: kazcert (accredited, programmes on 3.1-07 and 3.1-06), techcert (accredited, 3.1-07),
    oldcert (accreditation ended 2020, 3.1-07), telcert (accredited, programme on area 3.3 only)."""
    client = make_client()
    store = client.app.state.qf.store
    tokens = {slug: make_centre(store, slug) for slug in ("kazcert", "techcert", "telcert")}
    tokens["oldcert"] = make_centre(store, "oldcert", valid_from=date(2015, 1, 1), valid_to=date(2020, 12, 31))
    progs = {
        "kazcert": make_programme(client, tokens["kazcert"], "kazcert"),
        "kazcert-61": make_programme(client, tokens["kazcert"], "kazcert", row_id="3.1-06",
                                     title="Бағдарламалық жобаның басшысы, СБШ 61", pass_rules=None),
        "techcert": make_programme(client, tokens["techcert"], "techcert"),
        "oldcert": make_programme(client, tokens["oldcert"], "oldcert"),
        "telcert": make_programme(client, tokens["telcert"], "telcert", row_id="3.3-06", title="Байланыс инженері",
                                  pass_rules=None),
    }
    return {"client": client, "store": store, "tokens": tokens, "progs": progs}


def self_assessment(client: Any, row: str = ROW) -> dict[str, Any]:
    import qualframe

    fw = qualframe.load()
    me = fw.row(row)
    ratings = {d.id: (2 if d.column != "skills" else 1) for d in me.descriptors}
    r = client.post("/api/v1/self-assessments", json={"row_id": row, "ratings": ratings, "lang": "en"})
    assert r.status_code == 201, r.text
    return {**r.json(), "ratings": ratings}


def hand_off(client: Any, sa: dict[str, Any], programme_id: int, **kw: Any) -> Any:
    body = {"programme_id": programme_id, "candidate_name": "Әлия  Сәрсенбаева", "contact": "aliya@example.kz",
            "consent": True, **kw}
    return client.post(f"/api/v1/self-assessments/{sa['token']}/handoff", json=body)


def test_offers_handoff_and_public_status(world) -> None:
    client, progs = world["client"], world["progs"]
    sa = self_assessment(client)
    offers = client.get(f"/api/v1/self-assessments/{sa['token']}/handoff")
    assert offers.status_code == 200 and "no-store" in offers.headers["cache-control"]
    offered = {o["programme_id"]: o for o in offers.json()["offers"]}
    # accredited centres with a programme on the rated rows or the same area and level; not the expired one,
    # nor a centre whose programme is in another area
    assert set(offered) == {progs["kazcert"]["id"], progs["kazcert-61"]["id"], progs["techcert"]["id"]}
    assert offered[progs["kazcert"]["id"]]["centre"]["slug"] == "kazcert"
    # the result page offers the same, with the form
    page = client.get(sa["url"])
    assert page.status_code == 200 and 'id="h-handoff"' in page.text
    assert f'value="{progs["techcert"]["id"]}"' in page.text and f'value="{progs["oldcert"]["id"]}"' not in page.text

    r = hand_off(client, sa, progs["kazcert"]["id"], contact="8 (701) 234-56-78")
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["state"] == "new" and made["centre"]["slug"] == "kazcert"
    assert "candidate_name" not in made and "contact" not in made  # the link may be passed on: no personal data
    # the holder of the link sees the status on the self-assessment (API and page)
    status = client.get(sa["api_url"]).json()["handoff"]
    assert [(x["id"], x["state"]) for x in status["requests"]] == [(made["id"], "new")]
    assert "Сәрсенбаева" not in client.get(sa["url"]).text
    # the centre sees the name (whitespace folded) and the phone in international form
    inbox = client.get("/api/v1/orgs/kazcert/assessment-requests", headers=bearer(world["tokens"]["kazcert"]))
    assert inbox.status_code == 200 and "no-store" in inbox.headers["cache-control"]
    [item] = inbox.json()["requests"]
    assert item["candidate_name"] == "Әлия Сәрсенбаева"
    assert item["contact"] == {"kind": "phone", "value": "+77012345678"}
    assert item["programme"]["row_id"] == ROW and item["consent_at"]
    # the same programme again while the first is open: refused; the expired centre's: refused by field
    assert hand_off(client, sa, progs["kazcert"]["id"]).status_code == 409
    old = hand_off(client, sa, progs["oldcert"]["id"])
    assert old.status_code == 422 and [d["field"] for d in old.json()["error"]["details"]] == ["programme_id"]
    assert hand_off(client, sa, progs["telcert"]["id"]).status_code == 422
    assert client.post("/api/v1/self-assessments/" + "x" * 32 + "/handoff",
                       json={"programme_id": 1, "candidate_name": "A B", "contact": "a@b.kz",
                             "consent": True}).status_code == 404


def test_validation_errors_name_the_field(world) -> None:
    client, pid = world["client"], world["progs"]["kazcert"]["id"]
    sa = self_assessment(client)
    r = hand_off(client, sa, pid, candidate_name="  ", contact="call me maybe", consent=False)
    assert r.status_code == 422
    assert {d["field"] for d in r.json()["error"]["details"]} == {"candidate_name", "contact", "consent"}
    for contact, ok in (("+7 701 234 56 78", True), ("aliya@", False), ("701 234 56 78", False),
                        ("+0 123 456 789", False), ("+7 7" + "0" * 20, False)):
        got = hand_off(client, self_assessment(client), pid, contact=contact)
        assert (got.status_code == 201) == ok, (contact, got.text)
        if not ok:
            assert [d["field"] for d in got.json()["error"]["details"]] == ["contact"]
    bad_name = hand_off(client, sa, pid, candidate_name="Ә\x00лия")
    assert bad_name.status_code == 422 and bad_name.json()["error"]["details"][0]["field"] == "candidate_name"
    # a cross-site form cannot call the API: form-encoded bodies are refused
    form = client.post(f"/api/v1/self-assessments/{sa['token']}/handoff",
                       data={"programme_id": str(pid), "candidate_name": "A B", "contact": "a@b.kz", "consent": "on"})
    assert form.status_code == 415


def test_form_is_csrf_checked_and_shows_field_errors(world) -> None:
    client, pid = world["client"], world["progs"]["techcert"]["id"]
    sa = self_assessment(client)
    page = client.get(sa["url"])
    data = {"programme_id": str(pid), "candidate_name": "Бекзат Оразов", "contact": "bekzat@example.kz",
            "consent": "on"}
    url = f"{sa['url']}/handoff"
    assert client.post(url, data=data, follow_redirects=False).status_code == 403  # no CSRF token
    assert client.get(sa["api_url"]).json()["handoff"]["requests"] == []
    token = csrf_from(page.text)
    bad = client.post(url, data={**data, "contact": "nope", "consent": "", "csrf_token": token})
    assert bad.status_code == 422 and 'id="err-contact"' in bad.text and 'id="err-consent"' in bad.text
    assert 'value="Бекзат Оразов"' in bad.text  # what was entered is kept
    ok = client.post(url, data={**data, "csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"].startswith(sa["url"])
    after = client.get(sa["url"])
    assert 'data-state="new"' in after.text
    # the standalone page and its JSON twin
    assert client.get(url).status_code == 200
    twin = client.get(url + ".json")
    assert twin.status_code == 200 and twin.json()["handoff"]["requests"][0]["state"] == "new"


def test_rate_limits(world, monkeypatch: pytest.MonkeyPatch) -> None:
    from qualframe.web.routes import assessment_requests as routes

    client, progs = world["client"], world["progs"]
    sa = self_assessment(client)
    # per self-assessment: at most MAX_PER_ASSESSMENT in all (declined ones count too)
    monkeypatch.setattr(areq, "MAX_PER_ASSESSMENT", 2)
    assert hand_off(client, sa, progs["kazcert"]["id"]).status_code == 201
    assert hand_off(client, sa, progs["techcert"]["id"]).status_code == 201
    third = hand_off(client, sa, progs["kazcert-61"]["id"])
    assert third.status_code == 409 and "at most 2" in third.json()["error"]["message"]
    # per address: the window's limit, then 429 with Retry-After
    monkeypatch.setattr(routes, "HANDOFF_RATE", (2, routes.HANDOFF_RATE[1]))  # two were made above
    r = hand_off(client, self_assessment(client), progs["kazcert"]["id"])
    assert r.status_code == 429 and r.headers["retry-after"]


def test_only_the_target_centres_assessors_see_it(world) -> None:
    client, store, tokens, progs = world["client"], world["store"], world["tokens"], world["progs"]
    rid = hand_off(client, self_assessment(client), progs["kazcert"]["id"]).json()["id"]
    make_user(store, "hr@acme.kz", roles={"acme": ["hr", "assessor"]})  # an employer: not a centre
    with acc.audited(store, acc.Actor("cli:test")) as tx:
        acc.create_user(tx, "dev@kazcert.kz", None, password="correct horse battery")
        acc.add_member(tx, "kazcert", "dev@kazcert.kz", "developer")
    own = client.get(f"/api/v1/orgs/kazcert/assessment-requests/{rid}", headers=bearer(tokens["kazcert"]))
    assert own.status_code == 200 and own.json()["candidate_name"] == "Әлия Сәрсенбаева"
    assert client.get("/api/v1/orgs/kazcert/assessment-requests").status_code == 401
    assert client.get("/api/v1/orgs/kazcert/assessment-requests", headers=bearer(tokens["techcert"])).status_code == 403
    # another centre asking about this id in its own inbox: not found (existence not revealed)
    assert client.get(f"/api/v1/orgs/techcert/assessment-requests/{rid}",
                      headers=bearer(tokens["techcert"])).status_code == 404
    assert client.get("/api/v1/orgs/techcert/assessment-requests",
                      headers=bearer(tokens["techcert"])).json()["requests"] == []
    assert client.post(f"/api/v1/orgs/techcert/assessment-requests/{rid}/accept",
                       headers=bearer(tokens["techcert"])).status_code == 404
    assert client.post(f"/api/v1/orgs/kazcert/assessment-requests/{rid}/accept",
                       headers=bearer(tokens["techcert"])).status_code == 403
    # a member of the centre without the assessor or admin role, and an employer's "assessor"
    web_login(client, "dev@kazcert.kz")
    assert client.get("/orgs/kazcert/assessment-requests").status_code == 403
    client.cookies.clear()
    web_login(client, "hr@acme.kz")
    assert client.get("/orgs/acme/assessment-requests").status_code == 403  # only recognition centres


def test_accept_decline_prefill_and_assessed(world) -> None:
    client, store, tokens, progs = world["client"], world["store"], world["tokens"], world["progs"]
    sa = self_assessment(client)
    a = hand_off(client, sa, progs["kazcert"]["id"]).json()["id"]
    b = hand_off(client, sa, progs["kazcert-61"]["id"], contact="aliya.work@example.kz").json()["id"]
    auth = bearer(tokens["kazcert"])
    inbox = client.get("/api/v1/orgs/kazcert/assessment-requests", headers=auth).json()
    assert [r["id"] for r in inbox["requests"]] == [b, a]  # newest first
    assert inbox["counts"] == {"new": 2, "accepted": 0, "declined": 0, "assessed": 0}
    summary = inbox["requests"][1]["summary"]
    # the candidate rated competences and knowledge of 3.1-07 "fully", skills "partly"
    assert summary["row_id"] == ROW and summary["columns"] == {"competences": 1.0, "skills": 0.5, "knowledge": 1.0}
    assert summary["rated"] == summary["total"] and summary["gap"]["row_id"] == "3.1-08"

    declined = client.post(f"/api/v1/orgs/kazcert/assessment-requests/{b}/decline", headers=auth,
                           json={"reason": "Бұл бағдарлама бойынша орын жоқ"})
    assert declined.status_code == 200 and declined.json()["state"] == "declined"
    accepted = client.post(f"/api/v1/orgs/kazcert/assessment-requests/{a}/accept", headers=auth)
    assert accepted.status_code == 200 and accepted.json()["start_url"] == f"/orgs/kazcert/assessments/new?request={a}"
    assert client.post(f"/api/v1/orgs/kazcert/assessment-requests/{b}/accept", headers=auth).status_code == 409
    public = {r["id"]: r for r in client.get(sa["api_url"]).json()["handoff"]["requests"]}
    assert public[a]["state"] == "accepted" and public[b]["state"] == "declined"
    assert public[b]["reason"] == "Бұл бағдарлама бойынша орын жоқ"
    with store.engine.connect() as conn:
        log = acc.audit_entries(conn, org="kazcert", limit=50)
    actions = [e["action"] for e in log]
    assert {"assessment_request.create", "assessment_request.accept", "assessment_request.decline"} <= set(actions)
    assert all("Сәрсенбаева" not in str(e) for e in log)  # the trail keeps digests, not the person's data
    assert acc.verify_audit(store).ok

    with store.engine.connect() as conn:
        pre = areq.prefill(conn, "kazcert", a)
    covered = {d for ids in progs["kazcert"]["descriptors"].values() for d in ids}
    words = {0: "not_yet", 1: "partly", 2: "fully"}
    assert pre["request_id"] == a and pre["programme_id"] == progs["kazcert"]["id"]
    assert pre["candidate_name"] == "Әлия Сәрсенбаева"
    assert pre["self_ratings"] == {d: words[v] for d, v in sa["ratings"].items() if d in covered}
    assert set(pre["self_ratings"].values()) == {"fully", "partly"}
    api_pre = client.get(f"/api/v1/orgs/kazcert/assessment-requests/{a}", headers=auth).json()["prefill"]
    assert api_pre == pre

    assessment = assess(client, tokens["kazcert"], progs["kazcert"], iin=None)
    other = assess(client, tokens["techcert"], progs["techcert"], slug="techcert", iin=None)
    with pytest.raises(acc.AccountError), acc.audited(store, acc.Actor("cli:test")) as tx:
        areq.mark_assessed(tx, "kazcert", a, other["id"])  # another centre's assessment
    with acc.audited(store, acc.Actor("cli:test")) as tx:
        done = areq.mark_assessed(tx, "kazcert", a, assessment["id"])
    assert done.state == "assessed" and done.assessment_id == assessment["id"]
    assert client.get(sa["api_url"]).json()["handoff"]["requests"][1]["state"] == "assessed"
    with store.engine.connect() as conn, pytest.raises(acc.AccountError):
        areq.prefill(conn, "kazcert", a)  # no second assessment from the same request
    with pytest.raises(acc.AccountError), acc.audited(store, acc.Actor("cli:test")) as tx:
        areq.mark_assessed(tx, "kazcert", b, assessment["id"])  # declined is final


def test_centre_inbox_page_accept_with_csrf(world) -> None:
    client, progs = world["client"], world["progs"]
    rid = hand_off(client, self_assessment(client), progs["kazcert"]["id"]).json()["id"]
    assert web_login(client, "assessor@kazcert.kz").status_code == 303
    page = client.get("/orgs/kazcert/assessment-requests")
    assert page.status_code == 200 and f'id="request-{rid}"' in page.text and "Әлия Сәрсенбаева" in page.text
    assert "mailto:aliya@example.kz" in page.text
    url = f"/orgs/kazcert/assessment-requests/{rid}/accept"
    assert client.post(url, follow_redirects=False).status_code == 403  # a session needs the CSRF token
    ok = client.post(url, data={"csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert ok.status_code == 303
    after = client.get("/orgs/kazcert/assessment-requests?state=accepted")
    assert f'href="/orgs/kazcert/assessments/new?request={rid}"' in after.text
    twin = client.get("/orgs/kazcert/assessment-requests.json")
    assert twin.status_code == 200 and twin.json()["requests"][0]["state"] == "accepted"
    assert client.get("/orgs/kazcert/assessment-requests?state=bogus").status_code == 422


def test_an_accepted_request_prefills_the_assessment_form_and_recording_marks_it_assessed(world) -> None:
    client, progs, tokens = world["client"], world["progs"], world["tokens"]
    sa = self_assessment(client)
    rid = hand_off(client, sa, progs["kazcert"]["id"]).json()["id"]
    assert client.post(f"/api/v1/orgs/kazcert/assessment-requests/{rid}/accept",
                       headers=bearer(tokens["kazcert"])).status_code == 200
    assert web_login(client, "assessor@kazcert.kz").status_code == 303
    form = client.get(f"/orgs/kazcert/assessments/new?request={rid}")
    assert form.status_code == 200
    assert 'value="Әлия Сәрсенбаева"' in form.text and f'name="request_id" value="{rid}"' in form.text
    assert form.text.count('class="self-rating meta"') == sum(len(v) for v in progs["kazcert"]["descriptors"].values())
    data = {"csrf_token": csrf_from(form.text), "programme_id": str(progs["kazcert"]["id"]), "request_id": str(rid),
            "candidate_name": "Әлия Сәрсенбаева", "assessed_on": "2026-11-02", "assessors": "Assessor One"}
    for ids in progs["kazcert"]["descriptors"].values():
        data.update({f"met-{d}": "met" for d in ids})
    done = client.post("/orgs/kazcert/assessments", data=data, follow_redirects=False)
    assert done.status_code == 303, done.text
    assessment_id = int(done.headers["location"].split("/")[-1].split("?")[0])
    [mine] = [r for r in client.get(sa["api_url"]).json()["handoff"]["requests"] if r["id"] == rid]
    assert mine["state"] == "assessed"
    detail = client.get(f"/api/v1/orgs/kazcert/assessment-requests/{rid}", headers=bearer(tokens["kazcert"])).json()
    assert detail["assessment_id"] == assessment_id
    # the request is used up: no second pre-filled form, and a replayed form records nothing
    assert client.get(f"/orgs/kazcert/assessments/new?request={rid}").status_code == 409
    again = client.post("/orgs/kazcert/assessments", data=data, follow_redirects=False)
    assert again.status_code == 409
    with world["store"].engine.connect() as conn:
        log = acc.audit_entries(conn, org="kazcert", limit=50)
    assert [e["action"] for e in log].count("assessment_request.assessed") == 1
