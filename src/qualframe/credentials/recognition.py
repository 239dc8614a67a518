"""Recognition of qualifications: programmes, assessments and their outcome, certificate numbers, the holder's
name as the register shows it, and the certificate credential built from them (pure: no web, no database).

A qualification programme of a recognition centre covers descriptors of one framework row, assessed by some
of the methods in `METHODS`, with a pass rule per column: "all" covered descriptors met, or "at least N".
An assessment records, for every covered descriptor, met / not met and an evidence note; its outcome follows
from the rules (`evaluate`). Only a passed assessment of an accredited centre becomes a certificate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from qualframe.credentials.openbadge import (
    Accreditation,
    AchievementInfo,
    Alignment,
    Holder,
    IssuerProfile,
    build_credential,
)
from qualframe.model.messages import N_, Text, labelled, not_one_of

METHODS = ("test", "practical", "portfolio", "interview")
COLUMNS = ("competences", "skills", "knowledge")
CONSENTS = ("full", "masked")
MAX_NOTE = 2000
MAX_NAME = 200
_NUMBER_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,63}-(\d{4})-(\d{6,})$")


def _required_name() -> Text:
    return Text(N_("required, at most %(n)s characters"), n=MAX_NAME)


class RecognitionError(ValueError):
    """Input that cannot make a programme, an assessment or a certificate; `field` names where. The argument is
    "field: message" as a :class:`Text`, so a page shows a translated `message` (the API keeps the English)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(labelled(field, message))
        self.field = field
        self.message = message


@dataclass(frozen=True)
class PassRule:
    """How many covered descriptors of one column must be met: all of them, or at least `at_least`."""

    at_least: int | None = None  # None: all

    def to_json(self) -> str | int:
        return "all" if self.at_least is None else self.at_least

    def describe(self, total: int) -> str:
        return f"all {total}" if self.at_least is None else f"at least {self.at_least} of {total}"


def parse_rule(value: Any, column: str) -> PassRule:
    """A pass rule from "all", a count (int or decimal string) or {"at_least": N}."""
    if isinstance(value, dict) and set(value) == {"at_least"}:
        value = value["at_least"]
    if value == "all" or value is None:
        return PassRule()
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 4:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return PassRule(value)
    raise RecognitionError(f"pass_rules.{column}", Text(N_("%(value)s is not 'all' or a count of at least 1"),
                                                        value=repr(value)))


@dataclass(frozen=True)
class ProgrammeSpec:
    """A validated programme: the row, covered descriptor ids by column, methods and rules by column."""

    framework_id: str
    row_id: str
    title: str
    covered: dict[str, tuple[str, ...]]
    methods: tuple[str, ...]
    rules: dict[str, PassRule]
    validity_years: int

    def to_json(self) -> dict[str, Any]:
        return {"framework_id": self.framework_id, "row_id": self.row_id, "title": self.title,
                "descriptors": {c: list(ids) for c, ids in self.covered.items()}, "methods": list(self.methods),
                "pass_rules": {c: r.to_json() for c, r in self.rules.items()},
                "validity_years": self.validity_years}


def programme_spec(*, framework_id: str, row_id: str, title: str, row_descriptors: Mapping[str, Sequence[str]],
                   descriptors: Iterable[str] | None, methods: Iterable[str], rules: Mapping[str, Any] | None,
                   validity_years: int = 5) -> ProgrammeSpec:
    """Check a programme against its framework row (`row_descriptors`: column -> descriptor ids of the row).

    `descriptors` None covers the whole row; rules default to "all" for every column that has descriptors.
    """
    title = " ".join((title or "").split())
    if not title or len(title) > MAX_NAME:
        raise RecognitionError("title", _required_name())
    by_id = {d: c for c, ids in row_descriptors.items() for d in ids}
    if not by_id:
        raise RecognitionError("row_id", Text(N_("row %(row)s has no descriptors: nothing can be assessed"),
                                              row=row_id))
    chosen = list(dict.fromkeys(descriptors)) if descriptors is not None else list(by_id)
    if not chosen:
        raise RecognitionError("descriptors", Text(N_("a programme covers at least one descriptor")))
    unknown = [d for d in chosen if d not in by_id]
    if unknown:
        raise RecognitionError("descriptors", Text(N_("%(ids)s not in row %(row)s"), ids=", ".join(unknown[:5]),
                                                   row=row_id))
    covered = {c: tuple(d for d in row_descriptors.get(c, ()) if d in chosen) for c in COLUMNS}
    covered = {c: ids for c, ids in covered.items() if ids}
    ms = tuple(dict.fromkeys(methods))
    if not ms:
        raise RecognitionError("methods", Text(N_("at least one of %(methods)s"), methods=", ".join(METHODS)))
    bad = [m for m in ms if m not in METHODS]
    if bad:
        raise RecognitionError("methods", Text(N_("%(bad)s not one of %(methods)s"), bad=", ".join(bad),
                                               methods=", ".join(METHODS)))
    rules = dict(rules or {})
    extra = [c for c in rules if c not in covered]
    if extra:
        raise RecognitionError("pass_rules", Text(
            N_("%(columns)s: not a column with covered descriptors (%(covered)s)"), columns=", ".join(extra),
            covered=", ".join(covered)))
    parsed = {c: parse_rule(rules.get(c, "all"), c) for c in covered}
    for c, r in parsed.items():
        if r.at_least is not None and r.at_least > len(covered[c]):
            raise RecognitionError(f"pass_rules.{c}", Text(
                N_("at least %(n)s, but only %(covered)s descriptors of this column are covered"), n=r.at_least,
                covered=len(covered[c])))
    if not isinstance(validity_years, int) or not 1 <= validity_years <= 50:
        raise RecognitionError("validity_years", Text(N_("between 1 and 50")))
    return ProgrammeSpec(framework_id, row_id, title, covered, ms, parsed, validity_years)


def spec_from_json(data: Mapping[str, Any]) -> ProgrammeSpec:
    """The ProgrammeSpec of a stored programme (already validated when it was made)."""
    return ProgrammeSpec(data["framework_id"], data["row_id"], data["title"],
                         {c: tuple(ids) for c, ids in data["descriptors"].items()}, tuple(data["methods"]),
                         {c: parse_rule(v, c) for c, v in data["pass_rules"].items()}, int(data["validity_years"]))


@dataclass(frozen=True)
class Outcome:
    """The outcome of an assessment: passed, and per column met/total/rule with a sentence each."""

    passed: bool
    columns: dict[str, dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {"passed": self.passed, "outcome": "passed" if self.passed else "not passed",
                "columns": self.columns}


def check_results(spec: ProgrammeSpec, results: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Validated results: exactly the covered descriptors, each {"met": bool, "evidence": str}."""
    covered = [d for ids in spec.covered.values() for d in ids]
    if not isinstance(results, Mapping):
        raise RecognitionError("results", Text(N_("an object: descriptor id -> {met, evidence}")))
    unknown = [d for d in results if d not in covered]
    if unknown:
        raise RecognitionError("results", Text(N_("%(ids)s not covered by the programme"),
                                               ids=", ".join(map(str, unknown[:5]))))
    missing = [d for d in covered if d not in results]
    if missing:
        raise RecognitionError("results", Text(N_("no result for %(ids)s%(more)s"), ids=", ".join(missing[:5]), more=(
            Text(N_(" (and %(n)s more)"), n=len(missing) - 5) if len(missing) > 5 else "")))
    out: dict[str, dict[str, Any]] = {}
    for d in covered:
        r = results[d]
        if isinstance(r, bool):
            r = {"met": r}
        if not isinstance(r, Mapping) or not isinstance(r.get("met"), bool):
            raise RecognitionError(f"results.{d}", Text(N_('expected {"met": true|false, "evidence": "..."}')))
        note = r.get("evidence") or ""
        if not isinstance(note, str) or len(note) > MAX_NOTE:
            raise RecognitionError(f"results.{d}.evidence", Text(N_("text of at most %(n)s characters"), n=MAX_NOTE))
        out[d] = {"met": r["met"], "evidence": note.strip()}
    return out


def evaluate(spec: ProgrammeSpec, results: Mapping[str, Mapping[str, Any]]) -> Outcome:
    """The outcome of checked results under the programme's pass rules."""
    columns: dict[str, dict[str, Any]] = {}
    passed = True
    for c, ids in spec.covered.items():
        met = sum(1 for d in ids if results[d]["met"])
        rule = spec.rules[c]
        need = len(ids) if rule.at_least is None else rule.at_least
        ok = met >= need
        passed = passed and ok
        columns[c] = {"met": met, "total": len(ids), "rule": rule.to_json(), "passed": ok,
                      "summary": f"{met} of {len(ids)} met; needs {rule.describe(len(ids))}"}
    return Outcome(passed, columns)


def clean_name(value: str) -> str:
    """A person's full name with whitespace folded; RecognitionError when empty or too long."""
    name = " ".join((value or "").split())
    if not name or len(name) > MAX_NAME:
        raise RecognitionError("candidate_name", _required_name())
    return name


def masked_name(name: str) -> str:
    """The holder's name as a register shows it without full consent: first name, initials of the rest."""
    parts = name.split()
    if not parts:
        return ""
    return " ".join([parts[0], *(p[0] + "." for p in parts[1:])])


def display_name(name: str, consent: str) -> str:
    """The name the public register shows: in full, or masked (the default)."""
    return name if consent == "full" else masked_name(name)


def consent_value(value: str | None) -> str:
    if value is None:
        return "masked"
    if value not in CONSENTS:
        raise RecognitionError("holder_consent", not_one_of(value, CONSENTS))
    return value


def certificate_number(slug: str, year: int, seq: int) -> str:
    """`<SLUG>-<YEAR>-<seq>`, e.g. KAZCERT-2026-000017: unique per centre, stable, human-readable."""
    return f"{slug.upper()}-{year:04d}-{seq:06d}"


def looks_like_number(value: str) -> bool:
    """Whether a string has the shape of a certificate number (checked before any look-up)."""
    return bool(_NUMBER_RE.match(value or ""))


def accredited_on(accreditation: Mapping[str, Any] | None, day: date) -> tuple[bool, str]:
    """Whether an accreditation {number, valid_from, valid_to} covers `day`, and a sentence saying so."""
    if not accreditation or not accreditation.get("number"):
        return False, Text(N_("the centre has no accreditation on record"))
    start, end = accreditation.get("valid_from"), accreditation.get("valid_to")
    if start and day < start:
        return False, Text(N_("accreditation %(number)s starts %(start)s, after %(day)s"),
                           number=accreditation["number"], start=start.isoformat(), day=day.isoformat())
    if end and day > end:
        return False, Text(N_("accreditation %(number)s ended %(end)s, before %(day)s"),
                           number=accreditation["number"], end=end.isoformat(), day=day.isoformat())
    return True, Text(N_("accreditation %(number)s valid %(start)s to %(end)s, covering %(day)s"),
                      number=accreditation["number"], start=start.isoformat() if start else "…",
                      end=end.isoformat() if end else Text(N_("no end")), day=day.isoformat())


@dataclass(frozen=True)
class CertificateInput:
    """Everything a certificate credential states, gathered by the store from its rows."""

    credential_id: str
    number: str
    issuer: IssuerProfile
    achievement: AchievementInfo
    holder_name: str
    valid_from: str
    valid_until: str
    awarded: date
    status_entries: Sequence[dict[str, Any]]
    identity: Mapping[str, str] | None = None  # {"identityHash", "salt"} of the IIN, computed when recorded


def national_id_identity(identity_hash: str, salt: str) -> dict[str, Any]:
    """The OB 3.0 IdentityObject of a salted IIN hash (the IIN itself is never part of a credential)."""
    return {"type": "IdentityObject", "identityType": "nationalIdentityNumber", "hashed": True,
            "identityHash": identity_hash, "salt": salt}


def certificate_credential(data: CertificateInput) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential of a certificate (undefined terms refused by build_credential)."""
    credential = build_credential(
        credential_id=data.credential_id, issuer=data.issuer, achievement=data.achievement,
        holder=Holder(name=data.holder_name), certificate_number=data.number, valid_from=data.valid_from,
        valid_until=data.valid_until, awarded_date=data.awarded, status_entries=data.status_entries)
    if data.identity:
        credential["credentialSubject"]["identifier"].append(
            national_id_identity(data.identity["identityHash"], data.identity["salt"]))
    return credential


def issuer_profile(did: str, names: Mapping[str, str], url: str, accreditation: Mapping[str, Any] | None,
                   body: str = "Regional chamber of entrepreneurs") -> IssuerProfile:
    """The OB issuer profile of a centre from its organisation record."""
    acc = None
    if accreditation and accreditation.get("number") and accreditation.get("valid_from"):
        acc = Accreditation(accreditation["number"], body, accreditation["valid_from"], accreditation.get("valid_to"))
    return IssuerProfile(id=did, names=dict(names), url=url, accreditation=acc)


def achievement_info(*, achievement_id: str, title: str, row_label: str, area_code: str, nqf_level: int,
                     sqf_level: str | None, framework_id: str, row_id: str, case_item_url: str, level_url: str,
                     descriptor_texts: Sequence[str], methods: Sequence[str], rules_text: str) -> AchievementInfo:
    """The `achievement` of a programme's certificates: the qualification and its alignment to the framework."""
    sqf = f", SQF {sqf_level}" if sqf_level else ""
    description = (f"Qualification of area {area_code}, NQF level {nqf_level}{sqf} of the framework {framework_id} "
                   f"(row {row_id}). Descriptors assessed: " + " | ".join(descriptor_texts))
    criteria = f"Assessed by {', '.join(methods)}; pass rule: {rules_text}."
    return AchievementInfo(
        id=achievement_id, name=title, description=description, criteria=criteria,
        human_code=f"{area_code} NQF {nqf_level}{sqf}", field_of_study=area_code,
        alignments=(
            Alignment(f"{area_code} · NQF {nqf_level}{sqf}", case_item_url, "CFItem", row_id, framework_id),
            Alignment(f"{area_code} · {row_label}", level_url, "ext:LevelPage", row_id),
        ),
    )
