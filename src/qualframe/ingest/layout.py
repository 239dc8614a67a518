"""The published text layout: paragraphs, and table cells that start with a tab.

A table cell starts on a line whose first non-space character is a tab; it continues over the
following lines, and blank lines separate paragraphs inside it. A cell written as " \t..." (space,
tab) marks a row whose level cells were lost in extraction. Inside a cell, a line that ends a sentence
followed directly by a line that starts a new one is a paragraph break whose blank line was lost
(see :func:`starts_new_statement`).
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
    break_restored: bool = False  # starts right after a sentence end with no blank line between

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
_SENTENCE_END = re.compile(r"[.!?]$")


def starts_new_statement(previous: str, line: str) -> bool:
    """Whether `line`, directly under `previous` in a cell, begins a new paragraph despite no blank line.

    True when `previous` ends a sentence (. ! ?) and `line` opens with a capital letter: a sentence never
    continues across that boundary, while a line wrapped mid-sentence ends without a full stop or goes
    on in lower case (or with a digit, bracket or dash). In the published text only lines 774/775 meet it.
    """
    head, tail = fold(line), fold(previous)
    return bool(_SENTENCE_END.search(tail)) and head[:1].isupper()


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
        if para is not None and cell is not None and starts_new_statement(lines[no - 2], raw):
            para = Paragraph(text, no, no, break_restored=True)
            cell.paragraphs.append(para)
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
