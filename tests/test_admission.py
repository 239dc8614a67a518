"""Admission control on a real server: uvicorn in a subprocess on a loopback port, hostile match requests
fired concurrently with cached GETs. Only structure is asserted (503 + Retry-After beyond the bound, cached
reads answered meanwhile); the latencies are measured by bench/bench_adversarial.py (web section)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(url: str, body: bytes | None = None, timeout: float = 60) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, data=body, headers={"content-type": "application/json"} if body else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


@pytest.fixture
def server(tmp_path: Path) -> Any:
    port = _free_port()
    env = {**os.environ, "QUALFRAME_DATABASE_URL": f"sqlite:///{tmp_path / 'q.db'}",
           "QUALFRAME_HEAVY_IN_FLIGHT": "1", "QUALFRAME_HEAVY_QUEUE": "1", "QUALFRAME_HEAVY_WAIT_SECONDS": "0.2"}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "qualframe.web.app:app_from_env",
                             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                            env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _request(f"{base}/api/v1/health", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:] if proc.stderr else "server exited"
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_concurrent_hostile_matches_get_503_while_cached_reads_answer(server: str) -> None:
    cached = f"{server}/levels/3.1-07.json"
    assert _request(cached)[0] == 200  # now in the response cache
    hostile = json.dumps({"text": "а" * 20000}).encode()
    results: list[tuple[int, dict[str, str], bytes]] = []
    reads: list[int] = []
    done = threading.Event()

    def post() -> None:
        results.append(_request(f"{server}/api/v1/match", hostile))

    def read() -> None:
        while not done.is_set():
            reads.append(_request(cached, timeout=30)[0])

    reader = threading.Thread(target=read)
    reader.start()
    posters = [threading.Thread(target=post) for _ in range(12)]
    for t in posters:
        t.start()
    for t in posters:
        t.join(120)
    done.set()
    reader.join(30)
    statuses = sorted(s for s, _, _ in results)
    assert len(statuses) == 12 and set(statuses) <= {200, 503}, statuses
    assert 200 in statuses and 503 in statuses, statuses  # 1 running + 1 waiting at most; the rest refused
    for status, headers, body in results:
        if status == 503:
            assert headers.get("retry-after") == "1"
            assert json.loads(body)["error"]["code"] == "overloaded"
        else:
            assert json.loads(body)["suggestions"] is not None
    assert reads and set(reads) == {200}  # cached reads kept answering meanwhile
    # once the burst is over, heavy work is admitted again
    assert _request(f"{server}/api/v1/match", json.dumps({"text": "Python программист"}).encode())[0] == 200


# --- the heavy-work pool (in process) --------------------------------------------------------------


def _run(adm: Any, *calls: Any) -> list[Any]:
    """Run `adm.run(fn)` for each fn concurrently on one event loop; results or the exceptions raised."""
    import asyncio

    async def main() -> list[Any]:
        return await asyncio.gather(*(adm.run(fn) for fn in calls), return_exceptions=True)

    return asyncio.run(main())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux only")
def test_heavy_work_runs_in_its_own_threads_at_lower_priority() -> None:
    """Cached reads are answered by the event loop's thread: heavy work yields the CPU to it."""
    from qualframe.web.admission import Admission

    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def where() -> tuple[str, int]:
        return threading.current_thread().name, os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    (name, nice), = _run(Admission(in_flight=1, queue=1, nice=5), where)
    assert name.startswith("qf-heavy") and nice == min(19, mine + 5)
    (_, plain), = _run(Admission(in_flight=1, queue=1, nice=0), where)
    assert plain == mine
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine  # the caller is untouched
    with pytest.raises(ValueError):
        Admission(in_flight=1, nice=20)


def test_the_heavy_pool_keeps_the_admission_bounds() -> None:
    """One running, one waiting at most wait_seconds, the third refused: the pool adds no queue of its own."""
    from qualframe.web.admission import Admission, Overloaded

    adm = Admission(in_flight=1, queue=1, wait_seconds=0.05)
    release = threading.Event()
    threading.Timer(0.5, release.set).start()

    def hold() -> str:
        release.wait(5)
        return "done"

    results = _run(adm, hold, hold, hold)
    assert results.count("done") == 1, results
    assert sum(isinstance(r, Overloaded) for r in results) == 2, results
    assert adm.stats()["rejected"] == 2 and adm.stats()["admitted"] == 0
    assert _run(adm, lambda: 7) == [7]  # free again


def test_freeze_heap_moves_the_live_objects_out_of_full_collections() -> None:
    import gc

    from qualframe.web.admission import freeze_heap

    before = gc.get_freeze_count()
    try:
        freeze_heap()
        assert gc.get_freeze_count() > before + 1000  # this test process holds many objects
    finally:
        gc.unfreeze()
