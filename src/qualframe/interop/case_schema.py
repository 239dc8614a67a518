"""Validate CASE JSON against 1EdTech's official files (OpenAPI 3.0 and the CFPackage JSON Schema).

The files are 1EdTech's and are not shipped with qualframe: they are read from a folder given by
$QUALFRAME_CASE_STANDARDS, else from `shared/standards/case/` beside the repository (where CI has
it). `standards_dir()` returns None when absent so tests can skip with a visible reason. Needs the
`jsonschema` package (a dev dependency).
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

OPENAPI_FILE = "imscasev1p1_openapi3_v1p0.json"
PACKAGE_SCHEMA_FILE = "case-v1p1-cfpackage.json"
_OPENAPI_URI = "urn:qualframe:case-openapi"


def standards_dir() -> Path | None:
    """The folder holding the official CASE files, or None."""
    if "QUALFRAME_CASE_STANDARDS" in os.environ:  # an explicit setting wins, even one that points nowhere
        candidates = [Path(os.environ["QUALFRAME_CASE_STANDARDS"])]
    else:
        repo = Path(__file__).resolve().parents[3]
        candidates = [repo.parent / "shared" / "standards" / "case",
                      Path.cwd().parent / "shared" / "standards" / "case"]
    for c in candidates:
        if (c / OPENAPI_FILE).is_file() and (c / PACKAGE_SCHEMA_FILE).is_file():
            return c
    return None


def _require_dir() -> Path:
    d = standards_dir()
    if d is None:
        raise FileNotFoundError(
            f"official CASE files ({OPENAPI_FILE}, {PACKAGE_SCHEMA_FILE}) not found: set "
            "QUALFRAME_CASE_STANDARDS or place them in shared/standards/case beside the repository")
    return d


@lru_cache(maxsize=1)
def openapi() -> dict[str, Any]:
    return json.loads((_require_dir() / OPENAPI_FILE).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def package_schema() -> dict[str, Any]:
    return json.loads((_require_dir() / PACKAGE_SCHEMA_FILE).read_text(encoding="utf-8"))


def _format_checker() -> Any:
    from jsonschema import FormatChecker

    return FormatChecker()


@lru_cache(maxsize=64)
def _openapi_validator(ref: str) -> Any:
    """A validator for one OpenAPI component schema, its $refs resolved inside the OpenAPI document."""
    from jsonschema import Draft7Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    doc = openapi()
    registry = Registry().with_resource(_OPENAPI_URI, Resource(contents=doc, specification=DRAFT7))
    return Draft7Validator({"$ref": f"{_OPENAPI_URI}{ref}"}, registry=registry, format_checker=_format_checker())


def null_paths(obj: Any, path: str = "$") -> list[str]:
    """Where a JSON value holds null (CASE forbids nulls even where a schema would not notice)."""
    out: list[str] = []
    if obj is None:
        out.append(path)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            out += null_paths(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += null_paths(v, f"{path}[{i}]")
    return out


def _errors(validator: Any, body: Any) -> list[str]:
    errs = [f"{'/'.join(map(str, e.absolute_path)) or '$'}: {e.message}"
            for e in sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))]
    return errs + [f"{p}: null value" for p in null_paths(body)]


def response_schema_ref(path: str, status: int, method: str = "get") -> str:
    """The $ref of the official response schema for `path` (e.g. "/CFItems/{sourcedId}") and status."""
    op = openapi()["paths"][path][method]
    resp = op["responses"].get(str(status)) or op["responses"]["default"]
    return resp["content"]["application/json"]["schema"]["$ref"]


def validate_response(path: str, status: int, body: Any) -> list[str]:
    """Errors of a response body against the official OpenAPI for that path and status ([] = valid)."""
    ref = response_schema_ref(path, status)
    return _errors(_openapi_validator(ref), body)


def validate_component(name: str, body: Any) -> list[str]:
    """Errors against one OpenAPI component schema, e.g. "CFPackageDType"."""
    return _errors(_openapi_validator(f"#/components/schemas/{name}"), body)


@lru_cache(maxsize=1)
def _package_validator() -> Any:
    from jsonschema import Draft201909Validator

    return Draft201909Validator(package_schema(), format_checker=_format_checker())


def validate_package(pkg: Any) -> list[str]:
    """Errors of a CFPackage against the official JSON Schema (draft 2019-09) and the OpenAPI schema."""
    errs = [f"json-schema: {e}" for e in _errors(_package_validator(), pkg)]
    errs += [f"openapi: {e}" for e in _errors(_openapi_validator("#/components/schemas/CFPackageDType"), pkg)
             if not e.endswith("null value")]
    return errs
