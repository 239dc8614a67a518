"""Bad input: a clear error naming the problem (and line), a non-zero exit, and nothing written."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ingest_helpers import seed_text
from qualframe.cli import app

runner = CliRunner()


def _ingest(src: Path, out: Path):
    return runner.invoke(app, ["ingest", str(src), "-o", str(out)])


@pytest.fixture
def out(tmp_path: Path) -> Path:
    d = tmp_path / "out"
    d.mkdir()
    (d / "kz-ict-sqf-2013.json").write_text("previous content", encoding="utf-8")
    return d


def _assert_untouched(out: Path) -> None:
    assert sorted(p.name for p in out.iterdir()) == ["kz-ict-sqf-2013.json"]
    assert (out / "kz-ict-sqf-2013.json").read_text(encoding="utf-8") == "previous content"


CASES = {
    "empty": (b"", "file is empty"),
    "blank": (b"\n  \n\t\n", "file is empty"),
    "not-an-order": (b"# README\n\nThis is a readme about something else.\n", "not an SQF order"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
    "utf16": (seed_text()[:2000].encode("utf-16"), "UTF-16"),
    "cp1251": ("Приказ № 769\nКвалификации\n".encode("cp1251"), "not valid UTF-8"),
    "truncated": ("\n".join(seed_text().split("\n")[:705]).encode(), "truncated"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input(name: str, tmp_path: Path, out: Path):
    data, expected = CASES[name]
    src = tmp_path / f"{name}.txt"
    src.write_bytes(data)
    result = _ingest(src, out)
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert str(src) in result.output
    _assert_untouched(out)


def test_wrong_encoding_names_the_line(tmp_path: Path, out: Path):
    src = tmp_path / "mixed.txt"
    src.write_bytes("бірінші жол\nекінші жол\n".encode() + "третья строка".encode("cp1251") + b"\n")
    result = _ingest(src, out)
    assert result.exit_code == 2
    assert f"{src}:3:" in result.output


def test_truncated_names_the_line(tmp_path: Path, out: Path):
    src = tmp_path / "cut.txt"
    src.write_text("\n".join(seed_text().split("\n")[:705]), encoding="utf-8")
    result = _ingest(src, out)
    assert result.exit_code == 2
    assert f"{src}:70" in result.output  # the line where the table stops


@pytest.mark.parametrize("kind", ["missing", "directory", "not-a-dir-parent"])
def test_unreadable_path(kind: str, tmp_path: Path, out: Path):
    if kind == "missing":
        src, msg = tmp_path / "nope.txt", "no such file"
    elif kind == "directory":
        src, msg = tmp_path, "is a directory"
    else:
        f = tmp_path / "plain.txt"
        f.write_text("x")
        src, msg = f / "child.txt", "cannot read"
    result = _ingest(src, out)
    assert result.exit_code == 2
    assert msg in result.output
    _assert_untouched(out)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files regardless of permissions")
def test_permission_denied(tmp_path: Path, out: Path):
    src = tmp_path / "secret.txt"
    src.write_text(seed_text(), encoding="utf-8")
    src.chmod(0)
    result = _ingest(src, out)
    assert result.exit_code == 2 and "permission denied" in result.output


def test_unwritable_output_keeps_nothing_half_written(tmp_path: Path):
    src = tmp_path / "seed.txt"
    src.write_text(seed_text(), encoding="utf-8")
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    result = _ingest(src, blocker / "out")
    assert result.exit_code == 2
    assert "cannot create output directory" in result.output


def test_success_writes_dataset_and_report(tmp_path: Path, out: Path):
    src = tmp_path / "ict-sqf-2013.kk.txt"
    src.write_text(seed_text(), encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(src), "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["table_paragraph_kinds"]["descriptor"] == 196
    assert [a["code"] for a in report["areas"]] == ["3.1", "3.2", "3.3"]
    assert sorted(p.name for p in out.iterdir()) == ["kz-ict-sqf-2013.json", "kz-ict-sqf-2013.report.json"]
    data = json.loads((out / "kz-ict-sqf-2013.json").read_text(encoding="utf-8"))
    assert data["framework"]["id"] == "kz-ict-sqf-2013"
    assert not list(out.glob(".qualframe-*"))  # no temp files left behind
