"""Response cache for GET answers that depend only on the database content, the URL and the language.

Entries are precomputed bytes (plain and gzip) with a strong ETag, so a hit is answered by the
middleware without touching the router. The whole cache is dropped when a framework is (re)loaded.

Two ways in, for any engineer adding routes:

* `mark_cacheable(request)` inside a GET handler whose answer depends only on the database content and
  the query string: its 200 response is kept, gzip-compressed once, answered with 304 on a matching
  If-None-Match, and dropped when a framework is (re)loaded.
  The cache key holds only the query parameters the route declares (plus `lang`): a cacheable
  handler must declare every query parameter it reads (FastAPI `Query`), or mark the endpoint with
  `@raw_query` when it validates the raw query string itself (then the whole string is the key).
* `cache.register(path, producer, media_type)` (the cache is `app.state.cache`) for a resource computed
  once per database state, e.g. a compressed package; `producer()` returns the body bytes and runs the
  first time the path is asked for after each invalidation.

Large answers (a 20,000-item CASE package is 17 MB) are kept too, in their own budget, so one of
them neither evicts hundreds of pages nor is rebuilt and re-compressed on every GET. The validators
of an answer (its ETags) outlive the answer itself: a client that sends a matching If-None-Match
gets a 304 even after the body was evicted. Last-Modified comes from the body too (the first time
this process saw that body, not earlier than the last framework load), so a body that changed with an
upgrade is never answered 304 to If-Modified-Since.
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
from urllib.parse import unquote_plus

CACHEABLE_SCOPE_KEY = "qualframe.cacheable"
# Set when the answer depends on who asks (qualframe.web.auth looked at a cookie or Authorization header):
# such an answer is never kept here and is sent as private, whatever else marked it cacheable.
PRIVATE_SCOPE_KEY = "qualframe.private"
GZIP_MIN_BYTES = 512

Headers = list[tuple[bytes, bytes]]


ALWAYS_KEYED = frozenset({"lang"})  # read by every page (qualframe.web.http.page_lang)


def raw_query(endpoint: Any) -> Any:
    """Decorator: this endpoint reads the raw query string itself; key its answers on all of it."""
    endpoint.qualframe_raw_query = True
    return endpoint


def declared_query_names(route: Any) -> frozenset[str] | None:
    """The query parameters a route declares (with `lang`), or None when unknown or raw."""
    dependant = getattr(route, "dependant", None)
    if dependant is None or getattr(getattr(route, "endpoint", None), "qualframe_raw_query", False):
        return None
    names: set[str] = set(ALWAYS_KEYED)
    stack = [dependant]
    while stack:
        d = stack.pop()
        names.update(getattr(p, "alias", None) or p.name for p in d.query_params)
        stack.extend(d.dependencies)
    return frozenset(names)


def keep_query(query_string: bytes, names: frozenset[str] | None) -> bytes:
    """`query_string` with only the parameters in `names` (in their order); all of it when None."""
    if names is None or not query_string:
        return query_string
    kept = [part for part in query_string.split(b"&")
            if part and unquote_plus(part.split(b"=", 1)[0].decode("latin-1")) in names]
    return b"&".join(kept)


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

    def validators(self) -> Validators:
        """What a 304 needs once the body itself is gone."""
        keep = {b"cache-control", b"last-modified", b"vary"}
        return Validators(self.etag, self.gzip_etag, [(k, v) for k, v in self.headers if k in keep])


@dataclass(slots=True)
class Validators:
    etag: bytes
    gzip_etag: bytes | None
    headers: Headers  # cache-control, last-modified, vary


@dataclass(slots=True)
class Resource:
    producer: Callable[[], bytes]
    media_type: str
    cache_control: str


class _Lru:
    """Entries within a count and a byte budget, least recently used out first."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.entries: OrderedDict[Any, Entry] = OrderedDict()
        self.bytes = 0

    def get(self, key: Any) -> Entry | None:
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)  # callers hold the cache's lock
        return entry

    def put(self, key: Any, entry: Entry) -> None:
        self.pop(key)
        self.entries[key] = entry
        self.bytes += entry.size
        while len(self.entries) > self.max_entries or self.bytes > self.max_bytes:
            _, dropped = self.entries.popitem(last=False)
            self.bytes -= dropped.size

    def pop(self, key: Any) -> None:
        old = self.entries.pop(key, None)
        if old is not None:
            self.bytes -= old.size

    def clear(self) -> None:
        self.entries.clear()
        self.bytes = 0


class ResponseCache:
    """A bounded LRU of precomputed responses (small and large answers apart), validators that outlive
    them, and registered resources."""

    def __init__(self, max_entries: int = 4096, max_bytes: int = 128 * 1024 * 1024,
                 extra_headers: Headers | None = None, max_large_bytes: int = 96 * 1024 * 1024,
                 max_validators: int = 65536) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        # an answer above this goes to the large budget (and one above that budget is not kept)
        self.large_threshold = max_bytes // 8
        self.extra_headers: Headers = list(extra_headers or [])
        self._small = _Lru(max_entries, max_bytes)
        self._large = _Lru(max(1, max_entries // 64), max_large_bytes)
        self._validators: OrderedDict[Any, Validators] = OrderedDict()
        self.max_validators = max_validators
        self._first_seen: OrderedDict[str, datetime] = OrderedDict()  # body digest -> when first built
        self._lock = threading.Lock()
        self.resources: dict[str, Resource] = {}
        self.generation = 0
        self._loaded = datetime.now(UTC).replace(microsecond=0)
        self.last_modified = format_datetime(self._loaded, usegmt=True)
        self.hits = 0
        self.misses = 0
        self.validator_hits = 0

    def __len__(self) -> int:
        return len(self._small.entries) + len(self._large.entries)

    def keys(self) -> list[Any]:
        """The keys of the answers kept now (small and large)."""
        with self._lock:
            return [*self._small.entries, *self._large.entries]

    @property
    def _entries(self) -> dict[Any, Entry]:
        """Every kept answer by key (read-only view for tests that look inside the cache)."""
        with self._lock:
            return {**self._small.entries, **self._large.entries}

    def get(self, key: Any) -> Entry | None:
        with self._lock:
            entry = self._small.get(key) or self._large.get(key)
        if entry is None:
            self.misses += 1
            return None
        self.hits += 1
        return entry

    def validators(self, key: Any) -> Validators | None:
        """The validators of the last answer kept for `key` in this database state, if remembered."""
        v = self._validators.get(key)
        if v is not None:
            self.validator_hits += 1
        return v

    def clear(self, last_modified: datetime | None = None) -> None:
        """Drop everything (a framework was loaded); `last_modified` becomes the earliest validator date."""
        with self._lock:
            self._small.clear()
            self._large.clear()
            self._validators.clear()
            self._first_seen.clear()
            self.generation += 1
            if last_modified is not None:
                self._loaded = last_modified.astimezone(UTC).replace(microsecond=0)
                self.last_modified = format_datetime(self._loaded, usegmt=True)

    def register(self, path: str, producer: Callable[[], bytes], media_type: str,
                 cache_control: str = "public, max-age=60") -> None:
        """Serve `path` (exact, any query string) from `producer()`, computed once per database state."""
        self.resources[path] = Resource(producer, media_type, cache_control)

    def _modified(self, digest: str) -> str:
        """Last-Modified for a body: when this process first built it, not before the last load."""
        with self._lock:
            seen = self._first_seen.get(digest)
            if seen is None:
                seen = max(datetime.now(UTC).replace(microsecond=0), self._loaded)
                self._first_seen[digest] = seen
                while len(self._first_seen) > self.max_validators:
                    self._first_seen.popitem(last=False)
        return format_datetime(seen, usegmt=True)

    def put(self, key: Any, status: int, headers: Headers, body: bytes, generation: int | None = None) -> Entry:
        """Build the entry (ETag, gzip variant, validators) and keep it if there is room.

        Compressing a large body takes a while: call this off the event loop for big bodies.
        """
        digest = body_digest(body)
        entry = build_entry(status, headers, body, self._modified(digest), self.extra_headers, digest)
        with self._lock:
            if generation is not None and generation != self.generation:
                return entry  # the database changed while this answer was computed: do not keep it
            self._validators[key] = entry.validators()
            self._validators.move_to_end(key)
            while len(self._validators) > self.max_validators:
                self._validators.popitem(last=False)
            if entry.size <= self.large_threshold:
                self._large.pop(key)
                self._small.put(key, entry)
            elif entry.size <= self._large.max_bytes:
                self._small.pop(key)
                self._large.put(key, entry)
        return entry

    def stats(self) -> dict[str, int]:
        return {"entries": len(self), "bytes": self._small.bytes + self._large.bytes,
                "large_entries": len(self._large.entries), "large_bytes": self._large.bytes,
                "validators": len(self._validators), "hits": self.hits, "misses": self.misses,
                "validator_hits": self.validator_hits, "generation": self.generation}


def body_digest(body: bytes) -> str:
    """The strong validator of a body (its gzip variant's ETag adds "-gz")."""
    return hashlib.blake2b(body, digest_size=12).hexdigest()


def build_entry(status: int, headers: Headers, body: bytes, last_modified: str, extra: Headers,
                digest: str | None = None) -> Entry:
    digest = digest or body_digest(body)
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
