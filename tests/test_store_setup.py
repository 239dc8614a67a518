"""First-time setup on real SQLite and PostgreSQL: processes starting together, the setup lock, the fast path
on an up-to-date database, migrations equal to the models, and batched writes of large frameworks."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

import qualframe
from qualframe.store import Store, StoreError, prepare
from qualframe.store.models import AreaRow, DescriptorRow, FrameworkRow, LevelRowRow, TranslationRow
from qualframe.store.store import MIGRATIONS_DIR, migration_heads

sys.path.insert(0, str(Path(__file__).resolve().parent))
import case_gen as g

ROUNDS = 4  # fresh databases per backend in the race test

# A child process: import everything, say it is ready, wait for the go file, then run prepare() and print
# its result as JSON. The go file makes both children call prepare() at the same moment.
CHILD = textwrap.dedent("""
    import json, os, sys, time
    from qualframe.store import Store, prepare
    url, ready, go = sys.argv[1:4]
    store = Store(url)
    open(ready, "w").close()
    while not os.path.exists(go):
        time.sleep(0.002)
    r = prepare(store)
    print(json.dumps({"migrated": r.migrated, "loaded": r.loaded}))
""")


def _fresh(db_url: str, tmp: Path, n: int) -> str:
    """An empty database: a new SQLite file, or the PostgreSQL test database emptied again."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp / f'race{n}.db'}"
    from conftest import _reset_postgres

    _reset_postgres(db_url)
    return db_url


def _start_together(url: str, tmp: Path, n: int = 2) -> list[subprocess.CompletedProcess[str]]:
    procs, readies = [], []
    go = tmp / "go"
    go.unlink(missing_ok=True)
    for i in range(n):
        ready = tmp / f"ready{i}"
        ready.unlink(missing_ok=True)
        readies.append(ready)
        procs.append(subprocess.Popen([sys.executable, "-c", CHILD, url, str(ready), str(go)],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    deadline = time.monotonic() + 120
    while not all(r.exists() for r in readies):
        assert time.monotonic() < deadline, "children did not start"
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        time.sleep(0.01)
    go.touch()
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=300)
        out.append(subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr))
    return out


def test_processes_starting_together_on_a_fresh_database_both_succeed(db_url: str, tmp_path: Path) -> None:
    """Issue 9: one of two processes starting on a fresh database failed (table exists / UNIQUE)."""
    fw = qualframe.load()
    n_desc = sum(1 for _ in fw.descriptors())
    for n in range(ROUNDS):
        url = _fresh(db_url, tmp_path, n)
        runs = _start_together(url, tmp_path)
        for r in runs:
            assert r.returncode == 0, r.stderr[-2000:]
        results = [json.loads(r.stdout) for r in runs]
        # exactly one migrated and loaded; the other waited and found nothing to do
        assert sorted(x["migrated"] for x in results) == [False, True], results
        assert sorted(x["loaded"] for x in results) == [False, True], results
        s = Store(url)
        try:
            assert s.current_revision() == s.head_revision()
            with s.engine.connect() as conn:
                assert conn.execute(select(func.count()).select_from(FrameworkRow)).scalar() == 1
                assert conn.execute(select(func.count()).select_from(DescriptorRow)).scalar() == n_desc
            assert s.get_framework(fw.id) == fw
        finally:
            s.close()


HOLDER_WAITS = textwrap.dedent("""
    import sys
    from qualframe.store import Store, StoreError
    s = Store(sys.argv[1])
    try:
        with s.setup_lock(timeout=0.5):
            print("acquired")
    except StoreError as exc:
        print("refused:", exc)
""")


def test_setup_lock_is_held_across_processes(db_url: str) -> None:
    """While one process holds the setup lock, another cannot take it (it times out with a clear error)."""
    s = Store(db_url)
    try:
        # taken twice: re-entrant within the process (prepare() holds it around migrate())
        with s.setup_lock(), s.setup_lock():
            r = subprocess.run([sys.executable, "-c", HOLDER_WAITS, db_url], capture_output=True, text=True,
                               timeout=120)
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith("refused:"), r.stdout
        assert "setup lock" in r.stdout
        # released: now the other process gets it
        r = subprocess.run([sys.executable, "-c", HOLDER_WAITS, db_url], capture_output=True, text=True, timeout=120)
        assert r.stdout.strip() == "acquired", (r.stdout, r.stderr)
    finally:
        s.close()


def test_up_to_date_database_starts_without_alembic_or_the_setup_lock(db_url: str) -> None:
    """The fast path: on a migrated, loaded database prepare() neither imports Alembic nor writes, and it does
    not wait for the setup lock (held here by another process's Store the whole time)."""
    s = Store(db_url)
    prepare(s)
    code = textwrap.dedent("""
        import json, sys
        from qualframe.store import Store, prepare
        r = prepare(Store(sys.argv[1]))  # would wait for the lock (300 s, past the timeout below) if it took it
        print(json.dumps([r.migrated, r.loaded, "alembic" in sys.modules, "filelock" in sys.modules]))
    """)
    try:
        with s.setup_lock():
            r = subprocess.run([sys.executable, "-c", code, db_url], capture_output=True, text=True, timeout=120)
    finally:
        s.close()
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == [False, False, False, False]


def test_migration_heads_equal_alembics() -> None:
    """`migration_heads()` reads the scripts without Alembic; it must agree with Alembic's own answer."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert migration_heads() == frozenset(ScriptDirectory.from_config(cfg).get_heads())
    assert migration_heads()


def test_migrations_from_empty_equal_the_models(db_url: str) -> None:
    """Every migration run from an empty database gives exactly the schema of the models (all heads)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from qualframe.store.tables import Base

    s = Store(db_url)
    try:
        assert s.current_revision() is None
        assert s.migrate() is True and s.migrate() is False
        assert set((s.current_revision() or "").split("+")) == set(migration_heads())
        with s.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        s.close()


def test_newer_database_is_a_clear_error(db_url: str) -> None:
    """A database migrated by a newer qualframe (an unknown revision) is refused with a StoreError."""
    from sqlalchemy import text

    s = Store(db_url)
    try:
        s.migrate()
        with s.engine.begin() as conn:
            conn.execute(text("DELETE FROM alembic_version"))
            conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('9999')"))
        with pytest.raises(StoreError, match=r"migrating .* failed.*9999"):
            s.migrate()
    finally:
        s.close()


def test_large_framework_written_in_batches_keeps_every_link(db_url: str) -> None:
    """2,400 items over 1,200 areas (more than one insert batch): every row under its own area, in order."""
    from qualframe.interop.case_import import parse_package_bytes
    from qualframe.store.case import import_package

    n = 1200
    codes = {i: f"A{i}" for i in range(n)} | {n + i: f"R{i}" for i in range(n)}
    pkg = g.package(2 * n, [(i, -1) for i in range(n)] + [(n + i, i) for i in range(n)], tag="batches",
                    codes=codes)
    s = Store(db_url)
    try:
        s.migrate()
        res = import_package(parse_package_bytes(g.to_bytes(pkg), "batches.json"), s)
        fw = s.get_framework(res.framework_id)
        assert [a.code for a in fw.areas] == [f"A{i}" for i in range(n)]
        assert [[r.id for r in a.levels] for a in fw.areas] == [[f"R{i}"] for i in range(n)]
        with s.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(AreaRow)).scalar() == n
            assert conn.execute(select(func.count()).select_from(LevelRowRow)).scalar() == n
            assert conn.execute(select(func.count()).select_from(TranslationRow)).scalar() == 0
    finally:
        s.close()
