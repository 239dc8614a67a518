"""A standard version in the official chapter structure, as DOCX (python-docx) and as HTML (for the PDF).

Ch.1 general provisions, Ch.2 passport, Ch.3 profession cards (a table per card as published standards
lay them out: codes, name, level, education, training, experience, purpose; then the labour functions
table function | skills | abilities | knowledge; personal competences; links), Ch.4 technical data.
The document's own labels are the official template's terms in Kazakh and Russian (they are part of the
document, not of the interface); the content is taken in the same language, falling back to Kazakh.
"""

from __future__ import annotations

import html
import io
from typing import Any

from qualframe.standards.document import MAIN_TEXT

DOC_LANGS = ("kk", "ru")
L: dict[str, dict[str, str]] = {
    "title": {"kk": "Кәсіби стандарт", "ru": "Профессиональный стандарт"},
    "ch1": {"kk": "1-тарау. Жалпы ережелер", "ru": "Глава 1. Общие положения"},
    "ch2": {"kk": "2-тарау. Кәсіби стандарттың паспорты", "ru": "Глава 2. Паспорт профессионального стандарта"},
    "ch3": {"kk": "3-тарау. Кәсіп карточкалары", "ru": "Глава 3. Карточки профессий"},
    "ch4": {"kk": "4-тарау. Кәсіби стандарттың техникалық деректері",
            "ru": "Глава 4. Технические данные профессионального стандарта"},
    "scope": {"kk": "Қолданылу саласы", "ru": "Область применения"},
    "terms": {"kk": "Терминдер мен анықтамалар", "ru": "Термины и определения"},
    "abbreviations": {"kk": "Қысқартулар", "ru": "Сокращения"},
    "name": {"kk": "Кәсіби стандарттың атауы", "ru": "Наименование профессионального стандарта"},
    "code": {"kk": "Кәсіби стандарттың коды", "ru": "Код профессионального стандарта"},
    "oked": {"kk": "ЭҚЖЖ кодтары", "ru": "Коды ОКЭД"},
    "description": {"kk": "Кәсіби стандарттың қысқаша сипаттамасы",
                    "ru": "Краткое описание профессионального стандарта"},
    "card_list": {"kk": "Кәсіп карточкаларының тізбесі", "ru": "Перечень карточек профессий"},
    "card": {"kk": "Кәсіп карточкасы", "ru": "Карточка профессии"},
    "occupation_group": {"kk": "Кәсіптер тобының коды", "ru": "Код группы занятий"},
    "occupation_code": {"kk": "Кәсіптің коды", "ru": "Код занятия"},
    "isco": {"kk": "ISCO-08 бірлік тобы", "ru": "Начальная группа ISCO-08"},
    "profession": {"kk": "Кәсіптің атауы", "ru": "Наименование профессии"},
    "level": {"kk": "СБШ бойынша біліктілік деңгейі", "ru": "Уровень квалификации по ОРК"},
    "education": {"kk": "Білім деңгейі", "ru": "Уровень образования"},
    "training": {"kk": "Кәсіптік оқыту", "ru": "Профессиональное обучение"},
    "experience": {"kk": "Практикалық жұмыс тәжірибесі", "ru": "Опыт практической работы"},
    "purpose": {"kk": "Қызметтің негізгі мақсаты", "ru": "Основная цель деятельности"},
    "functions": {"kk": "Еңбек функциялары", "ru": "Трудовые функции"},
    "mandatory": {"kk": "Міндетті", "ru": "Обязательная"},
    "additional": {"kk": "Қосымша", "ru": "Дополнительная"},
    "function": {"kk": "Еңбек функциясы", "ru": "Трудовая функция"},
    "skill": {"kk": "Дағдылар", "ru": "Навыки"},
    "ability": {"kk": "Машықтар", "ru": "Умения"},
    "knowledge": {"kk": "Білім", "ru": "Знания"},
    "competences": {"kk": "Жеке құзыреттерге қойылатын талаптар", "ru": "Требования к личностным компетенциям"},
    "links": {"kk": "Басқа кәсіптермен байланысы", "ru": "Связь с другими профессиями"},
    "developer": {"kk": "Әзірлеуші", "ru": "Разработчик"},
    "contributors": {"kk": "Әзірлеуге қатысқандар", "ru": "Участники разработки"},
    "council": {"kk": "Салалық кеңестің келісімі", "ru": "Согласование отраслевого совета"},
    "version": {"kk": "Нұсқасы", "ru": "Номер версии"},
    "year": {"kk": "Шығарылған жылы", "ru": "Год издания"},
    "next_review": {"kk": "Келесі қайта қарау күні", "ru": "Дата следующего пересмотра"},
    "published": {"kk": "Жарияланған күні", "ru": "Дата публикации"},
    "draft": {"kk": "ЖОБА — жарияланбаған нұсқа", "ru": "ПРОЕКТ — неопубликованная версия"},
    "descriptor": {"kk": "шеңбер дескрипторы", "ru": "дескриптор рамки"},
}


def label(key: str, lang: str) -> str:
    return L[key].get(lang) or L[key]["kk"]


def tx(value: dict[str, str] | None, lang: str) -> str:
    """A text in `lang`, falling back to Kazakh (the source language)."""
    value = value or {}
    return value.get(lang) or value.get("kk") or ""


def _level_text(row: dict[str, Any] | None) -> str:
    if not row:
        return "—"
    sqf = row.get("sqf_level")
    return f"{row.get('area')}: ҰБШ/НРК {row.get('nqf_level')}" + (f", СБШ/ОРК {sqf}" if sqf else "")


def card_rows(card: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """The card's head table, row by row (label, value)."""
    isco = card.get("isco") or ""
    if isco and tx(card.get("isco_title"), lang):
        isco = f"{isco} {tx(card.get('isco_title'), lang)}"
    return [(label("occupation_group", lang), card.get("occupation_group") or "—"),
            (label("occupation_code", lang), card.get("occupation_code") or "—"),
            (label("isco", lang), isco or "—"),
            (label("profession", lang), tx(card.get("name"), lang)),
            (label("level", lang), _level_text(card.get("row"))),
            (label("education", lang), tx(card.get("education"), lang) or "—"),
            (label("training", lang), tx(card.get("training"), lang) or "—"),
            (label("experience", lang), tx(card.get("experience"), lang) or "—"),
            (label("purpose", lang), tx(card.get("purpose"), lang) or "—")]


def function_rows(card: dict[str, Any], lang: str) -> list[tuple[str, str, str, str]]:
    """(function, skill, abilities, knowledge) rows: one per skill; a function without skills gets one row."""
    out = []
    for i, f in enumerate(card["functions"], 1):
        kind = label("mandatory" if f.get("mandatory") else "additional", lang)
        fname = f"{i}. {tx(f.get('name'), lang)} ({kind})"
        if not f["skills"]:
            out.append((fname, "", "", ""))
        for j, s in enumerate(f["skills"], 1):
            out.append((fname if j == 1 else "", f"{i}.{j}. {tx(s.get('name'), lang)}",
                        "\n".join(f"– {tx(a.get('text'), lang)}" for a in s["abilities"]),
                        "\n".join(f"– {tx(k.get('text'), lang)}" for k in s["knowledge"])))
    return out


def technical_rows(doc: dict[str, Any], meta: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    t = doc["technical"]
    rows = [(label("developer", lang), tx(t.get("developer"), lang) or meta.get("org_name") or "—"),
            (label("contributors", lang), tx(t.get("contributors"), lang) or "—"),
            (label("council", lang), tx(t.get("council"), lang) or "—"),
            (label("version", lang), t.get("version") or str(doc["number"])),
            (label("year", lang), str(t.get("year") or "—")),
            (label("next_review", lang), t.get("next_review") or "—")]
    if meta.get("published"):
        rows.append((label("published", lang), meta["published"][:10]))
    return rows


def build_docx(doc: dict[str, Any], meta: dict[str, Any], lang: str = "kk") -> bytes:
    """The standard as a .docx file in `lang` (kk or ru)."""
    from docx import Document
    from docx.shared import Pt

    d = Document()
    style = d.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(11)
    name = tx(doc["passport"].get("name"), lang)
    d.add_heading(f"{label('title', lang)}: «{name}»", level=0)
    if not meta.get("published"):
        d.add_paragraph(label("draft", lang))
    g = doc["general"]
    d.add_heading(label("ch1", lang), level=1)
    for key in ("scope", "terms", "abbreviations"):
        if tx(g.get(key), lang):
            d.add_heading(label(key, lang), level=2)
            for para in tx(g.get(key), lang).split("\n"):
                d.add_paragraph(para)
    d.add_heading(label("ch2", lang), level=1)
    p = doc["passport"]
    _table(d, [(label("name", lang), name), (label("code", lang), meta.get("code") or "—"),
               (label("oked", lang), ", ".join(p.get("oked") or []) or "—"),
               (label("description", lang), tx(p.get("description"), lang) or "—"),
               (label("card_list", lang), "\n".join(
                   f"{i}. {tx(c.get('name'), lang)} ({_level_text(c.get('row'))})"
                   for i, c in enumerate(doc["cards"], 1)) or "—")])
    d.add_heading(label("ch3", lang), level=1)
    for i, card in enumerate(doc["cards"], 1):
        d.add_heading(f"{i}. {label('card', lang)}: «{tx(card.get('name'), lang)}»", level=2)
        _table(d, card_rows(card, lang))
        d.add_heading(label("functions", lang), level=3)
        head = (label("function", lang), label("skill", lang), label("ability", lang), label("knowledge", lang))
        _table(d, [head, *function_rows(card, lang)], header=True)
        d.add_heading(label("competences", lang), level=3)
        for c in card["competences"]:
            d.add_paragraph(tx(c.get("text"), lang), style="List Bullet")
        if card["links"]:
            d.add_heading(label("links", lang), level=3)
            names = {c["id"]: tx(c.get("name"), lang) for c in doc["cards"]}
            for link in card["links"]:
                text = tx(link.get("text"), lang) or names.get(link.get("card") or "", "")
                d.add_paragraph(text, style="List Bullet")
    d.add_heading(label("ch4", lang), level=1)
    _table(d, technical_rows(doc, meta, lang))
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _table(d: Any, rows: list[tuple[str, ...]], header: bool = False) -> None:
    ncols = len(rows[0])
    t = d.add_table(rows=len(rows), cols=ncols)
    t.style = "Table Grid"
    for r, row in enumerate(rows):
        cells = t.rows[r].cells
        for c, value in enumerate(row):
            cells[c].text = value
            if (header and r == 0) or (not header and c == 0):
                for run in cells[c].paragraphs[0].runs:
                    run.bold = True


# --- HTML (for the PDF) ----------------------------------------------------------------------------------

CSS = """
@page { size: A4; margin: 18mm 15mm; @bottom-center { content: counter(page); font-size: 9pt; } }
body { font-family: 'QF DejaVu Sans', 'DejaVu Sans', sans-serif; font-size: 10.5pt; line-height: 1.35; }
h1 { font-size: 15pt; text-align: center; } h2 { font-size: 13pt; margin-top: 14pt; }
h3 { font-size: 11.5pt; } h4 { font-size: 10.5pt; }
table { border-collapse: collapse; width: 100%; margin: 6pt 0; }
td, th { border: 0.6pt solid #333; padding: 3pt 4pt; vertical-align: top; white-space: pre-line; }
th { background: #eee; } td.k { width: 35%; font-weight: bold; } .draft { color: #a00; font-weight: bold; }
"""


def _e(s: str) -> str:
    return html.escape(s or "")


def _html_table(rows: list[tuple[str, ...]], header: bool = False) -> str:
    out = ["<table>"]
    for r, row in enumerate(rows):
        if header and r == 0:
            out.append("<tr>" + "".join(f"<th>{_e(v)}</th>" for v in row) + "</tr>")
        elif len(row) == 2:
            out.append(f"<tr><td class=\"k\">{_e(row[0])}</td><td>{_e(row[1])}</td></tr>")
        else:
            out.append("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>")
    out.append("</table>")
    return "".join(out)


def build_html(doc: dict[str, Any], meta: dict[str, Any], lang: str = "kk") -> str:
    """The standard as a self-contained HTML page (escaped text, no external resources) for WeasyPrint."""
    name = tx(doc["passport"].get("name"), lang)
    parts = [f"<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{_e(name)}</title>"
             f"<style>{CSS}</style></head><body>",
             f"<h1>{_e(label('title', lang))}<br>«{_e(name)}»</h1>"]
    if not meta.get("published"):
        parts.append(f"<p class=\"draft\">{_e(label('draft', lang))}</p>")
    parts.append(f"<h2>{_e(label('ch1', lang))}</h2>")
    for key in ("scope", "terms", "abbreviations"):
        if tx(doc["general"].get(key), lang):
            parts.append(f"<h3>{_e(label(key, lang))}</h3><p>{_e(tx(doc['general'].get(key), lang))}</p>")
    p = doc["passport"]
    parts.append(f"<h2>{_e(label('ch2', lang))}</h2>")
    parts.append(_html_table([(label("name", lang), name), (label("code", lang), meta.get("code") or "—"),
                              (label("oked", lang), ", ".join(p.get("oked") or []) or "—"),
                              (label("description", lang), tx(p.get("description"), lang) or "—"),
                              (label("card_list", lang), "\n".join(
                                  f"{i}. {tx(c.get('name'), lang)}" for i, c in enumerate(doc["cards"], 1)) or "—")]))
    parts.append(f"<h2>{_e(label('ch3', lang))}</h2>")
    for i, card in enumerate(doc["cards"], 1):
        parts.append(f"<h3>{i}. {_e(label('card', lang))}: «{_e(tx(card.get('name'), lang))}»</h3>")
        parts.append(_html_table(card_rows(card, lang)))
        parts.append(f"<h4>{_e(label('functions', lang))}</h4>")
        head = (label("function", lang), label("skill", lang), label("ability", lang), label("knowledge", lang))
        parts.append(_html_table([head, *function_rows(card, lang)], header=True))
        parts.append(f"<h4>{_e(label('competences', lang))}</h4><ul>"
                     + "".join(f"<li>{_e(tx(c.get('text'), lang))}</li>" for c in card["competences"]) + "</ul>")
    parts.append(f"<h2>{_e(label('ch4', lang))}</h2>")
    parts.append(_html_table(technical_rows(doc, meta, lang)))
    parts.append("</body></html>")
    return "".join(parts)


def plain_text(doc: dict[str, Any]) -> str:
    """Every text of the standard in every language, for the register's search index."""
    from qualframe.standards.document import walk

    out = []
    for el, _, _ in walk(doc):
        for f in (MAIN_TEXT.get(el["kind"], "text"), "purpose", "description", "isco_title"):
            v = el.get(f)
            if isinstance(v, dict):
                out += [s for s in v.values() if s]
    return "\n".join(out)
