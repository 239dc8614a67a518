"""Text analysis shared by indexing and querying: text -> list of index terms.

BM25 only works if documents and queries are reduced to terms in exactly the same way, so both
go through :func:`analyze`:

1. Unicode NFC + lower-case (Turkic "İ" folded to "i" first, so Latin Kazakh survives ``lower()``);
2. tokenise into runs of letters/digits; a hyphenated compound yields its parts as separate tokens
   ("ақпараттық-коммуникациялық" -> two tokens, "АКТ-ны" -> "акт" + a case ending that is dropped);
   "c++", "c#", "f#" are kept whole because job ads need them;
3. route each token by script: Cyrillic with Kazakh letters -> Kazakh; other Cyrillic -> the
   requested language when it is kk/ru, and in English text Kazakh or Russian depending on whether
   the text's Cyrillic carries Kazakh letters; Latin -> English, except that Kazakh text written
   mostly in Latin is transliterated to Cyrillic token by token so it meets the Cyrillic index
   (technical words such as "Python" stay Latin);
4. drop stopwords of the token's language, then stem: Snowball (PyStemmer) for ru/en,
   :func:`qualframe.search.kazakh.stem_kk` for kk.

Per-token work is memoised, so a warm 30-word sentence costs a few microseconds per token, and bounded:
a token is cut to ``MAX_TOKEN`` characters before it is transliterated or stemmed, so the cost of a
text is linear in its length whatever it contains.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import Stemmer

from qualframe.search.kazakh import MAX_WORD, latin_to_cyrillic, normalize_kk, stem_kk, translit_mode, translit_token
from qualframe.search.lang import detect

__all__ = ["STOPWORDS", "analyze", "analyze_query"]


def _wordset(text: str) -> frozenset[str]:
    """Whitespace-separated word list -> frozenset (keeps long vocabularies readable)."""
    return frozenset(text.split())


LANGS = ("kk", "ru", "en")
_ALIASES = {"kz": "kk", "kaz": "kk", "kazakh": "kk", "rus": "ru", "russian": "ru", "eng": "en", "english": "en"}

_KK_STOP = _wordset("""
және мен бен пен да де та те ма ме ба бе па пе бір бұл осы сол ол олар оның олардың оны оларды
біз сіз сен мен өз өзі өзінің үшін бойынша туралы арқылы немесе не әрі әр ал бірақ егер онда
сондай ақ яғни мысалы тағы тек ғана ең өте деп дейін кейін соң бері қарай сияқты ретінде
жөнінде ішінде ішіндегі кезде кезінде болып табылады болады болса бола болған емес бар жоқ
тиіс қажет керек т б с ж
ны ні ның нің дың дің тың тің ға ге қа ке на не дан ден тан тен нан нен ты ті ды ді сы сі
""")
# "қажет"/"керек" (required) are stopwords: every requirement line has one, they carry no topic.

_RU_STOP = _wordset("""
и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне
было вот от меня еще нет о из ему теперь когда даже ну ли если уже или ни быть был него до вас
нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя
их чем была сам чтоб без будто чего раз тоже себе под будет ж тогда кто этот того потому этого
какой совсем ним здесь этом один почти мой тем чтобы нее сейчас были куда зачем всех никогда
можно при наконец два об другой хоть после над больше тот через эти нас про всего них какая
много разве три эту моя впрочем хорошо свою этой перед иногда лучше чуть том нельзя такой им
более всегда конечно всю между это также наш наша наши наше ваш ваша ваши который которая
которые которое которых является являются т е др менее
""")

# "it" is deliberately not a stopword: in job ads it means IT.
_EN_STOP = _wordset("""
a an the and or of to in on for with by at from as is are was were be been being this that these
those its we you our your they their them he she his her him us me my i will would can could
should shall may might have has had do does did not no but if than then so such into about over
under up out who whom which what when where why how all any each both few more most other some
only own same too very just also per via etc nor
""")

STOPWORDS: dict[str, frozenset[str]] = {"kk": _KK_STOP, "ru": _RU_STOP, "en": _EN_STOP}

# Letters/digits runs; c++ / c# / f# kept whole. Hyphens, apostrophes, punctuation split tokens.
_TOKEN = re.compile(r"[^\W_]+(?:\+\+|#)?")
_KK_LETTERS = frozenset("әғқңөұүһі")
_CYR = re.compile(r"[\u0400-\u04ff]")
_LAT = re.compile(r"[a-z\u00c0-\u024f]")
_KK_LATIN_MARKS = frozenset("áǵıńóúýäğñşūöüç")
# Soft hyphens and zero-width characters hide inside words copied from the web; drop them so
# "бағдар\u00adлама" stays one token.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
MAX_TOKEN = MAX_WORD  # longer "words" are noise (base64, hashes); truncate so they stay cheap

_RU_STEMMER = Stemmer.Stemmer("russian")
_EN_STEMMER = Stemmer.Stemmer("english")


def _normalize_lang(lang: str) -> str:
    key = (lang or "").strip().lower()
    key = _ALIASES.get(key, key)
    if key not in LANGS and key != "auto":
        raise ValueError(f"unsupported language {lang!r}; expected one of {LANGS} or 'auto'")
    return key


def analyze(text: str, lang: str, *, unique: bool = False) -> list[str]:
    """Turn *text* into index terms for language *lang* ("kk", "ru", "en" or "auto").

    The language chooses stopwords and the stemmer for tokens of ambiguous script; tokens whose
    script says otherwise (a Latin "Python" in Russian, a "Қазақстан" in English) are routed to the
    analyser that fits them. Never raises on content: empty, emoji-only or binary-ish text gives [].
    With ``unique`` each distinct token is analysed once (a query needs the set of its terms, not
    their frequencies); the terms keep the order of their first occurrence.
    """
    lang = _normalize_lang(lang)
    if not isinstance(text, str) or not text:
        return []
    if lang == "auto":
        lang = detect(text).lang
    raw = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    t = raw.replace("İ", "I").lower()
    out: list[str] = []
    append = out.append
    if lang == "kk" and _mostly_latin(t):
        # Latin-script Kazakh meets the Cyrillic index: each (length-capped) token is transliterated
        # before lower-casing because the 2021 alphabet's dotted/dotless I pairs are case-sensitive.
        prepared, mode = translit_mode(raw)
        for tok in _tokens(prepared, unique):
            term = _term(_latin_kk_token(tok, mode), lang, lang)
            if term:
                append(term)
    else:
        cyr_lang = lang if lang != "en" else _cyrillic_lang(t)
        for tok in _tokens(t, unique):
            term = _term(tok, lang, cyr_lang)
            if term:
                append(term)
    return list(dict.fromkeys(out)) if unique else out


def _tokens(text: str, unique: bool) -> Iterable[str]:
    """The tokens of `text`, each cut to MAX_TOKEN characters (distinct ones only if `unique`)."""
    tokens = (tok[:MAX_TOKEN] for tok in _TOKEN.findall(text))
    return dict.fromkeys(tokens) if unique else tokens


@lru_cache(maxsize=65536)
def _latin_kk_token(token: str, mode: str) -> str:
    return translit_token(token, mode).replace("İ", "I").lower()


def analyze_query(text: str, lang: str = "auto") -> list[str]:
    """Analyse a search query; with ``lang="auto"`` the language is detected from the query."""
    return analyze(text, lang)


def _mostly_latin(t: str) -> bool:
    """True when Latin letters outnumber Cyrillic ones: Kazakh written in the Latin alphabet."""
    sample = t[:20_000]
    if not _LAT.search(sample):
        return False
    return len(_LAT.findall(sample)) > len(_CYR.findall(sample))


def _cyrillic_lang(t: str) -> str:
    """Which analyser plain-Cyrillic words in otherwise English text need: kk or ru.

    "маманы" has no Kazakh-only letter, but next to "Ақпараттық" it is Kazakh, not Russian.
    """
    sample = t[:20_000]
    n_cyr = len(_CYR.findall(sample))
    n_kk = sum(sample.count(c) for c in _KK_LETTERS)
    return "kk" if n_cyr and n_kk * 30 >= n_cyr else "ru"


@lru_cache(maxsize=131072)
def _term(token: str, lang: str, cyr_lang: str) -> str:
    """Map one lower-cased token to its index term ("" when it is a stopword)."""
    if token.isdigit():
        return token
    if _CYR.search(token):
        token = normalize_kk(token) if _LAT.search(token) else token
        if any(c in _KK_LETTERS for c in token) or cyr_lang == "kk":
            return "" if token in _KK_STOP else stem_kk(token)
        token = token.replace("ё", "е")
        return "" if token in _RU_STOP else _RU_STEMMER.stemWord(token)
    if lang == "kk" and any(c in _KK_LATIN_MARKS for c in token):
        cyr = latin_to_cyrillic(token)  # a stray Latin-Kazakh word in Cyrillic Kazakh text
        if _CYR.search(cyr) and not _LAT.search(cyr):
            return "" if cyr in _KK_STOP else stem_kk(cyr)
    if _LAT.search(token):
        return "" if token in _EN_STOP else _EN_STEMMER.stemWord(token)
    return token  # other scripts / digits+letters combos: keep verbatim
