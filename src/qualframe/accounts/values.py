"""Validation of the plain values accounts are made of: emails, slugs, languages, kinds, roles, durations.

Each function returns the normalised value or raises `InvalidValue` naming the field and the problem. The
problem is a :class:`Text`: the English sentence in the API and the CLI, the page's language on a page.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

from qualframe.accounts.policy import ROLES
from qualframe.model.messages import N_, Text, field_label, labelled, not_one_of

LANGS = ("kk", "ru", "en")
ORG_KINDS = ("employer", "recognition-centre", "standards-body", "education")

_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?\.[A-Za-z]{2,63}$")
_SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_DURATION_RE = re.compile(r"^(\d{1,5})([mhdw])$")
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
MAX_TOKEN_DAYS = 366
TOKEN_LIFETIMES = ("1d", "7d", "30d", "90d", "366d")  # the choices offered in forms


class InvalidValue(ValueError):
    """A value that cannot be accepted; `field` says which, `message` (a :class:`Text`) what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    @property
    def text(self) -> Text:
        """"field: message" as a :class:`Text`: exactly ``str(self)`` in English, the field's label and the
        message translated on a page."""
        base, _, lang_code = self.field.partition(".")  # name.kk: an organisation's name in one language
        label = field_label(base)
        field: str = Text(N_("%(field)s.%(lang)s"), field=label, lang=lang_code) if lang_code else label
        return labelled(field, self.message)


def email(value: str) -> str:
    """Trimmed, NFC-normalised email; uniqueness is by `email_key`."""
    v = unicodedata.normalize("NFC", (value or "").strip())
    if len(v) > 254 or not _EMAIL_RE.match(v):
        raise InvalidValue("email", Text(N_("%(value)s is not an email address"), value=repr(v[:80])))
    return v


def email_key(value: str) -> str:
    """The case-insensitive key an email is unique by."""
    return email(value).casefold()


def display_name(value: str | None, fallback: str) -> str:
    v = " ".join((value or "").split())
    if not v:
        v = fallback.split("@", 1)[0]
    if len(v) > 120:
        raise InvalidValue("name", Text(N_("at most %(n)s characters"), n=120))
    if any(unicodedata.category(c) == "Cc" for c in v):
        raise InvalidValue("name", Text(N_("control characters are not allowed")))
    return v


def lang(value: str) -> str:
    if value not in LANGS:
        raise InvalidValue("lang", not_one_of(value, LANGS))
    return value


def slug(value: str) -> str:
    v = (value or "").strip()
    if not _SLUG_RE.match(v):
        raise InvalidValue("slug", Text(N_("%(value)s: use 1-64 lower-case letters, digits and inner hyphens"),
                                          value=repr(v[:80])))
    return v


def org_kind(value: str) -> str:
    if value not in ORG_KINDS:
        raise InvalidValue("kind", not_one_of(value, ORG_KINDS))
    return value


def role(value: str) -> str:
    if value not in ROLES:
        raise InvalidValue("role", not_one_of(value, ROLES))
    return value


def org_names(names: dict[str, str]) -> dict[str, str]:
    out = {k: " ".join(v.split()) for k, v in names.items() if v and v.strip()}
    for k, v in out.items():
        if k not in LANGS:
            raise InvalidValue("name", Text(N_("unknown language %(lang)s"), lang=repr(k)))
        if len(v) > 300:
            raise InvalidValue(f"name.{k}", Text(N_("at most %(n)s characters"), n=300))
    if not out:
        raise InvalidValue("name", Text(N_("an organisation needs a name")))
    return out


def duration(value: str) -> timedelta:
    """'30d', '12h', '90m', '2w' -> timedelta (at most MAX_TOKEN_DAYS)."""
    m = _DURATION_RE.match((value or "").strip())
    if not m:
        raise InvalidValue("expires", Text(N_("%(value)s: write a number and a unit m, h, d or w, e.g. 30d"),
                                             value=repr(value)))
    td = timedelta(seconds=int(m.group(1)) * _UNITS[m.group(2)])
    if td <= timedelta(0) or td > timedelta(days=MAX_TOKEN_DAYS):
        raise InvalidValue("expires", Text(N_("between 1 minute and %(days)s days"), days=MAX_TOKEN_DAYS))
    return td


def accreditation(number: str | None, valid_from: date | None, valid_to: date | None, kind: str) -> dict | None:
    """The accreditation of a recognition centre, or None; only recognition centres may have one."""
    if number is None and valid_from is None and valid_to is None:
        return None
    if kind != "recognition-centre":
        raise InvalidValue("accreditation", Text(N_("only a recognition-centre has an accreditation")))
    if not number or not number.strip() or len(number) > 100:
        raise InvalidValue("accreditation", Text(N_("a certificate number (1-100 characters) is required")))
    if valid_from is None or valid_to is None:
        raise InvalidValue("accreditation", Text(N_("both valid-from and valid-to dates are required")))
    if valid_to < valid_from:
        raise InvalidValue("valid-to", Text(N_("%(to)s is before valid-from %(start)s"), to=str(valid_to),
                                              start=str(valid_from)))
    return {"number": number.strip(), "valid_from": valid_from, "valid_to": valid_to}
