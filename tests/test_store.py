"""The store on real SQLite and PostgreSQL: migrations, loading, idempotence, atomicity, round trips."""

from __future__ import annotations

import dataclasses
import json

import pytest
from sqlalchemy import select

import qualframe
from qualframe.dataset import dumps
from qualframe.model import Framework
from qualframe.store import Store, StoreError, default_url, normalise_url, prepare, shipped_source
from qualframe.store.models import FrameworkRow
from qualframe.store.tables import Base

FW_ID = qualframe.DEFAULT_FRAMEWORK_ID
TABLES = {"frameworks", "areas", "oked_codes", "level_rows", "descriptors", "errata", "statements",
          "translations", "source_texts", "alembic_version"}


def _with_descriptor_text(fw: Framework, descriptor_id: str, new_text: str, new_id: str | None = None) -> Framework:
    """A copy of `fw` with one descriptor's text (and optionally its id) replaced."""
    areas = []
    for a in fw.areas:
        rows = []
        for r in a.levels:
            cols = {}
            for c in ("competences", "skills", "knowledge"):
                cols[c] = tuple(
                    dataclasses.replace(d, text=new_text, id=new_id or d.id) if d.id == descriptor_id else d
                    for d in r.column(c)
                )
            rows.append(dataclasses.replace(r, **cols))
        areas.append(dataclasses.replace(a, levels=tuple(rows)))
    return dataclasses.replace(fw, areas=tuple(areas))


def test_first_run_creates_migrates_and_loads(db_url: str) -> None:
    s = Store(db_url)
    assert s.current_revision() is None
    result = prepare(s)
    assert result.migrated and result.loaded
    assert set(s.table_names()) >= TABLES
    assert s.current_revision() == s.head_revision()
    # a second run changes nothing
    again = prepare(s)
    assert not again.migrated and not again.loaded
    assert [f.id for f in s.frameworks()] == [FW_ID]


def test_schema_matches_models(store: Store) -> None:
    """The hand-written migration and the SQLAlchemy models describe the same schema."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_round_trip_equals_shipped_framework(store: Store) -> None:
    fw = qualframe.load()
    back = store.get_framework(FW_ID)
    assert back == fw
    assert store.framework_document(FW_ID) == dumps(fw)
    src = store.source_text(FW_ID)
    assert src is not None and src.lines == qualframe.source_lines()
    assert src.sha256 == fw.source_file["sha256"]


def test_info_row(store: Store) -> None:
    (info,) = store.frameworks()
    assert info.status == "repealed" and info.kind == "sqf" and info.origin == "shipped"
    assert info.loaded_at.tzinfo is not None
    assert json.loads(json.dumps(info.to_dict()))["id"] == FW_ID


def test_reload_changed_framework_replaces_it(store: Store) -> None:
    fw = qualframe.load()
    token = store.state_token()
    changed = _with_descriptor_text(fw, "3.1-07-c1", "өзгертілген мәтін")
    assert store.load_framework(changed, source=shipped_source()) is True
    assert store.get_framework(FW_ID).row("3.1-07").competences[0].text == "өзгертілген мәтін"
    assert store.state_token() != token
    assert store.load_framework(changed, source=shipped_source()) is False  # idempotent


def test_failed_load_leaves_previous_version_intact(store: Store) -> None:
    """Two descriptors with one id violate a unique constraint half way through the load."""
    fw = qualframe.load()
    before = store.frameworks()
    broken = _with_descriptor_text(fw, "3.1-07-c2", "dup", new_id="3.1-07-c1")
    with pytest.raises(StoreError, match=r"kz-ict-sqf-2013.*rolled back"):
        store.load_framework(broken)
    assert store.frameworks() == before
    assert store.get_framework(FW_ID) == fw
    assert store.translations(FW_ID, "xx") == {}


def test_failed_first_load_leaves_nothing(db_url: str) -> None:
    s = Store(db_url)
    s.migrate()
    fw = qualframe.load()
    broken = _with_descriptor_text(dataclasses.replace(fw, id="broken"), "3.2-03-k1", "x", new_id="3.2-03-k2")
    with pytest.raises(StoreError):
        s.load_framework(broken)
    assert s.frameworks() == []
    with s.engine.connect() as conn:
        assert conn.execute(select(FrameworkRow.id)).all() == []


def test_several_frameworks_and_delete(store: Store) -> None:
    fw = qualframe.load()
    other = dataclasses.replace(fw, id="other-fw", title={"kk": "Басқа"})
    seen: list[str] = []
    store.on_change(seen.append)
    assert store.load_framework(other, kind="case", origin="case-import")
    infos = {f.id: f for f in store.frameworks()}
    assert set(infos) == {FW_ID, "other-fw"}
    assert infos["other-fw"].origin == "case-import"
    assert store.get_framework("other-fw").title == {"kk": "Басқа"}
    assert store.get_framework(FW_ID) == fw  # untouched
    assert store.delete_framework("other-fw") is True
    assert store.delete_framework("other-fw") is False
    assert seen == ["other-fw", "other-fw"]
    with pytest.raises(KeyError, match="other-fw"):
        store.get_framework("other-fw")


def test_translations_round_trip(store: Store) -> None:
    fw = dataclasses.replace(qualframe.load(), id="tr-fw")
    bundle = {"ru": {"3.1-07-c1": ("перевод", "abc"), "area.3.1.title": ("Область", None)},
              "en": {"3.1-07-c1": ("translation", "abc")}}
    store.load_framework(fw, translations=bundle)
    assert store.translations("tr-fw", "ru") == {"3.1-07-c1": "перевод", "area.3.1.title": "Область"}
    assert store.translations("tr-fw", "en") == {"3.1-07-c1": "translation"}
    # changing only a translation is a change
    bundle2 = {"ru": {"3.1-07-c1": ("другой перевод", "abc")}}
    assert store.load_framework(fw, translations=bundle2) is True
    assert store.translations("tr-fw", "ru") == {"3.1-07-c1": "другой перевод"}


def test_hostile_text_stored_verbatim(store: Store) -> None:
    evil = "<script>alert('x')</script>\"'; DROP TABLE descriptors; --\u202e\x00end"
    fw = _with_descriptor_text(dataclasses.replace(qualframe.load(), id="evil"), "3.1-07-c1", evil.replace("\x00", ""))
    store.load_framework(fw)
    assert store.get_framework("evil").row("3.1-07").competences[0].text == evil.replace("\x00", "")
    assert store.get_framework(FW_ID) == qualframe.load()


def test_missing_framework_is_keyerror(store: Store) -> None:
    with pytest.raises(KeyError, match="nope"):
        store.get_framework("nope")
    with pytest.raises(KeyError, match="nope"):
        store.framework_document("nope")
    assert store.source_text("nope") is None


def test_default_url_and_data_dir(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUALFRAME_DATABASE_URL", raising=False)
    monkeypatch.setenv("QUALFRAME_DATA_DIR", str(tmp_path / "data"))
    url = default_url()
    assert url == f"sqlite:///{tmp_path / 'data' / 'qualframe.db'}"
    assert (tmp_path / "data").is_dir()
    monkeypatch.setenv("QUALFRAME_DATABASE_URL", "postgresql://u@h:1/db")
    assert default_url() == "postgresql+psycopg://u@h:1/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_migrate_error_is_clear(tmp_path) -> None:
    """A file that is not a database gives a StoreError naming the store, not a raw traceback."""
    bad = tmp_path / "junk"
    bad.mkdir()
    (bad / "qualframe.db").write_bytes(b"this is not an sqlite database, just some bytes" * 100)
    s = Store(f"sqlite:///{bad / 'qualframe.db'}")
    with pytest.raises(StoreError, match=r"migrating .*qualframe.db.* failed: DatabaseError"):
        s.migrate()
