"""Domain and occupation prototypes that connect market wording to the framework's areas and levels.

The framework describes levels in abstract, bureaucratic terms ("executive-managerial activity within a
section of a technological process"), while vacancies say "senior backend developer". Two kinds of
short reference passages bridge the gap; they are embedded once (shipped with the package):

* domain passages per area: the area title and its OKED activity names in kk/ru/en, taken from the
  framework and its translations (an OKED entry flagged as a typo, 3.1's 92.12, is left out because
  its name belongs to area 3.2), plus a few plain descriptions of what organisations in that area do;
* occupation exemplars per (area, NQF level): typical job titles written from general knowledge of
  the sector, placed by the level logic of the framework itself and of ISCO-08 skill levels:
  elementary helpers at 1, semi-skilled operators at 2, skilled workers and trainees at 3, technicians
  and junior specialists at 4, specialists and engineers at 5, senior/lead specialists and team leads
  at 6, heads of departments, chief engineers and architects at 7, top executives of large
  organisations at 8. They are written in the three languages people write in, and were fixed before
  looking at the benchmark texts.
"""

from __future__ import annotations

from dataclasses import dataclass

from qualframe.model import Framework

LANGS = ("kk", "ru", "en")


@dataclass(frozen=True, slots=True)
class Prototype:
    kind: str  # "domain" or "occupation"
    area: str
    level: int | None
    lang: str
    text: str


# What organisations in each area do, in plain words (domain passages beyond the OKED names).
_DOMAIN: dict[str, list[dict[str, str]]] = {
    "3.1": [
        {"en": "software development company: programming, web and mobile applications, IT consulting",
         "ru": "компания-разработчик программного обеспечения: программирование, веб и мобильные приложения, "
               "ИТ-консалтинг",
         "kk": "бағдарламалық қамтамасыз етуді әзірлейтін компания: бағдарламалау, веб және мобильді "
               "қосымшалар, IT-кеңес беру"},
        {"en": "IT services: data centre, hosting, data processing, system administration, technical support "
               "of users and IT infrastructure",
         "ru": "ИТ-услуги: дата-центр, хостинг, обработка данных, системное администрирование, техническая "
               "поддержка пользователей и ИТ-инфраструктуры",
         "kk": "IT-қызметтер: деректер орталығы, хостинг, деректерді өңдеу, жүйелік әкімшілендіру, "
               "пайдаланушыларды және IT-инфрақұрылымды техникалық қолдау"},
    ],
    "3.2": [
        {"en": "electronics manufacturing plant: assembly of computers, circuit boards, electronic components "
               "and communication equipment",
         "ru": "завод по производству электроники: сборка компьютеров, печатных плат, электронных компонентов "
               "и оборудования связи",
         "kk": "электроника өндіретін зауыт: компьютерлерді, баспа платаларын, электрондық бөлшектерді және "
               "байланыс жабдығын құрастыру"},
        {"en": "service centre repairing computers, laptops, phones and communication equipment; wholesale "
               "distribution of IT hardware",
         "ru": "сервисный центр по ремонту компьютеров, ноутбуков, телефонов и оборудования связи; оптовая "
               "поставка компьютерной техники",
         "kk": "компьютерлерді, ноутбуктерді, телефондарды және байланыс жабдығын жөндейтін сервистік "
               "орталық; компьютерлік техниканы көтерме жеткізу"},
    ],
    "3.3": [
        {"en": "telecom operator: mobile and fixed networks, fibre-optic lines, base stations, satellite "
               "and radio communication",
         "ru": "оператор связи: мобильные и фиксированные сети, волоконно-оптические линии, базовые станции, "
               "спутниковая и радиосвязь",
         "kk": "байланыс операторы: ұялы және тұрақты желілер, талшықты-оптикалық желілер, базалық "
               "станциялар, спутниктік және радиобайланыс"},
        {"en": "postal service: post office, letters, parcels, postal items, courier delivery",
         "ru": "почтовая служба: почтовое отделение, письма, посылки, почтовые отправления, курьерская доставка",
         "kk": "пошта қызметі: пошта бөлімшесі, хаттар, сәлемдемелер, пошта жөнелтілімдері, курьерлік жеткізу"},
    ],
}

# Occupation exemplars: (area, level, en, ru, kk).
_OCCUPATIONS: list[tuple[str, int, str, str, str]] = [
    # --- 3.1 software and IT services (level 1 has no descriptors in the framework) ---
    ("3.1", 2, "data entry operator", "оператор ввода данных", "деректерді енгізу операторы"),
    ("3.1", 2, "computer operator, first-line helpdesk assistant", "оператор ЭВМ, помощник службы поддержки",
     "ЭЕМ операторы, қолдау қызметінің көмекшісі"),
    ("3.1", 3, "intern programmer, trainee software tester", "стажёр-программист, начинающий тестировщик",
     "тағылымдамашы бағдарламашы, бастаушы тестілеуші"),
    ("3.1", 3, "IT support technician", "техник технической поддержки", "техникалық қолдау технигі"),
    ("3.1", 4, "junior software developer", "младший разработчик программного обеспечения",
     "кіші бағдарламалық қамтамасыз ету әзірлеушісі"),
    ("3.1", 4, "junior QA engineer, system administrator", "младший инженер по тестированию, системный администратор",
     "кіші тестілеу инженері, жүйелік әкімші"),
    ("3.1", 5, "software developer, programmer", "разработчик программного обеспечения, программист",
     "бағдарламалық қамтамасыз ету әзірлеушісі, бағдарламашы"),
    ("3.1", 5, "business analyst, database administrator", "бизнес-аналитик, администратор баз данных",
     "бизнес-талдаушы, дерекқор әкімшісі"),
    ("3.1", 6, "senior software engineer, team lead", "старший инженер-программист, тимлид",
     "аға бағдарламашы-инженер, команда жетекшісі"),
    ("3.1", 6, "IT project manager", "руководитель ИТ-проекта", "IT-жоба жетекшісі"),
    ("3.1", 7, "software architect, solution architect", "архитектор программного обеспечения, архитектор решений",
     "бағдарламалық қамтамасыз ету сәулетшісі, шешімдер сәулетшісі"),
    ("3.1", 7, "head of software development department", "начальник отдела разработки программного обеспечения",
     "бағдарламалық қамтамасыз етуді әзірлеу бөлімінің басшысы"),
    ("3.1", 8, "chief technology officer, chief information officer of a large company",
     "технический директор, директор по информационным технологиям крупной компании",
     "ірі компанияның техникалық директоры, ақпараттық технологиялар жөніндегі директоры"),
    # --- 3.2 manufacture, wholesale and repair of ICT equipment ---
    ("3.2", 1, "production helper, loader at an electronics plant", "подсобный рабочий, грузчик на заводе электроники",
     "электроника зауытындағы көмекші жұмысшы, жүк тиеуші"),
    ("3.2", 2, "electronics assembler, packer", "сборщик электронной аппаратуры, упаковщик",
     "электрондық аппаратураны жинаушы, орауыш"),
    ("3.2", 3, "radio-electronic equipment fitter, computer repair technician",
     "монтажник радиоэлектронной аппаратуры, мастер по ремонту компьютеров",
     "радиоэлектрондық аппаратура монтаждаушысы, компьютер жөндеу шебері"),
    ("3.2", 4, "electronics technician, service technician", "техник-электроник, сервисный техник",
     "электроника технигі, сервистік техник"),
    ("3.2", 5, "electronics engineer, service engineer, production foreman",
     "инженер-электроник, сервисный инженер, мастер производственного участка",
     "электроника инженері, сервистік инженер, өндірістік учаске шебері"),
    ("3.2", 6, "lead engineer, head of production shop", "ведущий инженер, начальник производственного цеха",
     "жетекші инженер, өндірістік цех бастығы"),
    ("3.2", 7, "chief engineer, production director of a plant", "главный инженер, директор по производству завода",
     "бас инженер, зауыттың өндіріс жөніндегі директоры"),
    ("3.2", 8, "general director of an electronics holding", "генеральный директор холдинга электронной промышленности",
     "электроника өнеркәсібі холдингінің бас директоры"),
    # --- 3.3 telecommunications and post ---
    ("3.3", 1, "postal worker helper, mail sorter", "помощник почтового работника, сортировщик почты",
     "пошта қызметкерінің көмекшісі, пошта сұрыптаушы"),
    ("3.3", 2, "postman, postal operator", "почтальон, оператор почтовой связи", "пошташы, пошта байланысы операторы"),
    ("3.3", 3, "telecom line installer, cable splicer", "электромонтёр линейных сооружений связи, монтажник кабеля",
     "байланыс желілік құрылыстарының электр монтері, кабель монтаждаушысы"),
    ("3.3", 4, "telecommunications technician, head of post office", "техник связи, начальник почтового отделения",
     "байланыс технигі, пошта бөлімшесінің бастығы"),
    ("3.3", 5, "telecommunications engineer, radio network engineer", "инженер связи, инженер радиосети",
     "байланыс инженері, радиожелі инженері"),
    ("3.3", 6, "lead network engineer, head of a telecom service area",
     "ведущий инженер сети связи, начальник участка связи",
     "байланыс желісінің жетекші инженері, байланыс учаскесінің бастығы"),
    ("3.3", 7, "technical director of a regional telecom branch",
     "технический директор регионального филиала оператора связи",
     "байланыс операторының өңірлік филиалының техникалық директоры"),
    ("3.3", 8, "president of the national telecom operator", "президент национального оператора связи",
     "ұлттық байланыс операторының президенті"),
]


def prototypes(fw: Framework) -> list[Prototype]:
    """All prototypes for the framework's areas, in a stable order."""
    from qualframe.search.corpus import build_areas

    typo = {e.target for e in fw.errata if e.kind == "oked-typo"}
    out: list[Prototype] = []
    for a in build_areas(fw):
        for lang in LANGS:
            if a.title.get(lang):
                out.append(Prototype("domain", a.code, None, lang, a.title[lang]))
        for code, names in a.oked:
            if f"oked:{a.code}:{code}" in typo:
                continue
            for lang in LANGS:
                if names.get(lang):
                    out.append(Prototype("domain", a.code, None, lang, names[lang]))
        for d in _DOMAIN.get(a.code, ()):
            for lang in LANGS:
                out.append(Prototype("domain", a.code, None, lang, d[lang]))
    codes = {a.code for a in fw.areas}
    for area, level, en, ru, kk in _OCCUPATIONS:
        if area in codes:
            for lang, text in (("kk", kk), ("ru", ru), ("en", en)):
                out.append(Prototype("occupation", area, level, lang, text))
    return out


def prototype_passages(fw: Framework) -> list[str]:
    return [p.text for p in prototypes(fw)]
