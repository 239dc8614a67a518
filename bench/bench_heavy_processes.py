"""Cached GET latency while hostile matches run, engines in threads vs in worker processes (issue #9).

A real uvicorn server (``qualframe.web.app:app_from_env``) on a loopback port, once with
QUALFRAME_HEAVY_PROCESSES=0 (match and search in heavy-work threads of the server) and once with 1 (in
worker processes). For 0, 1 and 2 client processes POSTing a 20,000-character hostile match in a loop, the
latency of a cached GET (``/levels/3.1-07.json``) is printed (p50/p90/p99), with the matches' latency and
the CPU time of the whole server process tree (server, forkserver, workers) per answered match.
QUALFRAME_BENCH_WEB_SECONDS sets each measure's length (default 4 s).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_adversarial import WEB_SECONDS, _http, _pct, _rate, _start_server  # noqa: E402


def _tree_cpu(root: int) -> float:
    """CPU seconds (user + system) of `root` and all its descendants (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            raw = Path(f"/proc/{d}/stat").read_text()
        except OSError:
            continue
        fields = raw.rsplit(")", 1)[1].split()
        stats[int(d)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += stats.get(pid, (0, 0.0))[1]
        todo.extend(p for p, (ppid, _) in stats.items() if ppid == pid)
    return total


def _measure(mode: str, db_url: str) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = _start_server(db_url, port, QUALFRAME_HEAVY_PROCESSES=mode)
    base = f"http://127.0.0.1:{port}"
    try:
        cached = f"{base}/levels/3.1-07.json"
        _http(cached)
        time.sleep(1.0)
        for _ in range(3):  # warm: the engines (threads) or every worker (processes)
            _http(f"{base}/api/v1/match", b'{"text": "Python programmer"}')
        time.sleep(2.0)
        label = "worker processes" if mode != "0" else "threads (today)"
        print(f"  QUALFRAME_HEAVY_PROCESSES={mode} ({label}); load average {os.getloadavg()[0]:.1f}")
        for hammers in (0, 1, 2):
            cpu0 = _tree_cpu(proc.pid)
            procs = [subprocess.Popen([sys.executable, str(HERE / "bench_adversarial.py"), "--hammer",
                                       f"{base}/api/v1/match", str(WEB_SECONDS + 0.5)], stdout=subprocess.PIPE,
                                      text=True) for _ in range(hammers)]
            time.sleep(0.4 if hammers else 0)
            _, lat = _rate(lambda: _http(cached), 1, WEB_SECONDS)
            done = [float(x) for p in procs for x in p.communicate()[0].split()]
            cpu = _tree_cpu(proc.pid) - cpu0
            heavy = (f"; {len(done)} matches, p50 {_pct(done, .5) * 1000:.0f} ms, server CPU "
                     f"{cpu / len(done) * 1000:.0f} ms/match" if done else "")
            print(f"    cached GET, {hammers} hostile matches running: p50 {_pct(lat, .5) * 1000:6.2f} ms  "
                  f"p90 {_pct(lat, .9) * 1000:6.2f} ms  p99 {_pct(lat, .99) * 1000:6.2f} ms{heavy}", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="qf-bench-hp-"))
    db_url = f"sqlite:///{tmp / 'hp.db'}"
    from qualframe.store import Store, prepare

    store = Store(db_url)
    prepare(store)
    store.close()
    print(f"heavy processes (2-core box; {os.cpu_count()} CPUs):")
    for mode in os.environ.get("QUALFRAME_BENCH_HEAVY_MODES", "0,1").split(","):
        _measure(mode, db_url)


if __name__ == "__main__":
    main()
