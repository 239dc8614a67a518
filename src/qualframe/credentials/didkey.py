"""did:key for Ed25519 keys (multicodec 0xed01, multibase base58btc) and offline key resolution."""

from __future__ import annotations

from qualframe.credentials.multibase import MultibaseError, decode_base58btc, encode_base58btc

ED25519_PUB_PREFIX = b"\xed\x01"  # varint of multicodec 0xed (ed25519-pub)
ED25519_PRIV_PREFIX = b"\x80\x26"  # varint of multicodec 0x1300 (ed25519-priv)


class DidKeyError(ValueError):
    """A did:key (or multikey) that is not a well-formed Ed25519 key."""


def public_key_multibase(public_key: bytes) -> str:
    """Multikey form of a raw 32-byte Ed25519 public key ('z6Mk...')."""
    if len(public_key) != 32:
        raise DidKeyError("an Ed25519 public key has 32 bytes")
    return encode_base58btc(ED25519_PUB_PREFIX + public_key)


def decode_public_key_multibase(value: str) -> bytes:
    """Raw 32-byte Ed25519 public key from its multikey form."""
    try:
        raw = decode_base58btc(value)
    except MultibaseError as exc:
        raise DidKeyError(str(exc)) from None
    if not raw.startswith(ED25519_PUB_PREFIX) or len(raw) != 34:
        raise DidKeyError("not an Ed25519 multikey (multicodec 0xed01, 32 bytes)")
    return raw[2:]


def decode_private_key_multibase(value: str) -> bytes:
    """Raw 32-byte Ed25519 seed from its multikey form (multicodec 0x1300)."""
    try:
        raw = decode_base58btc(value)
    except MultibaseError as exc:
        raise DidKeyError(str(exc)) from None
    if not raw.startswith(ED25519_PRIV_PREFIX) or len(raw) != 34:
        raise DidKeyError("not an Ed25519 private multikey (multicodec 0x1300, 32 bytes)")
    return raw[2:]


def did_key(public_key: bytes) -> str:
    """The did:key DID of an Ed25519 public key."""
    return "did:key:" + public_key_multibase(public_key)


def verification_method(public_key: bytes) -> str:
    """The did:key verification method id (DID#fingerprint) of an Ed25519 public key."""
    fingerprint = public_key_multibase(public_key)
    return f"did:key:{fingerprint}#{fingerprint}"


def resolve_did_key(vm: str) -> bytes:
    """Raw Ed25519 public key of a did:key DID or verification method, with or without '#fragment'.

    A fragment, when present, must name the same key (the only method of a did:key document).
    """
    if not isinstance(vm, str) or not vm.startswith("did:key:"):
        raise DidKeyError("not a did:key")
    did, _, fragment = vm.partition("#")
    fingerprint = did[len("did:key:"):]
    if fragment and fragment != fingerprint:
        raise DidKeyError(f"fragment #{fragment} is not a verification method of {did}")
    return decode_public_key_multibase(fingerprint)
