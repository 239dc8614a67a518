"""What a standard needs from the framework: a row as a card stands on it, and OKED codes checked against
the framework's annexes (flagged, never refused: the law's annexes are what they are)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qualframe.model import Framework, lookup_oked
from qualframe.standards.document import DocumentError

Translate = Callable[[str, str], "str | None"]  # (descriptor id, lang) -> unofficial translation or None


def row_info(fw: Framework, row_id: str, translate: Translate | None = None) -> dict[str, Any]:
    """The framework row `row_id` with its descriptors (kk text, plus ru/en where translated)."""
    for area, row in fw.rows():
        if row.id == row_id:
            out: dict[str, Any] = {"framework": fw.id, "row_id": row.id, "area": area.code,
                                   "nqf_level": row.nqf_level, "sqf_level": row.sqf_level,
                                   "sublevel": row.sublevel, "label": row.label}
            for col in ("competences", "skills", "knowledge"):
                out[col] = [{"id": d.id, "text": d.text,
                             **{lang: tr for lang in ("ru", "en")
                                if translate and (tr := translate(d.id, lang))}}
                            for d in row.column(col)]
            return out
    raise DocumentError(f"no row {row_id!r} in framework {fw.id}", "row", "invalid")


def descriptor_levels(fw: Framework) -> dict[str, tuple[str, int, str]]:
    """descriptor id -> (area, NQF level, row id)."""
    return {d.id: (a.code, r.nqf_level, r.id) for a, r, d in fw.descriptors()}


def oked_areas(fw: Framework, code: str) -> tuple[list[str], list[str]]:
    """The framework areas an OKED code belongs to, and the ids of the errata that bear on it."""
    m = lookup_oked(fw, code)
    return m.areas, [e.id for e in m.errata]


def isco_groups() -> dict[str, dict[str, Any]]:
    """The ISCO-08 unit groups shipped with qualframe (code -> {code, title_en, ict})."""
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "data" / "isco08.json"
    return {g["code"]: g for g in json.loads(path.read_text("utf-8"))["unit_groups"]}
