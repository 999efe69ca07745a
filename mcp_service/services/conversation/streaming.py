"""A streamed reply: relay the gateway's chunks, then record what arrived.

The reply is recorded once, by `ChatStream.finish()`, however the stream ends: complete
when the gateway finished; `incomplete` when the gateway failed mid-stream or the client
went away, with the partial content and `metadata.incomplete_reason` saying which.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mcp_service.domain import tool_calls
from mcp_service.domain.assembly import AssembledContext
from mcp_service.domain.errors import DomainError
from mcp_service.domain.model import JSON, Message, NewTurn, Turn, Usage
from mcp_service.services.deps import Deps

if TYPE_CHECKING:
    from mcp_service.services.conversation.chat_result import ChatResult
    from mcp_service.services.conversation.snapshot import SessionSnapshot

CLIENT_GONE = "client_disconnected"
GATEWAY_FAILED = "gateway_error"


@dataclass(frozen=True)
class StreamSetup:
    """What was settled before the first chunk arrived."""

    tenant_id: str
    session_id: str
    user_turn: Turn  # the input answered: the user message or the last tool result
    context: AssembledContext
    model: str  # the model asked for; chunks say which one answered
    show_usage: bool  # the client asked for the usage chunk
    started: float  # perf_counter() when the gateway was called
    snapshot: SessionSnapshot  # the session as read for the turn (for writing the reply)
    reply_metadata: JSON = field(default_factory=dict)  # added to the reply's metadata


Finisher = Callable[[StreamSetup, NewTurn, JSON], Awaitable["ChatResult"]]


class ChatStream:
    """Iterate `chunks()` (OpenAI `chat.completion.chunk` dicts), then `await finish()`."""

    def __init__(
        self,
        deps: Deps,
        setup: StreamSetup,
        upstream: AsyncIterator[JSON],
        first: JSON,
        finisher: Finisher,
    ) -> None:
        self.deps = deps
        self.setup = setup
        self.id = str(first.get("id") or f"chatcmpl-{uuid.uuid4().hex}")
        self.created = int(first.get("created") or time.time())
        self.model = str(first.get("model") or setup.model)
        self._upstream = upstream
        self._pending: JSON | None = first
        self._finisher = finisher
        self._parts: list[str] = []
        self._calls: list[JSON] = []  # tool calls, merged from their deltas
        self._finish_reason: str | None = None
        self._usage: JSON | None = None
        self._done = False
        self._failure: str | None = None
        self._finishing: asyncio.Future[ChatResult] | None = None

    @property
    def user_turn(self) -> Turn:
        return self.setup.user_turn

    @property
    def report(self) -> JSON:
        return self.setup.context.report

    @property
    def content(self) -> str:
        """The reply text received so far."""
        return "".join(self._parts)

    @property
    def complete(self) -> bool:
        """The gateway finished the reply (a finish reason came, or the stream ended)."""
        return self._done or self._finish_reason is not None

    async def chunks(self) -> AsyncGenerator[JSON, None]:
        """The gateway's chunks as they arrive. A failure (`GatewayError`) is raised after
        the chunks that did arrive; the usage chunk is left out unless it was asked for."""
        try:
            if self._pending is not None:
                first, self._pending = self._pending, None
                if self._absorb(first):
                    yield first
            async for chunk in self._upstream:
                if self._absorb(chunk):
                    yield chunk
        except Exception as exc:  # recorded as the reason, then raised to the caller
            self._failure = describe_failure(exc)
            raise
        self._done = True

    async def finish(self) -> ChatResult:
        """Record the reply, once: later (or concurrent) calls get the same result. The
        recording runs in its own task, so a caller being cancelled cannot cut it short."""
        if self._finishing is None:
            self._finishing = asyncio.ensure_future(self._record())
        return await asyncio.shield(self._finishing)

    async def _record(self) -> ChatResult:
        aclose = getattr(self._upstream, "aclose", None)
        if aclose is not None:
            await aclose()  # releases the gateway connection if the client left early
        return await self._finisher(self.setup, self._reply(), self._usage_json())

    @property
    def tool_calls(self) -> list[JSON]:
        """The tool calls received so far, merged from their deltas."""
        return [c for c in self._calls if c.get("id") or c["function"].get("name")]

    def _reply_text(self) -> str:
        return tool_calls.counted_text(
            Message("assistant", self.content, tool_calls=tuple(self.tool_calls))
        )

    def _reply(self) -> NewTurn:
        content = self.content
        latency_ms = round((time.perf_counter() - self.setup.started) * 1000, 2)
        metadata: JSON = {**self.setup.reply_metadata, "streamed": True}
        if self.tool_calls:
            metadata[tool_calls.TOOL_CALLS] = self.tool_calls
        if self.complete:
            metadata["finish_reason"] = self._finish_reason or "stop"
        elif self._failure is not None:
            metadata.update(incomplete_reason=GATEWAY_FAILED, error=self._failure)
        else:
            metadata["incomplete_reason"] = CLIENT_GONE
        return NewTurn(
            role="assistant",
            content=content,
            created_at=self.deps.now(),
            token_count=self.deps.counter.count(self._reply_text()),
            model=self.model,
            status="complete" if self.complete else "incomplete",
            usage=self._usage_json(),
            latency_ms=latency_ms,
            report=self.report,
            metadata=metadata,
        )

    def _usage_json(self) -> JSON:
        """The gateway's usage, read defensively (odd numbers never lose the reply), else
        our own estimate."""
        reported = Usage.parse(self._usage)
        if self.complete and reported is not None and reported.total_tokens > 0:
            return {**reported.to_dict(), "estimated": False}
        completion = self.deps.counter.count(self._reply_text())
        estimate = Usage(self.setup.context.prompt_tokens, completion)
        return {**estimate.to_dict(), "estimated": True}

    def _absorb(self, chunk: JSON) -> bool:
        """Collect content, finish reason and usage; False for a chunk to hold back."""
        if chunk.get("model"):
            self.model = str(chunk["model"])
        choices = chunk.get("choices")
        for choice in choices if isinstance(choices, list) else []:
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta")
            if isinstance(delta, dict) and isinstance(delta.get("content"), str):
                self._parts.append(delta["content"])
            if isinstance(delta, dict) and delta.get("tool_calls"):
                tool_calls.merge_deltas(self._calls, delta["tool_calls"])
            if choice.get("finish_reason"):
                self._finish_reason = str(choice["finish_reason"])
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            self._usage = usage
            if not choices and not self.setup.show_usage:
                return False
        return True


def describe_failure(exc: BaseException) -> str:
    """A short, client-safe description of why a stream stopped."""
    if isinstance(exc, DomainError):
        return exc.message
    return type(exc).__name__
