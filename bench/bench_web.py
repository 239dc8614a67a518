"""Web server figures: time to first answer, and req/s, p50, p99 at 1 and 32 connections.

The server (`qualframe serve`, SQLite) and the load generator run as separate processes on loopback.
The load generator is a small keep-alive HTTP/1.1 client on asyncio (uvloop when present), so the
figures are the server's and not an HTTP library's. Run alone with `python bench/run.py web`;
QF_BENCH_SECONDS sets the seconds per measurement (default 4).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

FW = "kz-ict-sqf-2013"
SECONDS = float(os.environ.get("QF_BENCH_SECONDS", "4"))
QUERIES = ["бағдарламалау", "желі", "network", "программирование", "жобалау", "тестілеу", "управление",
           "database", "байланыс", "жөндеу", "software", "безопасность", "монтаж", "сапа", "team lead"]
JOBS = ["Бағдарламалық қамтамасыз етуді әзірлеуші", "network engineer designing telecom networks",
        "инженер по ремонту компьютерной техники", "ИТ-директор, стратегия и управление", "junior tester"]


# --- load generator (runs in its own process) -------------------------------------------------------

async def _conn_loop(host: str, port: int, make_request: Callable[[int], bytes], deadline: float, lat: list[float],
                     errors: list[str]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    i = 0
    try:
        while time.perf_counter() < deadline:
            req = make_request(i)
            i += 1
            t0 = time.perf_counter()
            writer.write(req)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length:
                await reader.readexactly(length)
            lat.append(time.perf_counter() - t0)
            if status != 200:
                errors.append(str(status))
    finally:
        writer.close()


async def _load(host: str, port: int, kind: str, path: str, conns: int, seconds: float) -> dict:
    base = (f"Host: {host}:{port}\r\nAccept-Encoding: gzip\r\nConnection: keep-alive\r\n").encode()

    def make_request(i: int) -> bytes:
        if kind == "get":
            return f"GET {path} HTTP/1.1\r\n".encode() + base + b"\r\n"
        if kind == "search":
            # a fresh parameter on every request defeats the response cache: the engine runs each time
            q = quote(QUERIES[i % len(QUERIES)])
            nonce = f"{os.getpid()}-{i}-{time.perf_counter_ns()}"
            return f"GET /api/v1/search?q={q}&limit=10&nocache={nonce} HTTP/1.1\r\n".encode() + base + b"\r\n"
        body = json.dumps({"text": JOBS[i % len(JOBS)], "limit": 5}, ensure_ascii=False).encode()
        return (b"POST /api/v1/match HTTP/1.1\r\n" + base + b"Content-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)

    # warm up (fills the cache and the engines), then measure
    warm: list[float] = []
    await _conn_loop(host, port, make_request, time.perf_counter() + min(1.0, seconds / 4), warm, [])
    lat: list[float] = []
    errors: list[str] = []
    t0 = time.perf_counter()
    deadline = t0 + seconds
    await asyncio.gather(*(_conn_loop(host, port, make_request, deadline, lat, errors) for _ in range(conns)))
    elapsed = time.perf_counter() - t0
    lat.sort()
    n = len(lat)
    return {"n": n, "rps": n / elapsed, "p50_ms": lat[n // 2] * 1000 if n else 0.0,
            "p99_ms": lat[min(n - 1, int(n * 0.99))] * 1000 if n else 0.0, "errors": len(errors)}


def client_main(argv: list[str]) -> None:
    host, port, kind, path, conns, seconds = argv[0], int(argv[1]), argv[2], argv[3], int(argv[4]), float(argv[5])
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    print(json.dumps(asyncio.run(_load(host, port, kind, path, conns, seconds))))


# --- driver --------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(db_url: str, port: int, workers: int, log: Path) -> tuple[subprocess.Popen, float]:
    """Start `qualframe serve`; return the process and seconds until it answered its first request."""
    env = {k: v for k, v in os.environ.items() if k != "QUALFRAME_DATABASE_URL"}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from qualframe.cli import main; main()", "serve", "--port", str(port), "--db", db_url,
         "--workers", str(workers)], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/levels/3.1-07.json"
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return proc, time.perf_counter() - t0
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text(errors='replace')[-1500:]}") from None
            if time.perf_counter() - t0 > 60:
                proc.kill()
                raise RuntimeError("server did not answer within 60 s") from None
        time.sleep(0.01)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _run_client(port: int, kind: str, path: str, conns: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--client", "127.0.0.1", str(port), kind, path, str(conns),
                          str(SECONDS)], capture_output=True, text=True, timeout=SECONDS * 4 + 60, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


SCENARIOS = [
    ("matrix page (HTML, cached)", "get", "/areas/3.1"),
    ("level JSON (cached)", "get", "/levels/3.1-07.json"),
    ("level JSON via API (cached)", "get", f"/api/v1/frameworks/{FW}/levels/3.1-07"),
    ("search (API, uncached)", "search", ""),
    ("match (API POST, uncached)", "match", ""),
]


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="qf-bench-web-"))
    db = f"sqlite:///{tmp / 'qualframe.db'}"
    port = _free_port()
    # 1. first run on an empty database: create, migrate, load, then answer
    from qualframe.cli.serve import DEFAULT_WORKERS

    proc, first = _start(db, port, DEFAULT_WORKERS, tmp / "serve1.log")
    _stop(proc)
    # 2. later start on the existing database
    proc, again = _start(db, port, DEFAULT_WORKERS, tmp / "serve2.log")
    _stop(proc)
    proc, two = _start(db, port, 2, tmp / "serve3.log")
    _stop(proc)
    print(f"startup (default --workers {DEFAULT_WORKERS}): first request answered {first:.2f} s after start on an "
          f"empty database (create+migrate+load), {again:.2f} s on an existing one (target ≤ 3 s); "
          f"with --workers 2: {two:.2f} s")
    results: dict[tuple[int, str, int], dict] = {}
    for workers in (1, 2):
        proc, _ = _start(db, port, workers, tmp / f"serve-w{workers}.log")
        try:
            print(f"-- qualframe serve --workers {workers} (SQLite), load generator in a separate process, "
                  f"{SECONDS:.0f} s per row")
            print(f"   {'endpoint':32} {'conns':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}")
            for name, kind, path in SCENARIOS:
                for conns in (1, 32):
                    r = _run_client(port, kind, path, conns)
                    results[(workers, name, conns)] = r
                    print(f"   {name:32} {conns:>5} {r['rps']:>9.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} "
                          f"{r['errors']:>6}", flush=True)
        finally:
            _stop(proc)
    best = {w: results[(w, "level JSON (cached)", 32)] for w in (1, 2)}
    w = min(best, key=lambda k: best[k]["p99_ms"])
    lvl = best[w]
    cached = min(results[(w, n, 32)]["rps"] for n in ("level JSON (cached)", "level JSON via API (cached)"))
    print(f"targets (workers={w}): level JSON p99 at 32 conns {lvl['p99_ms']:.2f} ms (≤ 20: "
          f"{'ok' if lvl['p99_ms'] <= 20 else 'MISSED'}); cached JSON {cached:.0f} req/s (≥ 1000: "
          f"{'ok' if cached >= 1000 else 'MISSED'}); first request {max(first, again):.2f} s (≤ 3: "
          f"{'ok' if max(first, again) <= 3 else 'MISSED'})")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        client_main(sys.argv[2:])
    else:
        main()
