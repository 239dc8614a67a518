"""Accounts without the web: passwords, the policy table, the store operations, log-in limits, the audit
chain (tampering, deletion, reordering, concurrent writers in several processes), the 0002 -> 0003
migration and the operator CLI, on SQLite and PostgreSQL."""

# ruff: noqa: F811  (the acc_store fixture is imported from accounts_helpers)

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, text, update
from typer.testing import CliRunner

from accounts_helpers import PASSWORD, acc_store, cli_actor, make_token, make_user  # noqa: F401
from qualframe.accounts import audit as chain
from qualframe.accounts import passwords, policy, tokens, values
from qualframe.cli import app as cli_app
from qualframe.store import accounts as acc

runner = CliRunner()


# --- domain -----------------------------------------------------------------------------------------------

def test_passwords_are_argon2id_with_rfc9106_parameters() -> None:
    passwords.use_profile(None)
    try:
        h = passwords.hash_password("correct horse battery")
    finally:
        passwords.use_profile("test")
    assert h.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.verify_password(h, "correct horse battery").ok
    assert not passwords.verify_password(h, "correct horse batterY").ok
    # a hash made with other parameters verifies, and is marked for upgrade to the current ones
    v = passwords.verify_password(h, "correct horse battery")
    assert v.new_hash is not None and v.new_hash.startswith("$argon2id$v=19$m=1024,t=1,p=1$")


def test_password_policy_and_unknown_accounts() -> None:
    with pytest.raises(passwords.PasswordError, match="at least 10"):
        passwords.hash_password("short")
    with pytest.raises(passwords.PasswordError, match="blank"):
        passwords.hash_password(" " * 12)
    assert passwords.verify_password(None, "anything at all") == passwords.Verified(False)
    assert not passwords.verify_password("not a hash", "anything at all").ok


def test_values() -> None:
    assert values.email_key(" Ada@Example.KZ ") == "ada@example.kz"
    for bad in ("ada", "a@b", "a b@example.kz", "x" * 300 + "@example.kz"):
        with pytest.raises(values.InvalidValue):
            values.email(bad)
    assert values.duration("30d") == timedelta(days=30) and values.duration("90m") == timedelta(minutes=90)
    for bad in ("0d", "400d", "30", "1y", "-1d"):
        with pytest.raises(values.InvalidValue, match="expires"):
            values.duration(bad)
    for bad in ("Acme", "-acme", "acme-", "a_b", ""):
        with pytest.raises(values.InvalidValue, match="slug"):
            values.slug(bad)


def test_tokens_are_random_and_only_digests_compare() -> None:
    t1, p1 = tokens.new_api_token()
    t2, _ = tokens.new_api_token()
    assert t1 != t2 and t1.startswith(f"qf_{p1}_") and tokens.looks_like_api_token(t1)
    assert not tokens.looks_like_api_token(t1 + "x") and not tokens.looks_like_api_token("Bearer x")
    assert len(tokens.new_session_id()) >= 43  # 32 bytes = 256 bits
    assert tokens.digest(t1) != tokens.digest(t2) and len(tokens.digest(t1)) == 64
    key = b"k" * 32
    tok = tokens.csrf_token(key, "session", "abc")
    assert tokens.csrf_matches(key, "session", "abc", tok)
    assert not tokens.csrf_matches(key, "session", "abd", tok)
    assert not tokens.csrf_matches(key, "anon", "abc", tok)
    assert not tokens.csrf_matches(key, "session", "abc", "")


def test_policy_table() -> None:
    admin = policy.Principal(1, "a@x.kz", "A", roles={"acme": frozenset({"admin"})})
    hr = policy.Principal(2, "h@x.kz", "H", roles={"acme": frozenset({"hr"})})
    su = policy.Principal(3, "s@x.kz", "S", is_superuser=True)
    su_token = policy.Principal(3, "s@x.kz", "S", is_superuser=True, via="token", roles={"acme": frozenset({"hr"})})
    assert policy.allowed(admin, "org.members.manage", "acme")
    assert not policy.allowed(admin, "org.members.manage", "other")
    assert not policy.allowed(hr, "org.members.manage", "acme")
    assert policy.allowed(hr, "catalogue.write", "acme")
    assert not policy.allowed(None, "account.update")
    assert policy.allowed(hr, "account.update")
    assert not policy.allowed(admin, "org.create") and policy.allowed(su, "org.create")
    assert policy.allowed(su, "org.members.manage", "anything")
    # a token is scoped to its organisation and role, whoever made it
    assert not policy.allowed(su_token, "org.create") and not policy.allowed(su_token, "org.members.manage", "acme")
    with pytest.raises(KeyError, match="unknown action"):
        policy.allowed(admin, "no.such.action")
    assert policy.roles_refused("org.members.manage") == ["hr", "developer", "reviewer", "assessor"]
    for action, r in policy.POLICY.items():
        assert r.scope != "org" or r.roles <= set(policy.ROLES), action


# --- store operations --------------------------------------------------------------------------------------

def test_users_orgs_members(acc_store) -> None:
    s = acc_store
    ada = make_user(s, "Ada@Example.kz", roles={"acme": ["admin", "hr"]})
    assert ada.to_dict()["has_password"] and "password_hash" not in json.dumps(ada.to_dict())
    with pytest.raises(acc.AccountError, match="already exists"), acc.audited(s, cli_actor()) as tx:
        acc.create_user(tx, "ada@EXAMPLE.kz")
    with acc.audited(s, cli_actor()) as tx:
        rc = acc.create_org(tx, "rc", "recognition-centre", {"kk": "Орталық", "ru": "Центр"},
                            accreditation_number="KZ-1", valid_from=date(2025, 1, 1), valid_to=date(2026, 12, 31))
    assert rc.to_dict()["accreditation"] == {"number": "KZ-1", "valid_from": "2025-01-01", "valid_to": "2026-12-31"}
    with pytest.raises(values.InvalidValue, match="only a recognition-centre"), acc.audited(s, cli_actor()) as tx:
        acc.create_org(tx, "emp", "employer", {"kk": "E"}, accreditation_number="1", valid_from=date(2025, 1, 1),
                       valid_to=date(2025, 2, 1))
    with s.engine.connect() as conn:
        assert acc.find_org(conn, "emp") is None  # the failed transaction left nothing behind
        assert acc.roles_of(conn, ada.id) == {"acme": frozenset({"admin", "hr"})}
        [m] = acc.members(conn, acc.need_org(conn, "acme"))
        assert m.roles == ("admin", "hr")
    with pytest.raises(acc.AccountError, match="last admin"), acc.audited(s, cli_actor()) as tx:
        acc.remove_member(tx, "acme", "ada@example.kz", "admin")
    with acc.audited(s, cli_actor()) as tx:
        acc.remove_member(tx, "acme", "ada@example.kz", "hr")
    with s.engine.connect() as conn:
        assert acc.roles_of(conn, ada.id) == {"acme": frozenset({"admin"})}
    assert acc.verify_audit(s).ok


def test_tokens_expire_revoke_and_follow_the_membership(acc_store) -> None:
    s = acc_store
    make_user(s, "ada@example.kz", roles={"acme": ["admin"]})
    make_user(s, "bob@example.kz", roles={"acme": ["hr", "assessor"]})
    with pytest.raises(acc.AccountError, match="several roles"):
        make_token(s, "bob@example.kz", "acme")
    with pytest.raises(acc.AccountError, match="does not have the role 'admin'"):
        make_token(s, "bob@example.kz", "acme", role="admin")
    secret, rec = make_token(s, "bob@example.kz", "acme", role="hr", name="ci")
    assert rec.to_dict()["prefix"] == secret[:11] and secret not in json.dumps(rec.to_dict())
    p = acc.token_principal(s, secret)
    assert p is not None and p.via == "token" and p.roles == {"acme": frozenset({"hr"})} and p.token_id == rec.id
    with s.engine.connect() as conn:
        stored = conn.execute(select(acc.ApiTokenRow.digest, acc.ApiTokenRow.last_used_at)).one()
    assert stored.digest == tokens.digest(secret) and stored.last_used_at is not None
    assert acc.token_principal(s, secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    # expired: move its expiry into the past
    with s.engine.begin() as conn:
        conn.execute(update(acc.ApiTokenRow).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert acc.token_principal(s, secret) is None
    # revoked
    secret2, rec2 = make_token(s, "bob@example.kz", "acme", role="assessor")
    assert acc.token_principal(s, secret2) is not None
    with acc.audited(s, cli_actor()) as tx:
        acc.revoke_token(tx, rec2.id)
    assert acc.token_principal(s, secret2) is None
    # a token stops with the role it was made from (and is revoked with it)
    secret3, rec3 = make_token(s, "bob@example.kz", "acme", role="hr")
    with acc.audited(s, cli_actor()) as tx:
        acc.remove_member(tx, "acme", "bob@example.kz", "hr")
    assert acc.token_principal(s, secret3) is None
    with s.engine.connect() as conn:
        assert acc.get_token(conn, rec3.id).revoked_at is not None
    actions = [e["action"] for e in acc.iter_audit(s)]
    assert actions.count("token.create") == 3 and actions.count("token.revoke") == 3  # hr tokens go with hr
    assert acc.verify_audit(s).ok


def test_login_sessions_and_rate_limits(acc_store) -> None:
    s = acc_store
    make_user(s, "ada@example.kz")
    actor = acc.Actor("anonymous", None, "req-1", "10.0.0.1")
    ok = acc.login(s, "ADA@example.kz", PASSWORD, actor)
    assert ok.session_id and ok.user is not None
    p = acc.session_principal(s, ok.session_id)
    assert p is not None and p.email == "ada@example.kz" and p.via == "session"
    with s.engine.connect() as conn:  # only the digest of the session id is stored
        assert conn.execute(select(acc.SessionRow.digest)).scalar_one() == tokens.digest(ok.session_id)
    assert acc.logout(s, p, actor)
    assert acc.session_principal(s, ok.session_id) is None
    # five failures lock the account (known or not, the same), with a wait; other accounts are unaffected
    for email in ("ada@example.kz", "nobody@example.kz"):
        for _ in range(acc.ACCOUNT_FAILURES):
            r = acc.login(s, email, "wrong password!", acc.Actor("anonymous", None, None, f"10.1.0.{len(email)}"))
            assert r.session_id is None and r.retry_after is None
        r = acc.login(s, email, PASSWORD, acc.Actor("anonymous", None, None, "10.9.9.9"))
        assert r.session_id is None and 1 <= r.retry_after <= 15 * 60
    # per address: many accounts from one address
    for i in range(acc.ADDRESS_FAILURES):
        acc.login(s, f"user{i}@example.kz", "wrong password!", acc.Actor("anonymous", None, None, "10.2.2.2"))
    assert acc.login(s, "fresh@example.kz", "x" * 12, acc.Actor("anonymous", None, None, "10.2.2.2")).retry_after
    # once the failures are older than the window, the account opens again
    with s.engine.begin() as conn:
        conn.execute(update(acc.LoginFailureRow).values(at=datetime.now(UTC) - timedelta(minutes=16)))
    assert acc.login(s, "ada@example.kz", PASSWORD, actor).session_id
    failed = [e for e in acc.iter_audit(s) if e["action"] == "login.failed"]
    assert len(failed) == 2 * acc.ACCOUNT_FAILURES + acc.ADDRESS_FAILURES
    assert {e["client"] for e in failed} >= {"10.2.2.2"} and all(e["actor"] == "anonymous" for e in failed)
    assert acc.verify_audit(s).ok


def test_password_reset_ends_sessions(acc_store) -> None:
    s = acc_store
    make_user(s, "ada@example.kz")
    sid = acc.login(s, "ada@example.kz", PASSWORD, cli_actor()).session_id
    with acc.audited(s, cli_actor()) as tx:
        acc.set_password(tx, "ada@example.kz", "another good password")
    assert acc.session_principal(s, sid) is None
    assert acc.login(s, "ada@example.kz", PASSWORD, cli_actor()).session_id is None
    assert acc.login(s, "ada@example.kz", "another good password", cli_actor()).session_id


# --- the audit chain ----------------------------------------------------------------------------------------

def _filled(s) -> int:
    make_user(s, "ada@example.kz", roles={"acme": ["admin"]})
    make_user(s, "bob@example.kz", roles={"acme": ["hr"]})
    make_token(s, "bob@example.kz", "acme")
    with s.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(acc.AuditRow)).scalar_one()


def test_audit_entries_are_complete(acc_store) -> None:
    s = acc_store
    _filled(s)
    entries = list(acc.iter_audit(s))
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0]["prev"] == chain.GENESIS
    assert all(b["prev"] == a["digest"] for a, b in itertools.pairwise(entries))
    add = next(e for e in entries if e["action"] == "member.add")
    assert add["org"] == "acme" and add["object_type"] == "membership" and add["after"] and add["actor"] == "cli:test"
    assert all(chain.entry_digest(e) == e["digest"] for e in entries)


@pytest.mark.parametrize("attack", ["edit", "delete", "reorder", "truncate"])
def test_audit_verify_catches_tampering(acc_store, attack: str) -> None:
    s = acc_store
    n = _filled(s)
    assert n >= 6
    with s.engine.begin() as conn:
        if attack == "edit":
            conn.execute(update(acc.AuditRow).where(acc.AuditRow.seq == 3).values(actor="cli:someone-else"))
        elif attack == "delete":
            conn.execute(delete(acc.AuditRow).where(acc.AuditRow.seq == 3))
        elif attack == "reorder":  # swap entries 3 and 4 (their content, not their position)
            conn.execute(update(acc.AuditRow).where(acc.AuditRow.seq == 3).values(seq=-3))
            conn.execute(update(acc.AuditRow).where(acc.AuditRow.seq == 4).values(seq=3))
            conn.execute(update(acc.AuditRow).where(acc.AuditRow.seq == -3).values(seq=4))
        else:
            conn.execute(delete(acc.AuditRow).where(acc.AuditRow.seq == n))
    v = acc.verify_audit(s)
    assert not v.ok
    expected = {"edit": 3, "delete": 4, "reorder": 3, "truncate": n}[attack]
    assert v.broken.seq == expected, v.broken
    result = runner.invoke(cli_app, ["audit", "verify", "--db", s.url])
    assert result.exit_code == 1
    assert f"entry {expected}" in result.output


CONCURRENT_WRITER = textwrap.dedent("""
    import sys
    from qualframe.store import Store
    from qualframe.store import accounts as acc
    s = Store(sys.argv[1])
    for i in range(int(sys.argv[3])):
        with acc.audited(s, acc.Actor("writer-" + sys.argv[2])) as tx:
            tx.audit("test.append", "thing", f"{sys.argv[2]}-{i}")
""")


def test_concurrent_appends_from_several_processes_keep_one_chain(acc_store) -> None:
    s = acc_store
    procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT_WRITER, s.url, str(w), "15"]) for w in range(4)]
    assert [p.wait(timeout=300) for p in procs] == [0, 0, 0, 0]
    v = acc.verify_audit(s)
    assert v.ok and v.entries == 60
    with s.engine.connect() as conn:
        ids = set(conn.execute(select(acc.AuditRow.object_id)).scalars())
    assert ids == {f"{w}-{i}" for w in range(4) for i in range(15)}


def test_a_failed_change_leaves_no_audit_entry(acc_store) -> None:
    s = acc_store
    make_user(s, "ada@example.kz")
    before = acc.verify_audit(s)
    with pytest.raises(RuntimeError), acc.audited(s, cli_actor()) as tx:
        acc.create_org(tx, "acme", "employer", {"kk": "A"})
        raise RuntimeError("boom")
    after = acc.verify_audit(s)
    assert after.ok and after.entries == before.entries
    with s.engine.connect() as conn:
        assert acc.find_org(conn, "acme") is None


# --- migration -----------------------------------------------------------------------------------------------

def test_a_0002_database_with_data_upgrades(db_url: str) -> None:
    from alembic import command

    from qualframe.store import Store, prepare

    s = Store(db_url)
    cfg = s._alembic_config()
    with s.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
    assert s.current_revision() == "0002" and "users" not in s.table_names()
    with s.writing() as w:  # the previous release's data: the shipped framework
        from qualframe.dataset import load
        from qualframe.store import shipped_source, shipped_translations

        fw = load()
        w.put_framework(fw, translations=shipped_translations(fw.id), source=shipped_source(fw.id))
    s.state_token()  # works on the old schema (other capabilities' tables do not exist yet)
    hashes_before = [(f.id, f.content_hash) for f in s.frameworks()]
    result = prepare(s)
    assert result.migrated and not result.loaded  # the data was kept, so nothing needed loading again
    assert s.current_revision() == s.head_revision()
    assert [(f.id, f.content_hash) for f in s.frameworks()] == hashes_before
    assert {"users", "organisations", "memberships", "sessions", "api_tokens", "audit_log", "audit_head",
            "login_failures", "app_secrets"} <= set(s.table_names())
    assert s.get_framework(fw.id) == fw
    with s.engine.connect() as conn:
        assert conn.execute(text("SELECT seq, digest FROM audit_head")).one() == (0, chain.GENESIS)
        assert len(conn.execute(text("SELECT value FROM app_secrets WHERE name = 'csrf'")).scalar_one()) == 64
    s.close()


# --- CLI -------------------------------------------------------------------------------------------------------

def cli(*args: str, input: str | None = None) -> tuple[int, str]:
    r = runner.invoke(cli_app, list(args), input=input)
    return r.exit_code, r.output


def test_cli_operator_flow(acc_store) -> None:
    db = ["--db", acc_store.url]
    code, out = cli("user", "add", "Ada@Example.kz", "--name", "Ada", "--superuser", "--password-stdin", "--json",
                    *db, input=PASSWORD + "\n")
    assert code == 0, out
    user = json.loads(out)
    assert user["email"] == "Ada@Example.kz" and user["is_superuser"] and user["has_password"]
    assert "argon2" not in out and PASSWORD not in out
    code, out = cli("user", "add", "ada@example.KZ", *db)
    assert code == 1 and "already exists" in out
    code, out = cli("org", "add", "rc", "--kind", "recognition-centre", "--name", "Орталық", "--accreditation",
                    "KZ-7", "--valid-from", "2025-01-01", "--valid-to", "2027-01-01", "--json", *db)
    assert code == 0 and json.loads(out)["accreditation"]["number"] == "KZ-7"
    code, out = cli("org", "add", "bad", "--kind", "shop", "--name", "X", *db)
    assert code == 1 and "kind" in out
    code, out = cli("member", "add", "rc", "ada@example.kz", "--role", "assessor", *db)
    assert code == 0 and "assessor in rc" in out
    code, out = cli("token", "create", "ada@example.kz", "--org", "rc", "--expires", "2h", "--name", "robot",
                    "--json", *db)
    assert code == 0, out
    tok = json.loads(out)
    p = acc.token_principal(acc_store, tok["token"])
    assert p is not None and p.roles == {"rc": frozenset({"assessor"})}
    expires = datetime.fromisoformat(tok["expires_at"].replace("Z", "+00:00"))
    assert timedelta(minutes=119) < expires - datetime.now(UTC) <= timedelta(hours=2)
    code, out = cli("token", "list", "--json", *db)
    assert code == 0 and tok["token"] not in out and json.loads(out)[0]["active"]
    code, out = cli("token", "revoke", str(tok["id"]), *db)
    assert code == 0 and acc.token_principal(acc_store, tok["token"]) is None
    code, out = cli("user", "set-password", "ada@example.kz", "--password-stdin", *db, input="tiny\n")
    assert code == 1 and "at least 10" in out
    code, out = cli("user", "set-password", "ada@example.kz", "--password-stdin", *db, input="a new long password\n")
    assert code == 0
    assert acc.login(acc_store, "ada@example.kz", "a new long password", cli_actor()).session_id
    code, out = cli("audit", "verify", "--json", *db)
    assert code == 0 and json.loads(out)["ok"]
    code, out = cli("audit", "export", *db)
    lines = [json.loads(x) for x in out.splitlines()]
    assert [e["seq"] for e in lines] == list(range(1, len(lines) + 1))
    assert {e["actor"] for e in lines if e["action"] != "login"} == {f"cli:{_os_user()}"}
    assert {"user.create", "org.create", "member.add", "token.create", "token.revoke", "user.password_set",
            "login"} <= {e["action"] for e in lines}


def _os_user() -> str:
    import getpass

    return getpass.getuser()
