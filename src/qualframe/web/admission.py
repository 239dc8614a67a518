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

``run`` uses its own pool of ``in_flight + queue`` threads (every admitted task gets a thread at once
and waits for a slot there, at most ``wait_seconds``). On Linux those threads run at a lower OS
priority (``nice``, default +10: ``Settings.heavy_nice``): when a cached read arrives while heavy work
keeps both cores busy, the scheduler hands the event loop's thread a core at once instead of after a
time slice (measured: cached GET p50 during two hostile 20,000-character matches 4–16 ms -> ~1 ms).
Alone on the box, heavy work runs as fast as before; it only yields to normal-priority work.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import os
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from qualframe.web.errors import ApiError

T = TypeVar("T")


def lower_thread_priority(nice: int) -> bool:
    """Add `nice` to the calling thread's niceness (Linux: per thread; elsewhere it would be the whole
    process, so nothing is done). Raising niceness needs no privilege; it cannot be undone without one,
    so only threads that do nothing but heavy work call this. True when it took effect."""
    if nice <= 0 or not sys.platform.startswith("linux"):
        return False
    tid = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + nice))
    except OSError:
        return False
    return True


def freeze_heap() -> None:
    """Move the objects alive now (the framework, its snapshot, the app) to the collector's permanent
    generation, so its full passes no longer walk them; ``qualframe serve`` calls it once the app is built.

    Why: a compare of two 1,500-descriptor rows allocates enough to trigger a full collection every few
    requests, and walking the whole heap made those requests cost ~300 ms CPU instead of ~150 (bench
    adversarial, web section). Objects made later are collected as usual.
    """
    gc.collect()  # what is garbage now is not frozen
    gc.freeze()


class Overloaded(ApiError):
    """Too much CPU-heavy work in flight: 503 with Retry-After."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(503, message, "overloaded")
        self.headers = {"Retry-After": str(retry_after)}


class Admission:
    """At most `in_flight` heavy tasks at once, `queue` more waiting up to `wait_seconds`."""

    def __init__(self, in_flight: int, queue: int = 0, wait_seconds: float = 1.0, retry_after: int = 1,
                 nice: int = 0) -> None:
        if in_flight < 1 or queue < 0 or wait_seconds < 0 or not 0 <= nice <= 19:
            raise ValueError("admission needs in_flight >= 1, queue >= 0, wait_seconds >= 0 and nice 0-19")
        self.nice = nice
        self._pool: ThreadPoolExecutor | None = None  # created on first use
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
                   settings.retry_after_seconds, settings.heavy_nice)

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

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                # in_flight + queue threads: admission never lets more in, so nothing waits unbounded in
                # the pool's own queue (the wait for a slot, bounded by wait_seconds, is in _call)
                self._pool = ThreadPoolExecutor(self.in_flight + self.queue, thread_name_prefix="qf-heavy",
                                                initializer=lower_thread_priority, initargs=(self.nice,))
            return self._pool

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` in a heavy-work thread once a slot is free; Overloaded if none is soon."""
        with self._lock:  # refuse before taking a thread when the queue is already full
            full = self._admitted >= self.in_flight + self.queue
        if full:
            raise self._refuse(f"{self.in_flight} heavy requests running and {self.queue} waiting")
        ctx = contextvars.copy_context()  # as anyio.to_thread would: the handler's context in the thread
        return await asyncio.get_running_loop().run_in_executor(self._executor(), ctx.run, self._call, fn, args)

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"in_flight": self.in_flight, "queue": self.queue, "admitted": self._admitted,
                    "running": self.running, "rejected": self.rejected, "completed": self.completed}
