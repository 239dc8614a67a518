"""Main journeys in headless Chromium (Debian's /usr/bin/chromium) against a real `qualframe serve`.

Screenshots go to a temporary folder; with QUALFRAME_SCREENSHOTS=1 they go to docs/screenshots/ for
the README.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_helpers import NEEDS_CHROMIUM, checked_page, serve

pytest.importorskip("playwright.sync_api")
pytestmark = NEEDS_CHROMIUM


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real server process on a fresh SQLite database (created, migrated and loaded on start)."""
    data = tmp_path_factory.mktemp("serve")
    with serve(data) as base:
        assert (data / "qualframe.db").exists()
        yield base


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:  # the page fails the test on any console error (e.g. CSP)
    with checked_page(browser, server, locale="kk-KZ") as pg:
        yield pg


def _in_viewport(pg, selector: str) -> bool:
    box = pg.locator(selector).bounding_box()
    vp = pg.viewport_size
    return bool(box) and 0 <= box["y"] < vp["height"]


def test_browse_matrix_open_level_and_jump_to_source(page, shots: Path) -> None:
    page.goto("/")
    assert "Күші жойылған" in page.locator("#legal-status").inner_text()
    page.get_by_role("link", name="3.1").first.click()
    page.wait_for_url("**/areas/3.1")
    rows = page.locator("table.matrix tbody tr")
    assert rows.count() == 10
    page.screenshot(path=str(shots / "matrix.png"))
    page.locator("table.matrix a.lvl-link", has_text="62").click()
    page.wait_for_url("**/levels/3.1-07")
    assert page.locator("h1").inner_text().startswith("3.1")
    page.screenshot(path=str(shots / "level.png"))
    page.locator('li[id="3.1-07-c1"] a.src').click()
    page.wait_for_url("**/source?from=498&to=498#L498")
    assert "hl" in (page.locator("#L498").get_attribute("class") or "")
    assert _in_viewport(page, "#L498")
    page.screenshot(path=str(shots / "source.png"))


def test_compare_two_levels(page, shots: Path) -> None:
    page.goto("/compare")
    page.select_option("#pick-a", "3.2-04")
    page.select_option("#pick-b", "3.2-05")
    page.get_by_role("button", name="Салыстыру").click()
    page.wait_for_url("**/compare?a=3.2-04&b=3.2-05")  # htmx swapped the result in and pushed the URL
    page.locator("#comparison h2").wait_for()
    assert page.locator("#comparison section.cmp-col").count() == 3
    assert page.locator("#comparison ins").count() > 0
    page.screenshot(path=str(shots / "compare.png"), full_page=False)


def test_search_as_you_type(page, shots: Path) -> None:
    page.goto("/search")
    page.locator("#q").press_sequentially("бағдарламалау", delay=20)
    page.locator("#results ol.results li").first.wait_for(timeout=10000)  # no Enter: htmx on input
    assert page.locator("#results ol.results li").count() > 0
    assert "q=" in page.url
    first = page.locator("#results ol.results li a.lvl-link").first
    href = first.get_attribute("href")
    assert href and href.startswith("/levels/")
    page.screenshot(path=str(shots / "search.png"))


def test_place_a_job(page, browser, server: str, shots: Path) -> None:
    page.goto("/match")
    page.fill("#text", "Желілік инженер: байланыс желілерін жобалау, пайдалану, топқа басшылық ету")
    page.get_by_role("button", name="Деңгейді ұсыну").click()
    page.locator("#suggestions li.suggestion").first.wait_for(timeout=15000)
    first = page.locator("#suggestions li.suggestion").first
    assert first.locator("ul.evidence li").count() > 0
    assert first.locator("a.src").first.get_attribute("href").startswith("/source?from=")
    page.screenshot(path=str(shots / "match.png"))
    # the same without JavaScript: a plain form post, the whole page comes back
    ctx = browser.new_context(base_url=server, java_script_enabled=False)
    pg = ctx.new_page()
    pg.goto("/match")
    pg.fill("#text", "software developer")
    pg.get_by_role("button", name="Деңгейді ұсыну").click()
    pg.wait_for_load_state()
    assert pg.locator("#suggestions li.suggestion").count() > 0
    ctx.close()


def test_switch_language_and_keep_it(page, shots: Path) -> None:
    page.goto("/levels/3.1-07")
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/levels/3.1-07")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".badge.unofficial").first.is_visible()
    assert page.get_by_text("Only the Kazakh text is official.").first.is_visible()
    page.screenshot(path=str(shots / "level-en.png"))
    page.get_by_role("link", name="Areas").click()
    assert page.locator("html").get_attribute("lang") == "en"  # remembered in a cookie
    page.get_by_role("link", name="Русский").click()
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.get_by_text("неофициальный перевод").first.is_visible()


def test_keyboard_phone_and_print(page, browser, server: str, shots: Path) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.emulate_media(media="print")
    assert not page.locator("nav.main-nav").is_visible()
    ctx = browser.new_context(base_url=server, viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = ctx.new_page()
    phone.goto("/areas/3.1")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 391, f"page is {width}px wide on a 390px phone"
    phone.screenshot(path=str(shots / "matrix-phone.png"))
    ctx.close()
