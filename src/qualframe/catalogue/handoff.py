"""Handing a self-assessment to a recognition centre as the start of an assessment: the domain rules.

A specialist who kept a self-assessment (no account) asks a recognition centre to assess them on one of its
programmes. The request carries the least personal data that lets the centre answer: a full name and ONE
contact (an email address or a phone number), and the time the person consented to hand it over. No IIN:
that is recorded, if at all, by the assessment itself.

The centre moves a request through `STATES`: new -> accepted or declined; accepted -> assessed (or declined,
e.g. when the person did not come); a new request may also go straight to assessed. Declined and assessed are
final. What the centre sees of the self-assessment: the fit per column on the programme's row, the best
fitting row and the size of the gap to the next step (`summary`), and the self-ratings as words (`rating_words`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from qualframe.catalogue import selfassess
from qualframe.model import Framework
from qualframe.model.messages import N_, Text, in_context, not_one_of

STATES: tuple[str, ...] = ("new", "accepted", "declined", "assessed")
OPEN_STATES: tuple[str, ...] = ("new", "accepted")
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"accepted", "declined", "assessed"}),
    "accepted": frozenset({"declined", "assessed"}),
    "declined": frozenset(),
    "assessed": frozenset(),
}
RATING_WORDS: dict[int, str] = {0: "not_yet", 1: "partly", 2: "fully"}
MAX_NAME = 200  # as an assessment's candidate name (credentials.recognition.MAX_NAME)
MAX_REASON = 500
PHONE_DIGITS = (8, 15)  # E.164 allows at most 15 digits after the +
_PHONE_PUNCTUATION = frozenset(" -().\u00a0")


class HandoffError(ValueError):
    """The request cannot be accepted; `errors` lists (field, message), one per field that is wrong.

    The messages are :class:`Text`: English in the API, the page's language on the form."""

    def __init__(self, errors: Sequence[tuple[str, str]]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{f}: {m}" for f, m in self.errors))

    @property
    def fields(self) -> dict[str, str]:
        return dict(self.errors)


class TransitionRefused(ValueError):
    """The workflow does not allow this state change; the message (a :class:`Text`) names both states, as the
    centre's list of requests labels them on a page."""


def clean_name(value: Any) -> str:
    """A full name, whitespace folded; refused when empty, longer than MAX_NAME or with control characters."""
    required = Text(N_("required: the full name the centre will call you by"))
    if not isinstance(value, str):
        raise HandoffError([("candidate_name", required)])
    name = " ".join(unicodedata.normalize("NFC", value).split())
    if not name:
        raise HandoffError([("candidate_name", required)])
    if len(name) > MAX_NAME:
        raise HandoffError([("candidate_name", Text(N_("at most %(n)s characters"), n=MAX_NAME))])
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in name):
        raise HandoffError([("candidate_name", Text(N_("control or unassigned characters are not allowed")))])
    return name


def phone(value: str) -> str:
    """A phone number in international form (+<digits>); a Kazakh domestic 8 7xx... number becomes +7 7xx...

    Spaces, hyphens, dots and parentheses are allowed between the digits and dropped.
    """
    v = (value or "").strip()
    if len(v) > 40:
        raise HandoffError([("contact", Text(N_("a phone number has at most 15 digits")))])
    plus = v.startswith("+")
    body = v[1:] if plus else v
    if any(not (c.isascii() and c.isdigit()) and c not in _PHONE_PUNCTUATION for c in body):
        raise HandoffError([("contact", Text(N_("give an email address or a phone number such as "
                                                 "+7 701 234 56 78")))])
    digits = "".join(c for c in body if c.isdigit())
    if not plus:
        # the domestic trunk prefix 8 of Kazakhstan (and Russia): 8 7xx xxx xx xx is +7 7xx xxx xx xx
        if len(digits) == 11 and digits[0] == "8":
            digits = "7" + digits[1:]
        else:
            raise HandoffError([("contact", Text(N_("write the phone number with its country code, "
                                                     "e.g. +7 701 234 56 78")))])
    lo, hi = PHONE_DIGITS
    if not lo <= len(digits) <= hi or digits[0] == "0":
        raise HandoffError([("contact", Text(N_("a phone number has %(lo)s to %(hi)s digits after the country's "
                                                "+, not starting with 0"), lo=lo, hi=hi))])
    return "+" + digits


def consent(value: Any) -> bool:
    """The person's explicit consent (a ticked box, JSON true); anything else is refused."""
    if value is True or (isinstance(value, str) and value.strip().lower() in ("on", "true", "yes", "1")):
        return True
    raise HandoffError([("consent", Text(N_("tick the box to agree that the centre receives your name, contact "
                                            "and self-assessment")))])


def reason(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    if len(text) > MAX_REASON:
        raise HandoffError([("reason", Text(N_("at most %(n)s characters"), n=MAX_REASON))])
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise HandoffError([("reason", Text(N_("control characters are not allowed")))])
    return text or None


def check_transition(current: str, new: str) -> None:
    """Refuse a state change the workflow does not allow."""
    if new not in STATES:
        raise HandoffError([("state", not_one_of(new, STATES))])
    if new not in TRANSITIONS.get(current, frozenset()):
        raise TransitionRefused(Text(N_("a request that is %(current)s cannot become %(new)s"),
                                     current=in_context("request state", current),
                                     new=in_context("request state", new)))


def candidate_rows(fw: Framework, row_ids: Iterable[str]) -> list[str]:
    """The rows a centre's programme may be on to be offered: each rated row and the rows of the same area and
    NQF level (the other sub-level), in framework order."""
    given = set(row_ids)
    wanted: set[tuple[str, int]] = set()
    for area, row in fw.rows():
        if row.id in given:
            wanted.add((area.code, row.nqf_level))
    return [row.id for area, row in fw.rows() if (area.code, row.nqf_level) in wanted and row.descriptors]


def rating_words(ratings: Mapping[str, int], descriptor_ids: Iterable[str] | None = None) -> dict[str, str]:
    """The self-ratings as words ("not_yet", "partly", "fully"), limited to `descriptor_ids` when given."""
    keep = None if descriptor_ids is None else set(descriptor_ids)
    return {d: RATING_WORDS[int(v)] for d, v in ratings.items()
            if int(v) in RATING_WORDS and (keep is None or d in keep)}


def summary(fw: Framework, row_ids: Sequence[str], ratings: Mapping[str, int], row_id: str) -> dict[str, Any]:
    """What a centre sees first: the fit per column on `row_id` (the programme's row), the best-fitting row of
    the self-assessment, and the gap to its next step (row and number of descriptors not yet fully met)."""
    result = selfassess.assess(fw, row_ids, ratings)
    fit = selfassess.row_fit(fw.row(row_id), ratings)
    gap = result["gap"]
    return {"row_id": row_id, "columns": fit.columns, "overall": fit.overall, "rated": fit.rated,
            "total": fit.total, "best_row_id": result["best_row_id"],
            "gap": {"row_id": gap["row_id"], "count": len(gap["items"])} if gap else None}
