"""The job catalogue through the API and the pages, on SQLite and PostgreSQL: upload → job → review → decide →
export; re-upload idempotence; cancel; deny by default and privacy; careers; the public self-assessment."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from accounts_helpers import csrf_from, make_token, make_user, web_login
from catalogue_gen import positions, to_csv
from qualframe.store import catalogue_jobs as jobs

ROWS = positions(20, seed=3)


@pytest.fixture
def hr(make_client) -> tuple[Any, dict[str, str], Any]:
    client = make_client()
    store = client.app.state.qf.store
    make_user(store, "hr@acme.kz", roles={"acme": ["hr"]})
    make_user(store, "dev@acme.kz", roles={"acme": ["developer"]})
    make_user(store, "hr@other.kz", roles={"other": ["hr"]})
    token, _ = make_token(store, "hr@acme.kz", "acme")
    return client, {"Authorization": f"Bearer {token}"}, store


def _upload(client: Any, auth: dict[str, str], data: bytes, name: str = "c.csv") -> Any:
    return client.post("/api/v1/orgs/acme/catalogue", headers=auth, files={"file": (name, data, "text/csv")})


def _place(client: Any, auth: dict[str, str], store: Any, job_url: str) -> dict[str, Any]:
    job_id = int(job_url.rsplit("/", 1)[1])
    assert jobs.run_job(store.url, job_id) in ("done", "not claimed")
    return client.get(job_url, headers=auth).json()


def test_upload_place_review_decide_export(hr) -> None:
    client, auth, store = hr
    bad = to_csv(ROWS).decode() + "X-1,,,IT,G1,,\n"
    r = _upload(client, auth, bad.encode())
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["job"].startswith("/api/v1/orgs/acme/catalogue/jobs/")
    assert body["upload"]["created"] == 20 and body["upload"]["bad_rows"] == 1
    assert body["upload"]["errors"] == [{"line": 22, "reason": "neither title nor description is given"}]
    assert client.get(body["job"], headers=auth).json()["state"] == "queued"
    job = _place(client, auth, store, body["job"])
    assert job == {**job, "state": "done", "done": 20, "total": 20, "failed": 0}

    page = client.get("/api/v1/orgs/acme/positions", headers=auth)
    assert page.status_code == 200 and "no-store" in page.headers["cache-control"]
    data = page.json()
    assert data["count"] == 20 and len(data["positions"]) == 20
    first = data["positions"][0]
    assert first["key"] == "P-00001" and first["decision"] is None
    s0 = first["suggestions"][0]
    assert set(s0) >= {"row_id", "area", "nqf_level", "sqf_level", "confidence"} and s0["evidence"]
    # the generator's areas are found for (almost) all positions: the engine is really run
    hits = sum(p["suggestions"][0]["area"] == r["_area"] for p, r in zip(data["positions"], ROWS, strict=True))
    assert hits >= 15

    # accept the top suggestion; choosing another row needs a reason
    ok = client.post("/api/v1/orgs/acme/positions/P-00001/decision", headers=auth, json={"row_id": s0["row_id"]})
    assert ok.status_code == 200 and ok.json()["decision"]["source"] == "accepted"
    other = "3.3-10" if s0["row_id"] != "3.3-10" else "3.1-10"
    no_reason = client.post("/api/v1/orgs/acme/positions/P-00002/decision", headers=auth, json={"row_id": other})
    assert no_reason.status_code == 422 and "needs a reason" in no_reason.json()["error"]["message"]
    over = client.post("/api/v1/orgs/acme/positions/P-00002/decision", headers=auth,
                       json={"row_id": other, "reason": "heads the whole division"})
    d = over.json()["decision"]
    assert d["source"] == "overridden" and d["reason"] == "heads the whole division" and d["reviewer"] == "hr@acme.kz"
    # revisit: back to the suggestion; the history keeps both
    client.post("/api/v1/orgs/acme/positions/P-00002/decision", headers=auth,
                json={"row_id": client.get("/api/v1/orgs/acme/positions/P-00002", headers=auth)
                      .json()["suggestions"][0]["row_id"]})
    pos = client.get("/api/v1/orgs/acme/positions/P-00002", headers=auth).json()
    assert pos["decision"]["source"] == "accepted"
    assert [h["source"] for h in pos["history"]] == ["accepted", "overridden"]
    bad_row = client.post("/api/v1/orgs/acme/positions/P-00003/decision", headers=auth, json={"row_id": "9.9-99"})
    assert bad_row.status_code == 422
    assert client.post("/api/v1/orgs/acme/positions/NOPE/decision", headers=auth,
                       json={"row_id": other}).status_code == 404

    # the decisions are in the audit trail
    from qualframe.store import accounts as acc

    with store.engine.connect() as conn:
        actions = [e["action"] for e in acc.audit_entries(conn, org="acme", limit=50)]
    assert actions.count("catalogue.decide") == 3 and "catalogue.upload" in actions
    assert "catalogue.job.create" in actions and "catalogue.job.done" in actions
    assert acc.verify_audit(store).ok

    # filters
    undecided = client.get("/api/v1/orgs/acme/positions?filter=undecided", headers=auth).json()
    assert undecided["count"] == 18
    assert client.get("/api/v1/orgs/acme/positions?filter=decided", headers=auth).json()["count"] == 2
    assert client.get("/api/v1/orgs/acme/positions?filter=nope", headers=auth).status_code == 422

    # pay bands travel into the export
    put = client.put("/api/v1/orgs/acme/pay-bands", headers=auth, json={"bands": {other: "B-9"}})
    assert put.status_code == 200 and put.json()["bands"] == {other: "B-9"}
    x = client.get("/api/v1/orgs/acme/catalogue.xlsx", headers=auth)
    assert x.status_code == 200 and "no-store" in x.headers["cache-control"]
    wb = load_workbook(io.BytesIO(x.content))
    assert wb.sheetnames[0] == "summary"
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    rows = [dict(zip([c.value for c in ws[1]], [c.value for c in row], strict=True))
            for ws in wb.worksheets[1:] for row in ws.iter_rows(min_row=2)]
    assert len(rows) == 20
    p1 = next(r for r in rows if r["key"] == "P-00001")
    assert p1["decision_source"] == "accepted" and p1["reviewer"] == "hr@acme.kz" and p1["row_id"] == s0["row_id"]
    assert sum(r["decision_source"] == "suggested" for r in rows) == 18
    c = client.get("/api/v1/orgs/acme/catalogue.csv", headers=auth)
    assert c.text.lstrip("\ufeff").startswith("key,position,department,grade,row_id,area")


def test_reupload_updates_by_key_and_places_only_changes(hr) -> None:
    client, auth, store = hr
    first = _upload(client, auth, to_csv(ROWS)).json()
    _place(client, auth, store, first["job"])
    same = _upload(client, auth, to_csv(ROWS, ";")).json()  # same content, other delimiter
    assert (same["upload"]["created"], same["upload"]["updated"], same["upload"]["unchanged"]) == (0, 0, 20)
    assert client.get(same["job"], headers=auth).json() == {**client.get(same["job"], headers=auth).json(),
                                                            "state": "done", "total": 0}
    changed = [dict(r) for r in ROWS]
    changed[4]["description"] += " Also leads the on-call rota."
    changed[5]["grade"] = "G11"
    r = _upload(client, auth, to_csv(changed)).json()
    assert (r["upload"]["created"], r["upload"]["updated"], r["upload"]["unchanged"]) == (0, 2, 18)
    job = _place(client, auth, store, r["job"])
    assert job["total"] == 1 and job["done"] == 1  # only the changed text is placed again
    assert client.get("/api/v1/orgs/acme/positions", headers=auth).json()["count"] == 20
    from sqlalchemy import text

    with store.engine.connect() as conn:
        counts = dict(conn.execute(text("SELECT key, placements FROM catalogue_positions")).all())
    assert counts["P-00005"] == 2 and all(v == 1 for k, v in counts.items() if k != "P-00005")


def test_unreadable_file_imports_nothing(hr) -> None:
    client, auth, _store = hr
    r = _upload(client, auth, b"PK\x03\x04broken", "c.xlsx")
    assert r.status_code == 422 and "not a valid XLSX" in r.json()["error"]["message"]
    r = _upload(client, auth, b"name,dept\nx,y\n")
    assert r.status_code == 422 and "no 'title' or 'description' column" in r.json()["error"]["message"]
    assert client.get("/api/v1/orgs/acme/positions", headers=auth).json()["count"] == 0
    assert client.post("/api/v1/orgs/acme/catalogue", headers=auth).status_code == 422


def test_cancel_a_queued_job(hr) -> None:
    client, auth, store = hr
    body = _upload(client, auth, to_csv(ROWS)).json()
    r = client.post(body["job"] + "/cancel", headers=auth)
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    job_id = int(body["job"].rsplit("/", 1)[1])
    assert jobs.run_job(store.url, job_id) == "not claimed"
    assert client.post(body["job"] + "/cancel", headers=auth).status_code == 409
    assert client.get(body["job"], headers=auth).json()["done"] == 0


def test_deny_by_default_and_privacy(hr) -> None:
    client, _auth, store = hr
    assert _upload(client, {}, to_csv(ROWS)).status_code == 401
    dev, _ = make_token(store, "dev@acme.kz", "acme")
    other, _ = make_token(store, "hr@other.kz", "other")
    for tok in (dev, other):
        h = {"Authorization": f"Bearer {tok}"}
        assert _upload(client, h, to_csv(ROWS)).status_code == 403
        assert client.get("/api/v1/orgs/acme/positions", headers=h).status_code == 403
        assert client.get("/api/v1/orgs/acme/catalogue.xlsx", headers=h).status_code == 403
    assert client.get("/api/v1/orgs/acme/positions").status_code == 401
    assert client.get("/orgs/acme/catalogue").status_code == 401
    # a session needs the CSRF token for the upload form
    web_login(client, "hr@acme.kz")
    page = client.get("/orgs/acme/catalogue")
    assert page.status_code == 200 and "no-store" in page.headers["cache-control"]
    files = {"file": ("c.csv", to_csv(ROWS[:3]), "text/csv")}
    assert client.post("/orgs/acme/catalogue", files=files, follow_redirects=False).status_code == 403
    r = client.post("/orgs/acme/catalogue", files=files, data={"csrf_token": csrf_from(page.text)},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/orgs/acme/catalogue?job=")
    progress = client.get(r.headers["location"])
    assert 'id="job-progress"' in progress.text and 'hx-trigger="every 1s"' in progress.text
    assert "<script" not in progress.text.split("</head>", 1)[1]  # no inline scripts (CSP)


def test_pages_review_overview_and_chart(hr) -> None:
    client, auth, store = hr
    _place(client, auth, store, _upload(client, auth, to_csv(ROWS)).json()["job"])
    web_login(client, "hr@acme.kz")
    cat_page = client.get("/orgs/acme/catalogue")
    svg = cat_page.text.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in svg and svg.count("<rect") >= 24 + 1  # 3 areas x 8 levels, and bars for the counts
    review = client.get("/orgs/acme/positions?filter=undecided")
    assert review.status_code == 200 and "P-00001" in review.text
    pos = client.get("/orgs/acme/positions/P-00001")
    assert 'class="suggestion"' in pos.text and 'name="choice"' in pos.text
    r = client.post("/orgs/acme/positions/P-00001/decision",
                    data={"csrf_token": csrf_from(pos.text), "choice": "other", "other_row": "3.1-10", "reason": ""},
                    follow_redirects=False)
    assert r.status_code == 422
    r = client.post("/orgs/acme/positions/P-00001/decision",
                    data={"csrf_token": csrf_from(pos.text), "choice": "other", "other_row": "3.1-10",
                          "reason": "board member"}, follow_redirects=False)
    assert r.status_code == 303
    assert "board member" in client.get("/orgs/acme/positions/P-00001").text
    assert client.get("/orgs/acme/catalogue/template.xlsx").status_code == 200
    assert client.get("/orgs/acme/catalogue/template.csv").text.lstrip("\ufeff").startswith("key,title,description")


def test_grade_inversions_flagged(hr) -> None:
    client, auth, store = hr
    rows = [{"key": "JR", "title": "Стажёр-программист", "description": "Выполнение небольших задач под руководством "
             "наставника, базовое знание Python. Опыт не требуется.", "department": "IT", "grade": "G9",
             "occupation_code": "", "oked": ""},
            {"key": "CIO", "title": "Директор по информационным технологиям", "description": "IT-стратегия компании, "
             "120 сотрудников, бюджет, 15 лет опыта.", "department": "IT", "grade": "G2", "occupation_code": "",
             "oked": ""}]
    _place(client, auth, store, _upload(client, auth, to_csv(rows)).json()["job"])
    data = client.get("/api/v1/orgs/acme/positions?filter=disagree", headers=auth).json()
    assert {p["key"] for p in data["positions"]} == {"JR", "CIO"}
    jr = next(p for p in data["positions"] if p["key"] == "JR")
    assert jr["flags"]["inversion"] and jr["flags"]["inversion_with"] == "CIO"
    # the organisation's own grade order (G9 is its lowest grade here) removes the contradiction
    r = client.put("/api/v1/orgs/acme/grade-order", headers=auth, json={"grades": ["G9", "G5", "G2"]})
    assert r.status_code == 200
    assert client.get("/api/v1/orgs/acme/positions?filter=disagree", headers=auth).json()["count"] == 0
    ov = client.get("/api/v1/orgs/acme/catalogue", headers=auth).json()["overview"]
    assert ov["inversions"] == 0 and ov["total"] == 2


def test_careers(client) -> None:
    r = client.get("/api/v1/careers/3.1-06")
    assert r.status_code == 200
    steps = r.json()["steps"]
    assert [(s["kind"], s["id"]) for s in steps][:3] == [("up", "3.1-08"), ("up", "3.1-09"), ("sideways", "3.1-07")]
    assert steps[0]["compare_url"] == "/compare?a=3.1-06&b=3.1-08"
    assert sum(k["changed"] + k["added"] + k["same"] for k in steps[0]["counts"].values()) > 0
    assert "/compare?a=3.1-06" in client.get("/careers/3.1-06").text
    assert client.get("/api/v1/careers/9.9-99").status_code == 404


def test_self_assessment_api_and_form(client) -> None:
    import qualframe

    fw = qualframe.load()
    me = fw.row("3.1-04")
    ratings = {d.id: 2 for d in me.descriptors}
    r = client.post("/api/v1/self-assessments", json={"row_id": "3.1-04", "ratings": ratings, "lang": "en"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert len(body["token"]) >= 22 and body["best_row_id"] == "3.1-04"  # ≥ 128 bits
    assert body["gap"]["row_id"] == "3.1-05" and body["gap"]["items"]
    read = client.get(body["api_url"])
    assert read.status_code == 200 and read.json()["best_row_id"] == "3.1-04"
    assert "no-store" in read.headers["cache-control"] and read.headers["x-robots-tag"] == "noindex"
    assert client.get("/api/v1/self-assessments/" + "x" * 32).status_code == 404
    bad = client.post("/api/v1/self-assessments", json={"row_id": "3.1-04", "ratings": {"3.3-01-c1": 2}})
    assert bad.status_code == 422
    # the form: CSRF-checked, then a redirect to the private link
    form = client.get("/self-assessment?row=3.1-04")
    assert form.status_code == 200 and f'name="r_{me.descriptors[0].id}"' in form.text
    data = {f"r_{d.id}": "1" for d in me.descriptors} | {"row": "3.1-04"}
    assert client.post("/self-assessment", data=data, follow_redirects=False).status_code == 403
    r = client.post("/self-assessment", data={**data, "csrf_token": csrf_from(form.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/self-assessment/")
    page = client.get(r.headers["location"])
    assert page.status_code == 200 and "3.1-04" in page.text
    # from a job text placed by match
    start = client.get("/self-assessment", params={"text": "Программист. Разработка модулей веб-приложений."})
    assert start.status_code == 200 and 'name="row"' in start.text


def test_self_assessment_rate_limit(client) -> None:
    from qualframe.web.routes import catalogue as routes

    ratings = {"3.1-04-c1": 2}
    limit = routes.SELF_RATE[0]
    codes = [client.post("/api/v1/self-assessments", json={"row_id": "3.1-04", "ratings": ratings}).status_code
             for _ in range(limit + 1)]
    assert codes[:limit] == [201] * limit and codes[limit] == 429


def test_counts_and_decisions_are_shown_in_the_page_language(hr) -> None:
    """Counts go through ngettext (Russian has three plural forms) and decision sources are words, not codes."""
    import re

    client, auth, store = hr
    _place(client, auth, store, _upload(client, auth, to_csv(ROWS)).json()["job"])
    web_login(client, "hr@acme.kz")
    assert re.search(r"\b20 должностей\b", client.get("/orgs/acme/positions?lang=ru").text)
    assert re.search(r"\b20 лауазым\b", client.get("/orgs/acme/positions?lang=kk").text)
    assert "20 positions" in client.get("/orgs/acme/positions?lang=en").text
    overview = client.get("/orgs/acme/catalogue?lang=ru").text
    assert re.search(r"\b20 должностей\b", overview) and re.search(r"\b0 с решением\b", overview)
    pos = client.get("/orgs/acme/positions/P-00001?lang=ru")
    r = client.post("/orgs/acme/positions/P-00001/decision",
                    data={"csrf_token": csrf_from(pos.text), "choice": "other", "other_row": "3.1-10",
                          "reason": "board member"}, follow_redirects=False)
    assert r.status_code == 303
    decided = client.get("/orgs/acme/positions/P-00001?lang=ru").text
    assert "(выбран другой уровень)" in decided and "(overridden)" not in decided
    assert re.search(r"\b1 с решением\b", client.get("/orgs/acme/catalogue?lang=ru").text)
    assert client.get("/orgs/acme/positions/P-00001.json").json()["position"]["decision"]["source"] == "overridden"


def test_a_fresh_app_accepts_catalogue_sized_uploads_before_its_router_is_built(make_client) -> None:
    """The upload limit is read by the middleware at start-up, before the lazily built catalogue router exists:
    a 1 MB body (over the 64 kB default) reaches the route (401 without a token), a 7 MB one does not (413)."""
    client = make_client()
    body = b"title\n" + b"x" * (1024 * 1024)
    files = {"file": ("c.csv", body, "text/csv")}
    assert client.post("/api/v1/orgs/acme/catalogue", files=files).status_code == 401
    too_big = {"file": ("c.csv", b"x" * (7 * 1024 * 1024), "text/csv")}
    assert client.post("/api/v1/orgs/acme/catalogue", files=too_big).status_code == 413
