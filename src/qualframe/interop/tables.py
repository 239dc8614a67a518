"""Spreadsheet exports: CSV and XLSX with one row per descriptor, for people who work in Excel.

Columns: stable ids (the project id and the CASE UUID), area, NQF and SQF level, how the level was
determined, column, order, the official Kazakh text, the unofficial Russian and English translations
with their status, and the source lines. A level with no printed requirements (3.1 level 1 has
dashes) still gets one row with an empty descriptor so no level disappears from the sheet.
A missing translation falls back to the Kazakh text and its status column says so.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from qualframe.interop.case import CaseBuilder
from qualframe.interop.common import (
    EDITION_DATETIME,
    UNOFFICIAL_NOTE,
    Translator,
    primary,
    source_lang,
    spreadsheet_cell,
    strip_controls,
)
from qualframe.model import Framework

COLUMN_TITLES = {
    "competences": "personal and professional competences",
    "skills": "abilities and skills",
    "knowledge": "knowledge",
}

FIELDS = (
    "descriptor_id", "case_uuid", "framework_id", "area", "area_title_kk", "row_id", "nqf_level", "sqf_level",
    "level_source", "sublevel", "sublevel_kind", "column", "order", "text_kk", "text_ru", "text_ru_status",
    "text_en", "text_en_status", "source_file", "line_start", "line_end",
)
STATUS_TEXT = {
    "unofficial": "unofficial translation",
    "stale": "unofficial translation (stale: the Kazakh text changed since)",
    "missing": "missing: Kazakh original shown",
}
# For a framework in another language (an imported CASE package) the statuses name no language.
STATUS_TEXT_OTHER = {
    "unofficial": "unofficial translation",
    "stale": "unofficial translation (stale: the original changed since)",
    "missing": "missing: original shown",
}


def fields_for(fw: Framework) -> tuple[str, ...]:
    """The columns of the sheet: FIELDS for the Kazakh order; for a framework in another language L its
    text columns are area_title_L and text_L, and a translation column into L itself is left out."""
    lang = source_lang(fw)
    if lang == "kk":
        return FIELDS
    out: list[str] = []
    for f in FIELDS:
        if f in (f"text_{lang}", f"text_{lang}_status"):
            continue
        out.append({"area_title_kk": f"area_title_{lang}", "text_kk": f"text_{lang}"}.get(f, f))
    return tuple(out)


def descriptor_rows(fw: Framework) -> list[dict[str, Any]]:
    """The export rows as dicts keyed by `fields_for(fw)` (shared by CSV and XLSX), cells made safe for
    spreadsheets (no control characters, no formulas)."""
    tr = Translator(fw)
    ids = CaseBuilder(fw, "http://localhost", tr)
    lang = source_lang(fw)
    status_text = STATUS_TEXT if lang == "kk" else STATUS_TEXT_OTHER
    langs = [t for t in ("ru", "en") if t != lang]
    out = []
    for area, row in fw.rows():
        base = {
            "framework_id": fw.id, "area": area.code, f"area_title_{lang}": primary(area.title, lang),
            "row_id": row.id, "nqf_level": row.nqf_level, "sqf_level": row.sqf_level or "",
            "level_source": row.level_source, "sublevel": row.sublevel or "",
            "sublevel_kind": row.sublevel_kind or "", "source_file": fw.source_file.get("name", ""),
        }
        if not row.descriptors:
            rec = {**base, "descriptor_id": "", "case_uuid": ids.row_id(row), "column": "", "order": "",
                   f"text_{lang}": "", "line_start": row.source.line_start, "line_end": row.source.line_end}
            rec.update({k: "" for t in langs for k in (f"text_{t}", f"text_{t}_status")})
            out.append({k: spreadsheet_cell(v) for k, v in rec.items()})
            continue
        for d in row.descriptors:
            rec = {**base, "descriptor_id": d.id, "case_uuid": ids.desc_id(d), "column": d.column,
                   "order": d.order, f"text_{lang}": d.text,
                   "line_start": d.source.line_start, "line_end": d.source.line_end}
            for t in langs:
                r = tr.get(d.id, t)
                rec[f"text_{t}"] = r.text if r.text is not None else d.text
                rec[f"text_{t}_status"] = status_text[r.status]
            out.append({k: spreadsheet_cell(v) for k, v in rec.items()})
    return out


def to_csv(fw: Framework) -> str:
    """UTF-8 CSV (RFC 4180 quoting, "\\n" line ends), header first; cells as `spreadsheet_cell` makes them."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields_for(fw), lineterminator="\n")
    w.writeheader()
    for rec in descriptor_rows(fw):
        w.writerow(rec)
    return buf.getvalue()


def to_xlsx(fw: Framework) -> bytes:
    """An .xlsx workbook: sheet "descriptors" (as the CSV), "about" (legal status, translation notice)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    fields = fields_for(fw)
    lang = source_lang(fw)
    title = spreadsheet_cell(primary(fw.title, lang))
    wb = Workbook()
    ws = wb.active
    ws.title = "descriptors"
    ws.append(list(fields))
    for c in ws[1]:
        c.font = Font(bold=True)
    for rec in descriptor_rows(fw):  # cells already safe: a leading quote makes openpyxl store text
        ws.append([rec[f] for f in fields])
    widths = {f"text_{lang}": 80, "text_ru": 60, "text_en": 60, f"area_title_{lang}": 30, "case_uuid": 38,
              "descriptor_id": 14, "text_ru_status": 22, "text_en_status": 22}
    from openpyxl.utils import get_column_letter

    for i, f in enumerate(fields, 1):
        ws.column_dimensions[get_column_letter(i)].width = widths.get(f, 12)
        if f.startswith("text_") and not f.endswith("_status"):
            for c in ws[get_column_letter(i)][1:]:
                c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = ws.dimensions

    about = wb.create_sheet("about")
    lg = fw.legal
    if lang == "kk":
        lines = [
            ("framework", title),
            ("framework id", fw.id),
            ("order", f"No. {lg.order_number} of {lg.order_date}"),
            ("registered", f"No. {lg.registration_number} of {lg.registration_date}"
             if lg.registration_number else ""),
            ("status", "REPEALED" if lg.status == "repealed" else "in force"),
            ("repealed by", f"order No. {lg.repealed_by['order_number']} of {lg.repealed_by['order_date']}"
             if lg.repealed_by else ""),
            ("official text", "Kazakh only (text_kk)"),
            ("text_ru", UNOFFICIAL_NOTE["ru"]),
            ("text_en", UNOFFICIAL_NOTE["en"]),
            ("edition", EDITION_DATETIME),
            ("source file", f"{fw.source_file.get('name', '')} sha256 {fw.source_file.get('sha256', '')}"),
        ]
    else:  # an imported CASE package: its own text is the original, in its own language
        lines = [
            ("framework", title),
            ("framework id", fw.id),
            ("status", "REPEALED" if lg.status == "repealed" else "in force"),
            ("original text", f"language {lang} (text_{lang}), as imported"),
            *((f"text_{t}", f"unofficial {t} translation (qualframe), where available; otherwise the original")
              for t in ("ru", "en") if t != lang),
            ("edition", EDITION_DATETIME),
            ("source file", spreadsheet_cell(
                f"{fw.source_file.get('name', '')} sha256 {fw.source_file.get('sha256', '')}")),
        ]
    for k, v in lines:
        about.append([k, v])
    about.column_dimensions["A"].width = 16
    about.column_dimensions["B"].width = 100
    from datetime import datetime

    stamp = datetime.fromisoformat(EDITION_DATETIME.replace("Z", "+00:00")).replace(tzinfo=None)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.title = strip_controls(primary(fw.title, lang))
    wb.properties.creator = "qualframe"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
