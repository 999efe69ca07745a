"""Request limits, as one pure ASGI middleware (streaming responses pass untouched):

- a request body limit (MCP_MAX_BODY_BYTES) answering 413 before anything parses the
  body: from Content-Length, or by reading a chunked body up to the limit;
- the `X-RateLimit-*` headers of the per-key rate limit. The limit itself is counted
  after the key is verified (`api/guardrails/admission.py`): keyed on the presented,
  unverified key, made-up keys escaped it and could evict real clients' windows.

Errors are problem+json, except on the OpenAI-compatible endpoint (OpenAI's shape).
"""

from __future__ import annotations

import json
from collections import deque
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

OPENAI_PATH = "/v1/chat/completions"
WINDOW_S = 60.0
RATE_LIMIT_SCOPE_KEY = "mcp.rate_limit"  # (limit, remaining), set by admission


class SlidingWindow:
    """Per-identity log of request times within the last minute."""

    def __init__(self, window_s: float = WINDOW_S, max_identities: int = 100_000) -> None:
        self.window_s = window_s
        self.max_identities = max_identities
        self.hits: dict[str, deque[float]] = {}

    def wait(self, identity: str, limit: int, now: float) -> float | None:
        """Seconds until `identity` may be counted again, or None (nothing recorded)."""
        log = self.hits.get(identity)
        if log is None:
            return None
        while log and log[0] <= now - self.window_s:
            log.popleft()
        return log[0] + self.window_s - now if len(log) >= limit else None

    def hit(self, identity: str, limit: int, now: float) -> tuple[float | None, int]:
        """Record a request: (None, remaining) if allowed, else (seconds to wait, 0)."""
        log = self.hits.get(identity)
        if log is None:
            if len(self.hits) >= self.max_identities:
                self._prune(now)
            log = self.hits[identity] = deque()
        while log and log[0] <= now - self.window_s:
            log.popleft()
        if len(log) >= limit:
            return log[0] + self.window_s - now, 0
        log.append(now)
        return None, limit - len(log)

    def _prune(self, now: float) -> None:
        stale = [k for k, v in self.hits.items() if not v or v[-1] <= now - self.window_s]
        for key in stale:
            del self.hits[key]
        if len(self.hits) >= self.max_identities:  # still full of live identities
            self.hits.clear()


class LimitsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        settings = _settings(scope) if scope["type"] == "http" else None
        if settings is None:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        send = _with_headers(send, scope)
        max_bytes = int(settings.max_body_bytes)
        length = _header(scope, b"content-length")
        if length is not None and length.isdigit():
            if int(length) > max_bytes:
                await _too_large(send, path, int(length), max_bytes)
                return
        elif scope.get("method") in ("POST", "PUT", "PATCH"):
            body = await _read_body(receive, max_bytes)
            if body is None:
                await _too_large(send, path, None, max_bytes)
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, send)


def _settings(scope: Scope) -> Any:
    app = scope.get("app")
    container = getattr(getattr(app, "state", None), "container", None)
    return getattr(container, "settings", None)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1")).strip()
    return None


async def _read_body(receive: Receive, max_bytes: int) -> bytes | None:
    """The whole body, or None as soon as it passes `max_bytes`."""
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            return None
        parts.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(parts)


def _replay(body: bytes, upstream: Receive) -> Receive:
    """Hand the buffered body over once, then the real channel (for disconnects)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return await upstream()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _with_headers(send: Send, scope: Scope) -> Send:
    """Adds the rate limit's headers when admission counted the request."""

    async def wrapped(message: Message) -> None:
        counted = scope.get(RATE_LIMIT_SCOPE_KEY)
        if message["type"] == "http.response.start" and counted is not None:
            limit, remaining = counted
            headers = list(message.get("headers", []))
            headers.append((b"x-ratelimit-limit", str(limit).encode()))
            headers.append((b"x-ratelimit-remaining", str(remaining).encode()))
            message = {**message, "headers": headers}
        await send(message)

    return wrapped


async def _too_large(send: Send, path: str, size: int | None, max_bytes: int) -> None:
    got = f"{size} bytes" if size is not None else "more than that"
    detail = f"request body is {got}; the limit is {max_bytes} bytes (MCP_MAX_BODY_BYTES)"
    await _reject(send, path, 413, "Payload Too Large", detail, [])


async def _reject(
    send: Send, path: str, status: int, title: str, detail: str, headers: list[tuple[bytes, bytes]]
) -> None:
    if path.startswith(OPENAI_PATH):
        code = "rate_limit_exceeded" if status == 429 else "payload_too_large"
        kind = "rate_limit_error" if status == 429 else "invalid_request_error"
        body: dict[str, Any] = {"error": {"message": detail, "type": kind, "code": code}}
        media = b"application/json"
    else:
        body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
        body["instance"] = path
        if status == 413:
            body["field"] = "body"
        media = b"application/problem+json"
    raw = json.dumps(body).encode()
    start_headers = [(b"content-type", media), (b"content-length", str(len(raw)).encode())]
    await send(
        {"type": "http.response.start", "status": status, "headers": start_headers + headers}
    )
    await send({"type": "http.response.body", "body": raw})


def install(app: Any) -> None:
    app.add_middleware(LimitsMiddleware)
