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
