"""Search on the real framework: languages, inflection, Latin Kazakh, filters, contract, bad input."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualframe.search import engine
from qualframe.search.engine import search

RESULT_KEYS = {"area", "nqf_level", "sqf_level", "row_id", "descriptor_id", "column", "text", "translations",
               "score", "source"}


@pytest.fixture(scope="session", autouse=True)
def warm_engine() -> dict[str, float]:
    """Build the index and load the model once for the whole session."""
    return engine.warm()


def ids(res: dict, n: int = 3) -> list[str]:
    return [r["descriptor_id"] for r in res["results"][:n]]


@pytest.mark.parametrize(("query", "expected"), [
    # Kazakh, inflected differently from the descriptor ("бағдарламалау тілдерінің бірін ... білу")
    ("бағдарламалау тілін білетін маман", "3.1-03-k1"),
    ("пошта жөнелтілімдерін қабылдау мен өңдеу", "3.3-03-c3"),
    ("жабдықты құрастыру және бөлшектеу кезіндегі жауапкершілік", "3.2-03-c1"),
    # Russian
    ("знание одного языка программирования на базовом уровне", "3.1-03-k1"),
    ("проектирование архитектуры программных приложений", "3.1-08-c1"),
    # English
    ("knowledge of software design methodology and application architecture", "3.1-08-k2"),
    ("acceptance and processing of postal items", "3.3-03-c3"),
])
def test_finds_descriptor_in_three_languages(query: str, expected: str) -> None:
    res = search(query, limit=3)
    assert expected in ids(res), (query, ids(res))


@pytest.mark.parametrize("query", [
    "bagdarlamalau tilin bilu",  # informal ASCII Kazakh
    "baǵdarlamalaý tilin bilý",  # 2018 acute alphabet
])
def test_latin_script_kazakh(query: str) -> None:
    res = search(query, limit=3)
    assert res["lang"] == "kk"
    assert "3.1-03-k1" in ids(res)


def test_detected_language_is_reported() -> None:
    assert search("тестілеу")["lang"] == "kk"
    assert search("тестирование программного кода")["lang"] == "ru"
    assert search("testing of program code")["lang"] == "en"
    assert search("testing", lang="ru")["lang"] == "ru"


def test_result_shape_matches_contract() -> None:
    res = search("басқару", limit=5)
    assert set(res) >= {"query", "lang", "results"}
    assert res["truncated"] is False
    assert len(res["results"]) == 5
    scores = [r["score"] for r in res["results"]]
    assert scores == sorted(scores, reverse=True)
    for r in res["results"]:
        assert set(r) == RESULT_KEYS
        assert set(r["translations"]) == {"ru", "en"}
        assert r["descriptor_id"].startswith(r["row_id"])
        assert r["row_id"].startswith(r["area"])
        assert 1 <= r["source"]["line_start"] <= r["source"]["line_end"]


def test_result_cites_the_source_line() -> None:
    import qualframe

    r = search("бағдарламалау тілдерінің бірін базалық деңгейде білу", limit=1)["results"][0]
    lines = qualframe.source_lines()
    cited = " ".join(lines[r["source"]["line_start"] - 1: r["source"]["line_end"]])
    assert r["text"][:40] in cited


def test_filters() -> None:
    res = search("жабдық", area="3.2", limit=20)
    assert res["results"] and all(r["area"] == "3.2" for r in res["results"])
    res = search("equipment", column="knowledge", limit=20)
    assert res["results"] and all(r["column"] == "knowledge" for r in res["results"])
    res = search("management", area="3.3", column="skills", limit=3)
    assert len(res["results"]) == 3
    assert all(r["area"] == "3.3" and r["column"] == "skills" for r in res["results"])
    assert len(search("x1", limit=1000)["results"]) == 196  # capped at what exists


@pytest.mark.parametrize("bad", ["", "   ", "\n\t", "!!!", "?.,;-—", "🙂🙂", "\x00\x01"])
def test_empty_queries_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="query is empty"):
        search(bad)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"lang": "de"}, "unknown language"),
    ({"area": "3.9"}, "unknown area"),
    ({"column": "duties"}, "unknown column"),
    ({"limit": 0}, "limit must be at least 1"),
    ({"limit": "5"}, "limit must be an integer"),
])
def test_bad_options_are_clear_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        search("басқару", **kwargs)


def test_non_string_query_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="must be a string"):
        search(None)  # type: ignore[arg-type]


def test_one_megabyte_query_is_truncated_not_fatal() -> None:
    res = search("бағдарламалау " * 80_000, limit=3)
    assert res["truncated"] is True
    assert len(res["query"]) <= engine.SEARCH_MAX_CHARS
    assert res["results"][0]["area"] == "3.1"


def test_every_search_has_the_web_limit() -> None:
    """One limit for the API, the pages, the CLI and the engine: a 1,000-character text, which the API
    refuses, is cut by the engine at the same 500 characters, at a word boundary."""
    from qualframe.web import views

    assert views.MAX_QUERY_CHARS == engine.SEARCH_MAX_CHARS == 500
    res = search("бағдарламалау тілі " * 53, limit=1)  # 1,007 characters
    assert res["truncated"] is True
    assert 300 < len(res["query"]) <= 500 and res["query"].endswith(("бағдарламалау", "тілі"))
    assert search("бағдарламалау тілі " * 26, limit=1)["truncated"] is False  # 494 characters


def test_mixed_scripts_emoji_and_surrogates() -> None:
    res = search("Python әзірлеуші 🙂 разработчик software\ud800", limit=3)
    assert len(res["results"]) == 3
    res = search("бiлiм", limit=3)  # Latin "i" inside a Cyrillic word
    assert res["results"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=120))
def test_any_string_gives_results_or_value_error(text: str) -> None:
    try:
        res = search(text, limit=2)
    except ValueError as exc:
        assert "query is empty" in str(exc)
        return
    assert len(res["results"]) == 2


# ---------------------------------------------------------------------------- the embedding budget

LONG_EN = ("Carries out routine, norm-based work under a supervisor while supporting and servicing ICT "
           "equipment, with limited responsibility and some room to work on their own.")


def test_a_query_within_the_budget_is_embedded_as_written() -> None:
    assert engine.meaning_words("тестілеу әдістері", engine.SEMANTIC_MAX_TOKENS) == "тестілеу әдістері"
    assert engine.meaning_words("and or the", 16) == "and or the"


def test_a_query_over_the_budget_loses_its_stopwords_first() -> None:
    from qualframe.search.embed import get_model

    m = get_model()
    assert m.token_count(LONG_EN, True) > engine.SEMANTIC_MAX_TOKENS
    kept = engine.meaning_words(LONG_EN, engine.SEMANTIC_MAX_TOKENS).split()
    words = LONG_EN.split()
    it = iter(words)
    assert all(w in it for w in kept)  # the same words, in order
    dropped = {w.lower().strip(",.") for w in words} - {w.lower().strip(",.") for w in kept}
    assert dropped == {"out", "under", "a", "and", "with", "some", "to", "on", "their", "own"}
    assert {"supervisor", "routine,", "ICT", "responsibility"} <= set(kept)
    # Kazakh and Russian stopwords too; bare punctuation goes, a text of stopwords only stays whole
    kk = "және " * 20 + "бағдарламалық қамтамасыз ету — тестілеу үшін"
    assert engine.meaning_words(kk, 8) == "бағдарламалық қамтамасыз ету тестілеу"
    assert engine.meaning_words("и в на " * 30, 8) == "и в на " * 30


def test_the_encoder_gets_the_meaning_words_within_the_budget() -> None:
    from qualframe.search.embed import get_model

    m = get_model()
    seen: list[str] = []
    real = m.query
    m.query = lambda text: (seen.append(text), real(text))[1]
    try:
        engine.embedder.clear()
        search(LONG_EN)
    finally:
        del m.query
    assert len(seen) == 1 and m.token_count(seen[0], True) <= engine.SEMANTIC_MAX_TOKENS
    assert seen[0].startswith("Carries routine, norm-based work supervisor while supporting servicing ICT")


def test_the_lexical_leg_weighs_more_for_what_the_encoder_did_not_see() -> None:
    import numpy as np

    from qualframe.search.embed import fit_tokens

    engine.embedder.clear()
    # within the budget: the encoder saw it all, and the fused score is the fixed mix
    _, coverage = engine.embedder.embed("тестілеу әдістері")
    assert coverage == 1.0
    short = engine.score_query("тестілеу әдістері")
    assert np.allclose(short.fused, engine.semantic_scores(short.cos) + engine.LEX_WEIGHT * short.lex)
    # over it: coverage is the share of the stopword-free text (non-space characters) the encoder got
    shaped = engine.meaning_words(LONG_EN, engine.SEMANTIC_MAX_TOKENS)
    seen = fit_tokens(shaped, engine.SEMANTIC_MAX_TOKENS)
    expected = len(seen.replace(" ", "")) / len(shaped.replace(" ", ""))
    _, coverage = engine.embedder.embed(LONG_EN)
    assert 0.3 < coverage < 1.0 and coverage == pytest.approx(expected)
    qs = engine.score_query(LONG_EN)
    weight = engine.LEX_WEIGHT + engine.LEX_UNSEEN_WEIGHT * (1 - coverage)
    assert np.allclose(qs.fused, engine.semantic_scores(qs.cos) + weight * qs.lex)
    # a cached answer and a batch-primed one give the same coverage
    assert engine.embedder.embed(LONG_EN)[1] == coverage
    engine.embedder.clear()
    engine.embedder.prime([LONG_EN, "тестілеу әдістері"])
    hits = engine.embedder.hits
    assert engine.embedder.embed(LONG_EN)[1] == coverage
    assert engine.embedder.embed("тестілеу әдістері")[1] == 1.0
    assert engine.embedder.hits == hits + 2
