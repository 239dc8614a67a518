"""Password hashing with Argon2id (argon2-cffi), bounded in flight because each hash costs real CPU.

Parameters are the RFC 9106 "second recommended option" (t=3, 64 MiB, p=4), which argon2-cffi ships as
its default. `QUALFRAME_ARGON2_PROFILE=test` picks tiny parameters so test suites can create many users;
the hash string records its parameters, so hashes made either way verify either way and are upgraded
(`needs_rehash`) on the next successful log-in.
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from qualframe.model.messages import N_, Text

MIN_LENGTH = 10
MAX_LENGTH = 1024  # bounds the hashing cost of hostile input

# Concurrent hashes per process; beyond that a caller waits at most BUSY_WAIT seconds, then is told to retry.
MAX_IN_FLIGHT = max(2, os.cpu_count() or 2)
BUSY_WAIT = 10.0


class PasswordError(ValueError):
    """A password that does not meet the policy; the message (a :class:`Text`: English in the API and the CLI,
    the page's language on a page) says why, never the password."""


class HashingBusy(RuntimeError):
    """Too many password hashes in flight; answer 503 with Retry-After."""


def _hasher(profile: str | None) -> PasswordHasher:
    if profile == "test":
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID)
    return PasswordHasher(type=Type.ID)


_HASHER = _hasher(os.environ.get("QUALFRAME_ARGON2_PROFILE"))


def use_profile(profile: str | None) -> None:
    """Switch the parameters for new hashes: None for the RFC 9106 default, "test" for tiny ones."""
    global _HASHER, _DUMMY
    _HASHER = _hasher(profile)
    _DUMMY = None
_SLOTS = threading.BoundedSemaphore(MAX_IN_FLIGHT)
# A real hash of a random password, verified for unknown accounts so that a failed log-in for an
# address that does not exist costs the same time as one for an address that does.
_DUMMY: str | None = None


@dataclass(frozen=True, slots=True)
class Verified:
    ok: bool
    new_hash: str | None = None  # set when the stored hash should be upgraded to the current parameters


def check_policy(password: str) -> None:
    """Raise PasswordError unless the password is acceptable."""
    if len(password) < MIN_LENGTH:
        raise PasswordError(Text(N_("the password must have at least %(n)s characters"), n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        raise PasswordError(Text(N_("the password must have at most %(n)s characters"), n=MAX_LENGTH))
    if password.strip() == "":
        raise PasswordError(Text(N_("the password must not be blank")))


class _Slot:
    def __enter__(self) -> None:
        if not _SLOTS.acquire(timeout=BUSY_WAIT):
            raise HashingBusy("too many log-ins in progress; retry shortly")

    def __exit__(self, *exc: object) -> None:
        _SLOTS.release()


def hash_password(password: str) -> str:
    """The Argon2id hash string of an acceptable password (PasswordError otherwise)."""
    check_policy(password)
    with _Slot():
        return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> Verified:
    """Check `password` against a stored hash; `stored=None` (no such account) costs the same and fails."""
    global _DUMMY
    if len(password) > MAX_LENGTH:
        password = password[:MAX_LENGTH]
    with _Slot():
        if stored is None:
            if _DUMMY is None:
                _DUMMY = _HASHER.hash(os.urandom(16).hex())
            with contextlib.suppress(VerificationError):
                _HASHER.verify(_DUMMY, password + "\0")
            return Verified(False)
        try:
            _HASHER.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return Verified(False)
        new_hash = _HASHER.hash(password) if _HASHER.check_needs_rehash(stored) else None
    return Verified(True, new_hash)
