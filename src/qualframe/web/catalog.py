"""What the views read: frameworks rebuilt from the store, with indexes and translations, per process.

Data flows one way (shipped dataset → store → here → views). A snapshot is built on first use and
dropped when the store's state token changes, which is also when the response cache is cleared.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from qualframe.dataset import DEFAULT_FRAMEWORK_ID
from qualframe.model import Area, Descriptor, Framework, LevelRow
from qualframe.store import FrameworkInfo, SourceText, Store


@dataclass
class Snapshot:
    """One framework as the views need it."""

    info: FrameworkInfo
    fw: Framework
    source: SourceText | None
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    rows: dict[str, tuple[Area, LevelRow]] = field(default_factory=dict)
    descriptors: dict[str, tuple[Area, LevelRow, Descriptor]] = field(default_factory=dict)
    source_lines: tuple[str, ...] = ()
    errata_by_target: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, store: Store, info: FrameworkInfo) -> Snapshot:
        fw = store.get_framework(info.id)
        source = store.source_text(info.id)
        snap = cls(info=info, fw=fw, source=source,
                   translations={lang: store.translations(info.id, lang) for lang in ("ru", "en")})
        for a, r in fw.rows():
            snap.rows[r.id] = (a, r)
            for d in r.descriptors:
                snap.descriptors[d.id] = (a, r, d)
        snap.source_lines = source.lines if source else ()
        for e in fw.errata:
            snap.errata_by_target.setdefault(e.target, []).append(e.id)
        return snap

    def tr(self, key: str, lang: str) -> str | None:
        """The unofficial translation of `key`, or None (the caller falls back to Kazakh and says so)."""
        if lang == "kk":
            return None
        return self.translations.get(lang, {}).get(key)


class Catalog:
    """Per-process snapshots of the frameworks in the store, invalidated by the store's state token."""

    def __init__(self, store: Store, default_id: str = DEFAULT_FRAMEWORK_ID,
                 on_invalidate: Callable[[datetime | None], None] | None = None) -> None:
        self.store = store
        self.default_id = default_id
        self.on_invalidate = on_invalidate
        self._lock = threading.RLock()
        self._token: str | None = None
        self._infos: dict[str, FrameworkInfo] = {}
        self._snaps: dict[str, Snapshot] = {}

    def refresh(self) -> bool:
        """Re-read the list of frameworks if the store changed; True if it did."""
        token = self.store.state_token()
        if token == self._token:
            return False
        with self._lock:
            infos = {i.id: i for i in self.store.frameworks()}
            self._infos = infos
            self._snaps = {}
            self._token = token
        if self.on_invalidate:
            newest = max((i.loaded_at for i in infos.values()), default=None)
            self.on_invalidate(newest)
        return True

    def infos(self) -> list[FrameworkInfo]:
        if self._token is None:
            self.refresh()
        return list(self._infos.values())

    def get(self, framework_id: str) -> Snapshot:
        snap = self._snaps.get(framework_id)
        if snap is not None:
            return snap
        if self._token is None:
            self.refresh()
        with self._lock:
            snap = self._snaps.get(framework_id)
            if snap is None:
                info = self._infos.get(framework_id)
                if info is None:
                    raise KeyError(framework_id)
                snap = Snapshot.build(self.store, info)
                self._snaps[framework_id] = snap
        return snap
