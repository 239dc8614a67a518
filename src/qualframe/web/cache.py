"""Response cache for GET answers that depend only on the database content, the URL and the language.

Entries are precomputed bytes (plain and gzip) with a strong ETag, so a hit is answered by the
middleware without touching the router. The whole cache is dropped when a framework is (re)loaded.

Two ways in, for any engineer adding routes:

* `mark_cacheable(request)` inside a GET handler whose answer depends only on the database content and
  the query string: its 200 response is kept, gzip-compressed once, answered with 304 on a matching
  If-None-Match, and dropped when a framework is (re)loaded.
* `cache.register(path, producer, media_type)` (the cache is `app.state.cache`) for a resource computed
  once per database state, e.g. a compressed package; `producer()` returns the body bytes and runs the
  first time the path is asked for after each invalidation.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

CACHEABLE_SCOPE_KEY = "qualframe.cacheable"
# Set when the answer depends on who asks (qualframe.web.auth looked at a cookie or Authorization header):
# such an answer is never kept here and is sent as private, whatever else marked it cacheable.
PRIVATE_SCOPE_KEY = "qualframe.private"
GZIP_MIN_BYTES = 512

Headers = list[tuple[bytes, bytes]]


def mark_cacheable(request: Any) -> None:
    """Tell the cache middleware that this GET response may be kept until the next framework load."""
    request.scope[CACHEABLE_SCOPE_KEY] = True


def mark_private(request: Any) -> None:
    """Tell the middleware that this response depends on the caller's credentials."""
    request.scope[PRIVATE_SCOPE_KEY] = True


@dataclass(slots=True)
class Entry:
    status: int
    headers: Headers
    body: bytes
    etag: bytes
    gzip_headers: Headers | None
    gzip_body: bytes | None
    gzip_etag: bytes | None

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzip_body or b"") + 512


@dataclass(slots=True)
class Resource:
    producer: Callable[[], bytes]
    media_type: str
    cache_control: str


class ResponseCache:
    """A bounded LRU of precomputed responses, plus registered resources."""

    def __init__(self, max_entries: int = 4096, max_bytes: int = 128 * 1024 * 1024,
                 extra_headers: Headers | None = None) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.extra_headers: Headers = list(extra_headers or [])
        self._entries: OrderedDict[Any, Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.resources: dict[str, Resource] = {}
        self.generation = 0
        self.last_modified = format_datetime(datetime.now(UTC), usegmt=True)
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Any) -> Entry | None:
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self.hits += 1
        return entry

    def clear(self, last_modified: datetime | None = None) -> None:
        """Drop everything (a framework was loaded); `last_modified` becomes the new validator date."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            self.generation += 1
            if last_modified is not None:
                self.last_modified = format_datetime(last_modified.astimezone(UTC), usegmt=True)

    def register(self, path: str, producer: Callable[[], bytes], media_type: str,
                 cache_control: str = "public, max-age=60") -> None:
        """Serve `path` (exact, any query string) from `producer()`, computed once per database state."""
        self.resources[path] = Resource(producer, media_type, cache_control)

    def put(self, key: Any, status: int, headers: Headers, body: bytes, generation: int | None = None) -> Entry:
        """Build the entry (ETag, gzip variant, validators) and keep it if there is room."""
        entry = build_entry(status, headers, body, self.last_modified, self.extra_headers)
        if generation is not None and generation != self.generation:
            return entry  # the database changed while this answer was computed: do not keep it
        if entry.size > self.max_bytes // 8:
            return entry
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            self._entries[key] = entry
            self._bytes += entry.size
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= dropped.size
        return entry

    def stats(self) -> dict[str, int]:
        return {"entries": len(self._entries), "bytes": self._bytes, "hits": self.hits, "misses": self.misses,
                "generation": self.generation}


def build_entry(status: int, headers: Headers, body: bytes, last_modified: str, extra: Headers) -> Entry:
    digest = hashlib.blake2b(body, digest_size=12).hexdigest()
    etag = f'"{digest}"'.encode()
    drop = {b"content-length", b"etag", b"last-modified", b"content-encoding", b"vary", *(k for k, _ in extra)}
    base = [(k, v) for k, v in headers if k.lower() not in drop]
    names = {k.lower() for k, _ in base}
    if b"cache-control" not in names:
        base.append((b"cache-control", b"public, max-age=60"))
    common = [*base, (b"last-modified", last_modified.encode()), (b"vary", b"Accept, Accept-Encoding, Cookie"),
              *extra]
    plain = [*common, (b"etag", etag), (b"content-length", str(len(body)).encode())]
    gz_headers = gz_body = gz_etag = None
    if len(body) >= GZIP_MIN_BYTES:
        gz_body = gzip.compress(body, compresslevel=6, mtime=0)
        if len(gz_body) < len(body):
            gz_etag = f'"{digest}-gz"'.encode()
            gz_headers = [*common, (b"etag", gz_etag), (b"content-encoding", b"gzip"),
                          (b"content-length", str(len(gz_body)).encode())]
        else:
            gz_body = None
    return Entry(status, plain, body, etag, gz_headers, gz_body, gz_etag)
