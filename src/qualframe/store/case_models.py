"""Tables for CASE packages imported with `qualframe import case` (written by qualframe.store.case).

An imported package is also a row of `frameworks` (kind "case", origin "case-import") with a display
mapping in the usual tables; these two tables keep the package itself, so it is served and exported
exactly as imported: `case_documents` one row per package (the canonical JSON and the import report),
`case_objects` one row per identified object for lookups by UUID. Both cascade with the framework.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from qualframe.store.base import Base


class CaseDocumentRow(Base):
    __tablename__ = "case_documents"

    framework_id: Mapped[str] = mapped_column(
        String(100), ForeignKey("frameworks.id", ondelete="CASCADE"), primary_key=True
    )
    document_identifier: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    case_version: Mapped[str] = mapped_column(String(8), nullable=False)
    source_name: Mapped[str] = mapped_column(String(300), nullable=False)
    source_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    source_size: Mapped[int] = mapped_column(Integer, nullable=False)
    package_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    package: Mapped[str] = mapped_column(Text, nullable=False)


class CaseObjectRow(Base):
    __tablename__ = "case_objects"

    identifier: Mapped[str] = mapped_column(String(36), primary_key=True)
    framework_id: Mapped[str] = mapped_column(
        String(100), ForeignKey("frameworks.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
