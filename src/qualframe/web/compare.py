"""What changes from one level row to another: descriptors paired by similarity, with word-level diffs.

Rows of a framework rarely share identical sentences across levels; most descriptors are rewritten
with a few words changed ("under guidance" → "independently"). Pairing each descriptor of the second
row with its most similar one in the first, per column, shows those changes directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from qualframe.model import COLUMNS, Descriptor, LevelRow

PAIR_THRESHOLD = 0.3
Kind = Literal["same", "changed", "added", "removed"]
_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True)
class Change:
    kind: Kind
    a: Descriptor | None
    b: Descriptor | None
    similarity: float
    diff: tuple[tuple[str, str], ...]  # ("=", "words"), ("-", "only in a"), ("+", "only in b")


def _words(text: str) -> list[str]:
    return _TOKEN.findall(text)


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, _words(a.lower()), _words(b.lower()), autojunk=False).ratio()


def word_diff(a: str, b: str) -> tuple[tuple[str, str], ...]:
    wa, wb = _words(a), _words(b)
    out: list[tuple[str, str]] = []
    sm = SequenceMatcher(None, [w.lower() for w in wa], [w.lower() for w in wb], autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            out.append(("=", " ".join(wb[j1:j2])))
        else:
            if i2 > i1:
                out.append(("-", " ".join(wa[i1:i2])))
            if j2 > j1:
                out.append(("+", " ".join(wb[j1:j2])))
    return tuple(out)


def compare_column(a: tuple[Descriptor, ...], b: tuple[Descriptor, ...]) -> list[Change]:
    """Pair descriptors greedily by similarity (best first); unpaired ones are added or removed."""
    scores = sorted(((similarity(x.text, y.text), i, j) for i, x in enumerate(a) for j, y in enumerate(b)),
                    reverse=True)
    pair_of_b: dict[int, tuple[int, float]] = {}
    used_a: set[int] = set()
    for score, i, j in scores:
        if score < PAIR_THRESHOLD:
            break
        if i in used_a or j in pair_of_b:
            continue
        used_a.add(i)
        pair_of_b[j] = (i, score)
    out: list[Change] = []
    for j, y in enumerate(b):
        if j in pair_of_b:
            i, score = pair_of_b[j]
            x = a[i]
            if x.text == y.text:
                out.append(Change("same", x, y, 1.0, (("=", y.text),)))
            else:
                out.append(Change("changed", x, y, round(score, 3), word_diff(x.text, y.text)))
        else:
            out.append(Change("added", None, y, 0.0, (("+", y.text),)))
    for i, x in enumerate(a):
        if i not in used_a:
            out.append(Change("removed", x, None, 0.0, (("-", x.text),)))
    return out


def compare_rows(a: LevelRow, b: LevelRow) -> dict[str, list[Change]]:
    return {c: compare_column(a.column(c), b.column(c)) for c in COLUMNS}
