"""Kazakh stemmer and transliteration, checked on real word forms from the ICT SQF legal text."""

from __future__ import annotations

import re
import time
from importlib import resources

import pytest

from qualframe.search.kazakh import latin_to_cyrillic, normalize_kk, stem_kk

# Conflation groups: every form is copied from the seed text (checked below), and every form in a
# group must reduce to the group's stem. The stem strings pin the documented policy.
SEED_GROUPS: dict[str, list[str]] = {
    # qualification: -лік/-ті are stripped and the к/г alternation is undone (біліктілігі -> -лік)
    "білік": ["біліктілігіне", "біліктілік", "біліктілікті", "біліктіліктің", "біліктілігінің"],
    "деңгей": [
        "деңгейлерінің",
        "деңгейі",
        "деңгейде",
        "деңгейдегі",
        "деңгейге",
        "деңгейлер",
        "деңгейіндегі",
        "деңгейлерінен",
        "деңгейлік",
        "деңгей",
    ],
    # employee (-кер kept) vs activity: two different stems
    "қызметкер": ["қызметкерлердің", "қызметкерлерге", "қызметкерлер", "қызметкері", "қызметкерлермен"],
    "қызмет": ["қызмет", "қызметінің", "қызметті", "қызметтің", "қызметтер", "қызметпен", "қызметін"],
    # program / software / programming are one search family
    "бағдарлама": [
        "бағдарламалық",
        "бағдарламалау",
        "бағдарламаларды",
        "бағдарламаларын",
        "бағдарламалаудың",
    ],
    "құзырет": ["құзыреттіліктерге", "құзыреттерді", "құзырет", "құзыреттерін"],
    "машық": ["машықтарына", "машықтары", "машықтарын", "машықтарының", "машықтарға", "машықтар"],
    "жауапкер": ["жауапкершілікті", "жауапкершілік", "жауапкершілікте", "жауапкершілігінің"],
    # knowledge / to know: kept apart from білік (qualification)
    "біл": ["білім", "білу", "біліміне", "білімдер", "білудің", "білімінің"],
    "басшы": ["басшылық", "басшылықпен", "басшылар", "басшылығының", "басшылықтың"],
    "басқар": ["басқару", "басқарушылық", "басқарудың", "басқаруды", "басқарушылығын"],
    "жұмыс": ["жұмыс", "жұмысын", "жұмыстардың", "жұмысының", "жұмыстары", "жұмысына", "жұмысы"],
    "талап": ["талаптар", "талаптарына", "талап", "талаптардың", "талаптарға"],
    "тапсырма": ["тапсырмаларды", "тапсырмаға", "тапсырманың", "тапсырма", "тапсырмамен"],
    "кәсіп": ["кәсіби", "кәсіптік", "кәсібилігін"],
    "жүйе": ["жүйесінің", "жүйелер", "жүйенің", "жүйелі", "жүйесіне"],
    "шеш": ["шешімдерді", "шешім", "шешу", "шешімдердің"],
    "дағды": ["дағдыларын", "дағды", "дағдысын", "дағдының"],
    "технология": ["технологиялар", "технологиялық", "технологияларды", "технологияны"],
    "қазақстан": ["Қазақстанның", "Қазақстанда", "Қазақстан"],
    "мақсат": ["мақсатында", "мақсаты", "мақсаттар", "мақсат"],
    "тәжірибе": ["тәжірибесі", "тәжірибеде", "тәжірибені", "тәжірибе"],
    "әрекет": ["әрекетін", "әрекеттерді", "әрекет"],
    "құрал": ["құралы", "құралдары", "құрал", "құралын"],
    "жабдық": ["жабдығын", "жабдықтарды", "жабдықты"],
    "бұйрық": ["бұйрығы", "бұйрығымен", "бұйрықтың"],
    "сала": ["сала", "салалардың", "саласындағы", "салалық", "саланың"],
    "ұйым": ["ұйым", "ұйымдардың", "ұйымдарымен", "ұйымның"],
    "стратегия": ["стратегиялық", "стратегиясын", "стратегияларды"],
    "шеңбер": ["шеңбері", "шеңберінде", "шеңберіндегі"],
}

# Forms quoted in the design brief that are not in the seed text but must still conflate.
EXTRA_GROUPS: dict[str, list[str]] = {
    "білік": ["біліктілігін", "білікті"],
    "қызметкер": ["қызметкер"],
}


@pytest.fixture(scope="module")
def seed_words() -> set[str]:
    text = resources.files("qualframe").joinpath("data/ict-sqf-2013.kk.txt").read_text("utf-8")
    return set(re.findall(r"[^\W\d_]+", text.lower()))


def test_seed_forms_are_real(seed_words: set[str]) -> None:
    forms = [f for group in SEED_GROUPS.values() for f in group]
    assert len(forms) >= 30
    missing = [f for f in forms if f.lower() not in seed_words]
    assert missing == []


@pytest.mark.parametrize(("stem", "forms"), sorted(SEED_GROUPS.items()))
def test_seed_groups_conflate(stem: str, forms: list[str]) -> None:
    assert {f: stem_kk(f) for f in forms} == dict.fromkeys(forms, stem)


@pytest.mark.parametrize(("stem", "forms"), sorted(EXTRA_GROUPS.items()))
def test_brief_forms_conflate(stem: str, forms: list[str]) -> None:
    assert [stem_kk(f) for f in forms] == [stem] * len(forms)


def test_groups_do_not_collide() -> None:
    stems = {stem_kk(forms[0]) for forms in SEED_GROUPS.values()}
    assert len(stems) == len(SEED_GROUPS)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("біліктілік", "білім"),
        ("қызметкер", "қызмет"),
        ("бағдарлама", "бағдарлау"),
        ("ұйымдастыру", "ұйым"),
        ("кәсіпорын", "кәсіби"),
        ("басшылық", "басқару"),
        ("басшы", "бас"),
        ("мүмкіндік", "мүмк"),
    ],
)
def test_different_roots_stay_apart(a: str, b: str) -> None:
    assert stem_kk(a) != stem_kk(b)


def test_agent_nouns_join_their_activity() -> None:
    # -ушы/-шы are derivational and stripped: developer ~ development, user ~ use, worker ~ work.
    assert stem_kk("әзірлеуші") == stem_kk("әзірлеу")
    assert stem_kk("пайдаланушы") == stem_kk("пайдалану")
    assert stem_kk("жұмысшылардың") == stem_kk("жұмыс")
    assert stem_kk("бағдарламашы") == "бағдарлама"


def test_vowel_harmony_is_respected() -> None:
    # a back-vowel stem never takes a front suffix and vice versa: such strings are left alone
    assert stem_kk("жобалер") == "жобалер"
    assert stem_kk("деңгейлар") == "деңгейлар"
    assert stem_kk("жобалар") == "жоба"
    assert stem_kk("деңгейлер") == "деңгей"


def test_consonant_assimilation_is_respected() -> None:
    # after a voiceless с the plural is -тар; -лар there is not a suffix
    assert stem_kk("жұмыстар") == "жұмыс"
    assert stem_kk("жұмыслар") == "жұмыслар"
    # after a vowel the genitive is -ның; -дың there is not a suffix
    assert stem_kk("жобаның") == "жоба"
    assert stem_kk("жобадың") == "жобадың"


def test_contextual_case_endings_need_a_possessive() -> None:
    # accusative -н only after a 3rd-person possessive: орын / мүмкін are not оры+н / мүмкі+н
    assert stem_kk("орын") == "орын"
    assert stem_kk("мүмкін") == stem_kk("мүмкіндік") == "мүмкін"
    assert stem_kk("жұмысын") == "жұмыс"


def test_consonant_alternation_is_undone() -> None:
    assert stem_kk("бұйрығы") == stem_kk("бұйрық") == "бұйрық"
    assert stem_kk("есебінен") == stem_kk("есепке") == "есеп"
    assert stem_kk("жиынтығы") == stem_kk("жиынтығын") == "жиынтық"


def test_short_roots_are_not_destroyed() -> None:
    for word in ("оқу", "сала", "басшы", "іс", "ел", "жыл", "тіл"):
        assert stem_kk(word) == word, word
    assert stem_kk("ісі") == stem_kk("іске") == "іс"
    assert stem_kk("елде") == "ел"
    assert stem_kk("тілдерінің") == "тіл"


def test_protected_words() -> None:
    assert stem_kk("Қазақстан") == "қазақстан"  # not Қазақс + ablative -тан
    assert stem_kk("жұмыстан") == "жұмыс"  # while a real ablative is stripped


def test_odd_input_is_returned_normalised() -> None:
    assert stem_kk("") == ""
    assert stem_kk("Python") == "python"
    assert stem_kk("2013") == "2013"
    assert stem_kk("АКТ") == "акт"
    assert stem_kk("а") == "а"


def test_normalisation() -> None:
    # Latin homoglyphs inside Cyrillic words (old fonts) and decomposed letters
    assert normalize_kk("бiлiм") == "білім"
    assert stem_kk("бiлiмдерi") == stem_kk("білімдері")
    assert stem_kk("деңгеи\u0306") == "деңгей"
    assert normalize_kk("Ёлка") == "елка"
    assert normalize_kk("Python және SQL") == "python және sql"  # Latin words stay Latin


def test_stemmer_is_deterministic_and_cached() -> None:
    stem_kk.cache_clear()
    first = [stem_kk(w) for f in SEED_GROUPS.values() for w in f]
    second = [stem_kk(w) for f in SEED_GROUPS.values() for w in f]
    assert first == second
    assert stem_kk.cache_info().hits >= len(second)


def test_stemmer_is_fast(seed_words: set[str]) -> None:
    words = sorted(seed_words)
    stem_kk.cache_clear()
    start = time.perf_counter()
    for w in words:
        stem_kk(w)
    elapsed = time.perf_counter() - start
    assert elapsed / len(words) < 0.0005  # measured ~20 us per uncached word


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        # 2018 acute alphabet
        ("jáne", "және"),
        ("bilim", "білім"),
        ("deńgei", "деңгей"),
        ("baǵdarlamalaý", "бағдарламалау"),
        ("Qazaqstan Respýblıkasy", "Қазақстан Республикасы"),
        ("boıynsha", "бойынша"),
        ("qaýipsizdik", "қауіпсіздік"),
        ("tájiribe", "тәжірибе"),
        # informal ASCII
        ("bagdarlamalau", "бағдарламалау"),
        ("bilikti", "білікті"),
        ("jumys", "жұмыс"),
        ("kasiby", "кәсіби"),
        ("kyzmetker", "қызметкер"),
        ("dengei", "деңгей"),
        ("boiynsha", "бойынша"),
        ("jane", "және"),
        ("ushin", "үшін"),
        ("mamandyq", "мамандық"),
        ("tajiribe", "тәжірибе"),
        # 2021 umlaut alphabet
        ("ağılşın tili", "ағылшын тілі"),
        ("jūmıs", "жұмыс"),
        ("deñgey", "деңгей"),
    ],
)
def test_latin_to_cyrillic(latin: str, cyrillic: str) -> None:
    assert latin_to_cyrillic(latin) == cyrillic


def test_latin_to_cyrillic_keeps_other_text() -> None:
    assert latin_to_cyrillic("Python, SQL: 3 jyl!") == "Python, SQL: 3 жыл!"
    assert latin_to_cyrillic("деңгей 42") == "деңгей 42"
    assert latin_to_cyrillic("") == ""
    assert latin_to_cyrillic("😀 ...") == "😀 ..."


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("biliktiligine", "біліктілігіне"),
        ("deńgeıleriniń", "деңгейлерінің"),
        ("baǵdarlamalyq", "бағдарламалық"),
        ("jaýapkershilikti", "жауапкершілікті"),
        ("mashyqtaryna", "машықтарына"),
    ],
)
def test_latin_queries_meet_cyrillic_stems(latin: str, cyrillic: str) -> None:
    assert stem_kk(latin_to_cyrillic(latin)) == stem_kk(cyrillic)


def test_transliteration_by_token_equals_the_whole_text() -> None:
    """analyze transliterates token by token; the result is the whole-text transliteration's."""
    from qualframe.search.kazakh import translit_mode, translit_token

    for text in ("Aǵa Python ázirleýshi, tájiribe 5 jyl", "Täjıribe 1 jylğa deiın", "Bagdarlamashy jumysy"):
        prepared, mode = translit_mode(text)
        by_token = re.sub(r"[^\W_]+", lambda m, mode=mode: translit_token(m.group(0), mode), prepared)
        assert by_token == latin_to_cyrillic(text)


def test_overlong_words_are_neither_transliterated_nor_stemmed() -> None:
    from qualframe.search.kazakh import MAX_WORD

    long_latin = "jumys" * (MAX_WORD // 5 + 1)
    assert latin_to_cyrillic(long_latin) == long_latin
    assert latin_to_cyrillic("jumys" * (MAX_WORD // 5)) != "jumys" * (MAX_WORD // 5)
    long_kk = "жұмыстар" * (MAX_WORD // 8 + 1)
    assert stem_kk(long_kk) == long_kk
