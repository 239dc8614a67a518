"""Validation of free-text input shared by search and match: one place decides what "empty" means.

Policy (documented in the README): a query with no letter or digit is empty and rejected with
ValueError; text over the size limit is cut at the limit (at a word boundary when one is near) and
the result carries ``"truncated": true``. Any other string is accepted, whatever its script.
"""

from __future__ import annotations

import re
import unicodedata

SEARCH_MAX_CHARS = 2_000
MATCH_MAX_CHARS = 20_000

_HAS_WORD = re.compile(r"[^\W_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")


def clean_text(text: object, max_chars: int, what: str = "query") -> tuple[str, bool]:
    """Return (normalised text, truncated?) or raise ValueError saying what is wrong.

    Lone surrogates and control characters are dropped (they cannot be encoded or embedded);
    newlines are kept because match uses the first line of a vacancy as its title.
    """
    if not isinstance(text, str):
        raise ValueError(f"{what} must be a string, not {type(text).__name__}")
    truncated = False
    if len(text) > max_chars:
        cut = text[:max_chars]
        space = cut.rfind(" ", max_chars - 200)
        text = cut[:space] if space > 0 else cut
        truncated = True
    t = _CONTROL.sub(" ", text)
    t = unicodedata.normalize("NFC", t)
    t = "\n".join(_SPACES.sub(" ", line).strip() for line in t.replace("\r", "\n").split("\n"))
    t = re.sub(r"\n{3,}", "\n\n", t).strip()
    if not _HAS_WORD.search(t):
        if not t:
            raise ValueError(f"{what} is empty")
        raise ValueError(f"{what} is empty: it has no letters or digits")
    return t, truncated


def check_choice(value: str | None, allowed: tuple[str, ...], what: str) -> str | None:
    """None passes; otherwise `value` must be one of `allowed` (ValueError names both)."""
    if value is None:
        return None
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"unknown {what} {value!r}; expected one of: {', '.join(allowed)}")
    return value


def check_limit(limit: object, maximum: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise ValueError(f"limit must be an integer, not {type(limit).__name__}")
    if limit < 1:
        raise ValueError(f"limit must be at least 1 (got {limit})")
    return min(limit, maximum)
