"""The CASE v1.1 provider: every endpoint, success and error, validated against 1EdTech's official files.

The official OpenAPI and CFPackage JSON Schema are read from ../shared/standards/case (CI has them);
without them the conformance checks skip with that reason, the behavioural checks still run.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import pytest

import qualframe
from qualframe.interop import case_schema
from qualframe.interop.case import case_uuid
from qualframe.interop.case_import import read_package
from qualframe.web.routes.case import OPERATIONS, discovery_document

P = "/ims/case/v1p1"
STANDARDS = case_schema.standards_dir()
SAMPLES = sorted((STANDARDS / "samples").glob("opensalt-*.json")) if STANDARDS else []
NO_STANDARDS = "official 1EdTech CASE files not found (../shared/standards/case or $QUALFRAME_CASE_STANDARDS)"
SHIPPED_DOC = case_uuid("kz-ict-sqf-2013/document")


@pytest.fixture
def env(db_url: str) -> Iterator[dict[str, Any]]:
    """An app on a real database holding the shipped framework and (if present) the OpenSALT import."""
    from fastapi.testclient import TestClient

    from qualframe.store import Store
    from qualframe.store.case import import_package
    from qualframe.web.app import create_app
    from qualframe.web.settings import Settings

    store = Store(db_url)
    app = create_app(Settings(database_url=db_url), store=store)
    foreign = None
    if SAMPLES:
        parsed = read_package(SAMPLES[0])
        import_package(parsed, store)
        foreign = parsed.package
    client = TestClient(app, raise_server_exceptions=False)
    pkg = client.get(f"{P}/CFPackages/{SHIPPED_DOC}").json()
    yield {"client": client, "store": store, "pkg": pkg, "foreign": foreign}
    store.close()


def _check(path_template: str, resp: Any, status: int) -> dict[str, Any]:
    """Status as expected, JSON body, no nulls, valid against the official schema and our discovery doc."""
    assert resp.status_code == status, resp.text[:500]
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert case_schema.null_paths(body) == []
    if STANDARDS is not None:
        errs = case_schema.validate_response(path_template, status, body)
        assert errs == [], f"{path_template} {status}: {errs[:5]}"
    _validate_with_discovery(path_template, status, body)
    return body


def _validate_with_discovery(path_template: str, status: int, body: Any) -> None:
    from jsonschema import Draft7Validator, FormatChecker

    doc = discovery_document("http://testserver")
    resp = doc["paths"][path_template]["get"]["responses"]
    ref = (resp.get(str(status)) or resp["default"])["content"]["application/json"]["schema"]["$ref"]
    v = Draft7Validator({"$ref": ref, "components": doc["components"]}, format_checker=FormatChecker())
    errs = [e.message for e in v.iter_errors(body)]
    assert errs == [], f"{path_template} {status} vs our discovery schema: {errs[:5]}"


def _samples(pkg: dict[str, Any]) -> dict[str, list[str]]:
    """A few identifiers of each kind from a package."""
    defs = pkg.get("CFDefinitions", {})
    items = pkg["CFItems"]
    assocs = pkg["CFAssociations"]
    kinds = {
        "/CFDocuments/{sourcedId}": [pkg["CFDocument"]["identifier"]],
        "/CFPackages/{sourcedId}": [pkg["CFDocument"]["identifier"]],
        "/CFItems/{sourcedId}": [items[0]["identifier"], items[len(items) // 2]["identifier"],
                                 items[-1]["identifier"]],
        "/CFItemAssociations/{sourcedId}": [items[0]["identifier"], items[-1]["identifier"]],
        "/CFAssociations/{sourcedId}": [assocs[0]["identifier"], assocs[-1]["identifier"]],
    }
    for path, key in (("/CFItemTypes/{sourcedId}", "CFItemTypes"), ("/CFSubjects/{sourcedId}", "CFSubjects"),
                      ("/CFConcepts/{sourcedId}", "CFConcepts"), ("/CFLicenses/{sourcedId}", "CFLicenses"),
                      ("/CFAssociationGroupings/{sourcedId}", "CFAssociationGroupings")):
        kinds[path] = [o["identifier"] for o in defs.get(key, ())][:3]
    kinds["/CFRubrics/{sourcedId}"] = [r["identifier"] for r in pkg.get("CFRubrics", ())][:2]
    return kinds


def test_every_endpoint_answers_valid_json_for_every_framework(env: dict[str, Any]) -> None:
    c = env["client"]
    pkgs = [env["pkg"]] + ([env["foreign"]] if env["foreign"] else [])
    checked = 0
    for pkg in pkgs:
        for template, ids in _samples(pkg).items():
            for ident in ids:
                body = _check(template, c.get(P + template.replace("{sourcedId}", ident)), 200)
                checked += 1
                if template == "/CFItems/{sourcedId}":
                    assert body["identifier"] == ident
                    assert body["CFDocumentURI"]["identifier"] == pkg["CFDocument"]["identifier"]
    assert checked >= 15 * len(pkgs)
    docs = _check("/CFDocuments", c.get(f"{P}/CFDocuments"), 200)["CFDocuments"]
    assert docs[0]["identifier"] == SHIPPED_DOC  # the default framework first
    assert len(docs) == len(pkgs)


def test_package_matches_the_model_and_the_cfpackage_schema(env: dict[str, Any]) -> None:
    from qualframe.interop.case import build_package, canonical

    pkg = env["pkg"]
    assert canonical(pkg) == canonical(build_package(qualframe.load()))
    if STANDARDS is None:
        pytest.skip(NO_STANDARDS)
    assert case_schema.validate_package(pkg) == []
    if env["foreign"]:
        foreign = env["client"].get(f"{P}/CFPackages/{env['foreign']['CFDocument']['identifier']}").json()
        assert case_schema.validate_package(foreign) == []


@pytest.mark.parametrize("template", [t for t in OPERATIONS if "{sourcedId}" in t])
def test_invalid_and_unknown_uuid_answer_404_status_info(env: dict[str, Any], template: str) -> None:
    c = env["client"]
    for bad in ("not-a-uuid", "6BF2EFF3-B025-584D-AFA3-EECBC283CFEB", "0" * 36, "x" * 500):
        body = _check(template, c.get(P + template.replace("{sourcedId}", bad)), 404)
        assert body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == "invalid_uuid"
        assert "Invalid UUID" in body["imsx_description"]
    unknown = str(uuid.uuid4())
    body = _check(template, c.get(P + template.replace("{sourcedId}", unknown)), 404)
    assert body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == "unknownobject"
    # an identifier of another kind is unknown here too
    other = env["pkg"]["CFAssociations"][0]["identifier"] if "Association" not in template \
        else env["pkg"]["CFDefinitions"]["CFLicenses"][0]["identifier"]
    _check(template, c.get(P + template.replace("{sourcedId}", other)), 404)


def test_unknown_path_under_the_prefix_is_a_case_404(env: dict[str, Any]) -> None:
    r = env["client"].get(f"{P}/CFNothing/123")
    assert r.status_code == 404
    if STANDARDS is not None:
        assert case_schema.validate_component("imsx_StatusInfoDType", r.json()) == []


def test_documents_pagination_total_and_links(env: dict[str, Any]) -> None:
    c = env["client"]
    n = len(c.get(f"{P}/CFDocuments").json()["CFDocuments"])
    r = c.get(f"{P}/CFDocuments?limit=1&offset=0")
    body = _check("/CFDocuments", r, 200)
    assert len(body["CFDocuments"]) == 1 and r.headers["x-total-count"] == str(n)
    assert 'rel="first"' in r.headers["link"] and 'rel="last"' in r.headers["link"]
    if n > 1:
        assert 'rel="next"' in r.headers["link"] and "offset=1" in r.headers["link"]
        r2 = c.get(f"{P}/CFDocuments?limit=1&offset=1")
        assert _check("/CFDocuments", r2, 200)["CFDocuments"][0]["identifier"] != body["CFDocuments"][0]["identifier"]
        assert 'rel="prev"' in r2.headers["link"]
    r = c.get(f"{P}/CFDocuments?offset=50")
    _check("/CFDocuments", r, 404)
    assert r.headers["x-total-count"] == str(n)


def test_documents_sort_filter_fields(env: dict[str, Any]) -> None:
    c = env["client"]
    asc = _check("/CFDocuments", c.get(f"{P}/CFDocuments?sort=title&orderBy=asc"), 200)["CFDocuments"]
    desc = _check("/CFDocuments", c.get(f"{P}/CFDocuments?sort=title&orderBy=desc"), 200)["CFDocuments"]
    assert [d["title"] for d in asc] == sorted((d["title"] for d in asc), key=str.lower)
    assert [d["identifier"] for d in desc] == [d["identifier"] for d in reversed(asc)]
    r = c.get(f"{P}/CFDocuments", params={"filter": "adoptionStatus='Deprecated'"})
    docs = _check("/CFDocuments", r, 200)["CFDocuments"]
    assert [d["identifier"] for d in docs] == [SHIPPED_DOC] and r.headers["x-total-count"] == "1"
    r = c.get(f"{P}/CFDocuments", params={"filter": "title~'технологиялар' OR title~'Standards'"})
    assert int(r.headers["x-total-count"]) == len(_check("/CFDocuments", r, 200)["CFDocuments"]) >= 1
    _check("/CFDocuments", c.get(f"{P}/CFDocuments", params={"filter": "title='no such'"}), 404)
    r = c.get(f"{P}/CFDocuments", params={"fields": "title,adoptionStatus"})
    d = _check("/CFDocuments", r, 200)["CFDocuments"][0]
    # required fields stay, so the answer still validates; others are dropped
    assert set(d) == {"identifier", "uri", "creator", "title", "lastChangeDateTime", "CFPackageURI",
                      "adoptionStatus"}


@pytest.mark.parametrize("query, minor", [
    ("limit=0", "invalid_selection_field"),
    ("limit=abc", "invalid_selection_field"),
    ("offset=-1", "invalid_selection_field"),
    ("sort=nosuchfield", "invalid_sort_field"),
    ("orderBy=up", "invalid_selection_field"),
    ("filter=title", "invalid_selection_field"),
    ("filter=nosuch%3D'x'", "invalid_selection_field"),
    ("filter=title%3D'a' AND creator%3D'b' OR title%3D'c'", "invalid_selection_field"),
    ("fields=title,bogus", "invalid_selection_field"),
    ("colour=blue", "invalid_selection_field"),
])
def test_bad_document_parameters_answer_400(env: dict[str, Any], query: str, minor: str) -> None:
    body = _check("/CFDocuments", env["client"].get(f"{P}/CFDocuments?{query}"), 400)
    assert body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == minor


def test_conditional_requests_and_compression(env: dict[str, Any]) -> None:
    c = env["client"]
    url = f"{P}/CFPackages/{SHIPPED_DOC}"
    first = c.get(url, headers={"accept-encoding": "identity"})
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"') and not etag.startswith('W/')
    parsedate_to_datetime(last_modified)
    assert c.get(url, headers={"if-none-match": etag, "accept-encoding": "identity"}).status_code == 304
    gz = c.get(url, headers={"accept-encoding": "gzip"})
    assert gz.headers.get("content-encoding") == "gzip" and gz.json() == first.json()
    assert c.get(url, headers={"if-none-match": gz.headers["etag"], "accept-encoding": "gzip"}).status_code == 304
    later = format_datetime(parsedate_to_datetime(last_modified), usegmt=True)
    r = c.get(url, headers={"if-modified-since": later, "accept-encoding": "identity"})
    assert r.status_code == 304
    assert c.get(url, headers={"if-none-match": '"other"', "if-modified-since": later}).status_code == 200


def test_discovery_document_generated_from_routes(env: dict[str, Any]) -> None:
    c = env["client"]
    r = c.get(f"{P}/discovery/imscasev1p1_openapi3_v1p0.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.0") and doc["servers"][0]["url"].endswith(P)
    assert set(doc["paths"]) == set(OPERATIONS)
    if STANDARDS is None:
        pytest.skip(NO_STANDARDS)
    official = case_schema.openapi()
    for path, item in doc["paths"].items():
        assert path in official["paths"], path
        assert item["get"]["operationId"] == official["paths"][path]["get"]["operationId"]
        ours = item["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert ours == case_schema.response_schema_ref(path, 200)
    # same field names and required fields as the official component schemas
    for name, schema in doc["components"]["schemas"].items():
        off = official["components"]["schemas"][name]
        assert set(schema["properties"]) == set(off["properties"]), name
        assert set(schema.get("required", ())) == set(off.get("required", ())), name


def test_new_import_is_served_at_once(env: dict[str, Any], tmp_path: Any) -> None:
    from qualframe.interop.case_import import parse_package_bytes
    from qualframe.store.case import import_package

    pkg = json.loads(json.dumps(env["pkg"]))
    # a different framework: new identifiers everywhere (derived, so links stay consistent)
    text = json.dumps(pkg)
    for ident in {o for o in _all_ids(pkg)}:
        text = text.replace(ident, str(uuid.uuid5(uuid.NAMESPACE_OID, ident)))
    parsed = parse_package_bytes(text.encode())
    assert parsed.report.ok, parsed.report.errors[:3]
    import_package(parsed, env["store"])
    new_doc = str(uuid.uuid5(uuid.NAMESPACE_OID, SHIPPED_DOC))
    r = env["client"].get(f"{P}/CFDocuments/{new_doc}")
    _check("/CFDocuments/{sourcedId}", r, 200)


def _all_ids(pkg: dict[str, Any]) -> list[str]:
    from qualframe.interop.case_mapping import identified_objects

    return [i for i, _ in identified_objects(pkg)]


def test_rubrics_of_an_imported_package_are_served(env: dict[str, Any]) -> None:
    from qualframe.interop.case_import import parse_package_bytes
    from qualframe.store.case import import_package

    def u(n: int) -> str:
        return str(uuid.UUID(int=n, version=4))

    t = "2024-01-01T00:00:00Z"
    doc, item, rub, crit, lvl = u(1), u(2), u(3), u(4), u(5)
    pkg = {
        "CFDocument": {"identifier": doc, "uri": f"https://x.test/{doc}", "creator": "test", "title": "Rubric test",
                       "lastChangeDateTime": t, "caseVersion": "1.1", "language": "en"},
        "CFItems": [{"identifier": item, "uri": f"https://x.test/{item}", "fullStatement": "Writes tests",
                     "lastChangeDateTime": t}],
        "CFAssociations": [{"identifier": u(6), "associationType": "isChildOf", "uri": f"https://x.test/{u(6)}",
                            "originNodeURI": {"title": "i", "identifier": item, "uri": f"https://x.test/{item}"},
                            "destinationNodeURI": {"title": "d", "identifier": doc, "uri": f"https://x.test/{doc}"},
                            "lastChangeDateTime": t}],
        "CFRubrics": [{"identifier": rub, "uri": f"https://x.test/{rub}", "title": "R", "lastChangeDateTime": t,
                       "CFRubricCriteria": [{
                           "identifier": crit, "uri": f"https://x.test/{crit}", "lastChangeDateTime": t,
                           "CFItemURI": {"title": "i", "identifier": item, "uri": f"https://x.test/{item}"},
                           "weight": 1.0, "position": 1, "rubricId": rub,
                           "CFRubricCriterionLevels": [{"identifier": lvl, "uri": f"https://x.test/{lvl}",
                                                        "quality": "good", "score": 2, "position": 1,
                                                        "rubricCriterionId": crit, "lastChangeDateTime": t}]}]}],
    }
    parsed = parse_package_bytes(json.dumps(pkg).encode())
    assert parsed.report.ok, parsed.report.errors
    import_package(parsed, env["store"])
    body = _check("/CFRubrics/{sourcedId}", env["client"].get(f"{P}/CFRubrics/{rub}"), 200)
    assert body["CFRubricCriteria"][0]["CFRubricCriterionLevels"][0]["quality"] == "good"
    pkg_out = _check("/CFPackages/{sourcedId}", env["client"].get(f"{P}/CFPackages/{doc}"), 200)
    assert pkg_out["CFRubrics"][0]["identifier"] == rub
    _check("/CFItemAssociations/{sourcedId}", env["client"].get(f"{P}/CFItemAssociations/{item}"), 200)
