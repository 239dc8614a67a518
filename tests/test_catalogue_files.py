"""The catalogue's pure parts on real files: reading (encodings, delimiters, bad rows, limits, XLSX), the export
(opened again with openpyxl), grade inversions, careers and self-assessment scoring."""

from __future__ import annotations

import codecs
import io

import pytest
from openpyxl import Workbook, load_workbook

import qualframe
from catalogue_gen import positions, to_csv, to_xlsx
from qualframe.catalogue import careers, grades, selfassess
from qualframe.interop import catalogue_io as cio

ROWS = positions(30)
RU_HEADER = "key;title;description;department;grade\n"


@pytest.mark.parametrize(("encoding", "bom"), [
    ("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE),
    ("utf-16-le", b"")])
def test_unicode_encodings(encoding: str, bom: bytes) -> None:
    data = bom + to_csv(ROWS, ";", encoding)
    f = cio.read_catalogue(data, "c.csv")
    assert [ln.title for ln in f.lines] == [r["title"] for r in ROWS]
    assert f.delimiter == ";" and not f.errors


def test_cp1251_russian_excel_export() -> None:
    text = RU_HEADER + "A1;Инженер связи;Обслуживание ВОЛС;Департамент сети;G4\nA2;Почтальон;Доставка писем;Почта;G1\n"
    f = cio.read_catalogue(text.encode("cp1251"), "ru.csv")
    assert f.encoding in ("cp1251", "windows-1251")
    assert [ln.title for ln in f.lines] == ["Инженер связи", "Почтальон"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters(delimiter: str) -> None:
    f = cio.read_catalogue(to_csv(ROWS[:5], delimiter), "c.csv")
    assert f.delimiter == delimiter
    assert [ln.key for ln in f.lines] == [r["key"] for r in ROWS[:5]]
    assert f.lines[0].description == ROWS[0]["description"]


def test_missing_columns_rejects_the_file() -> None:
    with pytest.raises(cio.CatalogueFileError, match="no 'title' or 'description' column"):
        cio.read_catalogue(b"name,dept\nDeveloper,IT\n", "c.csv")


def test_bad_rows_reported_with_line_numbers_good_rows_kept() -> None:
    text = ('key,title,description,grade,occupation_code,oked\n'
            'A1,Developer,"Writes code,\nreviews code",G3,2512,62.01\n'   # a quoted cell over two lines: lines 2-3
            'A2,,,G1,,\n'                                                  # line 4: nothing to place
            'A3,Tester,Tests,G2,25x,\n'                                    # line 5: bad occupation code
            'A1,Again,Dup,G2,,\n'                                          # line 6: duplicate key
            f'A5,{"x" * 301},,G2,,\n'                                      # line 7: title too long
            'A6,Admin,Runs servers,G3,2522,61.10\n'                        # line 8: good
            'bad key,Ops,Ops,G1,,\n')                                      # line 9: space in key
    f = cio.read_catalogue(text.encode(), "c.csv")
    assert [ln.key for ln in f.lines] == ["A1", "A6"]
    assert f.lines[0].line == 2 and f.lines[0].description == "Writes code,\nreviews code"
    assert f.lines[1].line == 8
    reasons = {e.line: e.reason for e in f.errors}
    assert set(reasons) == {4, 5, 6, 7, 9}
    assert "neither title nor description" in reasons[4]
    assert "occupation_code '25x'" in reasons[5]
    assert "already used on line 2" in reasons[6]
    assert "title is 301 characters" in reasons[7]
    assert "may not contain spaces" in reasons[9]


def test_control_characters_stripped() -> None:
    f = cio.read_catalogue("title,department\nDev\x07eloper\x1b,IT\u0085\n".encode(), "c.csv")
    assert f.lines[0].title == "Developer" and f.lines[0].department == "IT"


def test_limits() -> None:
    with pytest.raises(cio.CatalogueFileError, match="at most 5,242,880 bytes"):
        cio.read_catalogue(b"title\n" + b"x" * cio.MAX_BYTES, "big.csv")
    many = "title\n" + "".join(f"Job {i}\n" for i in range(cio.MAX_ROWS + 1))
    with pytest.raises(cio.CatalogueFileError, match="more than 20,000 rows"):
        cio.read_catalogue(many.encode(), "many.csv")
    with pytest.raises(cio.CatalogueFileError, match="empty"):
        cio.read_catalogue(b"  \n", "e.csv")
    with pytest.raises(cio.CatalogueFileError, match="not a valid XLSX"):
        cio.read_catalogue(b"PK\x03\x04garbage", "x.xlsx")


def test_keys_without_key_column_are_stable() -> None:
    data = b"title,department\nDeveloper,IT\nDeveloper,Ops\n"
    a, b = cio.read_catalogue(data), cio.read_catalogue(data.replace(b"Developer,IT", b"developer ,it"))
    assert a.lines[0].key == b.lines[0].key != a.lines[1].key
    assert a.lines[0].key.startswith("h-") and not a.lines[0].key_given


def test_xlsx_read_and_template_round_trip() -> None:
    f = cio.read_catalogue(to_xlsx(ROWS), "c.xlsx")
    assert f.format == "xlsx" and [ln.key for ln in f.lines] == [r["key"] for r in ROWS]
    wb = Workbook()
    wb.active.append(["Title", "Grade"])
    wb.active.append(["Dev", 5])  # a number typed into the grade cell
    buf = io.BytesIO()
    wb.save(buf)
    g = cio.read_catalogue(buf.getvalue(), "n.xlsx")
    assert g.lines[0].grade == "5"
    t = cio.read_catalogue(cio.template_xlsx(), "template.xlsx")
    assert len(t.lines) == len(cio.TEMPLATE_EXAMPLES) and not t.errors
    c = cio.read_catalogue(cio.template_csv(), "template.csv")
    assert [ln.title for ln in c.lines] == [ln.title for ln in t.lines]


def test_export_opens_with_frozen_header_filters_and_no_formulas() -> None:
    rows = [{"key": "A1", "position": "=HYPERLINK(\"http://x\")", "department": "IT", "grade": "G3",
             "row_id": "3.1-04", "area": "3.1", "nqf_level": 4, "sqf_level": "41", "pay_band": "B4",
             "decision_source": "accepted", "reason": None, "confidence": 0.7, "reviewer": "hr@acme.kz",
             "decided_at": "2026-01-01T00:00:00Z"},
            {"key": "A2", "position": "Postman", "area": None, "nqf_level": None}]
    wb = load_workbook(io.BytesIO(cio.export_xlsx(rows, {"3.1": "Programming", "3.3": "Communications"}, "note")))
    assert wb.sheetnames == ["summary", "area 3.1", "area 3.3", "not placed"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    sheet = wb["area 3.1"]
    assert [c.value for c in sheet[1]] == list(cio.EXPORT_FIELDS)
    assert sheet["B2"].value.startswith("'=")  # neutralised, not a formula
    assert sheet["I2"].value == "B4" and sheet["J2"].value == "accepted"
    assert wb["summary"]["A2"].value == "3.1"
    text = cio.export_csv(rows).decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(cio.EXPORT_FIELDS) and "'=HYPERLINK" in text


def test_grade_order_and_inversions() -> None:
    assert grades.grade_rank("G7") == 7 and grades.grade_rank("band 4,5") == 4.5 and grades.grade_rank("A") is None
    assert grades.grade_rank("senior", ["junior", "middle", "Senior"]) == 2
    ps = [grades.Placed("a", "G2", 3), grades.Placed("b", "G4", 4), grades.Placed("c", "G3", 6),
          grades.Placed("d", "G9", 7), grades.Placed("e", None, 2), grades.Placed("f", "G4", 4)]
    inv = grades.inversions(ps)
    # b and f (G4 at level 4) are above c (G3 at level 6): all three are inverted; a, d consistent; e ungraded
    assert set(inv) == {"b", "c", "f"}
    assert inv["c"].direction == "above" and inv["c"].other in ("b", "f")
    assert inv["b"].direction == "below" and inv["b"].other == "c"
    by_list = grades.inversions(ps, ["G4", "G3", "G2", "G9"])  # the org says G4 < G3 < G2 < G9
    assert set(by_list) == {"a", "b", "c", "f"}  # a (G2, the highest but G9) sits below b, c and f
    assert by_list["a"].direction == "below" and "d" not in by_list


def test_inversions_are_not_quadratic() -> None:
    ps = [grades.Placed(f"k{i}", f"G{i % 10}", i % 8) for i in range(20_000)]
    inv = grades.inversions(ps)
    assert len(inv) > 0  # the real check is that this returns at once (bench has the figure)


def test_careers_next_steps() -> None:
    fw = qualframe.load()
    steps = careers.next_steps(fw, "3.1-06")  # 3.1, NQF 6, SQF 61 (sub-level 1)
    assert [(s.kind, s.row.id) for s in steps] == [
        ("up", "3.1-08"), ("up", "3.1-09"),  # both rows of NQF 7 in 3.1
        ("sideways", "3.1-07"),  # SQF 62, the other sub-level
        ("across", "3.2-06"), ("across", "3.3-06"), ("across", "3.3-07")]  # NQF 6 elsewhere
    assert not [s for s in careers.next_steps(fw, "3.1-10") if s.kind == "up"]  # the top has no step up
    with pytest.raises(KeyError):
        careers.next_steps(fw, "9.9-99")
    ladder = careers.ladder([{"key": "a", "area": "3.1", "nqf_level": 4, "row_id": "3.1-04"},
                             {"key": "b", "area": "3.1", "nqf_level": 6, "row_id": "3.1-07"},
                             {"key": "c", "area": "3.3", "nqf_level": 6, "row_id": "3.3-07"},
                             {"key": "d", "area": "3.1", "nqf_level": 4, "row_id": "3.1-04"}], "3.1")
    assert [(r["nqf_level"], [p["key"] for p in r["positions"]]) for r in ladder] == [(4, ["a", "d"]), (6, ["b"])]


def test_self_assessment_scoring() -> None:
    fw = qualframe.load()
    rows = selfassess.rows_to_rate(fw, "3.1-04")
    ids = [r.id for r in rows]
    assert "3.1-04" in ids and len(ids) == 3 and [fw.row(i).nqf_level for i in ids] == sorted(
        fw.row(i).nqf_level for i in ids)
    below, me, above = (fw.row(i) for i in ids)
    ratings = {d.id: 2 for d in below.descriptors} | {d.id: 2 for d in me.descriptors}
    ratings |= {d.id: 1 for d in above.descriptors[:1]}
    result = selfassess.assess(fw, ids, selfassess.check_ratings(fw, ids, ratings))
    assert result["best_row_id"] == me.id
    assert result["gap"]["row_id"] == above.id
    gap_ids = [g["descriptor_id"] for g in result["gap"]["items"]]
    assert gap_ids == [d.id for d in above.descriptors]  # nothing of the next step is fully met
    assert result["gap"]["items"][0]["rating"] == 1 and result["gap"]["items"][1]["rating"] is None
    fit = next(r for r in result["rows"] if r["row_id"] == me.id)
    assert fit["overall"] == 1.0 and set(fit["columns"].values()) == {1.0}
    with pytest.raises(selfassess.InvalidAssessment, match="not in the rows"):
        selfassess.check_ratings(fw, ids, {"3.3-08-c1": 2})
    with pytest.raises(selfassess.InvalidAssessment, match="must be 0, 1 or 2"):
        selfassess.check_ratings(fw, ids, {me.descriptors[0].id: 5})
