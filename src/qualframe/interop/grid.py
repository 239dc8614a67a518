"""The grid export: the framework table as JSON (the canonical dataset form) or CSV (one row per descriptor)."""

from __future__ import annotations

import csv
import io

from qualframe.dataset import dumps
from qualframe.interop.common import spreadsheet_cell
from qualframe.model import Framework

CSV_FIELDS = (
    "framework_id", "area", "row_id", "nqf_level", "sqf_level", "level_source", "column", "order",
    "descriptor_id", "text", "line_start", "line_end",
)


def grid_json(fw: Framework) -> str:
    return dumps(fw)


def grid_csv(fw: Framework) -> str:
    """One line per descriptor; a row without descriptors (dashes) still gets one line, with no text.
    Cells are made safe for spreadsheets (`spreadsheet_cell`: no control characters, no formulas)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_FIELDS)
    for area, row in fw.rows():
        base = [fw.id, area.code, row.id, row.nqf_level, row.sqf_level or "", row.level_source]
        if not row.descriptors:
            w.writerow(map(spreadsheet_cell, [*base, "", "", "", "", row.source.line_start, row.source.line_end]))
        for d in row.descriptors:
            w.writerow(map(spreadsheet_cell,
                           [*base, d.column, d.order, d.id, d.text, d.source.line_start, d.source.line_end]))
    return buf.getvalue()
