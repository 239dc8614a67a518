"""Language detection on realistic job-ad sentences and on awkward input."""

from __future__ import annotations

import dataclasses
import time

import pytest

from qualframe.search.lang import LangGuess, detect, detect_language

KK_CYRILLIC = [
    "Біз тәжірибелі бағдарламашы іздейміз, Python тілінде кемінде 3 жыл жұмыс тәжірибесі болуы керек.",
    "Жоба менеджері командаға басшылық жасап, жобаның мерзімі мен бюджетін бақылайды.",
    "Жүйелік әкімші серверлердің үздіксіз жұмысын қамтамасыз етеді.",
    "Үміткердің деректер қорын жобалау және SQL сұрауларын оңтайландыру дағдылары болуы тиіс.",
    "Қазақ және орыс тілдерін еркін меңгеру, ағылшын тілін білу артықшылық болып табылады.",
    "Ақпараттық қауіпсіздік маманы желілік шабуылдарды талдайды және тәуекелдерді бағалайды.",
    "Жалақы келісім бойынша, толық жұмыс күні, Алматы қаласындағы кеңсе.",
    "Бағдарламалық қамтамасыз етуді тестілеу және ақауларды тіркеу бойынша тәжірибе қажет.",
    "Жоспарлау мен жобалау салада жоғары білім, жауапкершілік және командада жұмыс істей білу.",
    "Кәсіби біліктілігін арттыру курстарын өткен мамандарға басымдық беріледі.",
    "Техникалық қолдау қызметкері пайдаланушылардың өтініштерін уақытында өңдейді.",
    "Жоба керек, маман керек, жалақы жоғары, тест тапсырмасы бар.",
]

KK_LATIN = [
    "Bizge tájiribeli baǵdarlamashy kerek, Python tilinde keminde 3 jyl jumys tájiribesi bolýy tiis.",
    "Joba menedjeri komandaǵa basshylyq jasap, jobanyń merzimi men bıýdjetin baqylaıdy.",
    "Júıelik ákimshi serverlerdiń úzdiksiz jumysyn qamtamasyz etedi.",
    "Aqparattyq qaýipsizdik mamany jelilik shabýyldardy taldaıdy jáne táýekelderdi baǵalaıdy.",
    "Qazaq jáne orys tilderin erkin meńgerý, aǵylshyn tilin bilý artyqshylyq bolyp tabylady.",
    "Bagdarlamalau salasynda 3 jyldan kem emes jumys tajiribesi bar maman kerek.",
    "Bilikti mamandar izdeımiz: jalaqy kelisim boıynsha, tolyq jumys kúni.",
    "Kasiby bilimi bar jane jauapkershiligi joғary kyzmetker kerek.",
    "Bilim: joǵary tehnıkalyq bilim, deńgeıi keminde bakalavr.",
    "Baǵdarlamalaý tilderin bilý jáne deńgei boıynsha biliktilik talaptary.",
    "Ağılşın tilin bilu, jūmıs täjiribesi keminde eki jıl.",
]

RUSSIAN = [
    "Требуется опытный программист Python с опытом работы не менее 3 лет.",
    "Менеджер проекта руководит командой и контролирует сроки и бюджет проекта.",
    "Системный администратор обеспечивает бесперебойную работу серверов.",
    "Кандидат должен уметь проектировать базы данных и оптимизировать SQL-запросы.",
    "Свободное владение русским языком, знание английского языка будет преимуществом.",
    "Специалист по информационной безопасности анализирует сетевые атаки и оценивает риски.",
    "Заработная плата по договоренности, полный рабочий день, офис в Алматы.",
    "Опыт тестирования программного обеспечения и регистрации дефектов обязателен.",
    "Высшее образование в области планирования, ответственность и умение работать в команде.",
    "Предпочтение отдается специалистам, прошедшим курсы повышения квалификации.",
    "Сотрудник технической поддержки своевременно обрабатывает обращения пользователей.",
]

ENGLISH = [
    "We are looking for an experienced Python developer with at least 3 years of experience.",
    "The project manager leads the team and controls the project schedule and budget.",
    "The system administrator ensures uninterrupted operation of the servers.",
    "The candidate must be able to design databases and optimize SQL queries.",
    "Fluent Kazakh and Russian; knowledge of English is an advantage.",
    "Information security specialist analyses network attacks and assesses risks.",
    "Salary is negotiable, full-time position, office in Almaty.",
    "Experience in software testing and defect tracking is required.",
    "Higher education in planning, responsibility and ability to work in a team.",
    "Preference is given to specialists who have completed professional development courses.",
    "Technical support engineer handles user requests in a timely manner.",
]

KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")


def test_sample_sets_are_big_enough_and_clean() -> None:
    for sentences in (KK_CYRILLIC, KK_LATIN, RUSSIAN, ENGLISH):
        assert len(sentences) >= 10
    # the Russian set must not lean on Kazakh letters, the Latin Kazakh set must be Latin
    assert not any(KAZAKH_LETTERS & set(s) for s in RUSSIAN)
    assert all(detect(s).script == "latn" for s in KK_LATIN)


@pytest.mark.parametrize("sentence", KK_CYRILLIC)
def test_kazakh_cyrillic(sentence: str) -> None:
    guess = detect(sentence)
    assert (guess.lang, guess.script) == ("kk", "cyrl")
    assert guess.confidence > 0.5


@pytest.mark.parametrize("sentence", KK_LATIN)
def test_kazakh_latin(sentence: str) -> None:
    guess = detect(sentence)
    assert (guess.lang, guess.script) == ("kk", "latn")
    assert guess.confidence > 0.5


@pytest.mark.parametrize("sentence", RUSSIAN)
def test_russian(sentence: str) -> None:
    guess = detect(sentence)
    assert (guess.lang, guess.script) == ("ru", "cyrl")
    assert guess.confidence > 0.5


@pytest.mark.parametrize("sentence", ENGLISH)
def test_english(sentence: str) -> None:
    guess = detect(sentence)
    assert (guess.lang, guess.script) == ("en", "latn")
    assert guess.confidence > 0.5


def test_russian_mentioning_a_kazakh_name_stays_russian() -> None:
    text = "Крупная компания Қазақтелеком ищет инженера связи в Астане, опыт работы от двух лет."
    assert detect_language(text) == "ru"


def test_kazakh_without_kazakh_letters() -> None:
    # every word here is also spellable in Russian letters; the words themselves are Kazakh
    assert detect_language("Жоба керек, маман керек, жалақы жоғары емес, тест тапсырмасы бар.") == "kk"
    assert detect_language("жоба менеджері") == "kk"
    assert detect_language("маман") == "kk"


@pytest.mark.parametrize(
    "word",
    ["деңгей", "басшылық", "бағдарламалау", "біліктілік", "құзыреттіліктерге", "жауапкершілікті"],
)
def test_single_kazakh_cyrillic_words(word: str) -> None:
    assert detect_language(word) == "kk"


@pytest.mark.parametrize(
    "word",
    [
        "jáne",
        "bilim",
        "deńgei",
        "baǵdarlamalaý",
        "bagdarlamalau",
        "bilikti",
        "jumys",
        "kasiby",
        "kyzmet",
        "bilikti jumys",
    ],
)
def test_single_kazakh_latin_words(word: str) -> None:
    assert detect_language(word) == "kk"


@pytest.mark.parametrize("word", ["программист", "проект", "разработчик баз данных", "тимлид"])
def test_single_russian_words(word: str) -> None:
    assert detect_language(word) == "ru"


@pytest.mark.parametrize("word", ["developer", "team lead", "Java", "data scientist", "the"])
def test_single_english_words(word: str) -> None:
    assert detect_language(word) == "en"


def test_mixed_script() -> None:
    guess = detect("Python әзірлеуші")
    assert (guess.lang, guess.script) == ("kk", "mixed")
    guess = detect("Senior Java developer, офис в Алматы")
    assert guess.script == "mixed"
    assert guess.lang == "en"


@pytest.mark.parametrize("text", ["", "   ", "!!! ???", "😀🚀👍", "123 456", "\x00\x07\x1b", "—–…", "\ud800"])
def test_nothing_to_judge_defaults_to_kazakh(text: str) -> None:
    assert detect(text) == LangGuess("kk", "none", 0.0)
    assert detect_language(text) == "kk"


def test_non_string_input_does_not_raise() -> None:
    assert detect(None).lang == "kk"  # type: ignore[arg-type]
    assert detect(b"bytes").confidence == 0.0  # type: ignore[arg-type]


def test_confidence_grows_with_evidence() -> None:
    one = detect("деңгей").confidence
    many = detect(KK_CYRILLIC[0]).confidence
    assert 0.0 < one < many <= 1.0
    weak = detect("программист")
    assert weak.lang == "ru"
    assert weak.confidence < 0.2


def test_scores_are_reported_best_first() -> None:
    guess = detect(ENGLISH[0])
    assert guess.scores[0][0] == "en"
    assert sorted(lang for lang, _ in guess.scores) == ["en", "kk", "ru"]
    assert all(score >= 0 for _, score in guess.scores)


def test_guess_is_immutable() -> None:
    guess = detect("деңгей")
    with pytest.raises(dataclasses.FrozenInstanceError):
        guess.lang = "ru"  # type: ignore[misc]


def test_control_characters_and_emoji_inside_text() -> None:
    text = "Біз\x00 бағдарламашы\x07 іздейміз 😀 \u200b жұмыс\ttәжірибесі"
    assert detect_language(text) == "kk"


def test_huge_input_is_fast() -> None:
    text = (" ".join(RUSSIAN) + " ") * 8000  # ~1 MB
    assert len(text) > 1_000_000
    start = time.perf_counter()
    assert detect_language(text) == "ru"
    assert time.perf_counter() - start < 0.5


def test_warm_detection_is_fast() -> None:
    detect_language(KK_CYRILLIC[1])
    start = time.perf_counter()
    for _ in range(1000):
        detect_language(KK_CYRILLIC[1])
    assert (time.perf_counter() - start) / 1000 < 0.0005


def test_overlong_words_vote_like_their_prefix() -> None:
    """A 20,000-letter "word" is judged on its first letters: bounded work, same answer."""
    from qualframe.search.lang import detect

    for word in ("қ" * 20_000, "a" * 20_000, "ш" * 20_000):
        assert detect(word + " ") == detect(word[:64] + " ")
