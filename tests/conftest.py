"""Shared fixtures for the store, API, web and browser tests: a real database, SQLite and PostgreSQL.

PostgreSQL comes from $QUALFRAME_TEST_PG_URL (.ci/run starts a throwaway cluster and sets it); without
it the PostgreSQL half of each parametrised test is skipped with that reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

PG_URL = os.environ.get("QUALFRAME_TEST_PG_URL")
DB_BACKENDS = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    # Starlette's TestClient warns that it will move to another HTTP client; not our concern here.
    config.addinivalue_line("filterwarnings", "ignore:Using `httpx` with `starlette.testclient`")


def _reset_postgres(url: str) -> None:
    """Empty the test database so each test starts from a fresh, unmigrated schema."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=DB_BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A URL to an empty database, once per backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'qualframe.db'}"
        return
    if not PG_URL:
        pytest.skip("PostgreSQL tests need QUALFRAME_TEST_PG_URL (set by .ci/run)")
    _reset_postgres(PG_URL)
    yield PG_URL


@pytest.fixture
def store(db_url: str) -> Iterator[object]:
    """A migrated store with the shipped framework loaded, on each backend."""
    from qualframe.store import Store, prepare

    s = Store(db_url)
    prepare(s)
    yield s
    s.close()


@pytest.fixture
def make_client(db_url: str):
    """Build an app (with its store prepared) on each backend and return a test client for it."""
    from starlette.testclient import TestClient

    from qualframe.store import Store
    from qualframe.web.app import create_app
    from qualframe.web.settings import Settings

    made: list[Store] = []

    def factory(**overrides: object) -> TestClient:
        settings = Settings(database_url=db_url, **overrides)  # type: ignore[arg-type]
        store = Store(db_url)
        made.append(store)
        app = create_app(settings, store=store)
        return TestClient(app, raise_server_exceptions=False, base_url="http://testserver")

    yield factory
    for s in made:
        s.close()


@pytest.fixture
def client(make_client):
    """A test client on the app with default settings, once per database backend."""
    return make_client()
