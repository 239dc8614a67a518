"""A recognition centre's campaign results as a file: one assessment per row, read from CSV or XLSX.

A centre that assessed thousands of people keeps the results in a spreadsheet; `qualframe assessment import`
reads it with this module (pure: no database) and the store checks every row against the programme before
anything is written. Columns (header names are case-insensitive; `candidate_name` and `assessed_on` are
accepted for `name` and `date`):

* `name`: the candidate's full name;
* `date`: the assessment date, YYYY-MM-DD or DD.MM.YYYY (or a date cell in XLSX);
* `assessors`: one or more names separated by ";";
* `iin` (optional): the candidate's IIN;
* `evidence` (optional): a note kept with every result of the row;
* one column per descriptor the programme covers, named by its id (e.g. `3.1-07-c1`), holding whether it was
  met: 1/0, yes/no, true/false, met/not met, +/-, иә/жоқ, да/нет.

The encoding of a CSV is detected, and XLSX is opened, as for every spreadsheet import (`interop.sheets`).
Every problem is reported with its line and field; a file-level problem (unreadable, a missing column) raises
AssessmentFileError. The IIN is passed through untouched and never appears in a message. Messages are
:class:`Text`: the English sentence in the CLI and the API, the page's language on a page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from qualframe.interop.common import strip_controls
from qualframe.interop.sheets import Row, csv_table, decode, first_sheet, is_xlsx
from qualframe.model.messages import N_, Text, labelled

MAX_BYTES = 32 * 1024 * 1024
MAX_ROWS = 50_000
MAX_XLSX_INFLATED = 200 * 1024 * 1024
MAX_REPORTED_ERRORS = 200
DELIMITERS = ",;\t|"
ALIASES = {"candidate_name": "name", "assessed_on": "date"}
REQUIRED = ("name", "date", "assessors")
OPTIONAL = ("iin", "evidence")
_MET = {"1", "yes", "y", "true", "met", "+", "иә", "да", "x", "✓"}
_NOT_MET = {"0", "no", "n", "false", "not met", "-", "жоқ", "нет"}
_SPACES = re.compile(r"\s+")
_DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


class AssessmentFileError(ValueError):
    """The file as a whole cannot be read (nothing of it is imported); the message (``args[0]``, a
    :class:`Text` where it is ours) says why."""


@dataclass(frozen=True, slots=True)
class AssessmentLine:
    """One row of the file, parsed (not yet checked against the programme's pass rules)."""

    line: int
    name: str
    assessed_on: date
    assessors: list[str]
    iin: str | None
    results: dict[str, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class FieldError:
    line: int
    field: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "message": self.message}


@dataclass
class AssessmentSheet:
    format: str
    lines: list[AssessmentLine] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)
    error_count: int = 0

    def bad(self, line: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(FieldError(line, column, message))


def read_assessments(data: bytes, descriptors: Sequence[str], filename: str = "") -> AssessmentSheet:
    """Parse a results file for a programme covering `descriptors`; AssessmentFileError when unusable."""
    if len(data) > MAX_BYTES:
        raise AssessmentFileError(Text(N_("the file is %(size)s bytes; at most %(limit)s are accepted"),
                                       size=f"{len(data):,}", limit=f"{MAX_BYTES:,}"))
    if not data.strip():
        raise AssessmentFileError(Text(N_("the file is empty")))
    if is_xlsx(data, filename):
        return _read_xlsx(data, descriptors)
    return _read_csv(data, descriptors)


def template_header(descriptors: Sequence[str]) -> list[str]:
    """The header a results file for this programme needs."""
    return ["name", "date", "assessors", "iin", "evidence", *descriptors]


def _norm(name: Any) -> str:
    n = _SPACES.sub(" ", strip_controls(str(name or "")).lstrip("\ufeff")).strip().casefold()
    return ALIASES.get(n.replace(" ", "_"), n)


def _columns(header: Sequence[Any], descriptors: Sequence[str], where: str) -> dict[str, int]:
    known = {*REQUIRED, *OPTIONAL, *(d.casefold() for d in descriptors)}
    cols: dict[str, int] = {}
    for i, h in enumerate(header):
        n = _norm(h)
        if n in cols:
            raise AssessmentFileError(labelled(where, Text(N_("column %(column)s appears twice"), column=repr(n))))
        if n in known:
            cols[n] = i
        elif n:
            raise AssessmentFileError(labelled(where, Text(
                N_("unknown column %(column)s; expected %(header)s"), column=repr(strip_controls(str(h))[:60]),
                header=", ".join(template_header(descriptors)))))
    missing = [c for c in (*REQUIRED, *descriptors) if c.casefold() not in cols]
    if missing:
        raise AssessmentFileError(labelled(where, Text(
            N_("missing column(s) %(columns)s (the header must be %(header)s; iin and evidence are optional)"),
            columns=", ".join(missing), header=", ".join(template_header(descriptors)))))
    return cols


def _read_csv(data: bytes, descriptors: Sequence[str]) -> AssessmentSheet:
    text, _enc = decode(data, AssessmentFileError)
    first = text.split("\n", 1)[0]
    delim = max(DELIMITERS, key=lambda d: (sum(_norm(h) in REQUIRED for h in first.split(d)), d == ","))
    first_line = Text(N_("line %(line)s"), line=1)
    header, rows = csv_table(text, delim, AssessmentFileError,
                             empty=labelled(first_line, Text(N_("no readable header (empty)"))),
                             unreadable="line 1: no readable header ({})")
    cols = _columns(header, descriptors, first_line)
    out = AssessmentSheet("csv")
    _collect(out, cols, descriptors, rows)
    return out


def _read_xlsx(data: bytes, descriptors: Sequence[str]) -> AssessmentSheet:
    with first_sheet(data, MAX_XLSX_INFLATED, AssessmentFileError) as sheet:
        cols = _columns(sheet.header, descriptors, sheet.where)
        out = AssessmentSheet("xlsx")
        _collect(out, cols, descriptors, sheet.rows)
        return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    return _SPACES.sub(" ", strip_controls(str(value))).strip()


def parse_date(value: str) -> date:
    """YYYY-MM-DD or DD.MM.YYYY (as Kazakh and Russian spreadsheets write it); ValueError otherwise."""
    m = _DMY.match(value)
    if not m and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(Text(N_("%(value)s is not a date like 2026-01-15 or 15.01.2026"), value=repr(value[:30])))
    try:
        return date(int(m[3]), int(m[2]), int(m[1])) if m else date.fromisoformat(value)
    except ValueError as exc:
        # Python's own (English) words say what is impossible about the date
        raise ValueError(Text(N_("%(value)s is not a date: %(error)s"), value=repr(value), error=str(exc))) from None


def parse_met(value: str) -> bool:
    v = value.casefold()
    if v in _MET:
        return True
    if v in _NOT_MET:
        return False
    raise ValueError(Text(N_("%(value)s is not met (1, yes, иә, да, +) or not met (0, no, жоқ, нет, -)"),
                          value=repr(value[:30])))


def _collect(out: AssessmentSheet, cols: dict[str, int], descriptors: Sequence[str], rows: Iterable[Row]) -> None:
    n = 0
    for line, row, problem in rows:
        if problem is not None:
            out.bad(line, "-", problem)
            continue
        if row is None or not any(_cell(v) for v in row):
            continue  # blank lines are not rows
        n += 1
        if n > MAX_ROWS:
            raise AssessmentFileError(Text(N_("more than %(max)s rows (line %(line)s); split the file"),
                                           max=f"{MAX_ROWS:,}", line=line))
        values = {c: _cell(row[i]) if i < len(row) else "" for c, i in cols.items()}
        raw_iin = row[cols["iin"]] if "iin" in cols and cols["iin"] < len(row) else None
        if isinstance(raw_iin, int | float) and not isinstance(raw_iin, bool):
            values["iin"] = f"{int(raw_iin):012d}"  # a spreadsheet drops the leading zero of a 2000s birth year
        errors_before = out.error_count
        for c in REQUIRED:
            if not values[c]:
                out.bad(line, c, Text(N_("required")))
        day: date | None = None
        if values["date"]:
            try:
                day = parse_date(values["date"])
            except ValueError as exc:
                out.bad(line, "date", exc.args[0])
        evidence = values.get("evidence", "")
        results: dict[str, dict[str, Any]] = {}
        for d in descriptors:
            raw = values[d.casefold()]
            if not raw:
                out.bad(line, d, Text(N_("required (whether the descriptor was met)")))
                continue
            try:
                results[d] = {"met": parse_met(raw), "evidence": evidence}
            except ValueError as exc:
                out.bad(line, d, exc.args[0])
        if out.error_count == errors_before and day is not None:
            out.lines.append(AssessmentLine(
                line, values["name"], day, [a.strip() for a in values["assessors"].split(";") if a.strip()],
                values.get("iin") or None, results))


__all__ = ["AssessmentFileError", "AssessmentLine", "AssessmentSheet", "FieldError", "read_assessments"]
