"""The OpenAPI document, completed with the error answers every operation can give, in
the media type they are really sent in: RFC 9457 `application/problem+json` (FastAPI
would say `application/json` for its 422), and OpenAI's error shape on the OpenAI routes.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from mcp_service.api.hardening.unhandled import is_openai_path

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details; `field` names the input at fault",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "field": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
        "request_id": {"type": "string"},
    },
    "required": ["title", "status", "detail"],
}
OPENAI_ERROR_SCHEMA: dict[str, Any] = {
    "title": "OpenAIError",
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "message": {"type": "string"},
                "type": {"type": "string"},
                "param": {"type": ["string", "null"]},
                "code": {"type": ["string", "null"]},
            },
        }
    },
}
EVERY = {
    "400": "Bad request (malformed JSON; on the OpenAI routes, any invalid input)",
    "401": "Missing, unknown, revoked or expired API key",
    "403": "The key lacks the role, or a browser origin that may not call (auth disabled)",
    "404": "Not found (another tenant's ids look the same)",
    "409": "Conflict with the current state (legal hold, idempotency key in use, …)",
    "421": "A host name that is not served (auth disabled: loopback names only)",
    "422": "Invalid input, naming the field",
    "429": "Rate limit exceeded (see Retry-After)",
    "500": "Unexpected error (the body carries the request id)",
}
WRITES = {
    "413": "Body or message too large",
    "415": "A form or plain-text body",
    "502": "The LLM gateway failed",
    "503": "The vector store is unavailable",
    "504": "The LLM gateway timed out",
}


def install(app: FastAPI) -> None:
    """Replace `app.openapi` with the completed document (built once, on first use)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, summary=app.summary, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = PROBLEM_SCHEMA
        components["OpenAIError"] = OPENAI_ERROR_SCHEMA
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                _document_errors(path, method, operation)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _document_errors(path: str, method: str, operation: dict[str, Any]) -> None:
    openai = is_openai_path(path)
    media = "application/json" if openai else "application/problem+json"
    ref = {"$ref": "#/components/schemas/" + ("OpenAIError" if openai else "Problem")}
    codes = {**EVERY, **(WRITES if method in ("post", "put", "patch") else {})}
    responses = operation.setdefault("responses", {})
    for code, description in codes.items():
        responses[code] = {
            "description": responses.get(code, {}).get("description", description),
            "content": {media: {"schema": ref}},
        }
