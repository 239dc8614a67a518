"""Ed25519 signing keys of recognition centres, encrypted at rest with an operator-supplied key-encryption key.

The key-encryption key (KEK) comes from $QUALFRAME_SECRET_KEY or from the file named by
$QUALFRAME_SECRET_KEY_FILE (at least 32 bytes; e.g. `python -c "import secrets; print(secrets.token_urlsafe(32))"`).
Without one nothing can be signed. Private keys are sealed with AES-256-GCM under a key derived from the KEK by
HKDF-SHA256, bound to their key id, and never appear in a repr, a pickle or a log line. Rotation retires the old
key but keeps its public half, so certificates signed with it keep verifying.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qualframe.credentials.didkey import decode_public_key_multibase, public_key_multibase, resolve_did_key

# cryptography is imported where a key is derived, made or opened: starting the web app or the CLI does not load it

ENV_SECRET = "QUALFRAME_SECRET_KEY"
ENV_SECRET_FILE = "QUALFRAME_SECRET_KEY_FILE"
MIN_SECRET_BYTES = 32
_BLOB_MAGIC = b"QFK1"
_HKDF_INFO = b"qualframe/credentials/key-encryption/v1"  # domain separation from other uses of the secret


class SecretKeyMissing(RuntimeError):
    """No usable key-encryption key: signing is refused."""


class KeyDecryptionError(RuntimeError):
    """A sealed private key that this key-encryption key cannot open (wrong key, or tampered data)."""


class KeyEncryptionKey:
    """The operator's key-encryption key (AES-256-GCM key derived by HKDF-SHA256); its bytes are never shown."""

    __slots__ = ("_aead",)

    def __init__(self, secret: bytes) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise SecretKeyMissing(f"the key-encryption secret must have at least {MIN_SECRET_BYTES} bytes")
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(secret)
        self._aead = AESGCM(derived)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> KeyEncryptionKey:
        """The KEK from $QUALFRAME_SECRET_KEY, or the file named by $QUALFRAME_SECRET_KEY_FILE.

        Raises SecretKeyMissing (naming the variables) when neither is set, or the secret is too short.
        """
        env = os.environ if environ is None else environ
        value = env.get(ENV_SECRET, "").strip()
        if value:
            return cls(value.encode("utf-8"))
        path = env.get(ENV_SECRET_FILE, "").strip()
        if path:
            try:
                data = Path(path).read_bytes().strip()
            except OSError as exc:
                raise SecretKeyMissing(f"{ENV_SECRET_FILE}={path}: cannot read it ({exc.strerror})") from None
            if not data:
                raise SecretKeyMissing(f"{ENV_SECRET_FILE}={path}: the file is empty")
            return cls(data)
        raise SecretKeyMissing(
            f"no key-encryption key: set {ENV_SECRET} or {ENV_SECRET_FILE}; signing keys cannot be used without one"
        )

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        """Encrypt and authenticate `plaintext`, bound to `aad`."""
        nonce = secrets.token_bytes(12)
        return _BLOB_MAGIC + nonce + self._aead.encrypt(nonce, plaintext, aad)

    def open(self, blob: bytes, aad: bytes) -> bytes:
        """Decrypt a sealed blob; KeyDecryptionError when the KEK or the binding does not match."""
        from cryptography.exceptions import InvalidTag

        if not blob.startswith(_BLOB_MAGIC) or len(blob) < len(_BLOB_MAGIC) + 12 + 16:
            raise KeyDecryptionError("not a sealed qualframe key")
        nonce = blob[len(_BLOB_MAGIC): len(_BLOB_MAGIC) + 12]
        try:
            return self._aead.decrypt(nonce, blob[len(_BLOB_MAGIC) + 12:], aad)
        except InvalidTag:
            raise KeyDecryptionError("the sealed key does not open with this key-encryption key") from None

    def __repr__(self) -> str:
        return "KeyEncryptionKey(<hidden>)"

    def __reduce__(self) -> Any:
        raise TypeError("a key-encryption key cannot be pickled")


class Ed25519Signer:
    """An unlocked Ed25519 key: signs, names its verification method, and never shows its private half."""

    __slots__ = ("_key", "public_key", "verification_method")

    def __init__(self, seed: bytes, verification_method: str | None = None) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key = self._key.public_key().public_bytes(serialization.Encoding.Raw,
                                                              serialization.PublicFormat.Raw)
        fingerprint = public_key_multibase(self.public_key)
        self.verification_method = verification_method or f"did:key:{fingerprint}#{fingerprint}"

    def sign(self, data: bytes) -> bytes:
        """Ed25519 signature (64 bytes; deterministic)."""
        return self._key.sign(data)

    def __repr__(self) -> str:
        return f"Ed25519Signer({self.verification_method})"

    def __reduce__(self) -> Any:
        raise TypeError("a signing key cannot be pickled")


def _utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class StoredKey:
    """A centre's key as stored: public key, id, and the private key sealed under the KEK."""

    key_id: str  # the verification method id: did:key:z6Mk…#z6Mk…
    public_key_multibase: str
    sealed_private_key: bytes = field(repr=False)
    created: str
    retired: str | None = None

    @property
    def did(self) -> str:
        """The DID of this key (did:key)."""
        return self.key_id.partition("#")[0]

    @property
    def public_key(self) -> bytes:
        """Raw 32-byte Ed25519 public key."""
        return decode_public_key_multibase(self.public_key_multibase)

    def unlock(self, kek: KeyEncryptionKey) -> Ed25519Signer:
        """The signer for this key; KeyDecryptionError if the KEK does not open it."""
        seed = kek.open(self.sealed_private_key, self.key_id.encode("utf-8"))
        signer = Ed25519Signer(seed, self.key_id)
        if signer.public_key != self.public_key:
            raise KeyDecryptionError(f"sealed key of {self.key_id} does not match its public key")
        return signer


def generate_key(kek: KeyEncryptionKey, created: str | None = None) -> StoredKey:
    """A fresh Ed25519 key, its private half sealed under `kek` (so no KEK, no key)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                 serialization.NoEncryption())
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    fingerprint = public_key_multibase(public)
    key_id = f"did:key:{fingerprint}#{fingerprint}"
    return StoredKey(key_id, fingerprint, kek.seal(seed, key_id.encode("utf-8")), created or _utc_now())


@dataclass(frozen=True)
class KeyRing:
    """All keys of one centre, oldest first; the newest unretired one signs, every one verifies."""

    keys: tuple[StoredKey, ...] = ()

    @property
    def active(self) -> StoredKey:
        """The key that signs new credentials."""
        for key in reversed(self.keys):
            if key.retired is None:
                return key
        raise LookupError("no active signing key: generate or rotate one")

    def rotate(self, kek: KeyEncryptionKey, now: str | None = None) -> KeyRing:
        """A new ring whose active key is fresh; older keys are retired, not removed."""
        now = now or _utc_now()
        kept = tuple(k if k.retired else replace(k, retired=now) for k in self.keys)
        return KeyRing((*kept, generate_key(kek, now)))

    def public_keys(self) -> dict[str, bytes]:
        """Key id -> raw public key, for every key ever used (retired ones included)."""
        return {k.key_id: k.public_key for k in self.keys}

    def resolve(self, vm: str) -> bytes | None:
        """A KeyResolver: this ring's keys by id (or bare DID), then any did:key."""
        for key in self.keys:
            if vm in (key.key_id, key.did):
                return key.public_key
        return resolve_did_key(vm) if vm.startswith("did:key:") else None

    def signer(self, kek: KeyEncryptionKey) -> Ed25519Signer:
        """The unlocked active key."""
        return self.active.unlock(kek)
