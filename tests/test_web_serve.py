"""`qualframe serve` as a user runs it: JSON summary, first-run loading, clear errors for a bad database."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CLI = [sys.executable, "-c", "from qualframe.cli import main; main()"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_json_summary_then_answers(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "QUALFRAME_DATA_DIR": str(tmp_path / "data")}
    env.pop("QUALFRAME_DATABASE_URL", None)
    t0 = time.monotonic()
    proc = subprocess.Popen([*CLI, "serve", "--port", str(port), "--json"], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        lines: list[bytes] = []
        while not lines or lines[-1] != b"}\n":  # print_json writes one indented JSON object
            line = proc.stdout.readline()
            assert line, "serve exited before printing its summary"
            lines.append(line)
        summary = json.loads(b"".join(lines))
        assert summary["loaded"] is True and summary["migrated"] is True
        assert summary["framework"] == "kz-ict-sqf-2013" and summary["url"] == f"http://127.0.0.1:{port}/"
        body = None
        while time.monotonic() - t0 < 30:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/levels/3.1-07.json", timeout=1) as r:
                    body = json.loads(r.read())
                    break
            except OSError:
                time.sleep(0.05)
        assert body is not None and body["row"]["sqf_level"] == "62"
        assert (tmp_path / "data" / "qualframe.db").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    port = _free_port()  # nothing listens there
    r = subprocess.run([*CLI, "serve", "--db", f"postgresql://nobody@127.0.0.1:{port}/x", "--port", str(_free_port())],
                       capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert r.returncode != 0
    assert "error:" in r.stderr and "Traceback" not in r.stderr and "Traceback" not in r.stdout
    assert "127.0.0.1" in r.stderr


def test_serve_corrupt_sqlite_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "junk.db"
    db.write_bytes(b"not a database at all " * 200)
    r = subprocess.run([*CLI, "serve", "--db", f"sqlite:///{db}"], capture_output=True, text=True, timeout=60,
                       cwd=tmp_path)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "junk.db" in r.stderr and "failed" in r.stderr


def _summary(proc: subprocess.Popen[bytes]) -> dict[str, object]:
    assert proc.stdout is not None
    lines: list[bytes] = []
    while not lines or lines[-1] != b"}\n":
        line = proc.stdout.readline()
        assert line, f"serve exited before printing its summary: {proc.stderr.read().decode()[-2000:]}"  # type: ignore[union-attr]
        lines.append(line)
    return json.loads(b"".join(lines))


def _get_json(port: int, path: str, wait: float = 60) -> object:
    t0 = time.monotonic()
    while time.monotonic() - t0 < wait:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as r:
                return json.loads(r.read())
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"no answer from port {port} within {wait} s")


def test_two_servers_starting_together_on_a_fresh_database(db_url: str, tmp_path: Path) -> None:
    """Issue 9: two `qualframe serve` started together on a fresh database both come up; the framework is
    loaded once. A third start on the now existing database finds nothing to do."""
    env = {k: v for k, v in os.environ.items() if k != "QUALFRAME_DATABASE_URL"}
    ports = [_free_port(), _free_port()]
    procs = [subprocess.Popen([*CLI, "serve", "--db", db_url, "--port", str(p), "--json"], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for p in ports]
    try:
        summaries = [_summary(p) for p in procs]
        assert sorted(bool(s["loaded"]) for s in summaries) == [False, True], summaries
        assert sorted(bool(s["migrated"]) for s in summaries) == [False, True], summaries
        for port in ports:
            body = _get_json(port, "/levels/3.1-07.json")
            assert isinstance(body, dict) and body["row"]["sqf_level"] == "62"
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=10)
    port = _free_port()
    proc = subprocess.Popen([*CLI, "serve", "--db", db_url, "--port", str(port), "--json"], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        summary = _summary(proc)
        assert summary["migrated"] is False and summary["loaded"] is False
        listing = _get_json(port, "/api/v1/frameworks")
        assert isinstance(listing, dict) and [f["id"] for f in listing["frameworks"]] == ["kz-ict-sqf-2013"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
