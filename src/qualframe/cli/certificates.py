"""Commands for recognition centres: `qualframe centre key create|rotate SLUG`, `qualframe programme add`,
`qualframe assessment add|import`, `qualframe credential issue|issue-batch|revoke|suspend|unsuspend`.

They open the database like the accounts commands (--db, else $QUALFRAME_DATABASE_URL, else var/qualframe.db),
record every change in the audit trail as "cli:<os user>", and take --json. Signing needs the operator's
key-encryption key ($QUALFRAME_SECRET_KEY or $QUALFRAME_SECRET_KEY_FILE); private keys are never printed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.markup import escape

from qualframe.cli.accounts import DbOpt, JsonOpt, _store
from qualframe.cli.output import console, fail, print_json

T = TypeVar("T")


def _write(store: Any, op: Callable[[Any], T]) -> T:
    """Run `op(tx)` in an audited transaction; expected failures become one error line and exit 1."""
    from qualframe.accounts.values import InvalidValue
    from qualframe.credentials.keys import SecretKeyMissing
    from qualframe.credentials.recognition import RecognitionError
    from qualframe.store.accounts import AccountError, Actor, audited

    try:
        with audited(store, Actor.cli()) as tx:
            return op(tx)
    except AccountError as exc:
        fail(exc.message)
    except (InvalidValue, RecognitionError, SecretKeyMissing) as exc:
        fail(str(exc))


def _say(text: str) -> None:
    """Print data as it is: no markup, no emoji codes (a did:key would otherwise show a key emoji)."""
    console.print(escape(text), highlight=False, emoji=False)


def _kek() -> Any:
    from qualframe.credentials.keys import KeyEncryptionKey, SecretKeyMissing

    try:
        return KeyEncryptionKey.from_environment()
    except SecretKeyMissing as exc:
        fail(str(exc))


# --- centre keys --------------------------------------------------------------------------------------------

def key_create(slug: Annotated[str, typer.Argument(help="The recognition centre's slug.")], db: DbOpt = None,
               json_out: JsonOpt = False) -> None:
    """Generate the centre's Ed25519 signing key (sealed under the key-encryption key)."""
    _key(slug, db, json_out, rotate=False)


def key_rotate(slug: Annotated[str, typer.Argument(help="The recognition centre's slug.")], db: DbOpt = None,
               json_out: JsonOpt = False) -> None:
    """Replace the centre's signing key; old keys are kept so what they signed keeps verifying."""
    _key(slug, db, json_out, rotate=True)


def _key(slug: str, db: str | None, json_out: bool, *, rotate: bool) -> None:
    from qualframe.store import credentials as cs

    kek = _kek()
    with _store(db) as store:
        key = _write(store, lambda tx: (cs.rotate_key if rotate else cs.create_key)(tx, slug, kek))
    if json_out:
        print_json({"org": slug, **key.to_dict()})
    else:
        _say(f"{slug}: new signing key {key.key_id}\nDID {key.did}"
             + (" (older keys retired, still verifying)" if rotate else ""))


# --- programmes and assessments ------------------------------------------------------------------------------

def programme_add(
    slug: Annotated[str, typer.Argument(help="The recognition centre's slug.")],
    row: Annotated[str, typer.Option("--row", help="Framework row, e.g. 3.1-07.")],
    title: Annotated[str, typer.Option("--title", help="The qualification's name as certificates state it.")],
    method: Annotated[list[str], typer.Option("--method", help="test, practical, portfolio or interview "
                                                                "(repeatable).")],
    rule: Annotated[list[str] | None, typer.Option("--rule", help="Pass rule per column: COLUMN=all or "
                                                                   "COLUMN=N (at least N met); default all.")] = None,
    descriptor: Annotated[list[str] | None, typer.Option("--descriptor", help="Covered descriptor id "
                                                                              "(repeatable; default: the whole row).")
                          ] = None,
    validity_years: Annotated[int, typer.Option(help="Years a certificate is valid.", min=1, max=50)] = 5,
    db: DbOpt = None, json_out: JsonOpt = False,
) -> None:
    """Define a qualification programme of a recognition centre on a framework row."""
    from qualframe.dataset import DEFAULT_FRAMEWORK_ID
    from qualframe.store import credentials as cs
    from qualframe.store import prepare

    rules: dict[str, str] = {}
    for r in rule or []:
        col, sep, val = r.partition("=")
        if not sep:
            fail(f"--rule {r!r}: expected COLUMN=all or COLUMN=N")
        rules[col] = val
    with _store(db) as store:
        prepare(store)
        fw = store.get_framework(DEFAULT_FRAMEWORK_ID)
        prog = _write(store, lambda tx: cs.add_programme(tx, slug, fw, row_id=row, title=title,
                                                         descriptors=descriptor or None, methods=method,
                                                         rules=rules, validity_years=validity_years))
    if json_out:
        print_json(prog.to_dict())
    else:
        d = prog.to_dict()
        _say(f"programme {prog.id} of {slug}: «{prog.title}» on row {d['row_id']}, "
                      f"{sum(len(v) for v in d['descriptors'].values())} descriptors, methods "
                      f"{', '.join(d['methods'])}, pass rule "
                      + "; ".join(f"{c}: {v}" for c, v in d["pass_rules"].items()))


def assessment_add(
    slug: Annotated[str, typer.Argument(help="The recognition centre's slug.")],
    programme: Annotated[int, typer.Option("--programme", help="Programme id.")],
    name: Annotated[str, typer.Option("--name", help="The candidate's full name.")],
    on: Annotated[str, typer.Option("--date", help="Assessment date, YYYY-MM-DD.")],
    assessor: Annotated[list[str], typer.Option("--assessor", help="An assessor's name (repeatable).")],
    results: Annotated[Path | None, typer.Option("--results", help="JSON file: descriptor id -> "
                                                                   "{met, evidence}.")] = None,
    all_met: Annotated[bool, typer.Option("--all-met", help="Every covered descriptor met.")] = False,
    iin: Annotated[str | None, typer.Option("--iin", help="The candidate's IIN (checked; kept only as a keyed "
                                                          "hash).")] = None,
    db: DbOpt = None, json_out: JsonOpt = False,
) -> None:
    """Record an assessment; its outcome follows from the programme's pass rules."""
    from qualframe.store import credentials as cs

    try:
        day = date.fromisoformat(on)
    except ValueError:
        fail(f"--date {on!r}: expected YYYY-MM-DD")
    with _store(db) as store:
        with store.engine.connect() as conn:
            prog = _write_free(lambda: cs.get_programme(conn, slug, programme))
        if results is not None:
            try:
                given = json.loads(results.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                fail(f"--results {results}: {exc}")
        elif all_met:
            given = {d: {"met": True, "evidence": ""} for ids in prog.spec["descriptors"].values() for d in ids}
        else:
            fail("give --results FILE or --all-met")
        secret = cs.iin_key(store) if iin else None
        a = _write(store, lambda tx: cs.record_assessment(tx, slug, programme_id=programme, candidate_name=name,
                                                          assessed_on=day, assessors=assessor, results=given,
                                                          iin=iin, iin_secret=secret))
    if json_out:
        print_json(a.to_dict())
    else:
        _say(f"assessment {a.id} of {slug}: {a.candidate_name}, {a.outcome['outcome']} ("
             + "; ".join(f"{c}: {v['summary']}" for c, v in a.outcome["columns"].items()) + ")")


def _write_free(fn: Callable[[], T]) -> T:
    from qualframe.store.accounts import AccountError

    try:
        return fn()
    except AccountError as exc:
        fail(exc.message)


# --- certificates -------------------------------------------------------------------------------------------

def issue(
    slug: Annotated[str, typer.Argument(help="The recognition centre's slug.")],
    assessment: Annotated[int, typer.Argument(help="The id of a passed assessment.")],
    consent: Annotated[str, typer.Option("--consent", help="How the public register shows the holder's name: "
                                                           "full or masked.")] = "masked",
    out: Annotated[Path | None, typer.Option("--out", help="Write the signed credential (JSON) here.")] = None,
    db: DbOpt = None, json_out: JsonOpt = False,
) -> None:
    """Issue the certificate (a signed OpenBadgeCredential) of a passed assessment."""
    from qualframe.store import credentials as cs

    kek = _kek()
    with _store(db) as store:
        cert = _write(store, lambda tx: cs.issue_certificate(tx, slug, assessment, kek, consent=consent))
    if out is not None:
        out.write_text(cert.credential_json, encoding="utf-8")
    if json_out:
        print_json({**cert.to_dict(), "verifiableCredential": cert.credential})
    else:
        _say(f"certificate {cert.number} issued to {cert.holder_display()} (register shows "
             f"{cert.holder_consent} name), valid {cert.public_dict()['valid_from'][:10]} to "
             f"{(cert.public_dict()['valid_until'] or '')[:10]}"
             + (f"; credential written to {out}" if out else ""))


def _read_ids(path: Path) -> list[int]:
    """Assessment ids from a file: numbers separated by spaces, commas or lines; '#' starts a comment."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{path}: cannot be read: {exc}", 2)
    ids: list[int] = []
    bad: list[str] = []
    for n, line in enumerate(text.splitlines(), start=1):
        for word in line.split("#", 1)[0].replace(",", " ").split():
            if word.isascii() and word.isdigit() and 0 < int(word) < 2**31:
                ids.append(int(word))
            else:
                bad.append(f"{path}:{n}: {word[:40]!r} is not an assessment id")
    if bad:
        fail("\n".join(bad[:20]) + (f"\n… and {len(bad) - 20} more" if len(bad) > 20 else ""), 2)
    if not ids:
        fail(f"{path}: no assessment ids in the file", 2)
    return ids


def _progress(label: str, quiet: bool) -> Any:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from qualframe.cli.output import err_console

    # on stderr, so --json output on stdout stays one JSON document
    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                    TimeElapsedColumn(), TimeRemainingColumn(), console=err_console, disable=quiet)


def issue_batch(
    slug: Annotated[str, typer.Argument(help="The recognition centre's slug.")],
    all_passed: Annotated[bool, typer.Option("--all-passed", help="Every passed assessment of the centre "
                                                                  "without a certificate.")] = False,
    ids: Annotated[Path | None, typer.Option("--ids", help="File of assessment ids (spaces, commas or lines; "
                                                           "'#' comments), issued in that order.")] = None,
    programme: Annotated[int | None, typer.Option("--programme", help="Only assessments of this programme.")] = None,
    consent: Annotated[str, typer.Option("--consent", help="How the public register shows the holders' names: "
                                                           "full or masked.")] = "masked",
    chunk: Annotated[int, typer.Option("--chunk", min=1, max=1000, help="Certificates per transaction (a "
                                       "transaction holds the audit lock while it signs).")] = 50,
    out_dir: Annotated[Path | None, typer.Option("--out-dir", help="Write each signed credential to "
                                                                   "DIR/NUMBER.json.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
    db: DbOpt = None, json_out: JsonOpt = False,
) -> None:
    """Issue the certificates of many passed assessments, in chunks of one transaction each.

    A failure names the assessment and keeps the chunks committed before it; running the same command
    again resumes where it stopped and never issues a certificate twice. Exit 0 done, 1 refused or
    stopped by a failure, 2 unusable input.
    """
    import time

    from qualframe.credentials.recognition import CONSENTS
    from qualframe.store import credentials as cs
    from qualframe.store.accounts import AccountError, Actor, audited

    if all_passed == (ids is not None):
        fail("give either --all-passed or --ids FILE", 2)
    if consent not in CONSENTS:
        fail(f"--consent {consent!r}: full or masked", 2)
    wanted = _read_ids(ids) if ids is not None else None
    kek = _kek()  # refuse before touching anything without the key-encryption key
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    with _store(db) as store:
        with store.engine.connect() as conn:
            sel = _write_free(lambda: cs.batch_selection(conn, slug, ids=wanted, programme_id=programme))
        if sel.problems:
            lines = [f"assessment {aid}: {why}" for aid, why in sel.problems]
            fail(f"{len(sel.problems)} assessment(s) cannot become certificates; nothing was issued:\n"
                 + "\n".join(lines[:50]) + (f"\n… and {len(lines) - 50} more" if len(lines) > 50 else ""))
        issued: list[Any] = []
        failure: str | None = None
        t0 = time.perf_counter()
        with _progress("issuing", quiet or not sel.pending) as bar:
            task = bar.add_task("issue", total=len(sel.pending))
            try:
                for i in range(0, len(sel.pending), chunk):
                    part = sel.pending[i:i + chunk]
                    with audited(store, Actor.cli()) as tx:
                        certs = cs.issue_chunk(tx, slug, part, kek, consent=consent)
                    issued += certs
                    if out_dir is not None:
                        for c in certs:
                            tmp = out_dir / f".{c.number}.json.tmp"
                            tmp.write_text(c.credential_json, encoding="utf-8")
                            tmp.replace(out_dir / f"{c.number}.json")
                    bar.advance(task, len(part))
            except AccountError as exc:  # BatchIssueError names the assessment; its chunk was rolled back
                failure = exc.message
            except KeyboardInterrupt:
                failure = "interrupted"
        took = time.perf_counter() - t0
    summary = {"org": slug, "issued": len(issued), "already_certified": len(sel.already),
               "remaining": len(sel.pending) - len(issued), "seconds": round(took, 2),
               "per_second": round(len(issued) / took, 1) if issued and took > 0 else None,
               "first": issued[0].number if issued else None, "last": issued[-1].number if issued else None,
               "failure": failure, "certificates": [{"assessment_id": c.assessment_id, "number": c.number}
                                                    for c in issued]}
    if json_out:
        print_json(summary)
    else:
        rate = f" in {took:.1f} s ({summary['per_second']}/s)" if issued else ""
        _say(f"{slug}: {len(issued)} certificate(s) issued{rate}"
             + (f", {issued[0].number} … {issued[-1].number}" if issued else "")
             + (f"; {len(sel.already)} assessment(s) already had one" if sel.already else "")
             + (f"; credentials written to {out_dir}" if out_dir and issued else ""))
    if failure is not None:
        fail(f"{failure}; the {len(issued)} certificate(s) issued before it are committed; "
             f"{summary['remaining']} not issued: fix the cause and run the command again to resume", 1)


def assessment_import(
    slug: Annotated[str, typer.Argument(help="The recognition centre's slug.")],
    file: Annotated[Path, typer.Argument(help="CSV or XLSX: name, date, assessors, iin, evidence and one column "
                                              "per covered descriptor id (met: 1/0, yes/no, иә/жоқ, да/нет).")],
    programme: Annotated[int, typer.Option("--programme", help="Programme id.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every row; record nothing.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
    db: DbOpt = None, json_out: JsonOpt = False,
) -> None:
    """Record a campaign's assessments from a spreadsheet: every row or none.

    Every problem is reported as FILE:LINE: FIELD: message and nothing is recorded (exit 1); an unreadable
    file exits 2. Rows already recorded (same name, date and IIN) are refused, so a file imports once.
    """
    from qualframe.interop.assessment_io import AssessmentFileError, read_assessments
    from qualframe.store import credentials as cs

    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"{file}: cannot be read: {exc}", 2)
    with _store(db) as store:
        with store.engine.connect() as conn:
            prog = _write_free(lambda: cs.get_programme(conn, slug, programme))
        descriptors = [d for ids in prog.spec["descriptors"].values() for d in ids]
        try:
            sheet = read_assessments(data, descriptors, file.name)
        except AssessmentFileError as exc:
            fail(f"{file}: {exc}", 2)
        secret = cs.iin_key(store) if any(ln.iin for ln in sheet.lines) else None
        with store.engine.connect() as conn:  # the rows that parsed are checked as `assessment add` would
            checked = _write_free(lambda: cs.check_import(conn, slug, programme, sheet.lines, secret))
        problems = sorted([(e.line, e.field, e.message) for e in sheet.errors] + checked.problems)
        count = sheet.error_count + len(checked.problems)
        if problems:
            if json_out:
                print_json({"file": str(file), "recorded": 0, "problems": [
                    {"line": ln, "field": f, "message": m} for ln, f, m in problems]})
            for ln, f, m in problems[:100]:
                _say_err(f"{file}:{ln}: {f}: {m}")
            fail(f"{count} problem(s); nothing was recorded" + (" (first 100 shown)" if count > 100 else ""))
        if dry_run:
            passed = sum(1 for _ln, c in checked.rows if c.outcome.passed)
            if json_out:
                print_json({"file": str(file), "recorded": 0, "rows": len(checked.rows), "passed": passed})
            else:
                _say(f"{file}: {len(checked.rows)} row(s) check out ({passed} passed); nothing recorded (dry run)")
            return
        with _progress("recording", quiet) as bar:
            task = bar.add_task("record", total=len(sheet.lines))
            recorded = _write_import(store, lambda tx: cs.import_assessments(
                tx, slug, programme, sheet.lines, secret, lambda: bar.advance(task)))
    passed = sum(1 for a in recorded if a.passed)
    if json_out:
        print_json({"file": str(file), "recorded": len(recorded), "passed": passed,
                    "first_id": recorded[0].id if recorded else None, "last_id": recorded[-1].id if recorded else None})
    else:
        _say(f"{file}: {len(recorded)} assessment(s) of {slug} recorded ({passed} passed, {len(recorded) - passed} "
             f"not passed)" + (f", ids {recorded[0].id}–{recorded[-1].id}" if recorded else "")
             + (f"; next: qualframe credential issue-batch {slug} --all-passed" if passed else ""))


def _write_import(store: Any, op: Callable[[Any], T]) -> T:
    from qualframe.store.accounts import Actor, audited
    from qualframe.store.credentials import ImportRejected

    try:
        with audited(store, Actor.cli()) as tx:
            return op(tx)
    except ImportRejected as exc:  # rows recorded by a concurrent import meanwhile: checked again under the lock
        for ln, f, m in exc.problems[:100]:
            _say_err(f"line {ln}: {f}: {m}")
        fail(exc.message)


def _say_err(text: str) -> None:
    from qualframe.cli.output import err_console

    err_console.print(escape(text), highlight=False, emoji=False)


def _status(number: str, action: str, reason: str, db: str | None, json_out: bool) -> None:
    from qualframe.store import credentials as cs

    with _store(db) as store:
        cert = _write(store, lambda tx: cs.set_status(tx, number.strip().upper(), action, reason))
    if json_out:
        print_json(cert.to_dict())
    else:
        _say(f"certificate {cert.number}: {cert.status}")


ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (recorded in the audit trail).")]
NumberArg = Annotated[str, typer.Argument(help="Certificate number, e.g. KAZCERT-2026-000001.")]


def revoke(number: NumberArg, reason: ReasonOpt, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Revoke a certificate (final)."""
    _status(number, "revoke", reason, db, json_out)


def suspend(number: NumberArg, reason: ReasonOpt, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Suspend a certificate until unsuspended."""
    _status(number, "suspend", reason, db, json_out)


def unsuspend(number: NumberArg, reason: ReasonOpt, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Lift a suspension."""
    _status(number, "unsuspend", reason, db, json_out)


def add_credential_commands(group: typer.Typer) -> None:
    """The centre's commands in the `credential` group (next to `verify`)."""
    group.command("issue")(issue)
    group.command("issue-batch")(issue_batch)
    group.command("revoke")(revoke)
    group.command("suspend")(suspend)
    group.command("unsuspend")(unsuspend)


def register(app: typer.Typer) -> None:
    centre = typer.Typer(help="Recognition centres: signing keys.", no_args_is_help=True)
    key = typer.Typer(help="The centre's Ed25519 signing keys.", no_args_is_help=True)
    key.command("create")(key_create)
    key.command("rotate")(key_rotate)
    centre.add_typer(key, name="key")
    app.add_typer(centre, name="centre")
    programme = typer.Typer(help="Qualification programmes of recognition centres.", no_args_is_help=True)
    programme.command("add")(programme_add)
    app.add_typer(programme, name="programme")
    assessment = typer.Typer(help="Assessments of candidates.", no_args_is_help=True)
    assessment.command("add")(assessment_add)
    assessment.command("import")(assessment_import)
    app.add_typer(assessment, name="assessment")
