"""The REST API under /api/v1 on real SQLite and PostgreSQL stores: shapes, values, status codes."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

import qualframe
from qualframe.dataset import dumps

FW = qualframe.DEFAULT_FRAMEWORK_ID
BASE = f"/api/v1/frameworks/{FW}"
HAS_MATCH = importlib.util.find_spec("qualframe.match.engine") is not None
HAS_SEARCH = importlib.util.find_spec("qualframe.search.engine") is not None


def _error(resp, status: int, code: str) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status and body["error"]["code"] == code
    assert body["error"]["message"]
    assert "Traceback" not in resp.text
    return body["error"]


def test_api_index_links_every_resource(client) -> None:
    """GET /api/v1 (with or without the slash) lists every API route with a working link, OpenAPI and docs."""
    r = client.get("/api/v1")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    index = r.json()
    slash = client.get("/api/v1/")
    assert slash.status_code == 200 and slash.json() == index
    assert index["default_framework"] == FW and index["version"] == qualframe.__version__
    spec = client.get(index["openapi"])
    assert spec.status_code == 200 and spec.json()["openapi"].startswith("3.")
    docs = client.get(index["docs"])
    assert docs.status_code == 200 and docs.headers["content-type"].startswith("text/html")
    assert client.get(index["case"]).json()["CFDocuments"]
    assert client.get(index["case_discovery"]).json()["openapi"].startswith("3.")
    listed = {(res["path"], m) for res in index["resources"] for m in res["methods"]}
    documented = {(path, m.upper()) for path, ops in spec.json()["paths"].items() for m in ops}
    assert listed == documented  # the index and the OpenAPI description cover the same routes
    paths = {res["path"] for res in index["resources"]}
    for p in ("/api/v1", "/api/v1/frameworks", "/api/v1/frameworks/{fid}/levels/{row_id}",
              "/api/v1/frameworks/{fid}/exports/{fmt}", "/api/v1/frameworks/{fid}/crosswalks", "/api/v1/search"):
        assert p in paths, p
    followed = 0
    for res in index["resources"]:
        if res["templated"] or "GET" not in res["methods"] or res["required_query"] or res["auth"]:
            continue
        assert res["href"] == res["path"].replace("{fid}", FW)
        status = client.get(res["href"]).status_code
        assert status in (200, 401), res["href"]  # 401: the link works but needs a session or token
        if "{fid}" in res["path"] or res["path"] in ("/api/v1", "/api/v1/health", "/api/v1/frameworks"):
            assert status == 200, res["href"]  # the framework's data is public
            followed += 1
    assert followed >= 10
    level = next(res for res in index["resources"] if res["path"].endswith("/levels/{row_id}"))
    assert level["templated"] and level["href"] == f"{BASE}/levels/{{row_id}}"
    search = next(res for res in index["resources"] if res["path"] == "/api/v1/search")
    assert search["required_query"] == ["q"] and client.get(search["href"] + "?q=x").status_code in (200, 503)


def test_frameworks_list_and_detail(client) -> None:
    r = client.get("/api/v1/frameworks")
    assert r.status_code == 200
    (fw,) = r.json()["frameworks"]
    assert fw["id"] == FW and fw["status"] == "repealed" and fw["origin"] == "shipped"
    d = client.get(BASE).json()
    legal = d["legal"]
    assert legal["approved"]["order_number"] == "769" and legal["approved"]["order_date"] == "2013-09-30"
    assert legal["repealed"]["order_number"] == "629" and legal["repealed"]["order_date"] == "2015-05-28"
    assert legal["registered"]["number"] == "8876"
    assert d["counts"]["areas"] == 3 and d["counts"]["descriptors"] == sum(1 for _ in qualframe.load().descriptors())
    assert [a["code"] for a in d["areas"]] == ["3.1", "3.2", "3.3"]


def test_document_is_canonical_json(client) -> None:
    r = client.get(f"{BASE}/document")
    assert r.status_code == 200
    assert r.content.decode("utf-8") == dumps(qualframe.load())


def test_area_matrix(client) -> None:
    fw = qualframe.load()
    d = client.get(f"{BASE}/areas/3.2").json()
    area = fw.area("3.2")
    assert [r["id"] for r in d["rows"]] == [r.id for r in area.levels]
    assert [o["code"] for o in d["oked"]] == [o.code for o in area.oked]
    row = d["rows"][2]
    assert row["sqf_level"] == "3" and row["level_source"] == "printed"
    assert d["rows"][0]["level_source"] == "inferred"
    for c in ("competences", "skills", "knowledge"):
        assert [x["text"] for x in row["columns"][c]] == [x.text for x in area.levels[2].column(c)]
    assert any(e["id"] == "E03" for e in d["errata"])


def test_level_with_source_lines(client) -> None:
    r = client.get(f"{BASE}/levels/3.1-07")
    assert r.status_code == 200
    d = r.json()
    assert (d["nqf_level"], d["sqf_level"], d["sublevel"], d["sublevel_kind"]) == (6, "62", 2, "production")
    c1 = d["columns"]["competences"][0]
    assert c1["id"] == "3.1-07-c1"
    assert c1["source"] == {"line_start": 498, "line_end": 498, "url": "/source?from=498&to=498#L498"}
    assert qualframe.source_lines()[497].strip().startswith(c1["text"][:20])
    assert "translation" not in c1  # Kazakh asked: no translation attached
    assert "E21" in d["columns"]["skills"][0]["errata"]


def test_level_translation_labelled(client) -> None:
    d = client.get(f"{BASE}/levels/3.1-07?lang=en").json()
    tr = d["columns"]["competences"][0]["translation"]
    assert tr["lang"] == "en" and tr["status"] in ("unofficial", "missing")
    expected = qualframe.translations.text("3.1-07-c1", "en")
    if expected:
        assert tr["status"] == "unofficial" and tr["text"] == expected
    assert d["columns"]["competences"][0]["text"] == qualframe.load().row("3.1-07").competences[0].text


def test_levels_and_descriptors_filters(client) -> None:
    d = client.get(f"{BASE}/levels?area=3.1&nqf_level=6").json()
    assert [r["id"] for r in d["levels"]] == ["3.1-06", "3.1-07"]
    d = client.get(f"{BASE}/descriptors?area=3.3&column=knowledge&nqf_level=8").json()
    assert d["count"] == len(d["descriptors"]) > 0
    assert all(x["column"] == "knowledge" and x["row_id"].startswith("3.3-") for x in d["descriptors"])
    one = client.get(f"{BASE}/descriptors/3.1-07-k2").json()
    assert one["row_id"] == "3.1-07" and one["level_url"] == "/levels/3.1-07"


def test_compare(client) -> None:
    d = client.get(f"{BASE}/compare?a=3.2-04&b=3.2-05").json()
    assert d["a"]["id"] == "3.2-04" and d["b"]["id"] == "3.2-05"
    assert d["summary"]["nqf_delta"] == 1 and d["summary"]["same_area"] is True
    kinds = {ch["kind"] for col in d["columns"].values() for ch in col}
    assert kinds <= {"same", "changed", "added", "removed"}
    n_b = sum(1 for ch in d["columns"]["skills"] if ch["b"])
    assert n_b == len(qualframe.load().row("3.2-05").skills)
    across = client.get(f"{BASE}/compare?a=3.1-05&b=3.3-05").json()
    assert across["summary"]["same_area"] is False and across["summary"]["nqf_delta"] == 0


def test_errata_and_oked(client) -> None:
    errata = client.get(f"{BASE}/errata").json()["errata"]
    assert {"E01", "E02"} <= {e["id"] for e in errata}
    d = client.get(f"{BASE}/oked/62.01").json()
    assert d["areas"] == ["3.1"] and d["valid_syntax"] is True
    typo = client.get(f"{BASE}/oked/95.12").json()
    assert any(h["kind"] == "via_erratum" and h["printed"] == "92.12" for h in typo["hits"])
    bad = client.get(f"{BASE}/oked/abc").json()
    assert bad["valid_syntax"] is False and bad["hits"] == []
    codes = client.get(f"{BASE}/oked").json()["codes"]
    assert len(codes) == sum(len(a.oked) for a in qualframe.load().areas)


def test_source_lines(client) -> None:
    d = client.get(f"{BASE}/source?from=496&to=498").json()
    assert [x["n"] for x in d["lines"]] == [496, 497, 498]
    assert d["lines"][2]["text"] == qualframe.source_lines()[497]
    assert d["line_count"] == len(qualframe.source_lines())
    _error(client.get(f"{BASE}/source?from=9999"), 422, "invalid_request")
    _error(client.get(f"{BASE}/source?from=10&to=5"), 422, "invalid_request")


def test_errors_have_one_shape(client) -> None:
    _error(client.get("/api/v1/frameworks/nope"), 404, "not_found")
    _error(client.get(f"{BASE}/levels/9.9-99"), 404, "not_found")
    _error(client.get(f"{BASE}/areas/9.9"), 404, "not_found")
    _error(client.get(f"{BASE}/descriptors/x"), 404, "not_found")
    _error(client.get("/api/v1/no/such/thing"), 404, "not_found")
    err = _error(client.get(f"{BASE}/levels/3.1-07?lang=de"), 422, "invalid_request")
    assert "lang" in err["message"]
    _error(client.get(f"{BASE}/levels?nqf_level=9"), 422, "invalid_request")
    r = client.delete(f"{BASE}/levels/3.1-07")
    _error(r, 405, "method_not_allowed")
    assert "GET" in r.headers.get("allow", "")


def test_security_headers_on_api(client) -> None:
    r = client.get(f"{BASE}/levels/3.1-07")
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    r = client.get("/api/v1/nope")
    assert r.headers["x-content-type-options"] == "nosniff"


def test_openapi_documents_every_route_and_error(client) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    for p in ("/api/v1/frameworks", "/api/v1/frameworks/{fid}/areas/{code}", "/api/v1/frameworks/{fid}/levels/{row_id}",
              "/api/v1/frameworks/{fid}/descriptors", "/api/v1/search", "/api/v1/match",
              "/api/v1/frameworks/{fid}/oked/{code}"):
        assert p in paths, p
    for p, ops in paths.items():
        for method, op in ops.items():
            assert {"404", "422", "500"} <= set(op["responses"]), (method, p)
            assert op["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("ErrorResponse")
    assert not any(p.startswith("/areas") for p in paths)  # pages stay out of the API description


@pytest.mark.skipif(not HAS_SEARCH, reason="qualframe.search.engine is not installed")
def test_search(client) -> None:
    d = client.get("/api/v1/search", params={"q": "бағдарламалау", "limit": 5}).json()
    assert d["query"] == "бағдарламалау" and 0 < len(d["results"]) <= 5
    fw = qualframe.load()
    for r in d["results"]:
        desc = next(x for _, _, x in fw.descriptors() if x.id == r["descriptor_id"])
        assert r["text"] == desc.text
        assert r["level_url"] == f"/levels/{r['row_id']}"
        assert r["source"]["url"].startswith("/source?from=")
    scoped = client.get("/api/v1/search", params={"q": "network", "area": "3.3", "column": "knowledge"}).json()
    assert all(r["area"] == "3.3" and r["column"] == "knowledge" for r in scoped["results"])
    _error(client.get("/api/v1/search", params={"q": ""}), 422, "invalid_request")
    _error(client.get("/api/v1/search", params={"q": "x" * 501}), 422, "invalid_request")
    _error(client.get("/api/v1/search", params={"q": "a", "area": "9.9"}), 404, "not_found")


@pytest.mark.skipif(not HAS_MATCH, reason="qualframe.match.engine is not installed")
def test_match(client) -> None:
    r = client.post("/api/v1/match", json={"text": "Бағдарламалық қамтамасыз етуді әзірлеуші, топ жетекшісі",
                                           "limit": 3})
    assert r.status_code == 200, r.text
    d = r.json()
    assert 0 < len(d["suggestions"]) <= 3
    for s in d["suggestions"]:
        assert 0 <= s["confidence"] <= 1 and s["evidence"]
        assert s["level_url"] == f"/levels/{s['row_id']}"
        for e in s["evidence"]:
            assert e["source"]["url"].startswith("/source?from=")
    g = client.get("/api/v1/match", params={"text": "network engineer"})
    assert g.status_code == 200
    _error(client.post("/api/v1/match", json={"text": ""}), 422, "invalid_request")
    _error(client.post("/api/v1/match", json={"text": "x", "limit": 99}), 422, "invalid_request")


def test_engines_unavailable_is_503(client, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the search or match module the routes say so with a 503, on pages and in the API."""
    monkeypatch.setitem(sys.modules, "qualframe.match.engine", None)
    monkeypatch.setitem(sys.modules, "qualframe.search.engine", None)
    err = _error(client.post("/api/v1/match", json={"text": "developer"}), 503, "service_unavailable")
    assert "qualframe.match.engine" in err["message"]
    err = _error(client.get("/api/v1/search?q=developer"), 503, "service_unavailable")
    assert "qualframe.search.engine" in err["message"]
    page = client.get("/search?q=developer")
    assert page.status_code == 503 and "qualframe.search.engine" in page.text


def test_bodies_and_queries_are_limited(client) -> None:
    _error(client.get(f"{BASE}/levels/3.1-07?x=" + "a" * 3000), 414, "uri_too_long")
    big = json.dumps({"text": "a" * 200000})  # the limit is 9 bytes per allowed character (20,000) + 4 KiB
    _error(client.post("/api/v1/match", content=big, headers={"content-type": "application/json"}),
           413, "payload_too_large")

    def chunks():  # no Content-Length: the limit must hold while streaming
        for _ in range(20):
            yield b"a" * 8192 * 2

    _error(client.post("/api/v1/match", content=chunks(), headers={"content-type": "application/json"}),
           413, "payload_too_large")
    _error(client.post("/api/v1/match", content=b"{not json", headers={"content-type": "application/json"}),
           422, "invalid_request")


def test_health(client) -> None:
    d = client.get("/api/v1/health").json()
    assert d["status"] == "ok" and d["frameworks"] == 1 and d["database"] in ("sqlite", "postgresql")
