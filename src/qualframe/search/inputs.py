"""Validation of free-text input shared by search and match: one place decides what "empty" means.

Policy (documented in the README): a query with no letter or digit is empty and rejected with
ValueError; text over the size limit is cut at the limit (at a word boundary when one is near) and
the result carries ``"truncated": true``. Any other string is accepted, whatever its script.
"""

from __future__ import annotations

import re
import unicodedata

# One limit for every search, web or CLI: the encoder sees 22 tokens of it whatever its length, and
# BM25, language detection and transliteration read all of it, so the limit bounds their share (docs/LIMITS.md).
# Longer texts (a vacancy, a job description) are for match.
SEARCH_MAX_CHARS = 500
MATCH_MAX_CHARS = 20_000

_HAS_WORD = re.compile(r"[^\W_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufeff]")
# Every Unicode space but the newline (\x85, \u2028, \u202f ... too), so later steps see single spaces.
_SPACES = re.compile(r"(?:[^\S\n]|\u200b)+")
_BLANK_LINES = re.compile(r"\n{3,}")


# Unicode's stream-safe format (UAX #15): at most 30 combining marks in a row. Normalising a longer
# run ("Zalgo" text) sorts it quadratically: 20,000 marks took 0.4 s per normalisation.
MAX_COMBINING_RUN = 30
_LONG_COMBINING_RUN = b"\x01" * (MAX_COMBINING_RUN + 1)


def stream_safe(text: str) -> str:
    """`text` with every run of combining marks cut to MAX_COMBINING_RUN (linear; no copy when
    there is no such run, which is found by a scan in C)."""
    if text.isascii() or _LONG_COMBINING_RUN not in bytes(map(bool, map(unicodedata.combining, text))):
        return text
    out, run = [], 0
    for ch in text:
        run = run + 1 if unicodedata.combining(ch) else 0
        if run <= MAX_COMBINING_RUN:
            out.append(ch)
    return "".join(out)


def clean_text(text: object, max_chars: int, what: str = "query") -> tuple[str, bool]:
    """Return (normalised text, truncated?) or raise ValueError saying what is wrong.

    Lone surrogates and control characters are dropped (they cannot be encoded or embedded), runs
    of combining marks are cut to 30 (:func:`stream_safe`); newlines are kept because match uses
    the first line of a vacancy as its title.
    """
    if not isinstance(text, str):
        raise ValueError(f"{what} must be a string, not {type(text).__name__}")
    truncated = False
    if len(text) > max_chars:
        cut = text[:max_chars]
        space = cut.rfind(" ", max_chars - 200)
        text = cut[:space] if space > 0 else cut
        truncated = True
    t = stream_safe(_CONTROL.sub(" ", text))
    t = unicodedata.normalize("NFC", t)
    t = "\n".join(_SPACES.sub(" ", line).strip() for line in t.replace("\r", "\n").split("\n"))
    t = _BLANK_LINES.sub("\n\n", t).strip()
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
