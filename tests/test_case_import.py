"""The CASE reader on a real OpenSALT file, on our own export, and on broken variants built from them."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

import qualframe
from qualframe.interop import case_schema
from qualframe.interop.case import build_package, canonical, dumps
from qualframe.interop.case_import import parse_package_bytes, read_package

STANDARDS = case_schema.standards_dir()
SAMPLES = sorted((STANDARDS / "samples").glob("opensalt-*.json")) if STANDARDS else []
needs_sample = pytest.mark.skipif(not SAMPLES, reason="OpenSALT sample not found in shared/standards/case/samples")


@pytest.fixture(scope="module")
def ours() -> dict:
    return build_package(qualframe.load(), "https://qualframe.test")


def _parse(obj: object) -> object:
    return parse_package_bytes(json.dumps(obj, ensure_ascii=False).encode("utf-8"), "test.json")


def _messages(parsed: object) -> str:
    return "\n".join(f"{i.path}: {i.message}" for i in parsed.report.errors)  # type: ignore[attr-defined]


@needs_sample
def test_opensalt_v1_0_file_reads_and_normalises_to_valid_v1_1() -> None:
    parsed = read_package(SAMPLES[0])
    rep = parsed.report
    assert rep.ok, _messages(parsed)
    assert rep.case_version == "1.0"
    assert rep.stats["items"] == 16 and rep.stats["associations"] == 39
    warned = " ".join(w.message for w in rep.warnings)
    assert "time zone" in warned and "educationalLevel" in warned and "null value" in warned
    assert parsed.package is not None
    assert parsed.package["CFDocument"]["caseVersion"] == "1.1"
    assert case_schema.validate_package(parsed.package) == []


def test_own_export_reads_back_identically(ours: dict) -> None:
    parsed = parse_package_bytes(dumps(ours).encode("utf-8"))
    assert parsed.report.ok and parsed.report.warnings == []
    assert canonical(parsed.package) == canonical(ours)
    assert parsed.report.case_version == "1.1"


def test_malformed_json_names_line_and_column(tmp_path: Path) -> None:
    p = tmp_path / "bad.json"
    p.write_text('{"CFDocument": {"identifier": "x",\n  "title": }', encoding="utf-8")
    parsed = read_package(p)
    assert parsed.package is None
    assert parsed.report.errors[0].path == "line 2, column 12"
    assert "malformed JSON" in parsed.report.errors[0].message


@pytest.mark.parametrize("data, expect", [
    (b"\xff\xfe{}", "not UTF-8"),
    (b"[1, 2]", "not a CASE package"),
    (b'{"CFItems": []}', "not a CASE package"),
    (b'{"CFDocument": {"identifier": NaN}}', "NaN is not valid JSON"),
])
def test_not_a_package(data: bytes, expect: str) -> None:
    parsed = parse_package_bytes(data)
    assert parsed.package is None and expect in _messages(parsed)


def test_size_limit_checked_before_reading(tmp_path: Path, ours: dict) -> None:
    p = tmp_path / "big.json"
    p.write_bytes(dumps(ours).encode("utf-8"))
    parsed = read_package(p, max_bytes=1000)
    assert parsed.package is None and "over the limit of 1,000 bytes" in _messages(parsed)


def test_wrong_types_are_errors(ours: dict) -> None:
    bad = copy.deepcopy(ours)
    bad["CFItems"][3]["fullStatement"] = {"kk": "text"}
    bad["CFItems"][4]["conceptKeywords"] = 5
    bad["CFAssociations"][0]["sequenceNumber"] = "first"
    bad["CFDefinitions"]["CFSubjects"] = {"not": "a list"}
    parsed = _parse(bad)
    msgs = _messages(parsed)
    assert parsed.package is None
    assert "$.CFItems[3].fullStatement: CFPckgItem.fullStatement: expected a string, got object" in msgs
    assert "CFItems[4].conceptKeywords" in msgs and "expected an array, got number" in msgs
    assert "sequenceNumber: expected an integer" in msgs
    assert "CFDefinitions.CFSubjects" in msgs


def test_missing_required_field_and_bad_uuid(ours: dict) -> None:
    bad = copy.deepcopy(ours)
    del bad["CFItems"][0]["fullStatement"]
    bad["CFItems"][1]["identifier"] = "item-1"
    parsed = _parse(bad)
    msgs = _messages(parsed)
    assert "required field 'fullStatement' of CFPckgItem is missing" in msgs
    assert "'item-1' is not an RFC 4122 UUID" in msgs


def test_duplicate_identifiers(ours: dict) -> None:
    bad = copy.deepcopy(ours)
    bad["CFItems"][7]["identifier"] = bad["CFItems"][2]["identifier"]
    bad["CFDefinitions"]["CFConcepts"][0]["identifier"] = bad["CFDocument"]["identifier"]
    parsed = _parse(bad)
    msgs = _messages(parsed)
    assert parsed.package is None
    assert f"duplicate identifier {bad['CFItems'][2]['identifier']} (also at CFItems[2])" in msgs
    assert "(also at CFDocument)" in msgs


def test_duplicate_json_keys_are_errors(ours: dict) -> None:
    text = dumps(ours).replace('"caseVersion": "1.1",', '"caseVersion": "1.1", "title": "other",', 1)
    parsed = parse_package_bytes(text.encode("utf-8"))
    assert parsed.package is None and "key 'title' appears twice" in _messages(parsed)


def test_dangling_is_child_of(ours: dict) -> None:
    bad = copy.deepcopy(ours)
    child = next(a for a in bad["CFAssociations"] if a["associationType"] == "isChildOf")
    child["destinationNodeURI"]["identifier"] = "00000000-0000-4000-8000-000000000000"
    other = [a for a in bad["CFAssociations"] if a["associationType"] == "isChildOf"][5]
    other["originNodeURI"]["identifier"] = "00000000-0000-4000-8000-000000000001"
    parsed = _parse(bad)
    msgs = _messages(parsed)
    assert "isChildOf destination 00000000-0000-4000-8000-000000000000 is neither" in msgs
    assert "isChildOf origin 00000000-0000-4000-8000-000000000001 is not an item" in msgs
    assert parsed.package is None


def test_cyclic_is_child_of(ours: dict) -> None:
    bad = copy.deepcopy(ours)
    items = {i["humanCodingScheme"]: i for i in bad["CFItems"]}
    # make area 3.1 a child of its own level row 3.1-07: 3.1-07 → 3.1 → 3.1-07
    for a in bad["CFAssociations"]:
        if a["associationType"] == "isChildOf" and a["originNodeURI"]["identifier"] == items["3.1"]["identifier"]:
            a["destinationNodeURI"]["identifier"] = items["3.1-07"]["identifier"]
    parsed = _parse(bad)
    msgs = _messages(parsed)
    assert parsed.package is None
    assert "isChildOf cycle:" in msgs and "3.1-07" in msgs


def test_self_parent_is_a_cycle(ours: dict) -> None:
    bad = copy.deepcopy(ours)
    a = next(a for a in bad["CFAssociations"] if a["associationType"] == "isChildOf")
    a["destinationNodeURI"]["identifier"] = a["originNodeURI"]["identifier"]
    assert "is its own parent" in _messages(_parse(bad))


def test_orphans_and_v1_0_quirks_are_warnings(ours: dict) -> None:
    pkg = copy.deepcopy(ours)
    pkg["CFDocument"].pop("caseVersion")
    pkg["CFItems"][0]["notes"] = None
    pkg["CFItems"][0]["CFDocumentURI"] = {"title": "d", "identifier": pkg["CFDocument"]["identifier"],
                                          "uri": pkg["CFDocument"]["uri"]}
    pkg["CFItems"][1]["identifier"] = pkg["CFItems"][1]["identifier"].upper()
    for a in pkg["CFAssociations"]:
        if a["originNodeURI"]["identifier"] == ours["CFItems"][1]["identifier"]:
            a["originNodeURI"]["identifier"] = a["originNodeURI"]["identifier"].upper()
    pkg["CFAssociations"] = [a for a in pkg["CFAssociations"]
                             if a["originNodeURI"]["identifier"] != pkg["CFItems"][2]["identifier"]]
    parsed = _parse(pkg)
    assert parsed.report.ok, _messages(parsed)
    warned = {w.message for w in parsed.report.warnings}
    assert any("not connected to the document" in w for w in warned)
    assert any("CFDocumentURI" in w for w in warned)
    assert any("upper case" in w for w in warned)
    assert parsed.package["CFItems"][1]["identifier"] == ours["CFItems"][1]["identifier"]


def test_many_errors_are_counted_not_listed(ours: dict) -> None:
    bad = copy.deepcopy(ours)
    for it in bad["CFItems"]:
        it["fullStatement"] = ["x"]
    parsed = _parse(bad)
    assert parsed.report.error_count == len(bad["CFItems"])
    assert len(parsed.report.errors) == 20
    assert parsed.report.omitted() and "more errors" in parsed.report.omitted()[0]
