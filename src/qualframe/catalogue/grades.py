"""Grade order and grade inversions.

An organisation's grades ("G1".."G12", "А-3", "band 4", "5") are ordered by the organisation's own grade
list when it has one (lowest first); otherwise by the first number in the grade ("G7" → 7). A grade with
neither is not ordered and takes part in no comparison.

A position is *inverted* when its grade order contradicts its level order: its grade is lower than the
usual (median) grade of a lower NQF level, or higher than the usual grade of a higher level, in the same
catalogue. Comparing with each level's median rather than with every other position keeps one odd
position from flagging a whole level, and costs O(n log n) (sort per level, running maximum and minimum
over the levels), never all pairs. A position holding the contradicting level's median grade is kept as
the example.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qualframe.model.messages import N_, Text

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
MAX_GRADES = 200


def normalise_grade_list(grades: Sequence[str]) -> list[str]:
    """The organisation's grades, lowest first: trimmed, blanks and repeats dropped (ValueError if too many,
    its argument a :class:`Text`)."""
    out: list[str] = []
    seen: set[str] = set()
    for g in grades:
        g = str(g).strip()
        if g and g.casefold() not in seen:
            seen.add(g.casefold())
            out.append(g[:50])
    if len(out) > MAX_GRADES:
        raise ValueError(Text(N_("%(n)s grades; at most %(max)s"), n=len(out), max=MAX_GRADES))
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
    """Every inverted position by key, each with a position of the contradicting level as the example."""
    by_level: dict[int, list[tuple[float, str]]] = {}
    for p in positions:
        r = grade_rank(p.grade, order)
        if p.level is not None and r is not None:
            by_level.setdefault(p.level, []).append((r, p.key))
    levels = sorted(by_level)
    usual: dict[int, tuple[float, str]] = {}  # level -> (median rank, a position holding it)
    for lv in levels:
        ranked = sorted(by_level[lv])
        usual[lv] = ranked[(len(ranked) - 1) // 2]
    out: dict[str, Inversion] = {}
    best: tuple[float, str] | None = None  # the highest usual grade of the lower levels
    for lv in levels:
        for r, key in by_level[lv]:
            if best is not None and best[0] > r:
                out[key] = Inversion(key, best[1], "above")
        if best is None or usual[lv][0] > best[0]:
            best = usual[lv]
    low: tuple[float, str] | None = None  # the lowest usual grade of the higher levels
    for lv in reversed(levels):
        for r, key in by_level[lv]:
            if low is not None and low[0] < r and key not in out:
                out[key] = Inversion(key, low[1], "below")
        if low is None or usual[lv][0] < low[0]:
            low = usual[lv]
    return out


def band_disagrees(grade: str | None, band: str | None) -> bool:
    """The position's current grade differs from the pay band the organisation attached to its row."""
    return bool(grade and band and grade.strip().casefold() != band.strip().casefold())
