"""The frameworks shipped inside the package, so qualframe works with no other files around.

`load()` is what the CLI, the store and the web app start from. The JSON is produced by
`qualframe ingest` from the source text, which ships beside it for the source viewer and citations.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

from qualframe.model import Framework

DEFAULT_FRAMEWORK_ID = "kz-ict-sqf-2013"
SOURCE_FILES = {DEFAULT_FRAMEWORK_ID: "ict-sqf-2013.kk.txt"}


def data_dir() -> Path:
    return Path(str(resources.files("qualframe") / "data"))


def dataset_path(framework_id: str = DEFAULT_FRAMEWORK_ID) -> Path:
    return data_dir() / f"{framework_id}.json"


@lru_cache(maxsize=8)
def load(framework_id: str = DEFAULT_FRAMEWORK_ID) -> Framework:
    """The shipped framework (parsed once per process; the objects are immutable)."""
    path = dataset_path(framework_id)
    if not path.exists():
        raise KeyError(f"no shipped framework {framework_id!r}")
    return Framework.from_dict(json.loads(path.read_text(encoding="utf-8")))


@lru_cache(maxsize=8)
def source_lines(framework_id: str = DEFAULT_FRAMEWORK_ID) -> tuple[str, ...]:
    """The source text's lines (1-based line n is index n-1), exactly as ingested."""
    name = SOURCE_FILES.get(framework_id)
    if name is None:
        raise KeyError(f"no shipped source text for {framework_id!r}")
    text = (data_dir() / name).read_text(encoding="utf-8")
    return tuple(text.split("\n"))


def dumps(fw: Framework) -> str:
    """Canonical JSON for a framework: stable key order, UTF-8, one trailing newline."""
    return json.dumps(fw.to_dict(), ensure_ascii=False, indent=1) + "\n"
