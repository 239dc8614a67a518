"""Shared output helpers: JSON to stdout, errors to stderr with a non-zero exit code."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
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
