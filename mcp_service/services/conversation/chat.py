"""The chat turn: assemble, record the input, call the model, record the reply."""

from __future__ import annotations

import time
from dataclasses import dataclass

from mcp_service.domain import tool_calls
from mcp_service.domain.assembly import AssembledContext
from mcp_service.domain.errors import GatewayError
from mcp_service.domain.model import JSON, Completion, Message, NewTurn, Session, Turn, Usage
from mcp_service.services.conversation.chat_result import ChatResult
from mcp_service.services.conversation.context import ContextService
from mcp_service.services.conversation.sessions import record_turns
from mcp_service.services.conversation.snapshot import SessionSnapshot
from mcp_service.services.conversation.streaming import ChatStream, StreamSetup
from mcp_service.services.conversation.turn_input import (
    INPUT_SEQ,
    TurnRequest,
    check_sizes,
    new_turn,
)
from mcp_service.services.deps import Deps


@dataclass(frozen=True)
class _Prepared:
    session: Session
    snapshot: SessionSnapshot
    context: AssembledContext
    input_turn: Turn  # the user message or the last tool result this turn answers


class ChatService:
    def __init__(self, deps: Deps, context: ContextService) -> None:
        self.deps = deps
        self.context = context

    async def run(self, tenant_id: str, session_id: str, request: TurnRequest) -> ChatResult:
        """One chat turn. The input is committed before the model is called, so a gateway
        failure (raised to the caller) never loses it; no lock is held meanwhile."""
        p = await self._prepare(tenant_id, session_id, request)
        started = time.perf_counter()
        completion = await self.deps.gateway.complete(
            p.context.messages, model=self._model(p.session, request.model), params=request.params
        )
        latency_ms = (time.perf_counter() - started) * 1000
        usage = self._usage(completion, p.context.prompt_tokens)
        metadata: JSON = {
            **request.reply_metadata,
            INPUT_SEQ: p.input_turn.seq,
            "finish_reason": completion.finish_reason,
        }
        if completion.tool_calls:
            metadata[tool_calls.TOOL_CALLS] = [dict(c) for c in completion.tool_calls]
        reply = NewTurn(
            role="assistant",
            content=completion.content,
            created_at=self.deps.now(),
            token_count=self.deps.counter.count(_reply_text(completion)),
            model=completion.model,
            usage=usage,
            latency_ms=round(latency_ms, 2),
            report=p.context.report,
            metadata=metadata,
        )
        recorded_reply = await self._record_reply(tenant_id, session_id, reply, p.snapshot)
        return ChatResult(p.input_turn, recorded_reply, usage, p.context.report, completion.model)

    async def open(self, tenant_id: str, session_id: str, request: TurnRequest) -> ChatStream:
        """Start a streamed chat turn and wait for the gateway's first chunk.

        Failures up to the first chunk are raised here (the input is recorded, no reply);
        after it, iterate `ChatStream.chunks()` and always `await finish()`, which
        records the reply, complete or — cut short — incomplete with the reason."""
        p = await self._prepare(tenant_id, session_id, request)
        params = request.params
        show_usage = _wants_usage(params)
        upstream_params = dict(params or {})
        if self.deps.config.stream_usage:
            options = upstream_params.get("stream_options")
            upstream_params["stream_options"] = {
                **(options if isinstance(options, dict) else {}),
                "include_usage": True,
            }
        started = time.perf_counter()
        chosen = self._model(p.session, request.model)
        upstream = self.deps.gateway.stream(
            p.context.messages, model=chosen, params=upstream_params
        )
        first = await anext(upstream, None)
        if first is None:
            raise GatewayError("LLM gateway closed the stream before sending any chunk")
        reply_metadata = {**request.reply_metadata, INPUT_SEQ: p.input_turn.seq}
        setup = StreamSetup(
            tenant_id,
            session_id,
            p.input_turn,
            p.context,
            chosen,
            show_usage,
            started,
            p.snapshot,
            reply_metadata,
        )
        return ChatStream(self.deps, setup, upstream, first, self._finished)

    async def _prepare(self, tenant_id: str, session_id: str, request: TurnRequest) -> _Prepared:
        """Assemble the prompt (reads only; bad input fails here, before anything is
        written), then record the input: supersede what the request replaces, write
        its new messages."""
        plan, now = request.plan, self.deps.now()
        check_sizes(plan, self.deps.config.max_message_chars)
        counter = self.deps.counter
        g, ctx = await self.context.build(
            tenant_id,
            session_id,
            request.query,
            max_context_tokens=request.max_context_tokens,
            system_prompt_override=request.system_prompt,
            new_messages=plan.tail,
            history_before=plan.history_before,
            pending=[new_turn(m, counter, now) for m in plan.imported],
        )
        snapshot = g.snapshot()
        written = await record_turns(
            self.deps,
            tenant_id,
            session_id,
            [new_turn(m, counter, now) for m in plan.new],
            snapshot,
            supersede_from=plan.supersede_from,
            session_fields=request.session_fields,
        )
        input_turn = written[-1] if written else plan.input_turn
        assert input_turn is not None  # check_sizes refuses a plan that adds nothing
        self.deps.observer.context_sections(ctx.report)
        return _Prepared(g.session, snapshot, ctx, input_turn)

    async def _finished(self, setup: StreamSetup, reply: NewTurn, usage: JSON) -> ChatResult:
        recorded = await self._record_reply(
            setup.tenant_id, setup.session_id, reply, setup.snapshot
        )
        model = reply.model or setup.model
        return ChatResult(setup.user_turn, recorded, usage, setup.context.report, model)

    async def _record_reply(
        self, tenant_id: str, session_id: str, reply: NewTurn, snapshot: SessionSnapshot
    ) -> Turn:
        """The one place replies are written, streamed or not. A session that was new
        when the turn began exists now (the input created it): it is read again. A
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
        estimate = Usage(prompt_tokens, self.deps.counter.count(_reply_text(completion)))
        return {**estimate.to_dict(), "estimated": True}


def _reply_text(completion: Completion) -> str:
    message = Message("assistant", completion.content, tool_calls=completion.tool_calls)
    return tool_calls.counted_text(message)


def _wants_usage(params: JSON | None) -> bool:
    options = (params or {}).get("stream_options")
    return isinstance(options, dict) and bool(options.get("include_usage"))
