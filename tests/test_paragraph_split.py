"""Paragraphs inside a cell: a line that ends a sentence, followed with no blank line by one that starts a
new statement, begins a new paragraph (lines 774/775, 3.3-07-k4 and -k5); a line wrapped mid-sentence does not.
"""

from __future__ import annotations

import re

import pytest

from ingest_helpers import parse_text, seed_text
from qualframe.ingest.layout import Cell, starts_new_statement, table_elements

K4_LINE, K5_LINE = 774, 775


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return seed_text().split("\n")


@pytest.fixture(scope="module")
def parsed():
    return parse_text(seed_text())


def _ids(fw) -> list[str]:
    return [d.id for _, _, d in fw.descriptors()]


def _by_id(fw) -> dict[str, object]:
    return {d.id: d for _, _, d in fw.descriptors()}


def test_rule_holds_only_at_774_775_in_the_whole_text(lines):
    """Every line directly under a non-blank line of a cell, in all four annex tables: the rule fires at 775
    and nowhere else. (The order's prose above the annexes is read one line per provision.)"""
    first_annex = next(no for no, line in enumerate(lines, 1) if re.match(r"^\s*\d{1,2}-қосымша", line))
    cells = [e for e in table_elements(lines, first_annex, len(lines)) if isinstance(e, Cell)]
    assert len(cells) > 100  # sanity: the OKED tables and the framework table were read
    cell_lines = {no for c in cells for p in c.paragraphs for no in range(p.line_start, p.line_end + 1)}
    fired = [
        (no - 1, no) for no in sorted(cell_lines)
        if no - 1 in cell_lines and not lines[no - 1].lstrip(" \u00a0").startswith("\t")
        and starts_new_statement(lines[no - 2], lines[no - 1])
    ]
    assert fired == [(K4_LINE, K5_LINE)]
    restored = [p.line_start for c in cells for p in c.paragraphs if p.break_restored]
    assert restored == [K5_LINE]
    # with that break restored, every paragraph of every cell is one line, as the rest of the text is
    assert all(p.line_start == p.line_end for c in cells for p in c.paragraphs)


@pytest.mark.parametrize(("previous", "line", "expected"), [
    ("\tҚызмет ... валидтеу және аккредиттеу.", "Құрылымдық бөлімше қызметшілерінің ...", True),
    ("Жұмыс аяқталды!", "Әрі қарай ...", True),
    ("Не істеу керек?  ", "Жоспарлау ...", True),
    ("... бағдарламаларды және", "МемСТ-ға сәйкес ...", False),  # wrapped before a capitalised word
    ("... құжаттар, т.б.", "жобалау құжаттарын ...", False),  # an abbreviation, the sentence goes on
    ("... 1.", "2007 жылғы ...", False),
    ("... әзірлеу.", "(пошта қызметкері үшін)", False),
    ("... әзірлеу.", "- қосымша", False),
])
def test_starts_new_statement(previous: str, line: str, expected: bool):
    assert starts_new_statement(previous, line) is expected


def test_774_775_are_two_descriptors(parsed, lines):
    fw, report = parsed
    d = _by_id(fw)
    k4, k5 = d["3.3-07-k4"], d["3.3-07-k5"]
    assert (k4.source.line_start, k4.source.line_end) == (K4_LINE, K4_LINE)
    assert (k5.source.line_start, k5.source.line_end) == (K5_LINE, K5_LINE)
    assert k4.text == lines[K4_LINE - 1].strip() and k4.text.endswith("аккредиттеу.")
    assert k5.text == lines[K5_LINE - 1].strip() and k5.text.startswith("Құрылымдық бөлімше")
    assert [x.id for x in fw.row("3.3-07").knowledge][-2:] == ["3.3-07-k4", "3.3-07-k5"]
    (erratum,) = [e for e in fw.errata if e.kind == "paragraph-break-lost"]
    assert erratum.target == "descriptor:3.3-07-k5"
    assert (erratum.source.line_start, erratum.source.line_end) == (K4_LINE, K5_LINE)
    assert not [e for e in fw.errata if e.kind == "paragraph-wrapped"]
    assert any(w["line"] == K5_LINE for w in report.warnings)


def test_only_k5_is_new(parsed, lines):
    """Before the rule, 774-775 were one paragraph; reading them as one line gives the old ids: only k5 is new."""
    fw, _ = parsed
    merged = [*lines[: K4_LINE - 1], lines[K4_LINE - 1] + " " + lines[K5_LINE - 1], "", *lines[K5_LINE:]]
    before, _ = parse_text("\n".join(merged))
    assert set(_ids(fw)) - set(_ids(before)) == {"3.3-07-k5"}
    assert set(_ids(before)) <= set(_ids(fw))
    assert [i for i in _ids(fw) if i != "3.3-07-k5"] == _ids(before)  # same ids, same order
    old, new = _by_id(before), _by_id(fw)
    assert old["3.3-07-k4"].text == f"{new['3.3-07-k4'].text} {new['3.3-07-k5'].text}"
    assert all(old[i].text == new[i].text for i in _ids(before) if i != "3.3-07-k4")
    others = [(e.kind, e.target, e.evidence) for e in fw.errata if e.kind != "paragraph-break-lost"]
    assert others == [(e.kind, e.target, e.evidence) for e in before.errata]


def test_blank_line_restored_gives_the_same_descriptors(parsed, lines):
    """With the missing blank line put back, the descriptors are the same (spans shift by one line)."""
    fw, _ = parsed
    fixed, _ = parse_text("\n".join([*lines[:K4_LINE], "", *lines[K4_LINE:]]))
    assert [(d.id, d.text) for _, _, d in fixed.descriptors()] == [(d.id, d.text) for _, _, d in fw.descriptors()]
    assert not [e for e in fixed.errata if e.kind in ("paragraph-break-lost", "paragraph-wrapped")]


@pytest.mark.parametrize("variant", ["no full stop on 774", "775 in lower case"])
def test_no_sentence_boundary_stays_one_paragraph(lines, variant):
    """Either half of the rule missing: the two lines are one wrapped paragraph, as 3.3-07-k4."""
    changed = list(lines)
    if variant == "no full stop on 774":
        changed[K4_LINE - 1] = changed[K4_LINE - 1].rstrip().removesuffix(".")
    else:
        changed[K5_LINE - 1] = changed[K5_LINE - 1][0].lower() + changed[K5_LINE - 1][1:]
    fw, _ = parse_text("\n".join(changed))
    d = _by_id(fw)
    assert "3.3-07-k5" not in d
    assert (d["3.3-07-k4"].source.line_start, d["3.3-07-k4"].source.line_end) == (K4_LINE, K5_LINE)
    (erratum,) = [e for e in fw.errata if e.kind == "paragraph-wrapped"]
    assert erratum.target == "descriptor:3.3-07-k4"


def test_rule_is_general_two_sentences_wrapped_elsewhere(parsed, lines):
    """Line 464 (3.1-03-k1) holds two sentences; wrapped at the first full stop it becomes two descriptors."""
    fw, _ = parsed
    k1 = _by_id(fw)["3.1-03-k1"]
    raw = lines[k1.source.line_start - 1]
    first, sep, rest = raw.partition("білу. ")
    assert sep and rest[:1].isupper()
    changed = [*lines[: k1.source.line_start - 1], first + "білу.", rest, *lines[k1.source.line_start:]]
    variant, _ = parse_text("\n".join(changed))
    d = _by_id(variant)
    assert d["3.1-03-k1"].text == (first + "білу.").strip()
    assert d["3.1-03-k2"].text == rest.strip()
    assert {e.target for e in variant.errata if e.kind == "paragraph-break-lost"} == {
        "descriptor:3.1-03-k2", "descriptor:3.3-07-k5"}
    # wrapped mid-sentence instead: still one descriptor, noted as wrapped
    cut = raw.index(", ") + 2
    wrapped = [*lines[: k1.source.line_start - 1], raw[:cut], raw[cut:], *lines[k1.source.line_start:]]
    variant, _ = parse_text("\n".join(wrapped))
    assert _by_id(variant)["3.1-03-k1"].text == k1.text
    assert "3.1-03-k2" not in _by_id(variant)
