"""SQLAlchemy 2 tables for the store: one normalised copy of each framework plus its canonical JSON.

Every child table carries `framework_id` and cascades on delete, so replacing a framework is "delete
its rows, insert the new ones" inside one transaction. Natural keys (area code, row id "3.1-07",
descriptor id "3.1-07-c1") are unique per framework; integer surrogate keys join the tables.
The lengths of columns that imported text ends up in come from `qualframe.interop.limits`, which the
CASE importer checks before writing (one source of truth, same verdict on SQLite and PostgreSQL).

`frameworks.kind` / `frameworks.origin` leave room for frameworks that do not come from the shipped
ingester (e.g. CASE imports): they fill frameworks/areas/level_rows/descriptors and may add their own
tables in later migrations.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from qualframe.interop import limits
from qualframe.store.base import Base


def _fk() -> Any:
    return mapped_column(
        String(100), ForeignKey("frameworks.id", ondelete="CASCADE"), nullable=False, index=True
    )


class FrameworkRow(Base):
    __tablename__ = "frameworks"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False, default="sqf")
    origin: Mapped[str] = mapped_column(String(40), nullable=False, default="shipped")
    title: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    legal: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    source_file: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    document: Mapped[str] = mapped_column(Text, nullable=False)  # canonical grid JSON
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class AreaRow(Base):
    __tablename__ = "areas"
    __table_args__ = (UniqueConstraint("framework_id", "code"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    framework_id: Mapped[str] = _fk()
    code: Mapped[str] = mapped_column(String(limits.AREA_CODE), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False)
    annex: Mapped[int | None] = mapped_column(Integer)
    header_printed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    line_start: Mapped[int] = mapped_column(Integer, nullable=False)
    line_end: Mapped[int] = mapped_column(Integer, nullable=False)


class OkedCodeRow(Base):
    __tablename__ = "oked_codes"
    __table_args__ = (UniqueConstraint("area_pk", "code"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    framework_id: Mapped[str] = _fk()
    area_pk: Mapped[int] = mapped_column(ForeignKey("areas.pk", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    code: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    name: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False)
    errata: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    line_start: Mapped[int] = mapped_column(Integer, nullable=False)
    line_end: Mapped[int] = mapped_column(Integer, nullable=False)


class LevelRowRow(Base):
    __tablename__ = "level_rows"
    __table_args__ = (UniqueConstraint("framework_id", "row_id"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    framework_id: Mapped[str] = _fk()
    area_pk: Mapped[int] = mapped_column(ForeignKey("areas.pk", ondelete="CASCADE"), nullable=False, index=True)
    row_id: Mapped[str] = mapped_column(String(limits.ROW_ID), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    nqf_level: Mapped[int] = mapped_column(Integer, nullable=False)
    sqf_level: Mapped[str | None] = mapped_column(String(limits.SQF_LEVEL))
    sublevel: Mapped[int | None] = mapped_column(Integer)
    sublevel_kind: Mapped[str | None] = mapped_column(String(20))
    level_source: Mapped[str] = mapped_column(String(20), nullable=False)
    level_evidence: Mapped[str] = mapped_column(Text, nullable=False, default="")
    level_candidates: Mapped[list[int]] = mapped_column(JSON, nullable=False)
    line_start: Mapped[int] = mapped_column(Integer, nullable=False)
    line_end: Mapped[int] = mapped_column(Integer, nullable=False)


class DescriptorRow(Base):
    __tablename__ = "descriptors"
    __table_args__ = (UniqueConstraint("framework_id", "descriptor_id"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    framework_id: Mapped[str] = _fk()
    row_pk: Mapped[int] = mapped_column(ForeignKey("level_rows.pk", ondelete="CASCADE"), nullable=False, index=True)
    descriptor_id: Mapped[str] = mapped_column(String(limits.DESCRIPTOR_ID), nullable=False)
    column: Mapped[str] = mapped_column(String(20), nullable=False)
    order: Mapped[int] = mapped_column(Integer, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    line_start: Mapped[int] = mapped_column(Integer, nullable=False)
    line_end: Mapped[int] = mapped_column(Integer, nullable=False)


class ErratumRow(Base):
    __tablename__ = "errata"
    __table_args__ = (UniqueConstraint("framework_id", "erratum_id"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    framework_id: Mapped[str] = _fk()
    erratum_id: Mapped[str] = mapped_column(String(40), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(60), nullable=False)
    target: Mapped[str] = mapped_column(String(200), nullable=False)
    evidence: Mapped[str] = mapped_column(Text, nullable=False)
    explanation: Mapped[str] = mapped_column(Text, nullable=False)
    suggestion: Mapped[str | None] = mapped_column(Text)
    line_start: Mapped[int | None] = mapped_column(Integer)
    line_end: Mapped[int | None] = mapped_column(Integer)


class StatementRow(Base):
    __tablename__ = "statements"
    __table_args__ = (UniqueConstraint("framework_id", "statement_id"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    framework_id: Mapped[str] = _fk()
    statement_id: Mapped[str] = mapped_column(String(60), nullable=False)
    is_note: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    section: Mapped[str] = mapped_column(String(40), nullable=False)
    item: Mapped[int] = mapped_column(Integer, nullable=False)
    subitem: Mapped[int | None] = mapped_column(Integer)
    role: Mapped[str | None] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text, nullable=False)
    line_start: Mapped[int] = mapped_column(Integer, nullable=False)
    line_end: Mapped[int] = mapped_column(Integer, nullable=False)


class TranslationRow(Base):
    """Unofficial translations, keyed like `qualframe.translations` (descriptor ids, "area.3.1.title"...)."""

    __tablename__ = "translations"
    __table_args__ = (UniqueConstraint("framework_id", "lang", "key"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    framework_id: Mapped[str] = _fk()
    lang: Mapped[str] = mapped_column(String(limits.LANGUAGE), nullable=False)
    key: Mapped[str] = mapped_column(String(160), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    kk_sha: Mapped[str | None] = mapped_column(String(64))


class SourceTextRow(Base):
    """The source text a framework cites by line, so the source viewer reads from the store too."""

    __tablename__ = "source_texts"

    framework_id: Mapped[str] = mapped_column(
        String(100), ForeignKey("frameworks.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
