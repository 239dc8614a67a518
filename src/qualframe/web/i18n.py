"""Interface languages: gettext catalogs for Kazakh (the default and the source language), Russian and English.

Interface strings are gettext messages with the English text as msgid. Templates mark them with
``{{ _("...") }}`` / ``ngettext`` / ``pgettext`` (the Jinja2 i18n extension), Python code with ``t()`` or
``N_`` (qualframe.model.messages); ``make messages`` extracts them into
``qualframe/locale/<lang>/LC_MESSAGES/messages.po`` and tests/test_i18n.py fails when any is untranslated.
Framework text itself is not here: it comes from the store (Kazakh, official) and its unofficial translations.

Catalogs are compiled when first used, in memory, from the shipped ``.po`` files: there is no generated
``.mo`` to forget to rebuild or to leave out of a wheel, an editable install and a wheel behave the same,
and compiling three small catalogs takes a few milliseconds once per process.
"""

from __future__ import annotations

import threading
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from qualframe.model.messages import Message, Text

if TYPE_CHECKING:
    from babel.support import NullTranslations

# Babel's catalog and date modules load when a page first needs a translation or a date, not at start-up.
LANGS: tuple[str, ...] = ("kk", "ru", "en")
DEFAULT_LANG = "kk"
LANG_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
_BABEL_LOCALES = {"kk": "kk", "ru": "ru", "en": "en_GB"}
# CLDR month names; the patterns keep the forms the site always printed (a plain space before "ж."/"г."
# where CLDR's long format puts a narrow no-break space, and the day before the month in English)
_DATE_PATTERNS = {"kk": "y 'ж'. d MMMM", "ru": "d MMMM y 'г'.", "en": "d MMMM y"}

_lock = threading.Lock()
_cache: dict[str, NullTranslations] = {}


def po_path(lang: str) -> Path:
    """The catalog file of `lang`."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def translations(lang: str) -> NullTranslations:
    """The compiled catalog of `lang` (an unknown language gets Kazakh); built once per process."""
    if lang not in LANGS:
        lang = DEFAULT_LANG
    tr = _cache.get(lang)
    if tr is None:
        with _lock:
            tr = _cache.get(lang)
            if tr is None:
                tr = _cache[lang] = _compile(lang)
    return tr


def _compile(lang: str) -> NullTranslations:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    with po_path(lang).open("rb") as f:
        catalog = read_po(f, locale=_BABEL_LOCALES[lang], domain=DOMAIN)
    buf = BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)  # a fuzzy entry is a guess: show the English msgid instead
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)


def t(message: str, lang: str) -> str:
    """`message` (an English msgid) in `lang`; the msgid itself where the catalog lacks it."""
    return translations(lang).gettext(message)


def nt(singular: str, plural: str, n: int, lang: str) -> str:
    """The plural form of a message for `n` in `lang` (Russian has three)."""
    return translations(lang).ngettext(singular, plural, n)


def message_text(message: Message, lang: str) -> str:
    """A generated explanation (e.g. a row's level evidence) in `lang`."""
    return message.render(translations(lang).gettext)


def _lang_of(ctx: Context) -> str:
    lang = ctx.get("lang")
    return lang if lang in LANGS else DEFAULT_LANG


# The language comes from the render context (every page gets `lang`), not from global state, so
# concurrent requests in different languages cannot see each other's catalog.
@pass_context
def _gettext(ctx: Context, message: str) -> str:
    return translations(_lang_of(ctx)).gettext(message)


@pass_context
def _ngettext(ctx: Context, singular: str, plural: str, n: int) -> str:
    return translations(_lang_of(ctx)).ngettext(singular, plural, n)


@pass_context
def _pgettext(ctx: Context, context: str, message: str) -> str:
    return translations(_lang_of(ctx)).pgettext(context, message)


@pass_context
def _npgettext(ctx: Context, context: str, singular: str, plural: str, n: int) -> str:
    return translations(_lang_of(ctx)).npgettext(context, singular, plural, n)


@pass_context
def _tr_text(ctx: Context, value: object) -> object:
    """A :class:`Text` (e.g. a verification reason) in the page's language; any other value as it is."""
    if isinstance(value, Text):
        return value.render(translations(_lang_of(ctx)).gettext)
    return value


def install(env: Environment) -> None:
    """Give `env` the Jinja2 i18n extension with `_`, `gettext`, `ngettext`, `pgettext` in the page's language,
    and `tr_text()` for generated :class:`Text` sentences.

    "newstyle" gettext: `_("%(n)s rows", n=3)` formats and escapes its arguments, and a literal % is "%%".
    """
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _gettext, _ngettext, newstyle=True, pgettext=_pgettext, npgettext=_npgettext)
    env.globals["tr_text"] = _tr_text


def fmt_date(iso: str | None, lang: str) -> str:
    """2013-09-30 → "2013 ж. 30 қыркүйек" / "30 сентября 2013 г." / "30 September 2013" (CLDR, via Babel)."""
    if not iso:
        return ""
    try:
        d = date.fromisoformat(iso)
    except ValueError:
        return iso
    if lang not in LANGS:
        lang = "en"
    from babel.dates import format_date

    return format_date(d, _DATE_PATTERNS[lang], locale=_BABEL_LOCALES[lang])


def resolve_lang(query_lang: str | None, cookie_lang: str | None) -> str:
    """The page language: `?lang=`, then the cookie, then Kazakh."""
    if query_lang in LANGS:
        return query_lang  # type: ignore[return-value]
    if cookie_lang in LANGS:
        return cookie_lang  # type: ignore[return-value]
    return DEFAULT_LANG
