"""The `qualframe` command. Each domain registers its commands from its own module."""

from __future__ import annotations

import typer

from qualframe.cli import accounts, catalogue, certificates, credentials, framework, interop, search, serve

app = typer.Typer(
    name="qualframe",
    help="Kazakhstan's ICT Sectoral Qualification Framework (order No. 769, 2013) as exact, citable data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each module adds its commands; a new one is imported and listed here (no plugin mechanism).
for _mod in (framework, search, serve, interop, credentials, accounts, catalogue, certificates):
    _mod.register(app)


def main() -> None:
    app()
