"""Shared helpers for the accounts tests: a migrated store, people and organisations made through the
real operations (with their audit entries), and log-in through the real web form.

Passwords are hashed with real Argon2id, with the small "test" parameters so that the suites can create
many users (one test checks the production parameters).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest

from qualframe.accounts import passwords

os.environ["QUALFRAME_ARGON2_PROFILE"] = "test"  # inherited by the server processes the tests start
passwords.use_profile("test")

PASSWORD = "correct horse battery"


@pytest.fixture
def acc_store(db_url: str) -> Iterator[Any]:
    """A store migrated to the newest schema (no framework loaded: accounts do not need it)."""
    from qualframe.store import Store

    s = Store(db_url)
    s.migrate()
    yield s
    s.close()


def cli_actor() -> Any:
    from qualframe.store.accounts import Actor

    return Actor("cli:test")


def make_user(store: Any, email: str, *, superuser: bool = False, password: str | None = PASSWORD,
              roles: dict[str, list[str]] | None = None) -> Any:
    """A user with a password and roles ({org slug: [role, ...]}, organisations created as needed)."""
    from qualframe.store import accounts as acc

    with acc.audited(store, cli_actor()) as tx:
        user = acc.create_user(tx, email, None, superuser=superuser, password=password)
        for slug, rs in (roles or {}).items():
            if acc.find_org(tx.conn, slug) is None:
                acc.create_org(tx, slug, "employer", {"kk": slug.upper(), "en": slug.title()})
            for r in rs:
                acc.add_member(tx, slug, email, r)
    return user


def make_token(store: Any, email: str, org: str, role: str | None = None, **kw: Any) -> tuple[str, Any]:
    from qualframe.store import accounts as acc

    with acc.audited(store, cli_actor()) as tx:
        return acc.create_token(tx, email, org, role=role, **kw)


CSRF_RE = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def csrf_from(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no csrf_token field in the page"
    return m.group(1)


def web_login(client: Any, email: str, password: str = PASSWORD) -> Any:
    """Log in through GET /login + POST /login like a browser; returns the POST response."""
    page = client.get("/login")
    assert page.status_code == 200
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
                       follow_redirects=False)
