"""The CLI, run in-process through Typer's runner: every command, with and without --json."""

from __future__ import annotations

import csv
import io
import json

import jsonschema
import pytest
from typer.testing import CliRunner

from qualframe.cli import app
from qualframe.dataset import data_dir

runner = CliRunner()


def run(*args: str):
    result = runner.invoke(app, list(args))
    return result


def run_json(*args: str):
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_info():
    result = run("info")
    assert result.exit_code == 0
    assert "REPEALED" in result.output and "2015-05-28" in result.output and "2013-09-30" in result.output
    data = run_json("info")
    assert data["status"] == "repealed"
    assert data["legal"]["repealed_by"]["order_number"] == "629"
    assert [a["rows"] for a in data["areas"]] == [10, 8, 10]


def test_levels():
    data = run_json("levels", "--area", "3.1")
    rows = data["areas"][0]["levels"]
    assert [r["sqf_level"] for r in rows][:8] == ["11", "21", "31", "41", "51", "61", "62", "71"]
    assert rows[8]["level_source"] == "inferred"
    assert "3.3-08" in run("levels").output
    bad = run("levels", "--area", "9.9")
    assert bad.exit_code == 1 and "no area '9.9'" in bad.output


def test_show_sublevels_and_source_lines():
    data = run_json("show", "3.1", "6")
    assert [r["sqf_level"] for r in data["rows"]] == ["61", "62"]
    first = data["rows"][0]["competences"][0]
    assert first["source"] == {"line_start": 490, "line_end": 490}
    text = run("show", "3.1", "62").output
    assert "line 498" in text and "Құрылымданған болжамсыз ортада" in text
    missing = run("show", "3.1", "99")
    assert missing.exit_code == 1 and "has no level '99'" in missing.output


@pytest.mark.parametrize(
    ("code", "areas", "kind"),
    [("62.01", ["3.1"], "exact"), ("62.01.1", ["3.1"], "parent"), ("61", ["3.3"], "child"),
     ("95.12", ["3.2", "3.1"], "exact"), ("53.10", ["3.3"], "parent"), ("26.51", ["3.2"], "exact")],
)
def test_oked(code: str, areas: list[str], kind: str):
    data = run_json("oked", code)
    assert data["areas"] == areas
    assert data["matches"][0]["match"] == kind


def test_oked_shows_errata():
    data = run_json("oked", "64.20")
    assert data["errata"][0]["kind"] == "oked-outdated"
    assert "erratum" in run("oked", "92.12").output


def test_oked_unknown_and_invalid():
    data = run_json("oked", "99.99")
    assert data["areas"] == [] and data["valid_syntax"] is True
    result = run("oked", "not-a-code")
    assert result.exit_code == 2 and "is not an OKED code" in result.output


def test_errata():
    data = run_json("errata")
    kinds = {e["kind"] for e in data["errata"]}
    assert {"oked-typo", "oked-outdated", "oked-invalid", "missing-header", "abbreviation-typo"} <= kinds


def test_export_grid_json_matches_schema():
    result = run("export", "grid", "--format", "json")
    assert result.exit_code == 0
    grid = json.loads(result.output)
    schema = json.loads((data_dir() / "grid.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(grid, schema)
    level = grid["areas"][0]["levels"][1]
    assert (level["nqf_level"], level["sqf_level"], level["level_source"]) == (2, "21", "printed")
    assert level["competences"][0]["source"] == {"line_start": 446, "line_end": 446}
    assert grid["areas"][0]["levels"][0]["competences"] == []


def test_export_grid_csv(tmp_path):
    target = tmp_path / "grid.csv"
    result = run("export", "grid", "-f", "csv", "-o", str(target))
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert len(rows) == 196 + 1  # one line per descriptor, plus the dash row of level 11
    first = next(r for r in rows if r["descriptor_id"] == "3.1-02-c1")
    assert (first["nqf_level"], first["sqf_level"], first["line_start"]) == ("2", "21", "446")
