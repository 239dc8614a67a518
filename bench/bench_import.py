"""CASE import on worst-case packages: parse + check (and the SQLite store write) must be linear.

Generated packages (tests/case_gen.py): 20,000 flat items, a 20,000-deep chain, chains of diamonds
of depth 24 and 200 (every item has two parents: 2**depth paths, which made the old reachability
check exponential), a 20,000-item fan-out. Prints median seconds, items/s and the ratio
time(2n)/time(n) (about 2 when linear). Targets: 20,000 items ≤ 10 s, ratio ≤ 2.5.
`QUALFRAME_BENCH_REPEAT` sets the repeats (default 3). The whole import into a store (SQLite, and
PostgreSQL with $QUALFRAME_BENCH_PG_URL) is measured last, against the same 10 s target.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import case_gen as g  # noqa: E402
from qualframe.interop.case_import import parse_package_bytes  # noqa: E402

REPEAT = int(os.environ.get("QUALFRAME_BENCH_REPEAT", "3"))
TARGET_S = 10.0
N = 20_000


def _median(fn: Callable[[], object], repeat: int = REPEAT) -> float:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def _parse(data: bytes) -> None:
    parsed = parse_package_bytes(data, "bench.json")
    assert parsed.report.ok, [str(e) for e in parsed.report.errors[:3]]


def main() -> None:
    shapes = {
        f"flat {N:,}": (g.flat, N), f"chain {N:,} deep": (g.chain, N),
        "diamonds depth 24": (g.diamonds, 24), "diamonds depth 200": (g.diamonds, 200),
        f"fan-out {N:,}": (g.fanout, N),
    }
    print(f"parse + check (median of {REPEAT}):")
    for name, (make, n) in shapes.items():
        pkg = make(n)
        data, items = g.to_bytes(pkg), len(pkg["CFItems"])
        del pkg
        t = _median(lambda data=data: _parse(data))
        flag = "" if items < N or t <= TARGET_S else f"  OVER TARGET {TARGET_S:.0f} s"
        print(f"  {name:<22} {len(data) / 1e6:6.1f} MB  {t:7.3f} s  {items / t:9,.0f} items/s{flag}")
    for name, make in (("flat", g.flat), ("chain", g.chain), ("diamonds", g.diamonds)):
        n = N // 2 if name != "diamonds" else 200
        small, big = g.to_bytes(make(n)), g.to_bytes(make(2 * n))
        t1 = _median(lambda d=small: _parse(d))
        t2 = _median(lambda d=big: _parse(d))
        print(f"  scaling {name:<9} time({2 * n:,})/time({n:,}) = {t2 / t1:.2f}  (linear ≈ 2)")
    _store_write()


def _store_write() -> None:
    """The whole import (parse + check + write) into a fresh store through the public API (one run each).

    SQLite always; PostgreSQL too with $QUALFRAME_BENCH_PG_URL (an empty database: its public schema is
    dropped and recreated). The write is batched (multi-row INSERT ... RETURNING), so it is linear too.
    """
    from qualframe.store import Store
    from qualframe.store.case import import_package

    backends = [("SQLite", None)]
    if os.environ.get("QUALFRAME_BENCH_PG_URL"):
        backends.append(("PostgreSQL", os.environ["QUALFRAME_BENCH_PG_URL"]))
    print("parse + check + store write (one run each):")
    for backend, pg in backends:
        times = {}
        for n in (N // 2, N):
            data = g.to_bytes(g.flat(n, tag=f"store-{n}"))
            with tempfile.TemporaryDirectory() as tmp:
                if pg:
                    _reset_pg(pg)
                store = Store(pg or f"sqlite:///{tmp}/bench.db")
                store.migrate()
                t0, c0 = time.perf_counter(), time.process_time()
                res = import_package(parse_package_bytes(data, "bench.json"), store)
                times[n] = t = time.perf_counter() - t0
                cpu = time.process_time() - c0
                store.close()
            assert res.written
            flag = "" if n < N or t <= TARGET_S else f"  OVER TARGET {TARGET_S:.0f} s"
            print(f"  {backend:<10} flat {n:>6,}  {t:7.2f} s  {n / t:9,.0f} items/s  (this process's CPU "
                  f"{cpu:.2f} s){flag}")
        print(f"  {backend:<10} scaling time({N:,})/time({N // 2:,}) = {times[N] / times[N // 2]:.2f}  (linear ≈ 2)")


def _reset_pg(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


if __name__ == "__main__":
    main()
