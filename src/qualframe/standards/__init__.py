"""Professional standards built on the framework: the document model, its checks, the workflow rules,
version diffs and the exports (JSON with its schema, DOCX, PDF HTML, CASE v1.1).

Pure domain code (no web, no database). A standard version is one JSON document (`document.py`):
passport, profession cards with labour functions → skills → abilities and knowledge, technical data.
Every element has a stable `id` and a version counter `v` used for optimistic concurrency.
"""

from __future__ import annotations

from qualframe.standards.document import (
    FORMAT,
    KINDS,
    Conflict,
    DocumentError,
    add_element,
    card_from_row,
    edit_element,
    find,
    new_document,
    remove_element,
    walk,
)

__all__ = ["FORMAT", "KINDS", "Conflict", "DocumentError", "add_element", "card_from_row", "edit_element", "find",
           "new_document", "remove_element", "walk"]
