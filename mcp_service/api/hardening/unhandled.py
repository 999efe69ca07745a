"""Any exception no handler claimed becomes a structured 500 — problem+json, or OpenAI's
error shape on the OpenAI-compatible routes — carrying the request id, never Starlette's
bare `Internal Server Error` text. The traceback goes to the server log, once.

Pure ASGI, inside `RequestContextMiddleware` (so the request id is set and echoed). When
the response had already begun (a stream), nothing can be sent any more: the error is
logged and the connection is closed unfinished, which the client sees as a cut stream.
"""

from __future__ import annotations

import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mcp_service.api.logging import request_id
from mcp_service.api.metrics import route_of

log = logging.getLogger(__name__)

# Routes that answer in OpenAI's error shape (the proxy and the APIs it mirrors).
OPENAI_PREFIXES = ("/v1/chat/completions", "/v1/models", "/v1/responses", "/v1/conversations")


def is_openai_path(path: str) -> bool:
    return path.startswith(OPENAI_PREFIXES)


def error_body(path: str, rid: str) -> tuple[bytes, bytes]:
    """The 500 body for `path` and its media type."""
    detail = f"an unexpected error occurred (request id {rid}); the server log has the details"
    body: dict[str, object]
    if is_openai_path(path):
        error = {"message": detail, "type": "server_error", "param": None, "code": "internal_error"}
        body, media = {"error": error}, b"application/json"
    else:
        body = {
            "type": "about:blank",
            "title": "Internal Server Error",
            "status": 500,
            "detail": detail,
            "instance": path,
            "request_id": rid,
        }
        media = b"application/problem+json"
    return json.dumps(body).encode(), media


class UnhandledErrorMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:  # the last line of defence: log it, answer in shape
            where = f"{scope.get('method')} {route_of(scope)}"
            if started:
                log.error("unhandled error after the response began (%s)", where, exc_info=exc)
                return
            log.error("unhandled error (%s)", where, exc_info=exc)
            rid = request_id.get() or "-"
            raw, media = error_body(str(scope.get("path", "")), rid)
            headers = [(b"content-type", media), (b"content-length", str(len(raw)).encode())]
            await send({"type": "http.response.start", "status": 500, "headers": headers})
            await send({"type": "http.response.body", "body": raw})
