"""Server-rendered pages and the app's machinery: JSON twins, i18n, escaping, limits, cache, seams."""

from __future__ import annotations

import dataclasses
import gzip
import re
from html.parser import HTMLParser

import pytest

import qualframe
from qualframe.model import Framework
from qualframe.store import Store

PAGES = ["/", "/areas/3.1", "/areas/3.3", "/levels/3.1-07", "/compare", "/compare?a=3.1-06&b=3.1-07",
         "/search", "/match", "/oked", "/oked?code=62.01", "/errata", "/source", "/source?from=496&to=508",
         "/api", "/frameworks", "/frameworks/kz-ict-sqf-2013/areas/3.2"]
EVIL_SCRIPT = "<script>alert('x')</script>"
EVIL_ATTR = '"><img src=x onerror=alert(1)>'


class _Controls(HTMLParser):
    """Collects form controls and labels, inline scripts/styles and event-handler attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[str | None] = []
        self.labels: set[str] = set()
        self.inline_scripts = 0
        self.style_attrs = 0
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.controls.append(a.get("id"))
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"] or "")
        if tag == "script" and not a.get("src"):
            self.inline_scripts += 1
        if "style" in a:
            self.style_attrs += 1
        self.handlers += [k for k in a if k.startswith("on")]


def _with_texts(fw: Framework, new_id: str, descriptor_text: str | None = None, area_title: str | None = None,
                title: str | None = None) -> Framework:
    areas = []
    for a in fw.areas:
        rows = []
        for r in a.levels:
            cols = {c: tuple(dataclasses.replace(d, text=descriptor_text) if descriptor_text and d.id == "3.1-07-c1"
                             else d for d in r.column(c)) for c in ("competences", "skills", "knowledge")}
            rows.append(dataclasses.replace(r, **cols))
        new_title = {"kk": area_title} if area_title and a.code == "3.1" else a.title
        areas.append(dataclasses.replace(a, levels=tuple(rows), title=new_title))
    return dataclasses.replace(fw, id=new_id, areas=tuple(areas), title={"kk": title} if title else fw.title)


@pytest.mark.parametrize("path", PAGES)
def test_pages_render_with_security_headers(client, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    html = r.text
    assert '<meta name="viewport"' in html and '<main id="main"' in html and 'href="#main"' in html
    p = _Controls()
    p.feed(html)
    assert p.inline_scripts == 0 and p.style_attrs == 0 and p.handlers == []
    missing = [c for c in p.controls if not c or c not in p.labels]
    assert missing == [], f"controls without a label on {path}: {missing}"


def test_home_shows_legal_status_in_each_language(client) -> None:
    kk = client.get("/").text
    assert "Күші жойылған" in kk and "№ 769" in kk and "2013 ж. 30 қыркүйек" in kk and "2015 ж. 28 мамыр" in kk
    ru = client.get("/?lang=ru").text
    assert "Утратил силу" in ru and "30 сентября 2013 г." in ru and "№ 629" in ru and "28 мая 2015 г." in ru
    en = client.get("/?lang=en").text
    assert "Repealed" in en and "30 September 2013" in en and "28 May 2015" in en and "No. 769" in en
    assert "Only the Kazakh text is official." in en
    assert 'id="legal-status"' in kk  # the banner is on every page, not only the home page
    assert 'id="legal-status"' in client.get("/levels/3.2-03").text


def test_level_page_links_every_descriptor_to_its_source_lines(client) -> None:
    row = qualframe.load().row("3.3-08")
    html = client.get("/levels/3.3-08").text
    for d in row.descriptors:
        s = d.source
        assert f'href="/source?from={s.line_start}&amp;to={s.line_end}#L{s.line_start}"' in html, d.id
        assert f'id="{d.id}"' in html
    assert "анық емес" in html  # ambiguous level, said so
    src = client.get(f"/source?from={row.source.line_start}&to={row.source.line_end}").text
    assert f'<div class="line hl" id="L{row.source.line_start}">' in src
    assert f'<div class="line" id="L{row.source.line_start - 1}">' in src


def test_matrix_has_every_row_and_column(client) -> None:
    area = qualframe.load().area("3.1")
    html = client.get("/areas/3.1").text
    assert html.count('<th scope="row" class="lvl">') == len(area.levels)
    for r in area.levels:
        assert f'href="/levels/{r.id}"' in html
    assert "Жеке және кәсіби құзыреттіліктер" in html and "Іскерлік және машықтар" in html


def test_compare_page_shows_word_changes(client) -> None:
    fw = qualframe.load()
    pair = None
    for a in fw.areas:
        for x, y in zip(a.levels, a.levels[1:], strict=False):
            d = client.get(f"/api/v1/frameworks/{fw.id}/compare?a={x.id}&b={y.id}").json()
            if any(ch["kind"] == "changed" for col in d["columns"].values() for ch in col):
                pair = (x.id, y.id)
                break
        if pair:
            break
    assert pair, "no two adjacent levels share a rewritten descriptor"
    html = client.get(f"/compare?a={pair[0]}&b={pair[1]}").text
    assert "<ins>" in html and "<del>" in html and 'class="badge k-changed"' in html


def test_json_twins(client) -> None:
    a = client.get("/levels/3.1-07.json")
    b = client.get("/levels/3.1-07", headers={"accept": "application/json"})
    assert a.status_code == b.status_code == 200
    assert a.headers["content-type"] == "application/json"
    assert a.json() == b.json()
    assert a.json()["row"]["id"] == "3.1-07" and a.json()["page"] == "level"
    home = client.get("/index.json").json()
    assert home["framework"]["legal"]["repealed"]["order_number"] == "629"
    assert client.get("/areas/3.2.json").json()["area"]["code"] == "3.2"
    assert client.get("/compare.json?a=3.1-01&b=3.1-02").json()["b"]["id"] == "3.1-02"
    err = client.get("/levels/nope.json")
    assert err.status_code == 404 and err.json()["error"]["code"] == "not_found"


def test_html_errors_without_traces(client, monkeypatch: pytest.MonkeyPatch) -> None:
    r = client.get("/levels/nope")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "nope" in r.text and "Traceback" not in r.text
    r = client.get("/source?from=abc")
    assert r.status_code == 422 and "from" in r.text

    from qualframe.web import views

    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("secret-internal-detail")

    monkeypatch.setattr(views, "level", boom)
    for path in ("/levels/3.1-02", "/levels/3.1-02.json", "/api/v1/frameworks/kz-ict-sqf-2013/descriptors/x"):
        r = client.get(path)
        if path.startswith("/api"):
            assert r.status_code == 404
            continue
        assert r.status_code == 500
        assert "secret-internal-detail" not in r.text and "Traceback" not in r.text and "RuntimeError" not in r.text
        assert r.headers["content-security-policy"]
    assert client.get("/levels/3.1-02.json").json()["error"]["code"] == "internal_error"


def test_hostile_text_is_escaped(client) -> None:
    store: Store = client.app.state.qf.store
    evil = _with_texts(qualframe.load(), "evil", descriptor_text=EVIL_SCRIPT, area_title=EVIL_ATTR,
                       title=f"</title>{EVIL_SCRIPT}")
    store.load_framework(evil)
    for path in ("/frameworks/evil", "/frameworks/evil/areas/3.1", "/frameworks/evil/levels/3.1-07",
                 "/frameworks/evil/compare?a=3.1-06&b=3.1-07", "/frameworks", "/frameworks/evil/levels/3.1-07?lang=en"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert "<script>alert" not in r.text and "<img src=x" not in r.text, path
    assert "&lt;script&gt;alert(" in client.get("/frameworks/evil/levels/3.1-07").text
    assert "&lt;img src=x onerror=alert(1)&gt;" in client.get("/frameworks/evil/areas/3.1").text
    # and in queries reflected back
    for path in (f"/search?q={EVIL_SCRIPT}", f"/oked?code={EVIL_SCRIPT[:30]}", f"/compare?a={EVIL_ATTR}&b=x",
                 f"/levels/{EVIL_SCRIPT}", f"/match?text={EVIL_ATTR}"):
        r = client.get(path)
        assert "<script>alert" not in r.text and "<img src=x" not in r.text, path
        assert r.status_code < 500, path


def test_language_switch_sets_cookie_and_labels_translations(client) -> None:
    r = client.get("/lang?to=ru&next=/levels/3.1-07", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/levels/3.1-07"
    assert "qf_lang=ru" in r.headers["set-cookie"]
    ru = client.get("/levels/3.1-07")
    assert '<html lang="ru">' in ru.text
    assert "неофициальный перевод" in ru.text and "Официальным является только текст на казахском языке." in ru.text
    assert "Казахский оригинал" in ru.text  # the official text stays next to the translation
    client.cookies.clear()
    kk = client.get("/levels/3.1-07")
    assert '<html lang="kk">' in kk.text and "неофициальный" not in kk.text
    assert kk.headers["etag"] != ru.headers["etag"] and "Cookie" in kk.headers["vary"]


def test_language_switch_rejects_foreign_redirects(client) -> None:
    for bad in ("//evil.example/x", "https://evil.example/", "javascript:alert(1)", "/\\evil.example"):
        r = client.get("/lang", params={"to": "en", "next": bad}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/", bad
    assert client.get("/lang?to=xx").status_code == 422


def test_missing_translation_falls_back_to_kazakh_labelled(client) -> None:
    store: Store = client.app.state.qf.store
    store.load_framework(dataclasses.replace(qualframe.load(), id="bare"))  # no translations loaded
    html = client.get("/frameworks/bare/levels/3.1-07?lang=en").text
    assert "no translation yet; the Kazakh original is shown" in html
    d = client.get("/api/v1/frameworks/bare/levels/3.1-07?lang=en").json()
    c1 = d["columns"]["competences"][0]
    assert c1["translation"] == {"lang": "en", "text": c1["text"], "status": "missing"}


def test_cache_etag_304_gzip_and_invalidation(client) -> None:
    url = "/levels/3.1-07.json"
    a = client.get(url)
    b = client.get(url)
    assert a.headers["etag"] == b.headers["etag"] and a.headers["etag"].startswith('"')
    assert "last-modified" in a.headers and a.headers["content-encoding"] == "gzip"
    r304 = client.get(url, headers={"if-none-match": a.headers["etag"]})
    assert r304.status_code == 304 and r304.content == b""
    plain = client.get(url, headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.json() == a.json()
    assert plain.headers["etag"] != a.headers["etag"]
    raw = client.get(url, headers={"accept-encoding": "gzip"})
    assert raw.json() == plain.json()
    assert gzip.decompress(gzip.compress(plain.content)) == plain.content
    # reloading a framework drops cached answers at once
    store: Store = client.app.state.qf.store
    fw = qualframe.load()
    changed = _with_texts(fw, fw.id, descriptor_text="жаңа мәтін")
    store.load_framework(changed)
    after = client.get(url)
    assert after.json()["row"]["columns"]["competences"][0]["text"] == "жаңа мәтін"
    assert after.headers["etag"] != a.headers["etag"]
    assert client.get(url, headers={"if-none-match": a.headers["etag"]}).status_code == 200


def test_reload_by_another_process_is_seen(make_client, db_url: str) -> None:
    client = make_client(refresh_seconds=0.0)
    assert "жаңа" not in client.get("/levels/3.1-07").text
    other = Store(db_url)  # stands for another process: the app's Store is not told
    fw = qualframe.load()
    other.load_framework(_with_texts(fw, fw.id, descriptor_text="басқа процесс жүктеген мәтін"))
    other.close()
    assert "басқа процесс жүктеген мәтін" in client.get("/levels/3.1-07").text


def test_head_requests(client) -> None:
    r = client.head("/areas/3.1")
    assert r.status_code == 200 and r.content == b"" and int(r.headers["content-length"]) > 1000


def test_limits_on_pages(client) -> None:
    r = client.get("/search?q=" + "a" * 6000)  # over 9 bytes x 500 characters + 512
    assert r.status_code == 414 and r.headers["content-type"].startswith("text/html")
    r = client.post("/match", data={"text": "a" * 200000})  # over 9 bytes x 20,000 characters
    assert r.status_code == 413
    r = client.get("/" + "a" * 2000)
    assert r.status_code == 414


def test_registered_resources_and_cacheable_seam(client) -> None:
    cache = client.app.state.qf.cache
    calls = []

    def produce() -> bytes:
        calls.append(1)
        return b'{"big": "' + b"x" * 5000 + b'"}'

    cache.register("/x-test/package.json", produce, "application/json")
    a = client.get("/x-test/package.json?ignored=1")
    b = client.get("/x-test/package.json")
    assert a.status_code == b.status_code == 200 and a.json() == b.json()
    assert a.headers["content-encoding"] == "gzip" and a.headers["x-content-type-options"] == "nosniff"
    assert len(calls) == 1  # a resource takes no parameters: unknown ones are not part of the key
    client.get("/x-test/package.json")
    assert len(calls) == 1
    cache.clear()
    client.get("/x-test/package.json")
    assert len(calls) == 2


def test_static_assets_are_cached_and_versioned(client) -> None:
    html = client.get("/").text
    m = re.search(r'src="(/static/htmx\.min\.js\?v=[0-9a-f]+)"', html)
    assert m
    r = client.get(m.group(1))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert "max-age=86400" in r.headers["cache-control"]
    css = client.get("/static/style.css").text
    assert "@media print" in css and "@media (max-width" in css
    assert client.get("/static/nope.js").status_code == 404


def test_api_docs_page_lists_endpoints_with_examples(client) -> None:
    html = client.get("/api").text
    assert "/api/v1/frameworks/{fid}/levels/{row_id}" in html
    assert 'href="/api/v1/frameworks/kz-ict-sqf-2013/levels/3.1-07?lang=en"' in html
    assert 'href="/api/v1/openapi.json"' in html
