"""The published text layout: paragraphs, and table cells that start with a tab.

A table cell starts on a line whose first non-space character is a tab; it continues over the
following lines, and blank lines separate paragraphs inside it. A cell written as " \t..." (space,
tab) marks a row whose level cells were lost in extraction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qualframe.model import SourceSpan

_WS = re.compile(r"\s+")


def fold(text: str) -> str:
    """Fold runs of whitespace (no-break spaces included) to one space and trim."""
    return _WS.sub(" ", text).strip()


@dataclass
class Paragraph:
    text: str
    line_start: int
    line_end: int
    joined_lines: bool = False  # continued over a line break with no blank line

    @property
    def span(self) -> SourceSpan:
        return SourceSpan(self.line_start, self.line_end)


@dataclass
class Cell:
    line: int
    row_break: bool  # written as " \t": a row whose level cells were lost
    paragraphs: list[Paragraph] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(p.text for p in self.paragraphs)

    @property
    def span(self) -> SourceSpan:
        if not self.paragraphs:
            return SourceSpan(self.line, self.line)
        return SourceSpan(self.paragraphs[0].line_start, self.paragraphs[-1].line_end)


@dataclass
class Note:
    """Free text under a table (e.g. "Ескертпе: ...")."""

    paragraphs: list[Paragraph]


@dataclass
class Loose:
    """A paragraph outside any cell (headings between tables)."""

    paragraph: Paragraph


Element = Cell | Note | Loose

_CELL_START = re.compile(r"^[ \u00a0]*\t")
NOTE_START = re.compile(r"^\s*Ескертпе\b", re.IGNORECASE)


def paragraphs(lines: list[str], first: int, last: int) -> list[Paragraph]:
    """Blank-line separated paragraphs of lines[first-1:last] (1-based, inclusive)."""
    out: list[Paragraph] = []
    cur: Paragraph | None = None
    for no in range(first, last + 1):
        raw = lines[no - 1]
        if not raw.strip():
            cur = None
            continue
        if cur is None:
            cur = Paragraph(fold(raw), no, no)
            out.append(cur)
        else:
            cur.text = fold(cur.text + " " + raw)
            cur.line_end = no
            cur.joined_lines = True
    return out


def table_elements(lines: list[str], first: int, last: int) -> list[Element]:
    """Split lines[first..last] into cells, notes and loose paragraphs, in order."""
    out: list[Element] = []
    cell: Cell | None = None
    note: Note | None = None
    para: Paragraph | None = None
    for no in range(first, last + 1):
        raw = lines[no - 1]
        if _CELL_START.match(raw):
            lead, _, rest = raw.partition("\t")
            cell = Cell(no, row_break=bool(lead))
            note = None
            out.append(cell)
            body = fold(rest)
            para = Paragraph(body, no, no) if body else None
            if para:
                cell.paragraphs.append(para)
            continue
        if not raw.strip():
            para = None
            continue
        text = fold(raw)
        if NOTE_START.match(raw):
            cell = None
            para = Paragraph(text, no, no)
            note = Note([para])
            out.append(note)
            continue
        if para is not None:  # a line continuing the current paragraph
            para.text = fold(para.text + " " + text)
            para.line_end = no
            para.joined_lines = True
            continue
        para = Paragraph(text, no, no)
        if cell is not None:
            cell.paragraphs.append(para)
        elif note is not None:
            note.paragraphs.append(para)
        else:
            out.append(Loose(para))
    return out
