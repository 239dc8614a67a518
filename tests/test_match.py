"""Placing jobs on the real framework: clear cases, level ordering, contract shape, bad input.

The cases here are written for the tests and are not in bench/data (the dev set measures quality;
these only pin behaviour that must not regress).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qualframe
from qualframe.match import engine
from qualframe.match.cues import level_signals, people_managed, years_of_experience
from qualframe.match.engine import match

SUGGESTION_KEYS = {"area", "nqf_level", "sqf_level", "row_id", "confidence", "evidence"}
EVIDENCE_KEYS = {"column", "descriptor_id", "text", "score"}


@pytest.fixture(scope="session", autouse=True)
def warm_engine() -> dict[str, float]:
    return engine.warm()


@pytest.mark.parametrize(("text", "area", "levels"), [
    ("Стажёр-программист. Без опыта работы. Пишет простые функции на Python и unit-тесты под руководством "
     "наставника.", "3.1", (2, 4)),
    ("Chief Technology Officer of a software company with 2,000 engineers: sets the technology strategy of the "
     "whole group, answers to the board.", "3.1", (7, 8)),
    ("Пошташы. Хаттар мен сәлемдемелерді мекенжай бойынша жеткізеді, тәжірибе талап етілмейді.", "3.3", (1, 3)),
    ("Мастер по ремонту ноутбуков и смартфонов в сервисном центре. Опыт от 1 года, пайка, замена модулей.",
     "3.2", (2, 4)),
    ("Инженер ВОЛС: монтаж и обслуживание волоконно-оптических линий связи, опыт 3 года, высшее техническое "
     "образование.", "3.3", (4, 6)),
    ("Baǵdarlamashy-ázirleýshi, Java, 3 jyl tájiribe, joǵary bilim.", "3.1", (4, 6)),
    ("Senior network engineer at a mobile operator: LTE base stations, transport network, 6 years of "
     "experience.", "3.3", (5, 7)),
])
def test_clear_cases(text: str, area: str, levels: tuple[int, int]) -> None:
    best = match(text)["suggestions"][0]
    assert best["area"] == area, best
    assert levels[0] <= best["nqf_level"] <= levels[1], best


def test_levels_are_ordered_by_seniority() -> None:
    ladder = ["Junior Python developer", "Python developer", "Senior Python developer, 6 years of experience",
              "Head of the software development department, 40 developers",
              "CTO of a large IT holding, defines the company strategy"]
    got = [match(t)["suggestions"][0]["nqf_level"] for t in ladder]
    assert got == sorted(got), got
    assert got[0] < got[-1]


def test_output_shape_matches_contract() -> None:
    fw = qualframe.load()
    res = match("Бағдарламалық қамтамасыз етуді әзірлеуші, 2 жыл тәжірибе", limit=4)
    assert res["lang"] == "kk"
    assert res["truncated"] is False
    sug = res["suggestions"]
    assert len(sug) == 4
    confs = [s["confidence"] for s in sug]
    assert confs == sorted(confs, reverse=True)
    assert all(0.0 <= c <= 1.0 for c in confs) and sum(confs) <= 1.0001
    for s in sug:
        assert set(s) == SUGGESTION_KEYS
        row = fw.row(s["row_id"])
        assert (row.nqf_level, row.sqf_level) == (s["nqf_level"], s["sqf_level"])
        assert s["row_id"].startswith(s["area"])
        assert {e["column"] for e in s["evidence"]} == {c for c in qualframe.COLUMNS if row.column(c)}
        for e in s["evidence"]:
            assert set(e) == EVIDENCE_KEYS
            assert e["descriptor_id"].startswith(s["row_id"] + "-")
    assert set(res["signals"]) >= {"areas", "domain_cues", "level_cues"}


def test_evidence_is_quoted_in_the_input_language() -> None:
    res = match("Руководитель группы разработки, опыт 5 лет")
    ev = res["suggestions"][0]["evidence"][0]
    from qualframe import translations

    assert res["lang"] == "ru"
    assert ev["text"] == translations.text(ev["descriptor_id"], "ru")


@pytest.mark.parametrize("bad", ["", "  \n ", "...", "🙂👍", "\x00"])
def test_empty_text_is_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="text is empty"):
        match(bad)


def test_bad_limit() -> None:
    with pytest.raises(ValueError, match="limit"):
        match("programmer", limit=0)


def test_one_megabyte_is_truncated_and_still_placed() -> None:
    text = "Senior Java developer. " + "We build banking software with Java and Kotlin. " * 21_000
    assert len(text) > 1_000_000
    res = match(text)
    assert res["truncated"] is True
    assert res["suggestions"][0]["area"] == "3.1"


def test_mixed_scripts_and_emoji() -> None:
    res = match("🚀 Senior Python-разработчик 🙂 әзірлеуші, 5+ years")
    assert res["suggestions"][0]["area"] == "3.1"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_string_gives_suggestions_or_value_error(text: str) -> None:
    try:
        res = match(text, limit=2)
    except ValueError as exc:
        assert "text is empty" in str(exc)
        return
    assert len(res["suggestions"]) == 2


# --- cue extraction ---------------------------------------------------------------------------------

def test_years_of_experience_needs_an_experience_word() -> None:
    assert years_of_experience("опыт работы от 3 лет") == (3.0, "3 лет")
    assert years_of_experience("at least 5+ years of experience")[0] == 5.0
    assert years_of_experience("тәжірибе кемінде 2 жыл")[0] == 2.0
    assert years_of_experience("the company was founded 15 years ago") is None


def test_supervisor_seniority_is_not_the_jobs() -> None:
    names = {s.name for s in level_signals("работа под контролем старшего оператора".lower())}
    assert "senior" not in names and "under supervision" in names
    names = {s.name for s in level_signals("аға модераторға жібереді, аға маманның бақылауымен")}
    assert "senior" not in names
    names = {s.name for s in level_signals("report defects to the shift leader")}
    assert "lead" not in names


def test_headcount() -> None:
    assert people_managed("управление дирекцией (400 человек)") == (400, "400 человек")
    assert people_managed("a team of 6 engineers")[0] == 6


def test_years_in_a_field_count_but_warranty_does_not() -> None:
    assert years_of_experience("5+ years in product")[0] == 5.0
    assert years_of_experience("3 года в телекоме")[0] == 3.0
    assert years_of_experience("5 years of warranty on every device") is None


def test_learning_outcomes_take_the_programme_level() -> None:
    from qualframe.match.cues import programme_level

    assert programme_level("Learning outcomes of a master's programme in networks").level > \
        programme_level("Learning outcomes of a bachelor's programme in networks").level > \
        programme_level("Оқыту нәтижелері (колледж): түлек ...").level
    assert programme_level("Senior engineer, bachelor's degree required") is None  # a vacancy, not an outcome
    ladder = [
        "Learning outcomes (college, software): the graduate knows one programming language at a basic level "
        "and tests code.",
        "Learning outcomes (master's programme, software engineering): graduates design the architecture of "
        "applications and lead technical decisions.",
    ]
    lo, hi = (match(t)["suggestions"][0]["nqf_level"] for t in ladder)
    assert lo <= 4 < 6 <= hi
