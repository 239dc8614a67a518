"""A campaign's certificates from the command line, on SQLite and PostgreSQL: `qualframe assessment import`
(a CSV or XLSX of results, every row checked, all or nothing) and `qualframe credential issue-batch` (chunks of
one transaction; a failure names the assessment and keeps earlier chunks; a re-run or a run after the process
was killed resumes, and no assessment ever gets two certificates or a number twice)."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from accounts_helpers import cli_actor
from certificates_helpers import ROW, make_centre
from credentials_helpers import TEST_SECRET, valid_iin
from qualframe.cli import app
from qualframe.store import accounts as acc
from qualframe.store import credentials as cs

DESCRIPTORS = [f"{ROW}-c1", f"{ROW}-c2", f"{ROW}-s1", f"{ROW}-s2", f"{ROW}-s3", f"{ROW}-k1", f"{ROW}-k2"]
HEADER = ["name", "date", "assessors", "iin", "evidence", *DESCRIPTORS]
YEAR = datetime.now(UTC).year


@pytest.fixture
def centre(store: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("QUALFRAME_SECRET_KEY", TEST_SECRET.decode())
    monkeypatch.delenv("QUALFRAME_SECRET_KEY_FILE", raising=False)
    make_centre(store)
    with acc.audited(store, cli_actor()) as tx:
        cs.add_programme(tx, "kazcert", store.get_framework("kz-ict-sqf-2013"), row_id=ROW, title="Бағдарламашы",
                         descriptors=None, methods=["test"], rules={"skills": 2})
    return store


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def results_csv(n: int, *, failing_every: int = 0, delimiter: str = ";") -> bytes:
    """n candidates; every `failing_every`-th misses a competence (competences: all needed) and fails."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter)
    w.writerow(HEADER)
    for i in range(1, n + 1):
        fails = failing_every and i % failing_every == 0
        w.writerow([f"Кандидат {i} Сәрсенова", "15.01.2026", "Бекзат Оразов; Алма Нұрланова", "", "тест",
                    "жоқ" if fails else "иә", "иә", "1", "yes", "-", "да", "+"])
    return buf.getvalue().encode("utf-8")


def import_file(store: Any, tmp_path: Path, data: bytes, name: str = "results.csv") -> Any:
    f = tmp_path / name
    f.write_bytes(data)
    return run("assessment", "import", "kazcert", str(f), "--programme", "1", "--db", store.url, "--quiet")


def certificates(store: Any) -> list[tuple[int, str, int, int]]:
    """(assessment id, number, status list id, status index) of every certificate, in number order."""
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT assessment_id, number, status_list_id, status_index FROM certificates ORDER BY number"))]


def numbers(n: int) -> list[str]:
    return [f"KAZCERT-{YEAR}-{i:06d}" for i in range(1, n + 1)]


def batch(store: Any, *extra: str) -> Any:
    return run("credential", "issue-batch", "kazcert", "--db", store.url, "--quiet", *extra)


# --- import ---------------------------------------------------------------------------------------------------

def test_import_then_batch_issue(centre: Any, tmp_path: Path) -> None:
    r = import_file(centre, tmp_path, results_csv(12, failing_every=4))
    assert r.exit_code == 0, r.output
    assert "12 assessment(s) of kazcert recorded (9 passed, 3 not passed)" in r.output
    r = batch(centre, "--all-passed", "--chunk", "4", "--json", "--out-dir", str(tmp_path / "out"))
    assert r.exit_code == 0, r.output
    summary = json.loads(r.output)
    assert summary["issued"] == 9 and summary["failure"] is None and summary["remaining"] == 0
    certs = certificates(centre)
    passed_ids = [i for i in range(1, 13) if i % 4]
    # numbers follow the assessments' order, without gaps; one status slot each
    assert [c[0] for c in certs] == passed_ids and [c[1] for c in certs] == numbers(9)
    assert len({(c[2], c[3]) for c in certs}) == 9
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f"{n}.json" for n in numbers(9)]
    # a written credential verifies against the store (signature, issuer, status)
    cred = json.loads((tmp_path / "out" / f"{numbers(9)[4]}.json").read_text(encoding="utf-8"))
    from qualframe.credentials.keys import KeyEncryptionKey
    from qualframe.credentials.verify import verify_credential

    kek = KeyEncryptionKey(TEST_SECRET)
    assert verify_credential(cred, **cs.StoreVerifier(centre, lambda: kek).options()).verified
    assert cred["credentialSubject"]["identifier"][0]["identityHash"] == "Кандидат 6 Сәрсенова"
    # every issue is in the audit trail, which still verifies
    with centre.engine.connect() as conn:
        issued = conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'certificate.issue'")).scalar()
    assert issued == 9
    assert run("audit", "verify", "--db", centre.url).exit_code == 0
    # re-run: nothing issued twice, numbers stable
    r = batch(centre, "--all-passed", "--json")
    assert r.exit_code == 0, r.output
    again = json.loads(r.output)
    assert again["issued"] == 0 and again["already_certified"] == 9
    assert certificates(centre) == certs
    # more results later: the next batch continues the numbering
    more = results_csv(14).decode().splitlines()
    r = import_file(centre, tmp_path, "\n".join([more[0], *more[13:]]).encode(), "late.csv")
    assert r.exit_code == 0, r.output
    assert batch(centre, "--all-passed").exit_code == 0
    assert [c[1] for c in certificates(centre)] == numbers(11)


def test_import_reports_every_problem_and_records_nothing(centre: Any, tmp_path: Path) -> None:
    good = results_csv(3).decode("utf-8").splitlines()
    bad_iin = valid_iin()[:-1] + str((int(valid_iin()[-1]) + 1) % 10)
    rows = [good[0], good[1],
            good[2].replace("15.01.2026", "31.02.2026"),                 # line 3: no such date
            good[3].replace(";иә;", ";maybe;", 1),                       # line 4: not met/not met
            ";15.01.2026;A;;;1;1;1;1;1;1;1",                             # line 5: no name
            f"Бір Адам;15.01.2026;A;{bad_iin};;1;1;1;1;1;1;1",            # line 6: IIN check digit
            f"Екі Адам;15.01.{YEAR + 1};A;;;1;1;1;1;1;1;1",              # line 7: in the future
            good[1]]                                                     # line 8: same as line 2
    r = import_file(centre, tmp_path, "\n".join(rows).encode("utf-16"))  # Excel's "Unicode text"
    assert r.exit_code == 1
    out = r.output
    for needle in ("results.csv:3: date:", f"results.csv:4: {ROW}-c1:", "results.csv:5: name: required",
                   "results.csv:6: iin:", "results.csv:7: assessed_on:",
                   "results.csv:8: name: Кандидат 1 Сәрсенова assessed on 2026-01-15 is already recorded (line 2)",
                   "6 problem(s); nothing was recorded"):
        assert needle in out, (needle, out)
    assert bad_iin not in out  # an IIN is never repeated
    with centre.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM assessments")).scalar() == 0
    r = import_file(centre, tmp_path, b"name;date\nX;2026-01-01\n")
    assert r.exit_code == 2 and "missing column(s) assessors" in r.output
    # the same file twice: the second import is refused whole
    assert import_file(centre, tmp_path, results_csv(3)).exit_code == 0
    r = import_file(centre, tmp_path, results_csv(4))
    assert r.exit_code == 1 and "results.csv:2: name:" in r.output and "already recorded (assessment 1)" in r.output
    with centre.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM assessments")).scalar() == 3


def test_import_xlsx_with_date_cells_and_numeric_iin(centre: Any, tmp_path: Path) -> None:
    from openpyxl import Workbook

    iin = valid_iin()
    wb = Workbook()
    ws = wb.active
    ws.append(["Candidate name", "Assessed on", "Assessors", "IIN", *DESCRIPTORS])
    ws.append(["Әлия Сәрсенбаева", datetime(2026, 1, 15), "Бекзат Оразов", int(iin), *[1] * 7])
    ws.append(["Дана Ахметова", date(2026, 1, 16), "Бекзат Оразов", None, *["иә"] * 7])
    buf = io.BytesIO()
    wb.save(buf)
    r = import_file(centre, tmp_path, buf.getvalue(), "results.xlsx")
    assert r.exit_code == 0, r.output
    with centre.engine.connect() as conn:
        rows = conn.execute(text("SELECT candidate_name, assessed_on, iin_hmac FROM assessments ORDER BY id")).all()
    assert [(n, str(d)[:10]) for n, d, _h in rows] == [("Әлия Сәрсенбаева", "2026-01-15"),
                                                       ("Дана Ахметова", "2026-01-16")]
    assert rows[1][2] is None
    assert cs.assessments_with_iin(centre, iin, "kazcert") == [1]  # the IIN matches; it is not stored


# --- refusals ---------------------------------------------------------------------------------------------------

def test_batch_refusals(centre: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert import_file(centre, tmp_path, results_csv(6, failing_every=3)).exit_code == 0
    monkeypatch.delenv("QUALFRAME_SECRET_KEY")
    r = batch(centre, "--all-passed")
    assert r.exit_code == 1 and "QUALFRAME_SECRET_KEY" in r.output
    monkeypatch.setenv("QUALFRAME_SECRET_KEY", TEST_SECRET.decode())
    ids = tmp_path / "ids.txt"
    ids.write_text("1, 2  # the first two\n3\n99\n")
    r = batch(centre, "--ids", str(ids))
    assert r.exit_code == 1
    assert "assessment 3: was not passed" in r.output and "assessment 99: kazcert has no assessment 99" in r.output
    assert "nothing was issued" in r.output and certificates(centre) == []
    ids.write_text("1\n2x\n")
    r = batch(centre, "--ids", str(ids))
    assert r.exit_code == 2 and "ids.txt:2: '2x' is not an assessment id" in r.output
    assert batch(centre).exit_code == 2  # neither --all-passed nor --ids
    ids.write_text("5\n1\n5\n")
    r = batch(centre, "--ids", str(ids), "--json")
    assert r.exit_code == 0, r.output
    assert [(c[0], c[1]) for c in certificates(centre)] == [(5, numbers(2)[0]), (1, numbers(2)[1])]


def test_failure_names_the_assessment_keeps_earlier_chunks_and_resumes(centre: Any, tmp_path: Path) -> None:
    assert import_file(centre, tmp_path, results_csv(12)).exit_code == 0
    with centre.engine.begin() as conn:  # a row damaged behind the application's back
        conn.execute(text("UPDATE assessments SET candidate_name = '' WHERE id = 8"))
    r = batch(centre, "--all-passed", "--chunk", "5")
    assert r.exit_code == 1
    assert "assessment 8:" in r.output and "the 5 certificate(s) issued before it are committed" in r.output
    certs = certificates(centre)
    assert [c[0] for c in certs] == [1, 2, 3, 4, 5] and [c[1] for c in certs] == numbers(5)
    with centre.engine.connect() as conn:  # the failed chunk left no number, status slot or audit entry
        assert conn.execute(text("SELECT last FROM certificate_counters")).scalar() == 5
        assert conn.execute(text("SELECT next_index FROM status_lists")).scalar() == 5
        assert conn.execute(text("SELECT count(*) FROM audit_log WHERE action='certificate.issue'")).scalar() == 5
    with centre.engine.begin() as conn:
        conn.execute(text("UPDATE assessments SET candidate_name = 'Кандидат 8 Сәрсенова' WHERE id = 8"))
    r = batch(centre, "--all-passed", "--chunk", "5")
    assert r.exit_code == 0, r.output
    certs = certificates(centre)
    assert [c[0] for c in certs] == list(range(1, 13)) and [c[1] for c in certs] == numbers(12)


def test_killed_run_resumes(centre: Any, tmp_path: Path) -> None:
    n, chunk = 45, 3
    assert import_file(centre, tmp_path, results_csv(n)).exit_code == 0
    exe = Path(sys.executable).parent / "qualframe"
    cmd = [str(exe), "credential", "issue-batch", "kazcert", "--all-passed", "--chunk", str(chunk), "--quiet",
           "--db", centre.url]
    env = {**os.environ, "QUALFRAME_SECRET_KEY": TEST_SECRET.decode()}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if len(certificates(centre)) >= chunk:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the batch ended before it could be interrupted"
        proc.send_signal(signal.SIGKILL)  # no clean-up at all: only committed chunks may remain
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    done = certificates(centre)
    assert 0 < len(done) < n and len(done) % chunk == 0
    assert [c[1] for c in done] == numbers(len(done))
    r = batch(centre, "--all-passed", "--chunk", "10")
    assert r.exit_code == 0, r.output
    certs = certificates(centre)
    assert [c[0] for c in certs] == list(range(1, n + 1)) and [c[1] for c in certs] == numbers(n)
    assert certs[:len(done)] == done  # what was issued before the kill kept its number
