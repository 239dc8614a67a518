"""Shared fixtures for the store, API, web and browser tests: a real database, SQLite and PostgreSQL.

PostgreSQL: $QUALFRAME_TEST_PG_URL if set; otherwise, when PostgreSQL's binaries are installed, one throwaway
server per session (pytest-postgresql's executor; as root it runs as the `postgres` user, since initdb refuses
root). Without either, the PostgreSQL half of each parametrised test is skipped with that reason. The run
ends with one line grouping every skip by its reason.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

PG_URL = os.environ.get("QUALFRAME_TEST_PG_URL")
DB_BACKENDS = ("sqlite", "postgresql")
PG_TEST_DB = "qualframe_test"
NO_POSTGRES = (
    "PostgreSQL not installed (no pg_ctl on PATH, via pg_config or under /usr/lib/postgresql/*/bin) "
    "and QUALFRAME_TEST_PG_URL not set"
)


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


def find_pg_ctl() -> Path | None:
    """Locate pg_ctl: on PATH, from pg_config, or Debian's versioned directory (not on PATH), newest first."""
    if found := shutil.which("pg_ctl"):
        return Path(found)
    if pg_config := shutil.which("pg_config"):
        bindir = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        if bindir and (Path(bindir) / "pg_ctl").is_file():
            return Path(bindir) / "pg_ctl"
    debian = glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")
    if debian:
        return Path(max(debian, key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0))
    return None


def _pg_ctl_for_this_user(pg_ctl: Path, workdir: Path) -> Path:
    """pg_ctl itself, or as root a wrapper that runs it as `postgres` (initdb and postgres refuse root)."""
    if os.geteuid() != 0:
        return pg_ctl
    try:
        pg_user = pwd.getpwnam("postgres")
    except KeyError:
        pytest.fail("tests run as root and PostgreSQL is installed, but there is no `postgres` user to run it as")
    os.chown(workdir, pg_user.pw_uid, pg_user.pw_gid)
    wrapper = Path(tempfile.mkdtemp(prefix="qualframe-pgctl-")) / "pg_ctl"
    # cd /: the postgres user may not be allowed into the current directory.
    wrapper.write_text(f'#!/bin/sh\ncd / && exec runuser -u postgres -- "{pg_ctl}" "$@"\n')
    wrapper.chmod(0o700)
    return wrapper


@pytest.fixture(scope="session")
def postgresql_test_url() -> Iterator[str]:
    """URL of an empty PostgreSQL database for the session: $QUALFRAME_TEST_PG_URL, or a throwaway server."""
    if PG_URL:
        yield PG_URL
        return
    pg_ctl = find_pg_ctl()
    if pg_ctl is None:
        pytest.skip(NO_POSTGRES)
    from port_for import get_port
    from pytest_postgresql.executor import PostgreSQLExecutor
    from pytest_postgresql.janitor import DatabaseJanitor

    # Our own directory rather than pytest's tmp_path: as root, that one is closed to the postgres user.
    workdir = Path(tempfile.mkdtemp(prefix="qualframe-pg-"))
    executable = _pg_ctl_for_this_user(pg_ctl, workdir)
    port = get_port(None)
    assert port is not None
    server = PostgreSQLExecutor(
        executable=str(executable),
        host="127.0.0.1",
        port=port,
        datadir=str(workdir / "data"),
        unixsocketdir=str(workdir),
        logfile=str(workdir / "server.log"),
        startparams="-w",
        dbname=PG_TEST_DB,
        user="postgres",
        # Durability is pointless for a throwaway cluster and costs seconds per test run.
        postgres_options="-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
    )
    try:
        with server:
            DatabaseJanitor(
                user="postgres", host="127.0.0.1", port=port, version=server.version, dbname=PG_TEST_DB
            ).init()
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/{PG_TEST_DB}"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if executable != pg_ctl:
            shutil.rmtree(executable.parent, ignore_errors=True)


@pytest.fixture(params=DB_BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A URL to an empty database, once per backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'qualframe.db'}"
        return
    url = request.getfixturevalue("postgresql_test_url")  # started lazily: SQLite-only runs need no server
    _reset_postgres(url)
    yield url


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


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Chromium for one browser test module (tests/browser_helpers.py)."""
    from browser_helpers import chromium

    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where a browser test module's screenshots go (docs/screenshots/ with QUALFRAME_SCREENSHOTS=1)."""
    from browser_helpers import shots_dir

    return shots_dir(tmp_path_factory)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """End with one line that says how many tests were skipped and why, grouped by reason."""
    reasons: Counter[str] = Counter()
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reasons[reason.removeprefix("Skipped: ")] += 1
    if not reasons:
        terminalreporter.write_line("skipped 0")
        return
    grouped = "; ".join(f"{reason} ({n})" for reason, n in reasons.most_common())
    terminalreporter.write_line(f"skipped {reasons.total()}: {grouped}")
