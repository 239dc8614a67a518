"""Word-overlap similarity for recognising the table's repeated wording (rows, OKED names).

A crude stem (the first six letters of words longer than three) is enough here: the framework repeats
whole phrases, so a dictionary-free measure finds duplicates and parallels reliably and fast.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")
_WORD = re.compile(r"[^\W\d_]+")


def terms(text: str) -> frozenset[str]:
    return frozenset(w[:6] for w in (m.group(0).lower() for m in _WORD.finditer(text)) if len(w) > 3)


def cosine(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


def closest(text: str, candidates: Iterable[tuple[T, str]], threshold: float) -> T | None:
    """The candidate whose text is most similar to `text`, if at least `threshold` similar."""
    mine = terms(text)
    best, best_s = None, 0.0
    for item, other in candidates:
        s = cosine(mine, terms(other))
        if s > best_s:
            best, best_s = item, s
    return best if best_s >= threshold else None
