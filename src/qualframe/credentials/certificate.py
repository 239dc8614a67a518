"""The PDF certificate a holder keeps: a signed credential plus display data, rendered in kk, ru or en.

The page shows the qualification, the framework row (area, NQF/SQF level) with its descriptors, the recognition
centre and its accreditation, the dates, the number and a QR code of the public register page; the signed
credential itself is embedded in the PDF as `credential.json`, so the paper copy and the file verify alike.

The Kazakh descriptors are the official text. The Russian and English certificates show the unofficial
translations shipped with qualframe (`qualframe.translations`) and say so; a descriptor without a current
translation is shown in Kazakh. The fixed wording of the form is kept here in the three languages, like the
text of a printed form, so a certificate never falls back to English wording.

Everything taken from data is HTML-escaped; the renderer loads nothing from outside (see documents.pdf).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from html import escape
from typing import Any

from qualframe import translations
from qualframe.credentials.openbadge import Accreditation
from qualframe.documents.pdf import EmbeddedFile, render_pdf
from qualframe.documents.qr import qr_svg
from qualframe.model import COLUMNS, Area, LevelRow

LANGS = ("kk", "ru", "en")
CREDENTIAL_FILE = "credential.json"

# The fixed wording of the certificate form, per language.
FORM: dict[str, dict[str, str]] = {
    "kk": {
        "title": "БІЛІКТІЛІК СЕРТИФИКАТЫ",
        "number": "Сертификат нөмірі",
        "holder": "Сертификат иесі",
        "qualification": "Танылған біліктілік",
        "framework": "Біліктілік шеңбері",
        "area": "Кәсіби қызмет саласы",
        "level": "Деңгей",
        "nqf": "ҰБШ деңгейі",
        "sqf": "СБШ деңгейі",
        "sublevel": "Кіші деңгей",
        "managerial": "басқарушылық қызмет",
        "production": "өндірістік қызмет",
        "descriptors": "Деңгей дескрипторлары",
        "competences": "Жеке және кәсіби құзыреттіліктер",
        "skills": "Іскерлік және машықтар",
        "knowledge": "Білім",
        "centre": "Тану орталығы",
        "accreditation": "Аккредиттеу",
        "accreditation_no": "№",
        "issued": "Берілген күні",
        "valid_until": "Жарамдылық мерзімі",
        "no_expiry": "мерзімсіз",
        "verify": "Сертификатты ашық тізілімнен тексеріңіз",
        "attached": ("Осы PDF файлына цифрлық қолтаңба қойылған сертификат салынған (credential.json, W3C "
                     "Verifiable Credential, Open Badges 3.0): оны кез келген адам желіге қосылмай-ақ тексере алады."),
        "official": "",
        "untranslated": "",
        "revoked": "СЕРТИФИКАТ КЕРІ ҚАЙТАРЫП АЛЫНДЫ",
        "suspended": "СЕРТИФИКАТТЫҢ ҚОЛДАНЫСЫ ТОҚТАТЫЛДЫ",
        "page": "бет",
    },
    "ru": {
        "title": "СЕРТИФИКАТ О КВАЛИФИКАЦИИ",
        "number": "Номер сертификата",
        "holder": "Обладатель сертификата",
        "qualification": "Признанная квалификация",
        "framework": "Рамка квалификаций",
        "area": "Область профессиональной деятельности",
        "level": "Уровень",
        "nqf": "Уровень НРК",
        "sqf": "Уровень ОРК",
        "sublevel": "Подуровень",
        "managerial": "управленческая деятельность",
        "production": "производственная деятельность",
        "descriptors": "Дескрипторы уровня",
        "competences": "Личностные и профессиональные компетенции",
        "skills": "Умения и навыки",
        "knowledge": "Знания",
        "centre": "Центр признания",
        "accreditation": "Аккредитация",
        "accreditation_no": "№",
        "issued": "Дата выдачи",
        "valid_until": "Действителен до",
        "no_expiry": "бессрочно",
        "verify": "Проверьте сертификат в открытом реестре",
        "attached": ("В этот PDF-файл вложен сертификат с цифровой подписью (credential.json, W3C Verifiable "
                     "Credential, Open Badges 3.0): его может проверить любой, даже без доступа к сети."),
        "official": ("Тексты на русском языке — неофициальный перевод; официальный текст рамки квалификаций — "
                     "на казахском языке."),
        "untranslated": "текст на казахском языке, перевода нет",
        "revoked": "СЕРТИФИКАТ ОТОЗВАН",
        "suspended": "ДЕЙСТВИЕ СЕРТИФИКАТА ПРИОСТАНОВЛЕНО",
        "page": "стр.",
    },
    "en": {
        "title": "QUALIFICATION CERTIFICATE",
        "number": "Certificate number",
        "holder": "Holder",
        "qualification": "Qualification recognised",
        "framework": "Qualification framework",
        "area": "Area of professional activity",
        "level": "Level",
        "nqf": "NQF level",
        "sqf": "SQF level",
        "sublevel": "Sub-level",
        "managerial": "managerial activity",
        "production": "production activity",
        "descriptors": "Level descriptors",
        "competences": "Personal and professional competences",
        "skills": "Abilities and skills",
        "knowledge": "Knowledge",
        "centre": "Recognition centre",
        "accreditation": "Accreditation",
        "accreditation_no": "No.",
        "issued": "Date of issue",
        "valid_until": "Valid until",
        "no_expiry": "no expiry date",
        "verify": "Check this certificate in the public register",
        "attached": ("This PDF carries the signed certificate (credential.json, a W3C Verifiable Credential in the "
                     "Open Badges 3.0 format): anyone can verify it, even offline."),
        "official": ("The English texts are an unofficial translation; only the Kazakh text of the framework is "
                     "official."),
        "untranslated": "Kazakh text, no translation",
        "revoked": "THIS CERTIFICATE HAS BEEN REVOKED",
        "suspended": "THIS CERTIFICATE IS SUSPENDED",
        "page": "page",
    },
}


class CertificateError(ValueError):
    """Display data or a credential that cannot make a certificate (names the field)."""


@dataclass(frozen=True)
class CertificateDisplay:
    """What the page shows besides the credential: the framework row and the register entry.

    `holder_name` is the name as the holder agreed to show it (full or masked); None takes the name in the
    credential. `qualification` optionally names the qualification per language (else the credential's
    achievement name). Centre names and accreditation default to what the credential's issuer profile says.
    `status` is "active", "revoked" or "suspended" (a banner on the page).
    """

    number: str
    register_url: str
    framework_id: str
    framework_title: str
    area: Area
    row: LevelRow
    holder_name: str | None = None
    qualification: Mapping[str, str] = field(default_factory=dict)
    centre_names: Mapping[str, str] = field(default_factory=dict)
    accreditation: Accreditation | None = None
    status: str = "active"


# ---- reading the credential --------------------------------------------------------------------------------

def _issuer_identifiers(credential: Mapping[str, Any]) -> dict[str, str]:
    issuer = credential.get("issuer")
    out: dict[str, str] = {}
    if isinstance(issuer, dict):
        for entry in issuer.get("otherIdentifier") or ():
            if isinstance(entry, dict) and isinstance(entry.get("identifier"), str):
                out[str(entry.get("identifierType", ""))] = entry["identifier"]
    return out


def centre_names(credential: Mapping[str, Any]) -> dict[str, str]:
    """The issuer's names by language: `name` is Kazakh, others come from `ext:name-<lang>` identifiers."""
    issuer = credential.get("issuer")
    names: dict[str, str] = {}
    if isinstance(issuer, dict) and isinstance(issuer.get("name"), str):
        names["kk"] = issuer["name"]
    for kind, value in _issuer_identifiers(credential).items():
        if kind.startswith("ext:name-"):
            names[kind.removeprefix("ext:name-")] = value
    return names


def accreditation_of(credential: Mapping[str, Any]) -> Accreditation | None:
    """The accreditation the issuer profile states (as openbadge.build_credential writes it), if any."""
    ids = _issuer_identifiers(credential)
    number, body, since = (ids.get(f"ext:accreditation{k}") for k in ("Number", "Body", "ValidFrom"))
    if not (number and body and since):
        return None
    try:
        until = ids.get("ext:accreditationValidUntil")
        return Accreditation(number, body, date.fromisoformat(since), date.fromisoformat(until) if until else None)
    except ValueError:
        return None


def holder_name_of(credential: Mapping[str, Any]) -> str | None:
    """The holder's name in clear (the unhashed `name` identity object)."""
    subject = credential.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else None
    if not isinstance(subject, dict):
        return None
    for ident in subject.get("identifier") or ():
        if (isinstance(ident, dict) and ident.get("identityType") == "name" and ident.get("hashed") is False
                and isinstance(ident.get("identityHash"), str)):
            return ident["identityHash"]
    return None


def _achievement_name(credential: Mapping[str, Any]) -> str | None:
    subject = credential.get("credentialSubject")
    if isinstance(subject, dict) and isinstance(subject.get("achievement"), dict):
        name = subject["achievement"].get("name")
        if isinstance(name, str):
            return name
    name = credential.get("name")
    return name if isinstance(name, str) else None


def _date(value: Any) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _fmt(d: date | None) -> str:
    return d.strftime("%d.%m.%Y") if d else ""


# ---- translations of framework texts -------------------------------------------------------------------------

class _Texts:
    """Framework texts in one language: Kazakh as is; ru/en from the shipped unofficial translations."""

    def __init__(self, framework_id: str, lang: str) -> None:
        self.lang = lang
        self._items: dict[str, str] = {}
        self._hashes: dict[str, str] = {}
        if lang != "kk":
            try:
                t = translations.load_translations(lang, framework_id)
            except (KeyError, FileNotFoundError, ValueError):
                return
            self._items, self._hashes = t.items, t.hashes

    def get(self, key: str, kk: str) -> tuple[str, bool]:
        """(text, translated): the translation when present and current (its Kazakh source unchanged)."""
        if self.lang == "kk":
            return kk, False
        text = self._items.get(key)
        if text and self._hashes.get(key) == translations.source_hash(kk):
            return text, True
        return kk, False


# ---- the page ------------------------------------------------------------------------------------------------

CSS = """
@page { size: A4; margin: 14mm 14mm 16mm 14mm;
  @bottom-left { content: var(--qf-footer); font-size: 7pt; color: #555; }
  @bottom-right { content: var(--qf-page) " " counter(page) " / " counter(pages); font-size: 7pt; color: #555; } }
body { font-size: 9.5pt; line-height: 1.35; color: #111; margin: 0; }
.band { border: 2.2pt solid #0b4f6c; border-radius: 4pt; padding: 9pt 12pt; }
.head { width: 100%; border-collapse: collapse; }
.head td { vertical-align: top; padding: 0; }
.head .qr { width: 36mm; text-align: right; }
.head .qr svg { width: 34mm; height: 34mm; }
.fw { font-size: 8.5pt; color: #0b4f6c; margin: 0 0 4pt 0; }
h1 { font-size: 19pt; letter-spacing: 0.6pt; margin: 2pt 0 5pt 0; color: #0b4f6c; }
.num { font-size: 11pt; margin: 0; }
.num b { font-size: 12.5pt; }
.verify { font-size: 7.5pt; color: #333; margin: 3pt 0 0 0; word-break: break-all; }
.banner { margin: 8pt 0 0 0; padding: 5pt; text-align: center; font-weight: bold; font-size: 12pt;
  color: #fff; background: #b00020; }
.facts { width: 100%; border-collapse: collapse; margin-top: 9pt; }
.facts th { text-align: left; font-weight: normal; color: #444; width: 34%; padding: 2.5pt 6pt 2.5pt 0;
  vertical-align: top; font-size: 8.5pt; }
.facts td { padding: 2.5pt 0; vertical-align: top; }
.holder { font-size: 15pt; font-weight: bold; }
.qual { font-size: 11.5pt; font-weight: bold; }
.small { font-size: 8.5pt; color: #333; }
h2 { font-size: 11pt; color: #0b4f6c; margin: 11pt 0 3pt 0; border-bottom: 0.8pt solid #0b4f6c; }
h3 { font-size: 9.5pt; margin: 6pt 0 2pt 0; }
ul { margin: 0; padding-left: 12pt; }
li { font-size: 8.6pt; margin: 0 0 2pt 0; }
.kk-fallback { color: #444; }
.note { font-size: 7.8pt; color: #333; margin: 6pt 0 0 0; }
"""


def _css_string(text: str) -> str:
    """A CSS string literal; `<` is escaped too, so data can never close the <style> element."""
    out = []
    for ch in text:
        if ch in '\\"<>' or ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _row(label: str, value_html: str) -> str:
    return f"<tr><th>{escape(label)}</th><td>{value_html}</td></tr>"


def _level_html(row: LevelRow, form: dict[str, str]) -> str:
    parts = [f"{escape(form['nqf'])}: <b>{row.nqf_level}</b>"]
    if row.sqf_level:
        parts.append(f"{escape(form['sqf'])}: <b>{escape(row.sqf_level)}</b>")
    if row.sublevel is not None:
        kind = f" ({escape(form[row.sublevel_kind])})" if row.sublevel_kind in ("managerial", "production") else ""
        parts.append(f"{escape(form['sublevel'])}: {row.sublevel}{kind}")
    return " · ".join(parts)


def certificate_html(credential: Mapping[str, Any], display: CertificateDisplay, lang: str = "kk") -> str:
    """The certificate page as HTML (escaped; no external resources). `lang` is kk, ru or en."""
    if lang not in LANGS:
        raise CertificateError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    if not display.number.strip():
        raise CertificateError("certificate number is required")
    number_in_credential = (credential.get("credentialSubject") or {}).get("licenseNumber") \
        if isinstance(credential.get("credentialSubject"), dict) else None
    if number_in_credential is not None and number_in_credential != display.number:
        raise CertificateError(f"certificate number {display.number!r} differs from the credential's "
                               f"licenseNumber {number_in_credential!r}")
    form = FORM[lang]
    texts = _Texts(display.framework_id, lang)
    area, row = display.area, display.row

    holder = display.holder_name or holder_name_of(credential)
    if not holder:
        raise CertificateError("holder name: none given and none in the credential")
    qualification = display.qualification.get(lang) or display.qualification.get("kk") \
        or _achievement_name(credential)
    if not qualification:
        raise CertificateError("qualification name: none given and none in the credential")
    names = {**centre_names(credential), **display.centre_names}
    centre = names.get(lang) or names.get("kk") or ""
    acc = display.accreditation or accreditation_of(credential)
    issued = _date(credential.get("validFrom")) or _date(credential.get("issuanceDate"))
    until = _date(credential.get("validUntil")) or _date(credential.get("expirationDate"))

    fw_title, _ = texts.get("framework.title", display.framework_title)
    area_title, _ = texts.get(f"area.{area.code}.title", area.title.get("kk", ""))

    banner = ""
    if display.status in ("revoked", "suspended"):
        banner = f'<p class="banner">{escape(form[display.status])}</p>'

    facts = [
        _row(form["holder"], f'<span class="holder">{escape(holder)}</span>'),
        _row(form["qualification"], f'<span class="qual">{escape(qualification)}</span>'),
        _row(form["framework"], escape(fw_title)),
        _row(form["area"], f"{escape(area.code)} · {escape(area_title)}"),
        _row(form["level"], _level_html(row, form)),
        _row(form["centre"], f"<b>{escape(centre)}</b>" + (
            f"<br><span class=\"small\">{escape(names['kk'])}</span>" if lang != "kk" and names.get("kk")
            and names.get("kk") != centre else "")),
    ]
    if acc:
        period = f"{_fmt(acc.valid_from)} – {_fmt(acc.valid_until) if acc.valid_until else form['no_expiry']}"
        facts.append(_row(form["accreditation"],
                          f"{escape(form['accreditation_no'])} {escape(acc.number)}, {escape(acc.body)}, "
                          f"{escape(period)}"))
    facts.append(_row(form["issued"], escape(_fmt(issued))))
    facts.append(_row(form["valid_until"], escape(_fmt(until) if until else form["no_expiry"])))

    columns = []
    for col in COLUMNS:
        items = []
        for d in row.column(col):
            text, translated = texts.get(d.id, d.text)
            if lang != "kk" and not translated:
                items.append(f'<li class="kk-fallback" lang="kk">{escape(text)} '
                             f'<i>({escape(form["untranslated"])})</i></li>')
            else:
                items.append(f"<li>{escape(text)}</li>")
        if items:
            columns.append(f"<h3>{escape(form[col])}</h3><ul>{''.join(items)}</ul>")
    official = f'<p class="note">{escape(form["official"])}</p>' if form["official"] else ""

    qr = qr_svg(display.register_url, title=display.register_url)
    footer = f"{form['number']} {display.number}"
    css_vars = f":root {{ --qf-footer: {_css_string(footer)}; --qf-page: {_css_string(form['page'])}; }}"
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<title>{escape(form['title'])} {escape(display.number)}</title>
<meta name="description" content="{escape(qualification)}">
<style>{css_vars}</style></head>
<body>
<div class="band">
<table class="head"><tr><td>
<p class="fw">{escape(fw_title)}</p>
<h1>{escape(form['title'])}</h1>
<p class="num">{escape(form['number'])}: <b>{escape(display.number)}</b></p>
<p class="verify">{escape(form['verify'])}:<br>{escape(display.register_url)}</p>
</td><td class="qr">{qr}</td></tr></table>
{banner}
<table class="facts">{''.join(facts)}</table>
</div>
<h2>{escape(form['descriptors'])}</h2>
{official}
{''.join(columns)}
<p class="note">{escape(form['attached'])}</p>
</body></html>"""


def credential_attachment(credential: Mapping[str, Any]) -> EmbeddedFile:
    """The signed credential as the PDF's embedded `credential.json` (UTF-8, as issued, pretty-printed)."""
    data = json.dumps(credential, ensure_ascii=False, indent=2).encode("utf-8")
    return EmbeddedFile(CREDENTIAL_FILE, data, "Signed certificate: W3C Verifiable Credential (Open Badges 3.0)")


def render_certificate_pdf(credential: Mapping[str, Any], display: CertificateDisplay, lang: str = "kk") -> bytes:
    """The PDF/A-3 certificate in `lang` with the signed credential embedded as `credential.json`.

    CPU-heavy (about a second): web callers run it through the admission limiter.
    """
    html = certificate_html(credential, display, lang)
    issued = _date(credential.get("validFrom"))
    created = datetime(issued.year, issued.month, issued.day, tzinfo=UTC) if issued else None
    return render_pdf(html, stylesheets=[CSS], attachments=[credential_attachment(credential)], max_pages=6,
                      created=created)
