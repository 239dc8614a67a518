"""CASE import into a real store: round trips, all-or-nothing writes, conflicts, the display mapping."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import qualframe
from qualframe.cli import app
from qualframe.interop import case_schema
from qualframe.interop.case import build_package, canonical, dumps
from qualframe.interop.case_import import parse_package_bytes, read_package
from qualframe.store import Store, prepare
from qualframe.store.case import (
    CaseStoreError,
    export_package,
    framework_id_for,
    import_package,
    stored_packages,
)

STANDARDS = case_schema.standards_dir()
SAMPLES = sorted((STANDARDS / "samples").glob("opensalt-*.json")) if STANDARDS else []
needs_sample = pytest.mark.skipif(not SAMPLES, reason="OpenSALT sample not found in shared/standards/case/samples")


@pytest.fixture
def empty_store(db_url: str) -> Iterator[Store]:
    """A migrated store without the shipped framework (so qualframe's own package can be imported)."""
    s = Store(db_url)
    s.migrate()
    yield s
    s.close()


def _parsed(pkg: dict[str, Any], name: str = "pkg.json") -> Any:
    return parse_package_bytes(dumps(pkg).encode("utf-8"), name)


def test_round_trip_export_import_export_is_identical(empty_store: Store) -> None:
    first = build_package(qualframe.load())
    res = import_package(_parsed(first), empty_store)
    assert res.written and res.items == len(first["CFItems"])
    again = export_package(res.framework_id, empty_store)
    assert canonical(again) == canonical(first)
    assert json.dumps(canonical(again), sort_keys=True) == json.dumps(canonical(first), sort_keys=True)
    # importing the same file again changes nothing
    assert not import_package(_parsed(first), empty_store).written


def test_own_package_maps_back_to_the_model(empty_store: Store) -> None:
    fw = qualframe.load()
    res = import_package(_parsed(build_package(fw)), empty_store)
    back = empty_store.get_framework(res.framework_id)
    assert [a.code for a in back.areas] == [a.code for a in fw.areas]
    assert [(r.id, r.nqf_level, r.sqf_level, r.level_source) for _, r in back.rows()] == \
        [(r.id, r.nqf_level, r.sqf_level, r.level_source) for _, r in fw.rows()]
    assert [(d.id, d.column, d.order, d.text, d.source) for _, _, d in back.descriptors()] == \
        [(d.id, d.column, d.order, d.text, d.source) for _, _, d in fw.descriptors()]
    (info,) = [i for i in empty_store.frameworks() if i.id == res.framework_id]
    assert (info.kind, info.origin, info.status) == ("case", "case-import", "repealed")


@needs_sample
def test_foreign_package_round_trip_and_display_mapping(empty_store: Store) -> None:
    parsed = read_package(SAMPLES[0])
    res = import_package(parsed, empty_store)
    out = export_package(res.document_identifier, empty_store)
    assert canonical(out) == canonical(parsed.package)
    assert case_schema.validate_package(out) == []
    # export → import → export is a fixpoint for a foreign file too
    res2 = import_package(_parsed(out), empty_store)
    assert not res2.written
    fw = empty_store.get_framework(res.framework_id)
    assert fw.title == {"und": "What Standards Could Be"}  # the document states no language
    n = sum(1 for _ in fw.descriptors()) + sum(len(a.levels) for a in fw.areas) + len(fw.areas)
    assert n == len(parsed.package["CFItems"])  # every item shown once


def test_shipped_framework_is_not_imported_twice(db_url: str) -> None:
    s = Store(db_url)
    prepare(s)
    try:
        with pytest.raises(CaseStoreError, match="qualframe's own framework 'kz-ict-sqf-2013'"):
            import_package(_parsed(build_package(qualframe.load())), s)
        assert [i.id for i in s.frameworks()] == ["kz-ict-sqf-2013"]
    finally:
        s.close()


def test_conflicting_identifiers_refused_and_replace(empty_store: Store) -> None:
    pkg = build_package(qualframe.load())
    import_package(_parsed(pkg), empty_store)
    changed = json.loads(json.dumps(pkg))
    changed["CFDocument"]["title"] = "changed"
    with pytest.raises(CaseStoreError, match="use --replace"):
        import_package(_parsed(changed), empty_store)
    res = import_package(_parsed(changed), empty_store, replace=True)
    assert res.written
    assert export_package(res.framework_id, empty_store)["CFDocument"]["title"] == "changed"
    # another document that reuses an item identifier of the first is refused
    other = json.loads(json.dumps(pkg))
    other["CFDocument"]["identifier"] = "11111111-1111-4111-8111-111111111111"
    for a in other["CFAssociations"]:
        if a["destinationNodeURI"]["identifier"] == pkg["CFDocument"]["identifier"]:
            a["destinationNodeURI"]["identifier"] = "11111111-1111-4111-8111-111111111111"
    with pytest.raises(CaseStoreError, match="already belongs to framework"):
        import_package(_parsed(other), empty_store)
    assert len(stored_packages(empty_store)) == 1


def test_failure_midway_leaves_nothing_half_imported(empty_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from qualframe.store import case as case_store

    pkg = build_package(qualframe.load())

    def boom(*_a: Any, **_k: Any) -> Any:
        raise case_store.CaseStoreError("simulated failure after the framework rows were written")

    real_insert = case_store.insert

    def failing_insert(table: Any) -> Any:
        if getattr(table, "__tablename__", "") == "case_objects":
            boom()
        return real_insert(table)

    monkeypatch.setattr(case_store, "insert", failing_insert)
    with pytest.raises(CaseStoreError, match="simulated"):
        import_package(_parsed(pkg), empty_store)
    assert empty_store.frameworks() == []
    assert stored_packages(empty_store) == {}
    from sqlalchemy import text

    with empty_store.engine.connect() as conn:
        for table in ("areas", "level_rows", "descriptors", "case_objects", "case_documents"):
            assert conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar() == 0, table


def test_broken_file_writes_nothing(empty_store: Store) -> None:
    pkg = build_package(qualframe.load())
    pkg["CFAssociations"][5]["destinationNodeURI"]["identifier"] = "22222222-2222-4222-8222-222222222222"
    parsed = _parsed(pkg)
    assert not parsed.report.ok
    with pytest.raises(CaseStoreError, match="has errors"):
        import_package(parsed, empty_store)
    assert empty_store.frameworks() == []


def test_cli_import_and_export_through_the_store(tmp_path: Path) -> None:
    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 'q.db'}"
    pkg_file = tmp_path / "own.json"
    assert runner.invoke(app, ["export", "case", "-o", str(pkg_file)]).exit_code == 0
    res = runner.invoke(app, ["import", "case", str(pkg_file), "--database", url, "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["report"]["ok"] and out["imported"]["written"]
    fid = out["imported"]["framework_id"]
    assert fid == framework_id_for(out["report"]["document_identifier"])
    back = tmp_path / "back.json"
    res = runner.invoke(app, ["export", "case", "--framework", fid, "--database", url, "-o", str(back)])
    assert res.exit_code == 0, res.output
    assert canonical(json.loads(back.read_text(encoding="utf-8"))) == \
        canonical(json.loads(pkg_file.read_text(encoding="utf-8")))
    res = runner.invoke(app, ["export", "case", "--framework", "nope", "--database", url])
    assert res.exit_code == 2 and "no framework 'nope'" in res.output


@needs_sample
def test_foreign_framework_pages_show_its_own_titles(db_url: str, make_client) -> None:
    """A package whose text is not Kazakh still shows its document and area titles in the web views."""
    s = Store(db_url)
    prepare(s)
    res = import_package(read_package(SAMPLES[0]), s)
    fw = s.get_framework(res.framework_id)
    s.close()
    client = make_client()
    data = client.get(f"/frameworks/{res.framework_id}/areas/{fw.areas[0].code}.json").json()
    assert data["framework"]["title"] == "What Standards Could Be"
    titles = {a["code"]: a["title"] for a in data.get("areas", [])} or {data["area"]["code"]: data["area"]["title"]}
    assert all(titles.values()), titles


# --- identifier clashes with the shipped framework (issue 9, item 5) -------------------------------------

NEW_DOC = "33333333-3333-4333-8333-333333333333"


def _under_new_document(pkg: dict[str, Any], doc: str = NEW_DOC) -> dict[str, Any]:
    """The same package (same item and association identifiers) under another CFDocument identifier."""
    out = json.loads(json.dumps(pkg))
    old = out["CFDocument"]["identifier"]
    out["CFDocument"]["identifier"] = doc
    for a in out["CFAssociations"]:
        for end in ("originNodeURI", "destinationNodeURI"):
            if a[end]["identifier"] == old:
                a[end]["identifier"] = doc
    return out


def test_shipped_identifiers_under_a_new_document_are_refused(store: Store, make_client) -> None:
    """Reusing the shipped framework's item and association identifiers under a new document is refused,
    naming the clashing identifiers; the shipped objects stay what the CASE provider serves."""
    shipped = build_package(qualframe.load())
    with pytest.raises(CaseStoreError) as err:
        import_package(_parsed(_under_new_document(shipped)), store)
    msg = str(err.value)
    item = shipped["CFItems"][0]["identifier"]
    assoc = shipped["CFAssociations"][0]["identifier"]
    assert "already belongs to framework kz-ict-sqf-2013" in msg and "nothing was imported" in msg.lower()
    n_shared = len(shipped["CFItems"]) + len(shipped["CFAssociations"])
    assert f"reuses {n_shared} identifiers" in msg
    shared = sorted(o["identifier"] for o in shipped["CFItems"] + shipped["CFAssociations"])
    assert all(i in msg for i in shared[:5]) and f"and {n_shared - 5} more" in msg
    assert [i.id for i in store.frameworks()] == ["kz-ict-sqf-2013"] and stored_packages(store) == {}
    client = make_client()
    r = client.get(f"/ims/case/v1p1/CFItems/{item}")
    assert r.status_code == 200 and r.json()["CFDocumentURI"]["identifier"] == shipped["CFDocument"]["identifier"]
    r = client.get(f"/ims/case/v1p1/CFItemAssociations/{item}")
    expected = [a["identifier"] for a in shipped["CFAssociations"]
                if item in (a["originNodeURI"]["identifier"], a["destinationNodeURI"]["identifier"])]
    assert sorted(a["identifier"] for a in r.json()["CFAssociations"]) == sorted(expected)  # once each
    assert any(assoc in a for a in (expected, [x["identifier"] for x in shipped["CFAssociations"]]))


def test_one_reused_shipped_identifier_is_named(store: Store) -> None:
    """A foreign package with a single item that reuses a shipped descriptor's identifier is refused by name."""
    import case_gen as g

    shipped = build_package(qualframe.load())
    stolen = next(i["identifier"] for i in shipped["CFItems"] if i.get("humanCodingScheme") == "3.1-07-c1")
    pkg = g.flat(5, tag="thief")
    old = pkg["CFItems"][3]["identifier"]
    pkg["CFItems"][3]["identifier"] = stolen
    for a in pkg["CFAssociations"]:
        if a["originNodeURI"]["identifier"] == old:
            a["originNodeURI"]["identifier"] = stolen
    with pytest.raises(CaseStoreError, match=f"identifier {stolen} already belongs to framework kz-ict-sqf-2013"):
        import_package(_parsed(pkg), store)
    assert stored_packages(store) == {}
    # without the stolen identifier the same package imports, and re-importing its document updates it
    clean = g.flat(5, tag="thief")
    res = import_package(_parsed(clean), store)
    assert res.written
    clean["CFDocument"]["title"] = "renamed"
    assert import_package(_parsed(clean), store, replace=True).written
    assert export_package(res.framework_id, store)["CFDocument"]["title"] == "renamed"


def test_clash_between_imports_names_the_identifiers(empty_store: Store) -> None:
    import case_gen as g

    first = g.flat(12, tag="first")
    import_package(_parsed(first), empty_store)
    second = _under_new_document(first)
    with pytest.raises(CaseStoreError) as err:
        import_package(_parsed(second), empty_store)
    msg = str(err.value)
    owner = framework_id_for(first["CFDocument"]["identifier"])
    assert f"already belong to framework {owner}" in msg and "and 19 more" in msg  # 12 items + 12 associations
    shared = sorted([i["identifier"] for i in first["CFItems"]] + [a["identifier"] for a in first["CFAssociations"]])
    assert all(i in msg for i in shared[:5]) and not any(i in msg for i in shared[5:])
    assert len(stored_packages(empty_store)) == 1
