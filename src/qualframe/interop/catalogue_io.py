"""An employer's job catalogue as a file: reading an uploaded CSV or XLSX, the blank template, the export.

This is a format module (pure, no database): it sits in `interop` rather than in `qualframe.catalogue`
because both the reader and the export need `interop.common` (control characters, formula injection),
and the import contract keeps layer-4 packages independent of each other.

Reading (`read_catalogue`):

* size and shape limits first (`MAX_BYTES`, `MAX_ROWS`, `FIELD_LIMITS`); a file over a limit is refused
  whole with a message naming the limit;
* CSV encoding, CSV rows with their line numbers, and the XLSX first sheet (uncompressed size checked
  before it is inflated) are read as for every spreadsheet import (`interop.sheets`);
* CSV delimiter: `csv.Sniffer` restricted to , ; TAB |, checked against the header (the delimiter
  that yields the most known column names wins when the sniffer's guess does not);
* each data row is validated on its own: a bad row is reported with its line number and reason and
  the other rows are kept. Control characters are stripped from every cell.

Keys: the `key` column when given; otherwise ``h-`` + 16 hex digits of SHA-256 over the case-folded
department and title (description when there is no title), so re-uploading the same file without keys
still updates the same positions.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qualframe.interop.common import spreadsheet_cell, strip_controls
from qualframe.interop.sheets import Row, csv_table, decode, first_sheet, is_xlsx
from qualframe.model.messages import N_, Text

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_XLSX_INFLATED = 60 * 1024 * 1024
MAX_REPORTED_ERRORS = 500
COLUMNS = ("key", "title", "description", "department", "grade", "occupation_code", "oked")
FIELD_LIMITS = {"key": 100, "title": 300, "description": 5000, "department": 200, "grade": 50,
                "occupation_code": 20, "oked": 20}
DELIMITERS = ",;\t|"
_KEY_RE = re.compile(r"^[^\s/?#%\\]{1,100}$")  # the key appears in URLs: no spaces or separators
_OCC_RE = re.compile(r"^\d{4}(?:-\d{1,3})?$")  # ISCO-08 / НКЗ unit group, optionally with a national suffix
_OKED_RE = re.compile(r"^\d{2}(?:\.\d{1,2}(?:\.\d{1,2})?)?$")
_SPACES = re.compile(r"[^\S\n]+")

TEMPLATE_EXAMPLES = (
    {"key": "IT-001", "title": "Ведущий инженер-программист", "description":
     "Проектирование и разработка backend-сервисов на Python, код-ревью, наставничество младших разработчиков. "
     "Опыт от 5 лет.", "department": "Департамент цифровых решений", "grade": "G7", "occupation_code": "2512",
     "oked": "62.01"},
    {"key": "IT-002", "title": "Бағдарламашы-стажер", "description":
     "Тәлімгердің басшылығымен шағын тапсырмаларды орындау, Python тілін базалық деңгейде білу.",
     "department": "Әзірлеу бөлімі", "grade": "G2", "occupation_code": "2514", "oked": "62.01"},
    {"key": "", "title": "Network engineer", "description":
     "Operates the fibre backbone and LTE base stations; on-call duty; 3 years of experience.",
     "department": "Network operations", "grade": "G5", "occupation_code": "2523", "oked": "61.10"},
)


# Why a row was not imported: the English msgids of every row reason, so a page can show a reason stored with
# a job (as msgid and parameters, see `reason_to_json`) in its own language. Only these are accepted back.
_TOO_LONG = N_("%(field)s is %(n)s characters long; at most %(limit)s")
_NO_TEXT = N_("neither title nor description is given")
_BAD_KEY = N_("key %(key)s may not contain spaces or any of / ? # %% \\")
_BAD_OCCUPATION = N_("occupation_code %(code)s is not an ISCO-08 / NKZ code like 2512 or 2512-1")
_BAD_OKED = N_("oked %(code)s is not an OKED code like 62, 62.01 or 62.01.1")
_KEY_USED = N_("key %(key)s is already used on line %(line)s")
_KEY_USED_DERIVED = N_("key %(key)s is already used on line %(line)s (same department and title)")
ROW_REASONS = frozenset({_TOO_LONG, _NO_TEXT, _BAD_KEY, _BAD_OCCUPATION, _BAD_OKED, _KEY_USED, _KEY_USED_DERIVED})


class CatalogueFileError(ValueError):
    """The file as a whole cannot be read (nothing of it is imported); the message (``args[0]``, a
    :class:`Text` where it is ours) says why."""


@dataclass(frozen=True, slots=True)
class CatalogueLine:
    """One good row of the file."""

    line: int
    key: str
    title: str
    description: str
    department: str
    grade: str
    occupation_code: str
    oked: str
    key_given: bool

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "key": self.key, "title": self.title, "description": self.description,
                "department": self.department, "grade": self.grade, "occupation_code": self.occupation_code,
                "oked": self.oked}


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "reason": self.reason}


@dataclass
class CatalogueFile:
    """What was read: the good rows, the bad ones with reasons, and how the file was understood."""

    format: str  # csv or xlsx
    encoding: str | None
    delimiter: str | None
    lines: list[CatalogueLine] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    error_count: int = 0
    ignored_columns: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"format": self.format, "encoding": self.encoding, "delimiter": self.delimiter,
                "rows": len(self.lines), "bad_rows": self.error_count,
                "errors": [e.to_dict() for e in self.errors], "ignored_columns": self.ignored_columns,
                "errors_truncated": self.error_count > len(self.errors)}


def position_key(department: str, title: str, description: str = "") -> str:
    """The stable key of a position that has none in the file."""
    basis = f"{department.casefold().strip()}\0{(title or description).casefold().strip()}"
    return "h-" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]


# --- reading ------------------------------------------------------------------------------------------

def read_catalogue(data: bytes, filename: str = "") -> CatalogueFile:
    """Read an uploaded catalogue; raises CatalogueFileError when the file as a whole is unusable."""
    if len(data) > MAX_BYTES:
        raise CatalogueFileError(Text(N_("the file is %(size)s bytes; at most %(limit)s bytes (5 MB) are accepted"),
                                      size=f"{len(data):,}", limit=f"{MAX_BYTES:,}"))
    if not data.strip():
        raise CatalogueFileError(Text(N_("the file is empty")))
    if is_xlsx(data, filename):
        return _read_xlsx(data)
    return _read_csv(data)


def _norm_header(name: Any) -> str:
    return re.sub(r"[\s\-]+", "_", str(name or "").strip().lstrip("\ufeff").casefold())


def _header_map(header: Sequence[Any]) -> tuple[dict[str, int], list[str]]:
    cols: dict[str, int] = {}
    ignored: list[str] = []
    for i, h in enumerate(header):
        name = _norm_header(h)
        if name in COLUMNS and name not in cols:
            cols[name] = i
        elif name:
            ignored.append(strip_controls(str(h))[:60])
    return cols, ignored


def _check_header(cols: Mapping[str, int], where: str) -> None:
    if "title" not in cols and "description" not in cols:
        raise CatalogueFileError(Text(N_("%(where)s: no 'title' or 'description' column; the header must name "
                                         "columns among %(columns)s (download the template)"),
                                      where=where, columns=", ".join(COLUMNS)))


def _pick_delimiter(text: str) -> str:
    head = text[:8192]
    first = head.split("\n", 1)[0]

    def known(d: str) -> int:
        return sum(_norm_header(h) in COLUMNS for h in first.split(d))

    try:
        guess = csv.Sniffer().sniff(head, delimiters=DELIMITERS).delimiter
    except csv.Error:
        guess = ","
    best = max(DELIMITERS, key=known)
    return guess if known(guess) >= known(best) else best


def _read_csv(data: bytes) -> CatalogueFile:
    text, enc = decode(data, CatalogueFileError)
    delim = _pick_delimiter(text)
    out = CatalogueFile("csv", enc, delim)
    header, rows = csv_table(text, delim, CatalogueFileError, empty=Text(N_("the file has no header line")),
                             unreadable="line 1: {}")
    cols, out.ignored_columns = _header_map(header)
    _check_header(cols, Text(N_("line %(line)s"), line=1))
    _collect(out, cols, rows)
    return out


def _read_xlsx(data: bytes) -> CatalogueFile:
    with first_sheet(data, MAX_XLSX_INFLATED, CatalogueFileError) as sheet:
        out = CatalogueFile("xlsx", None, None)
        cols, out.ignored_columns = _header_map(sheet.header)
        _check_header(cols, sheet.where)
        _collect(out, cols, sheet.rows)
        return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a grade typed as 5 is read back as 5.0
    return _SPACES.sub(" ", strip_controls(str(value))).strip()


def _collect(out: CatalogueFile, cols: Mapping[str, int], rows: Iterable[Row]) -> None:
    seen: dict[str, int] = {}
    n_rows = 0

    def bad(line: int, reason: str) -> None:
        out.error_count += 1
        if len(out.errors) < MAX_REPORTED_ERRORS:
            out.errors.append(LineError(line, reason))

    for line, row, problem in rows:
        if problem is not None:
            bad(line, problem)
            continue
        assert row is not None
        if not any(_cell(v) for v in row):
            continue  # blank lines are not rows
        n_rows += 1
        if n_rows > MAX_ROWS:
            raise CatalogueFileError(f"more than {MAX_ROWS:,} rows (line {line}); split the catalogue")
        values = {c: _cell(row[i]) if i < len(row) else "" for c, i in cols.items()}
        reason = _row_problem(values)
        if reason:
            bad(line, reason)
            continue
        given = bool(values.get("key"))
        key = values.get("key") or position_key(values.get("department", ""), values.get("title", ""),
                                                values.get("description", ""))
        if key.casefold() in seen:
            bad(line, Text(_KEY_USED if given else _KEY_USED_DERIVED, key=repr(key), line=seen[key.casefold()]))
            continue
        seen[key.casefold()] = line
        out.lines.append(CatalogueLine(line, key, values.get("title", ""), values.get("description", ""),
                                       values.get("department", ""), values.get("grade", ""),
                                       values.get("occupation_code", ""), values.get("oked", ""), given))


def _row_problem(values: Mapping[str, str]) -> Text | None:
    for c, limit in FIELD_LIMITS.items():
        v = values.get(c, "")
        if len(v) > limit:
            return Text(_TOO_LONG, field=c, n=len(v), limit=limit)
    if not values.get("title") and not values.get("description"):
        return Text(_NO_TEXT)
    key = values.get("key", "")
    if key and not _KEY_RE.match(key):
        return Text(_BAD_KEY, key=repr(key[:40]))
    occ = values.get("occupation_code", "")
    if occ and not _OCC_RE.match(occ):
        return Text(_BAD_OCCUPATION, code=repr(occ))
    oked = values.get("oked", "")
    if oked and not _OKED_RE.match(oked):
        return Text(_BAD_OKED, code=repr(oked))
    return None


def reason_to_json(reason: str) -> dict[str, Any] | None:
    """A row reason as {msgid, params} to store beside its English text; None for one without a translation."""
    return reason.to_dict() if isinstance(reason, Text) and reason.msgid in ROW_REASONS else None


def reason_from_json(english: str, stored: Any) -> str:
    """The stored row reason again as a translatable :class:`Text`; `english` itself when `stored` is not one
    of ours or does not give back exactly that English text (an older or altered record)."""
    text = Text.from_dict(stored, ROW_REASONS)
    return text if text is not None and text == english else english


# --- the template ---------------------------------------------------------------------------------------

def template_csv() -> bytes:
    """The blank catalogue as CSV (UTF-8 with BOM so that Excel opens the Cyrillic text correctly)."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(COLUMNS)
    for ex in TEMPLATE_EXAMPLES:
        w.writerow([ex[c] for c in COLUMNS])
    return codecs.BOM_UTF8 + buf.getvalue().encode("utf-8")


def template_xlsx() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "positions"
    ws.append(list(COLUMNS))
    for ex in TEMPLATE_EXAMPLES:
        ws.append([ex[c] for c in COLUMNS])
    _finish_sheet(ws, [14, 36, 70, 30, 10, 16, 10])
    notes = wb.create_sheet("README")
    for line in (
        "One position per row. 'title' or 'description' is required; the other columns are optional.",
        "key: your own stable id of the position (re-uploading updates the position with the same key).",
        "Without a key, department + title identify the position.",
        "grade: your current grade or pay band; occupation_code: ISCO-08 / NKZ (e.g. 2512); oked: OKED of the unit.",
        f"At most {MAX_ROWS:,} rows and {MAX_BYTES // (1024 * 1024)} MB.",
    ):
        notes.append([line])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- the export -----------------------------------------------------------------------------------------

EXPORT_FIELDS = ("key", "position", "department", "grade", "row_id", "area", "nqf_level", "sqf_level",
                 "pay_band", "decision_source", "reason", "confidence", "reviewer", "decided_at")


def _finish_sheet(ws: Any, widths: Sequence[int]) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


def export_csv(rows: Iterable[Mapping[str, Any]]) -> bytes:
    """The decided catalogue as CSV (UTF-8 with BOM), formula-like cells neutralised."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(EXPORT_FIELDS)
    for r in rows:
        w.writerow([spreadsheet_cell(r.get(f)) if r.get(f) is not None else "" for f in EXPORT_FIELDS])
    return codecs.BOM_UTF8 + buf.getvalue().encode("utf-8")


def export_xlsx(rows: Sequence[Mapping[str, Any]], areas: Mapping[str, str], note: str) -> bytes:
    """The decided catalogue as XLSX: a summary sheet (positions per area and NQF level) and one sheet per
    area, each with a frozen header and an auto-filter. `areas` maps area codes to titles."""
    from openpyxl import Workbook

    wb = Workbook()
    summary = wb.active
    summary.title = "summary"
    levels = sorted({int(r["nqf_level"]) for r in rows if r.get("nqf_level") is not None})
    summary.append(["area", "title", *[f"NQF {lv}" for lv in levels], "total"])
    for code, title in areas.items():
        mine = [r for r in rows if r.get("area") == code]
        summary.append([code, spreadsheet_cell(title),
                        *[sum(1 for r in mine if r.get("nqf_level") == lv) for lv in levels], len(mine)])
    unplaced = [r for r in rows if not r.get("area")]
    summary.append(["—", "not placed", *[0 for _ in levels], len(unplaced)])
    _finish_sheet(summary, [8, 50, *[9 for _ in levels], 9])
    summary.append([])
    summary.append([spreadsheet_cell(note)])
    widths = [14, 40, 28, 10, 10, 6, 8, 8, 12, 12, 40, 10, 24, 22]
    for code in [*areas, *([""] if unplaced else [])]:
        ws = wb.create_sheet(f"area {code}" if code else "not placed")
        ws.append(list(EXPORT_FIELDS))
        for r in rows:
            if (r.get("area") or "") == code:
                ws.append([spreadsheet_cell(r.get(f)) for f in EXPORT_FIELDS])
        _finish_sheet(ws, widths)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
