"""Certificates through the store: issue and verify rates per core, a batch issue with a progress bar, the
public register look-up with 1,000,000 certificates on PostgreSQL, and the status list from its cache.

Settings (environment): QUALFRAME_BENCH_BATCH (certificates in the batch issue; default 1,000 on this shared
2-core machine, the issue asks for 10,000), QUALFRAME_BENCH_REGISTER_ROWS (default 1,000,000),
QUALFRAME_BENCH_PG_URL (else QUALFRAME_TEST_PG_URL; without either the PostgreSQL figures are skipped).
The PostgreSQL database is emptied first: give it one of its own.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import fmt_ms, timeit

SECRET = b"bench-only key-encryption secret of 32+ bytes"


def _centre(store) -> None:
    from qualframe.store import accounts as acc
    from qualframe.store import credentials as cs

    with acc.audited(store, acc.Actor("cli:bench")) as tx:
        acc.create_org(tx, "kazcert", "recognition-centre", {"kk": "ҚазСерт"}, accreditation_number="KZ-RC-1",
                       valid_from=date(2020, 1, 1), valid_to=date(2040, 1, 1))
        cs.add_programme(tx, "kazcert", store.get_framework("kz-ict-sqf-2013"), row_id="3.1-07",
                         title="Бағдарламашы, СБШ 62", descriptors=None, methods=["test", "interview"], rules=None)


def _issue(store, kek, n: int, progress=None) -> list:
    from qualframe.store import accounts as acc
    from qualframe.store import credentials as cs

    with store.engine.connect() as conn:
        prog = cs.get_programme(conn, "kazcert", 1)
    met = {d: {"met": True} for ids in prog.spec["descriptors"].values() for d in ids}
    out = []
    for i in range(n):
        with acc.audited(store, acc.Actor("cli:bench")) as tx:
            a = cs.record_assessment(tx, "kazcert", programme_id=1, candidate_name=f"Кандидат {i}",
                                     assessed_on=date(2026, 1, 15), assessors=["A"], results=met)
            out.append(cs.issue_certificate(tx, "kazcert", a.id, kek))
        if progress:
            progress()
    return out


def _store(url: str):
    from qualframe.store import Store, prepare

    store = Store(url)
    prepare(store)
    return store


def issue_and_verify(url: str, label: str, batch: int) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from qualframe.credentials import jsonld
    from qualframe.credentials.keys import KeyEncryptionKey
    from qualframe.credentials.verify import verify_credential
    from qualframe.store import credentials as cs

    store = _store(url)
    _centre(store)
    kek = KeyEncryptionKey(SECRET)
    _issue(store, kek, 3)  # the key, the status list, warm caches
    t0 = time.perf_counter()
    with Progress(TextColumn(f"   batch issue ({label})"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  transient=True) as bar:
        task = bar.add_task("issue", total=batch)
        certs = _issue(store, kek, batch, lambda: bar.advance(task))
    took = time.perf_counter() - t0
    print(f"   {label}: batch issue of {batch:,} certificates (assessment + number + status slot + signature + "
          f"audit, one transaction each): {took:.1f} s, {batch / took:.0f}/s on one core")
    verifier = cs.StoreVerifier(store, lambda: kek)
    sample = random.Random(1).sample(certs, min(30, len(certs)))
    it = iter(sample * 3)

    def verify() -> None:
        jsonld.clear_caches()  # each credential is new to the verifier: no memoised expansion
        assert verify_credential(next(it).credential, **verifier.options()).verified

    times = timeit(verify, repeat=len(sample), warmup=2)
    print(f"   {label}: verify through the store (proof, issuer register, both status lists from the cache): "
          f"{fmt_ms(times)}, {1 / statistics.median(times):.0f}/s on one core")
    with store.engine.connect() as conn:
        lid = int(conn.exec_driver_sql("SELECT min(id) FROM status_lists").scalar())
    hits = timeit(lambda: cs.signed_status_list(store, lid, "revocation", lambda: kek), repeat=200)
    print(f"   {label}: status list fetch from the cache (131,072 entries, signed): {fmt_ms(hits)}")

    def rebuild() -> None:
        store.engine.dispose()
        with store.engine.begin() as conn:
            conn.exec_driver_sql(f"UPDATE status_lists SET version = version + 1 WHERE id = {lid}")
        cs.signed_status_list(store, lid, "revocation", lambda: kek)

    print(f"   {label}: status list rebuilt and signed after a change: {fmt_ms(timeit(rebuild, repeat=10))}")
    store.close()


def register_lookup(url: str, rows: int) -> None:
    """p99 of the public register's look-up by number with `rows` certificates (bulk-inserted with COPY)."""
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
    with store.engine.begin() as conn:
        org = conn.execute(text("SELECT id FROM organisations WHERE slug='kazcert'")).scalar()
        lists = []
        for n in range(rows // 131_072 + 1):
            lists.append(conn.execute(text(
                "INSERT INTO status_lists (org_id, key_id, token, url, size, next_index, version, created_at) "
                "VALUES (:o, 'did:key:zBench#zBench', :t, :u, 131072, 131072, 1, :now) RETURNING id"),
                {"o": org, "t": f"bench{n}", "u": f"https://x/status/kazcert/bench{n}", "now": now}).scalar())
    t0 = time.perf_counter()
    raw = store.engine.raw_connection()
    try:
        cur = raw.cursor()
        cols = ("org_id, number, credential_id, title, holder_name, holder_consent, valid_from, issued_at, key_id, "
                "status_list_id, status_index, credential")
        with cur.copy(f"COPY certificates ({cols}) FROM STDIN") as copy:  # psycopg 3
            for i in range(rows):
                number = f"KAZCERT-{2000 + i // 100_000}-{i % 100_000:06d}"
                copy.write_row((org, number, f"https://x/register/certificates/{number}", "Бағдарламашы",
                                f"Кандидат {i}", "masked", now, now, "did:key:zBench#zBench",
                                lists[i // 131_072], i % 131_072, "{}"))
        raw.commit()
        cur.execute("ANALYZE certificates")
        raw.commit()
    finally:
        raw.close()
    print(f"   PostgreSQL: {rows:,} synthetic certificates bulk-inserted with COPY in {time.perf_counter() - t0:.1f} s")
    rnd = random.Random(7)
    numbers = [f"KAZCERT-{2000 + i // 100_000}-{i % 100_000:06d}" for i in (rnd.randrange(rows) for _ in range(2000))]
    it = iter(numbers)

    def lookup() -> None:
        with store.engine.connect() as conn:
            assert cs.find_certificate(conn, next(it)) is not None

    times = sorted(timeit(lookup, repeat=1990, warmup=10))
    p99 = times[int(0.99 * (len(times) - 1))] * 1000
    print(f"   PostgreSQL: register look-up by number among {rows:,}: median "
          f"{statistics.median(times) * 1000:.2f} ms, p99 {p99:.2f} ms (target <= 10 ms; unique index on number)")
    it2 = iter(numbers)

    def search() -> None:
        with store.engine.connect() as conn:
            assert cs.search_certificates(conn, next(it2)[:-2])

    prefix = timeit(search, repeat=200)
    print(f"   PostgreSQL: register search by number prefix (?q=): {fmt_ms(prefix)}")
    store.close()


def main() -> None:
    os.environ.setdefault("QUALFRAME_BASE_URL", "https://qualframe.example.kz")
    batch = int(os.environ.get("QUALFRAME_BENCH_BATCH", "1000"))
    rows = int(os.environ.get("QUALFRAME_BENCH_REGISTER_ROWS", "1000000"))
    with tempfile.TemporaryDirectory() as d:
        issue_and_verify(f"sqlite:///{d}/bench.db", "SQLite", batch)
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
    issue_and_verify(pg, "PostgreSQL", max(1, batch // 4))
    register_lookup(pg, rows)


if __name__ == "__main__":
    main()
