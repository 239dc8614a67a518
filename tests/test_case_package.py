"""The CASE package built from the real framework: identifiers, modelling, and the official schemas."""

from __future__ import annotations

import json
import uuid
from collections import Counter

import pytest

import qualframe
from qualframe.interop import case_schema
from qualframe.interop.case import NAMESPACE, CaseBuilder, build_package, canonical, case_uuid, dumps
from qualframe.interop.case_spec import CLASSES, dtype

STANDARDS = case_schema.standards_dir()
needs_standards = pytest.mark.skipif(
    STANDARDS is None,
    reason="official 1EdTech CASE files not found (../shared/standards/case or $QUALFRAME_CASE_STANDARDS); "
           "conformance tests need them",
)


@pytest.fixture(scope="module")
def fw() -> qualframe.Framework:
    return qualframe.load()


@pytest.fixture(scope="module")
def pkg(fw: qualframe.Framework) -> dict:
    return build_package(fw, "https://qualframe.test")


def test_uuids_are_v5_from_the_fixed_namespace() -> None:
    u = uuid.UUID(case_uuid("kz-ict-sqf-2013/item/3.1-07-c1"))
    assert u.version == 5 and u.variant == uuid.RFC_4122
    assert u == uuid.uuid5(NAMESPACE, "kz-ict-sqf-2013/item/3.1-07-c1")
    # the namespace itself is fixed forever: changing it would change every published identifier
    assert str(NAMESPACE) == "518a93aa-d5ad-5f3a-b245-924680d33f92"
    # published identifiers must never change
    assert case_uuid("kz-ict-sqf-2013/item/3.1-07-c1") == "6bf2eff3-b025-584d-afa3-eecbc283cfeb"


def test_identifiers_stable_across_rebuilds_and_hosts(fw: qualframe.Framework, pkg: dict) -> None:
    again = build_package(qualframe.Framework.from_dict(fw.to_dict()), "http://elsewhere:9000")
    ids = [o["identifier"] for o in pkg["CFItems"] + pkg["CFAssociations"]]
    assert ids == [o["identifier"] for o in again["CFItems"] + again["CFAssociations"]]
    assert len(set(ids)) == len(ids)
    assert pkg["CFDocument"]["identifier"] == case_uuid("kz-ict-sqf-2013/document")
    # byte-identical output for the same base URL
    assert dumps(build_package(fw, "https://qualframe.test")) == dumps(pkg)


def test_every_area_row_and_descriptor_is_an_item(fw: qualframe.Framework, pkg: dict) -> None:
    n_rows = sum(len(a.levels) for a in fw.areas)
    n_desc = sum(1 for _ in fw.descriptors())
    assert len(pkg["CFItems"]) == len(fw.areas) + n_rows + n_desc
    codes = {i["humanCodingScheme"]: i for i in pkg["CFItems"]}
    item = codes["3.1-07-c1"]
    d = next(d for _, _, d in fw.descriptors() if d.id == "3.1-07-c1")
    assert item["fullStatement"] == d.text  # the official Kazakh text, unchanged
    assert item["language"] == "kk"
    assert item["CFItemType"] == "Personal and professional competences"
    assert f"lines {d.source.line_start}-{d.source.line_end}" in item["notes"] or \
        f"line {d.source.line_start}" in item["notes"]
    # sub-levels are rows of their own, with NQF level as a concept
    r61, r62 = codes["3.1-06"], codes["3.1-07"]
    assert r61["abbreviatedStatement"] == "SQF 61" and r62["abbreviatedStatement"] == "SQF 62"
    assert r61["conceptKeywordsURI"]["identifier"] == r62["conceptKeywordsURI"]["identifier"] == \
        CaseBuilder.concept_id(6)
    assert "managerial" in r61["notes"] and "production" in r62["notes"]
    # inferred levels say so
    assert "inferred" in codes["3.1-09"]["notes"]
    # areas are subjects
    subj = {s["hierarchyCode"]: s for s in pkg["CFDefinitions"]["CFSubjects"]}
    assert set(subj) == {"3.1", "3.2", "3.3"}
    assert item["subjectURI"][0]["identifier"] == subj["3.1"]["identifier"]


def test_item_types_for_the_three_columns(fw: qualframe.Framework, pkg: dict) -> None:
    types = {t["typeCode"] for t in pkg["CFDefinitions"]["CFItemTypes"]}
    assert {"Area", "Level", "Competences", "Skills", "Knowledge"} == types
    per_type = Counter(i["CFItemType"] for i in pkg["CFItems"])
    assert per_type["Knowledge"] == sum(1 for _, _, d in fw.descriptors() if d.column == "knowledge")


def test_is_child_of_tree_in_table_order(fw: qualframe.Framework, pkg: dict) -> None:
    by_id = {i["identifier"]: i for i in pkg["CFItems"]}
    doc_id = pkg["CFDocument"]["identifier"]
    parent = {}
    for a in pkg["CFAssociations"]:
        if a["associationType"] == "isChildOf":
            assert a["originNodeURI"]["identifier"] not in parent, "one parent per item"
            parent[a["originNodeURI"]["identifier"]] = (a["destinationNodeURI"]["identifier"], a["sequenceNumber"])
    assert set(parent) == set(by_id)
    for ident in by_id:  # every item reaches the document
        seen = set()
        while ident != doc_id:
            assert ident not in seen
            seen.add(ident)
            ident = parent[ident][0]
    d = next(i for i in pkg["CFItems"] if i["humanCodingScheme"] == "3.1-07-k2")
    row = by_id[parent[d["identifier"]][0]]
    assert row["humanCodingScheme"] == "3.1-07"
    r = fw.row("3.1-07")
    assert parent[d["identifier"]][1] == len(r.competences) + len(r.skills) + 2


def test_legal_status_in_the_document(fw: qualframe.Framework, pkg: dict) -> None:
    doc = pkg["CFDocument"]
    assert doc["adoptionStatus"] == "Deprecated"
    assert doc["statusStartDate"] == "2015-05-28"
    assert "REPEALED by order No. 629 of 2015-05-28" in doc["notes"]
    assert "No. 8876" in doc["notes"] and "2013-09-30" in doc["notes"]
    assert doc["officialSourceURL"] == "https://adilet.zan.kz/kaz/docs/V1300008876"
    assert doc["language"] == "kk" and doc["caseVersion"] == "1.1"
    item = pkg["CFItems"][0]
    assert (item["statusStartDate"], item["statusEndDate"]) == ("2013-09-30", "2015-05-28")


def test_unofficial_translations_labelled_in_notes(pkg: dict) -> None:
    from qualframe.interop.common import Translator

    item = next(i for i in pkg["CFItems"] if i["humanCodingScheme"] == "3.1-07-c1")
    tr = Translator(qualframe.load())
    en = tr.get("3.1-07-c1", "en")
    if en.text is None:
        pytest.skip("no English translation of 3.1-07-c1 shipped")
    assert f"[en, unofficial translation by qualframe] {en.text}" in item["notes"]
    assert item["fullStatement"] != en.text


def test_missing_translation_is_left_out_not_invented(fw: qualframe.Framework) -> None:
    from qualframe.interop.common import Translator

    tr = Translator(fw, langs=())
    pkg = CaseBuilder(fw, "https://x.test", tr).package()
    assert not any("unofficial translation" in i.get("notes", "") for i in pkg["CFItems"])


def test_crosswalks_exported_as_associations_to_external_nodes(pkg: dict) -> None:
    xw = [a for a in pkg["CFAssociations"] if a["associationType"] == "isRelatedTo"]
    groups = {g["identifier"]: g["title"] for g in pkg["CFDefinitions"]["CFAssociationGroupings"]}
    assert len(groups) == 3
    row = next(i for i in pkg["CFItems"] if i["humanCodingScheme"] == "3.1-07")
    mine = [a for a in xw if a["originNodeURI"]["identifier"] == row["identifier"]]
    dests = {a["destinationNodeURI"]["title"] for a in mine}
    assert dests == {"EQF level 6", "e-3 Senior professional / manager", "SFIA level 5 Ensure, advise"}
    for a in mine:
        assert a["CFAssociationGroupingURI"]["identifier"] in groups
        assert "confidence low" in a["notes"] and "not law" in a["notes"]
        assert a["destinationNodeURI"]["targetType"].startswith("ext:")


def test_no_nulls_or_empty_values(pkg: dict) -> None:
    assert case_schema.null_paths(pkg) == []
    text = json.dumps(pkg)
    assert "null" not in text.replace('"null', "")


def test_spec_table_matches_the_official_openapi() -> None:
    if STANDARDS is None:
        pytest.skip("official 1EdTech CASE files not found; cannot compare the field table")
    official = case_schema.openapi()["components"]["schemas"]
    for name, (fields, required) in CLASSES.items():
        o = official[dtype(name)]
        assert set(o["properties"]) == set(fields), name
        assert set(o.get("required", ())) == set(required), name


@needs_standards
def test_package_validates_against_official_schemas(pkg: dict) -> None:
    assert case_schema.validate_package(pkg) == []
    assert case_schema.validate_response("/CFPackages/{sourcedId}", 200, pkg) == []


@needs_standards
def test_validator_is_not_a_rubber_stamp(pkg: dict) -> None:
    bad = json.loads(json.dumps(pkg))
    bad["CFItems"][0]["lastChangeDateTime"] = "2017-05-25T18:05:33"  # no time zone
    bad["CFItems"][1]["surprise"] = "field"
    bad["CFItems"][2]["notes"] = None
    del bad["CFAssociations"][0]["uri"]
    errs = "\n".join(case_schema.validate_package(bad))
    assert "date-time" in errs and "surprise" in errs and "null" in errs and "'uri' is a required" in errs


def test_canonical_sorts_identified_arrays(pkg: dict) -> None:
    shuffled = json.loads(json.dumps(pkg))
    shuffled["CFItems"].reverse()
    assert canonical(shuffled) == canonical(pkg)
    assert canonical(shuffled) != shuffled


def test_edition_date_is_bumped_when_content_changes() -> None:
    import hashlib

    from qualframe.interop.common import DEFAULT_BASE_URL, EDITION_CONTENT_SHA, EDITION_DATETIME

    pkg = build_package(qualframe.load(), DEFAULT_BASE_URL)
    text = json.dumps(pkg, sort_keys=True, ensure_ascii=False).replace(EDITION_DATETIME, "")
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    assert digest == EDITION_CONTENT_SHA, (
        f"the CASE package changed (content {digest}); set a new EDITION_DATETIME and "
        f"EDITION_CONTENT_SHA = {digest!r} in qualframe/interop/common.py")
