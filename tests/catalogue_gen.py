"""A deterministic generator of real-looking job catalogues in Kazakh, Russian and English.

Templates are job titles with their typical duties per area of the framework and level (as HR departments
write them); departments, grades and keys are combined from them with a seeded random generator, so the
same arguments always give the same catalogue. Used by the catalogue tests, the browser test and
bench/bench_catalogue.py.
"""

from __future__ import annotations

import csv
import io
import random
from typing import Any

# (area, NQF level, grade number, kk, ru, en): title and duties, as a vacancy or a job description says them.
TEMPLATES: tuple[tuple[str, int, int, str, str, str], ...] = (
    ("3.1", 3, 2, "Бағдарламашы-стажер. Тәлімгердің басшылығымен шағын тапсырмаларды орындау, "
                  "Python тілін базалық деңгейде білу.",
     "Стажёр-программист. Выполнение небольших задач под руководством наставника, базовое знание Python.",
     "Junior developer (intern). Small tasks under the guidance of a mentor, basic Python."),
    ("3.1", 4, 4, "Бағдарламашы. Веб-қосымшалардың модульдерін әзірлеу және тестілеу, 1 жыл тәжірибе.",
     "Программист. Разработка и тестирование модулей веб-приложений, опыт от 1 года.",
     "Software developer. Develops and tests modules of web applications, 1 year of experience."),
    ("3.1", 5, 6, "Жетекші бағдарламашы. Әзірлеушілер тобын басқару, код-ревью, 5 жыл тәжірибе.",
     "Ведущий программист. Руководство группой из 4 разработчиков, код-ревью, опыт от 5 лет.",
     "Lead developer. Leads a team of 4 developers, code review, 5 years of experience."),
    ("3.1", 6, 8, "Ақпараттық жүйелер бөлімінің бастығы. Бөлімнің жұмысын жоспарлау, бюджет, 15 қызметкер.",
     "Начальник отдела информационных систем. Планирование работы отдела, бюджет, 15 сотрудников.",
     "Head of the information systems department. Plans the department's work, budget, 15 staff."),
    ("3.1", 7, 10, "Бағдарламалық қамтамасыз етудің бас сәулетшісі. Жүйелердің сәулетін жобалау, техникалық стратегия.",
     "Главный архитектор программного обеспечения. Проектирование архитектуры систем, техническая стратегия.",
     "Chief software architect. Designs the architecture of systems and sets the technical strategy."),
    ("3.1", 4, 3, "Тестілеуші. Тест-кейстерді орындау, ақауларды тіркеу.",
     "Тестировщик ПО. Выполнение тест-кейсов, регистрация дефектов в трекере.",
     "QA tester. Runs test cases and reports defects in the tracker."),
    ("3.1", 8, 12, "Ақпараттық технологиялар жөніндегі директор. Компанияның IT-стратегиясы, 120 қызметкер.",
     "Директор по информационным технологиям. IT-стратегия компании, 120 сотрудников, бюджет.",
     "Chief information officer. The company's IT strategy, 120 staff, budget."),
    ("3.2", 2, 1, "Компьютер жинаушы. Нұсқаулық бойынша жүйелік блоктарды құрастыру.",
     "Сборщик компьютеров. Сборка системных блоков по инструкции.",
     "Computer assembler. Assembles system units following instructions."),
    ("3.2", 3, 2, "Ноутбук жөндеу шебері. Ноутбуктер мен телефондарды жөндеу, бөлшектерді ауыстыру.",
     "Мастер по ремонту ноутбуков. Ремонт ноутбуков и телефонов, замена комплектующих.",
     "Laptop repair technician. Repairs laptops and phones, replaces components."),
    ("3.2", 5, 6, "Сервис орталығының бастығы. 15 техник, бюджет, жеткізушілермен келісімшарттар, 7 жыл тәжірибе.",
     "Руководитель сервисного центра. 15 техников, бюджет, договоры с поставщиками, опыт 7 лет.",
     "Head of the repair service centre. 15 technicians, budget, supplier contracts, 7 years of experience."),
    ("3.2", 4, 4, "Электроника инженері. Баспа платаларын тексеру, өндірістегі ақауларды талдау.",
     "Инженер-электроник. Контроль печатных плат, анализ брака на производстве.",
     "Electronics engineer. Inspects printed circuit boards and analyses production defects."),
    ("3.3", 3, 2, "Пошта байланысы операторы. Пошта жөнелтілімдерін қабылдау және беру.",
     "Оператор почтовой связи. Приём и выдача почтовых отправлений, работа с кассой.",
     "Postal operator. Accepts and hands out postal items, works the till."),
    ("3.3", 4, 4, "Байланыс желілерінің монтаждаушысы. Оптикалық кабельді тарту және дәнекерлеу.",
     "Монтажник линий связи. Прокладка и сварка оптического кабеля.",
     "Telecom line installer. Lays and splices fibre-optic cable."),
    ("3.3", 6, 8, "Жетекші байланыс инженері. ВОЛС және LTE базалық станцияларын пайдалану, 6 монтаждаушы бригадасы.",
     "Ведущий инженер связи. Эксплуатация ВОЛС и базовых станций LTE, бригада из 6 монтажников, опыт от 5 лет.",
     "Lead telecom engineer. Operates the fibre network and LTE base stations, a crew of 6 installers."),
    ("3.3", 7, 10, "Желіні дамыту жөніндегі директор. Байланыс желісін дамыту стратегиясы, инвестициялық жоспар.",
     "Директор по развитию сети. Стратегия развития сети связи, инвестиционный план, 80 сотрудников.",
     "Network development director. Strategy of the telecom network, investment plan, 80 staff."),
)
DEPARTMENTS = {
    "kk": ("Әзірлеу бөлімі", "Сервис орталығы", "Желі департаменті", "Пошта бөлімшесі"),
    "ru": ("Отдел разработки", "Сервисный центр", "Департамент сети", "Почтовое отделение"),
    "en": ("Development", "Service centre", "Network department", "Post office"),
}
CITIES = ("Астана", "Алматы", "Шымкент", "Қарағанды", "Ақтөбе")
# Extra duties and conditions, so that texts differ as real descriptions do (two are added to each position).
EXTRAS = {
    "kk": ("Құжаттаманы жүргізу.", "Жұмыс кестесі ауысымдық.", "Есептерді дайындау.", "Тапсырыс берушілермен жұмыс.",
           "Қауіпсіздік техникасын сақтау.", "Жаңа қызметкерлерді оқыту.", "Ағылшын тілін білу.",
           "Жұмыс тәжірибесі {n} жыл."),
    "ru": ("Ведение документации.", "Сменный график работы.", "Подготовка отчётов.", "Работа с заказчиками.",
           "Соблюдение техники безопасности.", "Обучение новых сотрудников.", "Знание английского языка.",
           "Опыт работы от {n} лет."),
    "en": ("Keeps the documentation.", "Shift work.", "Prepares reports.", "Works with customers.",
           "Follows safety rules.", "Trains new staff.", "Good English.", "{n} years of experience."),
}
LANGS = ("kk", "ru", "en")


def positions(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """`n` positions (dicts with the template columns), kk/ru/en in turn, deterministic for (n, seed)."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        area, level, grade, *texts = TEMPLATES[rnd.randrange(len(TEMPLATES))]
        lang = LANGS[i % 3]
        text = texts[LANGS.index(lang)]
        title, _, duties = text.partition(". ")
        extras = rnd.sample(EXTRAS[lang], 2)
        duties = " ".join([duties, *(e.format(n=rnd.randint(1, 12)) for e in extras)])
        city = CITIES[rnd.randrange(len(CITIES))]
        dept = DEPARTMENTS[lang][{"3.1": 0, "3.2": 1}.get(area, 2 + (level <= 3))] + f" ({city})"
        g = max(1, grade + rnd.choice((-1, 0, 0, 0, 1)))
        out.append({"key": f"P-{i + 1:05d}", "title": title, "description": duties, "department": dept,
                    "grade": f"G{g}", "occupation_code": "", "oked": {"3.1": "62.01", "3.2": "95.11",
                                                                      "3.3": "61.10"}[area],
                    "_area": area, "_level": level})
    return out


COLUMNS = ("key", "title", "description", "department", "grade", "occupation_code", "oked")


def to_csv(rows: list[dict[str, Any]], delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=delimiter)
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow([r[c] for c in COLUMNS])
    return buf.getvalue().encode(encoding)


def to_xlsx(rows: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(list(COLUMNS))
    for r in rows:
        ws.append([r[c] for c in COLUMNS])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
