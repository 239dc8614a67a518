"""Run every benchmark module (bench/bench_*.py) and print its figures.

Each module exposes `main() -> None` that prints its own lines. Run one with
`python bench/run.py ingest` (the part after "bench_").
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    wanted = set(argv)
    modules = sorted(HERE.glob("bench_*.py"))
    for path in modules:
        name = path.stem.removeprefix("bench_")
        if wanted and name not in wanted:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec and spec.loader
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        print(f"== {name}", flush=True)
        t0 = time.perf_counter()
        mod.main()
        print(f"   ({time.perf_counter() - t0:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
