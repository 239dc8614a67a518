"""Adversarial bench: worst-case inputs of the maximum allowed size, CPU time per request.

One function per section (this file holds the text section; the web and import sections are added
next to it and listed in SECTIONS). Each request is timed with ``time.process_time()`` (CPU of the
whole process, so the embedder's threads count too) after the query-embedding cache is cleared, and
the median and the max over a few repeats are printed next to the target.

Text section: ``match`` with 20,000 characters (its limit) and ``search`` with 2,000 characters (its
limit) of: one character repeated per script (Cyrillic, Kazakh letters, Latin, digits, CJK, Thai),
no spaces, repeated separators, digit groups, mixed scripts, URL- and hash-like runs, long whitespace
runs, "Zalgo" runs of combining marks, and the phrases that used to backtrack (``"9"*20000``,
``"000 "*5000``, ``"а"*20000``, ASCII ``"a"*20000`` through the Latin-Kazakh transliteration,
``"a-a-…"`` of 500 characters). A natural text of the same size is the reference. Targets on this
2-core box: any match <= 200 ms, any search <= 50 ms. The encoder's share is printed apart: it is
bounded by the token budget (40 + 16 tokens for match, 64 for search) and is most of the cost.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

MATCH_TARGET_MS = 200.0
SEARCH_TARGET_MS = 50.0
REPEAT = int(os.environ.get("QUALFRAME_BENCH_REPEAT", "3"))


def _fill(unit: str, n: int) -> str:
    """`unit` repeated up to exactly `n` characters."""
    return (unit * (n // len(unit) + 1))[:n]


def hostile_texts(n: int) -> dict[str, str]:
    """Worst-case texts of `n` characters, by name."""
    return {
        "cyrillic 'а' run": _fill("а", n),
        "kazakh 'ә' run": _fill("ә", n),
        "latin 'a' run (informal translit)": _fill("a", n),
        "latin-kazakh 'á' run": _fill("á", n),
        "digits '9' run": _fill("9", n),
        "digit groups '000 '": _fill("000 ", n),
        "digit groups '1,000,'": _fill("1,000,", n),
        "CJK run": _fill("中", n),
        "Thai run": _fill("ก", n),
        "separators 'a-a-'": _fill("a-", n),
        "separators '.,;:!?'": "x" + _fill(".,;:!?", n - 1),
        "bullets ' • '": "a" + _fill(" • a", n - 1),
        "mixed scripts 'аa1-'": _fill("аa1-", n),
        "url": "https://example.kz/" + _fill("path/seg-", n - 19),
        "hex hash": _fill("0123456789abcdef", n),
        "whitespace run \\u202f": "a" + _fill("\u202f", n - 2) + "b",
        "combining marks (Zalgo)": "a" + _fill("\u0301\u0316", n - 1),
        "short words 'аа '": _fill("аа ", n),
        "short sentences 'IT. '": _fill("IT. ", n),
        "supervisor bait 'под руководством а…'": "под руководством " + _fill("а", n - 17),
        "supervisor bait 'инженердің' chain": _fill("инженердің ", n),
        "title bait 'аға а…'": "аға " + _fill("а", n - 4),
        "cue bait 'программн…'": _fill("программн", n),
        "years bait '5 лет '": _fill("5 лет опыт ", n),
    }


def _natural(n: int) -> str:
    texts = [json.loads(line)["text"] for line in (HERE / "data" / "jobs.jsonl").read_text("utf-8").splitlines()
             if line.strip()]
    return _fill(" ".join(texts) + " ", n)


class _EncoderProbe:
    """Wraps the loaded model's ``query`` to record the CPU time spent in the encoder and the most
    tokens it was given (the real model still does the work)."""

    def __init__(self) -> None:
        from qualframe.search import embed

        self.model = embed.get_model()
        self.real = self.model.query
        self.cpu = 0.0
        self.max_tokens = 0

    def __enter__(self) -> _EncoderProbe:
        def query(texts: str | list[str]) -> object:
            for t in [texts] if isinstance(texts, str) else texts:
                self.max_tokens = max(self.max_tokens, self.model.token_count(t, True))
            t0 = time.process_time()
            try:
                return self.real(texts)
            finally:
                self.cpu += time.process_time() - t0

        self.model.query = query
        return self

    def __exit__(self, *exc: object) -> None:
        del self.model.query  # back to the class method


def _cpu_ms(fn: Callable[[str], object], text: str, clear: Callable[[], None]) -> tuple[list[float], list[float], int]:
    """CPU ms per request, of which in the encoder, and the most tokens the encoder was given."""
    total, enc, tokens = [], [], 0
    for _ in range(REPEAT):
        clear()
        with _EncoderProbe() as probe:
            t0 = time.process_time()
            fn(text)
            total.append((time.process_time() - t0) * 1000)
        enc.append(probe.cpu * 1000)
        tokens = max(tokens, probe.max_tokens)
    return total, enc, tokens


def _table(label: str, fn: Callable[[str], object], n: int, target: float, clear: Callable[[], None]) -> None:
    print(f"  {label} ({n:,} characters; target <= {target:.0f} ms CPU per request; median and max of {REPEAT}, "
          f"median CPU in the encoder and outside it, most tokens the encoder was given, median / reference):")
    cases = {"reference: natural job texts": _natural(n), **hostile_texts(n)}
    worst_name, worst, ref = "", 0.0, 0.0
    for name, text in cases.items():
        ms, enc, tokens = _cpu_ms(fn, text, clear)
        med, mx = statistics.median(ms), max(ms)
        ref = ref or med
        if mx > worst:
            worst_name, worst = name, mx
        flag = "" if mx <= target else "  OVER"
        rest = statistics.median(t - e for t, e in zip(ms, enc, strict=True))
        print(f"    {name:<40} {med:7.1f} ms {mx:7.1f} ms  encoder {statistics.median(enc):6.1f} ms  "
              f"outside {rest:5.1f} ms  {tokens:3d} tok  x{med / ref:.2f}{flag}", flush=True)
    verdict = "meets" if worst <= target else "MISSES"
    print(f"    worst: {worst:.1f} ms ({worst_name}); {verdict} the {target:.0f} ms target")


def text() -> None:
    """Match and search with hostile text of the maximum allowed size."""
    from qualframe.match import engine as match_engine
    from qualframe.search import engine as search_engine
    from qualframe.search.inputs import MATCH_MAX_CHARS, SEARCH_MAX_CHARS

    print(f"text (2-core box; load average now {os.getloadavg()[0]:.1f}):")
    match_engine.warm()
    for q in ("warm", "разогрев"):
        search_engine.search(q)
    _table("match", lambda t: match_engine.match(t), MATCH_MAX_CHARS, MATCH_TARGET_MS, match_engine.embedder.clear)
    _table("search", lambda t: search_engine.search(t), SEARCH_MAX_CHARS, SEARCH_TARGET_MS,
           search_engine.embedder.clear)
    # The defect reproductions, by their own size: 500 characters without a space used to embed ~505 tokens.
    _table("search, 500 characters", lambda t: search_engine.search(t), 500, SEARCH_TARGET_MS,
           search_engine.embedder.clear)


SECTIONS: dict[str, Callable[[], None]] = {"text": text}


def main() -> None:
    wanted = [s for s in os.environ.get("QUALFRAME_BENCH_SECTIONS", "").split(",") if s] or list(SECTIONS)
    for name in wanted:
        SECTIONS[name]()


if __name__ == "__main__":
    main()
