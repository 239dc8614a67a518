"""The store: frameworks in a database (SQLite by default, PostgreSQL by URL), behind a small typed API.

Data flows one way: a `Framework` (from the shipped dataset or an importer) is written by
`load_framework` in one transaction; views read it back with `get_framework` and friends. A load is
idempotent (skipped when the content hash is unchanged) and atomic (a failure leaves the previous
version in place).
"""

from __future__ import annotations

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

from sqlalchemy import Connection, Engine, create_engine, delete, event, insert, inspect, select
from sqlalchemy.exc import SQLAlchemyError

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
DB_FILENAME = "qualframe.db"

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
                 kind: str, origin: str) -> str:
    """Hash of everything a load writes, so an unchanged framework is not written twice."""
    h = hashlib.sha256()
    h.update(f"{kind}\0{origin}\0".encode())
    h.update(dumps(fw).encode("utf-8"))
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
        from alembic.script import ScriptDirectory

        heads = ScriptDirectory.from_config(self._alembic_config()).get_heads()
        return "+".join(sorted(heads)) or None

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            heads = MigrationContext.configure(conn).get_current_heads()
        return "+".join(sorted(heads)) or None

    def migrate(self) -> bool:
        """Bring the schema to the newest revision; True if anything was applied."""
        from alembic import command

        head = self.head_revision()
        cfg = self._alembic_config()
        try:
            if self.current_revision() == head:
                return False
            with self.engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "heads")
        except SQLAlchemyError as exc:
            raise StoreError(f"migrating {self!r} to {head} failed: {exc.__class__.__name__}: {exc}") from exc
        return True

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
        """Changes whenever any framework is loaded or deleted (cache validators hang off it)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(FrameworkRow.id, FrameworkRow.content_hash).order_by(FrameworkRow.id)).all()
        return hashlib.sha256(";".join(f"{a}={b}" for a, b in rows).encode()).hexdigest()[:20]

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
        digest = content_hash(fw, translations, source, kind, origin)
        current = self.conn.execute(
            select(FrameworkRow.content_hash).where(FrameworkRow.id == fw.id)
        ).scalar_one_or_none()
        if current == digest:
            return False
        if current is not None:
            _delete_framework(self.conn, fw.id)
        _insert_framework(self.conn, fw, digest, translations, source, kind, origin)
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

def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _short(exc: Exception) -> str:
    msg = str(getattr(exc, "orig", None) or exc)
    return msg.splitlines()[0][:300] if msg else exc.__class__.__name__


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _delete_framework(conn: Connection, framework_id: str) -> None:
    for table in _CHILD_TABLES:
        conn.execute(delete(table).where(table.framework_id == framework_id))
    conn.execute(delete(FrameworkRow).where(FrameworkRow.id == framework_id))


def _span(s: SourceSpan | None) -> dict[str, int | None]:
    return {"line_start": s.line_start if s else None, "line_end": s.line_end if s else None}


def _insert_framework(conn: Connection, fw: Framework, digest: str, translations: TranslationBundle | None,
                      source: SourceText | None, kind: str, origin: str) -> None:
    conn.execute(insert(FrameworkRow).values(
        id=fw.id, kind=kind, origin=origin, title=dict(fw.title), status=fw.legal.status,
        legal=fw.legal.to_dict(), source_file=dict(fw.source_file), content_hash=digest, document=dumps(fw),
        loaded_at=datetime.now(UTC),
    ))
    descriptors: list[dict[str, Any]] = []
    for a_pos, area in enumerate(fw.areas):
        area_pk = conn.execute(insert(AreaRow).values(
            framework_id=fw.id, code=area.code, position=a_pos, title=dict(area.title), annex=area.annex,
            header_printed=area.header_printed, **_span(area.source),
        ).returning(AreaRow.pk)).scalar_one()
        if area.oked:
            conn.execute(insert(OkedCodeRow), [
                {"framework_id": fw.id, "area_pk": area_pk, "position": i, "code": o.code, "name": dict(o.name),
                 "errata": list(o.errata), **_span(o.source)}
                for i, o in enumerate(area.oked)
            ])
        for row in area.levels:
            row_pk = conn.execute(insert(LevelRowRow).values(
                framework_id=fw.id, area_pk=area_pk, row_id=row.id, position=row.position,
                nqf_level=row.nqf_level, sqf_level=row.sqf_level, sublevel=row.sublevel,
                sublevel_kind=row.sublevel_kind, level_source=row.level_source,
                level_evidence=row.level_evidence, level_candidates=list(row.level_candidates), **_span(row.source),
            ).returning(LevelRowRow.pk)).scalar_one()
            descriptors.extend(
                {"framework_id": fw.id, "row_pk": row_pk, "descriptor_id": d.id, "column": d.column,
                 "order": d.order, "text": d.text, **_span(d.source)}
                for d in row.descriptors
            )
    if descriptors:
        conn.execute(insert(DescriptorRow), descriptors)
    if fw.errata:
        conn.execute(insert(ErratumRow), [
            {"framework_id": fw.id, "erratum_id": e.id, "position": i, "kind": e.kind, "target": e.target,
             "evidence": e.evidence, "explanation": e.explanation, "suggestion": e.suggestion, **_span(e.source)}
            for i, e in enumerate(fw.errata)
        ])
    stmts = [(s, False) for s in fw.statements] + [(s, True) for s in fw.notes]
    if stmts:
        conn.execute(insert(StatementRow), [
            {"framework_id": fw.id, "statement_id": s.id, "is_note": note, "position": i, "section": s.section,
             "item": s.item, "subitem": s.subitem, "role": s.role, "text": s.text, **_span(s.source)}
            for i, (s, note) in enumerate(stmts)
        ])
    rows = [{"framework_id": fw.id, "lang": lang, "key": key, "text": text, "kk_sha": sha}
            for lang, items in (translations or {}).items() for key, (text, sha) in items.items()]
    if rows:
        conn.execute(insert(TranslationRow), rows)
    if source is not None:
        conn.execute(insert(SourceTextRow).values(
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

