"""Shared pieces of the browser tests: Debian's Chromium, a real `qualframe serve` on a free port, a page that
fails the test on any console error, signing in through the real log-in form, and where screenshots go
(QUALFRAME_SCREENSHOTS=1: docs/screenshots/)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from accounts_helpers import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parent.parent
VIEWPORT = {"width": 1280, "height": 900}
# every browser test module: `pytestmark = NEEDS_CHROMIUM` (plus pytest.importorskip("playwright.sync_api"))
NEEDS_CHROMIUM = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(data: Path, *, port: int | None = None, env: dict[str, str] | None = None,
          timeout: float = 60) -> Iterator[str]:
    """`qualframe serve` on a fresh SQLite database in `data` (created, migrated and loaded on start); its URL."""
    port = port or free_port()
    environ = {**os.environ, "QUALFRAME_DATA_DIR": str(data), **(env or {})}
    environ.pop("QUALFRAME_DATABASE_URL", None)
    log = (data / "serve.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-c", "from qualframe.cli import main; main()", "serve", "--port",
                             str(port)], env=environ, cwd=data, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                with urllib.request.urlopen(base + "/api/v1/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("qualframe serve did not start: "
                            + (data / "serve.log").read_text(errors="replace")[-2000:])
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright (never `playwright install`: nothing is downloaded)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def page_errors(page: Any, *, console: bool = True) -> list[str]:
    """A list that collects the page's uncaught script errors (and console errors, e.g. a CSP violation)."""
    errors: list[str] = []
    if console:
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


@contextmanager
def checked_page(browser: Any, base_url: str, *, locale: str | None = None, accept_downloads: bool = False,
                 allowed: Callable[[str], bool] | None = None) -> Iterator[Any]:
    """A page in a fresh context on `base_url`; when the block ends normally, any console error the page saw
    (except those `allowed` accepts) fails the test."""
    ctx = browser.new_context(base_url=base_url, viewport=VIEWPORT, locale=locale, accept_downloads=accept_downloads)
    try:
        page = ctx.new_page()
        errors = page_errors(page)
        yield page
    finally:
        ctx.close()
    unexpected = [e for e in errors if not (allowed and allowed(e))]
    assert unexpected == [], f"console errors: {unexpected}"


def sign_in(page: Any, email: str, password: str = PASSWORD, *, lang: str | None = None) -> None:
    """Log in through /login like a person (optionally choosing the interface language first)."""
    page.goto(f"/lang?to={lang}&next=/login" if lang else "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation():
        page.locator("form.login button[type=submit]").click()
    page.wait_for_load_state()


def shots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """docs/screenshots/ with QUALFRAME_SCREENSHOTS=1 (for the README), else a temporary folder."""
    if os.environ.get("QUALFRAME_SCREENSHOTS"):
        d = ROOT / "docs" / "screenshots"
        d.mkdir(parents=True, exist_ok=True)
        return d
    return tmp_path_factory.mktemp("screenshots")
