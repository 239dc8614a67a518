"""Accounts: what authentication costs a read, and how fast the audit chain takes appends.

1. Overhead of an authenticated API read over an anonymous one (target <= 1 ms median): the same
   answer (GET /api/v1/orgs/{slug}, public fields) asked anonymously and with a member's Bearer token,
   interleaved, in-process on SQLite; the difference of medians is the token check (one indexed query).
   Also: a cached public read with and without a token (the cache serves both).
2. Audit appends per second under 8 concurrent writer processes, on SQLite and on PostgreSQL
   ($QUALFRAME_BENCH_PG_URL or $QUALFRAME_TEST_PG_URL; a throwaway database is created on that server
   and dropped afterwards; skipped with a message when no URL is given). The chain is verified after.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))
os.environ.setdefault("QUALFRAME_ARGON2_PROFILE", "test")  # creating bench users is not what is measured

WRITERS = 8
APPEND_SECONDS = float(os.environ.get("QUALFRAME_BENCH_SECONDS", "3"))
READS = int(os.environ.get("QUALFRAME_BENCH_READS", "400"))

WRITER = """
import os, sys, time
from qualframe.store import Store
from qualframe.store import accounts as acc
s = Store(sys.argv[1])
print("ready", flush=True)
while not os.path.exists(sys.argv[3]):  # all writers start together, once every one has imported
    time.sleep(0.001)
stop = time.time() + float(sys.argv[4])
n = 0
while time.time() < stop:
    with acc.audited(s, acc.Actor("bench-" + sys.argv[2])) as tx:
        tx.audit("bench.append", "thing", n)
    n += 1
print(n, flush=True)
"""

def _ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def auth_overhead() -> None:
    from starlette.testclient import TestClient

    from qualframe.store import Store
    from qualframe.store import accounts as acc
    from qualframe.web.app import create_app
    from qualframe.web.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        store = Store(url)
        app = create_app(Settings(database_url=url), store=store)
        with acc.audited(store, acc.Actor("cli:bench")) as tx:
            acc.create_user(tx, "bench@example.kz", password="bench password 1")
            acc.create_org(tx, "acme", "employer", {"kk": "Acme"})
            acc.add_member(tx, "acme", "bench@example.kz", "hr")
            secret, _ = acc.create_token(tx, "bench@example.kz", "acme")
        client = TestClient(app)
        bearer = {"authorization": f"Bearer {secret}"}
        for path, label in (("/api/v1/orgs/acme", "org (uncached, private)"),
                            ("/api/v1/frameworks/kz-ict-sqf-2013/levels/3.1-07", "level JSON (cached)")):
            anon: list[float] = []
            auth: list[float] = []
            for _ in range(20):  # warm-up
                client.get(path)
                client.get(path, headers=bearer)
            for _ in range(READS):  # interleaved, so drift on a shared machine hits both alike
                t0 = time.perf_counter()
                r1 = client.get(path)
                t1 = time.perf_counter()
                r2 = client.get(path, headers=bearer)
                t2 = time.perf_counter()
                anon.append(t1 - t0)
                auth.append(t2 - t1)
            assert r1.status_code == r2.status_code == 200
            over = _ms(auth) - _ms(anon)
            verdict = "meets" if over <= 1.0 else "misses"
            print(f"   {label}: anonymous median {_ms(anon):.2f} ms, with token {_ms(auth):.2f} ms, "
                  f"overhead {over:+.2f} ms ({verdict} the 1 ms target; n={READS})", flush=True)
        t = []
        for _ in range(200):
            t0 = time.perf_counter()
            acc.token_principal(store, secret)
            t.append(time.perf_counter() - t0)
        print(f"   token check alone (one indexed query): median {_ms(t):.3f} ms", flush=True)
        store.close()


def appends(url: str, label: str) -> None:
    from qualframe.store import Store
    from qualframe.store import accounts as acc

    store = Store(url)
    store.migrate()
    go = Path(tempfile.mkdtemp()) / "go"
    env = {**os.environ, "PYTHONPATH": str(HERE.parent / "src")}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, url, str(i), str(go), str(APPEND_SECONDS)],
                              stdout=subprocess.PIPE, text=True, env=env) for i in range(WRITERS)]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    go.touch()
    counts = [int(p.communicate(timeout=120)[0].strip() or 0) for p in procs]
    go.unlink()
    verdict = acc.verify_audit(store)
    store.close()
    total = sum(counts)
    print(f"   audit appends, {WRITERS} writer processes, {label}: {total / APPEND_SECONDS:,.0f}/s "
          f"({total} in {APPEND_SECONDS:.0f} s; per writer {min(counts)}-{max(counts)}); chain "
          f"{'intact' if verdict.ok else 'BROKEN: ' + str(verdict.broken)} ({verdict.entries} entries)", flush=True)


def pg_appends() -> None:
    base = os.environ.get("QUALFRAME_BENCH_PG_URL") or os.environ.get("QUALFRAME_TEST_PG_URL")
    if not base:
        print("   audit appends on PostgreSQL: skipped (set QUALFRAME_BENCH_PG_URL to a server you may create "
              "a throwaway database on)", flush=True)
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from qualframe.store import normalise_url

    admin_url = make_url(normalise_url(base)).set(database="postgres")
    name = f"qualframe_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        appends(make_url(normalise_url(base)).set(database=name).render_as_string(hide_password=False), "PostgreSQL")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    auth_overhead()
    with tempfile.TemporaryDirectory() as tmp:
        appends(f"sqlite:///{tmp}/audit.db", "SQLite (one file)")
    pg_appends()


if __name__ == "__main__":
    main()
