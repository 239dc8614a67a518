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
from qualframe.interop.common import EDITION_DATETIME, UNOFFICIAL_NOTE, Translator
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


def descriptor_rows(fw: Framework) -> list[dict[str, Any]]:
    """The export rows as dicts (shared by CSV and XLSX)."""
    tr = Translator(fw)
    ids = CaseBuilder(fw, "http://localhost", tr)
    out = []
    for area, row in fw.rows():
        base = {
            "framework_id": fw.id, "area": area.code, "area_title_kk": area.title["kk"], "row_id": row.id,
            "nqf_level": row.nqf_level, "sqf_level": row.sqf_level or "", "level_source": row.level_source,
            "sublevel": row.sublevel or "", "sublevel_kind": row.sublevel_kind or "",
            "source_file": fw.source_file.get("name", ""),
        }
        if not row.descriptors:
            out.append({**base, "descriptor_id": "", "case_uuid": ids.row_id(row), "column": "", "order": "",
                        "text_kk": "", "text_ru": "", "text_ru_status": "", "text_en": "", "text_en_status": "",
                        "line_start": row.source.line_start, "line_end": row.source.line_end})
            continue
        for d in row.descriptors:
            rec = {**base, "descriptor_id": d.id, "case_uuid": ids.desc_id(d), "column": d.column,
                   "order": d.order, "text_kk": d.text,
                   "line_start": d.source.line_start, "line_end": d.source.line_end}
            for lang in ("ru", "en"):
                r = tr.get(d.id, lang)
                rec[f"text_{lang}"] = r.text if r.text is not None else d.text
                rec[f"text_{lang}_status"] = STATUS_TEXT[r.status]
            out.append(rec)
    return out


def to_csv(fw: Framework) -> str:
    """UTF-8 CSV (RFC 4180 quoting, "\\n" line ends), header first."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
    w.writeheader()
    for rec in descriptor_rows(fw):
        w.writerow(rec)
    return buf.getvalue()


def to_xlsx(fw: Framework) -> bytes:
    """An .xlsx workbook: sheet "descriptors" (as the CSV), "about" (legal status, translation notice)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "descriptors"
    ws.append(list(FIELDS))
    for c in ws[1]:
        c.font = Font(bold=True)
    for rec in descriptor_rows(fw):
        ws.append([rec[f] for f in FIELDS])
        for c in ws[ws.max_row]:
            if isinstance(c.value, str) and c.value[:1] in ("=", "+", "-", "@"):
                c.data_type = "s"  # never a formula
    widths = {"text_kk": 80, "text_ru": 60, "text_en": 60, "area_title_kk": 30, "case_uuid": 38,
              "descriptor_id": 14, "text_ru_status": 22, "text_en_status": 22}
    from openpyxl.utils import get_column_letter

    for i, f in enumerate(FIELDS, 1):
        ws.column_dimensions[get_column_letter(i)].width = widths.get(f, 12)
        if f.startswith("text_") and not f.endswith("_status"):
            for c in ws[get_column_letter(i)][1:]:
                c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = ws.dimensions

    about = wb.create_sheet("about")
    lg = fw.legal
    lines = [
        ("framework", fw.title["kk"]),
        ("framework id", fw.id),
        ("order", f"No. {lg.order_number} of {lg.order_date}"),
        ("registered", f"No. {lg.registration_number} of {lg.registration_date}" if lg.registration_number else ""),
        ("status", "REPEALED" if lg.status == "repealed" else "in force"),
        ("repealed by", f"order No. {lg.repealed_by['order_number']} of {lg.repealed_by['order_date']}"
         if lg.repealed_by else ""),
        ("official text", "Kazakh only (text_kk)"),
        ("text_ru", UNOFFICIAL_NOTE["ru"]),
        ("text_en", UNOFFICIAL_NOTE["en"]),
        ("edition", EDITION_DATETIME),
        ("source file", f"{fw.source_file.get('name', '')} sha256 {fw.source_file.get('sha256', '')}"),
    ]
    for k, v in lines:
        about.append([k, v])
    about.column_dimensions["A"].width = 16
    about.column_dimensions["B"].width = 100
    from datetime import datetime

    stamp = datetime.fromisoformat(EDITION_DATETIME.replace("Z", "+00:00")).replace(tzinfo=None)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.title = fw.title["kk"]
    wb.properties.creator = "qualframe"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
