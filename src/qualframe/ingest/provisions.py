"""The order's prose: numbered items and sub-items, their roles, and the legal metadata."""

from __future__ import annotations

import re
from dataclasses import dataclass

from qualframe.ingest.layout import Paragraph, paragraphs
from qualframe.model import LegalMetadata, SourceSpan, Statement

_ITEM = re.compile(r"^(\d{1,2})\.\s+(.+)$")
_SUBITEM = re.compile(r"^(\d{1,2})\)\s+(.+)$")
_MONTHS = {
    "қаңтар": 1, "ақпан": 2, "наурыз": 3, "сәуір": 4, "мамыр": 5, "маусым": 6,
    "шілде": 7, "тамыз": 8, "қыркүйек": 9, "қазан": 10, "қараша": 11, "желтоқсан": 12,
}
_DATE_WORDS = re.compile(r"(\d{4})\s+жыл(?:ғы|ы)\s+(\d{1,2})\s+([^\W\d_]+)")
_DATE_DOTS = re.compile(r"\b(\d{2})\.(\d{2})\.(\d{4})\b")
_NUMBER = re.compile(r"№\s*([\w-]+)")


def _iso(year: str, day: str, month_word: str) -> str | None:
    word = month_word.lower()
    for name, num in _MONTHS.items():
        if word.startswith(name):
            return f"{int(year):04d}-{num:02d}-{int(day):02d}"
    return None


def find_date(text: str) -> str | None:
    """The first date in `text`, either "2013 жылғы 30 қыркүйектегі" or "28.05.2015", as ISO 8601."""
    m = _DATE_WORDS.search(text)
    dots = _DATE_DOTS.search(text)
    if m and (not dots or m.start() < dots.start()):
        return _iso(*m.groups())
    if dots:
        d, mth, y = dots.groups()
        return f"{y}-{mth}-{d}"
    return None


def _is_heading(text: str) -> bool:
    return len(text.split()) <= 6 and not text.rstrip().endswith((".", ";", ":", ","))


@dataclass
class ProseResult:
    statements: list[Statement]
    legal: LegalMetadata | None
    title: str | None
    unplaced: list[Paragraph]  # paragraphs that are neither statements nor metadata
    warnings: list[str]


_SECTION_KEYS = (("жалпы ереже", "general_provisions"), ("паспорт", "passport"))


def _section_name(heading: str, n: int) -> str:
    low = heading.lower()
    for key, name in _SECTION_KEYS:
        if key in low:
            return name
    return f"section_{n}"


def _item_role(section: str, text: str) -> str | None:
    low = text.lower()
    if section == "order":
        return "entry_into_force" if "қолданысқа енгізіледі" in low else "order_clause"
    rules = (
        ("бұдан әрі – сбш", "definition"),
        ("пайдаланушылары", "users"),
        ("мақсаты –", "purpose"),
        ("қағидаттарды", "principles"),
        ("стратегиялық мақсаттары", "strategic_goals"),
        ("сала ретінде", "ict_definition"),
        ("экономикалық қызмет түрлерінің жалпы жіктеуіш", "activity_groups"),
        ("еңбек қызметінің түрі", "labour_activity_kinds"),
        ("4-қосымша", "framework_table"),
        ("мүмкіндік береді", "use"),
    )
    for key, role in rules:
        if key in low:
            return role
    if low.rstrip().endswith(":"):
        return "enables"  # "СБШ:" followed by what it makes possible
    return None


_SUB_ROLE = {
    "principles": "principle",
    "strategic_goals": "strategic_goal",
    "activity_groups": "activity_group",
    "labour_activity_kinds": "labour_activity_kind",
    "enables": "enables",
    "order_clause": "order_clause",
}


def parse_prose(lines: list[str], last_line: int) -> ProseResult:
    """Parse lines 1..last_line (everything before the first annex)."""
    # In the order's prose every line is a paragraph (items are single long lines), except the
    # approved text's title, which is gathered below.
    paras = [p for no in range(1, last_line + 1) for p in paragraphs(lines, no, no)]
    statements: list[Statement] = []
    unplaced: list[Paragraph] = []
    warnings: list[str] = []
    section = "order"
    sections_seen = 0
    item: int | None = None
    item_role: str | None = None
    title_parts: list[Paragraph] = []
    in_title = False
    meta: Paragraph | None = None
    basis: list[Paragraph] = []
    status_marker = False

    for p in paras:
        text = p.text
        if in_title:
            m = _ITEM.match(text)
            if m and _is_heading(text):
                in_title = False
            else:
                title_parts.append(p)
                continue
        if section == "order" and "бекітілген" in text and not _ITEM.match(text):
            in_title = True  # "... № 769 бұйрығымен бекітілген": the approved text's title follows
            unplaced.append(p)
            continue
        m = _ITEM.match(text)
        if m and _is_heading(text) and (section != "order" or title_parts):
            sections_seen += 1
            section = _section_name(m.group(2), sections_seen)
            item = None
            continue
        if m:
            item = int(m.group(1))
            item_role = _item_role(section, m.group(2))
            prefix = "order" if section == "order" else "item"
            statements.append(
                Statement(f"{prefix}.{item}", section, item, None, m.group(2), p.span, item_role)
            )
            continue
        s = _SUBITEM.match(text)
        if s and item is not None:
            sub = int(s.group(1))
            prefix = "order" if section == "order" else "item"
            role = _SUB_ROLE.get(item_role or "")
            statements.append(
                Statement(f"{prefix}.{item}.{sub}", section, item, sub, s.group(2), p.span, role)
            )
            continue
        low = text.lower()
        if section == "order" and "бұйрығы" in text and "№" in text and meta is None:
            meta = p
        elif section == "order" and ("кодекс" in low or "бұйырамын" in low or basis) and not statements:
            basis.append(p)
        elif "күшін жойған" in low or "күші жойылды" in low:
            status_marker = True
        unplaced.append(p)

    title = " ".join(t.text for t in title_parts) or None
    legal = _legal(meta, basis, statements, status_marker, warnings)
    return ProseResult(statements, legal, title, unplaced, warnings)


def _legal(
    meta: Paragraph | None,
    basis: list[Paragraph],
    statements: list[Statement],
    repealed_marker: bool,
    warnings: list[str],
) -> LegalMetadata | None:
    if meta is None:
        warnings.append("no order metadata paragraph (issuing body, number, date) was found")
        return None
    text = meta.text
    sentences = [s.strip() for s in re.split(r"\.\s+(?=[А-ЯӘҒҚҢӨҰҮҺІ])", text) if s.strip()]
    order_sentence = sentences[0]
    m_date = _DATE_WORDS.search(order_sentence)
    body = order_sentence[: m_date.start()].strip() if m_date else ""
    body = re.sub(r"інің$", "і", body)
    numbers = _NUMBER.findall(order_sentence)
    reg_sentence = next((s for s in sentences if "тіркелді" in s), "")
    reg_numbers = _NUMBER.findall(reg_sentence)
    repeal_sentence = next((s for s in sentences if "жойылды" in s), "")
    repealed_by = None
    if repeal_sentence:
        rep_date = _DATE_WORDS.search(repeal_sentence)
        rep_body = repeal_sentence.split("-", 1)[-1]
        rep_body = rep_body[: rep_date.start() - len(repeal_sentence) + len(rep_body)] if rep_date else rep_body
        repealed_by = {
            "order_number": (_NUMBER.findall(repeal_sentence) or [""])[0],
            "order_date": find_date(repeal_sentence) or "",
            "issuing_body": re.sub(r"інің$", "і", rep_body.strip()),
        }
    entry = next((s for s in statements if s.role == "entry_into_force"), None)
    definition = next((s for s in statements if s.role == "definition"), None)
    nqf_basis = None
    if definition is not None:
        reg = re.search(r"№\s*(\d+)\s+тіркелген", definition.text)
        orders = [n for n in _NUMBER.findall(definition.text) if not reg or n != reg.group(1)]
        year = re.search(r"(\d{4})\s+жылғы", definition.text)
        nqf_basis = {
            "registration_number": reg.group(1) if reg else "",
            "order_numbers": " / ".join(orders),
            "year": year.group(1) if year else "",
            "statement": definition.id,
        }
    reg_date = find_date(reg_sentence) if reg_sentence else None
    reg_no = reg_numbers[0] if reg_numbers else None
    adilet = f"V{reg_date[2:4]}{int(reg_no):08d}" if reg_date and reg_no and reg_no.isdigit() else None
    source = {"metadata": meta.span}
    if basis:
        source["legal_basis"] = SourceSpan(basis[0].line_start, basis[-1].line_end)
    if entry:
        source["entry_into_force"] = entry.source
    return LegalMetadata(
        issuing_body={"kk": body},
        order_number=numbers[0] if numbers else "",
        order_date=find_date(order_sentence) or "",
        registration_number=reg_no,
        registration_date=reg_date,
        legal_basis=" ".join(b.text for b in basis),
        entry_into_force=entry.text if entry else "",
        status="repealed" if (repealed_by or repealed_marker) else "in_force",
        repealed_by=repealed_by,
        nqf_basis=nqf_basis,
        adilet_id=adilet,
        source=source,
    )
