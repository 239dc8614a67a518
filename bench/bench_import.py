"""CASE import on worst-case packages: parse + check (and the SQLite store write) must be linear.

Generated packages (tests/case_gen.py): 20,000 flat items, a 20,000-deep chain, chains of diamonds
of depth 24 and 200 (every item has two parents: 2**depth paths, which made the old reachability
check exponential), a 20,000-item fan-out. Prints median seconds, items/s and the ratio
time(2n)/time(n) (about 2 when linear). Targets: 20,000 items ≤ 10 s, ratio ≤ 2.5.
`QUALFRAME_BENCH_REPEAT` sets the repeats (default 3).
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
    """The whole import into a fresh SQLite store through the public store API (one run each)."""
    from qualframe.store import Store
    from qualframe.store.case import import_package

    print("parse + check + SQLite write (one run):")
    for n in (N // 2, N):
        data = g.to_bytes(g.flat(n, tag=f"store-{n}"))
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(f"sqlite:///{tmp}/bench.db")
            store.migrate()
            t0 = time.perf_counter()
            res = import_package(parse_package_bytes(data, "bench.json"), store)
            t = time.perf_counter() - t0
            store.close()
        assert res.written
        print(f"  flat {n:>6,}  {t:7.2f} s  {n / t:9,.0f} items/s")


if __name__ == "__main__":
    main()
