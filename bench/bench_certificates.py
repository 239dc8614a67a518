"""Certificates: a campaign of 10,000 through the CLI (`qualframe assessment import` of a results CSV, then
`qualframe credential issue-batch` with its progress bar), verify rates through the store, the public register
look-up with 1,000,000 certificates on PostgreSQL (store and HTTP, page and .json), and the status list from
its cache.

Settings (environment): QUALFRAME_BENCH_BATCH (certificates in the batch issue on SQLite; default 10,000;
PostgreSQL issues a tenth of it), QUALFRAME_BENCH_REGISTER_ROWS (default 1,000,000), QUALFRAME_BENCH_PG_URL
(else QUALFRAME_TEST_PG_URL; without either the PostgreSQL figures are skipped). The PostgreSQL database is
emptied first: give it one of its own. Timings are medians (p99 where asked) of wall time, with the CPU time
of this process beside them: the machine is shared, and the CPU figure is the one that does not move with load.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import fmt_ms, timeit

SECRET = b"bench-only key-encryption secret of 32+ bytes"
QUALFRAME = Path(sys.executable).parent / "qualframe"


def _centre(store) -> list[str]:
    """The centre and its programme; returns the covered descriptor ids (the results file's columns)."""
    from qualframe.store import accounts as acc
    from qualframe.store import credentials as cs

    with acc.audited(store, acc.Actor("cli:bench")) as tx:
        acc.create_org(tx, "kazcert", "recognition-centre", {"kk": "ҚазСерт"}, accreditation_number="KZ-RC-1",
                       valid_from=date(2020, 1, 1), valid_to=date(2040, 1, 1))
        prog = cs.add_programme(tx, "kazcert", store.get_framework("kz-ict-sqf-2013"), row_id="3.1-07",
                                title="Бағдарламашы, СБШ 62", descriptors=None, methods=["test", "interview"],
                                rules=None)
    return [d for ids in prog.spec["descriptors"].values() for d in ids]


def _store(url: str):
    from qualframe.store import Store, prepare

    store = Store(url)
    prepare(store)
    return store


def _cli(*args: str, show_progress: bool = True) -> dict:
    """Run the real `qualframe` command; its progress bar goes to this terminal, its --json answer is parsed."""
    env = {**os.environ, "QUALFRAME_SECRET_KEY": SECRET.decode()}
    r = subprocess.run([str(QUALFRAME), *args, "--json"], env=env, stdout=subprocess.PIPE,
                       stderr=None if show_progress else subprocess.DEVNULL, text=True, check=False)
    if r.returncode != 0:
        raise SystemExit(f"qualframe {' '.join(args)} failed ({r.returncode}): {r.stdout[-2000:]}")
    return json.loads(r.stdout)


def _results_csv(descriptors: list[str], n: int) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";")
    w.writerow(["name", "date", "assessors", "evidence", *descriptors])
    for i in range(n):
        w.writerow([f"Кандидат {i} Тестов", "15.01.2026", "Бекзат Оразов; Алма Нұрланова", "тест",
                    *["иә"] * len(descriptors)])
    return buf.getvalue().encode("utf-8")


def campaign(store, label: str, n: int, workdir: str) -> None:
    """Import n passed assessments from a results CSV, then issue their certificates, both through the CLI."""
    descriptors = _centre(store)
    results = Path(workdir) / f"results-{label}.csv"
    results.write_bytes(_results_csv(descriptors, n))
    t0 = time.perf_counter()
    imported = _cli("assessment", "import", "kazcert", str(results), "--programme", "1", "--db", store.url)
    took = time.perf_counter() - t0
    print(f"   {label}: `assessment import` of {n:,} rows (checked, then one transaction, audited): "
          f"{took:.1f} s, {imported['recorded'] / took:.0f} rows/s", flush=True)
    out = _cli("credential", "issue-batch", "kazcert", "--all-passed", "--db", store.url)
    assert out["issued"] == n and out["failure"] is None, out
    print(f"   {label}: `credential issue-batch` of {n:,} certificates (number, status slot, eddsa-rdfc-2022 "
          f"signature, audit entry; chunks of 50): {out['seconds']:.1f} s, {out['per_second']:.1f} "
          f"certificates/s on one core ({out['first']} … {out['last']})", flush=True)
    again = _cli("credential", "issue-batch", "kazcert", "--all-passed", "--db", store.url, show_progress=False)
    assert again["issued"] == 0 and again["already_certified"] == n, again


def verify_rates(store, label: str) -> None:
    from qualframe.credentials import jsonld
    from qualframe.credentials.keys import KeyEncryptionKey
    from qualframe.credentials.verify import verify_credential
    from qualframe.store import credentials as cs

    kek = KeyEncryptionKey(SECRET)
    verifier = cs.StoreVerifier(store, lambda: kek)
    with store.engine.connect() as conn:
        certs = cs.list_certificates(conn, "kazcert", limit=30)
    it = iter(certs * 3)

    def verify() -> None:
        jsonld.clear_caches()  # each credential is new to the verifier: no memoised expansion
        assert verify_credential(next(it).credential, **verifier.options()).verified

    c0 = time.process_time()
    times = timeit(verify, repeat=len(certs), warmup=2)
    cpu = (time.process_time() - c0) / (len(certs) + 2)
    print(f"   {label}: verify through the store (proof, issuer register, both status lists from the cache): "
          f"{fmt_ms(times)}, {1 / statistics.median(times):.0f}/s on one core (CPU {cpu * 1000:.1f} ms each)")


class _Served:
    """A real `qualframe serve` process (one worker) on `url`, settled, with one keep-alive connection."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __enter__(self) -> _Served:
        import http.client

        import psutil

        from bench_web import _free_port, _start

        os.environ["QUALFRAME_SECRET_KEY"] = SECRET.decode()
        self.dir = tempfile.TemporaryDirectory()
        port = _free_port()
        self.proc, _ = _start(self.url, port, 1, Path(self.dir.name) / "serve.log")
        self.server = psutil.Process(self.proc.pid)
        _settle(self.server)
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        return self

    def get(self, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
        self.conn.request("GET", path, headers=headers or {})
        r = self.conn.getresponse()
        body = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, body

    def __exit__(self, *exc: object) -> None:
        from bench_web import _stop

        self.conn.close()
        _stop(self.proc)
        self.dir.cleanup()


def status_lists(store, label: str) -> None:
    """The status list from its cache: in the store, and from a real server as verifiers fetch it (200, 304)."""
    from qualframe.credentials.keys import KeyEncryptionKey
    from qualframe.store import accounts as acc
    from qualframe.store import credentials as cs

    kek = KeyEncryptionKey(SECRET)
    with store.engine.connect() as conn:
        lid, token = conn.exec_driver_sql("SELECT min(id), min(token) FROM status_lists").one()
    hits = timeit(lambda: cs.signed_status_list(store, lid, "revocation", lambda: kek), repeat=200)
    print(f"   {label}: status list fetch from the database cache (131,072 entries, signed): {fmt_ms(hits)}")

    def rebuild() -> None:
        with store.engine.begin() as conn:
            conn.exec_driver_sql(f"UPDATE status_lists SET version = version + 1 WHERE id = {lid}")
        cs.signed_status_list(store, lid, "revocation", lambda: kek)

    print(f"   {label}: status list rebuilt and signed after a change: {fmt_ms(timeit(rebuild, repeat=10))}")
    with store.engine.connect() as conn:
        numbers = [c.number for c in cs.list_certificates(conn, "kazcert", limit=10)]
    path = f"/status/kazcert/{token}/revocation"
    with _Served(store.url) as srv:
        status, headers, _ = srv.get(path)
        assert status == 200, status
        etag = headers["etag"]
        c0 = sum(srv.server.cpu_times()[:2])
        full = timeit(lambda: srv.get(path), repeat=300, warmup=5)
        c1 = sum(srv.server.cpu_times()[:2])
        same = timeit(lambda: srv.get(path, {"if-none-match": etag}), repeat=1000, warmup=5)
        c2 = sum(srv.server.cpu_times()[:2])
        cpu200, cpu304 = (c1 - c0) / 305 * 1000, (c2 - c1) / 1005 * 1000
        # verifiers revalidating while the centre revokes now and then: one revocation per 100 fetches
        codes = []
        seen = etag
        t0 = time.perf_counter()
        for i in range(1000):
            if i % 100 == 99:
                with acc.audited(store, acc.Actor("cli:bench")) as tx:
                    cs.set_status(tx, numbers[i // 100], "revoke", "bench")
            status, headers, _ = srv.get(path, {"if-none-match": seen})
            codes.append(status)
            seen = headers["etag"]
        took = time.perf_counter() - t0
    rate304 = codes.count(304) / len(codes) * 100
    print(f"   {label}: GET status list from `qualframe serve`, one connection: 200 {fmt_ms(full)} "
          f"({1 / statistics.median(full):.0f} req/s, server CPU {cpu200:.2f} ms each); 304 {fmt_ms(same)} "
          f"({1 / statistics.median(same):.0f} req/s, server CPU {cpu304:.2f} ms each)")
    print(f"   {label}: 1,000 revalidations with a revocation every 100: {rate304:.1f} % answered 304, "
          f"{len(codes) / took:.0f} req/s overall (each change re-signs the list once); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def register_lookup(url: str, rows: int) -> None:
    """p50/p99 of the public register's look-up by number with `rows` certificates on PostgreSQL."""
    from sqlalchemy import create_engine, text

    from qualframe.store import credentials as cs

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    store = _store(url)
    _centre(store)
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    with store.engine.begin() as conn:
        org = conn.execute(text("SELECT id FROM organisations WHERE slug='kazcert'")).scalar()
        lists = rows // 131_072 + 1
        conn.execute(text(
            "INSERT INTO status_lists (org_id, key_id, token, url, size, next_index, version, created_at) "
            "SELECT :o, 'did:key:zBench#zBench', 'bench' || n, 'https://x/status/kazcert/bench' || n, 131072, "
            "131072, 1, :now FROM generate_series(0, :m) AS n"), {"o": org, "m": lists - 1, "now": now})
        first = conn.execute(text("SELECT min(id) FROM status_lists")).scalar()
        # built in the server: no row crosses the connection; the credential itself is a stub here (the
        # register's page does not read it)
        conn.execute(text(
            "INSERT INTO certificates (org_id, number, credential_id, title, holder_name, holder_consent, "
            "valid_from, issued_at, key_id, status_list_id, status_index, credential) "
            "SELECT :o, num, 'https://x/register/certificates/' || num, 'Бағдарламашы', 'Кандидат ' || i, "
            "'masked', :now, :now, 'did:key:zBench#zBench', :first + i / 131072, i % 131072, '{}' "
            "FROM (SELECT i, 'KAZCERT-' || (2000 + i / 100000) || '-' || lpad((i % 100000)::text, 6, '0') AS num "
            "FROM generate_series(0, :n) AS i) AS g"), {"o": org, "now": now, "first": first, "n": rows - 1})
    with store.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE certificates")
    print(f"   PostgreSQL: {rows:,} certificates built with INSERT … SELECT generate_series in "
          f"{time.perf_counter() - t0:.1f} s", flush=True)
    rnd = random.Random(7)
    numbers = [f"KAZCERT-{2000 + i // 100_000}-{i % 100_000:06d}" for i in (rnd.randrange(rows) for _ in range(6000))]
    sql = str(cs._REGISTER_SELECT.where(cs.CertificateRow.number == numbers[0])
              .compile(store.engine, compile_kwargs={"literal_binds": True}))
    with store.engine.connect() as conn:
        plan = [r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql)]
    scan = next((p.strip() for p in plan if "Scan" in p and "certificates" in p), plan[0])
    print(f"   PostgreSQL: the register query's plan on certificates: {scan.split('  (')[0]}")
    it = iter(numbers)

    def lookup() -> None:
        with store.engine.connect() as conn:
            assert cs.register_entry(conn, next(it)) is not None

    _p99("register look-up in the store (one query)", lookup, 1990, rows)
    served(url, numbers[2000:], rows)
    it2 = iter(numbers)

    def search() -> None:
        with store.engine.connect() as conn:
            assert cs.search_certificates(conn, next(it2)[:-2])

    print(f"   PostgreSQL: register search by number prefix (?q=): {fmt_ms(timeit(search, repeat=200))}")
    store.close()


def served(url: str, numbers: list[str], rows: int) -> None:
    """The register through a real `qualframe serve` process (one worker), one keep-alive connection:
    latency as a client sees it, and the server process's CPU per request (psutil)."""
    with _Served(url) as srv:
        it = iter(numbers)
        for label, suffix in (("GET /register/certificates/{number} (page)", ""), ("… and its .json", ".json")):
            def get(suffix: str = suffix) -> None:
                status, _, _ = srv.get(f"/register/certificates/{next(it)}{suffix}")
                assert status == 200, status

            _p99(label, get, 1990, rows, srv.server)


def _settle(server, limit: float = 60.0) -> None:
    """Wait until the server's background start-up work (engine warm-up threads) is over: its CPU over one
    idle second stays under 5 %, so the figures below are the requests' own."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit:
        a = sum(server.cpu_times()[:2])
        time.sleep(1)
        if sum(server.cpu_times()[:2]) - a < 0.05:
            return


def _p99(label: str, fn, n: int, rows: int, server=None) -> None:
    """Median and p99 wall time of n calls; CPU per call of this process, or of `server` (psutil) when given."""
    def cpu() -> float:
        if server is None:
            return time.process_time()
        t = server.cpu_times()
        return t.user + t.system
    for _ in range(10):
        fn()
    times = []
    c0 = cpu()
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    per = (cpu() - c0) / n * 1000
    times.sort()
    p99 = times[int(0.99 * (len(times) - 1))] * 1000
    verdict = "meets" if p99 <= 10 else "misses"
    whose = "the server's CPU" if server is not None else "CPU"
    print(f"   PostgreSQL, {rows:,} certificates: {label}: median {statistics.median(times) * 1000:.2f} ms, p99 "
          f"{p99:.2f} ms ({verdict} the 10 ms target), {whose} {per:.2f} ms per request; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)


def main() -> None:
    os.environ.setdefault("QUALFRAME_BASE_URL", "https://qualframe.example.kz")
    batch = int(os.environ.get("QUALFRAME_BENCH_BATCH", "10000"))
    rows = int(os.environ.get("QUALFRAME_BENCH_REGISTER_ROWS", "1000000"))
    with tempfile.TemporaryDirectory() as d:
        store = _store(f"sqlite:///{d}/bench.db")
        campaign(store, "SQLite", batch, d)
        verify_rates(store, "SQLite")
        status_lists(store, "SQLite")
        store.close()
        pg = os.environ.get("QUALFRAME_BENCH_PG_URL") or os.environ.get("QUALFRAME_TEST_PG_URL")
        if not pg:
            print("   PostgreSQL figures skipped: set QUALFRAME_BENCH_PG_URL to an empty database of your own")
            return
        from sqlalchemy import create_engine, text

        engine = create_engine(pg)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        store = _store(pg)
        campaign(store, "PostgreSQL", max(1, batch // 10), d)
        store.close()
    register_lookup(pg, rows)


if __name__ == "__main__":
    main()
