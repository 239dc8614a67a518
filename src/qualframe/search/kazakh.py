"""Kazakh normaliser, light stemmer and Latin-to-Cyrillic transliteration.

No maintained Kazakh stemmer exists on PyPI, so this module implements a small rule-based one tuned
for the vocabulary of qualification frameworks and job ads. Kazakh is agglutinative:

    root + derivation* + plural? + possessive? + case?      e.g. біліктілігіне = білік+ті+лік+і+не

:func:`stem_kk` peels suffixes from the outside in, in exactly that morphotactic order. Every candidate
suffix is checked against the phonology that produced it, which is what keeps the stripping honest:

* vowel harmony - a back-vowel stem (last vowel а о ұ ы я) only takes back suffixes (-лар, -дың ...),
  a front-vowel stem (ә е ө ү і) only front ones (-лер, -дің ...);
* consonant assimilation - the suffix allomorph must match the sound it follows (-лар after vowels and
  р/й/у, -дар after л/м/н/ң/з/ж, -тар after voiceless consonants ...);
* contextual endings - accusative -н, dative -на/-не, locative -нда/-нде, -ндағы only follow a 3rd-person
  possessive, dative -а/-е only follows a 1st/2nd-person possessive;
* consonant alternation - к/қ/п voice to г/ғ/б before a vowel (біліктілігі -> біліктілік); stems are
  canonicalised back to the voiceless form;
* minimum stem length (3 letters, with a vowel; 4 for -шы/-ші and -ла/-ле) so short roots such as
  "бас", "сала", "оқу" are not destroyed; a handful of 2-letter roots ("іс", "ел", "үй") are known.

All parses that satisfy the constraints are enumerated (a word has only a few) and the shortest stem
wins, so a bare stem and its inflected forms reduce to the same string. Where the morphology is
genuinely ambiguous without a dictionary (құралы = құрал+ы or құра+лы? мақсатын = мақсат+ы+н or
мақс+атын?) a short list of known noun stems (_KNOWN_STEMS) settles it, and a few words that merely
look inflected (Қазақстан, басқа) are protected.

Conflation policy (deliberate, documented here and pinned by tests):

* inflection is always removed: деңгейлерінің, деңгейі, деңгейде, деңгейдегі -> деңгей;
* the derivational suffixes -лық/-лік, -лы/-лі, -сыз/-сіз, -шы/-ші, -ушы/-уші, -у, -ым/-ім, -ғы/-гі,
  -и, participles -ған/-ген and -атын/-етін, and the verbaliser -ла/-ле (+ -у) are removed too, so
  a concept and its agent/quality/action share a stem:
  біліктілік, біліктілігіне, білікті -> білік ("qualification"/"qualified");
  білім, білу -> біл ("knowledge"/"to know") - kept apart from білік;
  бағдарлама, бағдарламалық, бағдарламалау, бағдарламашы -> бағдарлама (program, software,
  programming, programmer: one family for search);
  басқару, басқарушы, басқарушылық -> басқар; кәсіби, кәсіптік -> кәсіп;
  жауапкершілік, жауапкершілікті -> жауапкер;
* -кер/-гер is kept: қызметкер ("employee") does not conflate with қызмет ("activity/service");
* -ма/-ме is kept (бағдарлама is not reduced to бағдар "direction"); causatives (-дыр, -тыр) and
  passives (-ыл, -н) are kept (ұйымдастыру "organising" != ұйым "organisation").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["MAX_WORD", "latin_to_cyrillic", "normalize_kk", "stem_kk", "translit_mode", "translit_token"]


def _wordset(text: str) -> frozenset[str]:
    """Whitespace-separated word list -> frozenset (keeps long vocabularies readable)."""
    return frozenset(text.split())


def _pairs(text: str) -> dict[str, str]:
    """Parse 'a а b б' into {'a': 'а', 'b': 'б'}: a compact source for letter tables."""
    items = text.split()
    return dict(zip(items[::2], items[1::2], strict=True))


# ---------------------------------------------------------------------------------------------------
# Phonology

_BACK_VOWELS = frozenset("аоұыяё")
# и behaves as a front vowel for suffix choice (тиімді, министрлік, спутниктік).
_FRONT_VOWELS = frozenset("әеөүіэи")
# у and ю carry no reliable harmony in Kazakh orthography (see _harmony for vocalic у).
_VOWELS = frozenset("аәеиоөұүыіэюяё")  # у is handled as a sonorant consonant for suffix choice
_VOWELS_WITH_U = _VOWELS | {"у"}
_RJU = frozenset("рйу")  # sonorants that behave like vowels for -лар
_LZJ = frozenset("лзж")
_MN = frozenset("мнң")
_CYRILLIC_LETTERS = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі")

# Consonants that cannot open a word-final two-consonant cluster: a stem such as "мүмк" or "дағд" is
# never a real Kazakh stem, so a parse producing one is rejected.
_BAD_CLUSTER_FIRST = frozenset("ғгбдвжмңһ")

# Stem-final voiced consonants produced by the к/қ/п alternation before vowels.
_DEVOICE = {"г": "к", "ғ": "қ", "б": "п"}

# Roots that lose their second vowel before a vowel-initial suffix (орын -> орны).
_VOWEL_DROP = _pairs("""
орн орын  халқ халық  ауз ауыз  мұрн мұрын  ерн ерін  қарн қарын  көңл көңіл  ерк ерік
ойн ойын
""")

# Two-letter roots that may be the result of stripping (otherwise the minimum is three letters).
_SHORT_ROOTS = _wordset("іс ел үй ой ат ай ән ұл ас ем ет із өз үш іш")

# Words whose ending only looks like a suffix (-стан is not the ablative; пайда is not пай+да).
_PROTECTED = _wordset("""
қазақстан өзбекстан қырғызстан түркменстан тәжікстан ауғанстан пәкістан
үндістан дағыстан татарстан мекеме қала дала бала орта басқа өзге
төмен кейін бірге сияқты ғана туралы үшін
""")

# Nouns whose ending is ambiguous with a suffix (құрал+ы vs құра+лы, орын vs оры+н, дағды+сы vs
# дағдыс+ы, мақсат+ы+н vs мақс+атын, кесте vs кес+те). When one of these is among the candidate
# stems it wins, and it is never reduced further.
_KNOWN_STEMS = _wordset("""
құрал қимыл персонал портал тәсіл канал сигнал материал терминал
капитал потенциал мысал мақал файл модуль профиль стиль орын
кәсіпорын мүмкін бұрын ойын жиын қиын түйін дағды ресурс курс
процес процесс бизнес интерфейс байланыс кеңес жұмыс әдіс мақсат
міндет қызмет мәлімет әрекет сипат уақыт ақпарат саясат мемлекет
өндіріс қолданыс өзгеріс тапсырыс табыс қатынас сұхбат құжат дерек
кезең деңгей жүйе тәжірибе білік құзырет маман басшы жағдай белгі ағылшын шығын тұрғын дайын
жалақы қаржы еңбекақы құрам
сағат қасиет мәдениет үкімет табиғат сурет бюджет интернет пакет
қажет ниет жамағат шапағат әдебиет азамат тәуекел қабілет
сауда кесте команда пошта пайда карта анкета смета квота дата
тақта мәселе формула
сәулет дәулет университет комитет приоритет кабинет факультет маркет
формат аппарат сертификат кандидат автомат депутат
""")

# The participle -атын/-етін attaches to verb stems, which end in these letters (passive -ыл/-ал,
# causative -тыр/-ғыз, reflexive -ын, roots like бол, бер, ет). Blocks міндетін -> мінд+етін.
_VERB_FINAL = frozenset("лрзтснй")

_MIN_STEM = 3
# A "word" longer than this is not a Kazakh word (a hash, a run of one letter): it is neither stemmed
# nor transliterated, which also bounds the work per word whatever the input.
MAX_WORD = 64


def _harmony(stem: str) -> str:
    """Return "b", "f" or "n" for the vowel harmony of *stem* (its last harmonic vowel decides)."""
    for i in range(len(stem) - 1, -1, -1):
        ch = stem[i]
        if ch in _BACK_VOWELS:
            return "b"
        if ch in _FRONT_VOWELS:
            return "f"
        if ch == "у" and 0 < i < len(stem) - 1 and stem[i - 1] not in _VOWELS:
            return "b"  # vocalic у inside a loanword: ресурс -> ресурстар
    return "n"


def _sound_class(stem: str) -> str:
    """Classify the stem-final sound the way suffix allomorphy sees it.

    V vowel, R р/й/у, L л/з/ж, M м/н/ң, T anything else (voiceless, and б/в/г/д in loanwords).
    """
    ch = stem[-1]
    if ch in ("ь", "ъ") and len(stem) > 1:
        ch = stem[-2]
    if ch in _VOWELS:
        return "V"
    if ch in _RJU:
        return "R"
    if ch in _LZJ:
        return "L"
    if ch in _MN:
        return "M"
    return "T"


# ---------------------------------------------------------------------------------------------------
# Suffix inventory

_CASE, _POSS, _PLUR, _DERIV = 0, 1, 2, 3
_MAX_DERIV = 4


@dataclass(frozen=True, slots=True)
class _Suffix:
    form: str
    slot: int
    after: frozenset[str]  # allowed stem-final sound classes; empty = any
    need: str = ""  # "p3": must follow a 3rd-person possessive, "p12": a 1st/2nd-person one
    kind: str = ""  # "p3" / "p12" for possessives that satisfy a need
    min_stem: int = _MIN_STEM
    harmony: str = "n"


def _mk(
    forms: str,
    slot: int,
    after: str = "",
    need: str = "",
    kind: str = "",
    min_stem: int = _MIN_STEM,
    harmonic: bool = True,
) -> list[_Suffix]:
    """Build suffix records for space-separated allomorphs sharing one context."""
    out = []
    for form in forms.split():
        harm = (
            "n"
            if not harmonic
            else "b"
            if any(c in _BACK_VOWELS for c in form)
            else ("f" if any(c in _FRONT_VOWELS for c in form) else "n")
        )
        out.append(_Suffix(form, slot, frozenset(after), need, kind, min_stem, harm))
    return out


_SUFFIXES: list[_Suffix] = [
    # --- case (outermost) ---
    *_mk("ның нің", _CASE, "VM"),
    *_mk("дың дің", _CASE, "RL"),
    *_mk("тың тің", _CASE, "T"),
    *_mk("ны ні", _CASE, "V"),
    *_mk("ды ді", _CASE, "RLM"),
    *_mk("ты ті", _CASE, "T"),
    *_mk("н", _CASE, need="p3"),
    *_mk("ға ге", _CASE, "VRLM"),
    *_mk("қа ке", _CASE, "T"),
    *_mk("на не", _CASE, need="p3"),
    *_mk("а е", _CASE, need="p12"),
    *_mk("да де", _CASE, "VRLM"),
    *_mk("та те", _CASE, "T"),
    *_mk("нда нде", _CASE, need="p3"),
    *_mk("дағы дегі", _CASE, "VRLM"),
    *_mk("тағы тегі", _CASE, "T"),
    *_mk("ндағы ндегі", _CASE, need="p3"),
    *_mk("дан ден", _CASE, "VRL"),
    *_mk("нан нен", _CASE, "M"),
    *_mk("нан нен", _CASE, need="p3"),
    *_mk("тан тен", _CASE, "T"),
    *_mk("мен", _CASE, "VRLM", harmonic=False),  # the instrumental ignores vowel harmony
    *_mk("бен", _CASE, "L", harmonic=False),
    *_mk("пен", _CASE, "T", harmonic=False),
    # finite verb, 3rd person present (outermost like a case ending)
    *_mk("ады еді", _CASE, "RLMT"),
    *_mk("йды йді", _CASE, "V"),
    *_mk("ймын ймін ймыз йміз", _CASE, "V"),  # 1st person present: істеймін, іздейміз
    # --- possessive ---
    *_mk("ы і", _POSS, "RLMT", kind="p3"),
    *_mk("сы сі", _POSS, "V", kind="p3"),
    *_mk("ым ім ың ің", _POSS, "RLMT", kind="p12"),
    *_mk("ымыз іміз ыңыз іңіз", _POSS, "RLMT"),
    *_mk("мыз міз ңыз ңіз", _POSS, "V"),
    # --- plural ---
    *_mk("лар лер", _PLUR, "VR"),
    *_mk("дар дер", _PLUR, "LM"),
    *_mk("тар тер", _PLUR, "T"),
    # --- derivation (innermost, may repeat) ---
    *_mk("лық лік лы лі", _DERIV, "VR"),
    *_mk("дық дік ды ді", _DERIV, "LM"),
    *_mk("тық тік ты ті", _DERIV, "T"),
    *_mk("сыз сіз", _DERIV),
    *_mk("ушы уші", _DERIV),
    *_mk("шы ші", _DERIV, min_stem=4),
    *_mk("у", _DERIV, "VRLMT"),
    *_mk("ла ле", _DERIV, "VR", min_stem=4),
    # -да/-та verbalisers share the locative's shape, so they share its constraints too: a bare
    # кесте must reduce exactly like кестесі does.
    *_mk("да де", _DERIV, "VRLM"),
    *_mk("та те", _DERIV, "T"),
    *_mk("ым ім", _DERIV, "RLMT"),
    *_mk("ғы гі", _DERIV, "RLM"),
    *_mk("қы кі", _DERIV, "T"),
    *_mk("ыншы інші", _DERIV, "RLMT"),
    *_mk("ншы нші", _DERIV, "V"),
    *_mk("и", _DERIV, "RLMT", harmonic=False),  # Arabic adjectival -и: ғылыми, кәсіби
    *_mk("ған ген", _DERIV, "VRLM"),
    *_mk("қан кен", _DERIV, "T"),
    *_mk("атын етін", _DERIV, "RLMT"),
    *_mk("йтын йтін", _DERIV, "V"),
]

# Index suffixes by their last letter so that only plausible candidates are examined.
_BY_LAST: dict[str, tuple[_Suffix, ...]] = {}
for _s in sorted(_SUFFIXES, key=lambda s: -len(s.form)):
    _BY_LAST.setdefault(_s.form[-1], ())
    _BY_LAST[_s.form[-1]] += (_s,)
del _s


def _strip(word: str, suf: _Suffix) -> str | None:
    """Remove *suf* from *word* if every phonological constraint allows it; return the stem."""
    stem = word[: -len(suf.form)]
    n = len(stem)
    if n < suf.min_stem and not (n == 2 and suf.min_stem == _MIN_STEM and stem in _SHORT_ROOTS):
        return None
    if not any(c in _VOWELS_WITH_U for c in stem):
        return None
    if suf.harmony != "n":
        h = _harmony(stem)
        if h != "n" and h != suf.harmony:
            return None
    first = suf.form[0]
    last = stem[-1]
    if first in _VOWELS_WITH_U:
        if last in _DEVOICE:
            stem = stem[:-1] + _DEVOICE[last]
        elif last == "д" and stem[-2:-1] in ("а", "е"):
            return None  # алад+ы: -ады/-еді is the present tense, not a д-final stem
    elif last in "ғг":
        return None  # native stems are voiceless before a consonant-initial suffix
    if suf.after and _sound_class(stem) not in suf.after:
        return None
    if suf.form in ("атын", "етін") and stem[-1] not in _VERB_FINAL:
        return None
    if (
        suf.kind == "p3"
        and len(suf.form) == 2
        and stem[-1] in "ыі"
        and stem not in _KNOWN_STEMS
        and not stem.endswith(("шы", "ші"))
    ):
        return None  # жұмы+сы is really жұмыс+ы; agent nouns (басшы+сы) and listed nouns are fine
    if len(stem) >= 2 and stem[-2] in _BAD_CLUSTER_FIRST and stem[-1] not in _VOWELS_WITH_U | {"ь", "ъ"}:
        return None  # мүмк+ін, дағд+ы: not a possible Kazakh stem ending
    if first in _VOWELS:
        for tail, full in _VOWEL_DROP.items():
            if stem.endswith(tail):
                stem = stem[: -len(tail)] + full
                break
    return stem


def _parses(word: str, slot: int, n_deriv: int, need: str) -> Iterator[str]:
    """Yield every stem reachable from *word* when stripping from *slot* inwards."""
    if not need:
        yield word
    if word in _PROTECTED or word in _KNOWN_STEMS:
        return
    for suf in _BY_LAST.get(word[-1], ()):
        if suf.slot < slot or not word.endswith(suf.form):
            continue
        if need and suf.kind != need:
            continue
        if suf.slot == _DERIV and n_deriv >= _MAX_DERIV:
            continue
        stem = _strip(word, suf)
        if stem is None:
            continue
        next_slot = suf.slot if suf.slot == _DERIV else suf.slot + 1
        yield from _parses(stem, next_slot, n_deriv + (suf.slot == _DERIV), suf.need)


_WORD_OK = re.compile(r"[а-яёәғқңөұүһі]+")


@lru_cache(maxsize=65536)
def stem_kk(word: str) -> str:
    """Return the stem of one Kazakh (Cyrillic) word; see the module docstring for the policy.

    Input is lower-cased and normalised here, so callers may pass raw tokens. Words that are not
    purely Cyrillic (numbers, Latin, mixed) or longer than ``MAX_WORD`` are returned normalised but
    unstemmed.
    """
    w = normalize_kk(word)
    if len(w) < 3 or len(w) > MAX_WORD or not _WORD_OK.fullmatch(w):
        return w
    best = w
    known = ""
    for cand in _parses(w, _CASE, 0, ""):
        if len(cand) < len(best):
            best = cand
        if cand in _KNOWN_STEMS and (not known or len(cand) < len(known)):
            known = cand
    if known:
        best = known
    if best[-1] in _DEVOICE and len(best) > 2:
        best = best[:-1] + _DEVOICE[best[-1]]
    return best


# ---------------------------------------------------------------------------------------------------
# Normalisation

# Latin and other look-alikes that appear inside Cyrillic Kazakh words (old fonts, OCR, keyboards).
_HOMOGLYPHS = str.maketrans(_pairs("a а e е o о p р c с x х y у i і k к m м h һ t т b в ə ә ɵ ө ї і"))
_LATIN_LETTER = re.compile(r"[a-zəɵ]")
_LETTER_RUN = re.compile(r"[^\W\d_]+")


def normalize_kk(text: str) -> str:
    """Lower-case, NFC, ё->е and repair Latin homoglyphs inside Cyrillic words.

    Kazakh text in the wild often carries Latin "i" for "і" or Latin "ə" for "ә"; without this,
    "бiлiм" and "білім" would be different index terms.
    """
    t = unicodedata.normalize("NFC", text).lower().replace("ё", "е")
    if _LATIN_LETTER.search(t) and any(c in _CYRILLIC_LETTERS for c in t):
        t = _LETTER_RUN.sub(_fix_word, t)
    return t


def _fix_word(m: re.Match[str]) -> str:
    w = m.group(0)
    cyr = sum(c in _CYRILLIC_LETTERS for c in w)
    if cyr and cyr * 2 >= len(w):
        return w.translate(_HOMOGLYPHS)
    return w


# ---------------------------------------------------------------------------------------------------
# Latin -> Cyrillic

# 2018 (acute) official alphabet, plus w/x/c for informal spellings.
_ACUTE = _pairs("""
a а  á ә  b б  d д  e е  f ф  g г  ǵ ғ  h х  i і  ı и  j ж  k к  l л  m м  n н  ń ң  o о
ó ө  p п  q қ  r р  s с  t т  u ұ  ú ү  v в  y ы  ý у  z з  w у  x х  c ц
""")
# 2021 alphabet with umlauts and breves (ı is ы here, y is й, u is у, ū is ұ).
_UMLAUT = {
    **_ACUTE,
    **_pairs("""
ä ә  ğ ғ  ı ы  ñ ң  ö ө  ş ш  u у  ū ұ  ü ү  y й  ç ч
"""),
}
# Latin "i" serves both і and и; a few frequent job-ad words need the и back.
_I_FIXES = (("тәжіріб", "тәжіриб"),)
_DIGRAPHS = {"sh": "ш", "ch": "ч", "zh": "ж", "kh": "х", "ts": "ц"}
_ACUTE_MARKS = frozenset("áǵıńóúýq")
_UMLAUT_MARKS = frozenset("äğñöşūüç")
_LATIN_VOWELS = frozenset("aeiouyáóúýıäöüū")
_LAT_WORD = re.compile(r"[a-zA-Z\u00C0-\u024F]+")

# Words that are English/technical even inside Latin-script Kazakh; never transliterated.
_KEEP_LATIN = _wordset("""
java javascript python sql linux git docker api php html css
excel go net c it ios android react kotlin swift devops qa
ui ux erp crm sap oracle windows office word cisco kubernetes
typescript golang rust scrum agile jira bi ml ai data
""")
_ENGLISH_MARKS = re.compile(r"th|ph|ck|tion|[cwx]")
_ENGLISH_MARKS_INFORMAL = re.compile(r"ee|oo|ou|ea")


def latin_to_cyrillic(text: str) -> str:
    """Transliterate Latin-script Kazakh into Cyrillic so Latin queries hit the Cyrillic index.

    Handles the 2018 acute alphabet (á ǵ ı ń ó ú ý q, sh, ch), the 2021 umlaut alphabet
    (ä ğ ı ñ ö ş ū ü) and informal ASCII spellings ("bagdarlamalau", "bilikti", "jumys",
    "kasiby"). In informal text a/o/u/k/g are ambiguous (а/ә, о/ө, ұ/ү, к/қ, г/ғ); they are resolved
    by vowel harmony with the nearest unambiguous vowel (e/i front, y back), defaulting to back.
    Cyrillic, digits and punctuation pass through unchanged; technical English words are kept, and
    so are "words" longer than ``MAX_WORD`` letters (hashes, runs of one letter: not Kazakh). The
    cost is linear in the length of the text.
    """
    t, mode = translit_mode(text)
    return _LAT_WORD.sub(lambda m: _translit_word(m.group(0), mode), t)


def translit_mode(text: str) -> tuple[str, str]:
    """(prepared text, mode) for transliterating `text` piece by piece with :func:`translit_token`.

    The alphabet ("umlaut", "acute" or "informal") is a property of the whole text, so it is decided
    once here; the text comes back NFC-normalised with the Turkic dotted/dotless I pairs resolved.
    """
    t = unicodedata.normalize("NFC", text)
    low = t.lower()
    if not _UMLAUT_MARKS.isdisjoint(low):
        mode = "umlaut"
        t = t.replace("I", "ı").replace("İ", "i")  # Turkic dotted/dotless pairs
    elif not _ACUTE_MARKS.isdisjoint(low):
        mode = "acute"
    else:
        mode = "informal"
    return t.replace("İ", "I"), mode


def translit_token(token: str, mode: str) -> str:
    """Transliterate the Latin letter runs of one token of a text prepared by :func:`translit_mode`."""
    return _LAT_WORD.sub(lambda m: _translit_word(m.group(0), mode), token)


def _translit_word(word: str, mode: str) -> str:
    if len(word) > MAX_WORD:
        return word
    low = word.lower()
    if low in _KEEP_LATIN or not any(c in _LATIN_VOWELS for c in low):
        return word
    if _ENGLISH_MARKS.search(low) or (mode == "informal" and _ENGLISH_MARKS_INFORMAL.search(low)):
        return word
    out = _translit_lower(low, mode)
    if word[:1].isupper():
        out = out[:1].upper() + out[1:]
    return out


@lru_cache(maxsize=16384)
def _translit_lower(w: str, mode: str) -> str:
    out = _translit_raw(w, mode)
    for wrong, right in _I_FIXES:
        out = out.replace(wrong, right)
    return out


def _marks_around(marks: list[str]) -> tuple[list[str], list[str]]:
    """For every position k, the nearest non-empty mark strictly left of k and strictly right of k
    ("" when there is none). Two linear passes instead of a scan per position, which made informal
    words quadratic in their length."""
    n = len(marks)
    left = [""] * n
    right = [""] * n
    seen = ""
    for k in range(n):
        left[k] = seen
        seen = marks[k] or seen
    seen = ""
    for k in range(n - 1, -1, -1):
        right[k] = seen
        seen = marks[k] or seen
    return left, right


def _translit_raw(w: str, mode: str) -> str:
    table = _UMLAUT if mode == "umlaut" else _ACUTE
    # 1. split into units (digraphs first)
    units: list[str] = []
    i = 0
    while i < len(w):
        pair = w[i : i + 2]
        if pair in _DIGRAPHS and not (pair == "ts" and mode != "informal"):
            units.append(pair)
            i += 2
        else:
            units.append(w[i])
            i += 1

    def is_vowel(k: int) -> bool:
        return 0 <= k < len(units) and units[k] in _LATIN_VOWELS

    # 2. semivowels: i/y after a vowel and not before one is й; u after a vowel or word-final is у
    role: list[str] = []
    for k, u in enumerate(units):
        # a vowel letter already read as a semivowel (й, у) counts as a consonant here
        prev_vowel = is_vowel(k - 1) and not role[k - 1]
        if mode == "umlaut":
            role.append("")  # the 2021 table is unambiguous: y = й, u = у, ū = ұ, ı = ы
        elif u in ("i", "ı") and prev_vowel and units[k - 1] not in ("i", "ı", "ý", "u", "ū"):
            role.append("й")  # boıynsha, deńgei; but tiis and qaýipsiz keep their vowel
        elif u == "y" and mode == "informal" and prev_vowel and not is_vowel(k + 1):
            role.append("й")  # dengey
        elif u == "u" and (prev_vowel or (k == len(units) - 1 and k > 0)):
            role.append("у")
        else:
            role.append("")

    if mode != "informal":
        out = []
        for k, u in enumerate(units):
            if role[k]:
                out.append(role[k])
            elif u in _DIGRAPHS:
                out.append(_DIGRAPHS[u])
            else:
                out.append(table.get(u, u))
        return "".join(out)

    # 3. informal: resolve a/o/u by harmony with the nearest unambiguous vowel (left first)
    harm = ["" if role[k] else "f" if u in ("e", "i") else "b" if u == "y" else "" for k, u in enumerate(units)]
    h_left, h_right = _marks_around(harm)
    vowel_out: dict[int, str] = {}
    for k, u in enumerate(units):
        if role[k] or u not in _LATIN_VOWELS:
            continue
        if u in ("a", "o", "u"):
            h = h_left[k] or h_right[k] or "b"
            vowel_out[k] = {"a": "аә", "o": "оө", "u": "ұү"}[u][h == "f"]
        elif u == "y":
            vowel_out[k] = "и" if h_left[k] == "f" else "ы"
        elif u == "i":
            vowel_out[k] = "і"
        else:
            vowel_out[k] = "е"

    vharm = ["" if k not in vowel_out else "b" if vowel_out[k] in ("а", "о", "ұ", "ы") else "f"
             for k in range(len(units))]
    v_left, v_right = _marks_around(vharm)  # k/g: nearest resolved vowel on the right, else left

    out = []
    for k, u in enumerate(units):
        if role[k]:
            out.append(role[k])
        elif k in vowel_out:
            out.append(vowel_out[k])
        elif u in ("k", "g"):
            out.append({"k": "қк", "g": "ғг"}[u][(v_right[k] or v_left[k] or "b") == "f"])
        elif u == "n" and k + 1 < len(units) and units[k + 1] == "g" and is_vowel(k + 2) and k > 0:
            out.append("ң")
        elif u in _DIGRAPHS:
            out.append(_DIGRAPHS[u])
        else:
            out.append(table.get(u, u))
    return "".join(out)
