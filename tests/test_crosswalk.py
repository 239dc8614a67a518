"""Crosswalk data: sources, confidence and caveats present; chains follow the published e-CF relation."""

from __future__ import annotations

import copy

import pytest

import qualframe
from qualframe.interop.crosswalk import (
    CrosswalkError,
    crosswalk_table,
    for_nqf_level,
    for_row,
    in_eqf_terms,
    load_crosswalks,
    parse_crosswalk,
)


def test_every_crosswalk_cites_sources_and_states_caveats() -> None:
    cws = load_crosswalks()
    assert set(cws) == {"kz-nqf-2012--eqf-2017", "eqf-2017--ecf-en16234", "eqf-2017--sfia"}
    for cw in cws.values():
        assert cw.sources and cw.caveats and cw.method
        assert cw.confidence in ("low", "medium", "high")


def test_nqf_eqf_is_stated_as_unofficial() -> None:
    cw = load_crosswalks()["kz-nqf-2012--eqf-2017"]
    assert cw.status == "unofficial" and cw.confidence == "low"
    assert "has not been officially referenced to the EQF" in " ".join(cw.caveats)


def test_ecf_relation_as_published_in_en_16234() -> None:
    got = {n: [h.code for h in for_nqf_level(n, "ecf")] for n in range(1, 9)}
    assert got == {1: [], 2: [], 3: ["e-1"], 4: ["e-2"], 5: ["e-2"], 6: ["e-3"], 7: ["e-4"], 8: ["e-5"]}
    # chained through the unofficial NQF→EQF step, so never more confident than "low"
    assert {h.confidence for n in range(3, 9) for h in for_nqf_level(n, "ecf")} == {"low"}
    assert for_nqf_level(4, "ecf")[0].relation == "broadMatch"
    assert for_nqf_level(6, "ecf")[0].path == ("NQF 6", "EQF 6", "e-CF e-3")


def test_sfia_level_names_only() -> None:
    cw = load_crosswalks()["eqf-2017--sfia"]
    labels = [lv.label for lv in cw.target.levels]
    assert labels == ["SFIA level 1 Follow", "SFIA level 2 Assist", "SFIA level 3 Apply", "SFIA level 4 Enable",
                      "SFIA level 5 Ensure, advise", "SFIA level 6 Initiate, influence",
                      "SFIA level 7 Set strategy, inspire, mobilise"]
    assert set(cw.target.levels[0].__dataclass_fields__) == {"code", "label"}  # no descriptive text
    assert [h.code for h in for_nqf_level(8, "sfia")] == ["7"] and for_nqf_level(1, "sfia") == ()


def test_sub_levels_share_their_nqf_level() -> None:
    fw = qualframe.load()
    r61, r62 = fw.row("3.1-06"), fw.row("3.1-07")
    assert for_row(r61) == for_row(r62)
    assert "EQF level 6" in in_eqf_terms(r62) and "not officially referenced" in in_eqf_terms(r62)


def test_table_filters_and_lists_caveats_first_for_the_nqf() -> None:
    t = crosswalk_table(qualframe.load(), "3.3")
    assert {r["area"] for r in t["rows"]} == {"3.3"}
    assert t["crosswalks"][0]["id"] == "kz-nqf-2012--eqf-2017"
    ambiguous = next(r for r in t["rows"] if r["level_source"] == "ambiguous")
    assert ambiguous["crosswalks"]["eqf"]  # still mapped through the NQF level it was given


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.update(format="x"), "'format' must be"),
    (lambda d: d["mappings"][0].update(relation="sameAs"), "relation 'sameAs'"),
    (lambda d: d["mappings"][0].update(to=["9"]), "unknown level '9'"),
    (lambda d: d.update(caveats=[]), "must cite its sources and state its caveats"),
    (lambda d: d.pop("method"), "missing field"),
])
def test_malformed_crosswalk_is_refused_with_its_name(mutate: object, message: str) -> None:
    raw = copy.deepcopy(load_crosswalks()["kz-nqf-2012--eqf-2017"].raw)
    mutate(raw)  # type: ignore[operator]
    with pytest.raises(CrosswalkError, match=r"broken\.json") as exc:
        parse_crosswalk(raw, "broken.json")
    assert message in str(exc.value)
