"""Parse an SQF order in its published text layout into a :class:`Framework` and a report.

Data flows one way: text → paragraphs and cells (layout) → statements, OKED tables and framework table
→ levels resolved → errata → model. Every non-empty paragraph of the framework table is accounted
for in the report: it is a descriptor, or it is named as something else (header, level number, note).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from qualframe.dataset import data_dir
from qualframe.ingest import levels as lv
from qualframe.ingest.errata import ErrataBook, apply_curated, check_abbreviations, check_oked
from qualframe.ingest.errors import IngestError
from qualframe.ingest.layout import Cell, Loose, Note, Paragraph, fold, table_elements
from qualframe.ingest.provisions import parse_prose
from qualframe.ingest.similarity import closest
from qualframe.ingest.source import SourceText
from qualframe.model import (
    COLUMNS,
    Area,
    Descriptor,
    Framework,
    LevelRow,
    OkedCode,
    SourceSpan,
    Statement,
)

_ANNEX = re.compile(r"^\s*(\d{1,2})-қосымша\b")
_NQF_HEADER = re.compile(r"^(?:БҰШ|ҰБШ|БСШ|НБШ)\s+деңгейі\s*$", re.I)
_SQF_HEADER = re.compile(r"^СБШ\s+деңгейі\s*$", re.I)
_AREA_HEADER = re.compile(r"^Кәсіби қызмет саласы\s*:?\s*$", re.I)
_AREA_TITLE = re.compile(r"^(\d+\.\d+)\.?\s+(.+)$")
_COLUMN_HEADERS = (
    re.compile(r"^Жеке және кәсіби құзыреттіліктерге қойылатын талаптар\s*$", re.I),
    re.compile(r"^Іскерлікке және машықтарға қойылатын талаптар\s*$", re.I),
    re.compile(r"^Білімге қойылатын талаптар\s*$", re.I),
)
_OKED_HEADER = re.compile(r"^ЭҚЖЖ\s+коды", re.I)
_LEVEL_CELL = re.compile(r"^\d{1,2}$")
_DASH = re.compile(r"^[-–—]$")

KNOWN_IDS = {"ақпараттық-коммуникациялық технологиялар": "ict"}


@dataclass
class Accounted:
    """Where one non-empty paragraph of the framework table went."""

    line_start: int
    line_end: int
    kind: str  # descriptor | level-number | header | area-title | note | placeholder
    ref: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"line_start": self.line_start, "line_end": self.line_end, "kind": self.kind, "ref": self.ref}


@dataclass
class IngestReport:
    source: str
    sha256: str
    framework_id: str = ""
    areas: list[dict[str, Any]] = field(default_factory=list)
    accounting: list[Accounted] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    statements: int = 0
    errata: int = 0

    def warn(self, message: str, line: int | None = None) -> None:
        self.warnings.append({"line": line, "message": message})

    @property
    def descriptors(self) -> int:
        return sum(1 for a in self.accounting if a.kind == "descriptor")

    def to_dict(self) -> dict[str, Any]:
        kinds: dict[str, int] = {}
        for a in self.accounting:
            kinds[a.kind] = kinds.get(a.kind, 0) + 1
        return {
            "source": self.source,
            "sha256": self.sha256,
            "framework_id": self.framework_id,
            "statements": self.statements,
            "errata": self.errata,
            "table_paragraphs": len(self.accounting),
            "table_paragraph_kinds": kinds,
            "areas": self.areas,
            "warnings": self.warnings,
            "accounting": [a.to_dict() for a in self.accounting],
        }


@dataclass
class _RawRow:
    area_index: int
    level_cells: list[Cell]
    cells: list[Cell]
    row_break: bool

    @property
    def first_line(self) -> int:
        return (self.level_cells or self.cells)[0].line

    @property
    def last_line(self) -> int:
        return self.cells[-1].span.line_end if self.cells else self.first_line


@dataclass
class _RawArea:
    code: str | None
    title: str | None
    header_lines: list[int]
    header_printed: bool
    rows: list[_RawRow] = field(default_factory=list)
    note: list[Paragraph] = field(default_factory=list)
    start: int = 0
    end: int = 0


def parse(src: SourceText, framework_id: str | None = None) -> tuple[Framework, IngestReport]:
    """Parse a whole order. Raises :class:`IngestError` when the text is not a complete SQF order."""
    lines = src.lines
    report = IngestReport(src.path, src.sha256)
    annexes = [(_caption_start(lines, i + 1), int(m.group(1)))
               for i, line in enumerate(lines) if (m := _ANNEX.match(line))]
    if not annexes:
        raise IngestError(
            "not an SQF order: no annexes ('N-қосымша') found; expected OKED tables and the framework "
            "table (annex with 'БҰШ деңгейі | СБШ деңгейі' columns)",
            src.path,
        )
    prose = parse_prose(lines, annexes[0][0] - 1)
    for w in prose.warnings:
        report.warn(w)
    book = ErrataBook()

    oked_annexes: list[tuple[int, str, list[OkedCode]]] = []
    table_annex: tuple[int, int, int] | None = None
    for k, (start, num) in enumerate(annexes):
        end = annexes[k + 1][0] - 1 if k + 1 < len(annexes) else len(lines)
        elements = table_elements(lines, start, end)
        cells = [e for e in elements if isinstance(e, Cell)]
        if any(_OKED_HEADER.match(c.text) for c in cells):
            oked_annexes.append(_oked_annex(src, num, elements))
        elif any(_NQF_HEADER.match(_head(c)) or _COLUMN_HEADERS[0].match(_head(c)) for c in cells):
            table_annex = (num, start, end)
        else:
            report.warn(f"annex {num} holds neither an OKED table nor the framework table", start)
    if table_annex is None:
        raise IngestError(
            "not an SQF order (or truncated): no framework table with columns 'БҰШ деңгейі', "
            "'СБШ деңгейі' and the three requirement columns was found",
            src.path,
            annexes[-1][0],
        )
    raw_areas = _parse_table(src, lines, table_annex[1], table_annex[2], report)
    _name_areas(raw_areas, oked_annexes, book, report)

    # Levels: printed where printed; otherwise inferred from order and content across areas.
    inputs: list[lv.RowInput] = []
    flat: list[tuple[_RawArea, int, _RawRow]] = []
    for ra in raw_areas:
        for pos, rr in enumerate(ra.rows, 1):
            inputs.append(lv.RowInput(
                ra.code or "?", pos, [c.text for c in rr.level_cells],
                " ".join(c.text for c in rr.cells), rr.first_line,
            ))
            flat.append((ra, pos, rr))
    resolutions = lv.resolve(inputs)

    oked_by_area = dict(
        check_oked(book, [(code, codes) for _, code, codes in oked_annexes])
    )
    areas: list[Area] = []
    rows_by_area: dict[str, list[LevelRow]] = {}
    for (ra, pos, rr), res in zip(flat, resolutions, strict=True):
        for w in res.warnings:
            report.warn(w, rr.first_line)
        rows_by_area.setdefault(ra.code or "?", []).append(_build_row(ra, pos, rr, res, report))
    for ra in raw_areas:
        code = ra.code or "?"
        rows = _sublevels(rows_by_area.get(code, []), ra)
        annex_no = next((n for n, c, _ in oked_annexes if c == code), None)
        areas.append(Area(
            code=code,
            title={"kk": ra.title or ""},
            oked=tuple(oked_by_area.get(code, ())),
            levels=tuple(rows),
            source=SourceSpan(ra.start, ra.end),
            header_printed=ra.header_printed,
            annex=annex_no,
        ))
        report.areas.append({
            "code": code,
            "title": ra.title,
            "header_printed": ra.header_printed,
            "rows": [
                {"id": r.id, "nqf_level": r.nqf_level, "sqf_level": r.sqf_level,
                 "level_source": r.level_source, "evidence": r.level_evidence,
                 "descriptors": len(r.descriptors), "lines": str(r.source)}
                for r in rows
            ],
        })
    _row_errata(book, areas, raw_areas, report)
    check_abbreviations(book, lines)

    if prose.legal is None:
        raise IngestError("not an SQF order: the order's number and date were not found", src.path, 1)
    title = prose.title or ""
    fid = framework_id or _framework_id(title, prose.legal.order_date)
    for w in apply_curated(book, lines, fid, _curated(), _locator(prose.statements, areas)):
        report.warn(w)
    notes = tuple(
        Statement(f"note.{ra.code}.{i}", "table_note", 0, i, p.text, p.span, "sublevel_note")
        for ra in raw_areas for i, p in enumerate(ra.note, 1)
    )
    fw = Framework(
        id=fid,
        title={"kk": title},
        legal=prose.legal,
        statements=tuple(prose.statements),
        areas=tuple(areas),
        errata=tuple(book.items),
        notes=notes,
        source_file={"name": src.path.rsplit("/", 1)[-1], "sha256": src.sha256, "lines": len(lines)},
    )
    report.framework_id = fid
    report.statements = len(fw.statements)
    report.errata = len(fw.errata)
    return fw, report


def _curated() -> dict:
    path = data_dir() / "curated-errata.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _locator(statements: list[Statement], areas: list[Area]):
    spans = [(s.source, s.id) for s in statements]
    spans += [(d.source, f"descriptor:{d.id}") for a in areas for r in a.levels for d in r.descriptors]

    def locate(line: int) -> str:
        for span, name in spans:
            if span.line_start <= line <= span.line_end:
                return name if name.startswith("descriptor:") else f"statement:{name}"
        return f"line:{line}"

    return locate


def _caption_start(lines: list[str], marker: int) -> int:
    """First line of an annex's caption («...» салалық біліктілік шеңберіне / N-қосымша).

    The caption is plain text right above the "N-қосымша" line. It opens with a quoted title («...),
    which tells it apart from the continuation lines of the previous table's last cell; without one,
    two blank lines in a row (cells use one between paragraphs) mark where it starts.
    """
    plain: list[int] = []
    no = marker - 1
    while no >= 1:
        raw = lines[no - 1]
        if raw.lstrip(" \u00a0").startswith("\t"):
            break
        if raw.strip():
            plain.append(no)
        no -= 1
    quoted = [n for n in plain if lines[n - 1].strip().startswith("«")]
    if quoted:
        return max(quoted)
    start, blanks, no = marker, 0, marker - 1
    while no >= 1 and not lines[no - 1].lstrip(" \u00a0").startswith("\t"):
        if not lines[no - 1].strip():
            blanks += 1
            if blanks >= 2:
                break
        else:
            blanks, start = 0, no
        no -= 1
    return start


def _framework_id(title: str, order_date: str) -> str:
    m = re.search(r"«([^»]+)»", title)
    sector = (m.group(1) if m else title).strip().lower()
    slug = KNOWN_IDS.get(sector) or re.sub(r"[^a-z0-9]+", "-", sector).strip("-") or "sector"
    return f"kz-{slug}-sqf-{order_date[:4]}"


def _oked_annex(src: SourceText, num: int, elements: list) -> tuple[int, str, list[OkedCode]]:
    title_parts = [e.paragraph.text for e in elements if isinstance(e, Loose)]
    # the title is the loose text after "Кесте" (the table caption)
    if "Кесте" in title_parts:
        title_parts = title_parts[title_parts.index("Кесте") + 1:]
    cells = [e for e in elements if isinstance(e, Cell)]
    body = [c for c in cells if c.text and not _OKED_HEADER.match(c.text)
            and not c.text.lower().startswith("экономикалық қызмет түрінің атауы")]
    codes: list[OkedCode] = []
    for i in range(0, len(body) - 1, 2):
        code_cell, name_cell = body[i], body[i + 1]
        if not re.fullmatch(r"\d{2}(\.\d+)*", code_cell.text):
            raise IngestError(f"annex {num}: expected an OKED code, found {code_cell.text[:40]!r}",
                              src.path, code_cell.line)
        codes.append(OkedCode(code_cell.text, {"kk": name_cell.text},
                              SourceSpan(code_cell.line, name_cell.span.line_end)))
    if len(body) % 2:
        raise IngestError(f"annex {num}: OKED code {body[-1].text!r} has no name (truncated?)",
                          src.path, body[-1].line)
    return num, " ".join(title_parts), codes


def _head(cell: Cell) -> str:
    return cell.paragraphs[0].text if cell.paragraphs else ""


def _is_header(cell: Cell) -> bool:
    t = _head(cell)
    return bool(_NQF_HEADER.match(t) or _SQF_HEADER.match(t) or _AREA_HEADER.match(t)
                or any(h.match(t) for h in _COLUMN_HEADERS))


def _parse_table(src: SourceText, lines: list[str], start: int, end: int, report: IngestReport) -> list[_RawArea]:
    elements = table_elements(lines, start, end)
    areas: list[_RawArea] = []
    cur: _RawArea | None = None
    row: _RawRow | None = None
    in_header = False
    acc = report.accounting

    def close_row(at_line: int, why: str) -> None:
        nonlocal row
        if row is not None and 0 < len(row.cells) < 3:
            raise IngestError(
                f"table row starting at line {row.first_line} has {len(row.cells)} of 3 requirement "
                f"cells ({why}); the text may be truncated or a cell lost",
                src.path, at_line,
            )
        if row is not None and row.level_cells and not row.cells:
            raise IngestError(
                f"level number(s) at line {row.first_line} are not followed by requirement cells ({why})",
                src.path, at_line,
            )
        row = None

    for el in elements:
        if isinstance(el, Loose):
            acc.append(Accounted(el.paragraph.line_start, el.paragraph.line_end, "heading"))
            continue
        if isinstance(el, Note):
            close_row(el.paragraphs[0].line_start, "a note follows")
            for p in el.paragraphs:
                acc.append(Accounted(p.line_start, p.line_end, "note", cur.code or "" if cur else ""))
            if cur is not None:
                cur.note.extend(el.paragraphs)
                cur.end = el.paragraphs[-1].line_end
            cur = None
            continue
        cell = el
        if _is_header(cell):
            close_row(cell.line, "a table header follows")
            starts_block = _NQF_HEADER.match(_head(cell)) or _COLUMN_HEADERS[0].match(_head(cell))
            if cur is None or (starts_block and (cur.rows or not in_header)):
                cur = _RawArea(None, None, [], header_printed=bool(_NQF_HEADER.match(_head(cell))),
                               start=cell.line)
                areas.append(cur)
            in_header = True
            cur.header_lines.append(cell.line)
            for i, p in enumerate(cell.paragraphs):
                m = _AREA_TITLE.match(p.text)
                if _AREA_HEADER.match(_head(cell)) and i > 0 and m:
                    cur.code, cur.title = m.group(1), m.group(2).rstrip(".")
                    acc.append(Accounted(p.line_start, p.line_end, "area-title", cur.code))
                elif _AREA_HEADER.match(_head(cell)) and i > 0:
                    cur.title = ((cur.title or "") + " " + p.text).strip()
                    acc.append(Accounted(p.line_start, p.line_end, "area-title"))
                else:
                    acc.append(Accounted(p.line_start, p.line_end, "header"))
            cur.end = cell.span.line_end
            continue
        if cur is None:
            raise IngestError("table content before any table header", src.path, cell.line)
        if in_header and not cell.paragraphs:
            continue  # empty filler cells of the header rows
        in_header = False
        row_open = row is not None and 0 < len(row.cells) < 3
        if (not cell.paragraphs or _LEVEL_CELL.match(cell.text)) and not row_open:
            if row is None or row.cells:
                row = _RawRow(len(areas) - 1, [], [], row_break=cell.row_break)
                cur.rows.append(row)
            row.level_cells.append(cell)
            for p in cell.paragraphs:
                acc.append(Accounted(p.line_start, p.line_end, "level-number", p.text))
            continue
        if row is None or len(row.cells) == 3 or (cell.row_break and row.cells):
            if row is not None and cell.row_break and 0 < len(row.cells) < 3:
                close_row(cell.line, "a new row starts")
            row = _RawRow(len(areas) - 1, [], [], row_break=cell.row_break)
            cur.rows.append(row)
        row.cells.append(cell)
        cur.end = cell.span.line_end
    close_row(end, "the text ends")
    if not areas or not any(a.rows for a in areas):
        raise IngestError("the framework table has no rows", src.path, start)
    last = areas[-1]
    if not last.note:
        printed = [int(c.text) for r in last.rows for c in r.level_cells if _LEVEL_CELL.match(c.text)]
        top = max((int(str(n)[0]) if n > 9 else n for n in printed), default=0)
        if len(last.rows) < 8 and top < 8:
            raise IngestError(
                f"the framework table stops after {len(last.rows)} rows of its last block, without the "
                "note that closes every block: the text is truncated",
                src.path, end,
            )
        report.warn("the last table block has no closing note (sub-level note)", end)
    return areas


def _name_areas(
    raw: list[_RawArea], oked: list[tuple[int, str, list[OkedCode]]],
    book: ErrataBook, report: IngestReport,
) -> None:
    """Give each block its area code and title; a block whose header was lost takes the next code.

    The k-th OKED annex belongs to area "3.k" (passport item 11 lists the groups in annex order).
    """
    for i, ra in enumerate(raw):
        if ra.code:
            continue
        prev = raw[i - 1].code if i else None
        if prev and "." in prev:
            major, minor = prev.split(".")
            ra.code = f"{major}.{int(minor) + 1}"
        else:
            ra.code = f"3.{i + 1}"
        k = int(ra.code.split(".")[1])
        annex_title = oked[k - 1][1] if 0 < k <= len(oked) else ""
        ra.title = annex_title or None
        ra.header_printed = False
        line = ra.header_lines[0] if ra.header_lines else ra.start
        book.add(
            "missing-header", f"area:{ra.code}",
            f"the block at line {line} starts with the column headers; the rows 'БҰШ деңгейі | "
            "СБШ деңгейі | Кәсіби қызмет саласы: ...' are missing",
            f"The header naming this area was lost in extraction. It is area {ra.code} by its place "
            f"(after {prev or 'the start'}), and its title is taken from the OKED annex of the same "
            f"area «{annex_title}».",
            SourceSpan(line, line), suggestion=ra.code,
        )
        report.warn(f"area block without header: named {ra.code} from its place and its OKED annex", line)
    codes = {ra.code for ra in raw}
    for i, (num, _, codes_) in enumerate(oked):
        major = (raw[0].code or "3.1").split(".")[0]
        code = f"{major}.{i + 1}"
        oked[i] = (num, code, codes_)
        if code not in codes:
            report.warn(f"annex {num} lists OKED codes for area {code}, but the framework table has no "
                        f"block for it", None)


def _build_row(ra: _RawArea, pos: int, rr: _RawRow, res: lv.Resolution, report: IngestReport) -> LevelRow:
    rid = f"{ra.code}-{pos:02d}"
    cols: dict[str, list[Descriptor]] = {c: [] for c in COLUMNS}
    acc = report.accounting
    for col, cell in zip(COLUMNS, rr.cells, strict=False):
        for p in cell.paragraphs:
            if _DASH.match(p.text):
                acc.append(Accounted(p.line_start, p.line_end, "placeholder", f"{rid} {col}"))
                continue
            did = f"{rid}-{col[0]}{len(cols[col]) + 1}"
            cols[col].append(Descriptor(did, col, len(cols[col]) + 1, fold(p.text), p.span))
            acc.append(Accounted(p.line_start, p.line_end, "descriptor", did))
    return LevelRow(
        id=rid,
        position=pos,
        nqf_level=res.nqf_level,
        sqf_level=res.sqf_level,
        level_source=res.source,  # type: ignore[arg-type]
        level_evidence=res.evidence,
        level_evidence_message=res.message,
        source=SourceSpan(rr.first_line, rr.last_line),
        competences=tuple(cols["competences"]),
        skills=tuple(cols["skills"]),
        knowledge=tuple(cols["knowledge"]),
        level_candidates=res.candidates,
    )


def _sublevels(rows: list[LevelRow], ra: _RawArea) -> list[LevelRow]:
    """Sub-level number and kind where a level is split and the printed code says which sub-level.

    The note under each table says sub-level 1 is for managerial and 2 for production specialities.
    """
    from dataclasses import replace

    kinds = {1: "managerial", 2: "production"} if any("басқарушылық" in p.text for p in ra.note) else {}
    out: list[LevelRow] = []
    for r in rows:
        split = sum(1 for x in rows if x.nqf_level == r.nqf_level) > 1
        sub = int(r.sqf_level[1]) if r.sqf_level and len(r.sqf_level) == 2 else None
        kind = kinds.get(sub) if split and sub else None
        out.append(replace(r, sublevel=sub, sublevel_kind=kind))  # type: ignore[arg-type]
    return out


def _row_errata(book: ErrataBook, areas: list[Area], raw: list[_RawArea], report: IngestReport) -> None:
    for area in areas:
        lost = [r for r in area.levels if r.level_source != "printed"]
        if lost:
            book.add(
                "level-lost", f"area:{area.code}",
                "rows " + ", ".join(f"{r.id} (line {r.source.line_start})" for r in lost),
                f"{len(lost)} of {len(area.levels)} rows of area {area.code} have no printed level number; "
                "their levels were inferred (see each row's level_evidence) or are ambiguous.",
                SourceSpan(lost[0].source.line_start, lost[-1].source.line_end),
            )
        for r in area.levels:
            if not r.descriptors:
                book.add(
                    "no-descriptors", f"row:{r.id}", f"row {r.label} has '-' in every column",
                    f"Level {r.label} of area {area.code} is printed with dashes instead of requirements; "
                    "it is kept as an empty row.", r.source,
                )
            if r.level_source == "ambiguous":
                dup = _duplicate_of(r, area)
                kind = "row-misplaced-or-duplicated" if dup else "row-level-ambiguous"
                extra = (f" Its competences repeat row {dup.id} (line {dup.source.line_start}) almost word "
                         "for word." if dup else "")
                book.add(
                    kind, f"row:{r.id}", r.level_evidence,
                    f"The level of row {r.id} cannot be settled from the text.{extra} "
                    f"Candidates: {', '.join(map(str, r.level_candidates))}.", r.source,
                )
        _sublevel_note_check(book, area)
        restored = {p.line_start for ra in raw for rr in ra.rows for c in rr.cells for p in c.paragraphs
                    if p.break_restored}
        for d in (d for r in area.levels for d in r.descriptors):
            if d.source.line_start in restored:
                above = d.source.line_start - 1
                book.add(
                    "paragraph-break-lost", f"descriptor:{d.id}",
                    f"lines {above}-{d.source.line_start} follow each other with no blank line; line {above} "
                    f"ends a sentence and line {d.source.line_start} starts a new one",
                    "The blank line that separates paragraphs in a cell is missing here. As everywhere else "
                    "in the text one paragraph is one statement, so the two lines are read as two descriptors; "
                    "the wording is unchanged.",
                    SourceSpan(above, d.source.line_start),
                )
                report.warn(f"line {d.source.line_start} starts a new descriptor ({d.id}): line {above} ends "
                            "a sentence and no blank line separates them", d.source.line_start)
            if d.source.line_end > d.source.line_start:
                # Every paragraph of the published text is one line, so a wrapped one is worth a note.
                book.add(
                    "paragraph-wrapped", f"descriptor:{d.id}",
                    f"lines {d.source.line_start}-{d.source.line_end} follow each other with no blank line",
                    "Lines of one cell follow each other with no blank line, and none ends a sentence right "
                    "before a line that starts a new one, so they are read as one paragraph wrapped over "
                    "several lines (one descriptor).",
                    d.source,
                )
                report.warn(f"lines {d.source.line_start}-{d.source.line_end} joined into one paragraph "
                            f"({d.id}): no blank line between them", d.source.line_start)


def _duplicate_of(row: LevelRow, area: Area) -> LevelRow | None:
    def wording(r: LevelRow) -> str:
        return " ".join(d.text for d in r.competences)

    return closest(wording(row), ((o, wording(o)) for o in area.levels if o.id != row.id), 0.8)


def _sublevel_note_check(book: ErrataBook, area: Area) -> None:
    for r in area.levels:
        if r.sublevel_kind != "production" or not r.competences:
            continue
        first = r.competences[0].text.lower()
        if "басқарушылық қызмет" in first and "атқарушылық" not in first:
            sib = next((x for x in area.levels if x.nqf_level == r.nqf_level and x.sublevel == 1), None)
            book.add(
                "sublevel-note-mismatch", f"row:{r.id}",
                f"{r.label}: «{r.competences[0].text[:90]}…»",
                f"The note under the table assigns sub-level 2 to production specialities, but row "
                f"{r.label} describes managerial activity (басқарушылық қызмет)"
                + (f" while {sib.label} describes executive-managerial activity" if sib else "")
                + ". The note and the rows may be swapped; both are kept as printed.",
                r.source,
            )
