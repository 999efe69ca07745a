"""The web console at `/console`: static pages shipped in this package that call the REST
API with the signed-in key, so what it shows and allows is exactly what that key may do
over REST. Nothing is fetched from elsewhere; `MCP_CONSOLE=false` turns it off."""

from __future__ import annotations

import hashlib
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mcp_service.config import Settings

STATIC = Path(__file__).parent / "static"
# The pages render other people's text (turns, chunks): no inline script, nothing foreign.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
# The page itself is always revalidated; its files live under a path named after their
# content, so a browser keeps them without asking again until the console changes.
PAGE_CACHE = {"cache-control": "no-cache"}
FILE_CACHE = {"cache-control": "public, max-age=31536000, immutable"}


def install(app: FastAPI, settings: Settings) -> None:
    """Serve the console, unless it is turned off."""
    if not settings.console:
        return
    version = content_version()
    page = (STATIC / "index.html").read_text().replace('"static/', f'"static/{version}/')

    async def redirect() -> RedirectResponse:
        return RedirectResponse("/console/", status_code=308)

    async def index() -> HTMLResponse:
        return HTMLResponse(page, headers={**SECURITY_HEADERS, **PAGE_CACHE})

    app.add_api_route("/console", redirect, methods=["GET"], include_in_schema=False)
    app.add_api_route("/console/", index, methods=["GET"], include_in_schema=False)
    files = _Secured(StaticFiles(directory=STATIC), {**SECURITY_HEADERS, **FILE_CACHE})
    app.mount(f"/console/static/{version}", files, name="console")


def content_version() -> str:
    """A digest of every console file: the path segment their URLs carry."""
    digest = hashlib.sha256()
    for path in sorted(STATIC.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(STATIC).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


class _Secured:
    """Sets these headers on every response of the wrapped app."""

    def __init__(self, app: ASGIApp, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = [(k.encode(), v.encode()) for k, v in headers.items()]
        self.names = {k.encode() for k in headers}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() not in self.names
                ]
                message = {**message, "headers": kept + self.headers}
            await send(message)

        await self.app(scope, receive, send_secured)
