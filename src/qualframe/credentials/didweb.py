"""did:web for recognition centres: the DID, its document, and key resolution from a DID document.

A centre's DID may also be served by the instance as `did:web:<host>:orgs:<slug>` (a port in the host is
percent-encoded, `localhost%3A8000`), resolved at `https://<host>/orgs/<slug>/did.json`. Its document lists
every key of the centre, current and rotated, as a `Multikey` verification method `<did>#<public multikey>`
(public keys only), each usable for assertions, so certificates signed before a rotation keep verifying.
Resolution here is pure: the caller supplies the DID document (the server from its database, the CLI from a
file or, when asked, over https).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

from qualframe.credentials.didkey import DidKeyError, decode_public_key_multibase, public_key_multibase

DID_V1 = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
PREFIX = "did:web:"

HOST_ENV = "QUALFRAME_DID_WEB_HOST"

# host[:port] as did:web writes it (the port's colon percent-encoded); lower-case letters, digits, dots, dashes.
# At most 70 characters: a verification method id (DID#multikey) must fit the 200-character key columns.
_HOST = re.compile(r"[a-z0-9]([a-z0-9.-]{0,68}[a-z0-9])?(%3a[0-9]{1,5})?")
_SEGMENT = re.compile(r"[A-Za-z0-9._-]{1,100}")


class DidWebError(ValueError):
    """A did:web (or DID document) that is malformed or does not hold the key asked for."""


def configured_host() -> str | None:
    """The instance's did:web host ($QUALFRAME_DID_WEB_HOST, e.g. `certs.example.kz`), or None: did:web is off."""
    host = os.environ.get(HOST_ENV, "").strip()
    return encode_host(host) if host else None


def encode_host(host: str) -> str:
    """`host` or `host:port` in did:web form (lower case, the port's colon as %3A); DidWebError if invalid."""
    text = (host or "").strip().lower().replace("%3a", ":")
    name, sep, port = text.partition(":")
    encoded = name + (f"%3a{port}" if sep else "")
    if not _HOST.fullmatch(encoded) or (sep and not port.isdigit()):
        raise DidWebError(f"{host!r} is not a host name (with an optional :port) for did:web")
    return encoded.replace("%3a", "%3A")


def centre_did(host: str, slug: str) -> str:
    """The did:web of a centre served by this instance: did:web:<host>:orgs:<slug>."""
    if not _SEGMENT.fullmatch(slug or ""):
        raise DidWebError(f"{slug!r} cannot be a did:web path segment")
    return f"{PREFIX}{encode_host(host)}:orgs:{slug}"


def parse(did: str) -> tuple[str, list[str]]:
    """(host as written in the DID, path segments) of a did:web DID (a fragment is ignored)."""
    if not isinstance(did, str) or not did.startswith(PREFIX):
        raise DidWebError("not a did:web")
    host, *path = did[len(PREFIX):].partition("#")[0].split(":")
    if not _HOST.fullmatch(host.lower()) or any(not _SEGMENT.fullmatch(p) for p in path):
        raise DidWebError(f"{did!r} is not a well-formed did:web")
    return host, path


def document_url(did: str) -> str:
    """The https URL of a did:web DID's document (did.json under its path, or /.well-known/did.json)."""
    host, path = parse(did)
    base = f"https://{unquote(host)}"
    return f"{base}/{'/'.join(path)}/did.json" if path else f"{base}/.well-known/did.json"


def centre_slug(did: str, host: str) -> str | None:
    """The slug of `did` when it is a centre DID of this instance's `host` (did:web:<host>:orgs:<slug>), else None."""
    try:
        got_host, path = parse(did)
        ours = encode_host(host)
    except DidWebError:
        return None
    if got_host.lower() != ours.lower() or len(path) != 2 or path[0] != "orgs":
        return None
    return path[1]


def verification_method(did: str, public_key_multibase: str) -> str:
    """The verification method id of a key in a did:web document: <did>#<public multikey>."""
    return f"{did}#{public_key_multibase}"


def did_document(did: str, public_keys: Iterable[str]) -> dict[str, Any]:
    """The DID document of `did` listing each public multikey (oldest first) as a Multikey method."""
    methods = [{"id": verification_method(did, mb), "type": "Multikey", "controller": did, "publicKeyMultibase": mb}
               for mb in dict.fromkeys(public_keys)]
    ids = [m["id"] for m in methods]
    return {"@context": [DID_V1, MULTIKEY_V1], "id": did, "verificationMethod": methods,
            "assertionMethod": list(ids), "authentication": list(ids)}


def resolve_key(vm: str, document: dict[str, Any], purpose: str = "assertionMethod") -> bytes:
    """The raw Ed25519 key of verification method `vm` in a did:web DID document.

    The document must be the DID's own, the method one of its `verificationMethod`s controlled by it and
    listed under `purpose`; DidWebError names what does not hold.
    """
    did = vm.partition("#")[0]
    parse(did)
    if not isinstance(document, dict) or document.get("id") != did:
        raise DidWebError(f"the DID document given is not the document of {did}")
    methods = [m for m in document.get("verificationMethod") or [] if isinstance(m, dict)]
    method = next((m for m in methods if m.get("id") in (vm, "#" + vm.partition("#")[2])), None)
    if method is None:
        raise DidWebError(f"{vm} is not a verification method of {did}")
    if method.get("controller") != did:
        raise DidWebError(f"{vm} is not controlled by {did}")
    if method.get("type") not in ("Multikey", "Ed25519VerificationKey2020"):
        raise DidWebError(f"{vm}: key type {method.get('type')!r} is not supported (Multikey, Ed25519)")
    allowed = [r if isinstance(r, str) else r.get("id") if isinstance(r, dict) else None
               for r in document.get(purpose) or []]
    if vm not in allowed and "#" + vm.partition("#")[2] not in allowed:
        raise DidWebError(f"{vm} is not listed under {purpose} in the DID document of {did}")
    try:
        return decode_public_key_multibase(method.get("publicKeyMultibase") or "")
    except DidKeyError as exc:
        raise DidWebError(f"{vm}: {exc}") from None


class DidWebSigner:
    """A centre's unlocked key naming its did:web verification method instead of its did:key one."""

    __slots__ = ("_signer", "public_key", "verification_method")

    def __init__(self, signer: Any, did: str) -> None:
        parse(did)
        self._signer = signer
        self.public_key: bytes = signer.public_key
        self.verification_method = verification_method(did, public_key_multibase(signer.public_key))

    def sign(self, data: bytes) -> bytes:
        """Ed25519 signature by the wrapped key."""
        return self._signer.sign(data)

    def __repr__(self) -> str:
        return f"DidWebSigner({self.verification_method})"

    def __reduce__(self) -> Any:
        raise TypeError("a signing key cannot be pickled")
