"""A working group in headless Chromium against a real `qualframe serve`: a developer drafts a standard
with a profession card on a framework row, builds a function, skill, ability (from the row's offers) and
knowledge item, sends it to review; a reviewer sends it back once, then approves and publishes it; the
register lists it and its DOCX downloads. Screenshots (QUALFRAME_SCREENSHOTS=1: docs/screenshots/):
standard-editor.png, standards-register.png.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from accounts_helpers import make_user
from browser_helpers import NEEDS_CHROMIUM, VIEWPORT, page_errors, serve, sign_in

pytest.importorskip("playwright.sync_api")
pytestmark = NEEDS_CHROMIUM
ORG = "ictsb"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A real `qualframe serve` on a fresh SQLite database, and the folder of that database."""
    data = tmp_path_factory.mktemp("standards-serve")
    with serve(data) as base:
        yield base, data


def _people(data: Path) -> None:
    """The org and its people, written into the server's database through the real account operations."""
    from qualframe.store import Store
    from qualframe.store import accounts as acc
    from qualframe.store.accounts import Actor

    store = Store(f"sqlite:///{data / 'qualframe.db'}")
    with acc.audited(store, Actor("cli:test")) as tx:
        acc.create_org(tx, ORG, "standards-body", {"kk": "АКТ стандарттар кеңесі", "en": "ICT standards body"})
    make_user(store, "dev@example.kz", roles={ORG: ["developer"]})
    make_user(store, "rev@example.kz", roles={ORG: ["reviewer"]})
    store.close()


def _login(browser: Any, server: str, email: str) -> Any:
    ctx = browser.new_context(base_url=server, viewport=VIEWPORT, accept_downloads=True)
    pg = ctx.new_page()
    errors = page_errors(pg, console=False)
    sign_in(pg, email)
    pg.errors = errors  # type: ignore[attr-defined]
    return pg


def _submit(pg: Any, form: str) -> None:
    """Submit an API form of the editor and wait for the page to reload (or show an error)."""
    with pg.expect_navigation():
        pg.locator(form).locator("button[type=submit]").first.click()


def test_working_group_drafts_reviews_publishes_and_downloads(browser: Any, served: tuple[str, Path],
                                                              shots: Path) -> None:
    server, data = served
    _people(data)

    dev = _login(browser, server, "dev@example.kz")
    dev.goto(f"/standards/{ORG}")
    dev.fill("#n-kk", "Бағдарламалық қамтамасыз етуді әзірлеу")
    dev.fill("#n-ru", "Разработка программного обеспечения")
    with dev.expect_navigation(url="**/edit"):
        dev.click("#new-standard button[type=submit]")
    edit_url = dev.url
    # a card on framework row 3.1-05 (NQF 5, SQF 51)
    dev.select_option("#new-card-row", "3.1-05")
    dev.fill("#new-card input[name='fields.name.kk']", "Бағдарламашы")
    dev.fill("#new-card input[name='fields.name.ru']", "Программист")
    dev.select_option("#new-card select[name='fields.isco']", "2512")
    _submit(dev, "#new-card")
    assert dev.locator(".card-edit").count() == 1
    assert "3.1-05-c1" in dev.content()  # competences pre-filled from the row, with their descriptor
    # a labour function, a skill, an ability from the row's offers and a knowledge item
    card = dev.locator(".card-edit").first
    fn_form = card.locator("form.add-form:has(input[name=kind][value=function])")
    fn_form.locator("textarea[name='fields.name.kk']").fill("Бағдарламалық кодты әзірлеу және тестілеу")
    fn_form.locator("textarea[name='fields.name.ru']").fill("Разработка и тестирование программного кода")
    with dev.expect_navigation():
        fn_form.locator("button").click()
    sk_form = dev.locator(".function form.add-form:has(input[name=kind][value=skill])")
    sk_form.locator("textarea[name='fields.name.kk']").fill("Бағдарламалау")
    sk_form.locator("textarea[name='fields.name.ru']").fill("Программирование")
    with dev.expect_navigation():
        sk_form.locator("button").click()
    with dev.expect_navigation():
        dev.locator(".abilities form.offer button").click()
    kn_form = dev.locator(".knowledge form.add-form:has(input[name=kind][value=knowledge])").first
    kn_form.locator("textarea[name='fields.text.kk']").fill("Бағдарламалау тілдерін және алгоритмдерді білу")
    kn_form.locator("textarea[name='fields.text.ru']").fill("Знание языков программирования и алгоритмов")
    with dev.expect_navigation():
        kn_form.locator("button").click()
    assert "3.1-05-s1" in dev.content()  # the ability keeps its descriptor
    assert dev.locator(".suggest").count() >= 3  # closest descriptors with their level
    dev.evaluate("document.querySelector('#checks').scrollIntoView()")
    dev.screenshot(path=str(shots / "standard-editor.png"), full_page=False)
    _submit(dev, "#workflow form:has(#btn-submit)")
    assert dev.locator("#status").get_attribute("data-status") == "in_review", dev.locator("#workflow").inner_text()

    rev = _login(browser, server, "rev@example.kz")
    rev.goto(edit_url)
    rev.fill("#comment-form textarea", "Негізгі мақсатын толтырыңыз")
    _submit(rev, "#comment-form")
    _submit(rev, "#workflow form:has(#btn-return)")
    assert rev.locator("#status").get_attribute("data-status") == "draft"
    dev.goto(edit_url)
    assert "Негізгі мақсатын толтырыңыз" in dev.content()
    purpose = dev.locator(".card-edit form.element-form").first
    purpose.locator("textarea[name='fields.purpose.kk']").fill("Бағдарламалық қамтамасыз етуді әзірлеу")
    purpose.locator("textarea[name='fields.purpose.ru']").fill("Разработка программного обеспечения")
    _submit(dev, ".card-edit form.element-form >> nth=0")
    _submit(dev, "#workflow form:has(#btn-submit)")
    rev.goto(edit_url)
    _submit(rev, "#workflow form:has(#btn-approve)")
    _submit(rev, "#workflow form:has(#btn-publish)")
    assert rev.locator("#status").get_attribute("data-status") == "published"
    assert rev.locator("#status").inner_text() == "жарияланған"  # the word in the page's language (kk)

    anon = browser.new_context(base_url=server, viewport=VIEWPORT, accept_downloads=True)
    pg = anon.new_page()
    pg.goto("/standards")
    assert "Бағдарламалық қамтамасыз етуді әзірлеу" in pg.content()
    pg.screenshot(path=str(shots / "standards-register.png"), full_page=False)
    with pg.expect_download() as dl:
        pg.click("table.standards a:text('DOCX kk')")
    from docx import Document

    d = Document(io.BytesIO(Path(dl.value.path()).read_bytes()))
    assert any("Кәсіп карточкалары" in p.text for p in d.paragraphs)
    assert dev.errors == [] and rev.errors == []  # type: ignore[attr-defined]
    for ctx in (dev.context, rev.context, anon):
        ctx.close()
