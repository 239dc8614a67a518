"""Deciding each table row's level: printed numbers first, then order, then content.

Extraction lost many level numbers. A row's NQF level is taken as printed where a number survives;
otherwise it is inferred from the row's place between printed rows, and where order alone leaves a
choice (sub-levels), from the wording it shares with rows of known level and from the level numbers
its text mentions ("төртінші деңгейдегі қызметкерлер" → the row supervises level 4, so it is level 5).
Whatever cannot be settled is marked ambiguous with the candidates and the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import combinations_with_replacement

from qualframe.ingest.similarity import cosine, terms
from qualframe.model.messages import Message

MAX_LEVEL = 8
MAX_ROWS_PER_LEVEL = 2  # the note under each table defines two sub-levels

_ORDINALS = {
    "бірінші": 1, "екінші": 2, "үшінші": 3, "төртінші": 4,
    "бесінші": 5, "алтыншы": 6, "жетінші": 7, "сегізінші": 8,
}
_ORDINAL_RE = re.compile(r"(" + "|".join(_ORDINALS) + r")[\s,]+(?:және\s+)?(?:\w+\s+){0,3}?деңгей", re.I)


@dataclass
class RowInput:
    """What the table gives about one row before its level is decided."""

    area: str
    position: int
    level_cells: list[str]
    text: str
    first_line: int


@dataclass
class Resolution:
    nqf_level: int
    sqf_level: str | None
    source: str  # printed | inferred | ambiguous
    message: Message  # why, translatable (codes and msgids in qualframe.model.messages)
    candidates: tuple[int, ...] = ()
    warnings: list[str] = field(default_factory=list)

    @property
    def evidence(self) -> str:
        """The explanation in English, as stored in `level_evidence`."""
        return self.message.render()


def mentioned_level(text: str) -> int | None:
    """Highest level number the text mentions as staff it works with ("бірінші, екінші ... деңгей")."""
    found = [_ORDINALS[m.group(1).lower()] for m in _ORDINAL_RE.finditer(text)]
    # also catch enumerations "бірінші, екінші және үшінші деңгейлердегі"
    for m in re.finditer(r"((?:(?:" + "|".join(_ORDINALS) + r")[\s,]*(?:және\s+)?)+)деңгей", text, re.I):
        found += [_ORDINALS[w.lower()] for w in re.findall("|".join(_ORDINALS), m.group(1), re.I)]
    return max(found) if found else None


def _printed(cells: list[str], prev_nqf: int | None) -> Resolution | None:
    nums = [c for c in cells if c]
    if not cells or not nums:
        return None
    warnings: list[str] = []
    if len(cells) > 2:
        warnings.append(f"{len(cells)} level cells; only the last two are read")
        cells = cells[-2:]
        nums = [c for c in cells if c]
    if len(cells) == 2 and all(cells):
        nqf, sqf = int(cells[0]), cells[1]
        if not sqf.startswith(cells[0]):
            warnings.append(f"SQF level {sqf} does not start with its NQF level {nqf}")
        return Resolution(nqf, sqf, "printed", Message("printed.nqf_sqf", {"nqf": nqf, "sqf": sqf}),
                          warnings=warnings)
    value = nums[0]
    if len(value) == 2:
        nqf = int(value[0])
        why = Message("printed.sqf_lost" if len(cells) == 1 else "printed.sqf_merged", {"sqf": value, "nqf": nqf})
        if prev_nqf is not None and prev_nqf != nqf and cells[0] == "":
            warnings.append(f"empty NQF cell suggests a merge with the row above (NQF {prev_nqf}), but SQF is {value}")
        return Resolution(nqf, value, "printed", why, warnings=warnings)
    nqf = int(value)
    return Resolution(
        nqf, None, "printed",
        Message("printed.one", {"value": value}),
        warnings=warnings,
    )


def resolve(rows: list[RowInput]) -> list[Resolution]:
    """Resolve the levels of all rows of all areas (content evidence is shared across areas)."""
    out: list[Resolution | None] = []
    prev: dict[str, int | None] = {}
    for r in rows:
        res = _printed(r.level_cells, prev.get(r.area))
        out.append(res)
        if res:
            prev[r.area] = res.nqf_level
    by_area: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_area.setdefault(r.area, []).append(i)

    # Pass 1: gaps that order alone settles; pass 2: gaps that need content, with pass-1 rows as references.
    # References are recomputed per gap so that a gap settled in one area informs the next.
    for need_content in (False, True):
        for idxs in by_area.values():
            for gap in _gaps(idxs, out):
                refs = [(i, res.nqf_level) for i, res in enumerate(out) if res and res.source != "ambiguous"]
                _fill_gap(gap, rows, out, refs, need_content)
    return [r for r in out if r is not None]


@dataclass
class _Gap:
    rows: list[int]
    low: int  # level of the printed row before the gap (0 at the start)
    high: int  # level of the printed row after the gap (MAX_LEVEL + 1 at the end)
    low_real: bool
    high_real: bool


def _gaps(idxs: list[int], out: list[Resolution | None]) -> list[_Gap]:
    gaps: list[_Gap] = []
    low, low_real, cur = 0, False, []
    for i in idxs:
        if out[i] is None:
            cur.append(i)
            continue
        if cur:
            gaps.append(_Gap(cur, low, out[i].nqf_level, low_real, True))  # type: ignore[union-attr]
            cur = []
        low, low_real = out[i].nqf_level, True  # type: ignore[union-attr]
    if cur:
        gaps.append(_Gap(cur, low, MAX_LEVEL + 1, low_real, False))
    return gaps


def _fill_gap(
    gap: _Gap,
    rows: list[RowInput],
    out: list[Resolution | None],
    refs: list[tuple[int, int]],
    need_content: bool,
) -> None:
    required = list(range(gap.low + 1, gap.high))
    k = len(gap.rows)
    where = _where(gap)
    if k == len(required):
        for i, lvl in zip(gap.rows, required, strict=True):
            out[i] = Resolution(lvl, None, "inferred", Message("order.only", {"where": where}))
        return
    if not need_content:
        return
    cands = list(range(max(gap.low, 1) if gap.low_real else gap.low + 1, min(gap.high, MAX_LEVEL) + 1))
    row_terms = {i: terms(rows[i].text) for i in gap.rows}
    ref_terms = [(j, lvl, terms(rows[j].text)) for j, lvl in refs]

    def sim(i: int, lvl: int) -> tuple[float, int | None]:
        best, best_j = 0.0, None
        for j, rl, t in ref_terms:
            if rl == lvl and j != i:
                s = cosine(row_terms[i], t)
                if s > best:
                    best, best_j = s, j
        return best, best_j

    def score(i: int, lvl: int) -> float:
        hint = mentioned_level(rows[i].text)
        return scores[(i, lvl)][0] + (0.25 if hint is not None and hint + 1 == lvl else 0.0)

    scores = {(i, c): sim(i, c) for i in gap.rows for c in cands}
    counts = {gap.low: 1 if gap.low_real else 0, gap.high: 1 if gap.high_real else 0}
    assignments: list[tuple[float, tuple[int, ...]]] = []
    for combo in combinations_with_replacement(cands, k):
        if any(lvl not in combo for lvl in required):
            continue
        if any(combo.count(c) + counts.get(c, 0) > MAX_ROWS_PER_LEVEL for c in set(combo)):
            continue
        total = sum(score(i, c) for i, c in zip(gap.rows, combo, strict=True))
        assignments.append((total, combo))
    if not assignments:
        for i in gap.rows:
            out[i] = Resolution(
                gap.low + 1 if gap.low + 1 <= MAX_LEVEL else MAX_LEVEL, None, "ambiguous",
                Message("order.overfull", {"rows": k, "where": where, "low": gap.low + 1, "high": gap.high - 1,
                                           "max": MAX_ROWS_PER_LEVEL}),
                tuple(cands),
            )
        return
    assignments.sort(key=lambda a: -a[0])
    best_total, best = assignments[0]
    for pos, i in enumerate(gap.rows):
        lvl = best[pos]
        own_best = max(cands, key=lambda c: score(i, c))
        s, j = scores[(i, lvl)]
        rivals = sorted({a[1][pos] for a in assignments if a[0] >= best_total - 0.05})
        hint = mentioned_level(rows[i].text)
        hint_msg: Message | str = Message("hint.staff", {"level": hint}) if hint else ""
        if own_best != lvl and score(i, own_best) > score(i, lvl) + 0.1:
            os_, oj = scores[(i, own_best)]
            out[i] = Resolution(
                own_best, None, "ambiguous",
                Message("content.conflict", {"level": own_best, "ref": _ref(rows, oj), "similarity": round(os_, 2),
                                             "hint": hint_msg, "where": where, "order_level": lvl}),
                tuple(sorted({own_best, lvl})),
            )
        elif len(rivals) > 1:
            out[i] = Resolution(
                lvl, None, "ambiguous",
                Message("content.tie", {"levels": list(rivals), "where": where}),
                tuple(rivals),
            )
        else:
            out[i] = Resolution(
                lvl, None, "inferred",
                Message("content.closest", {"where": where, "rows": k, "count": len(required), "levels": required,
                                            "level": lvl, "ref": _ref(rows, j), "similarity": round(s, 2),
                                            "hint": hint_msg}),
            )


def _where(gap: _Gap) -> Message:
    a = Message("where.after_level", {"level": gap.low}) if gap.low_real else Message("where.start")
    b = Message("where.before_level", {"level": gap.high}) if gap.high_real else Message("where.end")
    return Message("where.between", {"after": a, "before": b})


def _ref(rows: list[RowInput], j: int | None) -> Message:
    """The reference row whose wording a row matched best."""
    if j is None:
        return Message("ref.none")
    return Message("ref.row", {"line": rows[j].first_line, "area": rows[j].area})
