"""Careers between level rows: where one can go from a row, and a position's ladder in its catalogue.

Next steps from a row (levels are ordered within an area; sub-levels 1 and 2 of a level are its
managerial and production variants):

* `up`: the row(s) of the next NQF level in the same area (both sub-levels when it has two);
* `sideways`: the other sub-level of the same level;
* `across`: the row(s) of the same NQF level in each other area.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from qualframe.model import Framework, LevelRow

KINDS = ("up", "sideways", "across")


@dataclass(frozen=True, slots=True)
class Step:
    kind: str
    area: str
    row: LevelRow


def next_steps(fw: Framework, row_id: str) -> list[Step]:
    """The next steps from `row_id` (KeyError if the framework has no such row)."""
    home = None
    for a, r in fw.rows():
        if r.id == row_id:
            home = (a, r)
    if home is None:
        raise KeyError(f"no level row {row_id!r}")
    area, row = home
    out: list[Step] = []
    higher = sorted({r.nqf_level for r in area.levels if r.nqf_level > row.nqf_level})
    if higher:
        out += [Step("up", area.code, r) for r in area.levels if r.nqf_level == higher[0] and r.descriptors]
    out += [Step("sideways", area.code, r) for r in area.levels
            if r.nqf_level == row.nqf_level and r.id != row.id and r.descriptors]
    for other in fw.areas:
        if other.code != area.code:
            out += [Step("across", other.code, r) for r in other.levels
                    if r.nqf_level == row.nqf_level and r.descriptors]
    return out


def ladder(positions: Iterable[dict[str, Any]], area: str) -> list[dict[str, Any]]:
    """A catalogue's positions of one area as rungs, lowest level first: [{"nqf_level", "row_ids",
    "positions": [...]}]. Each position dict needs "area", "nqf_level", "row_id" (unplaced ones are left out)."""
    rungs: dict[int, dict[str, Any]] = {}
    for p in positions:
        if p.get("area") != area or p.get("nqf_level") is None:
            continue
        rung = rungs.setdefault(int(p["nqf_level"]), {"nqf_level": int(p["nqf_level"]), "row_ids": [],
                                                       "positions": []})
        if p.get("row_id") and p["row_id"] not in rung["row_ids"]:
            rung["row_ids"].append(p["row_id"])
        rung["positions"].append(p)
    return [rungs[k] for k in sorted(rungs)]


def rows_of_area(fw: Framework, area: str) -> Sequence[LevelRow]:
    return fw.area(area).levels
