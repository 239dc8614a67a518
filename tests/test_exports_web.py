"""Exports and crosswalks in the web app: download buttons, download routes, level pages, the API."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

import qualframe
from qualframe.interop.case import build_package, canonical
from qualframe.interop.tables import to_csv

FID = "kz-ict-sqf-2013"


@pytest.fixture
def client(make_client):
    return make_client()


def test_home_page_has_download_links_that_work(client) -> None:
    page = client.get("/")
    assert page.status_code == 200
    links = re.findall(r'href="(/api/v1/frameworks/[^"]+/exports/[a-z]+)" download', page.text)
    assert {link.rsplit("/", 1)[1] for link in links} == {"csv", "xlsx", "skos", "case", "grid"}
    for link in links:
        r = client.get(link)
        assert r.status_code == 200, link
        assert r.headers["content-disposition"].startswith("attachment; filename=")
        assert len(r.content) > 1000


def test_downloads_match_the_cli_exports(client) -> None:
    fw = qualframe.load()
    r = client.get(f"/api/v1/frameworks/{FID}/exports/csv")
    assert r.headers["content-type"].startswith("text/csv")
    assert r.text == to_csv(fw)
    assert list(csv.DictReader(io.StringIO(r.text)))[1]["descriptor_id"] == "3.1-02-c1"
    case = client.get(f"/api/v1/frameworks/{FID}/exports/case").json()
    assert canonical(case) == canonical(build_package(fw))
    grid = client.get(f"/api/v1/frameworks/{FID}/exports/grid").json()
    assert grid["format"] == "qualframe-grid/1"
    skos = client.get(f"/api/v1/frameworks/{FID}/exports/skos")
    assert skos.headers["content-type"].startswith("application/ld+json") and "@context" in skos.json()
    xlsx = client.get(f"/api/v1/frameworks/{FID}/exports/xlsx")
    assert xlsx.content[:2] == b"PK"


def test_downloads_are_cached_with_validators(client) -> None:
    url = f"/api/v1/frameworks/{FID}/exports/case"
    first = client.get(url, headers={"accept-encoding": "gzip"})
    etag = first.headers["etag"]
    assert first.headers.get("last-modified")
    assert client.get(url, headers={"if-none-match": etag, "accept-encoding": "gzip"}).status_code == 304


def test_bad_download_requests(client) -> None:
    r = client.get(f"/api/v1/frameworks/{FID}/exports/pdf")
    assert r.status_code == 404 and "no export format 'pdf'" in r.json()["error"]["message"]
    r = client.get("/api/v1/frameworks/nope/exports/csv")
    assert r.status_code == 404 and "Traceback" not in r.text


@pytest.mark.parametrize("lang, phrase", [
    ("en", "In EQF terms: EQF level 6"),
    ("ru", "В терминах EQF: EQF level 6"),
    ("kk", "EQF тұрғысынан: EQF level 6"),
])
def test_level_page_shows_crosswalks(client, lang: str, phrase: str) -> None:
    r = client.get(f"/levels/3.1-07?lang={lang}", cookies={"qf_lang": lang})
    assert r.status_code == 200
    text = r.text
    if phrase not in text:  # the page language may be chosen by cookie only
        r = client.get(f"/lang?to={lang}&next=/levels/3.1-07", follow_redirects=True)
        text = r.text
    assert phrase in text
    assert "e-3 Senior professional / manager" in text and "SFIA level 5 Ensure, advise" in text
    assert "has not been officially referenced to the EQF" in text  # the caveat, always in English
    data = client.get("/levels/3.1-07.json").json()
    assert data["crosswalks"]["rows"][0]["level"] == "EQF level 6"


def test_crosswalk_api(client) -> None:
    r = client.get(f"/api/v1/frameworks/{FID}/crosswalks", params={"area": "3.1", "level": "62"})
    assert r.status_code == 200
    data = r.json()
    assert [row["row_id"] for row in data["rows"]] == ["3.1-07"]
    assert data["rows"][0]["crosswalks"]["ecf"][0]["label"] == "e-3 Senior professional / manager"
    assert all(c["sources"] and c["caveats"] for c in data["crosswalks"])
    assert client.get(f"/api/v1/frameworks/{FID}/crosswalks", params={"area": "9.9"}).status_code == 404
    assert client.get(f"/api/v1/frameworks/{FID}/crosswalks", params={"level": "99"}).status_code == 404
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/frameworks/{fid}/crosswalks" in spec["paths"]
    assert json.dumps(spec)  # still serialisable with the extra routes
