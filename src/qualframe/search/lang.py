"""Language detection for Kazakh, Russian and English text (queries, job ads, framework text).

Search needs to pick the right analyser before stemming, and the three languages are easy to tell
apart with cheap evidence, so no statistical model is downloaded or bundled:

* Cyrillic words with Kazakh-only letters (ә ғ қ ң ө ұ ү һ і) are strong Kazakh evidence; Cyrillic
  without them leans Russian, confirmed by Russian function words and endings (-ость, -ения, -ого).
  Plain-letter Kazakh words (жоба, керек, немесе, мен) and Kazakh suffix chains (-лары, -ларды)
  still count for Kazakh, so a Kazakh sentence without special letters is not called Russian.
* Latin words with Kazakh Latin letters (á ǵ ı ń ó ú ý, or ä ğ ñ ş ū), Kazakh Latin words ("jáne",
  "bilim", "jumys", "bagdarlamalau") and Kazakh suffixes (-lyq, -dyń, -lary) count for Kazakh;
  English function words and English spelling (th, w, c, -tion) count for English.

Every word casts weighted votes; the totals decide. A Russian ad that mentions "Қазақстан" stays
Russian because one Kazakh word cannot outvote a dozen Russian ones.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["LangGuess", "detect", "detect_language"]


def _wordset(text: str) -> frozenset[str]:
    """Whitespace-separated word list -> frozenset (keeps long vocabularies readable)."""
    return frozenset(text.split())


DEFAULT_LANG = "kk"
# Long documents are judged on a prefix: the answer does not change, the cost does.
_MAX_CHARS = 20_000
_CACHE_MAX_CHARS = 512
_MAX_WORD = 64

_KK_CYR_LETTERS = frozenset("әғқңөұүһі")
_RU_ONLY_LETTERS = frozenset("ёъщэ")
_CYR = re.compile(r"[\u0400-\u04ff]")
_LAT = re.compile(r"[a-zA-Z\u00c0-\u024f]")
_WORD = re.compile(r"[^\W\d_]+")

_KK_LATIN_LETTERS = frozenset("áǵıńóúýäğñşūöüç")

# Kazakh words written with letters that Russian also has.
_KK_CYR_WORDS = _wordset("""
мен бен пен жоба жобалар жобалау керек немесе осы бар емес жыл жылдан жылдық тиіс бойынша
туралы арқылы жоспар жоспарлау сала салада салалар саласы талап талаптар маман мамандар
жауап жауапты жазу жаза адам жас жаса жасау тест тестілеу сапа сапасы сапалы жолы жоба
бағдарлама ерекше тапсырма тапсырмалар жалпы жалақы жалақысы аралас орта ортасы
арасында барлық болу болса болып оны оларды олар мына сол деп дейін
""")

_RU_WORDS = _wordset("""
и в во на с со по для от не что как или к о об из за у при до под над без это мы вы наш наша
наши наше ваш ваша все всех который которые которая также если уже ли же бы быть есть будет
опыт работы работа работе знание знания умение навыки требования требуется обязанности
условия компании компания команда лет год года года желательно высшее образование
""")

_EN_WORDS = _wordset("""
the and of to in for with on is are be as at by or we you our your will have has from this that
an a not but can should must who which what when where all any more other such into about
experience skills knowledge required requirements responsibilities team work working years
ability strong good excellent degree job salary apply position developer engineer
""")

# Technical words appear in ads of every language: weak English evidence only, and they are never
# read as Latin-script Kazakh (Java is not "jа...").
_TECH_WORDS = _wordset("""
java javascript python sql linux docker git php html css react kotlin devops frontend backend
fullstack senior junior middle lead manager analyst data api excel
""")

_KK_LAT_WORDS = _wordset("""
jáne jane men ben pen úshin ushin boıynsha boiynsha boyinsha boyynsha turaly osy bul emes bar
joq jok nemese arqyly arkyly jumys jumysy bilim bilikti biliktilik tájiribe tajiribe tazhiribe
kásibi kasibi kasiby mamandyq mamandyk maman qyzmet kyzmet deńgei dengei dengey baǵdarlama
bagdarlama baǵdarlamalaý bagdarlamalau kerek talap talaptar jyl jyldan jalaqy jalakı zhalakı
jalaky salasy salasynda qazaq kazak tili tilin aǵylshyn agylshyn orys jaýapty jauapty jauapkershilik
jobasy joba jobalar basshy basshysy qyzmetker kyzmetker ótinish otinish
""")

_RU_ENDINGS = tuple(
    sorted(
        _wordset("""
ость ости ение ения ании ание ания ого его ому ему ыми ими ться тся ются ает ует ый ий ая
ое ые ых их ую ов ев ция ции ешь ишь
""")
    )
)
_KK_CYR_ENDINGS = tuple(
    sorted(
        _wordset("""
лары дары тары ларды дарды тарды ларда дарда тарда лармен дармен тармен сына сынан ында
ынан ымыз
""")
    )
)
_KK_LAT_ENDINGS = tuple(
    sorted(
        _wordset("""
lyq lyk dyq dyk tyq tyk lik dik tik lary leri dary deri tary teri lardy lerdi laý leý lau
leu dau deu tau teu shy ushy ushi dyń nyń tyń diń niń tiń dyn nyn tyn ǵa daǵy degi dagy
ndegi ymyz imiz syz siz ynda inde ysy yna dan den
""")
    )
)
_EN_MARKS = re.compile(r"th|wh|ph|ck|tion|sion|ing$|ed$|ee|oo|ou|ea|[cwx]")
_KK_LAT_MARKS = re.compile(r"q(?!u)|[bcdfghjklmnpqrstvxz]y[bcdfghjklmnpqrstvxz]|^j[aáuúy]")


@dataclass(frozen=True, slots=True)
class LangGuess:
    """A detection result: ``lang`` is always one of "kk", "ru", "en".

    ``script`` is "cyrl", "latn", "mixed" or "none"; ``confidence`` is in [0, 1] and grows with
    both the margin over the runner-up and the amount of evidence.
    """

    lang: str
    script: str
    confidence: float
    scores: tuple[tuple[str, float], ...] = ()


def detect_language(text: str) -> str:
    """Return "kk", "ru" or "en" for *text*; "kk" when there is nothing to judge."""
    return detect(text).lang


def detect(text: str) -> LangGuess:
    """Detect language and script of *text* (never raises; non-str input is treated as empty)."""
    if not isinstance(text, str) or not text:
        return LangGuess(DEFAULT_LANG, "none", 0.0)
    if len(text) <= _CACHE_MAX_CHARS:
        return _detect_cached(text)  # queries repeat; documents are not worth caching
    return _detect(text[:_MAX_CHARS])


@lru_cache(maxsize=4096)
def _detect_cached(text: str) -> LangGuess:
    return _detect(text)


def _detect(text: str) -> LangGuess:
    t = unicodedata.normalize("NFC", text).lower()
    n_cyr = len(_CYR.findall(t))
    n_lat = len(_LAT.findall(t))
    if n_cyr + n_lat == 0:
        return LangGuess(DEFAULT_LANG, "none", 0.0)
    minority = min(n_cyr, n_lat) / (n_cyr + n_lat)
    script = "mixed" if minority >= 0.2 else ("cyrl" if n_cyr > n_lat else "latn")

    kk = ru = en = 0.0
    for word in _WORD.findall(t):
        k, r, e = _word_votes(word[:_MAX_WORD])  # a longer "word" is noise; the cap bounds the work
        kk += k
        ru += r
        en += e
    scores = {"kk": kk, "ru": ru, "en": en}
    total = kk + ru + en
    if total == 0:
        return LangGuess(DEFAULT_LANG, script, 0.0)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], ("kk", "ru", "en").index(kv[0])))
    (best, top), (_, second) = ranked[0], ranked[1]
    margin = (top - second) / (top + second) if top + second else 0.0
    evidence = min(1.0, total / 4.0)
    conf = round(max(0.0, min(1.0, margin * evidence)), 3)
    return LangGuess(best, script, conf, tuple((k, round(v, 2)) for k, v in ranked))


@lru_cache(maxsize=65536)
def _word_votes(word: str) -> tuple[float, float, float]:
    """Return (kk, ru, en) votes for one lower-cased word."""
    if _CYR.match(word):
        if any(c in _KK_CYR_LETTERS for c in word):
            return (2.0, 0.0, 0.0)
        if word in _KK_CYR_WORDS:
            return (1.5, 0.0, 0.0)
        if word in _RU_WORDS:
            return (0.0, 1.5, 0.0)
        if any(c in _RU_ONLY_LETTERS for c in word):
            return (0.0, 1.0, 0.0)
        if len(word) >= 5 and word.endswith(_KK_CYR_ENDINGS):
            return (0.7, 0.0, 0.0)
        if len(word) >= 4 and word.endswith(_RU_ENDINGS):
            return (0.0, 1.0, 0.0)
        return (0.0, 0.25, 0.0)  # Kazakh prose rarely goes a word without a Kazakh letter
    if _LAT.match(word):
        kk = en = 0.0
        if any(c in _KK_LATIN_LETTERS for c in word):
            kk += 2.0
        if word in _KK_LAT_WORDS:
            kk += 2.0
        if word in _EN_WORDS:
            en += 2.0
        elif word in _TECH_WORDS:
            en += 0.5
        if kk == 0 and en == 0:
            if len(word) >= 5 and word.endswith(_KK_LAT_ENDINGS):
                kk += 1.0
            if _KK_LAT_MARKS.search(word):
                kk += 0.75
            if _EN_MARKS.search(word):
                en += 1.0
            if kk == 0 and en == 0:
                en += 0.25  # technical terms (SQL, Linux) are Latin by default
        return (kk, 0.0, en)
    return (0.0, 0.0, 0.0)
