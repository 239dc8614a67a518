"""Secrets handed to clients: session ids, API tokens and CSRF tokens. Only digests are ever stored.

* A session id is 32 random bytes (256 bits), URL-safe; the store keeps its SHA-256.
* An API token reads `qf_<prefix>_<secret>`: the 8-character prefix is shown in listings to tell tokens
  apart, the 32-byte secret makes it unguessable; the store keeps the SHA-256 of the whole string.
* A CSRF token is an HMAC of the session (or, for anonymous forms, of a random cookie nonce) under a
  key kept in the database, so every server process computes the same token.

A plain SHA-256 suffices for these (unlike passwords): the secrets are random and 256 bits long.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

TOKEN_PREFIX = "qf_"
_TOKEN_RE = re.compile(r"^qf_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{43})$")
_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def digest(secret: str) -> str:
    """The stored form of a random secret (session id or API token)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def new_api_token() -> tuple[str, str]:
    """A fresh API token and its display prefix: (token, prefix)."""
    prefix = "".join(secrets.choice(_ALNUM) for _ in range(8))
    return f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}", prefix


def looks_like_api_token(value: str) -> bool:
    """Cheap shape check before touching the database (bounds the work for junk headers)."""
    return bool(_TOKEN_RE.match(value))


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


def csrf_token(key: bytes, purpose: str, subject: str) -> str:
    """The CSRF token for `subject` (a session digest or an anonymous nonce)."""
    return hmac.new(key, f"{purpose}\0{subject}".encode(), hashlib.sha256).hexdigest()


def csrf_matches(key: bytes, purpose: str, subject: str, candidate: str) -> bool:
    return hmac.compare_digest(csrf_token(key, purpose, subject), candidate or "")
