"""Accounts over HTTP, on SQLite and PostgreSQL: log-in (session fixation, cookie flags, open redirects,
rate limits), CSRF, API tokens (expired, revoked), /api/v1/me and the org API, private answers that the
response cache never shares, and the deny-by-default walk over every state-changing route of the app."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import update
from starlette.testclient import TestClient

from accounts_helpers import PASSWORD, csrf_from, make_token, make_user, web_login
from qualframe.accounts import policy
from qualframe.store import accounts as acc
from qualframe.web import auth
from qualframe.web.app import build_routes
from qualframe.web.routes.accounts import safe_next


@pytest.fixture
def app_client(make_client):
    """A client on the app (framework loaded), plus its store; the same app serves every client made from it."""
    c = make_client()
    return c, c.app.state.qf.store


def other_client(c: TestClient, base_url: str = "http://testserver") -> TestClient:
    return TestClient(c.app, raise_server_exceptions=False, base_url=base_url)


def cookie_header(resp: Any, name: str) -> str:
    for v in resp.headers.get_list("set-cookie"):
        if v.startswith(name + "="):
            return v
    raise AssertionError(f"no {name} cookie set")


# --- log-in and sessions -----------------------------------------------------------------------------------

def test_login_gives_a_new_session_id_with_safe_cookie_flags(app_client) -> None:
    c, s = app_client
    make_user(s, "ada@example.kz")
    planted = "attacker-chosen-session-id-0123456789abcdef"
    c.cookies.set(auth.SESSION_COOKIE, planted, domain="testserver.local")
    r = web_login(c, "ada@example.kz")
    assert r.status_code == 303 and r.headers["location"] == "/account"
    set_cookie = cookie_header(r, auth.SESSION_COOKIE)
    sid = c.cookies.get(auth.SESSION_COOKIE)
    assert sid and sid != planted and len(sid) >= 43
    assert "HttpOnly" in set_cookie and "SameSite=lax" in set_cookie and "Path=/" in set_cookie
    assert "Secure" not in set_cookie  # plain http here
    assert acc.session_principal(s, planted) is None
    # logging in again (already signed in) replaces the session: the old id stops working
    r = web_login(c, "ada@example.kz")
    sid2 = c.cookies.get(auth.SESSION_COOKIE)
    assert sid2 != sid and acc.session_principal(s, sid) is None and acc.session_principal(s, sid2) is not None
    assert c.get("/api/v1/me").json()["user"]["email"] == "ada@example.kz"


def test_secure_cookie_over_https_and_trusted_proxy(make_client) -> None:
    c = make_client()
    s = c.app.state.qf.store
    make_user(s, "ada@example.kz")
    https = other_client(c, "https://testserver")
    assert "Secure" in cookie_header(web_login(https, "ada@example.kz"), auth.SESSION_COOKIE)

    def via_proxy(client: TestClient) -> str:
        page = client.get("/login", headers={"x-forwarded-proto": "https"})
        # a Secure cookie is not sent back over plain http by the client, so send it as the browser would
        nonce = cookie_header(page, auth.CSRF_COOKIE).split(";")[0].split("=", 1)[1]
        r = client.post("/login", data={"email": "ada@example.kz", "password": PASSWORD,
                                        "csrf_token": csrf_from(page.text)},
                        headers={"x-forwarded-proto": "https", "cookie": f"{auth.CSRF_COOKIE}={nonce}"},
                        follow_redirects=False)
        return cookie_header(r, auth.SESSION_COOKIE)

    assert "Secure" not in via_proxy(other_client(c))  # the header is not believed by default
    trusting = make_client(trust_proxy_headers=True)
    assert "Secure" in via_proxy(trusting)


def test_failed_login_does_not_tell_whether_the_account_exists_and_is_rate_limited(app_client) -> None:
    c, s = app_client
    make_user(s, "ada@example.kz")
    answers = []
    for email in ("ada@example.kz", "nobody@example.kz"):
        r = web_login(c, email, "wrong password!")
        assert r.status_code == 401
        answers.append(re.sub(r'value="[^"]*"', "", r.text))
    assert answers[0] == answers[1]  # same page, same message, apart from the echoed email and token
    for _ in range(acc.ACCOUNT_FAILURES - 1):
        assert web_login(c, "ada@example.kz", "wrong password!").status_code == 401
    r = web_login(c, "ada@example.kz")  # even the right password waits now
    assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 900
    assert auth.SESSION_COOKIE not in r.headers.get("set-cookie", "")
    # the same limit holds for an address that tries many accounts
    other = other_client(c)
    for i in range(acc.ADDRESS_FAILURES - acc.ACCOUNT_FAILURES - 1):
        web_login(other, f"u{i}@example.kz", "wrong password!")
    r = web_login(other, "fresh@example.kz", "wrong password!")
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example",
                                    "javascript:alert(1)", "http:/evil.example", "\\\\evil.example", "/ok\r\nX: y"])
def test_open_redirect_in_next_is_refused(app_client, target: str) -> None:
    c, s = app_client
    assert safe_next(target) == "/account"
    make_user(s, "ada@example.kz")
    page = c.get("/login", params={"next": target})
    assert 'name="next" value="/account"' in page.text
    r = c.post("/login", data={"email": "ada@example.kz", "password": PASSWORD, "next": target,
                               "csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account"


def test_next_keeps_a_local_path(app_client) -> None:
    c, s = app_client
    make_user(s, "ada@example.kz")
    page = c.get("/login", params={"next": "/levels/3.1-07?lang=en"})
    r = c.post("/login", data={"email": "ada@example.kz", "password": PASSWORD, "next": "/levels/3.1-07?lang=en",
                               "csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert r.headers["location"] == "/levels/3.1-07?lang=en"


def test_logout_deletes_the_session(app_client) -> None:
    c, s = app_client
    make_user(s, "ada@example.kz")
    web_login(c, "ada@example.kz")
    sid = c.cookies.get(auth.SESSION_COOKIE)
    token = csrf_from(c.get("/account").text)
    assert c.post("/logout", data={}).status_code == 403  # no CSRF token
    r = c.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and acc.session_principal(s, sid) is None
    assert 'qf_session=""' in r.headers["set-cookie"] or "Max-Age=0" in r.headers["set-cookie"]
    c.cookies.set(auth.SESSION_COOKIE, sid, domain="testserver.local")  # replaying the old cookie does not help
    assert c.get("/api/v1/me").status_code == 401
    assert c.get("/account", follow_redirects=False).headers["location"] == "/login?next=%2Faccount"


# --- CSRF -----------------------------------------------------------------------------------------------------

def test_csrf_is_refused_without_a_valid_token(app_client) -> None:
    c, s = app_client
    make_user(s, "ada@example.kz")
    make_user(s, "bob@example.kz")
    web_login(c, "ada@example.kz")
    good = csrf_from(c.get("/account").text)
    bob = other_client(c)
    web_login(bob, "bob@example.kz")
    bobs = csrf_from(bob.get("/account").text)
    for token in (None, "", "0" * 64, bobs):
        data = {"display_name": "Mallory"} | ({"csrf_token": token} if token is not None else {})
        assert c.post("/account", data=data, follow_redirects=False).status_code == 403
    assert c.post("/account", data={"display_name": "Ada L.", "csrf_token": good},
                  follow_redirects=False).status_code == 303
    assert c.get("/api/v1/me").json()["user"]["display_name"] == "Ada L."
    # the JSON API with a session cookie takes the token in a header (GET /api/v1/me hands it out)
    me = c.get("/api/v1/me").json()
    assert c.post("/api/v1/me/tokens", json={"org": "x"}).status_code == 403
    assert c.post("/api/v1/me/tokens", json={"org": "x"}, headers={"x-csrf-token": me["csrf_token"]}).status_code == 404


def test_public_forms_carry_a_csrf_token(app_client) -> None:
    c, _ = app_client
    assert c.post("/login", data={"email": "a@b.kz", "password": "x" * 12}).status_code == 403
    assert c.post("/match", data={"text": "software developer"}).status_code == 403
    page = c.get("/match")
    assert page.headers["cache-control"] == "private, no-store"
    r = c.post("/match", data={"text": "software developer", "csrf_token": csrf_from(page.text)})
    assert r.status_code in (200, 503)  # 503 only if the match engine is unavailable
    stranger = other_client(c)  # a token from someone else's page does not fit this browser's cookie
    assert stranger.post("/match", data={"text": "x", "csrf_token": csrf_from(page.text)}).status_code == 403
    assert c.post("/api/v1/match", json={"text": "software developer"}).status_code in (200, 503)  # API: no cookie


# --- tokens, /api/v1/me and the org API ------------------------------------------------------------------------

def test_tokens_on_the_api_expired_and_revoked_refused(app_client) -> None:
    c, s = app_client
    make_user(s, "ada@example.kz", roles={"acme": ["admin"]})
    secret, rec = make_token(s, "ada@example.kz", "acme")
    me = c.get("/api/v1/me", headers={"authorization": f"Bearer {secret}"})
    assert me.status_code == 200
    body = me.json()
    assert body["via"] == "token" and body["organisation"] == "acme" and body["role"] == "admin"
    assert body["user"]["email"] == "ada@example.kz" and "csrf_token" not in body
    assert me.headers["cache-control"] == "private, no-store" and "Authorization" in me.headers["vary"]
    r = c.get("/api/v1/me", headers={"authorization": "Bearer qf_nonsense"})
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    assert r.json()["error"]["code"] == "unauthenticated"
    with s.engine.begin() as conn:
        conn.execute(update(acc.ApiTokenRow).where(acc.ApiTokenRow.id == rec.id)
                     .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert c.get("/api/v1/me", headers={"authorization": f"Bearer {secret}"}).status_code == 401
    secret2, rec2 = make_token(s, "ada@example.kz", "acme")
    h2 = {"authorization": f"Bearer {secret2}"}
    assert c.delete(f"/api/v1/orgs/acme/tokens/{rec2.id}", headers=h2).status_code == 200  # revokes itself
    r = c.get("/api/v1/me", headers=h2)
    assert r.status_code == 401 and "revoked" in r.json()["error"]["message"]


def test_me_is_private_and_never_served_to_another_user(app_client) -> None:
    c, s = app_client
    make_user(s, "ada@example.kz", roles={"acme": ["admin"]})
    make_user(s, "bob@example.kz", roles={"beta": ["hr"]})
    ta, _ = make_token(s, "ada@example.kz", "acme")
    tb, _ = make_token(s, "bob@example.kz", "beta")
    cache = c.app.state.qf.cache
    for _ in range(2):
        for token, email in ((ta, "ada@example.kz"), (tb, "bob@example.kz")):
            r = c.get("/api/v1/me", headers={"authorization": f"Bearer {token}"})
            assert r.json()["user"]["email"] == email
    assert c.get("/api/v1/me").status_code == 401
    # through sessions, pages and their JSON twins too
    a, b = other_client(c), other_client(c)
    web_login(a, "ada@example.kz")
    web_login(b, "bob@example.kz")
    for _ in range(2):
        assert "ada@example.kz" in a.get("/account").text and "bob@example.kz" in b.get("/account").text
        assert a.get("/account.json").json()["user"]["email"] == "ada@example.kz"
        assert b.get("/account.json").json()["user"]["email"] == "bob@example.kz"
        # a framework page shows who is signed in, so a signed-in page is not taken from the cache
        pa, pb, anon = a.get("/levels/3.1-07"), b.get("/levels/3.1-07"), other_client(c).get("/levels/3.1-07")
        assert ">ada<" in pa.text and ">bob<" in pb.text and ">ada<" not in anon.text and ">bob<" not in anon.text
        assert pa.headers["cache-control"] == "private, no-store" and "etag" not in pa.headers
    keys = [k for k in cache._entries if k[0] in ("/api/v1/me", "/account", "/orgs/acme")]
    assert keys == []


def test_org_api_for_admins_members_and_the_public(app_client) -> None:
    c, s = app_client
    make_user(s, "root@example.kz", superuser=True)
    make_user(s, "ada@example.kz")
    make_user(s, "bob@example.kz")
    root = other_client(c)
    web_login(root, "root@example.kz")
    hdr = {"x-csrf-token": root.get("/api/v1/me").json()["csrf_token"]}
    r = root.post("/api/v1/orgs", json={"slug": "rc", "kind": "recognition-centre", "names": {"kk": "Орталық"},
                                        "accreditation_number": "KZ-9", "accreditation_valid_from": "2025-01-01",
                                        "accreditation_valid_to": "2027-01-01"}, headers=hdr)
    assert r.status_code == 201 and r.json()["accreditation"]["number"] == "KZ-9"
    assert root.post("/api/v1/orgs/rc/members", json={"email": "ada@example.kz", "role": "admin"},
                     headers=hdr).status_code == 201
    ta = root.post("/api/v1/orgs/rc/tokens", json={"email": "ada@example.kz", "expires": "1d"}, headers=hdr).json()
    ha = {"authorization": f"Bearer {ta['token']}"}
    assert c.post("/api/v1/orgs/rc/members", json={"email": "bob@example.kz", "role": "assessor"},
                  headers=ha).status_code == 201
    assert c.post("/api/v1/orgs/rc/members", json={"email": "bob@example.kz", "role": "assessor"},
                  headers=ha).status_code == 409
    assert c.post("/api/v1/orgs/rc/members", json={"email": "bob@example.kz", "role": "king"},
                  headers=ha).status_code == 422
    tb = c.post("/api/v1/orgs/rc/tokens", json={"email": "bob@example.kz", "name": "scanner"}, headers=ha).json()
    hb = {"authorization": f"Bearer {tb['token']}"}
    full = c.get("/api/v1/orgs/rc", headers=ha).json()
    assert {m["email"]: m["roles"] for m in full["members"]} == {"ada@example.kz": ["admin"],
                                                                 "bob@example.kz": ["assessor"]}
    assert all("token" not in t for t in full["tokens"])
    public = c.get("/api/v1/orgs/rc").json()
    assert public["slug"] == "rc" and "members" not in public and "tokens" not in public
    assert "members" not in c.get("/api/v1/orgs/rc", headers=hb).json()
    assert c.get("/api/v1/orgs/rc/audit", headers=hb).status_code == 403
    assert c.patch("/api/v1/orgs/rc", json={"names": {"en": "Centre"}}, headers=ha).json()["names"] == {
        "kk": "Орталық", "en": "Centre"}
    page1 = c.get("/api/v1/orgs/rc/audit?limit=3", headers=ha).json()
    assert [e["action"] for e in page1["entries"]] == ["org.update", "token.create", "member.add"]
    page2 = c.get(page1["next"], headers=ha).json()
    assert page2["entries"][0]["seq"] < page1["entries"][-1]["seq"]
    assert all(e["org"] == "rc" for e in page1["entries"] + page2["entries"])
    add = page1["entries"][2]
    assert add["actor"].startswith("user:") and add["client"] and add["request_id"]
    r = c.delete(f"/api/v1/orgs/rc/members/{tb['user_id']}/roles/assessor", headers=ha)
    assert r.status_code == 200
    assert c.get("/api/v1/me", headers=hb).status_code == 401  # the token went with the role
    assert acc.verify_audit(s).ok


def test_web_pages_for_an_org_admin(app_client) -> None:
    c, s = app_client
    make_user(s, "ada@example.kz", roles={"acme": ["admin"]})
    make_user(s, "bob@example.kz")
    web_login(c, "ada@example.kz")
    page = c.get("/orgs/acme")
    assert page.status_code == 200 and "bob@example.kz" not in page.text
    tok = csrf_from(page.text)
    r = c.post("/orgs/acme/members", data={"email": "bob@example.kz", "role": "hr", "csrf_token": tok},
               follow_redirects=False)
    assert r.status_code == 303
    r = c.post("/orgs/acme/tokens", data={"email": "bob@example.kz", "role": "hr", "name": "hr-bot",
                                          "expires": "7d", "csrf_token": tok})
    assert r.status_code == 201
    shown = re.search(r'id="new-token">(qf_[^<]+)<', r.text).group(1)
    assert c.get("/api/v1/me", headers={"authorization": f"Bearer {shown}"}).json()["role"] == "hr"
    assert shown not in c.get("/orgs/acme").text  # shown once
    audit = c.get("/orgs/acme/audit")
    assert audit.status_code == 200 and "token.create" in audit.text and "member.add" in audit.text
    assert other_client(c).get("/orgs/acme/audit").status_code == 401
    anon = other_client(c).get("/orgs/acme")
    assert anon.status_code == 200 and "bob@example.kz" not in anon.text


# --- deny by default ------------------------------------------------------------------------------------------------

def _fill(path: str) -> str:
    values = {"slug": "acme", "token_id": "1", "user_id": "1", "role": "hr"}
    return re.sub(r"\{(\w+)(:[^}]*)?\}", lambda m: values.get(m.group(1), "1"), path)


def _send(client: TestClient, method: str, path: str, headers: dict[str, str] | None = None,
          csrf: str | None = None) -> Any:
    if path.startswith("/api/"):
        return client.request(method, path, json={}, headers={**(headers or {}),
                                                              **({"x-csrf-token": csrf} if csrf else {})})
    return client.request(method, path, data={"csrf_token": csrf} if csrf else {}, headers=headers or {},
                          follow_redirects=False)


def test_every_state_changing_route_refuses_the_anonymous_and_the_wrong_role(app_client) -> None:
    c, s = app_client
    app = c.app
    build_routes(app)  # the routers are built on first use: the walk needs them all
    routes = auth.write_routes(app)
    # the OpenAPI documents no write the walk would miss, and no public exception is stale
    spec = c.get("/api/v1/openapi.json").json()
    documented = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops if m.upper() in auth.WRITE_METHODS}
    walked = {(m, p) for m, p, _ in routes}
    assert documented <= walked
    assert set(policy.PUBLIC_WRITES) <= walked
    assert all(reason.strip() for reason in policy.PUBLIC_WRITES.values())
    assert len(walked - set(policy.PUBLIC_WRITES)) >= 10

    # one signed-in user and one token per role in "acme", plus an admin of another organisation
    make_user(s, "boss@example.kz", roles={"acme": ["admin"]})
    sessions: dict[str, tuple[TestClient, str]] = {}
    tokens: dict[str, str] = {}
    for role in policy.ROLES:
        email = f"{role}@example.kz"
        if role != "admin":
            make_user(s, email, roles={"acme": [role]})
        else:
            email = "boss@example.kz"
        tokens[role], _ = make_token(s, email, "acme", role)
        cl = other_client(c)
        web_login(cl, email)
        sessions[role] = (cl, csrf_from(cl.get("/account").text))
    make_user(s, "stranger@example.kz", roles={"other": ["admin"]})
    stranger = other_client(c)
    web_login(stranger, "stranger@example.kz")
    stranger_csrf = csrf_from(stranger.get("/account").text)
    stranger_token, _ = make_token(s, "stranger@example.kz", "other")
    anonymous = other_client(c)

    checked_403 = 0
    for method, template, route in routes:
        if (method, template) in policy.PUBLIC_WRITES:
            continue
        path = _fill(template)
        action = auth.route_action(route)
        assert action in policy.POLICY, f"{method} {template}"
        r = _send(anonymous, method, path)
        assert r.status_code == 401, f"anonymous {method} {template}: {r.status_code} {r.text[:200]}"
        r = _send(anonymous, method, path, headers={"authorization": "Bearer qf_AAAAAAAA_" + "A" * 43})
        assert r.status_code == 401, f"bad token {method} {template}"
        rule = policy.POLICY[action]
        if rule.scope == "self":
            continue  # any signed-in user acts on their own account: there is no wrong role
        wrong = ["admin"] if rule.scope == "platform" else policy.roles_refused(action)
        for role in wrong:
            cl, csrf = sessions[role]
            r = _send(cl, method, path, csrf=csrf)
            assert r.status_code == 403, f"{role} session {method} {template}: {r.status_code} {r.text[:200]}"
            r = _send(anonymous, method, path, headers={"authorization": f"Bearer {tokens[role]}"})
            assert r.status_code == 403, f"{role} token {method} {template}: {r.status_code} {r.text[:200]}"
            checked_403 += 1
        if rule.scope == "org":  # the right role, but in another organisation
            r = _send(stranger, method, path, csrf=stranger_csrf)
            assert r.status_code == 403, f"admin of another org {method} {template}"
            r = _send(anonymous, method, path, headers={"authorization": f"Bearer {stranger_token}"})
            assert r.status_code == 403, f"token of another org {method} {template}"
    assert checked_403 >= 10


def test_an_unguarded_write_route_stops_the_app() -> None:
    app = FastAPI()

    @app.post("/api/v1/things")
    def make_thing() -> dict[str, str]:
        return {}

    with pytest.raises(RuntimeError, match=r"POST /api/v1/things changes state but declares no require"):
        auth.check_routes(app)

    guarded = FastAPI()

    @guarded.delete("/api/v1/orgs/{slug}/things")
    def drop_thing(p: Any = auth.require("catalogue.write", org_from="slug")) -> dict[str, str]:  # noqa: B008
        return {}

    auth.check_routes(guarded)
    with pytest.raises(ValueError, match="org_from"):
        auth.require("catalogue.write")
    with pytest.raises(KeyError, match="unknown action"):
        auth.require("catalogue.burn", org_from="slug")
