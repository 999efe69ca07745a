"""The chat turn: assemble, record the user turn, call the model, record the reply."""

from __future__ import annotations

import time

from mcp_service.domain.errors import GatewayError
from mcp_service.domain.model import JSON, Completion, NewTurn, Session, Turn, Usage
from mcp_service.services.conversation.chat_result import ChatResult
from mcp_service.services.conversation.context import ContextService
from mcp_service.services.conversation.sessions import record_turns
from mcp_service.services.conversation.snapshot import SessionSnapshot
from mcp_service.services.conversation.streaming import ChatStream, StreamSetup
from mcp_service.services.deps import Deps


class ChatService:
    def __init__(self, deps: Deps, context: ContextService) -> None:
        self.deps = deps
        self.context = context

    async def chat(
        self,
        tenant_id: str,
        session_id: str,
        message: str,
        *,
        model: str | None = None,
        max_context_tokens: int | None = None,
        params: JSON | None = None,
        system_prompt_override: str | None = None,
    ) -> ChatResult:
        """One chat turn. The user turn is committed before the model is called, so a
        gateway failure (raised to the caller) never loses it; no lock is held meanwhile."""
        g, ctx = await self.context.build(
            tenant_id,
            session_id,
            message,
            max_context_tokens=max_context_tokens,
            system_prompt_override=system_prompt_override,
        )
        session, snapshot = g.session, g.snapshot()
        recorded_user = await self._record_user(tenant_id, session_id, message, snapshot)
        self.deps.observer.context_sections(ctx.report)
        started = time.perf_counter()
        completion = await self.deps.gateway.complete(
            ctx.messages, model=self._model(session, model), params=params
        )
        latency_ms = (time.perf_counter() - started) * 1000
        usage = self._usage(completion, ctx.prompt_tokens)
        reply = NewTurn(
            role="assistant",
            content=completion.content,
            created_at=self.deps.now(),
            token_count=self.deps.counter.count(completion.content),
            model=completion.model,
            usage=usage,
            latency_ms=round(latency_ms, 2),
            report=ctx.report,
            metadata={"finish_reason": completion.finish_reason},
        )
        recorded_reply = await self._record_reply(tenant_id, session_id, reply, snapshot)
        return ChatResult(recorded_user, recorded_reply, usage, ctx.report, completion.model)

    async def open_stream(
        self,
        tenant_id: str,
        session_id: str,
        message: str,
        *,
        model: str | None = None,
        max_context_tokens: int | None = None,
        params: JSON | None = None,
        system_prompt_override: str | None = None,
    ) -> ChatStream:
        """Start a streamed chat turn and wait for the gateway's first chunk.

        Failures up to the first chunk are raised here (the user turn is recorded, no
        reply); after it, iterate `ChatStream.chunks()` and always `await finish()`, which
        records the reply, complete or — cut short — incomplete with the reason."""
        g, ctx = await self.context.build(
            tenant_id,
            session_id,
            message,
            max_context_tokens=max_context_tokens,
            system_prompt_override=system_prompt_override,
        )
        session, snapshot = g.session, g.snapshot()
        recorded_user = await self._record_user(tenant_id, session_id, message, snapshot)
        self.deps.observer.context_sections(ctx.report)
        show_usage = _wants_usage(params)
        upstream_params = dict(params or {})
        if self.deps.config.stream_usage:
            options = upstream_params.get("stream_options")
            upstream_params["stream_options"] = {
                **(options if isinstance(options, dict) else {}),
                "include_usage": True,
            }
        started = time.perf_counter()
        chosen = self._model(session, model)
        upstream = self.deps.gateway.stream(ctx.messages, model=chosen, params=upstream_params)
        first = await anext(upstream, None)
        if first is None:
            raise GatewayError("LLM gateway closed the stream before sending any chunk")
        setup = StreamSetup(
            tenant_id, session_id, recorded_user, ctx, chosen, show_usage, started, snapshot
        )
        return ChatStream(self.deps, setup, upstream, first, self._finished)

    async def _finished(self, setup: StreamSetup, reply: NewTurn, usage: JSON) -> ChatResult:
        recorded = await self._record_reply(
            setup.tenant_id, setup.session_id, reply, setup.snapshot
        )
        model = reply.model or setup.model
        return ChatResult(setup.user_turn, recorded, usage, setup.context.report, model)

    async def _record_user(
        self, tenant_id: str, session_id: str, message: str, snapshot: SessionSnapshot
    ) -> Turn:
        user_turn = NewTurn(
            role="user",
            content=message,
            created_at=self.deps.now(),
            token_count=self.deps.counter.count(message),
        )
        (recorded,) = await record_turns(self.deps, tenant_id, session_id, [user_turn], snapshot)
        return recorded

    async def _record_reply(
        self, tenant_id: str, session_id: str, reply: NewTurn, snapshot: SessionSnapshot
    ) -> Turn:
        """The one place replies are written, streamed or not. A session that was new
        when the turn began exists now (the user turn created it): it is read again. A
        reply never re-creates its session: deleted meanwhile → `SessionGone`."""
        known = snapshot if snapshot.session is not None else None
        (recorded,) = await record_turns(
            self.deps, tenant_id, session_id, [reply], known, create=False
        )
        return recorded

    def _model(self, session: Session, requested: str | None) -> str:
        return requested or session.model or self.deps.gateway.default_model

    def _usage(self, completion: Completion, prompt_tokens: int) -> JSON:
        """The gateway's usage when it reports one, else our own count, marked estimated."""
        if completion.usage.total_tokens > 0:
            return {**completion.usage.to_dict(), "estimated": False}
        estimate = Usage(prompt_tokens, self.deps.counter.count(completion.content))
        return {**estimate.to_dict(), "estimated": True}


def _wants_usage(params: JSON | None) -> bool:
    options = (params or {}).get("stream_options")
    return isinstance(options, dict) and bool(options.get("include_usage"))
