"""Small helpers shared by the benchmarks: timing with medians, not means (machines are shared)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timeit(fn: Callable[[], object], repeat: int = 30, warmup: int = 2) -> list[float]:
    """Wall-clock seconds of `repeat` calls after `warmup` calls."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def fmt_ms(samples: list[float]) -> str:
    med = statistics.median(samples) * 1000
    p90 = sorted(samples)[int(0.9 * (len(samples) - 1))] * 1000
    return f"median {med:.2f} ms (p90 {p90:.2f} ms, n={len(samples)})"
