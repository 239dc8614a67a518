"""Hostile and unusual CASE packages: exports of imported frameworks in any language, control
characters, spreadsheet formulas, column lengths checked the same on SQLite and PostgreSQL, and
graph shapes (diamonds, deep chains, long cycles) that must cost linear work."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

import case_gen as g
import qualframe
from qualframe.interop import case_schema, limits
from qualframe.interop.case import build_package
from qualframe.interop.case_import import parse_package_bytes, read_package
from qualframe.interop.grid import grid_csv
from qualframe.interop.skos import dumps_skos
from qualframe.interop.tables import fields_for, to_csv, to_xlsx
from qualframe.store import Store
from qualframe.store.case import framework_id_for, import_package

STANDARDS = case_schema.standards_dir()
SAMPLES = sorted((STANDARDS / "samples").glob("opensalt-*.json")) if STANDARDS else []
needs_sample = pytest.mark.skipif(not SAMPLES, reason="OpenSALT sample not found in shared/standards/case/samples")


@pytest.fixture
def empty_store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    s.migrate()
    yield s
    s.close()


def _parse(pkg: dict[str, Any]) -> Any:
    return parse_package_bytes(g.to_bytes(pkg), "gen.json")


def _errors(parsed: Any) -> str:
    return "\n".join(f"{i.path}: {i.message}" for i in parsed.report.errors)


def _imported(store: Store, parsed: Any) -> qualframe.Framework:
    assert parsed.package is not None, _errors(parsed)
    res = import_package(parsed, store)
    return store.get_framework(res.framework_id)


def _three_level(lang: str = "en", statements: dict[int, str] | None = None, tag: str = "tl") -> dict[str, Any]:
    """Area 0 → rows 1, 2 → descriptors 3..6 (two per row)."""
    return g.package(7, [(0, -1), (1, 0), (2, 0), (3, 1), (4, 1), (5, 2), (6, 2)], lang=lang, tag=tag,
                     statements=statements)


def _check_all_exports(fw: qualframe.Framework, lang: str) -> None:
    """Every export of an imported framework works and carries its texts in its own language."""
    texts = sorted(d.text for _, _, d in fw.descriptors())
    rows = list(csv.DictReader(io.StringIO(to_csv(fw))))
    assert tuple(rows[0].keys()) == fields_for(fw)
    assert f"text_{lang}" in rows[0] and "text_kk" not in rows[0] and f"text_{lang}_status" not in rows[0]
    assert sorted(r[f"text_{lang}"] for r in rows if r["descriptor_id"]) == texts
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(to_xlsx(fw)))
    ws = wb["descriptors"]
    header = [c.value for c in ws[1]]
    i = header.index(f"text_{lang}")
    assert sorted(r[i].value for r in ws.iter_rows(min_row=2) if r[0].value) == texts
    about = {r[0].value: r[1].value for r in wb["about"].iter_rows()}
    assert about["original text"].startswith(f"language {lang}")
    skos = json.loads(dumps_skos(fw, "https://q.test"))
    defs = [n["definition"] for n in skos["@graph"] if "definition" in n]
    assert sorted(d["@value"] for d in defs) == texts and {d["@language"] for d in defs} == {lang}
    rdflib = pytest.importorskip("rdflib")
    rdflib.Graph().parse(data=json.dumps(skos), format="json-ld")
    pkg = build_package(fw, "https://q.test")
    assert {i["language"] for i in pkg["CFItems"]} == {lang}
    assert sorted(i["fullStatement"] for i in pkg["CFItems"] if i["fullStatement"] in texts) == texts
    if STANDARDS:
        assert case_schema.validate_package(pkg) == []


# --- exports of imported frameworks (issue 9, item 4) -------------------------------------------------


@needs_sample
def test_opensalt_import_exports_to_every_format(empty_store: Store) -> None:
    fw = _imported(empty_store, read_package(SAMPLES[0]))
    assert fw.legal.source_language == "und"  # the sample's CFDocument has no language
    assert sum(1 for _ in fw.descriptors()) > 0
    _check_all_exports(fw, "und")


@pytest.mark.parametrize("lang", ["en", "ru", "de-CH"])
def test_generated_import_in_other_languages_exports_to_every_format(empty_store: Store, lang: str) -> None:
    fw = _imported(empty_store, _parse(_three_level(lang, tag=f"lang-{lang}")))
    assert fw.legal.source_language == lang and len(fw.areas) == 1
    _check_all_exports(fw, lang)


def test_shipped_exports_keep_their_kazakh_columns() -> None:
    fw = qualframe.load()
    assert fields_for(fw)[:14][-1] == "text_kk"
    assert to_csv(fw).startswith("descriptor_id,case_uuid,framework_id,area,area_title_kk,")


# --- control characters (item 4) ----------------------------------------------------------------------


def test_control_characters_are_stripped_at_import_and_reported_with_item_and_field(empty_store: Store) -> None:
    pkg = _three_level(statements={3: "Bell\x07 here", 4: "next\x85line", 5: "tab\tand\nnew line stay"})
    pkg["CFItems"][6]["notes"] = "nonchar\ufdd0 and \U0001fffe end"
    text = g.to_bytes(pkg).decode().replace("I2", "I\\ud8002")  # a lone surrogate, only possible as an escape
    parsed = parse_package_bytes(text.encode("utf-8"), "ctl.json")
    assert parsed.report.ok, _errors(parsed)
    warned = {w.path: w.message for w in parsed.report.warnings}
    ids = [i["identifier"] for i in pkg["CFItems"]]
    assert "U+0007" in warned["$.CFItems[3].fullStatement"] and ids[3] in warned["$.CFItems[3].fullStatement"]
    assert "U+0085" in warned["$.CFItems[4].fullStatement"]
    assert "U+FDD0" in warned["$.CFItems[6].notes"] and "U+1FFFE" in warned["$.CFItems[6].notes"]
    assert "U+D800" in warned["$.CFItems[2].humanCodingScheme"]
    assert "$.CFItems[5].fullStatement" not in warned  # tab and newline are text
    items = parsed.package["CFItems"]
    assert [i["fullStatement"] for i in items[3:6]] == ["Bell here", "nextline", "tab\tand\nnew line stay"]
    assert items[6]["notes"] == "nonchar and  end" and items[2]["humanCodingScheme"] == "I2"
    fw = _imported(empty_store, parsed)
    to_xlsx(fw)  # the control character would make openpyxl raise IllegalCharacterError


def test_many_control_characters_are_listed_then_counted() -> None:
    n = 50
    pkg = g.flat(n, statements={i: f"x\x01{i}" for i in range(n)})
    rep = _parse(pkg).report
    ctl = [w for w in rep.warnings if "control" in w.message]
    assert len(ctl) == 21 and ctl[-1].count == n - 20
    assert rep.warning_count == n


def test_exports_strip_control_characters_already_stored() -> None:
    fw = qualframe.load()
    area = fw.areas[0]
    row = area.levels[2]
    d = row.competences[0]
    bad = dataclasses.replace(d, text="ring\x07the\x1bbell\x9b")
    row2 = dataclasses.replace(row, competences=(bad, *row.competences[1:]))
    area2 = dataclasses.replace(area, levels=(*area.levels[:2], row2, *area.levels[3:]))
    fw2 = dataclasses.replace(fw, areas=(area2, *fw.areas[1:]))
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(to_xlsx(fw2)))["descriptors"]
    cell = next(r[13].value for r in ws.iter_rows(min_row=2) if r[0].value == d.id)
    assert cell == "ringthebell"
    rows = {r["descriptor_id"]: r for r in csv.DictReader(io.StringIO(to_csv(fw2)))}
    assert rows[d.id]["text_kk"] == "ringthebell"


# --- formula injection (item 4) -----------------------------------------------------------------------


FORMULAS = {3: '=HYPERLINK("http://evil.example","click")', 4: "+1+2", 5: "-3", 6: "@SUM(A1)"}


def test_formulas_are_neutralised_in_csv_xlsx_and_grid(empty_store: Store) -> None:
    fw = _imported(empty_store, _parse(_three_level(statements=FORMULAS, tag="formula")))
    rows = {r["text_en"] for r in csv.DictReader(io.StringIO(to_csv(fw))) if r["descriptor_id"]}
    assert rows == {"'" + f for f in FORMULAS.values()}
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(to_xlsx(fw)))["descriptors"]
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    i = [c.value for c in ws[1]].index("text_en")
    assert {r[i].value for r in ws.iter_rows(min_row=2) if r[0].value} == rows
    grid = list(csv.DictReader(io.StringIO(grid_csv(fw))))
    assert {r["text"] for r in grid if r["descriptor_id"]} == rows


def test_tab_and_carriage_return_prefixes_are_neutralised() -> None:
    from qualframe.interop.common import spreadsheet_cell

    assert spreadsheet_cell("\tcmd") == "'\tcmd" and spreadsheet_cell("\r=1") == "'\r=1"
    assert spreadsheet_cell("plain - text") == "plain - text" and spreadsheet_cell(-3) == -3


# --- column lengths (item 9) --------------------------------------------------------------------------


def test_limits_equal_the_store_columns() -> None:
    from qualframe.store import models

    tables = models.Base.metadata.tables
    for (table, column), n in limits.COLUMNS.items():
        assert tables[table].c[column].type.length == n, (table, column)


@pytest.mark.parametrize("depth, limit", [(0, limits.AREA_CODE), (1, limits.ROW_ID), (3, limits.DESCRIPTOR_ID)])
def test_over_long_codes_are_refused_before_writing(depth: int, limit: int) -> None:
    pkg = _three_level()
    pkg["CFItems"][depth]["humanCodingScheme"] = "C" * (limit + 1)
    parsed = _parse(pkg)
    assert parsed.package is None
    err = parsed.report.errors[0]
    assert err.path == f"CFItems[{depth}].humanCodingScheme"
    assert pkg["CFItems"][depth]["identifier"] in err.message and f"at most {limit}" in err.message


def test_47_character_area_code_fails_the_check_like_postgresql_would() -> None:
    pkg = _three_level()
    pkg["CFItems"][0]["humanCodingScheme"] = "X" * 47
    parsed = _parse(pkg)
    assert not parsed.report.ok and "is 47 characters long" in _errors(parsed)


def test_duplicate_codes_count_the_suffix_that_tells_them_apart() -> None:
    pkg = g.flat(3, codes={0: "D" * 39, 1: "D" * 39, 2: "E" * 40})
    parsed = _parse(pkg)
    msgs = _errors(parsed)
    assert "'#2'" in msgs and "CFItems[2]" not in msgs


def test_codes_at_the_limit_import_on_every_backend(empty_store: Store) -> None:
    pkg = _three_level(tag="at-limit")
    for depth, n in ((0, limits.AREA_CODE), (1, limits.ROW_ID), (3, limits.DESCRIPTOR_ID)):
        pkg["CFItems"][depth]["humanCodingScheme"] = str(depth) * n
    ext = {"qualframe": {"id": "R" * limits.ROW_ID, "sqfLevel": "S" * limits.SQF_LEVEL}}
    pkg["CFItems"][2]["extensions"] = ext
    fw = _imported(empty_store, _parse(pkg))
    assert fw.id == framework_id_for(g.doc_id("at-limit"))
    assert fw.areas[0].code == "0" * limits.AREA_CODE
    assert {r.id for r in fw.areas[0].levels} == {"1" * limits.ROW_ID, "R" * limits.ROW_ID}
    assert "3" * limits.DESCRIPTOR_ID in {d.id for _, _, d in fw.descriptors()}


def test_over_long_sqf_level_extension_is_refused() -> None:
    pkg = _three_level()
    pkg["CFItems"][1]["extensions"] = {"qualframe": {"sqfLevel": "9" * (limits.SQF_LEVEL + 1)}}
    parsed = _parse(pkg)
    assert parsed.report.errors[0].path == "CFItems[1].extensions.qualframe.sqfLevel"


# --- graph shapes (item 6) ----------------------------------------------------------------------------


def _size(pkg: dict[str, Any]) -> int:
    return len(pkg["CFItems"]) + len(pkg["CFAssociations"])


@pytest.mark.parametrize("depth", [24, 200])
def test_chain_of_diamonds_is_valid_and_linear(depth: int) -> None:
    pkg = g.diamonds(depth)
    parsed = _parse(pkg)
    assert parsed.report.ok, _errors(parsed)
    assert parsed.report.warnings == []  # every item reaches the document
    assert parsed.report.work <= 6 * _size(pkg)


def test_20000_deep_chain_needs_no_recursion() -> None:
    pkg = g.chain(20000)
    parsed = _parse(pkg)
    assert parsed.report.ok, _errors(parsed)
    assert parsed.report.work <= 6 * _size(pkg)


def test_long_cycle_is_named_shortly() -> None:
    n = 5000
    pkg = g.package(n, [(0, n - 1), *((i, i - 1) for i in range(1, n))])
    parsed = _parse(pkg)
    cyc = [e for e in parsed.report.errors if "cycle" in e.message]
    assert parsed.package is None and len(cyc) == 1
    assert "more …" in cyc[0].message and len(cyc[0].message) < 400
    assert parsed.report.work <= 6 * _size(pkg)


def test_without_the_check_the_backends_disagree(empty_store: Store, db_url: str) -> None:
    """Why the importer checks lengths: an over-long code slipped past it is stored by SQLite and refused
    by PostgreSQL (all or nothing: nothing is written)."""
    from qualframe.interop.case_import import ParsedPackage
    from qualframe.store.case import CaseStoreError

    parsed = _parse(_three_level(tag="slipped"))
    parsed.package["CFItems"][0]["humanCodingScheme"] = "Y" * (limits.AREA_CODE + 7)
    sneaked = ParsedPackage(parsed.report, parsed.package)
    if db_url.startswith("sqlite"):
        assert import_package(sneaked, empty_store).written
    else:
        with pytest.raises(CaseStoreError, match="rolled back"):
            import_package(sneaked, empty_store)
        assert [f.id for f in empty_store.frameworks()] == []
