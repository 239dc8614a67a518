"""The audit trail's hash chain: canonical serialisation, entry digests and verification (no database).

Each entry carries `prev` (the digest of the entry before it, or GENESIS for the first) and `digest`,
the SHA-256 of the canonical JSON of all its other fields. Editing a field changes the entry's digest;
deleting or reordering entries breaks `seq` continuity or the `prev` links; so `verify()` names the
first entry where the chain breaks. The chain head (last seq and digest) is kept apart, which also
catches a deleted tail. Rewriting the whole chain from a point on needs write access to the database
and is out of reach of this check: export and keep copies (`qualframe audit export`) to anchor it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
CHAIN_FIELDS = ("seq", "at", "actor", "actor_user_id", "org", "action", "object_type", "object_id",
                "before", "after", "request_id", "client", "detail", "prev")


def canonical(data: Any) -> bytes:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 (values must be JSON types; no floats)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False, default=_default).encode("utf-8")


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return timestamp(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__} into the audit trail")


def timestamp(at: datetime) -> str:
    """UTC with microseconds and a Z: the form that is hashed (both databases keep microseconds)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def object_digest(obj: Mapping[str, Any] | None) -> str | None:
    """Digest of an object's state before or after a change (None: it did not exist)."""
    return None if obj is None else hashlib.sha256(canonical(obj)).hexdigest()


def entry_digest(entry: Mapping[str, Any]) -> str:
    body = {k: entry.get(k) for k in CHAIN_FIELDS}
    if isinstance(body["at"], datetime):
        body["at"] = timestamp(body["at"])
    return hashlib.sha256(canonical(body)).hexdigest()


@dataclass(frozen=True, slots=True)
class Break:
    """Where the chain first fails: the entry's seq and what is wrong with it."""

    seq: int
    problem: str

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.problem}"


@dataclass(frozen=True, slots=True)
class Verdict:
    entries: int
    head_seq: int
    head_digest: str
    broken: Break | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify(entries: Iterable[Mapping[str, Any]], head: tuple[int, str] | None = None) -> Verdict:
    """Walk the entries in seq order; `head` is the stored (seq, digest) of the chain's last entry."""
    expected_seq = 1
    prev = GENESIS
    count = 0
    for e in entries:
        count += 1
        seq = int(e["seq"])
        if seq != expected_seq:
            what = "missing" if seq > expected_seq else "out of order or duplicated"
            return Verdict(count, seq, prev, Break(seq, f"expected entry {expected_seq} here; "
                                                         f"entries {what} (deleted or reordered)"))
        if e.get("prev") != prev:
            return Verdict(count, seq, prev, Break(seq, "its link to the previous entry does not match "
                                                         "(an earlier entry was changed, deleted or reordered)"))
        actual = entry_digest(e)
        if e.get("digest") != actual:
            return Verdict(count, seq, prev, Break(seq, "its content does not match its digest (edited)"))
        prev = actual
        expected_seq += 1
    last = expected_seq - 1
    if head is not None and (head[0] != last or (last and head[1] != prev)):
        return Verdict(count, last, prev, Break(head[0], f"the chain head records entry {head[0]} but the "
                                                         f"trail ends at entry {last} (entries deleted at the end)"))
    return Verdict(count, last, prev, None)
