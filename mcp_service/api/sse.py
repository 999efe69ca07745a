"""Server-sent events: `data: {json}` events, `data: [DONE]` last, and a close hook that
runs however the stream ends (finished, failed, or the client went away)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import anyio
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from mcp_service.domain.errors import DomainError

log = logging.getLogger(__name__)

DONE = b"data: [DONE]\n\n"
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def event(data: Mapping[str, Any]) -> bytes:
    """One SSE event carrying `data` as compact JSON."""
    return b"data: " + json.dumps(data, separators=(",", ":")).encode() + b"\n\n"


def error_event(message: str, *, code: str, type_: str = "server_error") -> bytes:
    """An in-band error, in OpenAI's error shape (sent when the stream already began)."""
    return event({"error": {"message": message, "type": type_, "param": None, "code": code}})


class EventStream(StreamingResponse):
    """`text/event-stream` from `events`; `on_close` runs once the stream is over, shielded
    from cancellation, so that a client hanging up cannot interrupt what it records."""

    def __init__(
        self,
        events: AsyncIterator[bytes],
        on_close: Callable[[], Awaitable[None]],
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            events, media_type="text/event-stream", headers={**HEADERS, **(headers or {})}
        )
        self._events = events
        self._on_close = on_close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            with anyio.CancelScope(shield=True):
                await self._close()

    async def _close(self) -> None:
        aclose = getattr(self._events, "aclose", None)
        if aclose is not None:
            await aclose()  # a generator left at a `yield` runs its cleanup now
        try:
            await self._on_close()
        except DomainError as exc:  # nothing to record (the session was deleted meanwhile)
            log.info("stream ended without its result recorded: %s", exc.message)
