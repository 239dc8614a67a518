"""Kazakh individual identification numbers (IIN, ЖСН/ИИН): validation and hashing; an IIN is never stored or shown.

Format YYMMDDGNNNNC: birth date, G in 1–6 (century and sex: 1/2 → 1800s, 3/4 → 1900s, 5/6 → 2000s; odd male,
even female), a serial NNNN and a check digit C = Σ dᵢ·i (i = 1..11) mod 11; when that is 10 the weights
3, 4, …, 11, 1, 2 are used instead, and if the result is 10 again the number is invalid.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date
from typing import Literal

FIRST_WEIGHTS = tuple(range(1, 12))
SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
_CENTURY = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}


class InvalidIin(ValueError):
    """An IIN that fails the format, date, century or check-digit rule (the message never repeats the IIN)."""


@dataclass(frozen=True)
class IinInfo:
    """What a valid IIN encodes (the number itself is deliberately not kept)."""

    birth_date: date
    sex: Literal["male", "female"]


def check_digit(first11: str) -> int | None:
    """The check digit for the first 11 digits, or None when the rule gives 10 twice (no valid IIN)."""
    if len(first11) != 11 or not (first11.isascii() and first11.isdigit()):
        raise InvalidIin("an IIN check digit is computed over exactly 11 digits")
    digits = [int(c) for c in first11]
    for weights in (FIRST_WEIGHTS, SECOND_WEIGHTS):
        c = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if c != 10:
            return c
    return None


def normalize_iin(value: str) -> str:
    """The IIN without spaces; InvalidIin unless it is then 12 ASCII digits."""
    iin = "".join(value.split()) if isinstance(value, str) else ""
    if len(iin) != 12 or not (iin.isascii() and iin.isdigit()):
        raise InvalidIin("an IIN has exactly 12 digits")
    return iin


def validate_iin(value: str) -> IinInfo:
    """Check an IIN (format, century/sex digit, birth date, check digit); InvalidIin says which rule fails."""
    iin = normalize_iin(value)
    g = int(iin[6])
    if g not in _CENTURY:
        raise InvalidIin(f"the 7th digit (century and sex) must be 1–6, not {g}")
    try:
        born = date(_CENTURY[g] + int(iin[0:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        raise InvalidIin("the first six digits are not a valid birth date (YYMMDD)") from None
    expected = check_digit(iin[:11])
    if expected is None:
        raise InvalidIin("no check digit is possible for these 11 digits (the rule gives 10 twice)")
    if int(iin[11]) != expected:
        raise InvalidIin("the check digit (12th) does not match")
    return IinInfo(born, "male" if g % 2 else "female")


def iin_digest(value: str, secret: bytes) -> str:
    """A keyed hash of a valid IIN for storage and matching (HMAC-SHA256, hex); the secret stays server-side."""
    if len(secret) < 16:
        raise ValueError("the IIN hashing secret must have at least 16 bytes")
    iin = normalize_iin(value)
    validate_iin(iin)
    return hmac.new(secret, iin.encode("ascii"), hashlib.sha256).hexdigest()


def identity_hash(identity: str, salt: str) -> str:
    """Open Badges 3.0 IdentityHash: 'sha256$' + hex SHA-256 of the UTF-8 identity with the salt appended."""
    return "sha256$" + hashlib.sha256((identity + salt).encode("utf-8")).hexdigest()
