"""Multibase encodings used by Data Integrity proofs and status lists: base58btc ('z') and base64url ('u')."""

from __future__ import annotations

import base64

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}


class MultibaseError(ValueError):
    """A multibase string that cannot be decoded (wrong prefix or alphabet)."""


def b58encode(data: bytes) -> str:
    """Bitcoin base58 (leading zero bytes become '1's)."""
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, rem = divmod(n, 58)
        out.append(_B58_ALPHABET[rem])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    """Inverse of b58encode; raises MultibaseError on a character outside the alphabet."""
    n = 0
    for ch in text:
        try:
            n = n * 58 + _B58_INDEX[ch]
        except KeyError:
            raise MultibaseError(f"invalid base58 character {ch!r}") from None
    zeros = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * zeros + body


def encode_base58btc(data: bytes) -> str:
    """Multibase base58btc: 'z' + base58."""
    return "z" + b58encode(data)


def decode_base58btc(value: str) -> bytes:
    """Decode a multibase base58btc string ('z' prefix required)."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise MultibaseError("expected a multibase base58btc value starting with 'z'")
    return b58decode(value[1:])


def encode_base64url(data: bytes) -> str:
    """Multibase base64url without padding: 'u' + base64url."""
    return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode_base64url(value: str) -> bytes:
    """Decode a multibase base64url string ('u' prefix required, padding optional)."""
    if not isinstance(value, str) or not value.startswith("u"):
        raise MultibaseError("expected a multibase base64url value starting with 'u'")
    body = value[1:]
    try:
        return base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
    except ValueError as exc:
        raise MultibaseError(f"invalid base64url: {exc}") from None
