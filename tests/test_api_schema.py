"""Schemathesis over the OpenAPI description: no server error and no undocumented response.

Runs in-process (ASGI) against a real SQLite store with the shipped framework loaded.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

schemathesis = pytest.importorskip("schemathesis")

from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from qualframe.web.app import create_app  # noqa: E402
from qualframe.web.settings import Settings  # noqa: E402

_DB = Path(tempfile.mkdtemp(prefix="qf-schemathesis-")) / "qualframe.db"
APP = create_app(Settings(database_url=f"sqlite:///{_DB}"))
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi(case) -> None:
    case.call_and_validate(checks=CHECKS)
