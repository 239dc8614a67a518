"""The `qualframe` command. Each domain registers its commands from its own module."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="qualframe",
    help="Kazakhstan's ICT Sectoral Qualification Framework (order No. 769, 2013) as exact, citable data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Modules that add commands; a module that is not installed yet is skipped.
COMMAND_MODULES = (
    "qualframe.cli.framework",
    "qualframe.cli.search",
    "qualframe.cli.serve",
    "qualframe.cli.interop",
)

for _name in COMMAND_MODULES:
    try:
        _mod = importlib.import_module(_name)
    except ModuleNotFoundError as exc:  # only a missing command module itself is tolerated
        if exc.name != _name:
            raise
        continue
    _mod.register(app)


def main() -> None:
    app()
