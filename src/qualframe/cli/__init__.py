"""The `qualframe` command. Each domain registers its commands from its own module.

`main()` imports and registers only the module(s) that define the command named by the first word (so
`qualframe serve` does not import and convert the other ~40 commands: issue 8, start-up time); with no
command word, an option first or an unknown word it builds the full app, so `--help` and errors are
unchanged. `qualframe.cli.app` is the full app, built on first access.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import typer

# Module of qualframe.cli -> the top-level commands and groups its register(app) adds, in registration order
# (the order of `qualframe --help`). A group may be filled by several modules (interop adds to `export`);
# tests/test_cli_lazy.py fails when a module adds a name not listed here.
COMMANDS: dict[str, tuple[str, ...]] = {
    "framework": ("info", "levels", "show", "oked", "errata", "ingest", "export"),
    "search": ("search", "match"),
    "serve": ("serve",),
    "interop": ("export", "crosswalk", "import"),
    "credentials": ("credential",),
    "accounts": ("user", "org", "member", "token", "audit"),
    "catalogue": ("catalogue", "worker"),
    "certificates": ("centre", "programme", "assessment"),
}


def _as_group() -> None:
    # No-op callback: keeps an app with a single command a group (`qualframe serve`, not `qualframe`).
    return None


def build_app(modules: Sequence[str] = tuple(COMMANDS)) -> typer.Typer:
    """A `qualframe` app with the commands of the given qualframe.cli modules registered (default: all)."""
    app = typer.Typer(
        name="qualframe",
        help="Kazakhstan's ICT Sectoral Qualification Framework (order No. 769, 2013) as exact, citable data.",
        callback=_as_group,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    for name in modules:
        importlib.import_module(f"{__name__}.{name}").register(app)
    return app


def modules_for(args: Sequence[str]) -> tuple[str, ...]:
    """The modules needed to run the command line `args`: those defining its first word, else all of them."""
    if args and not args[0].startswith("-"):
        needed = tuple(mod for mod, names in COMMANDS.items() if args[0] in names)
        if needed:
            return needed
    return tuple(COMMANDS)


_full_app: typer.Typer | None = None


def __getattr__(name: str) -> typer.Typer:
    # `from qualframe.cli import app` (tests, other code) gets the full app, built once on first use.
    global _full_app
    if name == "app":
        if _full_app is None:
            _full_app = build_app()
        return _full_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Entry point of the `qualframe` script."""
    build_app(modules_for(sys.argv[1:]))()
