"""CASE provider throughput: the whole framework's CFPackage from `qualframe serve` on SQLite, on loopback.

Starts the real server (uvicorn, one worker, a fresh SQLite file) in a subprocess and drives it from
a separate load-generator process: wrk if installed (`apt-get install wrk`), else (or with
QUALFRAME_BENCH_LOADGEN=python) a small asyncio keep-alive client in Python. Prints the package size
(plain and gzip), how long building it takes, and requests per second for a gzip download, a
conditional request answered 304, and an uncompressed download. Target: ≥ 1,500 req/s for the
package (gzip, conditional requests allowed).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from multiprocessing import Process, Queue
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import qualframe
from common import fmt_ms, timeit
from qualframe.interop.case import build_package, case_uuid, dumps

DURATION = float(os.environ.get("QUALFRAME_BENCH_SECONDS", "5"))
CONNECTIONS = 32
TARGET = 1500.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                r.read()
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not answer {url} within {timeout:.0f} s")


# --- the Python load generator (used when wrk is absent) ------------------------------------------------


async def _client(host: str, port: int, request: bytes, end: float, counts: list[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.monotonic() < end:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            m = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
            if m:
                await reader.readexactly(int(m.group(1)))
            counts[0] += 1
    finally:
        writer.close()


def _py_load(host: str, port: int, path: str, headers: dict[str, str], seconds: float, q: Queue) -> None:
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    req = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}\r\n".encode()
    counts = [0]

    async def main() -> None:
        end = time.monotonic() + seconds
        await asyncio.gather(*(_client(host, port, req, end, counts) for _ in range(CONNECTIONS)))

    t0 = time.monotonic()
    asyncio.run(main())
    q.put(counts[0] / (time.monotonic() - t0))


def _rps_python(host: str, port: int, path: str, headers: dict[str, str]) -> float:
    q: Queue = Queue()
    p = Process(target=_py_load, args=(host, port, path, headers, DURATION, q))
    p.start()
    p.join(DURATION + 60)
    if p.is_alive():
        p.terminate()
        raise RuntimeError("load generator did not finish")
    return float(q.get(timeout=5))


def _rps_wrk(url: str, headers: dict[str, str]) -> float:
    cmd = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{DURATION:.0f}s"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=DURATION + 60, check=True).stdout
    m = re.search(r"Requests/sec:\s*([\d.]+)", out)
    if not m:
        raise RuntimeError(f"could not read wrk output: {out[-300:]}")
    if re.search(r"Non-2xx or 3xx responses", out):
        raise RuntimeError(f"wrk saw error responses: {out[-300:]}")
    return float(m.group(1))


def main() -> None:
    fw = qualframe.load()
    pkg_bytes = dumps(build_package(fw), pretty=False).encode("utf-8")
    gz = gzip.compress(pkg_bytes, 6)
    build = timeit(lambda: dumps(build_package(fw), pretty=False), repeat=15)
    print(f"CFPackage of {fw.id}: {len(pkg_bytes):,} bytes JSON, {len(gz):,} bytes gzip "
          f"({len(pkg_bytes) / len(gz):.1f}x); {len(build_package(fw)['CFItems'])} items")
    print(f"  building it (once per store state): {fmt_ms(build)}")

    force_py = os.environ.get("QUALFRAME_BENCH_LOADGEN") == "python"
    tool = "wrk" if shutil.which("wrk") and not force_py else "python asyncio client"
    port = _free_port()
    tmp = tempfile.mkdtemp(prefix="qf-bench-case-")
    env = {**os.environ, "QUALFRAME_DATA_DIR": tmp}
    env.pop("QUALFRAME_DATABASE_URL", None)
    db = f"sqlite:///{tmp}/qualframe.db"
    qf = Path(sys.executable).with_name("qualframe")
    server = subprocess.Popen([str(qf), "serve", "--port", str(port), "--db", db], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        path = f"/ims/case/v1p1/CFPackages/{case_uuid(f'{fw.id}/document')}"
        _wait(base + path)
        req = urllib.request.Request(base + path, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(req) as r:
            etag = r.headers["ETag"]
            served = r.read()
            assert r.headers.get("Content-Encoding") == "gzip" and json.loads(gzip.decompress(served))
        cases = {
            "gzip 200": {"Accept-Encoding": "gzip"},
            "conditional 304 (If-None-Match)": {"Accept-Encoding": "gzip", "If-None-Match": etag},
            "uncompressed 200": {},
        }
        print(f"  served over loopback by `qualframe serve` (1 worker, SQLite), load from {tool}, "
              f"{CONNECTIONS} connections, {DURATION:.0f} s each:")
        results = {}
        for name, headers in cases.items():
            rps = (_rps_wrk(base + path, headers) if tool == "wrk"
                   else _rps_python("127.0.0.1", port, path, headers))
            results[name] = rps
            print(f"  {name:<34} {rps:>9,.0f} req/s")
        best = max(results["gzip 200"], results["conditional 304 (If-None-Match)"])
        verdict = "meets" if results["gzip 200"] >= TARGET else ("meets with conditional requests"
                                                                if best >= TARGET else "MISSES")
        print(f"  target ≥ {TARGET:,.0f} req/s for the package: {verdict} "
              f"(gzip {results['gzip 200']:,.0f}, 304 {results['conditional 304 (If-None-Match)']:,.0f})")
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
