r"""Interpretable cues read from free text: which domain it belongs to and how senior it is.

Two cue families, each a list of regular expressions over lower-cased text in kk, ru and en:

* domain cues -> area. The framework's own domain words (OKED names, area titles) are picked up
  automatically in ``engine`` from the analysed text; these patterns add the market vocabulary the
  2013 text does not use (programming languages, "backend", "service centre", "fibre", "parcel").
* level cues -> a target NQF level and a strength, in the spirit of EQF referencing: autonomy and
  responsibility (works under supervision, independently, leads a team, heads a department, sets
  strategy), seniority titles (intern, junior, middle, senior, lead, head, chief, director), years of
  experience and the education asked for (the Kazakh NQF places TVET at 4, bachelor's at 6, master's
  at 7, doctorate at 8). Cue levels come from those definitions, not from the benchmark texts.

Each cue is reported back (``signals``) so a person can see why a level was suggested.

Cost: linear in the length of the text, whatever it contains. Python's ``re`` backtracks, so no
pattern here may have an open repeat: every ``\w*``, ``[\w-]+``, ``\s*`` or ``\d+`` is capped at
``MAX_RUN`` characters when the pattern is compiled (:func:`_bounded`), which bounds what one match
attempt can read, and the test suite checks that no open repeat is left. Text is also prepared once
(:func:`prepare`): lower-cased (patterns are lower-case and compiled without IGNORECASE, three times
faster), whitespace runs become one character and letter runs are cut to ``MAX_RUN``, so a
20,000-character "word" or digit run costs less than ordinary prose.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Cue:
    name: str
    pattern: re.Pattern[str]
    area: str | None = None  # domain cue
    level: float | None = None  # level cue: target NQF level
    weight: float = 1.0


MAX_RUN = 64  # the most characters an open repeat (\w*, \s+ ...) may take; words are no longer
_OPEN_REPEAT = re.compile(r"(\\[wsdWSD]|\[(?:\\.|[^\]\\])*\])([*+])(\??)")


def _bounded(pattern: str) -> str:
    """`pattern` with every open repeat of a character class capped at MAX_RUN characters."""
    return _OPEN_REPEAT.sub(lambda m: f"{m[1]}{{{0 if m[2] == '*' else 1},{MAX_RUN}}}{m[3]}", pattern)


def _re(pattern: str) -> re.Pattern[str]:
    """A cue pattern (lower-case, matched against :func:`prepare`d text) with bounded repeats."""
    return re.compile(_bounded(pattern))


def _c(name: str, pattern: str, *, area: str | None = None, level: float | None = None,
       weight: float = 1.0) -> Cue:
    return Cue(name, _re(pattern), area, level, weight)


_SPACE_RUN = re.compile(r"\s+")
_WORD_RUN = re.compile(r"\w+")


def _one_space(m: re.Match[str]) -> str:
    return "\n" if "\n" in m[0] else " "


def _cap_word(m: re.Match[str]) -> str:
    return m[0][:MAX_RUN]


def prepare(text: str) -> str:
    """`text` as the cue patterns read it: lower-cased, whitespace runs collapsed to one space (a
    newline where the run had one) and letter/digit runs cut to MAX_RUN characters. Linear."""
    return _WORD_RUN.sub(_cap_word, _SPACE_RUN.sub(_one_space, text.lower()))


# "IT" is the one case-sensitive cue ("it" is an English pronoun); it is read from the original
# text. "IT-..." is left to the lower-case "it-" alternative so it is not counted twice.
_IT_UPPER = re.compile(r"\bIT\b(?!-)")


# ------------------------------------------------------------------------------------------------
# Domain cues (market vocabulary). Weight 1 = typical of the area, 0.5 = leaning.

DOMAIN_CUES: tuple[Cue, ...] = (
    # 3.1 software, IT services, data processing, web
    _c("software", r"\bsoftware\b|программн\w* обеспечени|бағдарламалық қамтамасыз|\bбқ\b", area="3.1"),
    _c("programming", r"\bprogramm(?:er|ing)\b|ba[gǵ]darlama\w*|\bcod(?:e|ing)\b|программир|программист|бағдарламашы|"
       r"бағдарламала|\bразработ\w*|\bdevelop(?:er|ment)\b|әзірлеуші|әзірле\w* бағдарлама", area="3.1"),
    _c("languages/stacks", r"\b(?:python|java|javascript|typescript|kotlin|swift|golang|php|ruby|scala|"
       r"c\+\+|c#|\.net|react|angular|vue|django|spring|node\.?js|1с|1c|sql|postgresql|mysql|oracle|"
       r"kubernetes|docker|git|api|rest)\b", area="3.1"),
    _c("web/mobile/apps", r"\bweb\b|\bвеб\b|\bсайт\w*|website|frontend|front-end|backend|back-end|fullstack|"
       r"full-stack|мобильн\w* (?:\w+ )?приложени|mobile (?:\w+ )?app|\bios\b|\bandroid\b|қосымша\w*", area="3.1"),
    _c("testing/QA", r"\bqa\b|тестировщик|тестирован\w* (?:по|программ)|software test|test automation|"
       r"автотест|тестілеуші", area="3.1", weight=0.8),
    _c("data/analytics", r"\bdata (?:engineer|scien|analy|warehouse)|machine learning|\bml\b|аналитик данных|"
       r"обработк\w* данных|деректерді өңдеу|дерекқор|база данных|баз данных|database|\bdwh\b|\betl\b|"
       r"data center|data centre|дата-центр|центр обработки данных|деректер орталығы|хостинг|hosting|cloud|"
       r"облачн\w*|бұлтты|\biaas\b|\bpaas\b|\bsaas\b|\bцод\w*|\bдц\b",
       area="3.1"),
    _c("devops/sysadmin", r"devops|\bsre\b|системн\w* администратор|sysadmin|system administrator|"
       r"жүйелік әкімші|helpdesk|help desk|service ?desk|техподдержк|техническ\w* поддержк|"
       r"техникалық қолдау|it support|it-support|1st line|first line support|ит-инфраструктур|"
       r"it infrastructure|it-инфрақұрылым", area="3.1", weight=0.8),
    _c("IT consulting/products", r"it[- ]консалт|it consult|erp|crm|saas|product (?:manager|owner)|продакт|scrum|agile|"
       r"геймдев|gamedev|game develop|компьютерн\w* игр|компьютерлік ойын|video game", area="3.1", weight=0.8),
    _c("IT", r"\bит\b|\bит-\w+|\bit-\w+|айти|информационн\w* технолог\w*|"
       r"information technolog\w*|ақпараттық технология\w*", area="3.1", weight=0.8),
    _c("cybersecurity", r"information security|cyber ?security|информационн\w* безопасност|"
       r"ақпараттық қауіпсіздік|\bsoc\b|pentest", area="3.1", weight=0.6),
    # 3.2 manufacturing, repair, wholesale of ICT equipment
    _c("manufacturing", r"\bmanufactur\w*|\bfactory\b|\bzauyt\w*|\b[oó]ndiris\w*|\bplant\b|assembly line|"
       r"производств\w* (?:электрон|"
       r"компьютер|оборудован|прибор|плат)|завод\w*|фабрик\w*|\bцех\w*|өндіріс\w*|зауыт\w*", area="3.2"),
    _c("assembly/soldering", r"\bassembl(?:er|y|ing)\b|solder\w*|\bpcb\b|circuit board|\bsmt\b|сборщик|сборк\w*|"
       r"пайк\w*|паяльн\w*|печатн\w* плат|монтаж\w* (?:радио|электрон|плат)|радиоэлектрон|радиомонтаж|"
       r"құрастыр\w*|жинақта\w*|жинаушы|дәнекерле\w*|баспа плата", area="3.2"),
    _c("electronics hardware", r"electronic component|microelectronic|электронн\w* компонент|микроэлектрон|"
       r"электрондық бөлшек|бытов\w* электроник|consumer electronic|тұрмыстық электроника|"
       r"измерительн\w* прибор|measuring instrument|өлшеу құрал|навигаци\w* (?:прибор|equipment)|"
       r"оптическ\w* (?:носител|диск)|optical (?:media|disc)|магнитн\w* носител", area="3.2"),
    _c("repair/service centre", r"\brepair\w*|ремонт\w*|жөнде\w*|service cent(?:er|re)|сервисн\w* центр|"
       r"сервистік орталық", area="3.2", weight=0.8),
    _c("wholesale/distribution", r"wholesale|distributor\w*|"
       r"distribut(?:or|ion) of (?:it|ict|computer|electronic|hardware)|"
       r"оптов\w*|дистрибьют\w*|дистрибуц\w*|көтерме|поставк\w* (?:компьютерн|оборудован|техник)|"
       r"hardware (?:supplier|sales|vendor)|продаж\w* (?:компьютерн|оборудован|техник)", area="3.2", weight=1.5),
    _c("quality control (plant)", r"\bотк\b|quality control inspector|контролер\w* (?:качества|отк)|"
       r"сапа бақылау", area="3.2", weight=0.5),
    # 3.3 telecommunications and postal services
    _c("telecom", r"telecom\w*|\bba[iı]lanys\w*|телеком\w*|телекоммуникац\w*|телекоммуникация\w*|\bсвяз(?:ь|и|ью)\b|"
       r"оператор\w* связи|байланыс\w*|communication operator|mobile operator|сотов\w*|ұялы|"
       r"internet service provider|интернет[- ]провайдер\w*|\bisp\b|провайдер\w* (?:связи|интернет)|"
       r"мобильн\w* оператор\w*|network operator|оператор\w* (?:фиксированной|мобильной|сотовой)",
       area="3.3"),
    _c("postal", r"\bpostal\b|\bpo(?:ch|sh|ş)ta\w*|\bkur[yý]?er\w*|\bs[aá]lemdeme\w*|post office|"
       r"(?<!-)\bmail\b|parcel\w*|postman|\bcourier\w*|почт\w*|посыл\w*|"
       r"почтов\w* отправлени\w*|курь?ер\w*|пошта\w*|сәлемдеме\w*|хат-хабар|жөнелтілім\w*|kazpost|"
       r"казпочт\w*|қазпошта\w*", area="3.3"),
    _c("network/radio", r"base station|базов\w* станци|базалық станция|\bbts\b|\bgsm\b|\blte\b|\b[345]g\b|"
       r"\bumts\b|радиорелейн|radio relay|радиосвяз|радиобайланыс|спутников\w* связ|satellite|спутник\w*|"
       r"transmission network|транспортн\w* сет|коммутац\w*|switching|\bатс\b|\bpbx\b|телефон\w* станци",
       area="3.3"),
    _c("fibre/lines", r"fib(?:er|re)[- ]optic|\bfib(?:er|re)\b|\bftt[xhb]\b|\bgpon\b|\bpon\b|волокон\w*|"
       r"оптоволок\w*|\bволс\b|талшықты|линейн\w* сооружени|линейно-кабельн|кабельн\w* (?:сет|линий|связ)|"
       r"желілік құрылыс|кабель (?:желі|тарту)|splic\w*|сварк\w* (?:оптич|волокон)|муфт\w*|"
       r"оптическ\w* кросс\w*|рефлектометр\w*|reflectometer|\botdr\b|\bont\b|\bolt\b", area="3.3"),
)

# ------------------------------------------------------------------------------------------------
# Level cues. Strength: 1.0 for explicit titles and scope, less for softer hints.

LEVEL_CUES: tuple[Cue, ...] = (
    # --- entry and supervised work ---
    _c("helper/unskilled", r"подсобн\w*|разнорабоч\w*|грузчик\w*|\bloader\b|general worker|\bhelper\b|"
       r"көмекші жұмысшы|жүк тиеуші|(?:monta|assembl|install|fitt)\w* helper|"
       r"помощник\w* (?:монтажника|сборщика|слесаря)|монтаждаушының көмекшісі|көмекші\b", level=1.3),
    _c("no qualification needed", r"без образовани|no qualification|no education required|"
       r"білімсіз|образование не требуется", level=1.6, weight=0.7),
    _c("no experience", r"t[aá](?:zh|j)[iı]r[iı]be (?:qajet|kerek|talap)\w* (?:emes|etilme)\w*|без опыта|"
       r"опыт не требуется|опыт работы не обязателен|no experience|"
       r"experience (?:is )?not required|тәжірибесіз|тәжірибе талап етілмейді|тәжірибе қажет емес",
       level=2.5, weight=0.8),
    _c("training on the job", r"обучение на месте|обучаем на месте|обучение за счёт|on-the-job training|"
       r"we (?:will )?train|training provided|жұмыс орнында оқыту|оқытамыз", level=2.4, weight=0.6),
    _c("under supervision", r"под (?:непосредственн\w* )?(?:руководств|контрол|надзор)\w*|"
       r"under (?:the )?(?:direct |close )?(?:supervision|guidance|control)|supervised by|"
       r"басшылығымен|бақылауымен|қадағалауымен|басшылық қарауында", level=2.3, weight=0.8),
    _c("instructions/templates", r"по инструкци\w*|по шаблон\w*|по чек-лист\w*|по регламент\w*|"
       r"following (?:instructions|runbooks|checklists|templates)|by (?:the )?instructions|"
       r"нұсқаулық бойынша|нұсқаулыққа сәйкес|үлгі бойынша", level=2.6, weight=0.6),
    _c("simple tasks", r"прост\w* (?:задач|операци|работ)|simple (?:tasks|operations|work)|"
       r"routine tasks|қарапайым (?:тапсырма|жұмыс|операция)", level=2.2, weight=0.7),
    _c("intern/trainee", r"стаж[её]р\w*|практикант\w*|\bintern(?:ship)?\b|\btrainee\b|тағылымдамашы|"
       r"тағылымдама\w*|\bученик\w*|apprentice", level=3.0),
    _c("student/graduate", r"студент\w*|выпускник\w*|\bstudents?\b|graduates?\b|түлек\w*|студенттер",
       level=3.4, weight=0.3),
    # --- skilled workers and technicians ---
    _c("operator/assembler/postman", r"оператор\w* (?:ввода|пк|эвм|call|колл|почтов\w*|отделени\w*|"
       r"сортировоч\w*|станк\w*|линии|производств\w*|склад\w*|контакт\w*)|(?:data entry|machine|"
       r"call[- ]cent(?:er|re)|post office|counter|line|production) operator|postal clerk|counter clerk|"
       r"(?:енгізу|пошта|байланыс "
       r"бөлімшесі|байланысы) операторы(?! [\w-]+(?:ның|нің|дың|дің|тың|тің)\b)|сборщик\w*|\bassembler\b|почтальон\w*|"
       r"\bpostman\b|пошташы|курьер\w*|\bcourier\b|сортировщик\w*|\bsorter\b|упаковщик\w*|\bpacker\b|"
       r"жинаушы|сұрыптаушы", level=2.7, weight=0.7),
    _c("fitter/installer/electrician", r"монтажник\w*|электромонт[её]р\w*|\bfitter\b|\binstaller\b|"
       r"\blineman\b|cable splicer|монтаждаушы|электр монтері|слесар\w*", level=3.3, weight=0.7),
    _c("technician", r"\bтехник\b|\bтехника-|technician|\bтехнигі\b|\bтехник-", level=4.0, weight=0.8),
    _c("post-secondary education", r"послесредн\w*|кейінгі орта білім|post-secondary|прикладн\w* бакалавр|"
       r"applied bachelor|қолданбалы бакалавр", level=5.0, weight=0.5),
    _c("vocational education", r"средне[- ]специальн\w*|среднее профессиональн\w*|техническ\w* и "
       r"профессиональн\w* образован|\bтипо\b|колледж\w*|college|vocational|техникум\w*|"
       r"техникалық және кәсіптік|кәсіптік білім|колледжді", level=4.0, weight=0.7),
    _c("junior", r"\bjunior\b|\bjr\.?\b|младш\w*|\bкіші\b|\bджун\w*|начинающ\w*|бастаушы|entry[- ]level",
       level=4.0),
    # --- specialists ---
    _c("middle", r"\bmiddle\b|\bмидл\w*|\bmid[- ]level\b|\bорта деңгей", level=5.0),
    _c("engineer/specialist", r"\bengineer\b|инженер\w*|\bspecialist\b|специалист\w*|маман\w*|"
       r"\banalyst\b|аналитик\w*|талдаушы|\bdeveloper\b|разработчик\w*|программист\w*|бағдарламашы|"
       r"әзірлеуші", level=5.0, weight=0.4),
    _c("higher education", r"высше\w* (?:техническ\w* |профильн\w* )?образовани|бакалавр\w*|bachelor|"
       r"university degree|degree in|\bbsc\b|жоғары (?:техникалық )?білім|жоғары оқу орн", level=5.6, weight=0.7),
    _c("independent work", r"самостоятельн\w*|independent(?:ly)?|өз бетінше|дербес", level=4.5, weight=0.4),
    # --- senior, lead ---
    # Nominative forms only: "старшему оператору" / "аға модераторға" is someone else (see scrub).
    _c("senior", r"\bsenior\b|\bsr\.?\b|\bстарш(?:ий|ая|ее|ие)\b|\bсеньор\w*|\bсиньор\w*|\bаға\b",
       level=6.0),
    _c("lead", r"\blead\b|\bведущ(?:ий|ая|ее|ие)\b|\bжетекші\b|\bлид\b|тимлид\w*|team ?lead|techlead|"
       r"tech lead", level=6.2),
    _c("head of section/shift", r"начальник\w* (?:участка|смены|линейного участка|узла|отделения связи)|"
       r"(?:учаске|ауысым|торап)\w* (?:бастығы|басшысы)|section head|shift (?:supervisor|manager)|site manager",
       level=5.5),
    _c("leads a team", r"(?:lead|manage|head)\w* (?:a |the |our )?(?:small )?(?:team|group)|team of \d+|"
       r"руковод\w* (?:небольш\w* )?(?:командой|группой|коллективом)|управлен\w* (?:командой|группой)|"
       r"(?:команда|топ)\w* (?:басқар|жетекшілік)|менторинг|mentor\w*|наставни\w*|тәлімгер",
       level=6.0, weight=0.9),
    # Setting tasks for subordinate workers and checking them is level 4 in the framework (3.2-04, 3.3-04).
    _c("crew leader/subordinates", r"(?:lead|manage|supervis)\w* (?:a |the )?(?:crew|brigade|shift)|brigadier|"
       r"руковод\w* бригадой|бригадир\w*|foreman|мастер\w* (?:участка|смены|цеха)|учаске шебері|"
       r"ауысым шебері|в подчинении|подчинённ\w*|подчиненн\w*|бағынышты\w*|subordinates|"
       r"бригада\w* (?:басқар|жетекшілік)", level=4.8, weight=0.9),
    _c("project manager", r"project manager|руководител\w* проект\w*|менеджер\w* проект\w*|"
       r"жоба (?:жетекшісі|менеджері)|жобаның жетекшісі|delivery manager|\bpm\b", level=6.2, weight=0.8),
    _c("master's degree", r"магистр\w*|master'?s degree|\bmsc\b|\bmba\b|магистратур\w*", level=7.0, weight=0.7),
    # --- heads of units ---
    _c("architect", r"architect\w*|архитектор\w*|сәулетші", level=7.0),
    _c("head of department", r"head of (?:the )?(?:\w+ )?(?:department|division|unit|branch|service|it|"
       r"engineering|development|production|network|operations)|"
       r"(?:начальник|руководител|заведующ)\w* (?:\w+ )?(?:отдел|управлени|департамент|службы|цеха|"
       r"производств|филиал|подразделени)\w*|(?:бөлім|басқарма|департамент|цех|филиал|бөлімше)\w* "
       r"(?:басшысы|бастығы|меңгерушісі|директоры)|department (?:head|manager)|"
       r"(?:it|ит)[- ](?:director|директор)|chief (?!technology|information officer|executive|operating|digital)"
       r"\w+ (?:\w+ )?officer|\bciso\b|\bcfo\b|\bcdo\b", level=7.0),
    _c("chief engineer", r"chief engineer|главн\w* инженер\w*|бас инженер\w*|principal engineer|"
       r"chief architect|главн\w* (?:архитектор|специалист)", level=7.0, weight=0.9),
    _c("strategy of a unit", r"strateg\w*|стратеги\w*|стратегия\w*", level=7.2, weight=0.6),
    _c("budget/P&L", r"budget|p&l|бюджет\w*|бюджеті", level=7.0, weight=0.5),
    _c("doctorate", r"\bphd\b|доктор\w* (?:наук|philosophy|философии)|кандидат наук|doctoral|doctorate|"
       r"ғылым докторы|философия докторы", level=8.0, weight=0.8),
    # --- top executives ---
    _c("top executive", r"\bcto\b|\bcio\b|\bceo\b|\bcoo\b|chief (?:technology|information|executive|operating|"
       r"digital) officer|chief executive|managing director|генеральн\w* директор\w*|president|президент\w*|"
       r"вице-президент\w*|vice[- ]president|"
       r"\bvp\b|председател\w* правлени|басқарма төрағасы|бас директор\w*|member of the board|член правлени",
       level=8.0),
    _c("organisation-wide scope", r"(?:national|international|group of companies|holding|государствен\w*|"
       r"national operator|ұлттық|халықаралық|холдинг\w*|группы компаний|отрасл\w*|сала деңгей|industry-wide|"
       r"country|республик\w*|corporate strategy|стратеги\w* компании|компания стратегиясы)",
       level=7.8, weight=0.6),
)

_NUM_WORDS = {
    # ru
    "одного": 1, "один": 1, "двух": 2, "два": 2, "трех": 3, "трёх": 3, "три": 3, "четырех": 4,
    "пяти": 5, "пять": 5, "шести": 6, "семи": 7, "восьми": 8, "десяти": 10, "десять": 10,
    # en
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "ten": 10,
    # kk
    "бір": 1, "екі": 2, "үш": 3, "төрт": 4, "бес": 5, "алты": 6, "жеті": 7, "сегіз": 8, "он": 10,
}
_NUM = r"(\d{1,2}|" + "|".join(sorted(_NUM_WORDS, key=len, reverse=True)) + r")"
_YEARS = _re(
    _NUM + r"(?:\s*[-–]\s*" + _NUM + r")?\s*\+?\s*(?:years?|yrs|лет|года?|жыл\w*|jyl\w*)")
_ONE_YEAR = _re(r"(?:опыт\w*|стаж\w*) (?:работы )?от (?:одного )?года|от года опыт\w*|"
                       r"a year of experience|one year of experience|бір жылдық тәжірибе")
_IN_FIELD = _re(r"\s+(?:in|at|в)\s+(?!a row\b|total\b)\w+")
_EXPERIENCE = _re(r"experience|опыт|стаж|тәжірибе|жұмыс өтілі|өтіл|t[aá](?:zh|j)[iı]r[iı]be")


@dataclass(frozen=True, slots=True)
class LevelSignal:
    name: str
    level: float
    weight: float
    evidence: str


def _num(s: str | None) -> int | None:
    if not s:
        return None
    return int(s) if s.isdigit() else _NUM_WORDS.get(s.lower())


def years_of_experience(text: str) -> tuple[float, str] | None:
    """The years of experience asked for (lower bound of a range), with the matched words.

    Only numbers within a short window of an experience word count, so "founded 15 years ago" or
    "5 years of warranty" do not make a job senior.
    """
    return _years(prepare(text))


def _years(text: str) -> tuple[float, str] | None:
    best: tuple[float, str] | None = None
    for m in _YEARS.finditer(text):
        lo, hi = _num(m.group(1)), _num(m.group(2))
        if lo is None or lo > 40:
            continue
        window = text[max(0, m.start() - 60): m.end() + 40]
        in_field = _IN_FIELD.match(text, m.end())  # "5+ years in product", "3 года в телекоме"
        if not _EXPERIENCE.search(window) and not in_field:
            continue
        years = float(lo if hi is None else min(lo, hi))
        if best is None or years > best[0]:
            best = (years, m.group(0).strip())
    return best


# A number starts after a non-digit and has at most four digit groups (1 000 000 000), so no start
# position inside a long digit run is tried and no group repetition spans the whole text.
_PEOPLE = _re(
    r"(?<!\d)(\d{1,3}(?:[ ,.\u00a0]\d{3}){0,3}|\d+)\s*\+?\s*(?:человек|чел\.|сотрудник\w*|работник\w*|специалист\w*|"
    r"инженер\w*|техник\w*|подчинённ\w*|подчиненн\w*|people|persons|employees|staff|engineers|technicians|"
    r"specialists|developers|reports\b|адам\w*|қызметкер\w*|маман\w*|инженер\w*|техник\w*|жұмыскер\w*)")
_MONTHS = _re(r"\d{1,2}\s*(?:months?|месяц\w*|ай\b|айлық)")


def people_managed(text: str) -> tuple[int, str] | None:
    """The largest headcount mentioned ("team of 6 engineers", "400 человек", "10 техник")."""
    return _people(prepare(text))


def _people(text: str) -> tuple[int, str] | None:
    best: tuple[int, str] | None = None
    for m in _PEOPLE.finditer(text):
        digits = "".join(c for c in m.group(1) if c.isdigit())
        if not digits:
            continue
        n = int(digits)
        if 2 <= n <= 1_000_000 and (best is None or n > best[0]):
            best = (n, m.group(0).strip())
    return best


def people_to_level(n: int) -> float:
    """Headcount to level: a team (<= 15) is 6, a department (<= 100) 7, an organisation (> 300) 8."""
    if n <= 15:
        return 6.0
    if n <= 100:
        return 6.8
    if n <= 300:
        return 7.3
    return 7.8


def years_to_level(years: float) -> float:
    """Map years of experience to a typical NQF level (0 -> 3, 1 -> 4, 3 -> 5.3, 5 -> 6, 10 -> 7.2)."""
    pts = ((0.0, 3.0), (1.0, 4.0), (2.0, 4.7), (3.0, 5.3), (5.0, 6.0), (7.0, 6.6), (10.0, 7.2), (15.0, 7.8))
    if years <= pts[0][0]:
        return pts[0][1]
    for (x0, y0), (x1, y1) in itertools.pairwise(pts):
        if years <= x1:
            return y0 + (y1 - y0) * (years - x0) / (x1 - x0)
    return pts[-1][1]


# Who supervises the job is not the job: "под контролем старшего оператора", "reports to the head of
# IT", "аға инженердің басшылығымен" describe someone else's seniority. Those phrases are reduced to a
# bare supervision marker before level cues are read.
_SUPERVISOR = (
    (_re(r"\b(?:under (?:the )?(?:direct |close |general )?(?:supervision|guidance|control|direction) of|"
                r"supervised by)(?: (?:an?|the|our))?(?: [\w-]+){1,3}"), " under supervision "),
    (_re(r"\b(?:reports? to|reporting to|escalat\w*(?: \w+){0,2} to|assist\w*)(?: (?:an?|the|our))?"
                r"(?: [\w-]+){1,3}"), " "),
    (_re(r"\b(?:под (?:непосредственн\w* |общ\w* )?(?:руководств|контрол|надзор)\w*|подчиняется|"
                r"в подчинении у|помога\w*|помощник\w*|эскалир\w*|передава\w*(?: \w+)? на)(?: [\w-]+){1,3}"),
     " под руководством "),
    # Anchored at a word start: unanchored, every position inside one long word was a new attempt.
    (_re(r"(?<![\w-])(?:[\w-]+ ){0,2}[\w-]+(?:ның|нің|дың|дің|тың|тің) (?:басшылығымен|бақылауымен|"
                r"қадағалауымен|басшылығы мен бақылауымен|көмекшісі|нұсқауымен|нұсқауы бойынша|тапсырмасымен|"
                r"бұйрығымен)"), " басшылығымен "),
    (_re(r"\b(?:по (?:указани\w*|распоряжени\w*|заданию)|по поручени\w*)(?: [\w-]+){1,2}"),
     " под руководством "),
    # "given by the foreman", "a crew led by a foreman", "report defects to the shift leader"
    (_re(r"\b(?:by|to|from|for) (?:the |a |an |their |your |his |her )?(?:[\w-]+ ){0,2}(?:foreman|"
                r"supervisor|leader|lead|manager|head|director|engineer|senior|chief)\b"),
     " under supervision "),
    # Kazakh oblique cases of a title ("аға модераторға", "бригадирдің"): someone else.
    (_re(r"\b(?:аға|жетекші|бас) [\w-]+?(?:ға|ге|қа|ке|на|не|ның|нің|дың|дің|тың|тің|нан|нен|дан|ден|"
                r"тан|тен|мен|бен|пен)\b|\b(?!басшылығ|басшылық)(?:бригадир|шебер|басшы|бастық|жетекші)\w*?(?:ға|ге|қа|ке|ның|нің|"
                r"дың|дің|тың|тің|нан|нен|дан|ден|тан|тен|мен|бен|пен|ына|іне|сына|сіне)\b"), " "),
    # Russian oblique cases of a title ("старшему оператору", "ведущего инженера"): someone else.
    (_re(r"\b(?:старш|ведущ|главн)(?:его|ему|им|ем|их|ими|ого|ому|ым|ом|ых|ыми)\b(?: [\w-]+)?|"
                r"\b(?:бригадир|мастер|"
                r"начальник|руководител)(?:а|у|ом|ем|ю|я)\b"), " "),
)


def scrub_supervisor(text: str) -> str:
    """Reduce phrases naming who supervises the job to a bare supervision marker (prepared text)."""
    for pattern, repl in _SUPERVISOR:
        text = pattern.sub(repl, text)
    return text


# A learning outcome states the level of its programme: in the Kazakh NQF a college (TVET) diploma is
# level 4, post-secondary (applied bachelor) 5, bachelor's 6, master's 7, doctorate 8. In a vacancy
# "higher education" is only an entry requirement, so these weigh much more in learning outcomes.
_LEARNING_OUTCOME = _re(r"learning outcome|результат\w* обучения|оқыту нәтиже\w*|graduates? (?:of|will|can)|"
                        r"выпускник\w* (?:программ|будет|способен|умеет)|түлек\w*|on completion|"
                        r"по окончании|бітіргеннен кейін|бағдарламаны аяқта\w*")
_PROGRAMME_LEVEL = (
    (_re(r"phd|doctora\w*|докторантур\w*|доктор\w* (?:phd|философии)|философия докторы"), 8.5),
    (_re(r"master\w*|магистр\w*|магистратур\w*"), 7.5),
    (_re(r"bachelor\w*|бакалавр\w*|undergraduate|university degree|жоғары оқу орн\w*"), 6.5),
    (_re(r"post-secondary|послесредн\w*|кейінгі орта|applied bachelor|прикладн\w* бакалавр\w*"),
     5.5),
    (_re(r"college|колледж\w*|техникум\w*|vocational|\bтипо\b|кәсіптік (?:білім|бағдарлама)"),
     4.5),
)


def programme_level(text: str) -> LevelSignal | None:
    """The level of the programme a learning outcome belongs to, if the text says so."""
    return _programme(prepare(text))


def _programme(text: str) -> LevelSignal | None:
    if not _LEARNING_OUTCOME.search(text):
        return None
    for pattern, level in _PROGRAMME_LEVEL:
        m = pattern.search(text)
        if m:
            return LevelSignal("programme level (learning outcome)", level, 2.0, m.group(0).strip())
    return None


def level_signals(text: str) -> list[LevelSignal]:
    """Every level cue found in `text`, strongest evidence first (evidence is lower-cased)."""
    out: list[LevelSignal] = []
    text = scrub_supervisor(prepare(text))
    pm = _people(text)
    if pm is not None:
        out.append(LevelSignal("people managed", people_to_level(pm[0]), 0.8, pm[1]))
        text = _PEOPLE.sub(" ", text)  # "10 техник" is a team size, not the job title
    for cue in LEVEL_CUES:
        m = cue.pattern.search(text)
        if m:
            out.append(LevelSignal(cue.name, float(cue.level or 0), cue.weight, m.group(0).strip()))
    ye = _years(text)
    one = _ONE_YEAR.search(text) if ye is None else None
    if one is not None:
        ye = (1.0, one.group(0))
    if ye is None:
        mm = _MONTHS.search(text)
        if mm and _EXPERIENCE.search(text[max(0, mm.start() - 60): mm.end() + 40]):
            ye = (0.5, mm.group(0))
    if ye is not None:
        out.append(LevelSignal("years of experience", years_to_level(ye[0]), 0.8, ye[1]))
    pl = _programme(text)
    if pl is not None:
        out.append(pl)
    out.sort(key=lambda s: -s.weight)
    return out


@dataclass(frozen=True, slots=True)
class DomainSignal:
    name: str
    area: str
    weight: float
    evidence: str
    count: int


# Phrases whose words look like a domain but are not: "в связи с" (because of), "обратная связь"
# (feedback), Kazakh "байланысты" (related to), e-mail, "communication skills".
_FALSE_FRIENDS = _re(
    r"в связи с\w*|обратн\w* связ\w*|связ\w* с общественност\w*|кері байланыс\w*|байланысты\b|"
    r"байланыст[ыі]\w*|электронн\w* почт\w*|электрондық пошта\w*|e-?mail\w*|communication skills|"
    r"коммуникабельн\w*|коммуникатив\w*|связ\w* между|язык\w* программирования с")


def scrub(text: str) -> str:
    """Blank out false-friend phrases before domain cues are read."""
    return _FALSE_FRIENDS.sub(" ", text)


def domain_signals(text: str) -> list[DomainSignal]:
    """Market-vocabulary domain cues found in `text`, with how often each fired (capped at 3;
    evidence is lower-cased)."""
    out = []
    low = scrub(prepare(text))
    for cue in DOMAIN_CUES:
        hits = [m.group(0) for m in itertools.islice(cue.pattern.finditer(low), 3)]
        if cue.name == "IT":
            hits += [m.group(0) for m in itertools.islice(_IT_UPPER.finditer(text), 3)]
        if hits:
            out.append(DomainSignal(cue.name, cue.area or "", cue.weight, hits[0].strip(), min(len(hits), 3)))
    return out


_ANY_CUE = _re("|".join(f"(?:{c.pattern.pattern})" for c in (*DOMAIN_CUES, *LEVEL_CUES)))


def cue_count(text: str) -> int:
    """How many domain or level cue phrases `text` contains (one regex pass; ranks sentences)."""
    return sum(1 for _ in _ANY_CUE.finditer(prepare(text))) + sum(1 for _ in _IT_UPPER.finditer(text))
