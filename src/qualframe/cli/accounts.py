"""Operator commands for accounts: `qualframe user|org|member|token|audit ...`.

Each opens the database like `qualframe serve` (--db, else $QUALFRAME_DATABASE_URL, else var/qualframe.db),
migrates it if needed, and records its changes in the audit trail with the actor "cli:<os user>".
No mail server is involved: an operator sets or resets passwords here.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from qualframe.cli.output import console, err_console, fail, open_store, print_json

T = TypeVar("T")

DbOpt = Annotated[str | None, typer.Option(
    "--db", help="Database URL (sqlite:///path or postgresql://...); default $QUALFRAME_DATABASE_URL, "
                 "else var/qualframe.db under $QUALFRAME_DATA_DIR or the current directory.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]



def _store(db: str | None) -> Any:
    return open_store(db)


def _run(fn: Callable[[], T]) -> T:
    """Turn the expected failures of an operation into one error line and exit code 1."""
    from qualframe.accounts.passwords import PasswordError
    from qualframe.accounts.values import InvalidValue
    from qualframe.store.accounts import AccountError

    try:
        return fn()
    except AccountError as exc:
        fail(exc.message)
    except (InvalidValue, PasswordError) as exc:
        fail(str(exc))


def _write(store: Any, op: Callable[[Any], T]) -> T:
    from qualframe.store.accounts import Actor, audited

    def go() -> T:
        with audited(store, Actor.cli()) as tx:
            return op(tx)

    return _run(go)


def _read_password() -> str:
    line = sys.stdin.readline()
    pw = line.rstrip("\n").rstrip("\r")
    if not pw:
        fail("--password-stdin: no password on standard input")
    return pw


# --- user -------------------------------------------------------------------------------------------------

def user_add(
    email: Annotated[str, typer.Argument(help="Email address (unique, case-insensitive).")],
    name: Annotated[str | None, typer.Option("--name", help="Display name (default: the part before @).")] = None,
    superuser: Annotated[bool, typer.Option("--superuser", help="Platform superuser (runs the instance).")] = False,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    lang: Annotated[str, typer.Option("--lang", help="Preferred language: kk, ru or en.")] = "kk",
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Create a user (without --password-stdin the user cannot log in until `user set-password`)."""
    from qualframe.store import accounts as acc

    password = _read_password() if password_stdin else None
    with _store(db) as store:
        user = _write(store, lambda tx: acc.create_user(tx, email, name, lang=lang, superuser=superuser,
                                                        password=password))
    if json_out:
        print_json(user.to_dict())
        return
    flags = " (superuser)" if user.is_superuser else ""
    pw = "" if user.has_password else "; no password yet: set one with `qualframe user set-password`"
    console.print(f"user {user.id} {user.email} «{user.display_name}»{flags} created{pw}", highlight=False)


def user_set_password(
    email: Annotated[str, typer.Argument(help="The user's email address.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Set or reset a user's password (ends the user's open sessions)."""
    from qualframe.store import accounts as acc

    if not password_stdin:
        fail("pass the new password on standard input with --password-stdin (never as an argument)", 2)
    password = _read_password()
    with _store(db) as store:
        user = _write(store, lambda tx: acc.set_password(tx, email, password))
    if json_out:
        print_json(user.to_dict())
    else:
        console.print(f"password set for user {user.id} {user.email}; their sessions were ended", highlight=False)


def user_list(db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """List users with their organisations and roles."""
    from qualframe.store import accounts as acc

    with _store(db) as store, store.engine.connect() as conn:
        rows = [(u, acc.roles_of(conn, u.id)) for u in acc.list_users(conn)]
    if json_out:
        print_json([{**u.to_dict(), "roles": {k: sorted(v) for k, v in r.items()}} for u, r in rows])
        return
    for u, r in rows:
        roles = ", ".join(f"{k}: {'/'.join(sorted(v))}" for k, v in sorted(r.items())) or "no organisation"
        flags = " superuser" if u.is_superuser else ""
        console.print(f"{u.id:>4} {u.email} «{u.display_name}»{flags} — {roles}", highlight=False)


# --- org and member -------------------------------------------------------------------------------------

def org_add(
    slug: Annotated[str, typer.Argument(help="Short name used in URLs: lower-case letters, digits, hyphens.")],
    kind: Annotated[str, typer.Option("--kind", help="employer, recognition-centre, standards-body or education.")],
    name: Annotated[str, typer.Option("--name", help="Name (in Kazakh, the default language).")],
    name_ru: Annotated[str | None, typer.Option("--name-ru", help="Name in Russian.")] = None,
    name_en: Annotated[str | None, typer.Option("--name-en", help="Name in English.")] = None,
    accreditation: Annotated[str | None, typer.Option(
        "--accreditation", help="Accreditation certificate number (recognition centres).")] = None,
    valid_from: Annotated[str | None, typer.Option(
        "--valid-from", help="Accreditation valid from (YYYY-MM-DD).")] = None,
    valid_to: Annotated[str | None, typer.Option("--valid-to", help="Accreditation valid to (YYYY-MM-DD).")] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Create an organisation."""
    from qualframe.store import accounts as acc

    vf, vt = _date("--valid-from", valid_from), _date("--valid-to", valid_to)
    names = {"kk": name, "ru": name_ru or "", "en": name_en or ""}
    with _store(db) as store:
        org = _write(store, lambda tx: acc.create_org(tx, slug, kind, names, accreditation_number=accreditation,
                                                      valid_from=vf, valid_to=vt))
    if json_out:
        print_json(org.to_dict())
        return
    extra = ""
    if org.accreditation:
        a = org.accreditation
        extra = f", accreditation {a['number']} valid {a['valid_from']} to {a['valid_to']}"
    console.print(f"organisation {org.slug} ({org.kind}) «{org.name('kk')}» created{extra}", highlight=False)


def _date(option: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date (YYYY-MM-DD)", 2)


def org_list(db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """List organisations."""
    from qualframe.store import accounts as acc

    with _store(db) as store, store.engine.connect() as conn:
        orgs = [(o, len(acc.members(conn, o))) for o in acc.list_orgs(conn)]
    if json_out:
        print_json([{**o.to_dict(), "members": n} for o, n in orgs])
        return
    for o, n in orgs:
        console.print(f"{o.slug} ({o.kind}) «{o.name('kk')}» — {n} member(s)", highlight=False)


def member_add(
    slug: Annotated[str, typer.Argument(help="Organisation slug.")],
    email: Annotated[str, typer.Argument(help="The user's email address.")],
    role: Annotated[str, typer.Option("--role", help="admin, hr, developer, reviewer or assessor.")],
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Give a user a role in an organisation."""
    from qualframe.store import accounts as acc

    with _store(db) as store:
        m = _write(store, lambda tx: acc.add_member(tx, slug, email, role))
    if json_out:
        print_json({"org": slug, **m.to_dict()})
    else:
        console.print(f"{m.email} is now {', '.join(m.roles)} in {slug}", highlight=False)


def member_remove(
    slug: Annotated[str, typer.Argument(help="Organisation slug.")],
    email: Annotated[str, typer.Argument(help="The user's email address.")],
    role: Annotated[str, typer.Option("--role", help="The role to take away.")],
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Take a role away (the member's API tokens with that role in the organisation are revoked)."""
    from qualframe.store import accounts as acc

    with _store(db) as store:
        _write(store, lambda tx: acc.remove_member(tx, slug, email, role))
    if json_out:
        print_json({"org": slug, "email": email, "removed_role": role})
    else:
        console.print(f"{email} no longer has the role {role} in {slug}", highlight=False)


# --- token ----------------------------------------------------------------------------------------------

def token_create(
    email: Annotated[str, typer.Argument(help="The member the token acts for.")],
    org: Annotated[str, typer.Option("--org", help="Organisation slug.")],
    role: Annotated[str | None, typer.Option("--role", help="One of the member's roles there "
                                                           "(needed when they have several).")] = None,
    expires: Annotated[str, typer.Option("--expires", help="Lifetime: e.g. 90m, 12h, 30d, 2w (≤ 366d).")] = "30d",
    name: Annotated[str | None, typer.Option("--name", help="A label to tell tokens apart.")] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Create an API token and print it once (only its digest is stored)."""
    from qualframe.accounts import values
    from qualframe.store import accounts as acc

    lifetime = _run(lambda: values.duration(expires))
    with _store(db) as store:
        secret, rec = _write(store, lambda tx: acc.create_token(tx, email, org, role=role, name=name,
                                                                lifetime=lifetime))
    if json_out:
        print_json({**rec.to_dict(), "token": secret})
        return
    console.print(secret, highlight=False, soft_wrap=True)
    err_console.print(f"token {rec.id} «{rec.name}» for {rec.user_email} as {rec.role} in {rec.org}, expires "
                      f"{rec.to_dict()['expires_at']}. It is shown only now: store it safely.", highlight=False)


def token_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (see `qualframe token list`).")],
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Revoke an API token at once, on every server process."""
    from qualframe.store import accounts as acc

    with _store(db) as store:
        rec = _write(store, lambda tx: acc.revoke_token(tx, token_id))
    if json_out:
        print_json(rec.to_dict())
    else:
        console.print(f"token {rec.id} «{rec.name}» ({rec.user_email}, {rec.org}) revoked", highlight=False)


def token_list(
    org: Annotated[str | None, typer.Option("--org", help="Only this organisation's tokens.")] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """List API tokens (never the tokens themselves)."""
    from qualframe.store import accounts as acc

    with _store(db) as store, store.engine.connect() as conn:
        o = _run(lambda: acc.need_org(conn, org)) if org else None
        rows = acc.list_tokens(conn, org=o)
    if json_out:
        print_json([t.to_dict() for t in rows])
        return
    for t in rows:
        d = t.to_dict()
        state = "active" if t.active() else ("revoked" if t.revoked_at else "expired")
        console.print(f"{t.id:>4} {d['prefix']}… «{t.name}» {t.user_email} {t.role}@{t.org} {state}, expires "
                      f"{d['expires_at']}, last used {d['last_used_at'] or 'never'}", highlight=False)


# --- audit ----------------------------------------------------------------------------------------------

def audit_verify(db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Check the audit trail's hash chain: exit 0 if intact, 1 naming the first broken entry."""
    from qualframe.store import accounts as acc

    with _store(db) as store:
        v = acc.verify_audit(store)
    if json_out:
        print_json({"ok": v.ok, "entries": v.entries, "head": {"seq": v.head_seq, "digest": v.head_digest},
                    "broken": {"seq": v.broken.seq, "problem": v.broken.problem} if v.broken else None})
    elif v.ok:
        console.print(f"audit trail intact: {v.entries} entries, head {v.head_seq} {v.head_digest[:16]}…",
                      highlight=False)
    if v.broken:
        err_console.print(f"[bold red]audit trail broken at {v.broken}[/]", highlight=False)
        raise typer.Exit(1)


def audit_export(
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here (default: stdout).")] = None,
    org: Annotated[str | None, typer.Option("--org", help="Only this organisation's entries.")] = None,
    db: DbOpt = None,
) -> None:
    """Write the audit trail as JSON Lines, oldest first (keep copies: they anchor the chain)."""
    import json
    import os
    import tempfile

    from qualframe.store import accounts as acc

    with _store(db) as store:
        if output is None:
            for e in acc.iter_audit(store):
                if org is None or e["org"] == org:
                    sys.stdout.write(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n")
            return
        # write beside the target and rename, so a failure never leaves half a file
        fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".tmp")
        n = 0
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                for e in acc.iter_audit(store):
                    if org is None or e["org"] == org:
                        f.write(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n")
                        n += 1
            os.replace(tmp, output)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    err_console.print(f"{n} entries written to {output}", highlight=False)


def register(app: typer.Typer) -> None:
    groups = {
        "user": ("Users: create, set passwords, list.", [("add", user_add), ("set-password", user_set_password),
                                                         ("list", user_list)]),
        "org": ("Organisations: create, list.", [("add", org_add), ("list", org_list)]),
        "member": ("Memberships: give or take a role in an organisation.",
                   [("add", member_add), ("remove", member_remove)]),
        "token": ("API tokens: create (shown once), revoke, list.",
                  [("create", token_create), ("revoke", token_revoke), ("list", token_list)]),
        "audit": ("The tamper-evident audit trail: verify the chain, export it.",
                  [("verify", audit_verify), ("export", audit_export)]),
    }
    for name, (help_text, commands) in groups.items():
        group = typer.Typer(help=help_text, no_args_is_help=True)
        for cmd, fn in commands:
            group.command(cmd)(fn)
        app.add_typer(group, name=name)
