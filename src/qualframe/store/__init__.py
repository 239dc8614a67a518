"""The database behind the web app and API: `Store(url)`, migrations, and loading the shipped framework.

    >>> from qualframe.store import Store, prepare
    >>> store = Store("sqlite:///var/qualframe.db")
    >>> prepare(store)          # migrate, then load the shipped framework if it changed
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from qualframe.dataset import DEFAULT_FRAMEWORK_ID, SOURCE_FILES, data_dir, load
from qualframe.model import Framework
from qualframe.store.store import (
    FrameworkInfo,
    SourceText,
    Store,
    StoreError,
    TranslationBundle,
    default_url,
    normalise_url,
)

__all__ = [
    "FrameworkInfo",
    "PrepareResult",
    "SourceText",
    "Store",
    "StoreError",
    "TranslationBundle",
    "default_url",
    "normalise_url",
    "prepare",
    "shipped_source",
    "shipped_translations",
]


def shipped_translations(framework_id: str = DEFAULT_FRAMEWORK_ID) -> dict[str, dict[str, tuple[str, str | None]]]:
    """The unofficial translations shipped for a framework (languages whose file is missing are skipped)."""
    from qualframe import translations as tr

    out: dict[str, dict[str, tuple[str, str | None]]] = {}
    for lang in tr.LANGUAGES:
        try:
            t = tr.load_translations(lang, framework_id)
        except (KeyError, FileNotFoundError, ValueError):
            continue
        out[lang] = {k: (v, t.hashes.get(k)) for k, v in t.items.items()}
    return out


def shipped_source(framework_id: str = DEFAULT_FRAMEWORK_ID) -> SourceText | None:
    name = SOURCE_FILES.get(framework_id)
    if name is None:
        return None
    raw = (data_dir() / name).read_bytes()
    return SourceText(name, hashlib.sha256(raw).hexdigest(), raw.decode("utf-8"))


@dataclass(frozen=True)
class PrepareResult:
    migrated: bool
    loaded: bool
    framework_id: str


def prepare(store: Store, fw: Framework | None = None) -> PrepareResult:
    """First run: create and migrate the schema, load the shipped framework; later runs: only what changed.

    Processes that start together on one database take turns (`Store.setup_lock`): the first migrates and
    loads, the others then find nothing to do.
    """
    fw = fw or load()
    translations, source = shipped_translations(fw.id), shipped_source(fw.id)
    if store.is_current(fw, translations=translations, source=source):
        return PrepareResult(False, False, fw.id)  # the usual restart: nothing to do, no lock taken
    with store.setup_lock():
        migrated = store.migrate()
        loaded = store.load_framework(fw, translations=translations, source=source)
    return PrepareResult(migrated, loaded, fw.id)
