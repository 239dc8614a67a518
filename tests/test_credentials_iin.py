"""IIN validation by the documented rule: the test computes its own examples from the rule, not from a list."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from qualframe.credentials.iin import (
    InvalidIin,
    check_digit,
    identity_hash,
    iin_digest,
    validate_iin,
)


def rule(first11: str) -> int | None:
    """The rule as documented, written out independently of the module."""
    d = [int(c) for c in first11]
    c = sum(d[i] * (i + 1) for i in range(11)) % 11
    if c == 10:
        c = sum(d[i] * w for i, w in enumerate([3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2])) % 11
    return None if c == 10 else c


def find(prefix: str, want: str) -> str:
    """The first serial after `prefix` (YYMMDDG) whose first-11 digits fall in the wanted case of the rule."""
    for serial in range(10_000):
        first11 = f"{prefix}{serial:04d}"
        d = [int(c) for c in first11]
        first = sum(d[i] * (i + 1) for i in range(11)) % 11
        case = "first" if first != 10 else "second" if rule(first11) is not None else "invalid"
        if case == want:
            return first11
    raise AssertionError(f"no {want} case for {prefix}")


@pytest.mark.parametrize(("prefix", "born", "sex"), [
    ("9005154", date(1990, 5, 15), "female"),
    ("8512313", date(1985, 12, 31), "male"),
    ("0402295", date(2004, 2, 29), "male"),
    ("0001016", date(2000, 1, 1), "female"),
    ("9911301", date(1899, 11, 30), "male"),
])
def test_valid_iins_first_weights(prefix: str, born: date, sex: str) -> None:
    first11 = find(prefix, "first")
    iin = first11 + str(rule(first11))
    info = validate_iin(iin)
    assert (info.birth_date, info.sex) == (born, sex)
    # every other check digit is wrong
    for wrong in set(range(10)) - {rule(first11)}:
        with pytest.raises(InvalidIin, match="check digit"):
            validate_iin(first11 + str(wrong))


def test_second_weights_case() -> None:
    first11 = find("9005154", "second")
    digits = [int(c) for c in first11]
    assert sum(digits[i] * (i + 1) for i in range(11)) % 11 == 10  # really the second-weights case
    assert check_digit(first11) == rule(first11)
    validate_iin(first11 + str(rule(first11)))


def test_invalid_twice_case() -> None:
    first11 = find("9005154", "invalid")
    assert check_digit(first11) is None
    for last in range(10):
        with pytest.raises(InvalidIin, match="10 twice"):
            validate_iin(first11 + str(last))


def test_format_century_and_date_errors() -> None:
    ok11 = find("9005154", "first")
    with pytest.raises(InvalidIin, match="12 digits"):
        validate_iin(ok11)
    with pytest.raises(InvalidIin, match="12 digits"):
        validate_iin(ok11 + "x")
    with pytest.raises(InvalidIin, match="12 digits"):
        validate_iin("٩٠٠٥١٥٤٠١٢٣٤")  # non-ASCII digits
    bad_century = "9005157" + ok11[7:]
    with pytest.raises(InvalidIin, match="7th digit"):
        validate_iin(bad_century + "0")
    bad_date = find("9002304", "first")  # 30 February
    with pytest.raises(InvalidIin, match="birth date"):
        validate_iin(bad_date + str(rule(bad_date)))
    not_leap = find("0302295", "first")  # 2003 is not a leap year
    with pytest.raises(InvalidIin, match="birth date"):
        validate_iin(not_leap + str(rule(not_leap)))
    # spaces are tolerated, and an error message never repeats the number
    spaced = ok11[:6] + " " + ok11[6:] + str(rule(ok11))
    assert validate_iin(spaced).birth_date == date(1990, 5, 15)
    try:
        validate_iin(ok11 + str((rule(ok11) + 1) % 10))
    except InvalidIin as exc:
        assert ok11 not in str(exc)


def test_hashes() -> None:
    first11 = find("9005154", "first")
    iin = first11 + str(rule(first11))
    secret = b"a server-side secret of 32 bytes!"
    digest = iin_digest(iin, secret)
    assert digest == iin_digest(iin[:6] + " " + iin[6:], secret) and len(digest) == 64
    assert digest != iin_digest(iin, b"another server-side secret, 32 b")
    assert iin not in digest
    with pytest.raises(InvalidIin):
        iin_digest(first11 + str((rule(first11) + 1) % 10), secret)
    # Open Badges 3.0 IdentityHash: "sha256$" + hex(sha256(identity + salt))
    assert identity_hash(iin, "s@lt") == "sha256$" + hashlib.sha256((iin + "s@lt").encode()).hexdigest()
    assert identity_hash("Әлия", "x") == "sha256$" + hashlib.sha256("Әлияx".encode()).hexdigest()
