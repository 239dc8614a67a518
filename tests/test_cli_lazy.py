"""`qualframe <command>` registers only the module that defines the command (issue 8, start-up time).

The table qualframe.cli.COMMANDS says which module adds which top-level commands and groups; these tests keep
it honest against what each module really registers, and check that a command line gives exactly the same
output and exit code on the app built for it as on the full app (in-process and through `main()`).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
import typer.main
from typer.testing import CliRunner

import qualframe.cli
from qualframe.cli import COMMANDS, build_app, modules_for

runner = CliRunner()


def _top_level_names(app: typer.Typer) -> list[str]:
    """The top-level commands, then groups, that `app` has registered, in registration order."""
    commands = [c.name or typer.main.get_command_name(c.callback.__name__)
                for c in app.registered_commands if c.callback]
    return commands + [g.name for g in app.registered_groups if g.name]


def test_the_table_lists_exactly_what_each_module_registers() -> None:
    for mod, names in COMMANDS.items():
        fresh = typer.Typer()
        importlib.import_module(f"qualframe.cli.{mod}").register(fresh)
        added = _top_level_names(fresh)
        assert sorted(added) == sorted(names), f"qualframe.cli.{mod} registers {added}, COMMANDS says {names}"


def test_every_module_that_registers_commands_is_in_the_table() -> None:
    registering = {
        m.name for m in pkgutil.iter_modules(qualframe.cli.__path__)
        if hasattr(importlib.import_module(f"qualframe.cli.{m.name}"), "register")
    }
    assert registering == set(COMMANDS)


def test_the_full_app_has_every_name_of_the_table_once() -> None:
    names = _top_level_names(qualframe.cli.app)
    assert len(names) == len(set(names))
    assert set(names) == {n for ns in COMMANDS.values() for n in ns}
    assert set(typer.main.get_command(qualframe.cli.app).commands) == set(names)  # what click dispatches on
    assert qualframe.cli.app is qualframe.cli.app  # built once


@pytest.mark.parametrize(("args", "modules"), [
    (["serve", "--port", "8001"], ("serve",)),
    (["export", "csv"], ("framework", "interop")),  # both fill the `export` group
    (["worker"], ("catalogue",)),
    (["credential", "issue"], ("credentials",)),
    (["audit", "verify"], ("accounts",)),
    ([], tuple(COMMANDS)),
    (["--help"], tuple(COMMANDS)),
    (["sreve"], tuple(COMMANDS)),  # an unknown word: the full app says so, with its suggestions
    (["--db", "serve"], tuple(COMMANDS)),  # options first
])
def test_modules_for_a_command_line(args: list[str], modules: tuple[str, ...]) -> None:
    assert modules_for(args) == modules


def test_a_single_command_app_is_still_a_group() -> None:
    # Typer would collapse an app with one command into that command; `qualframe serve` must stay a subcommand
    lazy = runner.invoke(build_app(["serve"]), ["serve", "--help"])
    assert lazy.exit_code == 0 and "Usage: qualframe serve [OPTIONS]" in lazy.output
    assert runner.invoke(build_app(["serve"]), ["--port", "8001"]).exit_code == 2


def _prepared(tmp_path: Path, name: str) -> str:
    """A relative URL of a fresh, prepared SQLite database in its own directory (output names it the same)."""
    from qualframe.store import Store, prepare

    (tmp_path / name).mkdir()
    prepare(Store(f"sqlite:///{tmp_path / name / 'q.db'}"))
    return "sqlite:///q.db"


# One line per module at least: helps, real runs, usage errors (exit 2) and refusals (exit 1).
CASES = [
    ["serve", "--help"], ["serve", "--port", "70000"], ["serve", "--bogus"],
    ["info"], ["levels", "--json"], ["show", "3.1", "62"], ["oked", "62.01"], ["oked", "xx"], ["export", "grid"],
    ["export", "csv", "--json", "-o", "out.csv"], ["export", "csv", "--help"], ["export"], ["import", "case", "--help"],
    ["crosswalk", "--json"], ["search", "--help"], ["search"], ["match", "--help"],
    ["credential"], ["credential", "verify", "missing.json"], ["credential", "issue", "--help"],
    ["user"], ["user", "add", "--help"],
    ["org", "add", "acme", "--kind", "employer", "--name", "Acme", "--db", "DB"],
    ["org", "add", "acme", "--kind", "employer", "--name", "Acme", "--db", "DB"],  # refused: it exists
    ["org", "list", "--json", "--db", "DB"],
    ["user", "add", "a@example.kz", "--db", "DB"], ["user", "list", "--db", "DB"], ["audit", "verify", "--db", "DB"],
    ["catalogue"], ["catalogue", "import", "--help"], ["worker", "--help"],
    ["centre", "key"], ["centre", "key", "create", "--help"], ["programme", "add", "--help"], ["assessment"],
]


# creation times, and the audit chain's hashes over them, differ between the two runs
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?|\b[0-9a-f]{16,}\b")


def test_each_command_line_runs_the_same_on_its_own_app_as_on_the_full_app(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same sequence of commands (writes included) on two databases: the full app on one, the app built
    for each command line on the other; every output and exit code must be the same."""
    seen: dict[str, list[tuple[int, str]]] = {}
    for variant in ("full", "lazy"):
        db = _prepared(tmp_path, variant)
        monkeypatch.chdir(tmp_path / variant)
        seen[variant] = []
        for case in CASES:
            args = [db if a == "DB" else a for a in case]
            app = qualframe.cli.app if variant == "full" else build_app(modules_for(args))
            r = runner.invoke(app, args, prog_name="qualframe")
            seen[variant].append((r.exit_code, STAMP.sub("<varies>", r.output)))
    for case, full, lazy in zip(CASES, seen["full"], seen["lazy"], strict=True):
        assert lazy == full, f"qualframe {' '.join(case)}"
    codes = {case[0]: code for case, (code, _) in zip(CASES, seen["full"], strict=True)}
    assert codes["info"] == 0 and {c for c, _ in seen["full"]} >= {0, 1, 2}
    assert (tmp_path / "lazy" / "out.csv").read_bytes() == (tmp_path / "full" / "out.csv").read_bytes()


def _cli(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)


MAIN = "from qualframe.cli import main; main()"
FULL = "from qualframe.cli import app; app()"  # what main() did before: every module, every command


@pytest.mark.parametrize("args", [
    ["serve", "--help"], ["serve", "--port", "0"], ["export", "csv", "--help"], ["user", "list", "--help"],
    ["credential"], ["--help"], [], ["sreve"],
])
def test_main_answers_as_the_full_app(args: list[str]) -> None:
    lazy, full = _cli(MAIN, *args), _cli(FULL, *args)
    assert (lazy.returncode, lazy.stdout, lazy.stderr) == (full.returncode, full.stdout, full.stderr)
    assert full.stdout or full.stderr


def test_main_imports_only_the_modules_of_the_command() -> None:
    probe = ("import json, sys\nfrom qualframe.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
             "print(json.dumps(sorted(m for m in sys.modules if m.startswith('qualframe.cli.'))), file=sys.stderr)")
    loaded = {}
    for args in (["serve", "--help"], ["export", "csv", "--help"], ["--help"]):
        r = _cli(probe, *args)
        assert r.returncode == 0, r.stderr
        loaded[args[0]] = json.loads(r.stderr.strip().splitlines()[-1])
    assert loaded["serve"] == ["qualframe.cli.output", "qualframe.cli.serve"]
    assert {"qualframe.cli.framework", "qualframe.cli.interop"} <= set(loaded["export"])
    assert "qualframe.cli.accounts" not in loaded["export"] and "qualframe.cli.serve" not in loaded["export"]
    assert set(loaded["--help"]) == {f"qualframe.cli.{m}" for m in COMMANDS} | {"qualframe.cli.output"}
