"""Settings of the web app, from arguments or the environment (QUALFRAME_*)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from qualframe.dataset import DEFAULT_FRAMEWORK_ID


@dataclass(frozen=True)
class Settings:
    """What `create_app` needs; `from_env()` reads the same from QUALFRAME_* variables."""

    database_url: str | None = None  # None: QUALFRAME_DATABASE_URL or ./var/qualframe.db
    prepare: bool = True  # migrate and load the shipped framework when the app starts
    default_framework: str = DEFAULT_FRAMEWORK_ID
    max_query_bytes: int = 2048  # longer query strings get 414
    max_path_bytes: int = 1024
    max_body_bytes: int = 64 * 1024  # larger request bodies get 413 (routes may allow more, see body_limits)
    max_body_hard_bytes: int = 6 * 1024 * 1024  # no route may allow more (a catalogue upload: 5 MB)
    cache_entries: int = 4096
    cache_bytes: int = 128 * 1024 * 1024
    cache_large_bytes: int = 96 * 1024 * 1024  # answers above cache_bytes / 8 (big packages) have their own budget
    # CPU-heavy work (match, search, compare, exports...): this many in flight per process, this many more
    # waiting at most heavy_wait_seconds; beyond, 503 with Retry-After (qualframe.web.admission)
    heavy_in_flight: int = field(default_factory=lambda: 2 * (os.cpu_count() or 1))
    heavy_queue: int = field(default_factory=lambda: 2 * (os.cpu_count() or 1))
    heavy_wait_seconds: float = 1.0
    retry_after_seconds: int = 1
    heavy_nice: int = 10  # heavy-work threads run this much nicer (Linux), so cached reads get a core at once
    # match and search compute in heavy_in_flight worker processes (web/heavy_processes.py) instead of
    # heavy-work threads: cached reads no longer wait for the GIL. 0 = in threads. Default on with >= 2 CPUs
    heavy_processes: int = field(default_factory=lambda: int((os.cpu_count() or 1) >= 2))
    gil_switch_seconds: float = 0.001  # sys.setswitchinterval for `qualframe serve` (Python's default: 0.005)
    refresh_seconds: float = 2.0  # how often to look for frameworks (re)loaded by another process
    trust_proxy_headers: bool = False  # behind a reverse proxy: believe X-Forwarded-Proto / X-Forwarded-For

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            database_url=env.get("QUALFRAME_DATABASE_URL") or None,
            prepare=env.get("QUALFRAME_PREPARE", "1") != "0",
            trust_proxy_headers=env.get("QUALFRAME_TRUST_PROXY", "0") == "1",
            **{name: conv(env[var]) for name, var, conv in _NUMBERS if env.get(var)},
        )


# Limits an operator may set in the environment: (field, variable, type)
_NUMBERS: tuple[tuple[str, str, type], ...] = (
    ("heavy_in_flight", "QUALFRAME_HEAVY_IN_FLIGHT", int),
    ("heavy_queue", "QUALFRAME_HEAVY_QUEUE", int),
    ("heavy_wait_seconds", "QUALFRAME_HEAVY_WAIT_SECONDS", float),
    ("heavy_nice", "QUALFRAME_HEAVY_NICE", int),
    ("heavy_processes", "QUALFRAME_HEAVY_PROCESSES", int),
    ("gil_switch_seconds", "QUALFRAME_GIL_SWITCH_SECONDS", float),
    ("cache_bytes", "QUALFRAME_CACHE_BYTES", int),
    ("cache_large_bytes", "QUALFRAME_CACHE_LARGE_BYTES", int),
)
