"""Errors with one stable JSON shape: {"error": {"status", "code", "message"[, "details"]}}.

Handlers never put a traceback in a response; unexpected exceptions are logged on the server and the
client gets a 500 with a generic message.
"""

from __future__ import annotations

import html
import json
from typing import Any

CODES: dict[int, str] = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    422: "invalid_request",
    500: "internal_error",
    503: "service_unavailable",
}

TITLES: dict[int, str] = {
    400: "Bad request",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    413: "Request body too large",
    414: "Request URI too long",
    415: "Unsupported media type",
    422: "Invalid request",
    500: "Internal error",
    503: "Service unavailable",
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
