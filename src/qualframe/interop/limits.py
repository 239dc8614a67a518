"""Length limits of the store's columns that imported text ends up in, in one place.

SQLite does not enforce VARCHAR lengths and PostgreSQL does, so a package that is not checked against
them imports on one backend and fails on the other. The CASE importer checks these limits before
anything is written, so `--check` and a real import give the same verdict on both backends.

They must equal the lengths declared in `qualframe.store.models` (a test compares them); the store's
models should import them from here rather than repeat the numbers.
"""

from __future__ import annotations

AREA_CODE = 40  # areas.code: an imported depth-1 item's code
ROW_ID = 100  # level_rows.row_id: a depth-2 item's code
SQF_LEVEL = 20  # level_rows.sqf_level: extensions.qualframe.sqfLevel of a depth-2 item
DESCRIPTOR_ID = 120  # descriptors.descriptor_id: a deeper item's code
LANGUAGE = 8  # translations.lang; an import's language is cut to this length by the mapping

# (table, column) → limit, for the test that keeps this module and the models in step
COLUMNS: dict[tuple[str, str], int] = {
    ("areas", "code"): AREA_CODE,
    ("level_rows", "row_id"): ROW_ID,
    ("level_rows", "sqf_level"): SQF_LEVEL,
    ("descriptors", "descriptor_id"): DESCRIPTOR_ID,
    ("translations", "lang"): LANGUAGE,
}
