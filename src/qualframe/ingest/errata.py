"""Finding anomalies in the source: wrong or outdated OKED codes, abbreviation variants, layout damage.

Each finding becomes an :class:`Erratum` with its evidence; the law's text is never changed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from qualframe.ingest.similarity import closest
from qualframe.model import Erratum, OkedCode, SourceSpan
from qualframe.model.oked import NACE2, NACE11_CHANGED, parents


class ErrataBook:
    """Collects errata and numbers them E01, E02... in the order found."""

    def __init__(self) -> None:
        self.items: list[Erratum] = []

    def add(
        self, kind: str, target: str, evidence: str, explanation: str,
        source: SourceSpan | None = None, suggestion: str | None = None,
    ) -> str:
        eid = f"E{len(self.items) + 1:02d}"
        self.items.append(Erratum(eid, kind, target, evidence, explanation, source, suggestion))
        return eid


def check_oked(book: ErrataBook, annex_codes: list[tuple[str, list[OkedCode]]]) -> list[tuple[str, list[OkedCode]]]:
    """Check printed OKED codes against the current edition; return the codes with errata attached."""
    all_codes = [(area, oc) for area, codes in annex_codes for oc in codes]
    result: list[tuple[str, list[OkedCode]]] = []
    for area, codes in annex_codes:
        fixed: list[OkedCode] = []
        for oc in codes:
            ids = _check_one(book, area, oc, all_codes)
            fixed.append(OkedCode(oc.code, oc.name, oc.source, tuple(ids)))
        _check_granularity(book, area, codes)
        result.append((area, fixed))
    return result


def _check_one(book: ErrataBook, area: str, oc: OkedCode, all_codes: list[tuple[str, OkedCode]]) -> list[str]:
    code, name = oc.code, oc.name.get("kk", "")
    target = f"oked:{area}:{code}"
    ev = f"{code} «{name}»"
    if code in NACE11_CHANGED and code in NACE2:
        return [book.add(
            "oked-outdated", target, ev,
            f"{code} meant '{NACE11_CHANGED[code]}' in the pre-2008 edition of the classifier (NACE Rev. 1.1 "
            f"based); in the current edition (NK RK 03-2019 = NACE Rev. 2) {code} is '{NACE2[code]}'. "
            "The printed name shows the old meaning is intended.",
            oc.source,
        )]
    if code in NACE2:
        return []
    # Not a current code: a typo of a printed code with the same name, or a non-existent group.
    twin = _same_name(oc, all_codes)
    if twin is not None and _one_digit_apart(code, twin.code):
        old = NACE11_CHANGED.get(code)
        old_txt = f" (in the pre-2008 edition {code} was '{old}', which does not fit the name either)" if old else ""
        return [book.add(
            "oked-typo", target, ev,
            f"{code} does not exist in the current edition{old_txt}; its name matches {twin.code} "
            f"«{twin.name.get('kk', '')}» ('{NACE2.get(twin.code, '')}'), one digit apart: most likely a typo.",
            oc.source, suggestion=twin.code,
        )]
    division = code.split(".")[0]
    if re.fullmatch(r"\d{2}\.0", code) and division in NACE2:
        return [book.add(
            "oked-invalid", target, ev,
            f"{code} is not a valid code (division {division} has no group .0); the name "
            f"matches division {division} '{NACE2[division]}', which is most likely what is meant.",
            oc.source, suggestion=division,
        )]
    known_parent = next((p for p in parents(code) if p in NACE2), None)
    hint = f"; its parent {known_parent} is '{NACE2[known_parent]}'" if known_parent else ""
    return [book.add(
        "oked-unknown", target, ev,
        f"{code} is not in the reference list of current codes{hint}.", oc.source,
    )]


def _same_name(oc: OkedCode, all_codes: list[tuple[str, OkedCode]]) -> OkedCode | None:
    others = ((o, o.name.get("kk", "")) for _, o in all_codes if o.code != oc.code)
    return closest(oc.name.get("kk", ""), others, 0.6)


def _one_digit_apart(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def _check_granularity(book: ErrataBook, area: str, codes: list[OkedCode]) -> None:
    kinds = Counter("group" if len(c.code.split(".")[-1]) == 1 else "class" for c in codes if "." in c.code)
    if len(kinds) > 1:
        groups = [c.code for c in codes if "." in c.code and len(c.code.split(".")[-1]) == 1]
        classes = [c.code for c in codes if "." in c.code and len(c.code.split(".")[-1]) == 2]
        book.add(
            "oked-granularity", f"oked:{area}",
            f"groups {', '.join(groups)}; classes {', '.join(classes)}",
            "The annex mixes groups (NN.N) and classes (NN.NN) of the classifier; a class is narrower "
            "than a group, so the area covers whole groups but only parts of others.",
            SourceSpan(codes[0].source.line_start, codes[-1].source.line_end),
        )


_ABBR = re.compile(r"(?<![^\W\d_])([ҰБСН][ҰБСШ]{2})(?![^\W\d_])")
_DEFINED = re.compile(r"бұдан әрі\s*[–—-]\s*([А-ЯӘҒҚҢӨҰҮҺІ]{2,5})")


def check_abbreviations(book: ErrataBook, lines: list[str]) -> None:
    """Spelling variants of the framework abbreviations (ҰБШ defined, БҰШ used, БСШ once)."""
    defined: set[str] = set()
    where: dict[str, list[int]] = {}
    for no, line in enumerate(lines, 1):
        defined.update(_DEFINED.findall(line))
        for m in _ABBR.finditer(line):
            where.setdefault(m.group(1), []).append(no)
    nqf = "ҰБШ" if "ҰБШ" in defined else None
    for abbr, nos in sorted(where.items()):
        if abbr in defined or abbr not in {"БҰШ", "БСШ", "НБШ"}:
            continue
        span = SourceSpan(nos[0], nos[0]) if len(nos) == 1 else SourceSpan(nos[0], nos[-1])
        lines_txt = ", ".join(map(str, nos))
        if abbr == "БҰШ":
            book.add(
                "abbreviation-variant", f"abbr:{abbr}", f"{abbr} on lines {lines_txt}",
                f"The text defines the NQF abbreviation as {nqf or 'ҰБШ'} (Ұлттық біліктілік шеңбері) but "
                f"also writes it {abbr}, with the letters swapped; both mean the national qualifications "
                "framework.",
                span, suggestion=nqf or "ҰБШ",
            )
        else:
            book.add(
                "abbreviation-typo", f"abbr:{abbr}", f"{abbr} on lines {lines_txt}",
                f"{abbr} is used but never defined; it is most likely a typo of the NQF abbreviation "
                "(БҰШ with Ұ→С). It could also be СБШ (the SQF) with letters transposed; the meaning of "
                "the sentence is the same either way.",
                span, suggestion=nqf or "ҰБШ",
            )


def apply_curated(book: ErrataBook, lines: list[str], framework_id: str, curated: dict,
                  locate: Callable[[int], str]) -> list[str]:
    """Record curated errata whose quoted string is in the source; return warnings for those not found.

    `locate(line)` names what a line belongs to (a descriptor or statement id) for the erratum target.
    """
    if curated.get("framework_id") != framework_id:
        return []
    warnings: list[str] = []
    for entry in curated.get("entries", []):
        quote = entry["quote"]
        hits = [no for no, line in enumerate(lines, 1) if quote in line]
        if not hits:
            warnings.append(f"curated erratum {quote!r} not found in the source")
            continue
        for no in hits:
            book.add(
                entry["kind"], locate(no), f"line {no}: «{quote}»", entry["explanation"],
                SourceSpan(no, no), suggestion=entry.get("suggestion"),
            )
    return warnings
