"""The real parser on the real text: every table paragraph accounted for, rows, levels, spans, errata."""

from __future__ import annotations

import re

import pytest

from ingest_helpers import SHARED_SEED, SHIPPED_SEED, parse_text, seed_text
from qualframe.dataset import dataset_path, dumps
from qualframe.ingest import parse, read_source
from qualframe.ingest.layout import fold


@pytest.fixture(scope="module")
def parsed():
    return parse_text(seed_text())


@pytest.fixture(scope="module")
def lines():
    return seed_text().split("\n")


def _table_paragraphs(lines: list[str]) -> set[tuple[int, int]]:
    """Independent reading of the framework table: paragraphs split at blank lines, at cell starts, and where
    a line ending a sentence (. ! ?) is followed by one starting with a capital (774/775 lost their blank line)."""
    start = next(i for i, line in enumerate(lines, 1) if line.strip().startswith("4-қосымша"))
    # the caption of annex 4 starts at the quoted line just above the marker
    start = max(i for i in range(1, start) if lines[i - 1].strip().startswith("«"))
    paras: set[tuple[int, int]] = set()
    cur: list[int] | None = None
    for no in range(start, len(lines) + 1):
        raw = lines[no - 1]
        if not raw.strip():
            cur = None
            continue
        new_sentence = re.search(r"[.!?]\s*$", lines[no - 2]) and raw.strip()[:1].isupper()
        if re.match(r"^[ \u00a0]*\t", raw) or cur is None or new_sentence:
            if re.match(r"^[ \u00a0]*\t", raw) and not raw.strip():
                cur = None
                continue
            cur = [no, no]
            paras.add((no, no))
        else:
            paras.discard((cur[0], cur[1]))
            cur[1] = no
            paras.add((cur[0], cur[1]))
    return paras


def test_every_table_paragraph_accounted_exactly_once(parsed, lines):
    _, report = parsed
    spans = [(a.line_start, a.line_end) for a in report.accounting]
    assert len(spans) == len(set(spans)), "a paragraph was accounted twice"
    assert set(spans) == _table_paragraphs(lines)
    kinds = {a.kind for a in report.accounting}
    assert kinds <= {"descriptor", "header", "heading", "area-title", "level-number", "note", "placeholder"}


def test_rows_per_area(parsed):
    fw, _ = parsed
    assert [a.code for a in fw.areas] == ["3.1", "3.2", "3.3"]
    assert [len(a.levels) for a in fw.areas] == [10, 8, 10]
    assert fw.area("3.3").header_printed is False
    assert fw.area("3.3").title["kk"] == "Байланыс"


def test_printed_levels_honoured(parsed, lines):
    fw, _ = parsed
    # Every level number printed in the table, read independently from the raw lines.
    printed_lines = {no for no, line in enumerate(lines, 1) if re.fullmatch(r"\t\d{1,2}", line)}
    printed_lines = {no for no in printed_lines if no > 420}
    rows_with_print = [r for _, r in fw.rows() if r.level_source == "printed"]
    covered: set[int] = set()
    for r in rows_with_print:
        nums = [no for no in printed_lines if r.source.line_start <= no < r.source.line_start + 3]
        covered.update(nums)
        values = [lines[no - 1].strip() for no in sorted(nums)]
        assert values, r.id
        if len(values) == 2:
            assert (str(r.nqf_level), r.sqf_level) == (values[0], values[1])
        elif len(values[0]) == 2:
            assert r.sqf_level == values[0] and r.nqf_level == int(values[0][0])
        else:
            assert r.nqf_level == int(values[0])
    assert covered == printed_lines
    assert [r.sqf_level for r in fw.area("3.1").levels if r.level_source == "printed"] == [
        "11", "21", "31", "41", "51", "61", "62", "71"]
    assert [r.sqf_level for r in fw.area("3.2").levels if r.level_source == "printed"] == ["3", "8"]


def test_every_source_span_points_at_its_paragraph(parsed, lines):
    fw, _ = parsed
    count = 0
    for _, _, d in fw.descriptors():
        raw = "\n".join(lines[d.source.line_start - 1:d.source.line_end])
        assert fold(raw.replace("\t", " ")) == d.text, d.id
        assert d.source.line_start == d.source.line_end, f"{d.id}: every paragraph of the text is one line"
        count += 1
    assert count == 196


def test_levels_inferred_or_ambiguous_with_reasons(parsed):
    fw, _ = parsed
    expected = {
        "3.1": [1, 2, 3, 4, 5, 6, 6, 7, 7, 8],
        "3.2": [1, 2, 3, 4, 5, 6, 7, 8],
        "3.3": [1, 2, 3, 4, 5, 6, 6, 5, 7, 8],
    }
    for code, levels in expected.items():
        assert [r.nqf_level for r in fw.area(code).levels] == levels
    for _, r in fw.rows():
        assert r.level_evidence
        if r.level_source == "ambiguous":
            assert len(r.level_candidates) >= 2
    odd = fw.row("3.3-08")
    assert odd.level_source == "ambiguous" and set(odd.level_candidates) >= {5, 7}
    assert sum(1 for _, r in fw.rows() if r.level_source == "inferred") == 16


def test_dash_row_present_with_empty_lists(parsed):
    fw, _ = parsed
    first = fw.area("3.1").levels[0]
    assert (first.sqf_level, first.competences, first.skills, first.knowledge) == ("11", (), (), ())


def test_sublevels(parsed):
    fw, _ = parsed
    r61, r62 = fw.find_rows("3.1", "6")
    assert (r61.sublevel, r61.sublevel_kind, r62.sublevel, r62.sublevel_kind) == (1, "managerial", 2, "production")
    assert fw.find_rows("3.1", "41")[0].sublevel_kind is None  # level 4 is not split


def test_errata_present(parsed):
    fw, _ = parsed
    by_target = {e.target: e for e in fw.errata if e.kind != "level-lost"}
    assert {e.target for e in fw.errata if e.kind == "level-lost"} == {"area:3.1", "area:3.2", "area:3.3"}
    assert by_target["oked:3.1:92.12"].kind == "oked-typo"
    assert by_target["oked:3.1:92.12"].suggestion == "95.12"
    assert by_target["oked:3.3:64.20"].kind == "oked-outdated"
    assert by_target["oked:3.3:53.0"].kind == "oked-invalid"
    assert by_target["oked:3.3:53.0"].suggestion == "53"
    assert by_target["abbr:БСШ"].kind == "abbreviation-typo"
    assert by_target["abbr:БСШ"].source.line_start == 110
    assert by_target["abbr:БҰШ"].kind == "abbreviation-variant"
    assert by_target["area:3.3"].kind == "missing-header"
    assert by_target["row:3.1-01"].kind == "no-descriptors"
    assert by_target["row:3.3-08"].kind == "row-misplaced-or-duplicated"
    assert by_target["descriptor:3.3-07-k5"].kind == "paragraph-break-lost"  # lines 774/775, no blank line
    assert "oked:3.2" in by_target  # groups and classes mixed
    oked_errata = {o.code: o.errata for a in fw.areas for o in a.oked}
    assert oked_errata["92.12"] and oked_errata["64.20"] and not oked_errata["62.01"]


def test_legal_metadata_and_provisions(parsed):
    fw, _ = parsed
    lg = fw.legal
    assert (lg.order_number, lg.order_date) == ("769", "2013-09-30")
    assert (lg.registration_number, lg.registration_date, lg.adilet_id) == ("8876", "2013-11-04", "V1300008876")
    assert lg.status == "repealed"
    assert lg.repealed_by == {
        "order_number": "629", "order_date": "2015-05-28",
        "issuing_body": "Қазақстан Республикасы Инвестициялар және даму министрі",
    }
    assert "138-4-бабының" in lg.legal_basis and "Еңбек кодексінің" in lg.legal_basis
    assert "он күн" in lg.entry_into_force
    assert lg.nqf_basis["registration_number"] == "8022"
    assert fw.id == "kz-ict-sqf-2013"
    assert len(fw.statements_with_role("strategic_goal")) == 23
    assert len(fw.statements_with_role("principle")) == 7
    assert len(fw.statements_with_role("enables")) == 5  # the lead-in "СБШ:" and its four sub-items
    assert [s.text for s in fw.statements_with_role("labour_activity_kind")] == [
        "басқарушылық;", "атқарушы-басқарушылық;", "атқарушы."]
    assert fw.statements_with_role("users")[0].item == 4
    assert fw.statements_with_role("ict_definition")[0].item == 10


def test_oked_codes_as_printed(parsed):
    fw, _ = parsed
    assert [o.code for o in fw.area("3.1").oked] == [
        "62.01", "62.02", "62.03", "62.09", "63.11", "63.12", "58.21", "58.29", "92.12"]
    assert [o.code for o in fw.area("3.3").oked] == ["61.1", "61.2", "61.3", "61.9", "64.20", "53.0"]
    assert fw.area("3.2").oked[-1].name["kk"] == "Коммуникациялық жабдықты жөндеу"


def test_shipped_dataset_is_the_ingested_seed():
    fw, _ = parse(read_source(SHARED_SEED if SHARED_SEED.exists() else SHIPPED_SEED))
    assert dataset_path().read_text(encoding="utf-8") == dumps(fw)


@pytest.mark.skipif(not SHARED_SEED.exists(), reason="../shared/seeds not present (only in a full checkout)")
def test_shipped_source_is_the_seed():
    assert SHIPPED_SEED.read_bytes() == SHARED_SEED.read_bytes()


def test_curated_errata_are_checked_against_the_text(parsed):
    fw, _ = parsed
    typos = {e.evidence: e for e in fw.errata if e.kind in ("typo", "wording")}
    assert typos["line 214: «спасын»"].target == "statement:item.9.19"
    assert typos["line 214: «спасын»"].suggestion == "сапасын"
    assert {e.target for e in fw.errata if "зарасыз" in e.evidence} == {
        "descriptor:3.1-10-s1", "descriptor:3.3-10-s1"}


def test_curated_erratum_not_found_is_reported():
    fixed = seed_text().replace("спасын", "сапасын")
    fw, report = parse_text(fixed)
    assert not [e for e in fw.errata if "спасын" in e.evidence]
    assert any("'спасын' not found" in w["message"] for w in report.warnings)
