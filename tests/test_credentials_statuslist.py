"""Bitstring Status List: size, bit order, set/clear, encode/decode, entries."""

from __future__ import annotations

import base64
import gzip

import pytest

from qualframe.credentials.statuslist import (
    MIN_ENTRIES,
    StatusList,
    StatusListError,
    parse_index,
    status_entry,
    status_list_credential,
)


def test_size_and_bit_order() -> None:
    sl = StatusList()
    assert len(sl) == MIN_ENTRIES == 131_072
    sl.set(0)
    sl.set(9)
    sl.set(MIN_ENTRIES - 1)
    raw = sl.to_bytes()
    assert len(raw) == 16_384
    assert raw[0] == 0b1000_0000  # bit 0 is the left-most bit of the first byte
    assert raw[1] == 0b0100_0000
    assert raw[-1] == 0b0000_0001
    assert sl.set_indices() == [0, 9, MIN_ENTRIES - 1]
    sl.clear(9)
    assert not sl.get(9) and sl.get(0)
    assert sl.set_indices() == [0, MIN_ENTRIES - 1]
    with pytest.raises(StatusListError):
        sl.get(MIN_ENTRIES)
    with pytest.raises(StatusListError):
        sl.set(-1)
    with pytest.raises(StatusListError):
        StatusList(1024)


def test_encode_decode_round_trip() -> None:
    sl = StatusList(MIN_ENTRIES * 2)
    indices = [1, 7, 8, 4242, 131_071, 131_072, 262_143]
    for i in indices:
        sl.set(i)
    encoded = sl.encode()
    assert encoded.startswith("u") and "=" not in encoded and "+" not in encoded and "/" not in encoded
    assert encoded == sl.encode()  # deterministic (GZIP mtime 0)
    back = StatusList.decode(encoded)
    assert len(back) == MIN_ENTRIES * 2 and back.set_indices() == indices
    # the encoding is plain GZIP under base64url: an independent decoder agrees
    body = encoded[1:]
    raw = gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert raw == sl.to_bytes()


def test_decode_errors() -> None:
    with pytest.raises(StatusListError, match="base64url"):
        StatusList.decode("zabc")
    with pytest.raises(StatusListError, match="GZIP"):
        StatusList.decode("u" + base64.urlsafe_b64encode(b"not gzip").decode().rstrip("="))
    short = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(100))).decode().rstrip("=")
    with pytest.raises(StatusListError, match="fewer than"):
        StatusList.decode(short)
    bomb = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(17 * 1024 * 1024))).decode().rstrip("=")
    with pytest.raises(StatusListError, match="more than"):
        StatusList.decode(bomb)


def test_entries_and_index_parsing() -> None:
    entry = status_entry("https://example.kz/status/1", 23, "revocation")
    assert entry == {"id": "https://example.kz/status/1#23", "type": "BitstringStatusListEntry",
                     "statusPurpose": "revocation", "statusListIndex": "23",
                     "statusListCredential": "https://example.kz/status/1"}
    assert parse_index("23") == parse_index(23) == 23
    for bad in ("-1", "2.5", "", " 1", True, None, "1e3", "١٢"):
        with pytest.raises(StatusListError):
            parse_index(bad)
    with pytest.raises(StatusListError):
        status_entry("https://example.kz/status/1", 1, "refresh")


def test_status_list_credential_shape() -> None:
    sl = StatusList()
    sl.set(5)
    cred = status_list_credential("https://example.kz/status/1", "did:key:z6Mkabc", "suspension", sl)
    assert cred["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert cred["credentialSubject"]["type"] == "BitstringStatusList"
    assert cred["credentialSubject"]["statusPurpose"] == "suspension"
    assert StatusList.decode(cred["credentialSubject"]["encodedList"]).set_indices() == [5]
