"""Shared helpers of the credential tests: the published vectors and samples, and a sample certificate."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from qualframe.credentials.keys import KeyEncryptionKey, KeyRing
from qualframe.credentials.openbadge import (
    Accreditation,
    AchievementInfo,
    Alignment,
    Holder,
    IssuerProfile,
    build_credential,
)
from qualframe.credentials.statuslist import StatusList, status_entry, status_list_credential

VC_DIR = Path(__file__).resolve().parents[2] / "shared" / "standards" / "vc"
needs_vc = pytest.mark.skipif(
    not VC_DIR.is_dir(), reason="W3C/1EdTech vectors and samples not found in ../shared/standards/vc"
)

# A test-only key-encryption secret (32+ bytes); real deployments supply their own.
TEST_SECRET = b"test-only key-encryption secret, 43 bytes.."


def load(rel: str) -> Any:
    """A JSON file of ../shared/standards/vc."""
    return json.loads((VC_DIR / rel).read_text(encoding="utf-8"))


def read_text(rel: str) -> str:
    return (VC_DIR / rel).read_text(encoding="utf-8")


def kek() -> KeyEncryptionKey:
    return KeyEncryptionKey(TEST_SECRET)


def centre_ring() -> KeyRing:
    return KeyRing().rotate(kek(), "2025-01-01T00:00:00Z")


BASE = "https://qualframe.example.kz"
REVOCATION_LIST = f"{BASE}/status/1/revocation"
SUSPENSION_LIST = f"{BASE}/status/1/suspension"


def sample_credential(did: str, index: int = 4242) -> dict[str, Any]:
    """An unsigned certificate of a centre with DID `did`, its status at `index` of both lists."""
    return build_credential(
        credential_id=f"{BASE}/register/certificates/ICT-2025-000017",
        issuer=IssuerProfile(
            id=did,
            names={"kk": "«Цифрлық біліктілік» тану орталығы", "ru": "Центр признания «Цифровая квалификация»",
                   "en": "Digital Qualification Recognition Centre"},
            url=f"{BASE}/orgs/digital-centre",
            accreditation=Accreditation("ACC-2024-017", "Ministry of Digital Development", date(2024, 1, 1),
                                        date(2029, 1, 1)),
        ),
        achievement=AchievementInfo(
            id=f"{BASE}/programmes/3.1-07",
            name="Бағдарламалық қамтамасыз етуді әзірлеуші, ҰБШ 6, СБШ 62",
            description="Біліктілік: 3.1 сала, 6-деңгей, 62 ішкі деңгей.",
            criteria="Тест, практикалық тапсырма және сұхбат: барлық дескрипторлар орындалды.",
            human_code="SQF 62",
            alignments=(
                Alignment("3.1 · NQF 6 · SQF 62", f"{BASE}/ims/case/v1p1/CFItems/11111111-2222-3333-4444-555555555555",
                          "CFItem", "3.1-07", "kz-ict-sqf-2013"),
                Alignment("Level page 3.1 SQF 62", f"{BASE}/levels/3.1-07", "ext:LevelPage", "3.1-07"),
            ),
        ),
        holder=Holder(name="Әлия Сәрсенбаева", iin=valid_iin()),
        certificate_number="ICT-2025-000017",
        valid_from="2025-03-01T00:00:00Z",
        valid_until="2030-03-01T00:00:00Z",
        awarded_date="2025-02-27T00:00:00Z",
        status_entries=(status_entry(REVOCATION_LIST, index, "revocation"),
                        status_entry(SUSPENSION_LIST, index, "suspension")),
    )


def valid_iin() -> str:
    """A valid IIN computed by the check-digit rule (born 1990-05-15, female, 1900s)."""
    from qualframe.credentials.iin import check_digit

    first11 = "900515" + "4" + "0123"
    digit = check_digit(first11)
    assert digit is not None
    return first11 + str(digit)


def status_lists(did: str, signer: Any, revoked: set[int] = frozenset(), suspended: set[int] = frozenset(),
                 ) -> dict[str, dict[str, Any]]:
    """Signed revocation and suspension list credentials of the centre, by URL."""
    from qualframe.credentials.dataintegrity import create_proof

    out = {}
    for url, purpose, bits in ((REVOCATION_LIST, "revocation", revoked), (SUSPENSION_LIST, "suspension", suspended)):
        sl = StatusList()
        for i in bits:
            sl.set(i)
        out[url] = create_proof(status_list_credential(url, did, purpose, sl, valid_from="2025-01-01T00:00:00Z"),
                                signer, created="2025-03-01T00:00:00Z")
    return out
