"""Shared output helpers: JSON to stdout, errors to stderr with a non-zero exit code.

The Rich consoles (`console`, `err_console`) are made on first use: importing Rich costs ~45 ms, which
`qualframe serve` would otherwise pay before its first answer for two plain lines.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer

_consoles: dict[str, Any] = {}


def _console(name: str) -> Any:
    if name not in _consoles:
        from rich.console import Console

        _consoles[name] = Console(stderr=name == "err_console", soft_wrap=True)
    return _consoles[name]


def __getattr__(name: str) -> Any:
    """`console` (stdout) and `err_console` (stderr), made on first use."""
    if name not in ("console", "err_console"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return _console(name)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def fail(message: str, code: int = 1) -> NoReturn:
    _console("err_console").print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def unofficial(text: str) -> str:
    return f"{text} [dim](unofficial translation)[/]"


@contextmanager
def open_store(db: str | None, *, load_framework: bool = False) -> Iterator[Any]:
    """The store behind `--db` (or the default), migrated, and with the shipped framework when asked;
    an unreachable or broken database ends the command with a clear message instead of a traceback."""
    from qualframe.store import Store, StoreError, default_url, normalise_url, prepare

    url = normalise_url(db) if db else default_url()
    try:
        store = Store(url)
        if load_framework:
            prepare(store)
        else:
            store.migrate()
    except StoreError as exc:
        fail(str(exc))
    except Exception as exc:  # e.g. a database server that is not reachable
        fail(f"cannot open the database {url.split('@')[-1]!r}: {exc.__class__.__name__}: {str(exc)[:300]}")
    try:
        yield store
    finally:
        store.close()
