"""Bounded cost of the web layer (issue 9): admission control, large answers and validators, the cache key,
near-linear compare, safe ids in URLs, body limits by characters, imsx errors under /ims/case/, q-values,
cookies and strict integers. Real app, real database (SQLite and PostgreSQL), real engines."""

from __future__ import annotations

import difflib
import itertools
import json
import re
import sys
import threading
import time
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

import qualframe
from qualframe.model import COLUMNS, Descriptor, SourceSpan
from qualframe.web import compare as cmp
from qualframe.web.admission import Admission, Overloaded
from qualframe.web.middleware import accepts_gzip, cookies
from qualframe.web.views import MAX_NAV_AREAS, url_id

sys.path.insert(0, str(Path(__file__).resolve().parent))
import case_gen

P = "/ims/case/v1p1"


def _import(client: Any, pkg: dict[str, Any]) -> str:
    """Import a CASE package into the app's store; the framework id it got."""
    from qualframe.interop.case_import import parse_package_bytes
    from qualframe.store.case import import_package

    store = client.app.state.qf.store
    res = import_package(parse_package_bytes(json.dumps(pkg).encode("utf-8"), "pkg.json"), store)
    client.app.state.qf.catalog.refresh()
    return res.framework_id


# --- admission control ----------------------------------------------------------------------------


def test_admission_bounds_work_in_flight_and_queue() -> None:
    adm = Admission(in_flight=1, queue=1, wait_seconds=0.05, retry_after=3)
    started, release = threading.Event(), threading.Event()

    def hold() -> None:
        with adm.slot():
            started.set()
            release.wait(5)

    t = threading.Thread(target=hold)
    t.start()
    started.wait(5)
    # the one slot is taken: a second caller waits (queue 1) and gives up after wait_seconds
    with pytest.raises(Overloaded) as exc, adm.slot():
        pass
    assert exc.value.status == 503 and exc.value.headers == {"Retry-After": "3"}
    release.set()
    t.join()
    with adm.slot():  # free again
        pass
    assert adm.stats()["rejected"] == 1 and adm.stats()["admitted"] == 0


def _saturate(client: Any) -> tuple[threading.Event, threading.Thread]:
    """Hold every heavy slot of the app (in_flight=1, queue=0) until the returned event is set."""
    adm = client.app.state.qf.admission
    started, release = threading.Event(), threading.Event()

    def hold() -> None:
        with adm.slot():
            started.set()
            release.wait(30)

    t = threading.Thread(target=hold)
    t.start()
    assert started.wait(5)
    return release, t


def test_busy_answers_503_with_retry_after_in_each_shape(make_client) -> None:
    client = make_client(heavy_in_flight=1, heavy_queue=0, heavy_wait_seconds=0.0)
    cached = client.get("/levels/3.1-07.json")
    assert cached.status_code == 200
    release, t = _saturate(client)
    try:
        api = client.get("/api/v1/search", params={"q": "бағдарламалау"})
        assert api.status_code == 503 and api.headers["retry-after"] == "1"
        assert api.json()["error"]["code"] == "overloaded"
        page = client.get("/match", params={"text": "программист"})
        assert page.status_code == 503 and page.headers["retry-after"] == "1"
        assert page.headers["content-type"].startswith("text/html")
        cmp_api = client.get("/api/v1/frameworks/kz-ict-sqf-2013/compare", params={"a": "3.1-06", "b": "3.1-07"})
        assert cmp_api.status_code == 503
        export = client.get("/api/v1/frameworks/kz-ict-sqf-2013/exports/csv")
        assert export.status_code == 503 and export.headers["retry-after"] == "1"
        client.app.state.qf.cache.clear()  # a new store state: the CASE index must be rebuilt (heavy)
        case = client.get(f"{P}/CFDocuments")
        assert case.status_code == 503 and case.headers["retry-after"] == "1"
        assert case.json()["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == "server_busy"
        # cheap and cached reads still answer
        assert client.get("/api/v1/health").status_code == 200
        assert client.get("/areas/3.1").status_code == 200
    finally:
        release.set()
        t.join()
    assert client.get("/api/v1/search", params={"q": "бағдарламалау"}).status_code == 200
    assert client.get(f"{P}/CFDocuments").status_code == 200


# --- large answers, validators, the cache key --------------------------------------------------------


def test_large_answers_are_cached_and_304_even_after_eviction(make_client) -> None:
    # 64 kB budget: anything above 8 kB is "large" (the CSV export is ~200 kB)
    client = make_client(cache_bytes=64 * 1024)
    cache = client.app.state.qf.cache
    url = "/api/v1/frameworks/kz-ict-sqf-2013/exports/csv"
    first = client.get(url)
    assert first.status_code == 200 and len(first.content) > 64 * 1024
    assert cache.stats()["large_entries"] == 1
    hits = cache.stats()["hits"]
    again = client.get(url)
    assert again.content == first.content and cache.stats()["hits"] == hits + 1
    etag = first.headers["etag"]
    assert client.get(url, headers={"if-none-match": etag}).status_code == 304
    # evicted bodies keep their validators: still a 304, without rebuilding
    client2 = make_client(cache_bytes=64 * 1024, cache_large_bytes=1024)
    cache2 = client2.app.state.qf.cache
    a = client2.get(url, headers={"accept-encoding": "identity"})
    assert cache2.stats()["large_entries"] == 0 and cache2.stats()["validators"] >= 1
    r = client2.get(url, headers={"if-none-match": a.headers["etag"], "accept-encoding": "identity"})
    assert r.status_code == 304 and r.content == b"" and r.headers["etag"] == a.headers["etag"]
    assert cache2.stats()["validator_hits"] == 1
    # with no validator remembered (a new state), the fresh body's ETag still gives a 304
    cache2.clear()
    r = client2.get(url, headers={"if-none-match": a.headers["etag"], "accept-encoding": "identity"})
    assert r.status_code == 304 and r.content == b""


def test_unknown_query_parameters_are_not_part_of_the_key(client) -> None:
    cache = client.app.state.qf.cache
    base = client.get("/levels/3.1-07")
    entries = cache.stats()["entries"]
    for junk in ("r=1", "r=2", "utm_source=x&r=3"):
        r = client.get(f"/levels/3.1-07?{junk}")
        assert r.status_code == 200 and r.content == base.content
    assert cache.stats()["entries"] == entries  # no entry per junk parameter, none evicted
    # a declared parameter still keys: ?lang=ru is another answer
    assert client.get("/levels/3.1-07?lang=ru&r=9").content != base.content
    # pages never echo undeclared parameters (their JSON link)
    html = client.get("/compare?a=3.1-06&b=3.1-07&evil=zzz").text
    assert "zzz" not in html and "a=3.1-06" in html
    # CASE validates its own query: unknown parameters are still a 400
    assert client.get(f"{P}/CFDocuments?colour=blue").status_code == 400


def test_last_modified_follows_the_body_not_the_load_time(client) -> None:
    cache = client.app.state.qf.cache
    body = {"v": b'{"v": 1}' + b" " * 600}
    cache.register("/x-test/r.json", lambda: body["v"], "application/json")
    first = client.get("/x-test/r.json")
    lm = first.headers["last-modified"]
    assert client.get("/x-test/r.json", headers={"if-modified-since": lm}).status_code == 304
    time.sleep(1.1)  # HTTP dates have one-second resolution
    body["v"] = b'{"v": 2}' + b" " * 600  # an upgrade changed the body; the database did not change
    cache.clear()  # a restart: no framework load date moves
    r = client.get("/x-test/r.json", headers={"if-modified-since": lm})
    assert r.status_code == 200 and r.json() == {"v": 2}
    assert parsedate_to_datetime(r.headers["last-modified"]) > parsedate_to_datetime(lm)
    later = format_datetime(parsedate_to_datetime(r.headers["last-modified"]), usegmt=True)
    assert client.get("/x-test/r.json", headers={"if-modified-since": later}).status_code == 304


# --- protocol details ------------------------------------------------------------------------------


def test_gzip_follows_q_values(client) -> None:
    assert accepts_gzip(b"gzip") and accepts_gzip(b"br, gzip;q=0.5") and accepts_gzip(b"*")
    assert not accepts_gzip(b"gzip;q=0") and not accepts_gzip(b"gzip; q=0.000, identity")
    assert not accepts_gzip(b"identity") and not accepts_gzip(b"*;q=0") and not accepts_gzip(b"x-gzipped")
    assert not accepts_gzip(b"*, gzip;q=0")
    r = client.get("/areas/3.1", headers={"accept-encoding": "gzip;q=0"})
    assert "content-encoding" not in r.headers
    assert client.get("/areas/3.1", headers={"accept-encoding": "deflate, gzip;q=0.8"}).headers[
        "content-encoding"] == "gzip"


def test_cookies_are_parsed_by_exact_name(client) -> None:
    assert cookies(b"xqf_lang=ru; qf_lang=en") == {b"xqf_lang": b"ru", b"qf_lang": b"en"}
    assert cookies(b'a="1"; ;=x; b') == {b"a": b"1"}
    client.cookies.clear()
    assert '<html lang="kk"' in client.get("/areas/3.2", headers={"cookie": "xqf_lang=ru"}).text
    assert '<html lang="ru"' in client.get("/areas/3.2", headers={"cookie": "xqf_lang=en; qf_lang=ru"}).text


@pytest.mark.parametrize("value", ["1_0", "１０", "+-1", "1e1", " 10", "0x10", "٣"])
def test_integers_in_queries_are_ascii_digits_only(client, value: str) -> None:
    r = client.get("/api/v1/search", params={"q": "python", "limit": value})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
    assert client.get("/api/v1/frameworks/kz-ict-sqf-2013/levels", params={"nqf_level": value}).status_code == 422
    assert client.get("/source", params={"from": value}).status_code == 422
    case = client.get(f"{P}/CFDocuments", params={"limit": value})
    assert case.status_code == 400 and "imsx_codeMajor" in case.json()


def test_integers_in_ascii_still_work(client) -> None:
    r = client.get("/api/v1/search", params={"q": "python", "limit": "3"})
    assert r.status_code == 200 and len(r.json()["results"]) <= 3
    assert client.get(f"{P}/CFDocuments", params={"limit": "1", "offset": "0"}).status_code == 200


def test_body_limit_follows_the_character_limit(client) -> None:
    # 20,000 characters of Kazakh as ASCII-escaped JSON (what json.dumps sends): ~88 kB, within the limit
    text = ("Бағдарламашы Python тілін біледі. " * 700)[:20000]
    body = json.dumps({"text": text, "limit": 2})
    assert len(body.encode()) > 64 * 1024  # the old byte limit answered 413
    r = client.post("/api/v1/match", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text[:300]
    assert r.json()["suggestions"]
    # one character more is refused by the character limit (422), not by bytes
    r = client.post("/api/v1/match", content=json.dumps({"text": text + "а"}),
                    headers={"content-type": "application/json"})
    assert r.status_code == 422
    # the same for query strings: 500 Cyrillic characters are 3,000 bytes percent-encoded, Chinese 4,500
    r = client.get("/api/v1/search", params={"q": ("бағдарламалау тілі " * 40)[:500]})
    assert r.status_code == 200 and len(r.request.url.query) > 2048
    assert client.get("/search", params={"q": ("бағдарламалау тілі " * 40)[:500]}).status_code == 200
    assert client.get("/api/v1/search", params={"q": "中文" * 250}).status_code == 200
    assert client.get("/api/v1/search", params={"q": "б" * 501}).status_code == 422
    assert client.get("/levels/3.1-07", params={"x": "б" * 400}).status_code == 414  # other routes: 2 kB
    # other routes keep the default body limit
    r = client.post("/api/v1/search", content=b"x" * 70000, headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_case_paths_answer_imsx_errors(client) -> None:
    def minor(r: Any) -> str:
        assert r.headers["content-type"].startswith("application/json"), r.text[:200]
        return r.json()["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]

    r = client.post(f"{P}/CFDocuments", content=b"{}")
    assert r.status_code == 405 and minor(r) == "forbidden"
    r = client.get(f"{P}/CFDocuments?filter=" + "a" * 3000)
    assert r.status_code == 414 and r.json()["imsx_codeMajor"] == "failure"
    r = client.post(f"{P}/CFDocuments", content=b"x" * 70000)
    assert r.status_code == 413 and r.json()["imsx_severity"] == "error"
    r = client.get(f"{P}/" + "x" * 2000)
    assert r.status_code == 414 and minor(r) == "invalid_selection_field"


# --- compare ---------------------------------------------------------------------------------------


def _reference_compare(a: tuple[Descriptor, ...], b: tuple[Descriptor, ...]) -> list[cmp.Change]:
    """The original all-pairs algorithm (before the candidate index), as the yardstick for small rows."""
    def sim(x: str, y: str) -> float:
        return difflib.SequenceMatcher(None, x.lower().split(), y.lower().split(), autojunk=False).ratio()

    scores = sorted(((sim(x.text, y.text), i, j) for i, x in enumerate(a) for j, y in enumerate(b)), reverse=True)
    pair_of_b: dict[int, tuple[int, float]] = {}
    used: set[int] = set()
    for s, i, j in scores:
        if s < cmp.PAIR_THRESHOLD:
            break
        if i not in used and j not in pair_of_b:
            used.add(i)
            pair_of_b[j] = (i, s)
    out = []
    for j, y in enumerate(b):
        if j in pair_of_b:
            i, s = pair_of_b[j]
            kind = "same" if a[i].text == y.text else "changed"
            out.append(cmp.Change(kind, a[i], y, 1.0 if kind == "same" else round(s, 3),
                                  ((("=", y.text),) if kind == "same" else cmp.word_diff(a[i].text, y.text))))
        else:
            out.append(cmp.Change("added", None, y, 0.0, (("+", y.text),)))
    out += [cmp.Change("removed", x, None, 0.0, (("-", x.text),)) for i, x in enumerate(a) if i not in used]
    return out


def test_compare_on_the_shipped_framework_is_unchanged() -> None:
    fw = qualframe.load()
    rows = [r for a in fw.areas for r in a.levels]
    for ra, rb in itertools.pairwise(rows):
        for c in COLUMNS:
            assert cmp.compare_column(ra.column(c), rb.column(c)) == _reference_compare(ra.column(c), rb.column(c))


class _CountingMatcher(difflib.SequenceMatcher):
    calls = 0
    work = 0

    def __init__(self, isjunk: Any, a: Any, b: Any, autojunk: bool = True) -> None:
        type(self).calls += 1
        type(self).work += max(1, len(a)) * max(1, len(b))
        super().__init__(isjunk, a, b, autojunk)


def _descriptors(texts: list[str], tag: str) -> tuple[Descriptor, ...]:
    return tuple(Descriptor(f"{tag}-{i}", "skills", i + 1, t, SourceSpan(0, 0)) for i, t in enumerate(texts))


@pytest.mark.parametrize("shape", ["edited", "identical words", "all equal", "long texts"])
def test_compare_of_large_rows_does_bounded_work(monkeypatch: pytest.MonkeyPatch, shape: str) -> None:
    n = 1500
    if shape == "edited":  # each descriptor of b is one of a with a word changed, shuffled
        a = [f"topic{i} skill{i * 7 % 1009} uses tool{i % 37} in context{i % 11} daily" for i in range(n)]
        b = [t.replace("daily", "weekly") for t in reversed(a)]
    elif shape == "identical words":  # only common words: no rare word tells descriptors apart
        a = [" ".join(["work"] * (5 + i % 7)) for i in range(n)]
        b = [" ".join(["work"] * (6 + i % 5)) for i in range(n)]
    elif shape == "all equal":
        a = b = ["the same descriptor text"] * n
    else:  # near the word cap, repeated words (SequenceMatcher's worst case)
        a = [("alpha beta " * 150) + f"x{i}" for i in range(n)]
        b = [("alpha beta " * 150) + f"y{i}" for i in range(n)]
    monkeypatch.setattr(cmp, "SequenceMatcher", _CountingMatcher)
    _CountingMatcher.calls = _CountingMatcher.work = 0
    out = cmp.compare_column(_descriptors(a, "a"), _descriptors(b, "b"))
    assert len([c for c in out if c.b is not None]) == n  # every descriptor of b is accounted for
    assert len([c for c in out if c.a is not None]) == n
    assert _CountingMatcher.calls <= (cmp.CANDIDATES + 1) * n
    assert _CountingMatcher.work <= 2 * cmp.WORK_BUDGET  # scoring and diffs each stay within the budget
    if shape == "edited":
        changed = [c for c in out if c.kind == "changed"]
        assert len(changed) == n and all(c.a.text.replace("daily", "weekly") == c.b.text for c in changed)
        assert tuple(x for x in changed[0].diff if x[0] != "=") == (("-", "daily"), ("+", "weekly"))
    if shape == "all equal":
        assert all(c.kind == "same" for c in out)


# --- imported frameworks: safe ids, no phantom source lines, long lists ------------------------------

ODD_CODES = {0: "A/1", 1: "R.json", 2: "Ряд 2 ~ ?#%", 3: "..", 4: "Д" * 100}  # 100: the store's limit


def _odd_package() -> dict[str, Any]:
    """Area 0 with rows 1..4 (codes that break naive URLs), each with descriptors 5.. underneath."""
    edges = [(0, -1), (1, 0), (2, 0), (3, 0), (4, 0)]
    statements = {0: "Area with a slash"}
    k = 5
    for row in (1, 2, 3, 4):
        for j in range(3):
            edges.append((k, row))
            statements[k] = f"Skill {j} of row {row}: configure the network equipment level {row}."
            k += 1
    return case_gen.package(k, edges, tag="odd", codes=ODD_CODES, statements=statements)


def test_imported_odd_codes_round_trip_through_links(client) -> None:
    assert url_id("3.1-07") == "3.1-07" and url_id("A/1").startswith("~") and url_id("x.JSON").startswith("~")
    assert url_id("..").startswith("~") and len(url_id("Д" * 100)) < 40
    fid = _import(client, _odd_package())
    home = client.get(f"/frameworks/{fid}.json").json()
    area_url = home["areas"][0]["url"]
    assert "/" not in area_url.rsplit("/areas/", 1)[1]
    area = client.get(area_url)
    assert area.status_code == 200, area.text[:300]
    matrix = client.get(area_url + ".json").json()
    assert matrix["area"]["code"] == "A/1"
    level_urls = [r["url"] for r in matrix["rows"]]
    assert len(level_urls) == 4
    for url in level_urls:
        assert len(url) < 200
        r = client.get(url + ".json")
        assert r.status_code == 200, (url, r.text[:200])
        row = r.json()["row"]
        assert row["id"] in ODD_CODES.values()
        for d in row["columns"]["competences"]:
            assert d["source"] is None  # imported: no source lines, so no /source?from=0 link
        html = client.get(url).text
        assert "from=0" not in html
        api = client.get(f"/api/v1/frameworks/{fid}/levels/{url.rsplit('/', 1)[1]}")
        assert api.status_code == 200 and api.json()["id"] == row["id"]
    # compare by the ids the links carry
    a_id, b_id = (unquote(u.rsplit("/", 1)[1]) for u in level_urls[:2])
    cmp_page = client.get(f"/frameworks/{fid}/compare", params={"a": a_id, "b": b_id})
    assert cmp_page.status_code == 200
    data = client.get(f"/api/v1/frameworks/{fid}/compare", params={"a": a_id, "b": b_id}).json()
    assert (data["a"]["id"], data["b"]["id"]) == (ODD_CODES[1], ODD_CODES[2])
    assert data["summary"]["counts"]["competences"]["changed"] == 3
    # an imported framework's CASE export is its stored package
    exp = client.get(f"/api/v1/frameworks/{fid}/exports/case")
    assert exp.status_code == 200 and exp.json()["CFDocument"]["identifier"] == case_gen.doc_id("odd")


def test_a_wide_flat_import_pages_its_area_lists(client) -> None:
    n = 1500
    fid = _import(client, case_gen.flat(n, tag="wide"))
    matrix = client.get(f"/frameworks/{fid}/areas/I700.json").json()
    assert len(matrix["areas"]) == MAX_NAV_AREAS and matrix["areas_total"] == n
    assert any(a["code"] == "I700" for a in matrix["areas"])
    html = client.get(f"/frameworks/{fid}/areas/I700").text
    assert html.count('href="/frameworks/') < MAX_NAV_AREAS + 20
    home = client.get(f"/frameworks/{fid}.json").json()
    page = home["areas_page"]
    assert page["total"] == n and len(home["areas"]) == page["size"] < n and page["next_url"]
    nxt = client.get(page["next_url"].replace("?", ".json?", 1)).json()
    assert nxt["areas"][0]["code"] == home["areas"][-1]["code"].replace(
        str(len(home["areas"]) - 1), str(len(home["areas"])))
    cmp_page = client.get(f"/frameworks/{fid}/compare.json").json()
    assert sum(len(g["rows"]) for g in cmp_page["choices"]) <= 500


def test_unchanged_shipped_pages_still_link_their_source(client) -> None:
    d = client.get("/levels/3.1-07.json").json()
    assert d["row"]["source"]["url"].startswith("/source?from=")
    assert re.search(r"/source\?from=\d+&amp;to=\d+", client.get("/levels/3.1-07").text)


def test_url_ids_are_stable() -> None:
    # the same code always gives the same id, so links stay valid across processes and restarts
    assert url_id("A/1") == url_id("A/1") and url_id("A/1") != url_id("A/2")
    assert url_id("~x").startswith("~") and url_id("~x") != "~x"
