"""Median time to ingest the shipped source text (read, parse, resolve levels, find errata)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import fmt_ms, timeit
from qualframe.dataset import data_dir
from qualframe.ingest import parse, read_source


def main() -> None:
    src_path = data_dir() / "ict-sqf-2013.kk.txt"
    read = timeit(lambda: read_source(src_path), repeat=50)
    src = read_source(src_path)
    full = timeit(lambda: parse(read_source(src_path)), repeat=30)
    parse_only = timeit(lambda: parse(src), repeat=30)
    print(f"ingest seed ({len(src.lines)} lines): {fmt_ms(full)}")
    print(f"  of which parse: {fmt_ms(parse_only)}; read+decode: {fmt_ms(read)}")


if __name__ == "__main__":
    main()
