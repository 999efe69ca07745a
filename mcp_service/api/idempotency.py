"""`Idempotency-Key` on writes: claim the key, run once, remember the answer, replay it.

A request is identified by method, path, `X-Session-Id` and its JSON body (canonicalised),
so a retry must send the same body to the same URL; another body with the same key is a
422. A gateway failure is remembered too (the user turn was already written, and a retry
must not write it again); any other failure releases the key, because nothing was written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
from fastapi import Request
from fastapi.responses import JSONResponse, Response

from mcp_service.bootstrap import Container
from mcp_service.domain.errors import DomainError, GatewayError
from mcp_service.domain.model import JSON
from mcp_service.services.conversation.idempotency import StoredResult

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
T = TypeVar("T")


@dataclass(frozen=True)
class Claim:
    """A key this request holds: `remember` the answer, or `forget` the key."""

    container: Container
    tenant_id: str
    key: str

    async def remember(
        self, status_code: int, body: JSON, media_type: str = "application/json"
    ) -> None:
        stored = StoredResult(status_code, {"body": body, "media_type": media_type})
        with anyio.CancelScope(shield=True):
            await self.container.idempotency.complete(self.tenant_id, self.key, stored)

    async def remember_response(self, response: Response) -> None:
        body: Any = json.loads(bytes(response.body))
        await self.remember(response.status_code, body, response.media_type or "application/json")

    async def forget(self) -> None:
        with anyio.CancelScope(shield=True):
            await self.container.idempotency.release(self.tenant_id, self.key)


@dataclass(frozen=True)
class Replay:
    """The stored answer of the first request with this key."""

    status_code: int
    body: JSON
    media_type: str

    def json_response(self) -> JSONResponse:
        return JSONResponse(
            self.body,
            status_code=self.status_code,
            media_type=self.media_type,
            headers={REPLAYED: "true"},
        )


async def claim(
    request: Request, c: Container, tenant_id: str, *, session_id: str | None = None
) -> Claim | Replay | None:
    """None without the header; else the claim to run under, or the first answer.
    `session_id` (default: the path's) is the session the request writes to: deleting it
    deletes the remembered answer too."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    digest = request_hash(request, await request.body())
    session = session_id or request.path_params.get("session_id")
    stored = await c.idempotency.begin(tenant_id, key, digest, session_id=session)
    if stored is None:
        return Claim(c, tenant_id, key)
    return _replay(stored)


def request_hash(request: Request, raw: bytes) -> str:
    try:
        body: Any = json.loads(raw) if raw else None
    except ValueError:
        body = hashlib.sha256(raw).hexdigest()
    identity = {
        "method": request.method,
        "path": request.url.path,
        "session": request.headers.get("x-session-id"),
        "body": body,
    }
    canonical = json.dumps(identity, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def settle(
    held: Claim | None,
    work: Callable[[], Awaitable[Response]],
    error_response: Callable[[DomainError], Response],
) -> Response:
    """Run `work` under the claim. JSON answers are remembered here; a stream remembers
    its own result when it ends (see the chat routes)."""
    if held is None:
        return await work()
    try:
        response = await work()
    except GatewayError as exc:
        await held.remember_response(error_response(exc))
        raise
    except BaseException:
        await held.forget()
        raise
    if isinstance(response, JSONResponse):
        await held.remember_response(response)
    return response


async def finish_stream(held: Claim | None, finish: Callable[[], Awaitable[T]]) -> T:
    """Finish a stream; if recording its result fails, free the key rather than leave it
    claimed (a retry would otherwise wait for an answer that never comes)."""
    try:
        return await finish()
    except BaseException:
        if held is not None:
            await held.forget()
        raise


def _replay(stored: StoredResult) -> Replay:
    data = stored.response
    body = data.get("body")
    return Replay(
        stored.status_code,
        body if isinstance(body, dict) else {},
        str(data.get("media_type") or "application/json"),
    )
