"""The /api page: the OpenAPI description rendered as HTML (no CDN, no inline scripts), with examples."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

EXAMPLE_VALUES = {"fid": "kz-ict-sqf-2013", "code": "3.1", "row_id": "3.1-07", "descriptor_id": "3.1-07-c1"}
EXAMPLE_QUERIES = {
    "/api/v1/frameworks/{fid}/compare": "?a=3.1-06&b=3.1-07",
    "/api/v1/frameworks/{fid}/source": "?from=496&to=508",
    "/api/v1/frameworks/{fid}/levels": "?area=3.1&nqf_level=6",
    "/api/v1/frameworks/{fid}/descriptors": "?area=3.2&column=knowledge&nqf_level=5",
    "/api/v1/search": "?q=бағдарламалау&limit=3",
    "/api/v1/match": "?text=software+developer",
    "/api/v1/frameworks/{fid}/levels/{row_id}": "?lang=en",
}


def _example(path: str, op_path_params: list[str]) -> str:
    out = path
    for name in op_path_params:
        value = EXAMPLE_VALUES.get(name, "x")
        if name == "code" and "/oked/" in path:
            value = "62.01"
        out = out.replace("{" + name + "}", value)
    return out + EXAMPLE_QUERIES.get(path, "")


def api_docs_data(app: FastAPI, _web: Any) -> dict[str, Any]:
    spec = app.openapi()
    endpoints = []
    for path, ops in spec.get("paths", {}).items():
        for method, op in ops.items():
            params = []
            for p in op.get("parameters", []):
                schema = p.get("schema", {})
                typ = schema.get("type") or "/".join(
                    x.get("type", "") or ",".join(map(str, x.get("enum", []))) for x in schema.get("anyOf", [])
                ) or ",".join(map(str, schema.get("enum", [])))
                if schema.get("enum"):
                    typ = " | ".join(map(str, schema["enum"]))
                params.append({"name": p["name"], "in": p["in"], "required": bool(p.get("required")),
                               "type": typ, "description": p.get("description", "")})
            path_params = [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]
            endpoints.append({
                "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                "params": params, "body": "requestBody" in op,
                "example": _example(path, path_params) if method == "get" else None,
                "responses": sorted(op.get("responses", {}).keys()),
            })
    return {"page": "api", "title": spec["info"]["title"], "version": spec["info"]["version"],
            "description": spec["info"].get("description", ""), "openapi_url": "/api/v1/openapi.json",
            "endpoints": endpoints}
