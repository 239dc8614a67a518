"""Placement jobs: the queue (huey, in the project's own database) and the job that places positions.

Why huey: the job queue must live in the database the store already uses, SQLite (the embedded default)
as well as PostgreSQL, so that `qualframe serve` needs nothing else and several servers and
`qualframe worker` processes share one PostgreSQL. procrastinate is PostgreSQL-only (its queue is
PL/pgSQL functions with LISTEN/NOTIFY; its other connectors are for tests), so it cannot run on the
SQLite default. huey's `SqlHuey` (huey.contrib.sql_huey, on peewee) keeps its queue in any SQL
database, dequeues with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, and brings the consumer (worker
threads, polling with back-off). Its connection is derived from the store URL (`queue_for`): the same
SQLite file, or the same PostgreSQL database through psycopg 3; its three tables are named huey_*.

What huey does not give is acknowledgement: a dequeued message is gone, so a worker killed mid-job
would lose the job. The job's state therefore lives in `catalogue_jobs` (store/catalogue.py) and is
the source of truth, with a lease:

* a worker *claims* a job with one conditional UPDATE (queued, or running with an expired lease);
* it places the positions in batches of `placement.BATCH` (one batched embedding call, like
  `qualframe match --jsonl`), and writes each batch's placements together with the job's progress in
  one transaction that also renews the lease, and only while it still holds the lease and the job
  was not cancelled (`write_batch`); a position is written only when not yet placed in its current
  text, so no position is ever placed twice;
* between batches it checks the cancel flag;
* every worker sweeps for orphans (`recover`: running with an expired lease, or queued and never
  picked up) at start and every half lease, and enqueues them again; the next claim resumes the job
  where the last committed batch left it.

The lease lasts `QUALFRAME_JOB_LEASE_SECONDS` (30 s; a batch takes well under one).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import timedelta
from typing import Any

from qualframe.catalogue.placement import BATCH, keep, position_text
from qualframe.store import catalogue as cat
from qualframe.store.accounts import Actor, audited
from qualframe.store.store import Store, normalise_url

log = logging.getLogger("qualframe.jobs")

QUEUE_NAME = "qualframe"
TASK_NAME = "catalogue.place"


def lease() -> timedelta:
    return timedelta(seconds=float(os.environ.get("QUALFRAME_JOB_LEASE_SECONDS", "30")))


_lock = threading.Lock()
_queues: dict[str, Any] = {}
_stores: dict[str, Store] = {}


def _store(url: str) -> Store:
    with _lock:
        if url not in _stores:
            _stores[url] = Store(url)
        return _stores[url]


def peewee_database(url: str) -> Any:
    """A peewee database on the same database as the store URL (SQLite file or PostgreSQL via psycopg 3)."""
    from peewee import SqliteDatabase
    from sqlalchemy.engine import make_url

    u = make_url(normalise_url(url))
    if u.get_backend_name() == "sqlite":
        if not u.database or u.database == ":memory:":
            raise ValueError("the job queue needs an SQLite file shared by the server and its workers, "
                             "not an in-memory database")
        return SqliteDatabase(u.database, timeout=30, check_same_thread=False,
                              pragmas={"journal_mode": "wal", "busy_timeout": 30000})
    if u.get_backend_name() == "postgresql":
        from playhouse.psycopg3_ext import Psycopg3Database

        kw = {k: v for k, v in (("host", u.host), ("port", u.port), ("user", u.username),
                                ("password", u.password)) if v is not None}
        return Psycopg3Database(u.database, **kw, **dict(u.query))
    raise ValueError(f"no job queue for {u.get_backend_name()} databases (SQLite or PostgreSQL)")


def queue_for(url: str) -> Any:
    """The huey instance on the store's database (one per URL and process), with the placement task."""
    url = normalise_url(url)
    with _lock:
        h = _queues.get(url)
        if h is not None:
            return h
        from huey import Huey
        from huey.contrib.sql_huey import BytesBlobField, SqlStorage
        from peewee import CharField, CompositeKey, FloatField, Model, TimestampField

        class Storage(SqlStorage):  # huey's models under our own table names (not kv / schedule / task)
            def create_models(self) -> Any:
                class Base(Model):
                    class Meta:
                        database = self.database

                class KV(Base):
                    queue = CharField()
                    key = CharField()
                    value = BytesBlobField()

                    class Meta:
                        table_name = "huey_kv"
                        primary_key = CompositeKey("queue", "key")

                class Schedule(Base):
                    queue = CharField()
                    data = BytesBlobField()
                    timestamp = TimestampField(resolution=1000)

                    class Meta:
                        table_name = "huey_schedule"
                        indexes = ((("queue", "timestamp"), False),)

                class Task(Base):
                    queue = CharField()
                    data = BytesBlobField()
                    priority = FloatField(default=0.0)

                    class Meta:
                        table_name = "huey_task"

                Task.add_index(Task.priority.desc(), Task.id)
                return KV, Schedule, Task

        h = Huey(QUEUE_NAME, storage_class=Storage, database=peewee_database(url), results=False, utc=True)

        @h.task(name=TASK_NAME)
        def place(job_id: int) -> str:
            return run_job(url, job_id)

        h.place_task = place  # type: ignore[attr-defined]
        _queues[url] = h
        return h


def enqueue(url: str, job_id: int) -> None:
    """Put a job on the queue (after the transaction that created it committed)."""
    h = queue_for(url)
    try:
        h.place_task(job_id)
    except Exception:  # e.g. the queue's tables were dropped with the schema since this process made them
        h.storage.database.close()
        h.storage.create_tables()
        h.place_task(job_id)


def recover(url: str) -> list[int]:
    """Enqueue again every active job nobody works on; returns their ids."""
    store = _store(url)
    with store.engine.begin() as conn:
        ids = cat.orphaned_jobs(conn, lease())
        cat.mark_enqueued(conn, ids)
    for jid in ids:
        enqueue(url, jid)
    if ids:
        log.info("re-enqueued orphaned placement jobs %s", ids)
    return ids


class _LostJob(Exception):
    """The batch was not written: the lease was lost or the job cancelled."""


def _owner() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def run_job(url: str, job_id: int, *, owner: str | None = None) -> str:
    """Place the job's positions batch by batch until none is left, it is cancelled, or the lease is lost.

    Returns the state it left the job in (or "not claimed" when another worker has it / it is over)."""
    from qualframe.match import engine

    store = _store(url)
    owner = owner or _owner()
    with store.engine.begin() as conn:
        if not cat.claim_job(conn, job_id, owner, lease()):
            return "not claimed"
    try:
        while True:
            with store.engine.connect() as conn:
                info = cat.job_org(conn, job_id)
                if info is None:
                    return "gone"
                org_id, _state, cancel = info
                if cancel:
                    with store.engine.begin() as wconn:
                        cat.stop_cancelled(wconn, job_id)
                    return "cancelled"
                batch = cat.next_batch(conn, org_id, BATCH)
            if not batch:
                _finish(store, job_id, owner, "done")
                return "done"
            texts = [position_text(t, d) for _id, t, d, _h in batch]
            engine.prime(texts)
            results = []
            for (pid, _t, _d, h), text in zip(batch, texts, strict=True):
                try:
                    results.append(cat.Placement(pid, h, keep(engine.match(text, limit=3))))
                except ValueError as exc:  # e.g. a text with no letters: reported on the position
                    results.append(cat.Placement(pid, h, None, str(exc)[:300]))
            try:
                with store.engine.begin() as conn:
                    if not cat.write_batch(conn, job_id, owner, lease(), results):
                        raise _LostJob
            except _LostJob:
                with store.engine.begin() as conn:
                    info = cat.job_org(conn, job_id)
                    if info and info[2]:
                        cat.stop_cancelled(conn, job_id)
                        return "cancelled"
                return "lost"
    except Exception as exc:
        log.exception("placement job %s failed", job_id)
        _finish(store, job_id, owner, "failed", f"{exc.__class__.__name__}: {str(exc)[:300]}")
        return "failed"


def _finish(store: Store, job_id: int, owner: str, state: str, error: str | None = None) -> None:
    with audited(store, Actor(f"worker:{owner}"[:200])) as tx:
        slug = cat.finish_job(tx.conn, job_id, owner, state, error)
        if slug:
            tx.audit(f"catalogue.job.{state}", "catalogue_job", job_id, org=slug,
                     after={"state": state, "error": error})


class Worker:
    """huey consumer threads plus the orphan sweep, in this process (`qualframe serve`, `qualframe worker`)."""

    def __init__(self, url: str, threads: int = 1) -> None:
        from huey.consumer import Consumer

        class QuietConsumer(Consumer):  # the host process (uvicorn, the CLI) owns the signal handlers
            def _set_signal_handlers(self) -> None:
                pass

        self.url = normalise_url(url)
        self.huey = queue_for(self.url)
        self.consumer = QuietConsumer(self.huey, workers=threads, periodic=False, max_delay=1.0,
                                      worker_type="thread", check_worker_health=False)
        self._stop = threading.Event()
        self._sweeper = threading.Thread(target=self._sweep, name="qualframe-job-sweep", daemon=True)

    def start(self) -> Worker:
        logging.getLogger("huey").setLevel(logging.WARNING)
        self.consumer.start()
        self._sweeper.start()
        return self

    def _sweep(self) -> None:
        while not self._stop.is_set():
            try:
                recover(self.url)
            except Exception:  # the database may be briefly unreachable; try again next time
                log.exception("sweeping for orphaned placement jobs failed")
            self._stop.wait(max(lease().total_seconds() / 2, 0.5))

    def stop(self, graceful: bool = True) -> None:
        self._stop.set()
        self.consumer.stop(graceful=graceful)
