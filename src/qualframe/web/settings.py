"""Settings of the web app, from arguments or the environment (QUALFRAME_*)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from qualframe.dataset import DEFAULT_FRAMEWORK_ID


@dataclass(frozen=True)
class Settings:
    """What `create_app` needs; `from_env()` reads the same from QUALFRAME_* variables."""

    database_url: str | None = None  # None: QUALFRAME_DATABASE_URL or ./var/qualframe.db
    prepare: bool = True  # migrate and load the shipped framework when the app starts
    default_framework: str = DEFAULT_FRAMEWORK_ID
    max_query_bytes: int = 2048  # longer query strings get 414
    max_path_bytes: int = 1024
    max_body_bytes: int = 64 * 1024  # larger request bodies get 413
    cache_entries: int = 4096
    cache_bytes: int = 128 * 1024 * 1024
    refresh_seconds: float = 2.0  # how often to look for frameworks (re)loaded by another process
    trust_proxy_headers: bool = False  # behind a reverse proxy: believe X-Forwarded-Proto / X-Forwarded-For

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            database_url=env.get("QUALFRAME_DATABASE_URL") or None,
            prepare=env.get("QUALFRAME_PREPARE", "1") != "0",
            trust_proxy_headers=env.get("QUALFRAME_TRUST_PROXY", "0") == "1",
        )
