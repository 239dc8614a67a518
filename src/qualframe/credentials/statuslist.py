"""Bitstring Status List v1.0: revocation and suspension bits of credentials.

Bit 0 is the left-most (most significant) bit of the first byte. A list has at least 131,072 entries (16 KiB,
for herd privacy). `encodedList` is the multibase base64url ('u', no padding) of the GZIP-compressed bitstring.
"""

from __future__ import annotations

import gzip
import zlib
from typing import Any

from qualframe.credentials.jsonld import CREDENTIALS_V2
from qualframe.credentials.multibase import MultibaseError, decode_base64url, encode_base64url
from qualframe.model.messages import N_, Text

MIN_ENTRIES = 131_072
MAX_BYTES = 16 * 1024 * 1024  # a decoded list larger than this is refused (a gzip bomb guard)
PURPOSES = ("revocation", "suspension")
ENTRY_TYPE = "BitstringStatusListEntry"
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"


class StatusListError(ValueError):
    """A status list or entry that cannot be read (bad encoding, too short, bad index)."""


class StatusList:
    """A mutable bitstring of credential statuses (True = revoked/suspended)."""

    __slots__ = ("_bits",)

    def __init__(self, size: int = MIN_ENTRIES) -> None:
        if size < MIN_ENTRIES or size % 8:
            raise StatusListError(f"a status list has at least {MIN_ENTRIES} entries, a multiple of 8")
        self._bits = bytearray(size // 8)

    @classmethod
    def from_bytes(cls, data: bytes) -> StatusList:
        """A list over raw (uncompressed) bitstring bytes."""
        if len(data) * 8 < MIN_ENTRIES:
            raise StatusListError(f"the bitstring has {len(data) * 8} entries, fewer than {MIN_ENTRIES}")
        obj = cls.__new__(cls)
        obj._bits = bytearray(data)
        return obj

    def __len__(self) -> int:
        return len(self._bits) * 8

    def _check(self, index: int) -> None:
        if not 0 <= index < len(self):
            raise StatusListError(f"status index {index} is outside the list (0..{len(self) - 1})")

    def get(self, index: int) -> bool:
        """The bit at `index` (bit 0 = most significant bit of byte 0)."""
        self._check(index)
        return bool(self._bits[index // 8] & (0x80 >> (index % 8)))

    def set(self, index: int, value: bool = True) -> None:
        """Set (or, with value=False, clear) the bit at `index`."""
        self._check(index)
        mask = 0x80 >> (index % 8)
        if value:
            self._bits[index // 8] |= mask
        else:
            self._bits[index // 8] &= ~mask & 0xFF

    def clear(self, index: int) -> None:
        """Clear the bit at `index` (e.g. lift a suspension)."""
        self.set(index, False)

    def set_indices(self) -> list[int]:
        """Every index whose bit is set, ascending."""
        return [i * 8 + b for i, byte in enumerate(self._bits) if byte for b in range(8) if byte & (0x80 >> b)]

    def to_bytes(self) -> bytes:
        """The raw bitstring."""
        return bytes(self._bits)

    def encode(self) -> str:
        """The `encodedList` value: multibase base64url of the GZIP-compressed bitstring."""
        return encode_base64url(gzip.compress(bytes(self._bits), mtime=0))  # mtime=0: same list, same bytes

    @classmethod
    def decode(cls, encoded: str) -> StatusList:
        """Read an `encodedList` value; StatusListError names what is wrong."""
        try:
            compressed = decode_base64url(encoded)
        except MultibaseError as exc:
            raise StatusListError(f"encodedList: {exc}") from None
        inflater = zlib.decompressobj(wbits=31)  # gzip framing only
        try:
            data = inflater.decompress(compressed, MAX_BYTES + 1)
        except zlib.error as exc:
            raise StatusListError(f"encodedList is not GZIP data: {exc}") from None
        if len(data) > MAX_BYTES or inflater.unconsumed_tail:
            raise StatusListError(f"encodedList decompresses to more than {MAX_BYTES} bytes")
        if not inflater.eof:
            raise StatusListError("encodedList: truncated GZIP data")
        return cls.from_bytes(data)


def parse_index(value: Any) -> int:
    """A statusListIndex as a non-negative int: the spec asks for a decimal string; a JSON integer is accepted."""
    if isinstance(value, bool):
        raise StatusListError(Text(N_("statusListIndex must be a decimal string (or integer)")))
    if isinstance(value, int):
        index = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 12:
        index = int(value)
    else:
        raise StatusListError(Text(N_("statusListIndex %(value)s is not a non-negative decimal number"),
                                   value=repr(value)))
    if index < 0:
        raise StatusListError(Text(N_("statusListIndex %(value)s is negative"), value=repr(value)))
    return index


def status_entry(list_credential: str, index: int, purpose: str) -> dict[str, Any]:
    """A BitstringStatusListEntry for a credential (statusListIndex emitted as a string, as the spec asks)."""
    if purpose not in PURPOSES:
        raise StatusListError(f"statusPurpose {purpose!r}: expected one of {', '.join(PURPOSES)}")
    if index < 0:
        raise StatusListError("a status index is non-negative")
    return {
        "id": f"{list_credential}#{index}",
        "type": ENTRY_TYPE,
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_credential,
    }


def status_list_credential(
    list_id: str,
    issuer: str,
    purpose: str,
    status_list: StatusList,
    *,
    valid_from: str | None = None,
    valid_until: str | None = None,
) -> dict[str, Any]:
    """An unsigned BitstringStatusListCredential publishing `status_list` for one purpose."""
    if purpose not in PURPOSES:
        raise StatusListError(f"statusPurpose {purpose!r}: expected one of {', '.join(PURPOSES)}")
    credential: dict[str, Any] = {
        "@context": [CREDENTIALS_V2],
        "id": list_id,
        "type": ["VerifiableCredential", LIST_CREDENTIAL_TYPE],
        "issuer": issuer,
    }
    if valid_from:
        credential["validFrom"] = valid_from
    if valid_until:
        credential["validUntil"] = valid_until
    credential["credentialSubject"] = {
        "id": f"{list_id}#list",
        "type": "BitstringStatusList",
        "statusPurpose": purpose,
        "encodedList": status_list.encode(),
    }
    return credential
