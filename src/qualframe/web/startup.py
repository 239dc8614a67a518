"""Start-up work that can wait: run it once this process has answered its first request.

The engines' warm-up (web/app.py) and the placement-job worker of `qualframe serve` (cli/serve.py) are
CPU-heavy; started together with the server they compete with its first answer for the CPU and the GIL.
`FirstResponse` (the app's outermost middleware) sets `FIRST_RESPONSE` when a response has been sent, and
`after_first_response` runs a function in a daemon thread after it, or after a timeout when no request comes
(e.g. the `serve` process of several uvicorn workers, which answers none itself). Only the standard library
is imported here, so the CLI can use it without loading the web app.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

FIRST_RESPONSE = threading.Event()
DEFERRED_START_SECONDS = 5.0  # the longest wait for a first request before the deferred work starts anyway


class FirstResponse:
    """ASGI middleware that sets `FIRST_RESPONSE` once the first HTTP response has been sent (or has failed),
    then only passes requests through."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if FIRST_RESPONSE.is_set() or scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_and_mark(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                FIRST_RESPONSE.set()

        try:
            await self.app(scope, receive, send_and_mark)
        finally:
            FIRST_RESPONSE.set()  # an error answer counts too: the server is up


def after_first_response(fn: Callable[[], object], name: str, timeout: float = DEFERRED_START_SECONDS) -> None:
    """Run `fn` in a daemon thread named `name` once this process has answered its first request, or after
    `timeout` seconds."""

    def run() -> None:
        FIRST_RESPONSE.wait(timeout)
        fn()

    threading.Thread(target=run, name=name, daemon=True).start()
