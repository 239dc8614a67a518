"""Two `qualframe serve` processes on one database behave as one service: a session or token made through
one works through the other at once, a revocation through one is refused by the other at once, private
answers are never shared between users, and concurrent writes through both keep one audit chain.
Real server processes (uvicorn on loopback ports), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from accounts_helpers import PASSWORD, csrf_from, make_user
from qualframe.store import Store
from qualframe.store import accounts as acc

CLI = [sys.executable, "-c", "from qualframe.cli import main; main()"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(db_url: str, tmp_path, name: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "QUALFRAME_DATA_DIR": str(tmp_path / name)}
    proc = subprocess.Popen([*CLI, "serve", "--db", db_url, "--port", str(port), "--json"], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    lines: list[bytes] = []
    while not lines or lines[-1] != b"}\n":  # the summary is printed once the database is ready
        line = proc.stdout.readline()
        assert line, f"server {name} exited before it was ready"
        lines.append(line)
    json.loads(b"".join(lines))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(base + "/api/v1/health", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"server {name} did not answer"
        time.sleep(0.1)


@pytest.fixture
def two_servers(db_url: str, tmp_path) -> Iterator[tuple[str, str, Store]]:
    procs = []
    try:
        pa, a = _start(db_url, tmp_path, "a")  # migrates and loads; then the second finds it ready
        procs.append(pa)
        pb, b = _start(db_url, tmp_path, "b")
        procs.append(pb)
        store = Store(db_url)
        yield a, b, store
        store.close()
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=15)


def _login(base: str, email: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=30)
    page = c.get("/login")
    r = c.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_from(page.text)})
    assert r.status_code in (200, 303), r.text[:300]
    return c


def test_two_processes_are_one_service(two_servers) -> None:
    a, b, store = two_servers
    make_user(store, "ada@example.kz", roles={"acme": ["admin", "hr"]})
    make_user(store, "bob@example.kz", roles={"beta": ["assessor"]})

    # a session opened through A is known to B
    ada_a = _login(a, "ada@example.kz")
    ada_b = httpx.Client(base_url=b, cookies=ada_a.cookies, timeout=30)
    assert ada_b.get("/api/v1/me").json()["user"]["email"] == "ada@example.kz"

    # a token made through A works on B at once; revoked through A, B refuses it at once
    csrf = ada_a.get("/api/v1/me").json()["csrf_token"]
    made = ada_a.post("/api/v1/me/tokens", json={"org": "acme", "role": "hr", "name": "ci"},
                      headers={"x-csrf-token": csrf})
    assert made.status_code == 201
    bearer = {"authorization": f"Bearer {made.json()['token']}"}
    me_b = httpx.get(b + "/api/v1/me", headers=bearer)
    assert me_b.status_code == 200 and me_b.json()["role"] == "hr"
    assert ada_a.delete(f"/api/v1/me/tokens/{made.json()['id']}", headers={"x-csrf-token": csrf}).status_code == 200
    assert httpx.get(b + "/api/v1/me", headers=bearer).status_code == 401

    bob_b = _login(b, "bob@example.kz")
    for _ in range(3):  # private answers are never shared, whichever process answers
        for client, email in ((ada_a, "ada@example.kz"), (ada_b, "ada@example.kz"), (bob_b, "bob@example.kz")):
            r = client.get("/api/v1/me")
            assert r.json()["user"]["email"] == email and r.headers["cache-control"] == "private, no-store"
    # logging out through B ends the session for A too
    bob_sid = bob_b.cookies.get("qf_session")
    assert httpx.get(a + "/api/v1/me", cookies={"qf_session": bob_sid}).status_code == 200
    bob_csrf = bob_b.get("/api/v1/me").json()["csrf_token"]
    assert bob_b.post("/logout", data={"csrf_token": bob_csrf}).status_code in (200, 303)
    assert httpx.get(a + "/api/v1/me", cookies={"qf_session": bob_sid}).status_code == 401


def test_concurrent_writes_through_both_processes_keep_one_chain(two_servers) -> None:
    a, b, store = two_servers
    make_user(store, "ada@example.kz", roles={"acme": ["admin"]})
    with acc.audited(store, acc.Actor("cli:test")) as tx:
        secret, _ = acc.create_token(tx, "ada@example.kz", "acme")
    hdr = {"authorization": f"Bearer {secret}"}
    emails = [f"m{i}@example.kz" for i in range(24)]
    for e in emails:
        make_user(store, e, password=None)
    before = acc.verify_audit(store).entries

    def add(i: int) -> int:
        base = (a, b)[i % 2]
        r = httpx.post(f"{base}/api/v1/orgs/acme/members", json={"email": emails[i], "role": "hr"}, headers=hdr,
                       timeout=60)
        return r.status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(add, range(len(emails))))
    assert codes == [201] * len(emails)
    v = acc.verify_audit(store)
    assert v.ok, v.broken
    assert v.entries == before + len(emails)
    members = httpx.get(f"{b}/api/v1/orgs/acme/members", headers=hdr).json()["members"]
    assert {m["email"] for m in members} >= set(emails)
