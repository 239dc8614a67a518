"""Certificates at scale-out: 100 concurrent revocations through the API set exactly 100 bits (SQLite and
PostgreSQL); a second, real `qualframe serve` process on the same PostgreSQL serves the new status list at
once; `qualframe serve --ssl-certfile/--ssl-keyfile` serves https; the centre commands of the CLI."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from accounts_helpers import cli_actor
from certificates_helpers import IIN, assess, bearer, kek_env, make_centre, make_programme  # noqa: F401
from credentials_helpers import TEST_SECRET
from qualframe.cli import app
from qualframe.credentials.statuslist import StatusList
from qualframe.store import accounts as acc
from qualframe.store import credentials as cs

CLI = [sys.executable, "-c", "from qualframe.cli import main; main()"]
N = 100


def _bits(body: dict[str, Any]) -> list[int]:
    return StatusList.decode(body["credentialSubject"]["encodedList"]).set_indices()


def _issue_many(store: Any, n: int) -> list[cs.Certificate]:
    """n certificates of the centre's programme 1, issued through the store (one transaction each)."""
    from qualframe.credentials.keys import KeyEncryptionKey

    kek = KeyEncryptionKey(TEST_SECRET)
    out = []
    with store.engine.connect() as conn:
        prog = cs.get_programme(conn, "kazcert", 1)
    met = {d: {"met": True} for ids in prog.spec["descriptors"].values() for d in ids}
    for i in range(n):
        with acc.audited(store, cli_actor()) as tx:
            a = cs.record_assessment(tx, "kazcert", programme_id=1, candidate_name=f"Candidate {i}",
                                     assessed_on=dt.date(2026, 1, 15), assessors=["A"], results=met)
            out.append(cs.issue_certificate(tx, "kazcert", a.id, kek))
    return out


def test_concurrent_revocations_lose_nothing(make_client, kek_env) -> None:  # noqa: F811
    c = make_client()
    store = c.app.state.qf.store
    token = make_centre(store)
    make_programme(c, token)
    certs = _issue_many(store, N + 5)
    targets = certs[:N]

    def revoke(cert: cs.Certificate) -> int:
        r = c.post(f"/api/v1/orgs/kazcert/certificates/{cert.number}/status",
                   json={"action": "revoke", "reason": "concurrency test"}, headers=bearer(token))
        return r.status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(revoke, targets))
    assert codes == [200] * N
    url = targets[0].credential["credentialStatus"][0]["statusListCredential"]
    body = c.get("/" + url.split("://", 1)[1].split("/", 1)[1]).json()
    assert _bits(body) == sorted(cert.credential and int(cert.credential["credentialStatus"][0]["statusListIndex"])
                                 for cert in targets)
    assert len(_bits(body)) == N
    assert acc.verify_audit(store).ok


def _start(db_url: str, tmp_path, name: str, *extra: str, scheme: str = "http") -> tuple[subprocess.Popen, str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "QUALFRAME_DATA_DIR": str(tmp_path / name), "QUALFRAME_SECRET_KEY": TEST_SECRET.decode()}
    proc = subprocess.Popen([*CLI, "serve", "--db", db_url, "--port", str(port), "--json", "--no-worker", *extra],
                            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    lines: list[bytes] = []
    while not lines or lines[-1] != b"}\n":
        line = proc.stdout.readline()
        assert line, f"server {name} exited before it was ready"
        lines.append(line)
    summary = json.loads(b"".join(lines))
    base = f"{scheme}://127.0.0.1:{port}"
    assert summary["url"].startswith(scheme + "://")
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(base + "/api/v1/health", timeout=2, verify=False).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"server {name} did not answer"
        time.sleep(0.1)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_second_server_process_serves_the_new_list_at_once(make_client, kek_env, db_url, tmp_path) -> None:  # noqa: F811
    c = make_client()
    store = c.app.state.qf.store
    token = make_centre(store)
    make_programme(c, token)
    cert = _issue_many(store, 2)[1]
    entry = cert.credential["credentialStatus"][0]
    path = "/" + entry["statusListCredential"].split("://", 1)[1].split("/", 1)[1]
    proc, base = _start(db_url, tmp_path, "b")
    try:
        first = httpx.get(base + path, timeout=30)
        assert first.status_code == 200 and _bits(first.json()) == []
        assert httpx.post(base + "/credentials/verify", json={"verifiableCredential": cert.credential},
                          timeout=30).status_code == 200
        # revoked through this process (the in-process app); the other process sees it on its next request
        r = c.post(f"/api/v1/orgs/kazcert/certificates/{cert.number}/status",
                   json={"action": "revoke", "reason": "second process test"}, headers=bearer(token))
        assert r.status_code == 200
        second = httpx.get(base + path, timeout=30, headers={"if-none-match": first.headers["etag"]})
        assert second.status_code == 200 and _bits(second.json()) == [int(entry["statusListIndex"])]
        r = httpx.post(base + "/credentials/verify", json={"verifiableCredential": cert.credential}, timeout=30)
        assert r.status_code == 422 and r.json()["result"]["revoked"] is True
        page = httpx.get(base + f"/verify?number={cert.number}", timeout=30)
        assert "check-failed" in page.text
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _self_signed(tmp_path) -> tuple[str, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(__import__("ipaddress").ip_address(
                "127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    certfile, keyfile = tmp_path / "cert.pem", tmp_path / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return str(certfile), str(keyfile)


def test_serve_https(tmp_path) -> None:
    certfile, keyfile = _self_signed(tmp_path)
    url = f"sqlite:///{tmp_path / 'https.db'}"
    proc, base = _start(url, tmp_path, "tls", "--ssl-certfile", certfile, "--ssl-keyfile", keyfile, scheme="https")
    try:
        import ssl

        r = httpx.get(base + "/verify", verify=ssl.create_default_context(cafile=certfile), timeout=30)
        assert r.status_code == 200 and r.url.scheme == "https"
        with pytest.raises(httpx.HTTPError):
            httpx.get(base.replace("https", "http") + "/verify", timeout=5)
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    r = CliRunner().invoke(app, ["serve", "--db", url, "--ssl-certfile", certfile])
    assert r.exit_code == 1 and "go together" in r.output


def test_cli_for_centres(db_url, kek_env, tmp_path, monkeypatch) -> None:  # noqa: F811
    from qualframe.store import Store

    run = CliRunner().invoke
    store = Store(db_url)
    store.migrate()
    with acc.audited(store, cli_actor()) as tx:
        acc.create_org(tx, "kazcert", "recognition-centre", {"kk": "ҚазСерт"}, accreditation_number="KZ-RC-1",
                       valid_from=dt.date(2025, 1, 1), valid_to=dt.date(2030, 12, 31))
    r = run(app, ["centre", "key", "create", "kazcert", "--db", db_url, "--json"])
    assert r.exit_code == 0, r.output
    key = json.loads(r.stdout)
    assert key["did"].startswith("did:key:z6Mk") and "sealed" not in r.stdout
    assert run(app, ["centre", "key", "create", "kazcert", "--db", db_url]).exit_code == 1  # rotate instead
    r = run(app, ["programme", "add", "kazcert", "--row", "3.1-07", "--title", "Бағдарламашы", "--method", "test",
                  "--method", "interview", "--rule", "skills=2", "--db", db_url, "--json"])
    assert r.exit_code == 0, r.output
    prog = json.loads(r.stdout)
    r = run(app, ["assessment", "add", "kazcert", "--programme", str(prog["id"]), "--name", "Әлия Сәрсенбаева",
                  "--date", "2026-01-15", "--assessor", "Б. Оразов", "--all-met", "--iin", IIN, "--db", db_url])
    assert r.exit_code == 0 and "passed" in r.stdout and IIN not in r.stdout
    out = tmp_path / "cert.json"
    r = run(app, ["credential", "issue", "kazcert", "1", "--consent", "full", "--out", str(out), "--db", db_url,
                  "--json"])
    assert r.exit_code == 0, r.output
    number = json.loads(r.stdout)["number"]
    assert json.loads(out.read_text())["credentialSubject"]["licenseNumber"] == number and IIN not in r.stdout
    ok = run(app, ["credential", "verify", str(out)])
    assert ok.exit_code == 0, ok.stdout
    r = run(app, ["credential", "suspend", number, "--reason", "check", "--db", db_url])
    assert r.exit_code == 0 and "suspended" in r.stdout
    r = run(app, ["credential", "revoke", number, "--reason", "fraud", "--db", db_url, "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["status"] == "revoked"
    r = run(app, ["credential", "revoke", number, "--reason", "again", "--db", db_url])
    assert r.exit_code == 1 and "already revoked" in r.output
    r = run(app, ["credential", "issue", "kazcert", "1", "--db", db_url])
    assert r.exit_code == 1 and "already has certificate" in r.output
    monkeypatch.delenv("QUALFRAME_SECRET_KEY")
    r = run(app, ["centre", "key", "rotate", "kazcert", "--db", db_url])
    assert r.exit_code == 1 and "QUALFRAME_SECRET_KEY" in r.output
    store.close()
