"""The layering of docs/ARCHITECTURE.md holds: import-linter's contracts (pyproject.toml) are kept, they do
catch a bad import, and every route module in web/routes is included by the app factory."""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from fastapi import APIRouter

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "qualframe"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]


def _lint(*args: str, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)} if pythonpath else None
    # --no-cache: nothing written into the tree; the graph takes well under a second to build
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_import_contracts_are_kept() -> None:
    res = _lint()
    assert res.returncode == 0, res.stdout + res.stderr
    kept = re.search(r"Contracts: (\d+) kept, (\d+) broken", res.stdout)
    assert kept and int(kept.group(1)) == len(_contracts()) and kept.group(2) == "0", res.stdout


# (module file, bad line appended, id of the contract that must break)
BAD_IMPORTS = [
    ("web/routes/pages.py", "from qualframe.web import app", "web-layers"),
    ("web/http.py", "from qualframe.web.routes import api", "web-layers"),
    ("web/routes/exports.py", "from qualframe.web.routes import crosswalks", "routes-independent"),
    ("interop/case.py", "import fastapi", "pure"),
    ("interop/skos.py", "import sqlalchemy", "pure"),
    ("search/shipped.py", "from qualframe.match import prototypes", "layers"),
    ("model/framework.py", "from qualframe import store", "layers"),
    ("web/views.py", "from sqlalchemy import select", "database-in-store"),
    ("store/base.py", "from qualframe.store import models", "no-cycles"),
]


@pytest.mark.parametrize(("module", "line", "contract"), BAD_IMPORTS, ids=[b[2] + ":" + b[0] for b in BAD_IMPORTS])
def test_a_bad_import_breaks_its_contract(tmp_path: Path, module: str, line: str, contract: str) -> None:
    """A copy of the package with one forbidden import fails `lint-imports` on the expected contract."""
    copy = tmp_path / "src" / "qualframe"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "data", "_data", "static",
                                                                 "templates", "locale"))
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    res = _lint("--contract", contract, pythonpath=tmp_path / "src")
    assert res.returncode == 1 and "BROKEN" in res.stdout, res.stdout + res.stderr


def test_every_route_module_is_included_by_the_app() -> None:
    from qualframe.web import app, routes

    included = {id(app.resolve_router(r) if isinstance(r, str) else r) for r, *_ in app.ROUTERS}
    names = [m.name for m in pkgutil.iter_modules(routes.__path__)]
    assert {"api", "pages", "case", "exports", "crosswalks"} <= set(names)
    for name in names:
        mod = importlib.import_module(f"qualframe.web.routes.{name}")
        assert isinstance(getattr(mod, "router", None), APIRouter), f"web/routes/{name}.py has no `router`"
        for attr, value in vars(mod).items():
            if isinstance(value, APIRouter):
                assert id(value) in included, f"{name}.{attr} is not in qualframe.web.app.ROUTERS"
