"""Qualification certificates as Open Badges 3.0 `OpenBadgeCredential`s (VC 2.0 data model, OB context 3.0.3).

Only terms the two contexts define are used (undefined terms are refused on issue and on verify):
- issuer: an OB `Profile` whose `id` is the centre's DID and `name` its Kazakh name (the authoritative one);
  Russian/English names and the accreditation are `otherIdentifier` entries (`IdentifierEntry` with
  `identifierType` "ext:name-ru", "ext:name-en", "ext:accreditationNumber", …), since OB 3.0 gives a profile
  one `name` string and no accreditation field; `description` states the accreditation in words;
- the certificate number is `credentialSubject.licenseNumber` ("the license number that was issued with this
  credential" in OB 3.0);
- the holder is identified by `IdentityObject`s: the name in clear (`identityType` "name", `hashed` false) and,
  when known, the IIN as a salted `identityHash` (`identityType` "nationalIdentityNumber", `hashed` true);
- `achievement.alignment` points at the framework row's CASE item ("CFItem") and its level page.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from qualframe.credentials.dataintegrity import Signer, create_proof
from qualframe.credentials.iin import identity_hash, normalize_iin, validate_iin
from qualframe.credentials.jsonld import CREDENTIALS_V2, OB_V3P0, expand_strict

OB_CREDENTIAL_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]


class CredentialBuildError(ValueError):
    """Input that cannot make a well-formed certificate (names the field)."""


@dataclass(frozen=True)
class Accreditation:
    """The centre's accreditation, as shown on its certificates."""

    number: str
    body: str
    valid_from: date
    valid_until: date | None = None


@dataclass(frozen=True)
class IssuerProfile:
    """The recognition centre issuing the certificate. `names` maps language -> name; "kk" is required."""

    id: str
    names: dict[str, str]
    url: str | None = None
    email: str | None = None
    accreditation: Accreditation | None = None


@dataclass(frozen=True)
class Alignment:
    """An OB `Alignment`: targetType "CFItem" for a CASE item, or an "ext:…" type."""

    target_name: str
    target_url: str
    target_type: str = "CFItem"
    target_code: str | None = None
    target_framework: str | None = None
    target_description: str | None = None


@dataclass(frozen=True)
class AchievementInfo:
    """The qualification the certificate confirms."""

    id: str
    name: str
    description: str
    criteria: str
    achievement_type: str = "Certification"
    human_code: str | None = None
    field_of_study: str | None = None
    language: str = "kk"
    alignments: Sequence[Alignment] = field(default_factory=tuple)


@dataclass(frozen=True)
class Holder:
    """The certificate holder: name in clear; the IIN only ever as a salted hash; an optional DID."""

    name: str
    iin: str | None = field(default=None, repr=False)
    id: str | None = None


def xsd_datetime(value: datetime | date | str) -> str:
    """An XSD dateTime string in UTC with 'Z' (a date means its midnight UTC)."""
    if isinstance(value, str):
        return value
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _required(value: str | None, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CredentialBuildError(f"{what} is required")
    return value.strip()


def identity_object(identity: str, identity_type: str, *, hashed: bool, salt: str | None = None) -> dict[str, Any]:
    """An OB 3.0 IdentityObject; hashed ones carry 'sha256$…' of identity+salt and the salt (a fresh one if None)."""
    obj: dict[str, Any] = {"type": "IdentityObject", "identityType": identity_type, "hashed": hashed}
    if hashed:
        salt = salt if salt is not None else secrets.token_hex(16)
        obj["identityHash"] = identity_hash(identity, salt)
        obj["salt"] = salt
    else:
        obj["identityHash"] = identity
    return obj


def _issuer(profile: IssuerProfile) -> dict[str, Any]:
    kk = _required(profile.names.get("kk"), "issuer name in Kazakh (names['kk'])")
    issuer: dict[str, Any] = {"id": _required(profile.id, "issuer id (the centre's DID)"), "type": ["Profile"],
                              "name": kk}
    if profile.url:
        issuer["url"] = profile.url
    if profile.email:
        issuer["email"] = profile.email
    others = [
        {"type": "IdentifierEntry", "identifier": name, "identifierType": f"ext:name-{lang}"}
        for lang, name in sorted(profile.names.items()) if lang != "kk" and name
    ]
    acc = profile.accreditation
    if acc:
        until = acc.valid_until.isoformat() if acc.valid_until else "no end date"
        issuer["description"] = (f"Accredited by {acc.body}, accreditation No. {acc.number}, "
                                 f"valid {acc.valid_from.isoformat()} to {until}.")
        others += [
            {"type": "IdentifierEntry", "identifier": acc.number, "identifierType": "ext:accreditationNumber"},
            {"type": "IdentifierEntry", "identifier": acc.body, "identifierType": "ext:accreditationBody"},
            {"type": "IdentifierEntry", "identifier": acc.valid_from.isoformat(),
             "identifierType": "ext:accreditationValidFrom"},
        ]
        if acc.valid_until:
            others.append({"type": "IdentifierEntry", "identifier": acc.valid_until.isoformat(),
                           "identifierType": "ext:accreditationValidUntil"})
    if others:
        issuer["otherIdentifier"] = others
    return issuer


def _alignment(a: Alignment) -> dict[str, Any]:
    out: dict[str, Any] = {"type": ["Alignment"], "targetName": _required(a.target_name, "alignment targetName"),
                           "targetUrl": _required(a.target_url, "alignment targetUrl"),
                           "targetType": a.target_type}
    if a.target_code:
        out["targetCode"] = a.target_code
    if a.target_framework:
        out["targetFramework"] = a.target_framework
    if a.target_description:
        out["targetDescription"] = a.target_description
    return out


def _achievement(info: AchievementInfo) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": _required(info.id, "achievement id"),
        "type": ["Achievement"],
        "achievementType": info.achievement_type,
        "name": _required(info.name, "achievement name"),
        "description": _required(info.description, "achievement description"),
        "criteria": {"narrative": _required(info.criteria, "achievement criteria")},
        "inLanguage": info.language,
    }
    if info.human_code:
        out["humanCode"] = info.human_code
    if info.field_of_study:
        out["fieldOfStudy"] = info.field_of_study
    if info.alignments:
        out["alignment"] = [_alignment(a) for a in info.alignments]
    return out


def build_credential(
    *,
    credential_id: str,
    issuer: IssuerProfile,
    achievement: AchievementInfo,
    holder: Holder,
    certificate_number: str,
    valid_from: datetime | date | str,
    valid_until: datetime | date | str | None = None,
    awarded_date: datetime | date | str | None = None,
    status_entries: Sequence[dict[str, Any]] = (),
    identity_salt: str | None = None,
) -> dict[str, Any]:
    """An unsigned OpenBadgeCredential for a qualification certificate (checked: no undefined terms)."""
    subject: dict[str, Any] = {}
    if holder.id:
        subject["id"] = holder.id
    subject["type"] = ["AchievementSubject"]
    identifiers = [identity_object(_required(holder.name, "holder name"), "name", hashed=False)]
    if holder.iin:
        iin = normalize_iin(holder.iin)
        validate_iin(iin)  # InvalidIin (a ValueError) names the failing rule, never the number
        identifiers.append(identity_object(iin, "nationalIdentityNumber", hashed=True, salt=identity_salt))
    subject["identifier"] = identifiers
    subject["licenseNumber"] = _required(certificate_number, "certificate number")
    subject["achievement"] = _achievement(achievement)
    credential: dict[str, Any] = {
        "@context": [CREDENTIALS_V2, OB_V3P0],
        "id": _required(credential_id, "credential id"),
        "type": list(OB_CREDENTIAL_TYPES),
        "issuer": _issuer(issuer),
        "name": achievement.name,
        "validFrom": xsd_datetime(valid_from),
    }
    if valid_until is not None:
        credential["validUntil"] = xsd_datetime(valid_until)
    if awarded_date is not None:
        credential["awardedDate"] = xsd_datetime(awarded_date)
    credential["credentialSubject"] = subject
    if status_entries:
        credential["credentialStatus"] = [dict(e) for e in status_entries]
    expand_strict(credential)  # CanonicalizationError if any term or IRI would not be signed
    return credential


def issue_credential(credential: dict[str, Any], signer: Signer, *, created: str | None = None) -> dict[str, Any]:
    """Sign a credential with the issuer's key (`eddsa-rdfc-2022`). The issuer must be the key's DID."""
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    key_did = signer.verification_method.partition("#")[0]
    if issuer_id != key_did:
        raise CredentialBuildError(f"issuer {issuer_id!r} is not the DID of the signing key ({key_did})")
    if "proof" in credential:
        raise CredentialBuildError("the credential is already signed")
    return create_proof(credential, signer, created=created)
