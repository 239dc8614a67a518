"""Text analysis for BM25: tokenising, stopwords, stemming, script routing, robustness, speed."""

from __future__ import annotations

import time
import unicodedata

import pytest

from qualframe.search.analyze import STOPWORDS, analyze, analyze_query

KK_AD = (
    "Бағдарламалық қамтамасыз етуді әзірлеу саласында кемінде үш жыл жұмыс тәжірибесі бар, деректер "
    "қорын жобалау және басқару дағдыларын меңгерген, жауапкершілігі жоғары, командада жұмыс істей "
    "білетін білікті маманның біліктілігіне қойылатын талаптар деңгейлерінің сипаттамасы."
)


def test_kazakh_sentence() -> None:
    terms = analyze("Біліктілік деңгейлерінің сипаттамасы және басшылық", "kk")
    assert terms == ["білік", "деңгей", "сипаттама", "басшы"]


def test_kazakh_forms_meet_in_one_term() -> None:
    doc = analyze("Қызметкерлердің біліктілігіне қойылатын талаптар", "kk")
    query = analyze("қызметкер біліктілік талап", "kk")
    assert query == ["қызметкер", "білік", "талап"]
    assert set(query) <= set(doc)


def test_kazakh_stopwords_and_case_endings_after_acronyms() -> None:
    # "СБШ-та", "АКТ-ны": the hyphenated case ending is its own token and is dropped
    assert analyze("СБШ-та және АКТ-ны бойынша", "kk") == ["сбш", "акт"]


def test_hyphenated_compounds_split_into_parts() -> None:
    assert analyze("«Ақпараттық-коммуникациялық технологиялар»", "kk") == [
        "ақпарат",
        "коммуникация",
        "технология",
    ]
    assert analyze("IT-специалист", "ru") == ["it", "специалист"]
    assert analyze("e-mail", "en") == ["e", "mail"]


def test_russian_stemming_and_stopwords() -> None:
    terms = analyze("Опыт программирования и знание программирование на Python, ёлка", "ru")
    assert terms.count("программирован") == 2
    assert "и" not in terms
    assert "на" not in terms
    assert "python" in terms
    assert "елк" in terms  # ё folded to е


def test_english_stemming_and_stopwords() -> None:
    assert analyze("The developers and a developer of the system", "en") == ["develop", "develop", "system"]


def test_it_is_not_an_english_stopword() -> None:
    assert "it" in analyze("IT support specialist", "en")


def test_programming_languages_survive_tokenisation() -> None:
    assert analyze("C++, C# and F# developer", "en") == ["c++", "c#", "f#", "develop"]
    assert analyze("опыт 1С и C++", "ru")[-2:] == ["1с", "c++"]


def test_numbers_are_kept() -> None:
    assert analyze("№ 769 бұйрығы 2013 жылғы", "kk") == ["769", "бұйрық", "2013", "жыл"]


def test_script_routing_inside_one_text() -> None:
    # a Kazakh word in a Russian ad is stemmed as Kazakh, English tech words in Russian as English
    assert analyze("Работа в Қазақстанда, разработчики Python", "ru") == ["работ", "қазақстан", "разработчик", "python"]
    # plain-Cyrillic Kazakh words in English text follow the Kazakh letters around them
    assert analyze("Ақпараттық қауіпсіздік маманы wanted", "en") == ["ақпарат", "қауіп", "маман", "want"]
    # while Russian words in English text go to the Russian stemmer
    assert analyze("Senior developer, офис в Алматы", "en") == ["senior", "develop", "офис", "алмат"]


def test_latin_kazakh_query_hits_cyrillic_index() -> None:
    doc = analyze("Бағдарламалау саласындағы білікті мамандардың жұмыс тәжірибесі", "kk")
    for query in (
        "bagdarlamalau bilikti maman jumys tajiribe",  # informal ASCII
        "baǵdarlamalaý bilikti maman jumys tájiribe",  # 2018 acute alphabet
    ):
        terms = analyze_query(query)
        assert terms == ["бағдарлама", "білік", "маман", "жұмыс", "тәжірибе"], query
        assert set(terms) <= set(doc)


def test_latin_kazakh_keeps_technical_words() -> None:
    assert analyze("Python bagdarlamashy kerek", "kk") == ["python", "бағдарлама"]


def test_analyze_query_detects_language() -> None:
    assert analyze_query("программисты") == analyze("программисты", "ru") == ["программист"]
    assert analyze_query("developers") == ["develop"]
    assert analyze_query("деңгейлерінің") == ["деңгей"]
    assert analyze_query("деңгейлерінің", lang="kk") == ["деңгей"]


def test_language_aliases_and_errors() -> None:
    assert analyze("деңгейде", "KZ") == analyze("деңгейде", "kk") == ["деңгей"]
    assert analyze("developers", "auto") == ["develop"]
    with pytest.raises(ValueError, match="unsupported language"):
        analyze("text", "de")


def test_stopword_lists_are_exposed() -> None:
    assert {"және", "мен", "үшін"} <= STOPWORDS["kk"]
    assert {"и", "в", "для"} <= STOPWORDS["ru"]
    assert {"the", "and", "of"} <= STOPWORDS["en"]
    assert "it" not in STOPWORDS["en"]


@pytest.mark.parametrize(
    "text",
    ["", "   ", "😀🚀👍", "!!! ... ???", "\x00\x01\x07\x1b[31m", "\ud800", "\u200b\ufeff", "-" * 1000],
)
def test_garbage_gives_nothing_or_something_sane(text: str) -> None:
    terms = analyze(text, "kk")
    assert isinstance(terms, list)
    assert all(t.strip() for t in terms)
    assert analyze_query(text) == analyze(text, "auto")


def test_control_characters_and_emoji_split_words() -> None:
    assert analyze("деңгей\x00лер😀жоба\tбасшылық", "kk") == ["деңгей", "лер", "жоба", "басшы"]


def test_invisible_characters_inside_words_are_removed() -> None:
    assert analyze("бағдар\u00adламалау деңгей\u200bлері", "kk") == ["бағдарлама", "деңгей"]


def test_unicode_normalisation() -> None:
    decomposed = unicodedata.normalize("NFD", "Деңгейі және білімі")
    assert decomposed != "Деңгейі және білімі"
    assert analyze(decomposed, "kk") == analyze("Деңгейі және білімі", "kk") == ["деңгей", "біл"]
    assert analyze("İnternet", "en") == ["internet"]


def test_very_long_tokens_are_truncated() -> None:
    (term,) = analyze("a" * 100_000, "en")
    assert len(term) <= 64


def test_one_megabyte_of_mixed_text() -> None:
    chunk = KK_AD + " Опыт работы 😀\x00 with Python, C++ " + "бағдарлама-" * 3 + "\n"
    text = chunk * (1_000_000 // len(chunk) + 1)
    assert len(text) > 1_000_000
    start = time.perf_counter()
    terms = analyze(text, "kk")
    auto = analyze_query(text)
    elapsed = time.perf_counter() - start
    assert len(terms) > 100_000
    assert auto == terms  # detected as Kazakh
    assert elapsed < 5.0


def test_warm_thirty_word_sentence_is_well_under_a_millisecond() -> None:
    assert len(KK_AD.split()) >= 30
    analyze(KK_AD, "kk")
    runs = 500
    start = time.perf_counter()
    for _ in range(runs):
        analyze(KK_AD, "kk")
    per_call = (time.perf_counter() - start) / runs
    assert per_call < 0.001  # measured ~40 us


def test_deterministic() -> None:
    assert analyze(KK_AD, "kk") == analyze(KK_AD, "kk")
    assert analyze(KK_AD, "kk")[:6] == ["бағдарлама", "қамтама", "ет", "әзір", "сала", "кем"]


def test_unique_analysis_is_the_distinct_terms_in_order() -> None:
    text = "Бағдарламалау, бағдарламалау және тестілеу; testing and testing, Python Python"
    for lang in ("kk", "ru", "en", "auto"):
        assert analyze(text, lang, unique=True) == list(dict.fromkeys(analyze(text, lang)))
    latin = "Bagdarlamalau jumysy, jumysy jane bagdarlamalau"
    assert analyze(latin, "kk", unique=True) == list(dict.fromkeys(analyze(latin, "kk")))
