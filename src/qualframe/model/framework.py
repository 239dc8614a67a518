"""Dataclasses for a sectoral qualification framework and its JSON form (the "grid JSON").

The JSON form is the public exchange format documented in the README; `to_dict`/`from_dict` are
exact inverses so the shipped dataset round-trips byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from qualframe.model.messages import Message

Column = Literal["competences", "skills", "knowledge"]
COLUMNS: tuple[Column, ...] = ("competences", "skills", "knowledge")
LevelSource = Literal["printed", "inferred", "ambiguous"]
SubLevelKind = Literal["managerial", "production"]

GRID_FORMAT = "qualframe-grid/1"


@dataclass(frozen=True, slots=True)
class SourceSpan:
    """1-based, inclusive line numbers in the source text file."""

    line_start: int
    line_end: int

    def to_dict(self) -> dict[str, int]:
        return {"line_start": self.line_start, "line_end": self.line_end}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SourceSpan:
        return cls(int(d["line_start"]), int(d["line_end"]))

    def __str__(self) -> str:
        if self.line_start == self.line_end:
            return f"line {self.line_start}"
        return f"lines {self.line_start}-{self.line_end}"


@dataclass(frozen=True, slots=True)
class Descriptor:
    """One paragraph of a framework-table cell: the unit people cite."""

    id: str
    column: Column
    order: int
    text: str
    source: SourceSpan

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "column": self.column,
            "order": self.order,
            "text": self.text,
            "source": self.source.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Descriptor:
        return cls(d["id"], d["column"], int(d["order"]), d["text"], SourceSpan.from_dict(d["source"]))


@dataclass(frozen=True, slots=True)
class LevelRow:
    """One row of the framework table: a level or sub-level of one area.

    `sqf_level` is the code exactly as printed ("21", "62", "3") or None where the extracted text lost
    it; `level_source` says whether the NQF level was printed, inferred (and from what), or is ambiguous.
    """

    id: str
    position: int
    nqf_level: int
    sqf_level: str | None
    level_source: LevelSource
    level_evidence: str
    source: SourceSpan
    competences: tuple[Descriptor, ...] = ()
    skills: tuple[Descriptor, ...] = ()
    knowledge: tuple[Descriptor, ...] = ()
    sublevel: int | None = None
    sublevel_kind: SubLevelKind | None = None
    level_candidates: tuple[int, ...] = ()
    # the same explanation as `level_evidence`, as a translatable message (None where only text is known,
    # e.g. a framework imported from a CASE package)
    level_evidence_message: Message | None = None

    def column(self, name: Column) -> tuple[Descriptor, ...]:
        return getattr(self, name)

    def explain_level(self, gettext: Callable[[str], str] | None = None) -> str:
        """Why the row has its level, in the language of `gettext` (English without one)."""
        if self.level_evidence_message is None:
            return self.level_evidence
        return self.level_evidence_message.render(gettext)

    @property
    def descriptors(self) -> tuple[Descriptor, ...]:
        return self.competences + self.skills + self.knowledge

    @property
    def label(self) -> str:
        """Human label: the printed SQF code, else the NQF level with a marker that it was not printed."""
        if self.sqf_level:
            return self.sqf_level
        return f"{self.nqf_level}{'?' if self.level_source == 'ambiguous' else '*'}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "position": self.position,
            "nqf_level": self.nqf_level,
            "sqf_level": self.sqf_level,
            "sublevel": self.sublevel,
            "sublevel_kind": self.sublevel_kind,
            "level_source": self.level_source,
            "level_evidence": self.level_evidence,
            "level_candidates": list(self.level_candidates),
            **({"level_evidence_message": self.level_evidence_message.to_dict()}
               if self.level_evidence_message else {}),
            "source": self.source.to_dict(),
            **{c: [d.to_dict() for d in self.column(c)] for c in COLUMNS},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LevelRow:
        return cls(
            id=d["id"],
            position=int(d["position"]),
            nqf_level=int(d["nqf_level"]),
            sqf_level=d.get("sqf_level"),
            level_source=d["level_source"],
            level_evidence=d.get("level_evidence", ""),
            source=SourceSpan.from_dict(d["source"]),
            sublevel=d.get("sublevel"),
            sublevel_kind=d.get("sublevel_kind"),
            level_candidates=tuple(d.get("level_candidates", ())),
            level_evidence_message=Message.from_dict(d["level_evidence_message"])
            if d.get("level_evidence_message") else None,
            **{c: tuple(Descriptor.from_dict(x) for x in d.get(c, ())) for c in COLUMNS},
        )


@dataclass(frozen=True, slots=True)
class OkedCode:
    """An OKED (classifier of economic activities) code as printed in an annex."""

    code: str
    name: dict[str, str]
    source: SourceSpan
    errata: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": dict(self.name),
            "source": self.source.to_dict(),
            "errata": list(self.errata),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> OkedCode:
        return cls(d["code"], dict(d["name"]), SourceSpan.from_dict(d["source"]), tuple(d.get("errata", ())))


@dataclass(frozen=True, slots=True)
class Area:
    """An area of professional activity (3.1, 3.2, 3.3) with its OKED codes and level rows."""

    code: str
    title: dict[str, str]
    oked: tuple[OkedCode, ...]
    levels: tuple[LevelRow, ...]
    source: SourceSpan
    header_printed: bool = True
    annex: int | None = None

    def rows_at(self, nqf_level: int) -> tuple[LevelRow, ...]:
        return tuple(r for r in self.levels if r.nqf_level == nqf_level)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": dict(self.title),
            "annex": self.annex,
            "header_printed": self.header_printed,
            "source": self.source.to_dict(),
            "oked": [o.to_dict() for o in self.oked],
            "levels": [r.to_dict() for r in self.levels],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Area:
        return cls(
            code=d["code"],
            title=dict(d["title"]),
            oked=tuple(OkedCode.from_dict(o) for o in d.get("oked", ())),
            levels=tuple(LevelRow.from_dict(r) for r in d.get("levels", ())),
            source=SourceSpan.from_dict(d["source"]),
            header_printed=bool(d.get("header_printed", True)),
            annex=d.get("annex"),
        )


@dataclass(frozen=True, slots=True)
class Statement:
    """A numbered item or sub-item of the order's text (general provisions, passport, the order itself).

    `role` tags what the statement is for ("strategic_goal", "principle", "user"...) so views can show
    e.g. the 23 strategic goals without knowing item numbers.
    """

    id: str
    section: str
    item: int
    subitem: int | None
    text: str
    source: SourceSpan
    role: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "section": self.section,
            "item": self.item,
            "subitem": self.subitem,
            "role": self.role,
            "text": self.text,
            "source": self.source.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Statement:
        return cls(
            d["id"], d["section"], int(d["item"]), d.get("subitem"), d["text"],
            SourceSpan.from_dict(d["source"]), d.get("role"),
        )


@dataclass(frozen=True, slots=True)
class Erratum:
    """An anomaly of the source text, annotated rather than corrected."""

    id: str
    kind: str
    target: str
    evidence: str
    explanation: str
    source: SourceSpan | None = None
    suggestion: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "target": self.target,
            "evidence": self.evidence,
            "explanation": self.explanation,
            "suggestion": self.suggestion,
            "source": self.source.to_dict() if self.source else None,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Erratum:
        src = d.get("source")
        return cls(
            d["id"], d["kind"], d["target"], d["evidence"], d["explanation"],
            SourceSpan.from_dict(src) if src else None, d.get("suggestion"),
        )


@dataclass(frozen=True, slots=True)
class LegalMetadata:
    """Where the framework comes from in law, and whether it is still in force."""

    issuing_body: dict[str, str]
    order_number: str
    order_date: str
    registration_number: str | None
    registration_date: str | None
    legal_basis: str
    entry_into_force: str
    status: Literal["in_force", "repealed"]
    repealed_by: dict[str, str] | None
    nqf_basis: dict[str, str] | None
    source_language: str = "kk"
    adilet_id: str | None = None
    source: dict[str, SourceSpan] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "issuing_body": dict(self.issuing_body),
            "order_number": self.order_number,
            "order_date": self.order_date,
            "registration_number": self.registration_number,
            "registration_date": self.registration_date,
            "adilet_id": self.adilet_id,
            "legal_basis": self.legal_basis,
            "entry_into_force": self.entry_into_force,
            "status": self.status,
            "repealed_by": dict(self.repealed_by) if self.repealed_by else None,
            "nqf_basis": dict(self.nqf_basis) if self.nqf_basis else None,
            "source_language": self.source_language,
            "source": {k: v.to_dict() for k, v in self.source.items()},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LegalMetadata:
        return cls(
            issuing_body=dict(d["issuing_body"]),
            order_number=d["order_number"],
            order_date=d["order_date"],
            registration_number=d.get("registration_number"),
            registration_date=d.get("registration_date"),
            legal_basis=d["legal_basis"],
            entry_into_force=d["entry_into_force"],
            status=d["status"],
            repealed_by=d.get("repealed_by"),
            nqf_basis=d.get("nqf_basis"),
            source_language=d.get("source_language", "kk"),
            adilet_id=d.get("adilet_id"),
            source={k: SourceSpan.from_dict(v) for k, v in d.get("source", {}).items()},
        )


@dataclass(frozen=True, slots=True)
class Framework:
    """A whole sectoral qualification framework as published."""

    id: str
    title: dict[str, str]
    legal: LegalMetadata
    statements: tuple[Statement, ...]
    areas: tuple[Area, ...]
    errata: tuple[Erratum, ...]
    notes: tuple[Statement, ...] = ()
    source_file: dict[str, Any] = field(default_factory=dict)

    # --- navigation -----------------------------------------------------------------------------
    @property
    def status(self) -> str:
        return self.legal.status

    def area(self, code: str) -> Area:
        for a in self.areas:
            if a.code == code:
                return a
        raise KeyError(f"no area {code!r}; areas are {', '.join(a.code for a in self.areas)}")

    def rows(self) -> Iterator[tuple[Area, LevelRow]]:
        for a in self.areas:
            for r in a.levels:
                yield a, r

    def descriptors(self) -> Iterator[tuple[Area, LevelRow, Descriptor]]:
        for a, r in self.rows():
            for d in r.descriptors:
                yield a, r, d

    def row(self, row_id: str) -> LevelRow:
        for _, r in self.rows():
            if r.id == row_id:
                return r
        raise KeyError(f"no level row {row_id!r}")

    def find_rows(self, area: str, level: str) -> tuple[LevelRow, ...]:
        """Rows of `area` matching `level`: an SQF code ("62"), an NQF level ("6") or a row id."""
        a = self.area(area)
        exact = tuple(r for r in a.levels if r.sqf_level == level or r.id == level)
        if exact:
            return exact
        if level.isdigit():
            return a.rows_at(int(level))
        return ()

    def statements_with_role(self, role: str) -> tuple[Statement, ...]:
        return tuple(s for s in self.statements if s.role == role)

    def errata_for(self, target: str) -> tuple[Erratum, ...]:
        return tuple(e for e in self.errata if e.target == target)

    # --- JSON -----------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "format": GRID_FORMAT,
            "framework": {
                "id": self.id,
                "title": dict(self.title),
                "status": self.legal.status,
                "legal": self.legal.to_dict(),
                "source_file": dict(self.source_file),
                "statements": [s.to_dict() for s in self.statements],
                "notes": [s.to_dict() for s in self.notes],
            },
            "areas": [a.to_dict() for a in self.areas],
            "errata": [e.to_dict() for e in self.errata],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Framework:
        fw = d["framework"]
        return cls(
            id=fw["id"],
            title=dict(fw["title"]),
            legal=LegalMetadata.from_dict(fw["legal"]),
            statements=tuple(Statement.from_dict(s) for s in fw.get("statements", ())),
            notes=tuple(Statement.from_dict(s) for s in fw.get("notes", ())),
            areas=tuple(Area.from_dict(a) for a in d["areas"]),
            errata=tuple(Erratum.from_dict(e) for e in d.get("errata", ())),
            source_file=dict(fw.get("source_file", {})),
        )
