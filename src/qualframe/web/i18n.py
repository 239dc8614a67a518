"""Interface strings in Kazakh (the default and the source language), Russian and English, in one place.

Framework text itself is not here: it comes from the store (Kazakh, official) and its unofficial
translations. `t(key, lang)` falls back to Kazakh, then to the key, so a missing string is visible
rather than fatal.
"""

from __future__ import annotations

from datetime import date

LANGS: tuple[str, ...] = ("kk", "ru", "en")
DEFAULT_LANG = "kk"
LANG_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}

MONTHS = {
    "kk": ["қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз", "қыркүйек", "қазан",
           "қараша", "желтоқсан"],
    "ru": ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
           "ноября", "декабря"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}

# key: (kk, ru, en)
STRINGS: dict[str, tuple[str, str, str]] = {
    "site.name": ("qualframe", "qualframe", "qualframe"),
    "skip": ("Негізгі мазмұнға өту", "Перейти к содержанию", "Skip to content"),
    "nav.label": ("Негізгі мәзір", "Главное меню", "Main menu"),
    "nav.home": ("Басты бет", "Главная", "Home"),
    "nav.areas": ("Салалар", "Области", "Areas"),
    "nav.compare": ("Салыстыру", "Сравнение", "Compare"),
    "nav.search": ("Іздеу", "Поиск", "Search"),
    "nav.match": ("Лауазымды орналастыру", "Подбор уровня должности", "Place a job"),
    "nav.oked": ("ЭҚЖЖ", "ОКЭД", "OKED"),
    "nav.errata": ("Қателер", "Опечатки", "Errata"),
    "nav.source": ("Бастапқы мәтін", "Исходный текст", "Source text"),
    "nav.api": ("API", "API", "API"),
    "nav.frameworks": ("Шеңберлер", "Рамки", "Frameworks"),
    "lang.label": ("Тіл", "Язык", "Language"),
    "lang.switch": ("Ауыстыру", "Сменить", "Switch"),
    "status.repealed": ("Күші жойылған", "Утратил силу", "Repealed"),
    "status.in_force": ("Қолданыста", "Действует", "In force"),
    "status.approved": ("Бекітілген", "Утверждён", "Approved"),
    "status.registered": ("Әділет министрлігінде тіркелген", "Зарегистрирован в Министерстве юстиции",
                          "Registered with the Ministry of Justice"),
    "status.repealed_by": ("Күшін жойған", "Отменён", "Repealed by"),
    "status.order": ("бұйрық", "приказ", "order"),
    "status.no": ("№", "№", "No."),
    "status.historical": (
        "Бұл шеңбер тарихи құжат: ол қазір қолданыста емес.",
        "Эта рамка — исторический документ: она больше не действует.",
        "This framework is a historical document: it is no longer in force.",
    ),
    "official.only_kk": (
        "Тек қазақ тіліндегі мәтін ресми болып табылады.",
        "Официальным является только текст на казахском языке.",
        "Only the Kazakh text is official.",
    ),
    "unofficial": ("ресми емес аударма", "неофициальный перевод", "unofficial translation"),
    "no_translation": (
        "аударма жоқ, қазақша түпнұсқа көрсетілген",
        "перевода нет, показан казахский оригинал",
        "no translation yet; the Kazakh original is shown",
    ),
    "original_kk": ("Қазақша түпнұсқа", "Казахский оригинал", "Kazakh original"),
    "home.title": ("Салалық біліктілік шеңбері", "Отраслевая рамка квалификаций", "Sectoral qualification framework"),
    "home.what": ("Бұл не?", "Что это?", "What it is"),
    "home.what_text": (
        "Салалық біліктілік шеңбері (СБШ) — ақпараттық-коммуникациялық технологиялар саласындағы біліктілік "
        "деңгейлерінің сипаттамасы: әр деңгейге құзыреттерге, іскерлік пен машықтарға және білімге қойылатын талаптар.",
        "Отраслевая рамка квалификаций (ОРК) описывает уровни квалификации в сфере информационно-"
        "коммуникационных технологий: требования к компетенциям, умениям и навыкам и знаниям на каждом уровне.",
        "A sectoral qualification framework (SQF) describes the qualification levels of the information and "
        "communication technology sector: what each level requires in competences, abilities and skills, and "
        "knowledge.",
    ),
    "home.who": ("Кімге арналған", "Для кого", "Who it is for"),
    "home.who_list": (
        "Кәсіби, білім беру және сертификаттау стандарттарын әзірлеушілер; жұмыс берушілер мен кадр қызметтері; "
        "білім беру ұйымдары; сертификаттау органдары; мамандардың өздері.",
        "Разработчики профессиональных, образовательных и сертификационных стандартов; работодатели и кадровые "
        "службы; организации образования; органы сертификации; сами специалисты.",
        "Developers of professional, educational and certification standards; employers and HR; education "
        "providers; certification bodies; specialists themselves.",
    ),
    "home.in_text": ("Бұйрық мәтінінде", "В тексте приказа", "In the text of the order"),
    "home.status": ("Құқықтық мәртебесі", "Правовой статус", "Legal status"),
    "home.areas": ("Кәсіби қызмет салалары", "Области профессиональной деятельности",
                   "Areas of professional activity"),
    "home.rows": ("деңгей жолы", "строк уровней", "level rows"),
    "home.descriptors": ("дескриптор", "дескрипторов", "descriptors"),
    "home.start": ("Неден бастау керек", "С чего начать", "Where to start"),
    "col.competences": ("Жеке және кәсіби құзыреттіліктер", "Личностные и профессиональные компетенции",
                        "Personal and professional competences"),
    "col.skills": ("Іскерлік және машықтар", "Умения и навыки", "Abilities and skills"),
    "col.knowledge": ("Білім", "Знания", "Knowledge"),
    "level.nqf": ("ҰБШ деңгейі", "Уровень НРК", "NQF level"),
    "level.sqf": ("СБШ деңгейі", "Уровень ОРК", "SQF level"),
    "level.level": ("Деңгей", "Уровень", "Level"),
    "level.sublevel": ("Кіші деңгей", "Подуровень", "Sub-level"),
    "level.sub.managerial": ("басқарушылық қызмет", "управленческая деятельность", "managerial activity"),
    "level.sub.production": ("өндірістік қызмет", "производственная деятельность", "production activity"),
    "level.source.printed": ("мәтінде басылған", "напечатан в тексте", "printed in the text"),
    "level.source.inferred": ("тұжырымдалған (мәтінде жоқ)", "выведен (в тексте утрачен)",
                              "inferred (lost in the text)"),
    "level.source.ambiguous": ("анық емес", "неоднозначен", "ambiguous"),
    "level.evidence": ("Негіздеме", "Обоснование", "Evidence"),
    "level.lines": ("жолдар", "строки", "lines"),
    "level.line": ("жол", "строка", "line"),
    "level.source_link": ("Бастапқы мәтіндегі жолдар", "Строки в исходном тексте", "Lines in the source text"),
    "level.prev": ("Алдыңғы деңгей", "Предыдущий уровень", "Previous level"),
    "level.next": ("Келесі деңгей", "Следующий уровень", "Next level"),
    "level.compare_next": ("Келесімен салыстыру", "Сравнить со следующим", "Compare with the next"),
    "level.open": ("Деңгейді ашу", "Открыть уровень", "Open level"),
    "level.errata": ("Осы жолға қатысты ескертулер", "Замечания к этой строке", "Errata for this row"),
    "level.empty": ("(бос)", "(пусто)", "(empty)"),
    "matrix.title": ("Деңгейлер матрицасы", "Матрица уровней", "Level matrix"),
    "matrix.oked": ("ЭҚЖЖ кодтары", "Коды ОКЭД", "OKED codes"),
    "matrix.legend": (
        "* — деңгей мәтінде басылмаған, реті мен мазмұны бойынша тұжырымдалған; ? — анық емес.",
        "* — уровень не напечатан в тексте и выведен по порядку и содержанию; ? — неоднозначен.",
        "* — level not printed in the text, inferred from order and content; ? — ambiguous.",
    ),
    "compare.title": ("Екі деңгейді салыстыру", "Сравнение двух уровней", "Compare two levels"),
    "compare.a": ("Бірінші деңгей", "Первый уровень", "First level"),
    "compare.b": ("Екінші деңгей", "Второй уровень", "Second level"),
    "compare.go": ("Салыстыру", "Сравнить", "Compare"),
    "compare.same": ("өзгеріссіз", "без изменений", "unchanged"),
    "compare.changed": ("өзгерген", "изменено", "changed"),
    "compare.added": ("қосылған", "добавлено", "added"),
    "compare.removed": ("алынып тасталған", "убрано", "removed"),
    "compare.summary": ("Не өзгереді", "Что меняется", "What changes"),
    "compare.pick": ("Салыстыру үшін екі деңгейді таңдаңыз.", "Выберите два уровня для сравнения.",
                     "Choose two levels to compare."),
    "search.title": ("Дескрипторлардан іздеу", "Поиск по дескрипторам", "Search the descriptors"),
    "search.q": ("Іздеу сұрауы", "Запрос", "Query"),
    "search.area": ("Сала", "Область", "Area"),
    "search.column": ("Баған", "Столбец", "Column"),
    "search.any": ("кез келген", "любая", "any"),
    "search.go": ("Іздеу", "Найти", "Search"),
    "search.none": ("Ештеңе табылмады.", "Ничего не найдено.", "Nothing found."),
    "search.results": ("Нәтижелер", "Результаты", "Results"),
    "search.score": ("сәйкестік", "релевантность", "score"),
    "search.hint": (
        "Қазақша, орысша немесе ағылшынша жазыңыз.",
        "Пишите по-казахски, по-русски или по-английски.",
        "Type in Kazakh, Russian or English.",
    ),
    "match.title": ("Лауазымды деңгейге орналастыру", "Подбор уровня для должности", "Place a job on a level"),
    "match.text": ("Лауазым немесе жұмыс сипаттамасы", "Должность или описание работы",
                   "Job title or description"),
    "match.go": ("Деңгейді ұсыну", "Предложить уровень", "Suggest a level"),
    "match.suggestions": ("Ұсыныстар", "Предложения", "Suggestions"),
    "match.confidence": ("сенімділік", "уверенность", "confidence"),
    "match.evidence": ("Дәлел", "Основание", "Evidence"),
    "match.none": ("Ұсыныс жоқ.", "Нет предложений.", "No suggestions."),
    "match.caution": (
        "Бұл — автоматты ұсыныс, шешім емес: әр дәлелді бастапқы мәтінмен тексеріңіз.",
        "Это автоматическое предложение, а не решение: проверьте каждое основание по исходному тексту.",
        "This is an automatic suggestion, not a decision: check each piece of evidence against the source text.",
    ),
    "oked.title": ("ЭҚЖЖ коды бойынша іздеу", "Поиск по коду ОКЭД", "OKED code lookup"),
    "oked.code": ("ЭҚЖЖ коды", "Код ОКЭД", "OKED code"),
    "oked.go": ("Табу", "Найти", "Look up"),
    "oked.area": ("Сала", "Область", "Area"),
    "oked.printed": ("Мәтіндегі код", "Код в тексте", "Code as printed"),
    "oked.kind": ("Сәйкестік", "Совпадение", "Match"),
    "oked.kind.exact": ("дәл", "точное", "exact"),
    "oked.kind.parent": ("жоғары топ", "вышестоящая группа", "parent"),
    "oked.kind.child": ("ішкі топ", "подгруппа", "child"),
    "oked.kind.via_erratum": ("қате түзетуі арқылы", "через исправление опечатки", "via an erratum"),
    "oked.none": ("Бұл код ешбір салаға кірмейді.", "Этот код не входит ни в одну область.",
                  "This code is in no area."),
    "oked.invalid": ("Код пішімі дұрыс емес (мысалы, 62.01).", "Неверный формат кода (например, 62.01).",
                     "Not a valid code (e.g. 62.01)."),
    "oked.nace": ("Қазіргі басылымдағы атауы", "Название в текущей редакции", "Name in the current edition"),
    "oked.all": ("Барлық кодтар", "Все коды", "All codes"),
    "errata.title": ("Қателер мен ескертулер", "Опечатки и замечания", "Errata"),
    "errata.intro": (
        "Бастапқы мәтіннің ерекшеліктері: заң мәтіні өзгертілмейді, тек түсіндіріледі.",
        "Особенности исходного текста: текст закона не исправляется, а только поясняется.",
        "Anomalies of the source text: the law is annotated, never silently changed.",
    ),
    "errata.kind": ("Түрі", "Вид", "Kind"),
    "errata.target": ("Нысаны", "Объект", "Target"),
    "errata.evidence": ("Мәтінде", "В тексте", "Evidence"),
    "errata.explanation": ("Түсініктеме", "Пояснение", "Explanation"),
    "errata.suggestion": ("Ұсыныс", "Предложение", "Suggestion"),
    "source.title": ("Бастапқы мәтін", "Исходный текст", "Source text"),
    "source.intro": (
        "Бұйрықтың қазақ тіліндегі мәтіні, жолдары нөмірленген. Жол нөмірі — сілтеме.",
        "Текст приказа на казахском языке с нумерацией строк. Номер строки — это ссылка.",
        "The Kazakh text of the order with numbered lines. Each line number is a link.",
    ),
    "source.selected": ("Белгіленген жолдар", "Выделенные строки", "Highlighted lines"),
    "source.missing": ("Бұл шеңбер үшін бастапқы мәтін жоқ.", "Для этой рамки нет исходного текста.",
                       "There is no source text for this framework."),
    "frameworks.title": ("Қоймадағы шеңберлер", "Рамки в хранилище", "Frameworks in the store"),
    "api.title": ("HTTP API", "HTTP API", "HTTP API"),
    "api.intro": (
        "Әр бетте JSON нұсқасы бар (.json немесе Accept: application/json). REST API — /api/v1.",
        "У каждой страницы есть JSON-версия (.json или Accept: application/json). REST API — /api/v1.",
        "Every page has a JSON twin (.json or Accept: application/json). The REST API lives under /api/v1.",
    ),
    "json": ("JSON", "JSON", "JSON"),
    "print": ("Басып шығару", "Печать", "Print"),
    "error.back": ("Басты бетке", "На главную", "Back to the home page"),
    "unavailable.search": (
        "Іздеу қозғалтқышы әлі орнатылмаған.", "Поисковый модуль ещё не установлен.",
        "The search engine is not installed yet.",
    ),
}


def t(key: str, lang: str) -> str:
    """The interface string `key` in `lang` (Kazakh if that language is missing)."""
    entry = STRINGS.get(key)
    if entry is None:
        return key
    i = LANGS.index(lang) if lang in LANGS else 0
    return entry[i] or entry[0]


def fmt_date(iso: str | None, lang: str) -> str:
    """2013-09-30 → "2013 ж. 30 қыркүйек" / "30 сентября 2013 г." / "30 September 2013"."""
    if not iso:
        return ""
    try:
        d = date.fromisoformat(iso)
    except ValueError:
        return iso
    month = MONTHS.get(lang, MONTHS["en"])[d.month - 1]
    if lang == "kk":
        return f"{d.year} ж. {d.day} {month}"
    if lang == "ru":
        return f"{d.day} {month} {d.year} г."
    return f"{d.day} {month} {d.year}"


def resolve_lang(query_lang: str | None, cookie_lang: str | None) -> str:
    if query_lang in LANGS:
        return query_lang  # type: ignore[return-value]
    if cookie_lang in LANGS:
        return cookie_lang  # type: ignore[return-value]
    return DEFAULT_LANG
