"""Placement jobs survive the death of their worker and never place a position twice; a running job can be
cancelled between batches. Real worker processes (`qualframe worker`), real queue (huey in the database)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from catalogue_gen import positions
from qualframe.interop.catalogue_io import read_catalogue
from qualframe.store import Store, prepare
from qualframe.store import accounts as acc
from qualframe.store import catalogue as cat
from qualframe.store import catalogue_jobs as jobs

QUALFRAME = str(Path(sys.executable).with_name("qualframe"))
N = 96  # six batches


def _catalogue(store: Store, n: int = N) -> cat.Job:
    from catalogue_gen import to_csv

    parsed = read_catalogue(to_csv(positions(n, seed=11)))
    with acc.audited(store, acc.Actor("cli:test")) as tx:
        acc.create_org(tx, "acme", "employer", {"kk": "ACME"})
        cat.upsert_positions(tx, "acme", parsed.lines, parsed.summary())
        return cat.create_job(tx, "acme", parsed.summary())


def _job(store: Store, job_id: int) -> cat.Job:
    with store.engine.connect() as conn:
        job = cat.get_job(conn, "acme", job_id)
    assert job is not None
    return job


def _wait(store: Store, job_id: int, until: Any, timeout: float = 180.0) -> cat.Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = _job(store, job_id)
        if until(job):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not get there in {timeout} s: {_job(store, job_id)}")


def _worker(url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "QUALFRAME_JOB_LEASE_SECONDS": "2"}
    return subprocess.Popen([QUALFRAME, "worker", "--db", url], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def test_killed_worker_loses_nothing_and_places_nothing_twice(db_url: str) -> None:
    store = Store(db_url)
    prepare(store)
    job = _catalogue(store)
    assert job.total == N
    jobs.enqueue(store.url, job.id)
    first = _worker(store.url)
    try:
        mid = _wait(store, job.id, lambda j: j.done > 0)
        first.send_signal(signal.SIGKILL)  # no clean-up of any kind: a crash, or a server pulled out
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert mid.state == "running" and 0 < mid.done < N, mid
    assert _job(store, job.id).state == "running"  # the dead worker still holds it, until its lease runs out
    second = _worker(store.url)
    try:
        done = _wait(store, job.id, lambda j: not j.active)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(20)
    assert (done.state, done.done, done.failed, done.total) == ("done", N, 0, N)
    with store.engine.connect() as conn:
        placements = [r[0] for r in conn.execute(text("SELECT placements FROM catalogue_positions"))]
        unplaced = conn.execute(text("SELECT count(*) FROM catalogue_positions WHERE placed_hash IS NULL "
                                     "OR placed_hash <> text_hash")).scalar_one()
    assert len(placements) == N and set(placements) == {1} and unplaced == 0
    store.close()


def test_cancel_a_running_job_between_batches(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the cancel path is the same SQL on both databases; the restart test covers PostgreSQL")
    store = Store(db_url)
    prepare(store)
    job = _catalogue(store)
    result: dict[str, str] = {}
    t = threading.Thread(target=lambda: result.update(state=jobs.run_job(store.url, job.id)))
    t.start()
    _wait(store, job.id, lambda j: j.done > 0)
    with acc.audited(store, acc.Actor("cli:test")) as tx:
        cat.cancel_job(tx, "acme", job.id)
    t.join(60)
    final = _job(store, job.id)
    assert result["state"] == "cancelled" and final.state == "cancelled"
    assert 0 < final.done < N
    with store.engine.connect() as conn:
        placed = conn.execute(text("SELECT count(*) FROM catalogue_positions WHERE placements = 1")).scalar_one()
        twice = conn.execute(text("SELECT count(*) FROM catalogue_positions WHERE placements > 1")).scalar_one()
    assert placed == final.done and twice == 0  # progress and placements were committed together
    # a new job places exactly the rest
    with acc.audited(store, acc.Actor("cli:test")) as tx:
        rest = cat.create_job(tx, "acme")
    assert rest.total == N - final.done
    assert jobs.run_job(store.url, rest.id) == "done"
    assert _job(store, rest.id).done == N - final.done
    store.close()
