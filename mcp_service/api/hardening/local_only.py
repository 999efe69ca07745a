"""Browser-facing protections, as one pure ASGI middleware in front of every REST route.

With auth disabled (the embedded default, which only binds to loopback) nothing but the
network stands between a web page and the API, so:
- the `Host` must be a loopback name (`localhost`, `127.0.0.1`, `[::1]`, any port) or one
  of MCP_ALLOWED_HOSTS, else **421** — a DNS-rebinding page has its own name in `Host`;
- an `Origin`, when the browser sends one, must be the API's own origin (the console) or
  one of MCP_ALLOWED_ORIGINS, else **403** — another website (or `null`) cannot write.

Always (auth or not), a write (`POST`/`PUT`/`PATCH`) whose body is a form or plain text is
**415**: those are the bodies a cross-site page can send without a CORS preflight, and no
route reads them. JSON and (for uploads) multipart are accepted.

The Host and Origin rules are /mcp's (api/mcp/security.py), which checks /mcp itself.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from mcp_service.api.hardening.unhandled import is_openai_path
from mcp_service.api.mcp.security import allowed_origin, loopback_host

WRITES = frozenset({"POST", "PUT", "PATCH"})
REFUSED_BODIES = frozenset({"application/x-www-form-urlencoded", "text/plain"})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1")).strip()
    return None


def host_name(host: str) -> str:
    """`Host` without its port (`[::1]:8080` → `::1`), lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class LocalOnlyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        settings = _settings(scope) if scope["type"] == "http" else None
        path: str = scope.get("path", "")
        if settings is None or path == "/mcp" or path.startswith("/mcp/"):
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope, settings)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        status, title, detail = refusal
        await _reject(send, path, status, title, detail)

    def _refusal(self, scope: Scope, settings: Any) -> tuple[int, str, str] | None:
        media = (_header(scope, b"content-type") or "").split(";", 1)[0].strip().lower()
        if scope.get("method") in WRITES and media in REFUSED_BODIES:
            return (
                415,
                "Unsupported Media Type",
                (
                    f"a {media} body is not accepted; send application/json "
                    "(or multipart/form-data to upload files)"
                ),
            )
        if settings.auth_mode != "disabled":
            return None
        host = _header(scope, b"host") or ""
        extra_hosts = {h.lower() for h in settings.allowed_hosts}
        if not loopback_host(host) and host_name(host) not in extra_hosts:
            return (
                421,
                "Misdirected Request",
                (
                    f"host {host!r} is not served: with auth disabled only loopback names "
                    "(and MCP_ALLOWED_HOSTS) are accepted"
                ),
            )
        origin = _header(scope, b"origin")
        if not allowed_origin(origin, host, settings.allowed_origins):
            return (
                403,
                "Forbidden",
                (
                    f"origin {origin!r} may not call this API: with auth disabled only the "
                    "API's own origin (and MCP_ALLOWED_ORIGINS) are accepted"
                ),
            )
        return None


def _settings(scope: Scope) -> Any:
    container = getattr(getattr(scope.get("app"), "state", None), "container", None)
    return getattr(container, "settings", None)


async def _reject(send: Send, path: str, status: int, title: str, detail: str) -> None:
    body: dict[str, Any]
    if is_openai_path(path):
        kind = "invalid_request_error"
        body = {"error": {"message": detail, "type": kind, "param": None, "code": title}}
        media = b"application/json"
    else:
        body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
        body["instance"] = path
        media = b"application/problem+json"
    raw = json.dumps(body).encode()
    headers = [(b"content-type", media), (b"content-length", str(len(raw)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": raw})
