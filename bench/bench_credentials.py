"""Certificates: issue and verify rates per core (one process, one thread), medians over runs.

Issue = build an OpenBadgeCredential + strict canonicalisation + eddsa-rdfc-2022 signature. Verify = every
offline check; "with status" also verifies the signed 131,072-entry revocation list's own proof. The last lines
grow an input (alignments) to show the cost stays linear in its size.
"""

from __future__ import annotations

import statistics
import sys
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import fmt_ms, timeit
from qualframe.credentials.dataintegrity import create_proof
from qualframe.credentials.iin import check_digit
from qualframe.credentials.jsonld import canonicalize, clear_caches
from qualframe.credentials.keys import KeyEncryptionKey, KeyRing
from qualframe.credentials.openbadge import (
    Accreditation,
    AchievementInfo,
    Alignment,
    Holder,
    IssuerProfile,
    build_credential,
    issue_credential,
)
from qualframe.credentials.statuslist import StatusList, status_entry, status_list_credential
from qualframe.credentials.verify import verify_credential

BASE = "https://qualframe.example.kz"
LIST_URL = f"{BASE}/status/1/revocation"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
IIN = "90051540123" + str(check_digit("90051540123"))


def _credential(did: str, n_alignments: int = 2, number: int = 1) -> dict:
    return build_credential(
        credential_id=f"{BASE}/register/certificates/ICT-2025-{number:06d}",
        issuer=IssuerProfile(did, {"kk": "Тану орталығы", "ru": "Центр признания", "en": "Recognition centre"},
                             accreditation=Accreditation("ACC-1", "Ministry", date(2024, 1, 1), date(2029, 1, 1))),
        achievement=AchievementInfo(
            id=f"{BASE}/programmes/3.1-07", name="Бағдарламашы, ҰБШ 6", description="3.1 сала, 6-деңгей.",
            criteria="Тест және сұхбат.", human_code="SQF 62",
            alignments=tuple(Alignment(f"Item {i}", f"{BASE}/ims/case/v1p1/CFItems/{i}", "CFItem", f"3.1-07-{i}")
                             for i in range(n_alignments)),
        ),
        holder=Holder("Әлия Сәрсенбаева", iin=IIN),
        certificate_number=f"ICT-2025-{number:06d}",
        valid_from="2025-03-01T00:00:00Z",
        valid_until="2030-03-01T00:00:00Z",
        status_entries=(status_entry(LIST_URL, number, "revocation"),),
    )


def main() -> None:
    kek = KeyEncryptionKey(b"bench-only key-encryption secret, 32+ bytes")
    ring = KeyRing().rotate(kek)
    signer = ring.signer(kek)
    did = ring.active.did
    sl = StatusList()
    for i in range(0, len(sl), 97):
        sl.set(i)
    listed = create_proof(status_list_credential(LIST_URL, did, "revocation", sl), signer)
    cred = issue_credential(_credential(did), signer)

    counter = iter(range(2, 10**9))
    # every timed call starts cold (clear_caches): a real verifier sees each credential once
    issue = timeit(lambda: issue_credential(_credential(did, number=next(counter)), signer), repeat=20)
    canon = timeit(lambda: (clear_caches(), canonicalize({k: v for k, v in cred.items() if k != "proof"})), repeat=20)
    plain = timeit(lambda: (clear_caches(), verify_credential(cred, now=NOW, _status=False)), repeat=20)
    lists = {LIST_URL: listed}
    full = timeit(lambda: (clear_caches(), verify_credential(cred, now=NOW, resolve_status_list=lists.get)), repeat=20)
    encode = timeit(sl.encode, repeat=20)
    decode = timeit(lambda: StatusList.decode(listed["credentialSubject"]["encodedList"]), repeat=20)
    assert verify_credential(cred, now=NOW, resolve_status_list={LIST_URL: listed}.get).verified

    def rate(samples: list[float]) -> str:
        return f"{1 / statistics.median(samples):.1f}/s per core"

    print(f"issue (build + sign)         {fmt_ms(issue)}  {rate(issue)}")
    print(f"canonicalise document        {fmt_ms(canon)}")
    print(f"verify (no status)           {fmt_ms(plain)}  {rate(plain)}")
    print(f"verify (with status list)    {fmt_ms(full)}  {rate(full)}")
    print(f"status list 131,072 encode   {fmt_ms(encode)}")
    print(f"status list 131,072 decode   {fmt_ms(decode)}")
    base_ms = None
    for n in (10, 100, 400):
        big = issue_credential(_credential(did, n), signer)
        samples = timeit(lambda big=big: (clear_caches(), verify_credential(big, now=NOW, _status=False)),
                         repeat=5, warmup=1)
        med = statistics.median(samples) * 1000
        base_ms = base_ms or med / n
        ratio = med / n / base_ms
        print(f"verify with {n:>3} alignments    median {med:.1f} ms ({ratio:.2f}x the per-alignment cost at 10)")


if __name__ == "__main__":
    main()
