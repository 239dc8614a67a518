"""Admission control: a bound on the CPU-heavy work in flight in one process, 503 beyond it.

Match, search, compare and exports (later PDF, signing, imports) cost tens to hundreds of
milliseconds of CPU each. Unbounded, 64 concurrent requests queue without end and every one of them
times out. Here at most `in_flight` run at once, in worker threads (never on the event loop, so
cached and cheap reads keep answering meanwhile), at most `queue` more wait up to `wait_seconds` for
a slot, and any other request is refused at once with 503 and `Retry-After` (rendered by the app as
JSON for the API, imsx_StatusInfo under /ims/case/, an HTML page otherwise).

Two ways in:

* ``await admission.run(fn, *args)`` from an async handler (``qualframe.web.http.heavy`` does it for a
  request);
* ``with admission.slot(): ...`` from code already running in a worker thread.

The limiter is per process and counts with a lock and a semaphore from ``threading`` (not an anyio
primitive), so it works across event loops and threads alike.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import anyio.to_thread

from qualframe.web.errors import ApiError

T = TypeVar("T")


class Overloaded(ApiError):
    """Too much CPU-heavy work in flight: 503 with Retry-After."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(503, message, "overloaded")
        self.headers = {"Retry-After": str(retry_after)}


class Admission:
    """At most `in_flight` heavy tasks at once, `queue` more waiting up to `wait_seconds`."""

    def __init__(self, in_flight: int, queue: int = 0, wait_seconds: float = 1.0, retry_after: int = 1) -> None:
        if in_flight < 1 or queue < 0 or wait_seconds < 0:
            raise ValueError("admission needs in_flight >= 1, queue >= 0 and wait_seconds >= 0")
        self.in_flight = in_flight
        self.queue = queue
        self.wait_seconds = wait_seconds
        self.retry_after = retry_after
        self._slots = threading.BoundedSemaphore(in_flight)
        self._lock = threading.Lock()
        self._admitted = 0  # running + waiting
        self.running = 0
        self.rejected = 0
        self.completed = 0

    @classmethod
    def from_settings(cls, settings: Any) -> Admission:
        return cls(settings.heavy_in_flight, settings.heavy_queue, settings.heavy_wait_seconds,
                   settings.retry_after_seconds)

    def _refuse(self, why: str) -> Overloaded:
        with self._lock:
            self.rejected += 1
        return Overloaded(f"the server is busy ({why}); retry in {self.retry_after} s", self.retry_after)

    def _enter(self) -> None:
        with self._lock:
            if self._admitted >= self.in_flight + self.queue:
                full = True
            else:
                full = False
                self._admitted += 1
        if full:
            raise self._refuse(f"{self.in_flight} heavy requests running and {self.queue} waiting")

    def _leave(self) -> None:
        with self._lock:
            self._admitted -= 1

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one slot while the block runs (blocking: call it in a worker thread, not on the loop)."""
        self._enter()
        try:
            if not self._slots.acquire(timeout=self.wait_seconds):
                raise self._refuse(f"no slot free within {self.wait_seconds:g} s")
            with self._lock:
                self.running += 1
            try:
                yield
            finally:
                with self._lock:
                    self.running -= 1
                    self.completed += 1
                self._slots.release()
        finally:
            self._leave()

    def _call(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        with self.slot():
            return fn(*args)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` in a worker thread once a slot is free; Overloaded if none is soon."""
        with self._lock:  # refuse before taking a thread when the queue is already full
            full = self._admitted >= self.in_flight + self.queue
        if full:
            raise self._refuse(f"{self.in_flight} heavy requests running and {self.queue} waiting")
        return await anyio.to_thread.run_sync(self._call, fn, args)

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"in_flight": self.in_flight, "queue": self.queue, "admitted": self._admitted,
                    "running": self.running, "rejected": self.rejected, "completed": self.completed}
