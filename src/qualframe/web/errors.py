"""Errors with one stable JSON shape: {"error": {"status", "code", "message"[, "details"]}}.

Handlers never put a traceback in a response; unexpected exceptions are logged on the server and the
client gets a 500 with a generic message.
"""

from __future__ import annotations

import html
import json
from typing import Any

from qualframe.model.messages import N_

CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    409: "conflict",
    422: "invalid_request",
    429: "too_many_requests",
    500: "internal_error",
    503: "service_unavailable",
}

# English msgids; error pages show them through gettext in the page language (DEFAULT_TITLE for any other status)
DEFAULT_TITLE = N_("Error")
TITLES: dict[int, str] = {
    400: N_("Bad request"),
    401: N_("Authentication required"),
    403: N_("Forbidden"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    406: N_("Not acceptable"),
    413: N_("Request body too large"),
    414: N_("Request URI too long"),
    415: N_("Unsupported media type"),
    409: N_("Conflict"),
    422: N_("Invalid request"),
    429: N_("Too many requests"),
    500: N_("Internal error"),
    503: N_("Service unavailable"),
}


class ApiError(Exception):
    """Raised by views for an expected failure; rendered as JSON or an HTML page by the app."""

    def __init__(self, status: int, message: str, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or CODES.get(status, "error")
        self.details = details


class BodyTooLarge(Exception):
    """A streamed request body went over the limit."""


def error_payload(status: int, message: str, code: str | None = None, details: Any = None) -> dict[str, Any]:
    err: dict[str, Any] = {"status": status, "code": code or CODES.get(status, "error"), "message": message}
    if details is not None:
        err["details"] = details
    return {"error": err}


def error_json(status: int, message: str, code: str | None = None, details: Any = None) -> bytes:
    return json.dumps(error_payload(status, message, code, details), ensure_ascii=False).encode("utf-8")


def minimal_error_html(status: int, message: str) -> bytes:
    """An error page that cannot itself fail (used when templates are unavailable)."""
    title = TITLES.get(status, "Error")
    return (
        f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{status} {html.escape(title)}"
        f"</title><link rel=\"stylesheet\" href=\"/static/style.css\"></head><body><main><h1>{status} "
        f"{html.escape(title)}</h1><p>{html.escape(message)}</p><p><a href=\"/\">qualframe</a></p></main>"
        f"</body></html>"
    ).encode()
