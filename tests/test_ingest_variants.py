"""The parser is written for the layout, not for one file: variants of the real text built here."""

from __future__ import annotations

import pytest

from ingest_helpers import parse_text, seed_text
from qualframe.ingest import IngestError


@pytest.fixture(scope="module")
def original():
    return parse_text(seed_text())[0]


def _lines() -> list[str]:
    return seed_text().split("\n")


def _texts(fw):
    return [(a.code, r.nqf_level, [d.text for d in r.descriptors]) for a, r in fw.rows()]


def test_all_level_numbers_printed(original):
    """Print the levels of every row that lost them: all rows become printed, with the same levels."""
    lines = _lines()
    inserts: dict[int, list[str]] = {}
    for _, r in original.rows():
        if r.level_source == "printed":
            continue
        start = r.source.line_start
        assert lines[start - 1].startswith(" \t")
        lines[start - 1] = "\t" + lines[start - 1][2:]
        n = str(r.nqf_level)
        inserts[start] = ["\t" + n, "", "\t" + n, ""]
    fixed = list(inserts)
    # also give 3.3's lone "3" its SQF number
    lone = original.find_rows("3.3", "3")[0].source.line_start
    inserts[lone] = ["\t3", ""]
    out: list[str] = []
    for no, line in enumerate(lines, 1):
        out.extend(inserts.get(no, []))
        out.append(line)
    fw, _ = parse_text("\n".join(out))
    assert all(r.level_source == "printed" for _, r in fw.rows())
    assert [(a.code, r.nqf_level) for a, r in fw.rows()] == [(a.code, r.nqf_level) for a, r in original.rows()]
    assert _texts(fw) == _texts(original)
    assert len(fixed) == 17


def test_block_missing(original):
    """Without the 3.3 block the parse still works, and says that annex 3 has no block."""
    lines = _lines()
    start = original.area("3.3").source.line_start
    fw, report = parse_text("\n".join(lines[: start - 1]))
    assert [a.code for a in fw.areas] == ["3.1", "3.2"]
    assert any("no block" in w["message"] for w in report.warnings)
    assert _texts(fw) == [t for t in _texts(original) if t[0] != "3.3"]


def test_first_block_header_missing(original):
    """A lost header on the first block: named 3.1 from its place and annex 1, with an erratum."""
    lines = _lines()
    a = original.area("3.1")
    # drop the three header cells and the area title (from the block start to the column headers)
    col_header = next(i for i in range(a.source.line_start, a.source.line_end)
                      if lines[i - 1].startswith("\tЖеке және кәсіби"))
    variant = lines[: a.source.line_start - 1] + lines[col_header - 1:]
    fw, _ = parse_text("\n".join(variant))
    assert [x.code for x in fw.areas] == ["3.1", "3.2", "3.3"]
    assert fw.area("3.1").header_printed is False
    assert fw.area("3.1").title["kk"].startswith("Компьютерлік бағдарламалау")
    assert {e.target for e in fw.errata if e.kind == "missing-header"} == {"area:3.1", "area:3.3"}
    assert _texts(fw) == _texts(original)


def test_extra_whitespace(original):
    """CRLF endings, trailing spaces, doubled blank lines and runs of spaces change nothing but line numbers."""
    out: list[str] = []
    for line in _lines():
        if not line.strip():
            out.extend(["", "  "])
            continue
        out.append(line.replace(" ", "  ", 3) + "  \u00a0")
    fw, report = parse_text("\r\n".join(out))
    assert _texts(fw) == _texts(original)
    assert [(r.level_source) for _, r in fw.rows()] == [r.level_source for _, r in original.rows()]
    assert [o.code for a in fw.areas for o in a.oked] == [o.code for a in original.areas for o in a.oked]
    assert len(fw.statements) == len(original.statements)
    assert fw.legal.order_date == "2013-09-30"
    assert report.descriptors == 196


def _insert_after_row(lines: list[str], row, new: list[str]) -> list[str]:
    end = row.source.line_end
    return [*lines[:end], "", *new, *lines[end:]]


def test_extra_printed_sublevel(original):
    """A new printed sub-level 52 after 51: eleven rows, and level 5 is split with kinds from the note."""
    r51 = original.find_rows("3.1", "51")[0]
    new = ["\t", "", "\t52", "\tЖаңа құзырет сипаттамасы.", "\tЖаңа машық сипаттамасы.", "\tЖаңа білім сипаттамасы."]
    fw, _ = parse_text("\n".join(_insert_after_row(_lines(), r51, new)))
    a = fw.area("3.1")
    assert len(a.levels) == 11
    r51n, r52 = fw.find_rows("3.1", "5")
    assert (r51n.sqf_level, r52.sqf_level) == ("51", "52")
    assert (r51n.sublevel_kind, r52.sublevel_kind) == ("managerial", "production")
    assert [d.text for d in r52.skills] == ["Жаңа машық сипаттамасы."]


def test_fewer_sublevels(original):
    """Without row 62, level 6 of 3.1 is no longer split."""
    r62 = original.find_rows("3.1", "62")[0]
    lines = _lines()
    variant = lines[: r62.source.line_start - 2] + lines[r62.source.line_end:]
    fw, _ = parse_text("\n".join(variant))
    assert len(fw.area("3.1").levels) == 9
    (r61,) = fw.find_rows("3.1", "6")
    assert r61.sublevel_kind is None


def test_unprinted_extra_row_is_placed_by_content(original):
    """A copy of 3.2's level-5 row right after it (no level printed): order alone cannot place it, content does."""
    lines = _lines()
    r5 = original.area("3.2").levels[4]
    block = lines[r5.source.line_start - 1: r5.source.line_end]
    fw, _ = parse_text("\n".join(_insert_after_row(lines, r5, block)))
    assert [r.nqf_level for r in fw.area("3.2").levels] == [1, 2, 3, 4, 5, 5, 6, 7, 8]
    assert fw.area("3.2").levels[5].level_source == "inferred"
    assert "content" in fw.area("3.2").levels[5].level_evidence


def test_truncated_inside_table_is_an_error(original):
    lines = _lines()
    cut = original.find_rows("3.3", "3")[0].source.line_start + 3
    with pytest.raises(IngestError) as exc:
        parse_text("\n".join(lines[:cut]))
    assert "truncated" in str(exc.value)
    assert exc.value.line is not None


def test_truncated_at_row_boundary_is_an_error(original):
    lines = _lines()
    end = original.area("3.3").levels[4].source.line_end
    with pytest.raises(IngestError, match="truncated"):
        parse_text("\n".join(lines[:end]))


def test_truncated_before_table_is_an_error():
    lines = _lines()
    with pytest.raises(IngestError, match="no framework table"):
        parse_text("\n".join(lines[:360]))
