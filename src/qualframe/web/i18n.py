"""Interface languages: gettext catalogs for Kazakh (the default and the source language), Russian and English.

Interface strings are gettext messages with the English text as msgid. Templates mark them with
``{{ _("...") }}`` / ``ngettext`` / ``pgettext`` (the Jinja2 i18n extension), Python code with ``t()`` or
``N_`` (qualframe.model.messages); ``make messages`` extracts them into
``qualframe/locale/<lang>/LC_MESSAGES/messages.po`` and tests/test_i18n.py fails when any is untranslated.
Framework text itself is not here: it comes from the store (Kazakh, official) and its unofficial translations.

The shipped ``.po`` files are the only source: there is no generated ``.mo`` to forget to rebuild or to
leave out of a wheel, and an editable install and a wheel behave the same. A catalog is compiled when first
used (17–27 ms with Babel, plus importing its ``.po`` reader) and the result is kept between starts in the
per-user cache directory the compiled templates use (web/app.py), named by a hash of the ``.po`` bytes and the
compiler's version and options, so the first page of a new process reads a ``.mo`` instead. Without a private
cache directory, or where it cannot be written, each process compiles in memory as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from datetime import date
from functools import cache
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
# Bump when the cache file's layout or the compile options change; part of every cache file's name.
_MO_FORMAT = b"qualframe-mo/1 use_fuzzy=False"
_DIGEST = 32  # a cache file is the .mo followed by the SHA-256 of it


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
                tr = _cache[lang] = load_catalog(lang, po_path(lang), cache_dir())
    return tr


@cache
def cache_dir() -> Path | None:
    """The per-user cache directory shared with the compiled templates (Jinja's, in the temporary directory,
    created private to this user and checked to be so), or None where there is no safe one. Translations are
    trusted markup in pages, so they are never read from a directory other users could write."""
    from jinja2 import FileSystemBytecodeCache

    try:
        return Path(FileSystemBytecodeCache().directory)
    except (RuntimeError, OSError):
        return None


def load_catalog(lang: str, po: Path, directory: Path | None) -> NullTranslations:
    """The catalog of `lang` compiled from the ``.po`` file `po`, read from / kept in `directory`.

    The cache file's name carries a hash of the ``.po`` bytes, Babel's version and the compile options, so an
    edited catalog or a Babel upgrade never reads a stale one; its content ends with a SHA-256 of the ``.mo``,
    so a truncated or damaged file is recompiled and overwritten. With `directory` None, or where writing fails,
    the catalog is compiled in memory only."""
    from babel import __version__ as babel_version

    source = po.read_bytes()
    key = hashlib.sha256(b"\0".join((_MO_FORMAT, babel_version.encode(), _BABEL_LOCALES[lang].encode(),
                                      DOMAIN.encode(), source))).hexdigest()[:32]
    path = directory / f"qualframe-{DOMAIN}-{lang}-{key}.mo" if directory is not None else None
    if path is not None:
        tr = _read_mo(path)
        if tr is not None:
            return tr
    mo = _compile(lang, source)
    if path is not None:
        _write_atomically(path, mo + hashlib.sha256(mo).digest())
    return _translations(mo)


def _translations(mo: bytes) -> NullTranslations:
    from babel.support import Translations

    return Translations(BytesIO(mo), domain=DOMAIN)


def _read_mo(path: Path) -> NullTranslations | None:
    """The cached catalog at `path`; None when it is missing, unreadable, or fails its checksum or parse."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    mo, digest = data[:-_DIGEST], data[-_DIGEST:]
    if not mo or hashlib.sha256(mo).digest() != digest:
        return None
    try:
        return _translations(mo)
    except Exception:  # gettext raises OSError, struct.error, UnicodeDecodeError... on a bad .mo
        return None


def _write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same directory, so that a reader sees the old
    file or the whole new one; a failure (read-only or full disk, no directory) leaves the cache as it was."""
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        tmp = None
    except OSError:
        pass  # a cache: the next process compiles again
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _compile(lang: str, source: bytes) -> bytes:
    """The .mo bytes of the catalog text `source` (the slow path: Babel's .po reader)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    catalog = read_po(BytesIO(source), locale=_BABEL_LOCALES[lang], domain=DOMAIN)
    buf = BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)  # a fuzzy entry is a guess: show the English msgid instead
    return buf.getvalue()


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
