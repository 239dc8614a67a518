"""CASE errors: imsx_StatusInfo bodies, for every answer under /ims/case/ (routes and middleware alike).

Kept apart from the CASE routes so that the middleware and the app's error handlers, which sit below
the routes, answer 404/405/413/414/503 under the prefix in the CASE shape too.
"""

from __future__ import annotations

import json
from typing import Any

CASE_ROOT = "/ims/case/"  # everything below answers imsx_StatusInfo errors

# HTTP status -> imsx_codeMinor value (from the spec's closed list) for errors the routes do not name
MINOR: dict[int, str] = {400: "invalid_selection_field", 401: "unauthorised_request", 403: "forbidden",
                         404: "unknownobject", 405: "forbidden", 413: "invalid_selection_field",
                         414: "invalid_selection_field", 422: "invalid_selection_field", 429: "server_busy",
                         500: "internal_server_error", 503: "server_busy"}


def is_case_path(path: str) -> bool:
    return path.startswith(CASE_ROOT)


def status_info(description: str, minor: str, field_name: str = "sourcedId") -> dict[str, Any]:
    """The imsx_StatusInfo body of a failed CASE request."""
    return {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_codeMinor": {"imsx_codeMinorField": [
            {"imsx_codeMinorFieldName": field_name, "imsx_codeMinorFieldValue": minor}]},
    }


def imsx_json(status: int, description: str, minor: str | None = None, field_name: str = "sourcedId") -> bytes:
    return json.dumps(status_info(description, minor or MINOR.get(status, "internal_server_error"), field_name),
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")
