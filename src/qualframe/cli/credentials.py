"""Credential commands: `credential verify FILE [--status-list FILE] [--key VM=MULTIKEY] [--did-document FILE]
[--online] [--json]`.

Verification is offline by default: did:key keys, the shipped contexts, a status list and a did:web DID document
read from files. With --online (and only then) a did:web document and status lists not given as files are
fetched over https. Exit codes: 0 valid, 1 invalid (reasons printed), 2 unusable input (unreadable, not JSON, not a
credential, or a did:web key without its DID document).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from qualframe.cli.output import console, fail, print_json
from qualframe.credentials import didweb
from qualframe.credentials.dataintegrity import did_key_resolver
from qualframe.credentials.didkey import DidKeyError, decode_public_key_multibase
from qualframe.credentials.verify import UnusableInput, VerificationResult, verify_document

MAX_INPUT_BYTES = 5 * 1024 * 1024  # a credential is a few KiB; a status list well under 1 MiB
FETCH_TIMEOUT = 10.0

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


def _documents(document: Any) -> list[dict[str, Any]]:
    """A credential, or a presentation and the credentials it carries."""
    docs = [document] if isinstance(document, dict) else []
    if docs and isinstance(document.get("verifiableCredential"), list | dict):
        vcs = document["verifiableCredential"]
        docs += [vc for vc in (vcs if isinstance(vcs, list) else [vcs]) if isinstance(vc, dict)]
    return docs


def _status_entries(document: Any) -> list[dict[str, Any]]:
    docs = _documents(document)
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


def _proof_methods(document: Any) -> list[str]:
    """Verification methods named by the proofs of a credential or presentation (and its credentials)."""
    docs = _documents(document)
    methods = []
    for doc in docs:
        proofs = doc.get("proof")
        for proof in proofs if isinstance(proofs, list) else [proofs]:
            if isinstance(proof, dict) and isinstance(proof.get("verificationMethod"), str):
                methods.append(proof["verificationMethod"])
    return methods


def fetch_json(url: str, what: str) -> Any:
    """GET an https URL as JSON (--online only); exit 2 naming the URL and the problem."""
    import urllib.error
    import urllib.request

    if not url.startswith("https://"):
        fail(f"{what} {url}: only https URLs are fetched", 2)
    request = urllib.request.Request(url, headers={"Accept": "application/json, application/did+ld+json, */*"})
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:
            data = response.read(MAX_INPUT_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        fail(f"{what} {url}: cannot fetch it ({getattr(exc, 'reason', exc)})", 2)
    if len(data) > MAX_INPUT_BYTES:
        fail(f"{what} {url}: larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB", 2)
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{what} {url}: not JSON ({exc})", 2)


def _did_documents(document: Any, files: list[Path], online: bool, keys: dict[str, bytes]) -> dict[str, Any]:
    """DID -> its did:web document, from --did-document files, else (with --online) fetched; exit 2 if missing."""
    given = [_read_json(p, "DID document") for p in files]
    by_did = {d.get("id"): d for d in given if isinstance(d, dict) and isinstance(d.get("id"), str)}
    for vm in _proof_methods(document):
        did = vm.partition("#")[0]
        if not did.startswith(didweb.PREFIX) or did in by_did or vm in keys:
            continue
        if not online:
            fail(f"{vm} is a did:web key: verifying it needs the DID document of {did}. Give it with "
                 f"--did-document FILE (it is served at {_did_url(did)}), or pass --online to fetch it", 2)
        by_did[did] = fetch_json(_did_url(did), "DID document")
    return by_did


def _did_url(did: str) -> str:
    try:
        return didweb.document_url(did)
    except didweb.DidWebError as exc:
        fail(f"{did}: {exc}", 2)


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
    did_document: Annotated[list[Path] | None, typer.Option(
        "--did-document", help="The DID document (JSON file) of a did:web issuer, e.g. saved from "
                               "https://<host>/orgs/<slug>/did.json (repeatable).")] = None,
    online: Annotated[bool, typer.Option(
        "--online", help="Fetch over https what is not given as a file: did:web documents and status lists.")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Verify a credential or presentation offline: proof, contexts, terms, dates, status."""
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
    documents = _did_documents(document, did_document or [], online, keys)

    def resolve_key(vm: str) -> bytes | None:
        if vm in keys:
            return keys[vm]
        did = vm.partition("#")[0]
        if did in documents:
            return didweb.resolve_key(vm, documents[did])  # DidWebError: the proof fails with the reason
        return did_key_resolver(vm)

    def resolve_status_list(url: str) -> Any:
        if url in by_url:
            return by_url[url]
        return fetch_json(url, "status list") if online else None

    try:
        result = verify_document(document, resolve_key=resolve_key,
                                 resolve_status_list=resolve_status_list if lists or online else None)
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
