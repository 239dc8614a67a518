"""Credential commands: `credential verify FILE [--status-list FILE] [--key VM=MULTIKEY] [--json]`.

Verification is fully offline: did:key keys, the shipped contexts, and a status list read from a file.
Exit codes: 0 valid, 1 invalid (reasons printed), 2 unusable input (unreadable, not JSON, not a credential).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from qualframe.cli.output import console, fail, print_json
from qualframe.credentials.dataintegrity import did_key_resolver
from qualframe.credentials.didkey import DidKeyError, decode_public_key_multibase
from qualframe.credentials.verify import UnusableInput, VerificationResult, verify_document

MAX_INPUT_BYTES = 5 * 1024 * 1024  # a credential is a few KiB; a status list well under 1 MiB

_STYLE = {"ok": "green", "failed": "bold red", "not-checked": "yellow"}


def _read_json(path: Path, what: str) -> Any:
    """Parse a JSON file (or '-' for stdin); exit 2 naming the file and the problem."""
    try:
        if str(path) == "-":
            data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        else:
            with path.open("rb") as fh:
                data = fh.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        fail(f"{what} {path}: cannot read it ({exc.strerror})", 2)
    if len(data) > MAX_INPUT_BYTES:
        fail(f"{what} {path}: larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB", 2)
    try:
        return json.loads(data)
    except UnicodeDecodeError:
        fail(f"{what} {path}: not UTF-8 text", 2)
    except json.JSONDecodeError as exc:
        fail(f"{what} {path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", 2)


def _status_entries(document: Any) -> list[dict[str, Any]]:
    docs = [document] if isinstance(document, dict) else []
    if docs and isinstance(document.get("verifiableCredential"), list | dict):
        vcs = document["verifiableCredential"]
        docs += [vc for vc in (vcs if isinstance(vcs, list) else [vcs]) if isinstance(vc, dict)]
    entries = []
    for doc in docs:
        status = doc.get("credentialStatus")
        entries += [e for e in (status if isinstance(status, list) else [status]) if isinstance(e, dict)]
    return entries


def _match_status_lists(document: Any, lists: list[Any]) -> dict[str, Any]:
    """statusListCredential URL -> the given list: the one with that id, else the only given list of that purpose.

    The fallback lets a list saved under another id (a copy, a test fixture) be checked; its proof and issuer
    are still verified.
    """
    def purpose(listed: Any) -> Any:
        subject = listed.get("credentialSubject") if isinstance(listed, dict) else None
        return subject.get("statusPurpose") if isinstance(subject, dict) else None

    by_id = {listed.get("id"): listed for listed in lists if isinstance(listed, dict)}
    out: dict[str, Any] = {}
    for entry in _status_entries(document):
        url = entry.get("statusListCredential")
        if not isinstance(url, str):
            continue
        if url in by_id:
            out[url] = by_id[url]
            continue
        same = [listed for listed in lists if purpose(listed) == entry.get("statusPurpose")]
        if len(same) == 1:
            out[url] = same[0]
    return out


def _print(result: VerificationResult, indent: str = "") -> None:
    word = "VALID" if result.verified else "REVOKED" if result.revoked else "SUSPENDED" if result.suspended \
        else "INVALID"
    style = "bold green" if result.verified else "bold red"
    console.print(f"{indent}[{style}]{word}[/] {result.kind} {escape(result.document_id or '(no id)')}",
                  highlight=False, emoji=False)
    for check in result.checks:
        first, *rest = check.reasons or [""]
        console.print(f"{indent}  [{_STYLE[check.status]}]{check.status:<11}[/] {check.name:<11} {escape(first)}",
                      highlight=False, emoji=False)
        for reason in rest:
            console.print(f"{indent}  {'':<11} {'':<11} {escape(reason)}", highlight=False, emoji=False)
    for i, sub in enumerate(result.credentials):
        console.print(f"{indent}  credential {i}:", highlight=False, emoji=False)
        _print(sub, indent + "    ")


def verify(
    file: Annotated[Path, typer.Argument(help="The credential or presentation (JSON); '-' reads stdin.")],
    status_list: Annotated[list[Path] | None, typer.Option(
        "--status-list", help="A BitstringStatusListCredential (JSON file) to check the status against; "
                              "repeat for a revocation and a suspension list.")] = None,
    key: Annotated[list[str] | None, typer.Option(
        "--key", help="Trust a key for a non-did:key verification method: VM=z6Mk… (repeatable).")] = None,
    online: Annotated[bool, typer.Option(
        "--online", help="Fetch status lists from their URLs (not available yet: refused).")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Verify a credential or presentation offline: proof, contexts, terms, dates, status."""
    if online:
        fail("--online is not available yet: nothing is fetched; give the status list with --status-list FILE", 2)
    keys: dict[str, bytes] = {}
    for item in key or []:
        vm, sep, multikey = item.partition("=")
        if not sep or not vm:
            fail(f"--key {item!r}: expected VERIFICATION_METHOD=z6Mk…", 2)
        try:
            keys[vm] = decode_public_key_multibase(multikey)
        except DidKeyError as exc:
            fail(f"--key {vm}: {exc}", 2)
    document = _read_json(file, "credential")
    lists = [_read_json(p, "status list") for p in status_list or []]
    by_url = _match_status_lists(document, lists)

    def resolve_key(vm: str) -> bytes | None:
        return keys[vm] if vm in keys else did_key_resolver(vm)

    try:
        result = verify_document(document, resolve_key=resolve_key,
                                 resolve_status_list=by_url.get if lists else None)
    except UnusableInput as exc:
        fail(f"{file}: {exc}", 2)
    if json_out:
        print_json(result.to_json())
    else:
        _print(result)
    raise typer.Exit(0 if result.verified else 1)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Verifiable credentials (certificates): verify offline.", no_args_is_help=True)
    group.command("verify")(verify)
    from qualframe.cli.certificates import add_credential_commands

    add_credential_commands(group)  # issue, revoke, suspend, unsuspend (the centres' side)
    app.add_typer(group, name="credential")
