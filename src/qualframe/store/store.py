"""The store: frameworks in a database (SQLite by default, PostgreSQL by URL), behind a small typed API.

Data flows one way: a `Framework` (from the shipped dataset or an importer) is written by
`load_framework` in one transaction; views read it back with `get_framework` and friends. A load is
idempotent (skipped when the content hash is unchanged) and atomic (a failure leaves the previous
version in place).
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, delete, event, func, insert, inspect, select, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from qualframe.dataset import dumps
from qualframe.model import (
    Area,
    Descriptor,
    Erratum,
    Framework,
    LevelRow,
    OkedCode,
    SourceSpan,
    Statement,
)
from qualframe.model.framework import LegalMetadata
from qualframe.model.messages import Message
from qualframe.store.base import aware as _aware
from qualframe.store.models import (
    AreaRow,
    DescriptorRow,
    ErratumRow,
    FrameworkRow,
    LevelRowRow,
    OkedCodeRow,
    SourceTextRow,
    StatementRow,
    TranslationRow,
)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Other capabilities' publicly served content that `Store.state_token` covers: plain SQL here, so the token
# never depends on which table modules a process happens to have imported (routers are built lazily).
STATE_QUERIES: tuple[str, ...] = (
    "SELECT count(*), max(published_at) FROM standard_versions WHERE status = 'published'",
)
DB_FILENAME = "qualframe.db"
# pg_advisory_xact_lock key of first-time setup (migrations + first load): any fixed bigint.
SETUP_LOCK_KEY = 0x7166_5345_5455_50  # "qfSETUP"
SETUP_LOCK_TIMEOUT = 300.0  # seconds a process waits for another one's migration and load

# Child tables in the order they are emptied before a framework is replaced.
_CHILD_TABLES = (DescriptorRow, LevelRowRow, OkedCodeRow, AreaRow, ErratumRow, StatementRow, TranslationRow,
                 SourceTextRow)


class StoreError(Exception):
    """A store operation failed; the message says which framework and why."""


@dataclass(frozen=True, slots=True)
class FrameworkInfo:
    """A framework's summary row, enough for listings and cache validators."""

    id: str
    kind: str
    origin: str
    title: dict[str, str]
    status: str
    content_hash: str
    loaded_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "origin": self.origin,
            "title": dict(self.title),
            "status": self.status,
            "content_hash": self.content_hash,
            "loaded_at": self.loaded_at.isoformat(),
        }


# A translation bundle: {lang: {key: (text, kk_sha or None)}}.
TranslationBundle = Mapping[str, Mapping[str, tuple[str, str | None]]]


@dataclass(frozen=True, slots=True)
class SourceText:
    name: str
    sha256: str
    text: str

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(self.text.split("\n"))


def data_dir() -> Path:
    """Where the default SQLite file lives: $QUALFRAME_DATA_DIR or ./var under the current directory."""
    return Path(os.environ.get("QUALFRAME_DATA_DIR") or Path.cwd() / "var")


def normalise_url(url: str) -> str:
    """Accept plain postgres URLs and pick the psycopg 3 driver that qualframe installs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def default_url() -> str:
    """$QUALFRAME_DATABASE_URL if set, else an SQLite file in the data directory (created if missing)."""
    env = os.environ.get("QUALFRAME_DATABASE_URL")
    if env:
        return normalise_url(env)
    d = data_dir()
    d.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{d / DB_FILENAME}"


def content_hash(fw: Framework, translations: TranslationBundle | None, source: SourceText | None,
                 kind: str, origin: str, document: str | None = None) -> str:
    """Hash of everything a load writes, so an unchanged framework is not written twice.

    `document` is `dumps(fw)` when the caller has it already (it is the slow part for a large framework).
    """
    h = hashlib.sha256()
    h.update(f"{kind}\0{origin}\0".encode())
    h.update((dumps(fw) if document is None else document).encode("utf-8"))
    if translations:
        h.update(json.dumps({lang: {k: list(v) for k, v in sorted(items.items())}
                             for lang, items in sorted(translations.items())},
                            ensure_ascii=False, sort_keys=True).encode("utf-8"))
    if source:
        h.update(f"\0{source.name}\0{source.sha256}".encode())
    return h.hexdigest()


class Store:
    """A database holding any number of frameworks."""

    def __init__(self, url: str | None = None, *, echo: bool = False) -> None:
        self.url = normalise_url(url) if url else default_url()
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if self.url.startswith("sqlite"):
            path = self.url.split("///", 1)[1] if "///" in self.url else ""
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._listeners: list[Callable[[str], None]] = []
        self._lock = threading.Lock()
        self._setup_mutex = threading.RLock()
        self._setup_depth = 0

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"

    # --- schema -----------------------------------------------------------------------------------
    def _alembic_config(self) -> Any:
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        return cfg

    def head_revision(self) -> str | None:
        """The newest revision ("a+b" while capabilities are developed on parallel migration branches)."""
        return "+".join(sorted(migration_heads())) or None

    def current_revision(self) -> str | None:
        """The revision(s) the database is at ("a+b" with several heads), None before the first migration."""
        with self.engine.connect() as conn:
            return "+".join(sorted(_current_heads(conn))) or None

    @contextmanager
    def setup_lock(self, timeout: float = SETUP_LOCK_TIMEOUT) -> Iterator[None]:
        """Hold the database's setup lock: one process at a time migrates and loads (re-entrant).

        PostgreSQL: a transaction-level advisory lock on a connection of its own (released by the server
        even if this process dies); SQLite: an exclusive lock on the file `<database>.setup-lock` next to
        it. Callers re-check the state after acquiring it, since another process may have done the work.
        """
        with self._setup_mutex:
            if self._setup_depth:
                self._setup_depth += 1
                try:
                    yield
                finally:
                    self._setup_depth -= 1
                return
            with self._cross_process_lock(timeout):
                self._setup_depth = 1
                try:
                    yield
                finally:
                    self._setup_depth = 0

    @contextmanager
    def _cross_process_lock(self, timeout: float) -> Iterator[None]:
        if self.dialect == "postgresql":
            conn = None
            try:
                conn = self.engine.connect()
                # SET takes no bind parameters; the value is an int formatted here.
                conn.execute(text(f"SET LOCAL lock_timeout = {int(timeout * 1000)}"))
                conn.execute(select(func.pg_advisory_xact_lock(SETUP_LOCK_KEY)))
            except OperationalError as exc:
                if conn is not None:
                    conn.close()
                raise StoreError(f"waiting for the setup lock of {self!r} failed: {_short(exc)}") from exc
            try:
                yield
            finally:
                conn.close()  # rolls the lock's transaction back, which releases the lock
            return
        path = self._sqlite_path()
        if path is None:  # in-memory: one process only
            yield
            return
        from filelock import FileLock, Timeout

        lock = FileLock(f"{path}.setup-lock", timeout=timeout)
        try:
            lock.acquire()
        except Timeout:
            raise StoreError(f"another process has held the setup lock {path}.setup-lock for over "
                             f"{timeout:.0f} s; is a migration still running?") from None
        except OSError as exc:
            raise StoreError(f"cannot create the setup lock {path}.setup-lock: {exc}") from exc
        try:
            yield
        finally:
            lock.release()

    def _sqlite_path(self) -> str | None:
        db = self.engine.url.database
        return db if self.dialect == "sqlite" and db and db != ":memory:" and not db.startswith("file:") else None

    def migrate(self) -> bool:
        """Bring the schema to the newest revision(s); True if anything was applied.

        Cheap when the database is up to date (one query, Alembic is not even imported); otherwise the
        migrations run under the setup lock, so processes starting together migrate once.
        """
        heads = migration_heads()
        try:
            with self.engine.connect() as conn:
                if _current_heads(conn) == heads:
                    return False
            with self.setup_lock():
                with self.engine.connect() as conn:
                    if _current_heads(conn) == heads:
                        return False  # another process migrated while this one waited
                self._upgrade()
        except SQLAlchemyError as exc:
            raise StoreError(f"migrating {self!r} to {self.head_revision()} failed: "
                             f"{exc.__class__.__name__}: {exc}") from exc
        return True

    def _upgrade(self) -> None:
        from alembic import command
        from alembic.util import CommandError

        cfg = self._alembic_config()
        try:
            with self.engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "heads")
        except CommandError as exc:  # e.g. a database migrated by a newer qualframe
            raise StoreError(f"migrating {self!r} to {self.head_revision()} failed: {exc}") from exc

    def table_names(self) -> list[str]:
        return sorted(inspect(self.engine).get_table_names())

    # --- writing ----------------------------------------------------------------------------------
    def on_change(self, callback: Callable[[str], None]) -> None:
        """Call `callback(framework_id)` after a framework is (re)loaded or deleted by this Store."""
        self._listeners.append(callback)

    def _changed(self, framework_id: str) -> None:
        for cb in self._listeners:
            cb(framework_id)

    @contextmanager
    def writing(self) -> Iterator[Writer]:
        """One locked transaction for writes that go together (a load, or a CASE import with its own rows).

        Everything inside commits or nothing does; listeners hear of the frameworks it changed only after
        the commit.
        """
        with self._lock:
            with self.engine.begin() as conn:
                writer = Writer(conn)
                yield writer
            for fid in dict.fromkeys(writer.changed):
                self._changed(fid)

    def is_current(self, fw: Framework, *, translations: TranslationBundle | None = None,
                   source: SourceText | None = None, kind: str = "sqf", origin: str = "shipped") -> bool:
        """True when the schema is at the newest revision and `fw` is loaded exactly as given: two reads, no
        lock and no write, so a restart on a ready database skips the setup lock (`prepare`)."""
        digest = content_hash(fw, translations, source, kind, origin)
        try:
            with self.engine.connect() as conn:
                if _current_heads(conn) != migration_heads():
                    return False
                stored = conn.execute(select(FrameworkRow.content_hash).where(FrameworkRow.id == fw.id)
                                      ).scalar_one_or_none()
        except SQLAlchemyError:
            return False  # e.g. no tables yet: the locked path reports real errors
        return stored == digest

    def load_framework(self, fw: Framework, *, translations: TranslationBundle | None = None,
                       source: SourceText | None = None, kind: str = "sqf", origin: str = "shipped") -> bool:
        """Write `fw` (replacing an older version) in one transaction; False if already loaded as is."""
        try:
            with self.writing() as w:
                return w.put_framework(fw, translations=translations, source=source, kind=kind, origin=origin)
        except SQLAlchemyError as exc:
            raise StoreError(
                f"loading framework {fw.id!r} failed and was rolled back (the previous version, if any, "
                f"is unchanged): {exc.__class__.__name__}: {_short(exc)}"
            ) from exc

    def delete_framework(self, framework_id: str) -> bool:
        with self.writing() as w:
            return w.delete_framework(framework_id)

    # --- reading ----------------------------------------------------------------------------------
    def frameworks(self) -> list[FrameworkInfo]:
        cols = (FrameworkRow.id, FrameworkRow.kind, FrameworkRow.origin, FrameworkRow.title,
                FrameworkRow.status, FrameworkRow.content_hash, FrameworkRow.loaded_at)
        with self.engine.connect() as conn:
            rows = conn.execute(select(*cols).order_by(FrameworkRow.id)).all()
        return [FrameworkInfo(r[0], r[1], r[2], dict(r[3]), r[4], r[5], _aware(r[6])) for r in rows]

    def state_token(self) -> str:
        """Changes whenever any framework is loaded or deleted, or another capability's public content
        changes (`STATE_QUERIES`, e.g. a standard is published): cache validators hang off it."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(FrameworkRow.id, FrameworkRow.content_hash).order_by(FrameworkRow.id)).all()
            try:
                extra = "".join(f";{tuple(conn.execute(text(q)).one())}" for q in STATE_QUERIES)
            except SQLAlchemyError:
                # a database not yet migrated to head lacks newer capabilities' tables: they add nothing then;
                # at head the failure is a real one
                conn.rollback()
                if _current_heads(conn) == migration_heads():
                    raise
                extra = ""
        return hashlib.sha256((";".join(f"{a}={b}" for a, b in rows) + extra).encode()).hexdigest()[:20]

    def framework_document(self, framework_id: str) -> str:
        """The canonical grid JSON exactly as loaded."""
        with self.engine.connect() as conn:
            doc = conn.execute(
                select(FrameworkRow.document).where(FrameworkRow.id == framework_id)
            ).scalar_one_or_none()
        if doc is None:
            raise KeyError(f"no framework {framework_id!r} in the store")
        return doc

    def translations(self, framework_id: str, lang: str) -> dict[str, str]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(TranslationRow.key, TranslationRow.text).where(
                    TranslationRow.framework_id == framework_id, TranslationRow.lang == lang
                )
            ).all()
        return {k: t for k, t in rows}

    def source_text(self, framework_id: str) -> SourceText | None:
        with self.engine.connect() as conn:
            r = conn.execute(
                select(SourceTextRow.name, SourceTextRow.sha256, SourceTextRow.text).where(
                    SourceTextRow.framework_id == framework_id
                )
            ).first()
        return SourceText(r[0], r[1], r[2]) if r else None

    def get_framework(self, framework_id: str) -> Framework:
        """Rebuild the domain model from the normalised tables (KeyError if absent)."""
        with self.engine.connect() as conn:
            return _read_framework(conn, framework_id)


class Writer:
    """Writes inside one `Store.writing()` transaction; `conn` is there for tables of other modules."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.changed: list[str] = []

    def put_framework(self, fw: Framework, *, translations: TranslationBundle | None = None,
                      source: SourceText | None = None, kind: str = "sqf", origin: str = "shipped") -> bool:
        """Insert or replace `fw`; False (and nothing written) when the same content is already there."""
        document = dumps(fw)
        digest = content_hash(fw, translations, source, kind, origin, document)
        current = self.conn.execute(
            select(FrameworkRow.content_hash).where(FrameworkRow.id == fw.id)
        ).scalar_one_or_none()
        if current == digest:
            return False
        if current is not None:
            _delete_framework(self.conn, fw.id)
        _insert_framework(self.conn, fw, digest, document, translations, source, kind, origin)
        self.changed.append(fw.id)
        return True

    def delete_framework(self, framework_id: str) -> bool:
        exists = self.conn.execute(select(FrameworkRow.id).where(FrameworkRow.id == framework_id)).first()
        if not exists:
            return False
        _delete_framework(self.conn, framework_id)
        self.changed.append(framework_id)
        return True


# --- helpers ------------------------------------------------------------------------------------------

@functools.cache
def migration_heads() -> frozenset[str]:
    """The head revisions of the migrations, read from the scripts' `revision` / `down_revision` lines.

    This is what Alembic's ScriptDirectory.get_heads() answers (tests/test_store_setup.py checks it), without
    importing Alembic or parsing the scripts (each is one line), so starting on an up-to-date database stays
    fast.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        found: dict[str, Any] = {}
        for line in path.read_text(encoding="utf-8").splitlines():  # module-level assignments only
            name, sep, value = line.partition("=")
            name = name.split(":")[0].strip()  # `revision: str = "0007"`
            if sep and not line[:1].isspace() and name in ("revision", "down_revision") and name not in found:
                found[name] = ast.literal_eval(value.split("#", 1)[0].strip())
        if "revision" not in found:
            continue
        revisions.add(found["revision"])
        down = found.get("down_revision")
        parents.update((down,) if isinstance(down, str) else (down or ()))
    return frozenset(revisions - parents)


def _current_heads(conn: Connection) -> frozenset[str]:
    """The revisions recorded in the database's alembic_version table (empty before the first migration)."""
    if not inspect(conn).has_table("alembic_version"):
        return frozenset()
    return frozenset(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _short(exc: Exception) -> str:
    msg = str(getattr(exc, "orig", None) or exc)
    return msg.splitlines()[0][:300] if msg else exc.__class__.__name__



def _delete_framework(conn: Connection, framework_id: str) -> None:
    for table in _CHILD_TABLES:
        conn.execute(delete(table).where(table.framework_id == framework_id))
    conn.execute(delete(FrameworkRow).where(FrameworkRow.id == framework_id))


def _span(s: SourceSpan | None) -> dict[str, int | None]:
    return {"line_start": s.line_start if s else None, "line_end": s.line_end if s else None}


def _insert_many(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """One executemany (the driver batches it) instead of a round trip per row."""
    if rows:
        conn.execute(insert(table.__table__), rows)


def _insert_pks(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert `rows` with one executemany and return their primary keys, in the order of `rows`.

    The keys are drawn first (PostgreSQL: the column's sequence, in one query; SQLite: after the largest
    key, which is stable because the framework row written first in this transaction holds SQLite's
    single write lock), so the rows go in as one plain executemany: 20,000 areas of a flat CASE package
    are not 20,000 round trips (multi-row INSERT ... RETURNING measured 2-3x slower than this).
    """
    if not rows:
        return []
    t = table.__table__
    n = len(rows)
    if conn.dialect.name == "postgresql":
        pks = list(conn.execute(text("SELECT nextval(pg_get_serial_sequence(:t, 'pk')) FROM generate_series(1, :n)"),
                                {"t": t.name, "n": n}).scalars())
    elif conn.dialect.name == "sqlite":
        top = conn.execute(select(func.coalesce(func.max(t.c.pk), 0))).scalar_one()
        pks = list(range(top + 1, top + n + 1))
    else:
        result = conn.execute(insert(t).returning(t.c.pk, sort_by_parameter_order=True), rows)
        return list(result.scalars())
    conn.execute(insert(t), [{**r, "pk": pk} for r, pk in zip(rows, pks, strict=True)])
    return pks


def _insert_framework(conn: Connection, fw: Framework, digest: str, document: str,
                      translations: TranslationBundle | None, source: SourceText | None, kind: str,
                      origin: str) -> None:
    conn.execute(insert(FrameworkRow.__table__).values(
        id=fw.id, kind=kind, origin=origin, title=dict(fw.title), status=fw.legal.status,
        legal=fw.legal.to_dict(), source_file=dict(fw.source_file), content_hash=digest, document=document,
        loaded_at=datetime.now(UTC),
    ))
    area_pks = _insert_pks(conn, AreaRow, [
        {"framework_id": fw.id, "code": area.code, "position": a_pos, "title": dict(area.title),
         "annex": area.annex, "header_printed": area.header_printed, **_span(area.source)}
        for a_pos, area in enumerate(fw.areas)
    ])
    _insert_many(conn, OkedCodeRow, [
        {"framework_id": fw.id, "area_pk": area_pk, "position": i, "code": o.code, "name": dict(o.name),
         "errata": list(o.errata), **_span(o.source)}
        for area, area_pk in zip(fw.areas, area_pks, strict=True) for i, o in enumerate(area.oked)
    ])
    rows = [(area_pk, row) for area, area_pk in zip(fw.areas, area_pks, strict=True) for row in area.levels]
    row_pks = _insert_pks(conn, LevelRowRow, [
        {"framework_id": fw.id, "area_pk": area_pk, "row_id": row.id, "position": row.position,
         "nqf_level": row.nqf_level, "sqf_level": row.sqf_level, "sublevel": row.sublevel,
         "sublevel_kind": row.sublevel_kind, "level_source": row.level_source,
         "level_evidence": row.level_evidence, "level_candidates": list(row.level_candidates), **_span(row.source)}
        for area_pk, row in rows
    ])
    _insert_many(conn, DescriptorRow, [
        {"framework_id": fw.id, "row_pk": row_pk, "descriptor_id": d.id, "column": d.column,
         "order": d.order, "text": d.text, **_span(d.source)}
        for (_, row), row_pk in zip(rows, row_pks, strict=True) for d in row.descriptors
    ])
    _insert_many(conn, ErratumRow, [
        {"framework_id": fw.id, "erratum_id": e.id, "position": i, "kind": e.kind, "target": e.target,
         "evidence": e.evidence, "explanation": e.explanation, "suggestion": e.suggestion, **_span(e.source)}
        for i, e in enumerate(fw.errata)
    ])
    stmts = [(s, False) for s in fw.statements] + [(s, True) for s in fw.notes]
    _insert_many(conn, StatementRow, [
        {"framework_id": fw.id, "statement_id": s.id, "is_note": note, "position": i, "section": s.section,
         "item": s.item, "subitem": s.subitem, "role": s.role, "text": s.text, **_span(s.source)}
        for i, (s, note) in enumerate(stmts)
    ])
    _insert_many(conn, TranslationRow, [
        {"framework_id": fw.id, "lang": lang, "key": key, "text": text, "kk_sha": sha}
        for lang, items in (translations or {}).items() for key, (text, sha) in items.items()
    ])
    if source is not None:
        conn.execute(insert(SourceTextRow.__table__).values(
            framework_id=fw.id, name=source.name, sha256=source.sha256, text=source.text))


def _evidence_messages(document: str) -> dict[str, Message]:
    """Each row's translatable level explanation, kept in the canonical document (it has no column)."""
    try:
        doc = json.loads(document)
    except ValueError:
        return {}
    return {row["id"]: Message.from_dict(row["level_evidence_message"])
            for area in doc.get("areas", ()) for row in area.get("levels", ())
            if isinstance(row, dict) and row.get("level_evidence_message")}


def _read_framework(conn: Connection, framework_id: str) -> Framework:
    f = conn.execute(select(FrameworkRow).where(FrameworkRow.id == framework_id)).first()
    if f is None:
        raise KeyError(f"no framework {framework_id!r} in the store")

    def span(r: Any) -> SourceSpan:
        return SourceSpan(r.line_start, r.line_end)

    descs: dict[int, dict[str, list[Descriptor]]] = {}
    for d in conn.execute(select(DescriptorRow).where(DescriptorRow.framework_id == framework_id)
                             .order_by(DescriptorRow.row_pk, DescriptorRow.column, DescriptorRow.order)):
        descs.setdefault(d.row_pk, {}).setdefault(d.column, []).append(
            Descriptor(d.descriptor_id, d.column, d.order, d.text, span(d)))
    rows: dict[int, list[LevelRow]] = {}
    messages = _evidence_messages(f.document)
    for r in conn.execute(select(LevelRowRow).where(LevelRowRow.framework_id == framework_id)
                             .order_by(LevelRowRow.area_pk, LevelRowRow.position)):
        cols = descs.get(r.pk, {})
        rows.setdefault(r.area_pk, []).append(LevelRow(
            id=r.row_id, position=r.position, nqf_level=r.nqf_level, sqf_level=r.sqf_level,
            level_source=r.level_source, level_evidence=r.level_evidence, source=span(r),
            competences=tuple(cols.get("competences", ())), skills=tuple(cols.get("skills", ())),
            knowledge=tuple(cols.get("knowledge", ())), sublevel=r.sublevel, sublevel_kind=r.sublevel_kind,
            level_candidates=tuple(r.level_candidates or ()), level_evidence_message=messages.get(r.row_id),
        ))
    okeds: dict[int, list[OkedCode]] = {}
    for o in conn.execute(select(OkedCodeRow).where(OkedCodeRow.framework_id == framework_id)
                             .order_by(OkedCodeRow.area_pk, OkedCodeRow.position)):
        okeds.setdefault(o.area_pk, []).append(OkedCode(o.code, dict(o.name), span(o), tuple(o.errata)))
    areas = tuple(
        Area(code=a.code, title=dict(a.title), oked=tuple(okeds.get(a.pk, ())), levels=tuple(rows.get(a.pk, ())),
             source=span(a), header_printed=a.header_printed, annex=a.annex)
        for a in conn.execute(select(AreaRow).where(AreaRow.framework_id == framework_id)
                                 .order_by(AreaRow.position))
    )
    errata = tuple(
        Erratum(e.erratum_id, e.kind, e.target, e.evidence, e.explanation,
                SourceSpan(e.line_start, e.line_end) if e.line_start is not None else None, e.suggestion)
        for e in conn.execute(select(ErratumRow).where(ErratumRow.framework_id == framework_id)
                                 .order_by(ErratumRow.position))
    )
    statements: list[Statement] = []
    notes: list[Statement] = []
    for s in conn.execute(select(StatementRow).where(StatementRow.framework_id == framework_id)
                             .order_by(StatementRow.position)):
        (notes if s.is_note else statements).append(
            Statement(s.statement_id, s.section, s.item, s.subitem, s.text, span(s), s.role))
    return Framework(
        id=f.id, title=dict(f.title), legal=LegalMetadata.from_dict(f.legal), statements=tuple(statements),
        areas=areas, errata=errata, notes=tuple(notes), source_file=dict(f.source_file),
    )

