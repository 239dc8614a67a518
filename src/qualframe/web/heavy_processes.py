"""The match and search engines' computation in a small pool of worker processes (issue #9).

Why: in heavy-work threads (``web/admission.py``) the engines' Python code holds the GIL, so the event
loop waits for it and a cached GET took 4-6 ms (p99 11-22 ms) while one or two hostile 20,000-character
matches ran, against 0.8 ms alone. In worker processes the server's GIL stays free; the workers also run
at a lower OS priority (``os.nice``), so the server gets a core first.

What crosses the process boundary: the engine function (pickled by name: ``qualframe.match.engine.match``,
``qualframe.search.engine.search``), the text and the options in, a plain dict out. Both engines serve
the shipped framework only (``qualframe.load()``, no store), so a worker needs no database and every
``qualframe serve`` process and worker computes the same answer. Page rendering and JSON building stay
in the server, under the same admission control: the heavy-work thread that holds the admission slot
waits for the worker (without the GIL), so in_flight, queue and the 503 with Retry-After are unchanged.

The pool is one per process (like the engines' indexes), ``max_workers`` = the admission's in_flight,
``forkserver`` context (never ``fork``: the server has threads and OpenMP state). Workers start on demand,
or all at once after the first answer (``prestart``, see ``web/app.py``). A worker that dies (killed,
out of memory) breaks the pool: the requests it held answer 503 with Retry-After and the next request
gets a fresh pool.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from qualframe.web.admission import Overloaded, freeze_heap

T = TypeVar("T")
START_METHOD = "forkserver"


def _exit_with(server_pid: int) -> None:
    """Stop this worker once the server process is gone: a server killed outright (SIGKILL, out of memory)
    never shuts its pool down, and its workers would otherwise wait for work forever."""
    while True:
        time.sleep(1.0)
        try:
            os.kill(server_pid, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:  # the pid was reused by another user's process: the server is gone
            os._exit(0)


def _init_worker(niceness: int, server_pid: int) -> None:
    """Worker initialiser: run at `niceness`, ignore Ctrl-C (the server stops the pool), exit with the
    server, warm the engines and freeze the heap."""
    threading.Thread(target=_exit_with, args=(server_pid,), name="qualframe-server-watch", daemon=True).start()
    # absolute, not os.nice(): on Linux niceness is per thread, and the forkserver inherits it from the thread
    # that started it (a heavy-work thread is already +heavy_nice). Lowering needs privilege: else stay nicer.
    if os.getpriority(os.PRIO_PROCESS, 0) != niceness:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, 0, niceness)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        from qualframe.match.engine import warm

        warm()  # search index, match model, embedder: once per worker, not in its first request
    except Exception:  # a broken engine answers its error per request, as in threads
        pass
    freeze_heap()  # as the server does: full collections skip the warmed engines (~10 ms of a search)


def _ready() -> int:
    """A no-op task: submitting `max_workers` of them starts the workers (prestart)."""
    return os.getpid()


class EnginePool:
    """A process pool for engine calls; recreated after a worker crash."""

    def __init__(self, workers: int, nice: int = 0, retry_after: int = 1) -> None:
        if workers < 1:
            raise ValueError("an engine pool needs at least one worker")
        self.workers = workers
        self.nice = nice
        self.retry_after = retry_after
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self.restarts = 0

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context(START_METHOD),
                                                 initializer=_init_worker,
                                                 initargs=(self._niceness(), os.getpid()))
            return self._pool

    def _niceness(self) -> int:
        """The workers' niceness: the server's (its main thread's, on Linux) plus `nice`."""
        return min(19, os.getpriority(os.PRIO_PROCESS, os.getpid()) + self.nice)

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(*args, **kwargs)` in a worker process (blocking: call it from a heavy-work thread).
        Exceptions of `fn` (ValueError for bad input) are raised here as they would be in process."""
        pool = self._executor()
        try:
            return pool.submit(fn, *args, **kwargs).result()
        except BrokenProcessPool:
            self._discard(pool)
            raise Overloaded(f"an engine worker stopped; retry in {self.retry_after} s", self.retry_after) from None

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is pool:  # the first of the failed requests replaces it; the others find it done
                self._pool = None
                self.restarts += 1
        pool.shutdown(wait=False, cancel_futures=True)

    def prestart(self) -> None:
        """Start every worker now (each warms its engines) instead of on the first requests."""
        pool = self._executor()
        try:
            for f in [pool.submit(_ready) for _ in range(self.workers)]:
                f.result()
        except BrokenProcessPool:
            self._discard(pool)

    def pids(self) -> list[int]:
        """The worker processes' ids (tests)."""
        with self._lock:
            procs = getattr(self._pool, "_processes", None) or {}
            return sorted(procs)

    def shutdown(self) -> None:
        """Stop the workers (server shutdown); a later call starts a new pool."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


_pools: dict[tuple[int, int, int], EnginePool] = {}
_pools_lock = threading.Lock()


def engine_pool(workers: int, nice: int = 0, retry_after: int = 1) -> EnginePool:
    """The process-wide pool of this shape (apps of one process share it, as they share the engines)."""
    key = (workers, nice, retry_after)
    with _pools_lock:
        if key not in _pools:
            _pools[key] = EnginePool(workers, nice, retry_after)
        return _pools[key]


def shutdown_all() -> None:
    """Stop every pool of this process (server shutdown, interpreter exit)."""
    with _pools_lock:
        pools = list(_pools.values())
    for p in pools:
        p.shutdown()


atexit.register(shutdown_all)
