"""Self-assessment: a specialist rates the descriptors of level rows and sees where they stand.

Ratings: 0 = not yet, 1 = partly, 2 = fully (scored 0, 0.5, 1). For each rated row: the fit per column
(the mean score of its rated descriptors) and overall (the mean of the columns, each column counting
once, as levels are judged by all three columns together). The best-fitting row is the highest
level row whose overall fit reaches `FIT_THRESHOLD` (what one already meets); if none does, the row
with the highest fit. The gap is what the next step up from the best-fitting row asks: each of its
descriptors not rated "fully", with the rating given (or none).

Nothing personal is needed or kept: the rows, the ratings and the interface language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qualframe.model import COLUMNS, Framework, LevelRow

RATINGS = {0: "not yet", 1: "partly", 2: "fully"}
SCORE = {0: 0.0, 1: 0.5, 2: 1.0}
FIT_THRESHOLD = 0.75
MAX_ROWS = 4  # rows one assessment may rate: the chosen row and its neighbours


class InvalidAssessment(ValueError):
    """The ratings cannot be accepted; the message names the descriptor or row."""


def rows_to_rate(fw: Framework, row_id: str) -> list[LevelRow]:
    """The chosen row, the row below and the next step up in the same area (those with descriptors)."""
    area = next((a for a, r in fw.rows() if r.id == row_id), None)
    if area is None:
        raise InvalidAssessment(f"no level row {row_id!r}")
    rows = [r for r in area.levels if r.descriptors]
    levels = sorted({r.nqf_level for r in rows})
    me = next(r for r in area.levels if r.id == row_id)
    if not me.descriptors:
        raise InvalidAssessment(f"row {row_id} has no descriptors to rate (printed with dashes)")
    i = levels.index(me.nqf_level)
    want = {levels[k] for k in (i - 1, i + 1) if 0 <= k < len(levels)}
    around = [r for r in rows if r.nqf_level in want]
    # of a neighbouring level with two sub-levels, keep the one of the same kind when there is one
    by_level: dict[int, list[LevelRow]] = {}
    for r in around:
        by_level.setdefault(r.nqf_level, []).append(r)
    picked = [me]
    for lv in sorted(by_level):
        cands = by_level[lv]
        same = [r for r in cands if r.sublevel_kind and r.sublevel_kind == me.sublevel_kind]
        picked.append((same or cands)[0] if len(cands) > 1 else cands[0])
    return sorted(picked, key=lambda r: (r.nqf_level, r.sublevel or 0))[:MAX_ROWS]


def check_ratings(fw: Framework, row_ids: Sequence[str], ratings: Mapping[str, Any]) -> dict[str, int]:
    """Validated ratings {descriptor id: 0|1|2}: only descriptors of the given rows, every value known."""
    allowed: set[str] = set()
    for rid in row_ids:
        try:
            allowed.update(d.id for d in fw.row(rid).descriptors)
        except KeyError:
            raise InvalidAssessment(f"no level row {rid!r}") from None
    out: dict[str, int] = {}
    for did, v in ratings.items():
        if did not in allowed:
            raise InvalidAssessment(f"descriptor {str(did)[:40]!r} is not in the rows being assessed")
        try:
            n = int(v)
        except (TypeError, ValueError):
            raise InvalidAssessment(f"rating of {did} must be 0, 1 or 2 (not yet, partly, fully)") from None
        if n not in RATINGS or isinstance(v, bool):
            raise InvalidAssessment(f"rating of {did} must be 0, 1 or 2 (not yet, partly, fully)")
        out[did] = n
    if not out:
        raise InvalidAssessment("rate at least one descriptor")
    return out


@dataclass(frozen=True)
class RowFit:
    row_id: str
    nqf_level: int
    columns: dict[str, float | None]
    overall: float | None
    rated: int
    total: int


def row_fit(row: LevelRow, ratings: Mapping[str, int]) -> RowFit:
    cols: dict[str, float | None] = {}
    for c in COLUMNS:
        scores = [SCORE[ratings[d.id]] for d in row.column(c) if d.id in ratings]
        cols[c] = round(sum(scores) / len(scores), 3) if scores else None
    present = [v for v in cols.values() if v is not None]
    overall = round(sum(present) / len(present), 3) if present else None
    rated = sum(1 for d in row.descriptors if d.id in ratings)
    return RowFit(row.id, row.nqf_level, cols, overall, rated, len(row.descriptors))


def assess(fw: Framework, row_ids: Sequence[str], ratings: Mapping[str, int]) -> dict[str, Any]:
    """The result: fit per row and column, the best-fitting row, and the gap to the next step."""
    rows = [fw.row(r) for r in row_ids]
    fits = [row_fit(r, ratings) for r in rows]
    scored = [f for f in fits if f.overall is not None]
    best = None
    if scored:
        meeting = [f for f in scored if f.overall >= FIT_THRESHOLD]
        best = (max(meeting, key=lambda f: (f.nqf_level, f.overall)) if meeting
                else max(scored, key=lambda f: (f.overall, -f.nqf_level)))
    gap: dict[str, Any] | None = None
    if best is not None:
        area = next(a for a, r in fw.rows() if r.id == best.row_id)
        best_row = fw.row(best.row_id)
        higher = sorted({r.nqf_level for r in area.levels if r.nqf_level > best.nqf_level and r.descriptors})
        if higher:
            ups = [r for r in area.levels if r.nqf_level == higher[0] and r.descriptors]
            same = [r for r in ups if r.sublevel_kind and r.sublevel_kind == best_row.sublevel_kind]
            nxt = (same or ups)[0]
            gap = {"row_id": nxt.id, "nqf_level": nxt.nqf_level,
                   "items": [{"descriptor_id": d.id, "column": d.column, "rating": ratings.get(d.id)}
                             for d in nxt.descriptors if ratings.get(d.id) != 2]}
    return {
        "rows": [{"row_id": f.row_id, "nqf_level": f.nqf_level, "columns": f.columns, "overall": f.overall,
                  "rated": f.rated, "total": f.total} for f in fits],
        "best_row_id": best.row_id if best else None,
        "threshold": FIT_THRESHOLD,
        "gap": gap,
    }
