"""The framework's domain model: plain typed Python, no web or database code.

Everything in qualframe (CLI, store, search, web, interop) reads these classes. They mirror the
published text: Kazakh strings as printed, every descriptor with the source lines it came from, and
anomalies recorded as :class:`Erratum` objects instead of silent corrections.
"""

from __future__ import annotations

from qualframe.model.framework import (
    COLUMNS,
    Area,
    Descriptor,
    Erratum,
    Framework,
    LegalMetadata,
    LevelRow,
    LevelSource,
    OkedCode,
    SourceSpan,
    Statement,
    SubLevelKind,
)
from qualframe.model.oked import OkedMatch, lookup_oked

__all__ = [
    "COLUMNS",
    "Area",
    "Descriptor",
    "Erratum",
    "Framework",
    "LegalMetadata",
    "LevelRow",
    "LevelSource",
    "OkedCode",
    "OkedMatch",
    "SourceSpan",
    "Statement",
    "SubLevelKind",
    "lookup_oked",
]
