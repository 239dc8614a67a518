"""Job catalogue: placement throughput against the match engine's own batch rate, and the review page of a
10,000-position catalogue on PostgreSQL.

1. Positions placed per second for a catalogue of $QUALFRAME_BENCH_CATALOGUE positions (default 1,000,
   generated in kk/ru/en by tests/catalogue_gen.py) by the placement job on SQLite (upload, then the job:
   batches read from the store, placed, written with their progress), against `qualframe match --jsonl`'s
   own batch mode (search.batch.process_lines with the engine's prime) on the same texts, in the same
   process, after a warm-up. Target: the job's overhead at most 10 %. Machine: 2 shared cores.
2. Time to open the review page (GET /orgs/{slug}/positions, signed in) and its JSON twin, page 1 and a page
   in the middle, the "undecided" filter and the catalogue overview, for 10,000 positions on PostgreSQL
   ($QUALFRAME_BENCH_PG_URL or $QUALFRAME_TEST_PG_URL: a throwaway database is created there and dropped).
   The positions carry real suggestions (200 placed by the engine, repeated). Target: <= 300 ms (median).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE.parent / "tests"))
os.environ.setdefault("QUALFRAME_ARGON2_PROFILE", "test")

N_PLACE = int(os.environ.get("QUALFRAME_BENCH_CATALOGUE", "1000"))
N_REVIEW = 10_000


def _ms(xs: list[float]) -> float:
    return statistics.median(xs) * 1000


def placement_rate() -> None:
    from catalogue_gen import positions, to_csv
    from qualframe.catalogue.placement import position_text
    from qualframe.interop.catalogue_io import read_catalogue
    from qualframe.match import engine
    from qualframe.search.batch import process_lines
    from qualframe.store import Store, prepare
    from qualframe.store import accounts as acc
    from qualframe.store import catalogue as cat
    from qualframe.store import catalogue_jobs as jobs

    rows = positions(N_PLACE, seed=5)
    texts = [position_text(r["title"], r["description"]) for r in rows]
    engine.warm()
    engine.prime(texts[:16])
    # the match engine's own batch mode, as `qualframe match --jsonl` runs it
    lines = [json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in enumerate(texts)]
    t0 = time.perf_counter()
    out = list(process_lines(lines, lambda t: engine.match(t, limit=3), engine.prime))
    base = time.perf_counter() - t0
    assert len(out) == N_PLACE
    # the placement job on SQLite (the same texts: the embedder's 512-entry LRU cache holds none of the first
    # ones any more when the job starts at the beginning, as in the JSONL run)
    with tempfile.TemporaryDirectory() as d:
        store = Store(f"sqlite:///{d}/bench.db")
        prepare(store)
        parsed = read_catalogue(to_csv(rows))
        t1 = time.perf_counter()
        with acc.audited(store, acc.Actor("cli:bench")) as tx:
            acc.create_org(tx, "bench", "employer", {"kk": "Bench"})
            cat.upsert_positions(tx, "bench", parsed.lines, parsed.summary())
            job = cat.create_job(tx, "bench")
        upload = time.perf_counter() - t1
        t2 = time.perf_counter()
        state = jobs.run_job(store.url, job.id)
        placing = time.perf_counter() - t2
        with store.engine.connect() as conn:
            done = cat.get_job(conn, "bench", job.id)
        store.close()
    assert state == "done" and done is not None and done.done == N_PLACE, (state, done)
    r_base, r_job = N_PLACE / base, N_PLACE / placing
    over = (r_base / r_job - 1) * 100
    print(f"   match engine, JSONL batch mode: {r_base:.1f} positions/s ({N_PLACE} in {base:.1f} s)", flush=True)
    print(f"   placement job on SQLite:        {r_job:.1f} positions/s ({N_PLACE} in {placing:.1f} s; upload and "
          f"job creation {upload * 1000:.0f} ms more)", flush=True)
    verdict = "meets" if over <= 10 else "misses"
    print(f"   overhead of the job: {over:+.1f} % ({verdict} the 10 % target)", flush=True)


def review_page() -> None:
    base = os.environ.get("QUALFRAME_BENCH_PG_URL") or os.environ.get("QUALFRAME_TEST_PG_URL")
    if not base:
        print("   review page on PostgreSQL: skipped (set QUALFRAME_BENCH_PG_URL to a server you may create "
              "databases on)", flush=True)
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from qualframe.store import normalise_url

    admin_url = make_url(normalise_url(base)).set(database="postgres")
    name = f"qf_bench_cat_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _review(str(admin_url.set(database=name).render_as_string(hide_password=False)))
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def _review(url: str) -> None:
    from sqlalchemy import insert
    from starlette.testclient import TestClient

    from accounts_helpers import web_login
    from catalogue_gen import positions, to_csv
    from qualframe.interop.catalogue_io import read_catalogue
    from qualframe.store import Store
    from qualframe.store import accounts as acc
    from qualframe.store import catalogue as cat
    from qualframe.store import catalogue_jobs as jobs
    from qualframe.web.app import create_app
    from qualframe.web.settings import Settings

    store = Store(url)
    app = create_app(Settings(database_url=url), store=store)
    real = positions(200, seed=9)
    with acc.audited(store, acc.Actor("cli:bench")) as tx:
        acc.create_org(tx, "big", "employer", {"kk": "Big"})
        acc.create_user(tx, "hr@big.kz", None, password="correct horse battery")
        acc.add_member(tx, "big", "hr@big.kz", "hr")
        parsed = read_catalogue(to_csv(real))
        cat.upsert_positions(tx, "big", parsed.lines, parsed.summary())
        job = cat.create_job(tx, "big")
    assert jobs.run_job(store.url, job.id) == "done"
    with store.engine.begin() as conn:
        placed = conn.execute(text_("SELECT title, description, department, grade, text_hash, suggestions, "
                                    "top_confidence, row_id, area, nqf_level, sqf_level FROM catalogue_positions")
                              ).mappings().all()
        org_id = conn.execute(text_("SELECT id FROM organisations WHERE slug = 'big'")).scalar_one()
        conn.execute(text_("DELETE FROM catalogue_positions"))
        from datetime import UTC, datetime

        now = datetime.now(UTC)
        batch = []
        for i in range(N_REVIEW):
            p = dict(placed[i % len(placed)])
            batch.append({**p, "org_id": org_id, "key": f"K-{i:06d}", "occupation_code": "", "oked": "",
                          "line": i + 2, "placed_hash": p["text_hash"], "placements": 1,
                          "flag_inversion": False, "flag_disagree": False, "created_at": now, "updated_at": now})
        conn.execute(insert(cat.PositionRow), batch)
        cat.recompute_flags(conn, org_id)
        conn.execute(text_("ANALYZE catalogue_positions"))
    client = TestClient(app)
    web_login(client, "hr@big.kz")
    cases = [("review page 1", "/orgs/big/positions"), ("review page 200 (of 400)", "/orgs/big/positions?page=200"),
             ("undecided filter", "/orgs/big/positions?filter=undecided&page=3"),
             ("JSON twin", "/orgs/big/positions.json"), ("API page", "/api/v1/orgs/big/positions?page=50"),
             ("catalogue overview (chart, inversions)", "/orgs/big/catalogue")]
    for label, path in cases:
        for _ in range(3):
            assert client.get(path).status_code == 200
        xs = []
        for _ in range(25):
            t0 = time.perf_counter()
            r = client.get(path)
            xs.append(time.perf_counter() - t0)
            assert r.status_code == 200
        verdict = "meets" if _ms(xs) <= 300 else "misses"
        print(f"   {N_REVIEW:,} positions on PostgreSQL, {label}: median {_ms(xs):.1f} ms "
              f"(p90 {sorted(xs)[22] * 1000:.1f} ms; {verdict} the 300 ms target)", flush=True)
    store.close()


def text_(sql: str) -> object:
    from sqlalchemy import text

    return text(sql)


def main() -> None:
    placement_rate()
    review_page()


if __name__ == "__main__":
    main()
