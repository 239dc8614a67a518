"""CSV, XLSX and SKOS exports of the real framework, and the export/import/crosswalk CLI commands."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import qualframe
from qualframe.cli import app
from qualframe.interop import case_schema
from qualframe.interop.case import build_package, canonical
from qualframe.interop.skos import build_skos, dumps_skos
from qualframe.interop.tables import FIELDS, to_csv, to_xlsx

runner = CliRunner()


@pytest.fixture(scope="module")
def fw() -> qualframe.Framework:
    return qualframe.load()


def test_csv_one_row_per_descriptor(fw: qualframe.Framework) -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(fw))))
    assert tuple(rows[0].keys()) == FIELDS
    with_desc = [r for r in rows if r["descriptor_id"]]
    assert len(with_desc) == sum(1 for _ in fw.descriptors())
    assert len({r["descriptor_id"] for r in with_desc}) == len(with_desc)
    # the dashes-only level still appears, with no descriptor
    empty = [r for r in rows if not r["descriptor_id"]]
    assert [r["row_id"] for r in empty] == [r.id for _, r in fw.rows() if not r.descriptors]
    r = next(r for r in rows if r["descriptor_id"] == "3.1-07-c1")
    d = next(d for _, _, d in fw.descriptors() if d.id == "3.1-07-c1")
    assert (r["area"], r["nqf_level"], r["sqf_level"], r["column"]) == ("3.1", "6", "62", "competences")
    assert r["text_kk"] == d.text
    assert (int(r["line_start"]), int(r["line_end"])) == (d.source.line_start, d.source.line_end)
    assert r["text_en_status"].startswith(("unofficial translation", "missing"))
    inferred = next(r for r in rows if r["row_id"] == "3.1-09")
    assert inferred["sqf_level"] == "" and inferred["level_source"] == "inferred"


def test_csv_missing_translation_falls_back_to_kazakh_labelled(fw: qualframe.Framework,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from qualframe.interop import common

    orig = common.Translator.__init__

    def no_en(self: common.Translator, fw: qualframe.Framework, langs: tuple[str, ...] = ("ru",)) -> None:
        orig(self, fw, ("ru",))
        self.langs = ("ru", "en")

    monkeypatch.setattr(common.Translator, "__init__", no_en)
    rows = list(csv.DictReader(io.StringIO(to_csv(fw))))
    r = next(r for r in rows if r["descriptor_id"] == "3.1-07-c1")
    assert r["text_en"] == r["text_kk"]
    assert r["text_en_status"] == "missing: Kazakh original shown"


def test_xlsx_has_the_same_rows_and_an_about_sheet(fw: qualframe.Framework) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(to_xlsx(fw)))
    ws = wb["descriptors"]
    header = [c.value for c in ws[1]]
    assert tuple(header) == FIELDS
    csv_rows = list(csv.DictReader(io.StringIO(to_csv(fw))))
    assert ws.max_row - 1 == len(csv_rows)
    i = header.index("text_kk")
    assert [row[i].value or "" for row in ws.iter_rows(min_row=2)] == [r["text_kk"] for r in csv_rows]
    about = {r[0].value: r[1].value for r in wb["about"].iter_rows()}
    assert about["status"] == "REPEALED" and "unofficial" in about["text_en"]
    # no cell is a formula
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)


def test_skos_parses_as_rdf_with_hierarchy_order_and_mappings(fw: qualframe.Framework) -> None:
    rdflib = pytest.importorskip("rdflib")
    from rdflib.collection import Collection
    from rdflib.namespace import RDF, SKOS

    g = rdflib.Graph()
    g.parse(data=dumps_skos(fw, "https://qualframe.test"), format="json-ld")
    concepts = set(g.subjects(RDF.type, SKOS.Concept))
    n_rows = sum(len(a.levels) for a in fw.areas)
    n_desc = sum(1 for _ in fw.descriptors())
    own = [c for c in concepts if str(c).startswith("https://qualframe.test/")]
    assert len(own) == len(fw.areas) + n_rows + n_desc

    def by_notation(n: str) -> rdflib.term.Node:
        return next(g.subjects(SKOS.notation, rdflib.Literal(n)))

    area, row, desc = by_notation("3.1"), by_notation("3.1-07"), by_notation("3.1-07-c1")
    assert (row, SKOS.broader, area) in g and (desc, SKOS.broader, row) in g
    scheme = next(g.subjects(RDF.type, SKOS.ConceptScheme))
    assert (area, SKOS.topConceptOf, scheme) in g or (area, SKOS.topConceptOf, None) in g
    # the official text is the definition, in Kazakh; translations are not labels
    defs = list(g.objects(desc, SKOS.definition))
    assert len(defs) == 1 and defs[0].language == "kk"
    assert all(lbl.language == "kk" for lbl in g.objects(None, SKOS.prefLabel)
               if str(lbl).startswith(("3.", "«")))
    # levels ordered per area
    coll = next(g.objects(rdflib.URIRef(str(area) + "#levels"), SKOS.memberList))
    members = [g.value(m, SKOS.notation) for m in Collection(g, coll)]
    assert [str(m) for m in members] == [r.id for r in fw.area("3.1").levels]
    # crosswalk mappings
    assert (row, SKOS.closeMatch, rdflib.URIRef("urn:qualframe:level:eqf:6")) in g
    assert (row, SKOS.relatedMatch, rdflib.URIRef("urn:qualframe:level:sfia:5")) in g


def test_skos_context_is_inline(fw: qualframe.Framework) -> None:
    doc = build_skos(fw)
    assert isinstance(doc["@context"], dict)
    assert "http" not in json.dumps(doc["@context"]).replace("http://www.w3.org", "").replace(
        "http://purl.org", "").replace("http://localhost", "")


# --- CLI ---------------------------------------------------------------------------------------------


def test_cli_export_case_to_file_and_stdout(tmp_path: Path) -> None:
    out = tmp_path / "pkg.json"
    res = runner.invoke(app, ["export", "case", "-o", str(out), "--base-url", "https://q.test", "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["path"] == str(out) and summary["bytes"] == out.stat().st_size
    pkg = json.loads(out.read_text(encoding="utf-8"))
    assert canonical(pkg) == canonical(build_package(qualframe.load(), "https://q.test"))
    res2 = runner.invoke(app, ["export", "case", "--base-url", "https://q.test"])
    assert json.loads(res2.stdout) == pkg
    if case_schema.standards_dir():
        assert case_schema.validate_package(pkg) == []


@pytest.mark.parametrize("fmt, check", [
    ("csv", lambda b: b.startswith(b"descriptor_id,case_uuid")),
    ("xlsx", lambda b: b[:2] == b"PK"),
    ("skos", lambda b: "@context" in json.loads(b)),
])
def test_cli_exports(tmp_path: Path, fmt: str, check: object) -> None:
    out = tmp_path / f"x.{fmt}"
    res = runner.invoke(app, ["export", fmt, "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert check(out.read_bytes())  # type: ignore[operator]


def test_cli_export_unwritable_path_is_a_clear_error(tmp_path: Path) -> None:
    res = runner.invoke(app, ["export", "csv", "-o", str(tmp_path / "no" / "such" / "dir.csv")])
    assert res.exit_code == 2
    assert "cannot write" in res.output and "Traceback" not in res.output


def test_cli_crosswalk_json_and_text() -> None:
    res = runner.invoke(app, ["crosswalk", "--area", "3.1", "--level", "62", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert [r["row_id"] for r in data["rows"]] == ["3.1-07"]
    assert data["rows"][0]["crosswalks"]["ecf"][0]["code"] == "e-3"
    assert "not been officially referenced" in data["notice"]
    res = runner.invoke(app, ["crosswalk", "--area", "3.9"])
    assert res.exit_code == 2 and "no area" in res.output
    res = runner.invoke(app, ["crosswalk", "--area", "3.2"])
    assert res.exit_code == 0 and "3.2-08" in res.stdout and "EN 16234-1" in res.stdout


def test_cli_import_check_reports_and_fails_on_broken(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"CFDocument": {"identifier": "nope", "uri": "x"}}', encoding="utf-8")
    res = runner.invoke(app, ["import", "case", str(bad), "--check", "--json"])
    assert res.exit_code == 1
    rep = json.loads(res.stdout)["report"]
    assert not rep["ok"] and any("not an RFC 4122 UUID" in e["message"] for e in rep["errors"])
    res = runner.invoke(app, ["import", "case", str(tmp_path / "missing.json"), "--check"])
    assert res.exit_code == 1 and "cannot read" in res.stdout and "Traceback" not in res.stdout
