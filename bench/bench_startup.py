"""`qualframe serve` startup: seconds from spawning the process to its first 200, fresh and existing database.

Spawns `qualframe serve` on a free loopback port with a fresh temporary SQLite database (first run: schema,
then the shipped framework is loaded), polls the home page `/` until it answers 200, and stops the server;
then the same on the database that run left behind (nothing to migrate or load), once for `/` and once for an
API answer (`/api/v1/frameworks/…/levels`). Each first answer is a real one of the full app (the routers it
does not need are built after it, see ROUTERS in web/app.py). With $QUALFRAME_BENCH_PG_URL (an empty
PostgreSQL database; its public schema is dropped and recreated) the same is measured on PostgreSQL too. After
each run the stack's floor is timed the same way: bench/startup_floor.py, one table and one page on the same
libraries, says what any start-up on them costs on this machine. Prints medians of `QUALFRAME_BENCH_REPEAT`
runs (default 5). Targets (issue 8): fresh ≤ 2 s, existing ≤ 1 s. Next to the wall-clock time it prints the
server's CPU seconds (user + system, from /proc) at its first 200, which other load on a shared machine
disturbs less, and the machine's load average. `make bench` writes the package's bytecode first (as the
install does); the first line says if it is there.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPEAT = int(os.environ.get("QUALFRAME_BENCH_REPEAT", "5"))
TARGETS = {"fresh": 2.0, "existing": 1.0}
PAGE = "/"
API = "/api/v1/frameworks/kz-ict-sqf-2013/levels"
# (database state, URL of the first request)
CASES = (("fresh", PAGE), ("existing", PAGE), ("existing", API))
FLOOR_CASE = "floor"
CLI = [sys.executable, "-c", "from qualframe.cli import main; main()"]
# the same libraries with one table and one page (bench/startup_floor.py): what the stack itself costs here
FLOOR = [sys.executable, str(Path(__file__).resolve().parent / "startup_floor.py")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process (all its threads), or NaN where /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def first_200(db: str, cwd: Path, path: str = PAGE, timeout: float = 60.0, cli: list[str] = CLI
              ) -> tuple[float, float]:
    """(wall seconds, server CPU seconds) from spawning `CLI serve --db DB` (qualframe's by default) to its
    first 200 answer for `path`."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}{path}"
    env = {k: v for k, v in os.environ.items() if k != "QUALFRAME_DATABASE_URL"}
    t0 = time.perf_counter()
    # its own process group, so that the run's engine workers (started after the first answer) are stopped
    # with it and do not eat into the next run's CPU
    proc = subprocess.Popen([*cli, "serve", "--db", db, "--port", str(port)], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        while time.perf_counter() - t0 < timeout:
            if proc.poll() is not None:
                raise RuntimeError(f"serve exited {proc.returncode}: {proc.stderr.read().decode()[-500:]}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        return time.perf_counter() - t0, _cpu_seconds(proc.pid)
            except OSError:
                time.sleep(0.01)
        raise RuntimeError(f"no 200 from {url} within {timeout} s")
    finally:
        _stop_group(proc)


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server and every process of its group, and wait until they are gone."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=15)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def _reset_pg(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _report(backend: str, results: dict[tuple[str, str], list[tuple[float, float]]]) -> None:
    for (case, path), runs in results.items():
        samples = [w for w, _ in runs]
        med = statistics.median(samples)
        cpu = statistics.median(c for _, c in runs)
        spread = f"(min {min(samples):.2f}, max {max(samples):.2f}, n={len(samples)}; server CPU {cpu:.2f} s)"
        if case == FLOOR_CASE:
            print(f"  {'the stack':<10} one table, one page (bench/startup_floor.py): median {med:5.2f} s  {spread}  "
                  f"the floor of any start-up on these libraries here", flush=True)
            continue
        target = TARGETS[case]
        flag = "ok" if med <= target else "OVER TARGET"
        print(f"  {backend:<10} {case:<8} database, {'API' if path == API else 'page'}: median {med:5.2f} s  "
              f"{spread}  target ≤ {target:.0f} s  {flag}", flush=True)
    print(f"  (load average now {os.getloadavg()[0]:.1f})")


def _run(db: str, cwd: Path, results: dict[tuple[str, str], list[tuple[float, float]]]) -> None:
    """One fresh start on `db` (empty), then the starts on the database it left behind; then the stack's
    floor on a database of its own (interleaved, so that a slow phase of the machine touches both alike)."""
    for case, path in CASES:
        results.setdefault((case, path), []).append(first_200(db, cwd, path))
    if db.startswith("sqlite:"):
        results.setdefault((FLOOR_CASE, PAGE), []).append(first_200(f"sqlite:///{cwd}/floor.db", cwd, cli=FLOOR))


def _bytecode() -> str:
    import qualframe.web.app as web_app

    cached = importlib.util.cache_from_source(web_app.__file__)
    return "present" if Path(cached).exists() else "missing (each start compiles the package)"


def main() -> None:
    print(f"qualframe serve: spawn → first 200 (median of {REPEAT}; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs; qualframe bytecode {_bytecode()}):")
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for _ in range(REPEAT):
        with tempfile.TemporaryDirectory() as tmp:
            _run(f"sqlite:///{tmp}/q.db", Path(tmp), results)
    _report("SQLite", results)
    pg = os.environ.get("QUALFRAME_BENCH_PG_URL")
    if not pg:
        print("  PostgreSQL: skipped ($QUALFRAME_BENCH_PG_URL not set)")
        return
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(REPEAT):
            _reset_pg(pg)
            _run(pg, Path(tmp), results)
    _report("PostgreSQL", results)


if __name__ == "__main__":
    main()
