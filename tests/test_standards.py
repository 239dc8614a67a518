"""Professional standards: the checks, the workflow rules, concurrent edits (409), the diff, and the
exports (DOCX opened with python-docx in kk and ru, JSON valid against the shipped schema, CASE valid
against the official 1EdTech files and served by the CASE provider), and the JSON import round trip.

Domain tests run on the shipped framework and the real search engine; API tests on SQLite and PostgreSQL
through the real app, with users, roles and API tokens made by the real account operations.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from accounts_helpers import make_token, make_user
from qualframe.dataset import load
from qualframe.standards import checks as C
from qualframe.standards import document as D
from qualframe.standards import exchange, render, suggest, workflow
from qualframe.standards.diff import diff
from qualframe.standards.framework import isco_groups, row_info

FW = load()


def _row(rid: str) -> dict[str, Any]:
    return row_info(FW, rid)


def _ref(rid: str) -> dict[str, Any]:
    return D.row_summary(_row(rid))


def _t(kk: str, ru: str | None = None) -> dict[str, str]:
    return {"kk": kk, "ru": ru or kk + " (ru)"}


def _full_card(doc: dict[str, Any], rid: str, name: str, function: str = "Бағдарламалық кодты әзірлеу") -> dict:
    card = D.card_from_row(doc, _row(rid), {"name": _t(name)})
    for c in card["competences"]:
        c["text"]["ru"] = c["text"]["kk"]
    f = D.add_element(doc, card["id"], "function", {"name": _t(function), "mandatory": True})
    s = D.add_element(doc, f["id"], "skill", {"name": _t("Бағдарламалау")})
    D.add_element(doc, s["id"], "ability", {"text": _t("Бағдарламалық кодты жазу және тестілеу")})
    D.add_element(doc, s["id"], "knowledge", {"text": _t("Бағдарламалау тілдерін білу")})
    return card


def _valid_doc() -> dict[str, Any]:
    doc = D.new_document("ps-00000001", FW.id)
    D.edit_element(doc, "passport", 1, {"name": _t("Бағдарламалық қамтамасыз етуді әзірлеу"), "oked": ["62.01"]})
    _full_card(doc, "3.1-05", "Бағдарламашы")
    _full_card(doc, "3.1-06", "Жетекші бағдарламашы")
    return doc


# --- model and checks ---------------------------------------------------------------------------------------

def test_a_complete_standard_has_no_errors() -> None:
    doc = _valid_doc()
    assert C.blocking(C.run_checks(doc, FW)) == []


def test_card_from_row_prefills_competences_with_descriptor_links() -> None:
    doc = D.new_document("s", FW.id)
    card = D.card_from_row(doc, _row("3.1-05"), {"name": _t("X")})
    assert [c["descriptor"] for c in card["competences"]] == ["3.1-05-c1", "3.1-05-c2"]
    assert card["competences"][0]["text"]["kk"] == FW.row("3.1-05").competences[0].text
    assert card["row"] == {"framework": FW.id, "row_id": "3.1-05", "area": "3.1", "nqf_level": 5,
                           "sqf_level": "51", "sublevel": 1}
    offers = D.offers(_row("3.1-05"))
    assert {o["descriptor"] for o in offers} == {"3.1-05-s1", "3.1-05-s2", "3.1-05-k1", "3.1-05-k2"}


def test_structure_checks_name_the_element() -> None:
    doc = _valid_doc()
    card = doc["cards"][0]
    f = D.add_element(doc, card["id"], "function", {"name": _t("Қосымша"), "mandatory": False})
    skill = doc["cards"][1]["functions"][0]["skills"][0]
    D.remove_element(doc, skill["abilities"][0]["id"], 1)
    D.remove_element(doc, skill["knowledge"][0]["id"], 1)
    codes = {(x.code, x.element, x.path) for x in C.run_checks(doc, FW)}
    assert ("function.no_skill", f["id"], "card 1 › function 2") in codes
    assert ("skill.no_ability", skill["id"], "card 2 › function 1 › skill 1") in codes
    assert ("skill.no_knowledge", skill["id"], "card 2 › function 1 › skill 1") in codes
    D.edit_element(doc, "passport", 2, {"name": {"kk": "Атауы", "ru": ""}})
    missing = [x for x in C.run_checks(doc, FW) if x.code == "text.missing"]
    assert [(x.path, x.params) for x in missing] == [("passport.name", {"lang": "ru"})]
    assert missing[0].render() == "The text is missing in Russian."


def test_oked_codes_outside_the_annexes_or_the_area_are_flagged_not_refused() -> None:
    doc = _valid_doc()
    D.edit_element(doc, "passport", doc["passport"]["v"], {"oked": ["62.01", "61.10", "01.11"]})
    found = {x.params["code"]: x for x in C.oked(doc, FW)}
    assert set(found) == {"61.10", "01.11"}
    assert found["01.11"].code == "oked.unknown" and found["01.11"].severity == "warning"
    assert found["61.10"].code == "oked.other_area" and found["61.10"].params["areas"] == "3.3"
    assert doc["passport"]["oked"] == ["62.01", "61.10", "01.11"]  # kept as entered
    with pytest.raises(D.DocumentError, match="not an OKED code"):
        D.edit_element(doc, "passport", doc["passport"]["v"], {"oked": ["62-01x"]})


def test_ladder_gap_and_leadership_inversion() -> None:
    doc = D.new_document("s", FW.id)
    _full_card(doc, "3.1-04", "Техник")
    _full_card(doc, "3.1-08", "Сәулетші")
    gaps = [x for x in C.ladder(doc) if x.code == "ladder.gap"]
    assert [x.params["level"] for x in gaps] == [5, 6]
    # a level-5 card that leads a team, below a level-6 card that does not
    doc = D.new_document("s", FW.id)
    low = _full_card(doc, "3.1-05", "Бағдарламашы", function="Lead a team of 5 developers and supervise their work")
    _full_card(doc, "3.1-06", "Бағдарламашы")
    inv = [x for x in C.ladder(doc) if x.code == "ladder.inversion"]
    assert len(inv) == 1 and inv[0].element == low["id"] and inv[0].params["other_level"] == 6
    assert "lead" in inv[0].params["evidence"]
    # the same wording on the higher card is the expected ladder
    doc = D.new_document("s", FW.id)
    _full_card(doc, "3.1-05", "Бағдарламашы")
    _full_card(doc, "3.1-06", "Бағдарламашы", function="Руководит командой разработчиков")
    assert C.ladder(doc) == []


def test_items_far_from_the_card_level_are_flagged_with_the_search_engine() -> None:
    doc = D.new_document("s", FW.id)
    card = _full_card(doc, "3.1-02", "Оператор")
    skill = card["functions"][0]["skills"][0]
    far = FW.row("3.1-10").knowledge[0].text  # a level-8 descriptor, word for word
    k = D.add_element(doc, skill["id"], "knowledge", {"text": _t(far)})
    flags = {x.element: x for x in C.level_distance(doc, suggest.closest)}
    assert k["id"] in flags
    assert flags[k["id"]].params["card_level"] == 2 and flags[k["id"]].params["distance"] >= 2
    assert "3.1-10-k1" in flags[k["id"]].params["closest"]
    near = FW.row("3.1-02").knowledge[0].text
    k2 = D.add_element(doc, skill["id"], "knowledge", {"text": _t(near)})
    assert k2["id"] not in {x.element for x in C.level_distance(doc, suggest.closest)}


def test_edits_carry_versions_and_refuse_bad_values() -> None:
    doc = _valid_doc()
    card = doc["cards"][0]
    v = card["v"]
    D.edit_element(doc, card["id"], v, {"isco": "2512", "occupation_code": "2512-1"})
    assert card["v"] == v + 1
    with pytest.raises(D.Conflict) as exc:
        D.edit_element(doc, card["id"], v, {"isco": "2513"})
    assert exc.value.current == v + 1 and card["isco"] == "2512"
    for fields, msg in (({"isco": "25"}, "ISCO-08"), ({"name": {"kk": "x" * 301}}, "at most 300"),
                        ({"colour": "red"}, "unknown field"), ({"name": {"de": "x"}}, "unknown language")):
        with pytest.raises(D.DocumentError, match=msg):
            D.edit_element(doc, card["id"], card["v"], fields)
    with pytest.raises(D.DocumentError, match="cannot be added under"):
        D.add_element(doc, card["id"], "ability", {})


def test_workflow_rules() -> None:
    assert workflow.check_transition("submit", "draft").target == "in_review"
    with pytest.raises(workflow.WorkflowError, match="fix them"):
        workflow.check_transition("submit", "draft", errors=2)
    with pytest.raises(workflow.WorkflowError) as exc:
        workflow.check_transition("approve", "in_review", actor_id=7, editors=[3, 7])
    assert exc.value.kind == "forbidden"
    assert workflow.check_transition("approve", "in_review", actor_id=8, editors=[3, 7]).target == "approved"
    with pytest.raises(workflow.WorkflowError, match="cannot publish"):
        workflow.check_transition("publish", "in_review")
    with pytest.raises(workflow.WorkflowError, match="start a new version"):
        workflow.check_editable("published")


def test_diff_pairs_elements_by_id() -> None:
    a = _valid_doc()
    b = D.copy_for_new_version(a, 2)
    card = b["cards"][0]
    D.edit_element(b, card["id"], card["v"], {"purpose": _t("Жаңа мақсат")})
    removed = b["cards"][1]["functions"][0]["skills"][0]["knowledge"][0]["id"]
    D.remove_element(b, removed, 1)
    new = D.add_element(b, card["id"], "competence", {"text": _t("Жаңа құзырет")})
    changes = {c["id"]: c for c in diff(a, b)}
    assert changes[card["id"]]["change"] == "changed" and changes[card["id"]]["fields"] == ["purpose"]
    assert changes[card["id"]]["after"]["purpose"]["kk"] == "Жаңа мақсат"
    assert changes[removed]["change"] == "removed" and changes[new["id"]]["change"] == "added"
    assert len(changes) == 3


def test_isco_data_has_the_ict_unit_groups() -> None:
    groups = isco_groups()
    for code in ("1330", "2511", "2512", "2513", "2514", "2519", "2521", "2522", "2523", "2529", "3511", "3512",
                 "3513", "3514", "3521", "3522", "7421", "7422"):
        assert groups[code]["ict"] is True
    assert groups["2512"]["title_en"] == "Software developers"


# --- exports ------------------------------------------------------------------------------------------------

META = {"org": "ictsb", "sid": "ps-00000001", "code": "PS-ICT-31-2026-0001", "status": "published",
        "published": "2026-01-15T10:00:00Z", "org_name": "ICT standards body", "number": 1}


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_docx_has_the_chapters_and_tables(lang: str) -> None:
    from docx import Document

    doc = _valid_doc()
    doc["cards"][0]["name"]["ru"] = "Программист"
    d = Document(io.BytesIO(render.build_docx(doc, META, lang)))
    headings = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    for key in ("ch1", "ch2", "ch3", "ch4"):
        assert render.label(key, lang) in headings
    # passport, then per card a head table and a functions table, then technical data
    assert len(d.tables) == 1 + 2 * len(doc["cards"]) + 1
    head = {r.cells[0].text: r.cells[1].text for r in d.tables[1].rows}
    assert head[render.label("level", lang)].startswith("3.1: ҰБШ/НРК 5")
    assert head[render.label("profession", lang)] == ("Программист" if lang == "ru" else "Бағдарламашы")
    fn = d.tables[2]
    assert [c.text for c in fn.rows[0].cells] == [render.label(k, lang) for k in
                                                  ("function", "skill", "ability", "knowledge")]
    assert "Бағдарламалық кодты жазу" in fn.rows[1].cells[2].text
    assert {r.cells[0].text: r.cells[1].text for r in d.tables[0].rows}[render.label("code", lang)] == META["code"]


def test_json_export_is_valid_against_the_schema_and_imports_back() -> None:
    from jsonschema import Draft202012Validator

    doc = _valid_doc()
    D.add_element(doc, doc["cards"][0]["id"], "link", {"text": _t("Келесі деңгей"), "card": doc["cards"][1]["id"]})
    exported = json.loads(json.dumps(exchange.export_json(doc, META)))
    validator = Draft202012Validator(exchange.schema())
    assert list(validator.iter_errors(exported)) == []
    broken = json.loads(json.dumps(exported))
    broken["document"]["cards"][0]["isco"] = "abc"
    assert list(validator.iter_errors(broken))
    new, refused = exchange.import_document(exported, "ps-00000002", FW.id, _ref)
    assert refused == []
    assert diff(doc, new) != []  # new ids ...
    assert _content(new) == _content(doc)  # ... same content
    assert new["cards"][0]["links"][0]["card"] == new["cards"][1]["id"]  # links remapped


def _content(obj: Any) -> Any:
    """A document without its ids, element versions and card links (which an import makes anew)."""
    if isinstance(obj, dict):
        return {k: _content(v) for k, v in obj.items() if k not in ("id", "v", "card", "standard")}
    if isinstance(obj, list):
        return [_content(v) for v in obj]
    return obj


def test_import_reports_refused_parts_and_keeps_the_rest() -> None:
    doc = _valid_doc()
    exported = json.loads(json.dumps(exchange.export_json(doc, META)))
    exported["document"]["cards"][0]["row"]["row_id"] = "9.9-99"
    exported["document"]["cards"][1]["functions"][0]["skills"][0]["abilities"][0]["text"] = {"kk": "x" * 5000}
    new, refused = exchange.import_document(exported, "ps-00000003", FW.id, _ref)
    paths = [r["path"] for r in refused]
    assert paths == ["card 1", "card 2 › function 1 › skill 1 › ability 1"]
    assert "no row '9.9-99'" in refused[0]["message"] and "at most 4000" in refused[1]["message"]
    assert len(new["cards"]) == 1 and new["cards"][0]["functions"][0]["skills"][0]["abilities"] == []
    with pytest.raises(D.DocumentError, match="not a qualframe standard export"):
        exchange.import_document({"format": "other"}, "x", FW.id, _ref)


def test_case_package_is_valid_and_links_items_to_the_framework() -> None:
    from qualframe.interop import case_schema
    from qualframe.interop.case import build_package, case_uuid
    from qualframe.standards.case import build_standard_package

    doc = _valid_doc()
    skill = doc["cards"][0]["functions"][0]["skills"][0]
    d = FW.row("3.1-05").skills[0]
    D.add_element(doc, skill["id"], "ability", {"text": _t(d.text), "descriptor": d.id})
    D.add_element(doc, skill["id"], "ability", {"text": _t("Өзгертілген мәтін"), "descriptor": "3.1-05-s2"})
    texts = {x.id: x.text for _, _, x in FW.descriptors()}
    pkg = build_standard_package(doc, {**META, "descriptor_texts": texts}, "http://localhost:8000")
    assert case_schema.validate_package(pkg) == []
    assert case_schema.null_paths(pkg) == []
    fw_items = {i["identifier"] for i in build_package(FW)["CFItems"]}
    by_type: dict[str, list[dict]] = {}
    for a in pkg["CFAssociations"]:
        by_type.setdefault(a["associationType"], []).append(a)
    items = {i["identifier"] for i in pkg["CFItems"]}
    # the tree: every item is the child of exactly one node of this package
    assert sorted(a["originNodeURI"]["identifier"] for a in by_type["isChildOf"]) == sorted(items)
    # links into the framework's package
    exact = {a["destinationNodeURI"]["title"] for a in by_type["exactMatchOf"]}
    related = {a["destinationNodeURI"]["title"] for a in by_type["isRelatedTo"]}
    assert "3.1-05-s1" in exact and "3.1-05-s2" in related and "3.1-05-c1" in exact
    for a in by_type["exactMatchOf"] + by_type["isRelatedTo"] + by_type["hasSkillLevel"]:
        assert a["destinationNodeURI"]["identifier"] in fw_items
    assert by_type["hasSkillLevel"][0]["destinationNodeURI"]["identifier"] == case_uuid(f"{FW.id}/item/3.1-05")


# --- through the API, on both databases ------------------------------------------------------------------------

ORG = "ictsb"


@pytest.fixture
def env(make_client: Any) -> dict[str, Any]:
    from qualframe.store import accounts as acc
    from qualframe.store.accounts import Actor

    client = make_client()
    store = client.app.state.qf.store
    with acc.audited(store, Actor("cli:test")) as tx:
        acc.create_org(tx, ORG, "standards-body", {"kk": "АКТ стандарттар", "en": "ICT standards body"})
    make_user(store, "dev@example.kz", roles={ORG: ["developer"]})
    make_user(store, "rev@example.kz", roles={ORG: ["reviewer"]})
    make_user(store, "both@example.kz", roles={ORG: ["developer", "reviewer"]})
    tok = {who: make_token(store, f"{who}@example.kz", ORG, role)[0]
           for who, role in (("dev", "developer"), ("rev", "reviewer"))}
    tok["both_dev"] = make_token(store, "both@example.kz", ORG, "developer")[0]
    tok["both_rev"] = make_token(store, "both@example.kz", ORG, "reviewer")[0]
    return {"client": client, "store": store, "tok": tok}


def _h(tok: str) -> dict[str, str]:
    return {"authorization": f"Bearer {tok}"}


def _draft(c: Any, tok: str) -> tuple[str, str]:
    r = c.post(f"/api/v1/standards/{ORG}", headers=_h(tok),
               json={"name": _t("Бағдарламалық қамтамасыз етуді әзірлеу", "Разработка ПО"), "oked": ["62.01"]})
    assert r.status_code == 201, r.text
    sid = r.json()["sid"]
    base = f"/api/v1/standards/{ORG}/{sid}"
    for rid, name in (("3.1-05", "Бағдарламашы"), ("3.1-06", "Жетекші бағдарламашы")):
        r = c.post(f"{base}/cards", headers=_h(tok), json={"row_id": rid, "fields": {"name": _t(name), "isco": "2512"}})
        assert r.status_code == 201, r.text
        card = r.json()["element"]
        assert [x["descriptor"] for x in card["competences"]] == [f"{rid}-c1", f"{rid}-c2"]
        offers = r.json()["offers"]
        fields = {"name": _t("Код әзірлеу"), "mandatory": True}
        body = {"parent": card["id"], "kind": "function", "fields": fields}
        f = c.post(f"{base}/elements", headers=_h(tok), json=body)
        s = c.post(f"{base}/elements", headers=_h(tok), json={"parent": f.json()["element"]["id"], "kind": "skill",
                                                               "fields": {"name": _t("Бағдарламалау")}})
        sk = s.json()["element"]["id"]
        offer = next(o for o in offers if o["column"] == "skills")["descriptor"]
        ab = c.post(f"{base}/elements", headers=_h(tok), json={"parent": sk, "kind": "ability", "descriptor": offer})
        assert ab.status_code == 201 and ab.json()["element"]["descriptor"].startswith(rid)
        kn = c.post(f"{base}/elements", headers=_h(tok), json={"parent": sk, "kind": "knowledge",
                                                                "fields": {"text": _t("Алгоритмдерді білу")}})
        assert kn.status_code == 201, kn.text
    return sid, base


def test_api_flow_review_publish_register_case_new_version(env: dict[str, Any]) -> None:
    c, tok = env["client"], env["tok"]
    sid, base = _draft(c, tok["dev"])
    # drafts are not public
    assert c.get(base).status_code == 404
    assert c.get(base, headers=_h(tok["rev"])).json()["standard"]["status"] == "draft"
    # a reviewer cannot edit, a developer cannot approve
    assert c.post(f"{base}/submit", headers=_h(tok["rev"])).status_code == 403
    assert c.post(f"{base}/submit", headers=_h(tok["dev"])).json()["status"] == "in_review"
    assert c.post(f"{base}/approve", headers=_h(tok["dev"])).status_code == 403
    # in review: no edits; reviewers comment per element and send it back once
    doc = c.get(base, headers=_h(tok["rev"])).json()["document"]
    card = doc["cards"][0]
    r = c.patch(f"{base}/elements/{card['id']}", headers=_h(tok["dev"]), json={"version": card["v"], "fields": {}})
    assert r.status_code == 409 and "only a draft" in r.json()["error"]["message"]
    r = c.post(f"{base}/comments", headers=_h(tok["rev"]), json={"element": card["id"], "text": "Мақсатын жазыңыз"})
    assert r.status_code == 201
    assert c.post(f"{base}/return", headers=_h(tok["rev"])).json()["status"] == "draft"
    comments = c.get(f"{base}/comments", headers=_h(tok["dev"])).json()["comments"]
    assert [(x["element"], x["text"]) for x in comments] == [(card["id"], "Мақсатын жазыңыз")]
    # the reviewer who also develops edits it, so may not approve it; another reviewer may
    r = c.patch(f"{base}/elements/{card['id']}", headers=_h(tok["both_dev"]),
                json={"version": card["v"], "fields": {"purpose": _t("Бағдарламалық қамтамасыз етуді әзірлеу")}})
    assert r.status_code == 200, r.text
    assert c.post(f"{base}/submit", headers=_h(tok["dev"])).status_code == 200
    r = c.post(f"{base}/approve", headers=_h(tok["both_rev"]))
    assert r.status_code == 403 and "edited themselves" in r.json()["error"]["message"]
    assert c.post(f"{base}/approve", headers=_h(tok["rev"])).json()["status"] == "approved"
    token = c.app.state.qf.store.state_token()
    pub = c.post(f"{base}/publish", headers=_h(tok["rev"])).json()
    assert pub["status"] == "published" and pub["code"].startswith("PS-ICT-31-")
    # cached public pages hang off the state token: publishing changes it (in every process: plain SQL)
    assert c.app.state.qf.store.state_token() != token
    # published: public, immutable, in the register and in CASE
    got = c.get(base).json()
    assert got["standard"]["code"] == pub["code"] and got["document"]["passport"]["code"] == pub["code"]
    r = c.post(f"{base}/elements", headers=_h(tok["dev"]), json={"parent": card["id"], "kind": "competence",
                                                                   "fields": {"text": _t("x")}})
    assert r.status_code == 409
    reg = c.get("/api/v1/standards").json()
    entry = next(s for s in reg["standards"] if s["sid"] == sid)
    assert set(entry["links"]) >= {"page", "docx", "pdf", "json", "case"}
    assert c.get("/api/v1/standards", params={"q": "бағдарламашы"}).json()["total"] == 1
    assert c.get("/api/v1/standards", params={"q": "почта"}).json()["total"] == 0
    assert c.get("/api/v1/standards", params={"level": 6, "area": "3.1", "isco": "2512"}).json()["total"] == 1
    assert c.get("/api/v1/standards", params={"level": 2}).json()["total"] == 0
    assert c.get("/standards").status_code == 200 and pub["code"] in c.get("/standards").text
    assert pub["code"] in c.get("/standards.json").text
    level_page = c.get("/levels/3.1-05").text
    assert "Бағдарламашы" in level_page and f"/standards/{ORG}/{sid}/cards/" in level_page
    from qualframe.interop import case_schema
    from qualframe.standards.case import document_id

    docs = c.get("/ims/case/v1p1/CFDocuments").json()["CFDocuments"]
    did = document_id(ORG, sid, 1)
    assert did in {d["identifier"] for d in docs}
    pkg = c.get(f"/ims/case/v1p1/CFPackages/{did}").json()
    assert case_schema.validate_package(pkg) == []
    assert c.get(f"{base}/export/case").json() == pkg
    # exports
    for fmt, ctype in (("docx", "wordprocessingml"), ("json", "json")):
        r = c.get(f"{base}/export/{fmt}", params={"lang": "ru"})
        assert r.status_code == 200 and ctype in r.headers["content-type"]
    # a new version is a draft copying the published one; its diff shows the change
    nv = c.post(f"{base}/versions", headers=_h(tok["dev"]))
    assert nv.status_code == 201 and nv.json()["number"] == 2
    doc2 = c.get(base, headers=_h(tok["dev"])).json()["document"]
    assert doc2["passport"]["code"] is None
    c2 = doc2["cards"][1]
    assert c.patch(f"{base}/elements/{c2['id']}", headers=_h(tok["dev"]),
                   json={"version": c2["v"], "fields": {"experience": _t("3 жыл")}}).status_code == 200
    d = c.get(f"{base}/diff", params={"from": 1, "to": 2}, headers=_h(tok["dev"])).json()
    assert d["summary"] == {"added": 0, "removed": 0, "changed": 1} and d["changes"][0]["id"] == c2["id"]
    assert c.get(base).json()["standard"]["number"] == 1  # the public still sees the published version
    # every change is in the audit trail, and the chain verifies
    from qualframe.store import accounts as acc

    with env["store"].engine.connect() as conn:
        actions = [e["action"] for e in acc.audit_entries(conn, org=ORG, limit=200)]
    for a in ("standard.create", "standard.add_card", "standard.edit", "standard.submit", "standard.return",
              "standard.approve", "standard.publish", "standard.comment", "standard.new_version"):
        assert a in actions
    assert acc.verify_audit(env["store"]).ok


def test_concurrent_edits_of_one_element_conflict(env: dict[str, Any]) -> None:
    c, tok = env["client"], env["tok"]
    _sid, base = _draft(c, tok["dev"])
    card = c.get(base, headers=_h(tok["dev"])).json()["document"]["cards"][0]
    first = c.patch(f"{base}/elements/{card['id']}", headers=_h(tok["dev"]),
                    json={"version": card["v"], "fields": {"purpose": _t("Бірінші")}})
    second = c.patch(f"{base}/elements/{card['id']}", headers=_h(tok["both_dev"]),
                     json={"version": card["v"], "fields": {"purpose": _t("Екінші")}})
    assert first.status_code == 200 and second.status_code == 409
    err = second.json()["error"]
    assert err["details"] == {"element": card["id"], "current_version": card["v"] + 1, "your_version": card["v"]}
    now = c.get(base, headers=_h(tok["dev"])).json()["document"]["cards"][0]
    assert now["purpose"]["kk"] == "Бірінші"  # the first edit was kept, the second refused, nothing lost


def test_submit_is_refused_while_checks_report_errors(env: dict[str, Any]) -> None:
    c, tok = env["client"], env["tok"]
    _sid, base = _draft(c, tok["dev"])
    card = c.get(base, headers=_h(tok["dev"])).json()["document"]["cards"][0]
    c.post(f"{base}/elements", headers=_h(tok["dev"]), json={"parent": card["id"], "kind": "function",
                                                               "fields": {"name": _t("Бос функция")}})
    checks = c.get(f"{base}/checks", headers=_h(tok["dev"])).json()
    assert checks["errors"] == 1
    f = next(x for x in checks["findings"] if x["code"] == "function.no_skill")
    assert f["path"] == "card 1 › function 2" and f["message"]["en"] == "The labour function has no skill."
    assert set(checks["suggestions"])  # closest descriptors for the items
    r = c.post(f"{base}/submit", headers=_h(tok["dev"]))
    assert r.status_code == 409 and "fix them" in r.json()["error"]["message"]
    assert c.get(f"{base}/checks").status_code == 404  # an unpublished standard is not visible at all


def test_import_from_json_export_as_a_new_draft(env: dict[str, Any], make_client: Any) -> None:
    c, tok = env["client"], env["tok"]
    sid, base = _draft(c, tok["dev"])
    exported = c.get(f"{base}/export/json", headers=_h(tok["dev"])).json()
    exported["document"]["cards"][1]["isco"] = "bad"
    r = c.post(f"/api/v1/standards/{ORG}/import", headers=_h(tok["dev"]), json=exported)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "draft" and body["sid"] != sid
    assert [x["path"] for x in body["refused"]] == ["card 2"] and "ISCO-08" in body["refused"][0]["message"]
    new = c.get(body["links"]["api"], headers=_h(tok["dev"])).json()["document"]
    assert len(new["cards"]) == 1 and new["passport"]["name"] == exported["document"]["passport"]["name"]
    assert c.post(f"/api/v1/standards/{ORG}/import", headers=_h(tok["rev"]), json=exported).status_code == 403


# --- PDF: rendered with the shipped fonts, checked as text and as a page image ---------------------------------

def _needs_pdf_tools() -> None:
    import shutil

    from qualframe.documents import pdf as pdfmod

    if pdfmod.available() is not None or not all(shutil.which(t) for t in ("pdftotext", "pdftoppm", "pdffonts")):
        pytest.skip("WeasyPrint/Pango or poppler-utils missing")


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_pdf_has_the_chapters_in_kk_and_ru_and_renders_ink(lang: str, tmp_path: Any) -> None:
    import re
    import subprocess

    from PIL import Image

    from qualframe.documents.pdf import render_pdf

    _needs_pdf_tools()
    doc = _valid_doc()
    doc["passport"]["name"]["ru"] = "Разработка программного обеспечения"
    pdf = render_pdf(render.build_html(doc, META, lang), max_pages=400, pdf_variant=None)
    path = tmp_path / f"standard-{lang}.pdf"
    path.write_bytes(pdf)
    text = re.sub(r"\s+", " ", subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                                              text=True, check=True).stdout)
    for key in ("ch1", "ch2", "ch3", "ch4", "functions"):
        assert render.label(key, lang) in text, key
    assert ("Разработка программного обеспечения" if lang == "ru" else "Бағдарламалық қамтамасыз") in text
    assert FW.row("3.1-05").competences[0].text[:40] in text  # the pre-filled competence, in Kazakh
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert all("DejaVu" in line for line in fonts.splitlines()[2:] if line.strip())
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", "-singlefile", str(path),
                    str(tmp_path / "page")], check=True)
    img = Image.open(tmp_path / "page.png").convert("L")
    dark = sum(img.histogram()[:200]) / (img.width * img.height)
    assert 0.01 < dark < 0.5, f"page 1 looks blank or black: {dark:.3f} of the pixels are dark"
