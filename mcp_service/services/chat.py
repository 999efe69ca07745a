"""The chat turn: assemble, record the user turn, call the model, record the reply."""

from __future__ import annotations

import time
from dataclasses import dataclass

from mcp_service.domain.model import JSON, Completion, NewTurn, Turn, Usage
from mcp_service.services.context import ContextService
from mcp_service.services.deps import Deps
from mcp_service.services.sessions import record_turns


@dataclass(frozen=True)
class ChatResult:
    user_turn: Turn
    reply: Turn
    usage: JSON
    report: JSON
    model: str


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
        session, ctx = await self.context.build(
            tenant_id,
            session_id,
            message,
            max_context_tokens=max_context_tokens,
            system_prompt_override=system_prompt_override,
        )
        user_turn = NewTurn(
            role="user",
            content=message,
            created_at=self.deps.now(),
            token_count=self.deps.counter.count(message),
        )
        (recorded_user,) = await record_turns(self.deps, tenant_id, session_id, [user_turn])
        chosen = model or session.model or self.deps.gateway.default_model
        started = time.perf_counter()
        completion = await self.deps.gateway.complete(ctx.messages, model=chosen, params=params)
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
        (recorded_reply,) = await record_turns(self.deps, tenant_id, session_id, [reply])
        return ChatResult(recorded_user, recorded_reply, usage, ctx.report, completion.model)

    def _usage(self, completion: Completion, prompt_tokens: int) -> JSON:
        """The gateway's usage when it reports one, else our own count, marked estimated."""
        if completion.usage.total_tokens > 0:
            return {**completion.usage.to_dict(), "estimated": False}
        estimate = Usage(prompt_tokens, self.deps.counter.count(completion.content))
        return {**estimate.to_dict(), "estimated": True}
