"""Grade order and grade inversions.

An organisation's grades ("G1".."G12", "А-3", "band 4", "5") are ordered by the organisation's own grade
list when it has one (lowest first); otherwise by the first number in the grade ("G7" → 7). A grade with
neither is not ordered and takes part in no comparison.

A position is *inverted* when its grade order contradicts its level order: some other position of the
same catalogue has a strictly lower NQF level but a strictly higher grade, or a strictly higher level and
a strictly lower grade. Found in O(n log n) by sorting on level with running maxima and minima of the
grade rank, never by comparing all pairs. The first contradicting position is kept as the example.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
MAX_GRADES = 200


def normalise_grade_list(grades: Sequence[str]) -> list[str]:
    """The organisation's grades, lowest first: trimmed, blanks and repeats dropped (ValueError if too many)."""
    out: list[str] = []
    seen: set[str] = set()
    for g in grades:
        g = str(g).strip()
        if g and g.casefold() not in seen:
            seen.add(g.casefold())
            out.append(g[:50])
    if len(out) > MAX_GRADES:
        raise ValueError(f"{len(out)} grades; at most {MAX_GRADES}")
    return out


def grade_rank(grade: str | None, order: Sequence[str] = ()) -> float | None:
    """The rank of `grade`: its index in `order` (case-insensitive) or, without a list, its first number."""
    if not grade:
        return None
    g = grade.strip().casefold()
    if order:
        for i, o in enumerate(order):
            if o.casefold() == g:
                return float(i)
        return None
    m = _NUMBER.search(g)
    return float(m.group(0).replace(",", ".")) if m else None


@dataclass(frozen=True, slots=True)
class Placed:
    key: str
    grade: str | None
    level: int | None  # NQF level of the decided (else suggested) row


@dataclass(frozen=True, slots=True)
class Inversion:
    key: str
    other: str  # a position whose grade and level order disagree with this one's
    direction: str  # "above": the other has a lower level but a higher grade; "below": the reverse


def inversions(positions: Sequence[Placed], order: Sequence[str] = ()) -> dict[str, Inversion]:
    """Every inverted position by key, each with one contradicting example."""
    ranked = [(p.level, r, p.key) for p in positions
              if p.level is not None and (r := grade_rank(p.grade, order)) is not None]
    ranked.sort(key=lambda t: (t[0], t[1]))
    out: dict[str, Inversion] = {}
    # Pass 1: levels ascending; the highest grade among strictly lower levels.
    best: tuple[float, str] | None = None
    i = 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        for _lv, r, key in ranked[i:j]:
            if best is not None and best[0] > r:
                out[key] = Inversion(key, best[1], "above")
        for _lv, r, key in ranked[i:j]:
            if best is None or r > best[0]:
                best = (r, key)
        i = j
    # Pass 2: levels descending; the lowest grade among strictly higher levels.
    low: tuple[float, str] | None = None
    i = len(ranked) - 1
    while i >= 0:
        j = i
        while j >= 0 and ranked[j][0] == ranked[i][0]:
            j -= 1
        for _lv, r, key in ranked[j + 1:i + 1]:
            if low is not None and low[0] < r and key not in out:
                out[key] = Inversion(key, low[1], "below")
        for _lv, r, key in ranked[j + 1:i + 1]:
            if low is None or r < low[0]:
                low = (r, key)
        i = j
    return out


def band_disagrees(grade: str | None, band: str | None) -> bool:
    """The position's current grade differs from the pay band the organisation attached to its row."""
    return bool(grade and band and grade.strip().casefold() != band.strip().casefold())
