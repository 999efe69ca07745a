"""Gathering what a prompt needs and assembling it (reads only; writes nothing)."""

from __future__ import annotations

from dataclasses import dataclass

from mcp_service.domain.assembly import AssembledContext, ContextInputs, assemble
from mcp_service.domain.errors import VectorStoreUnavailable
from mcp_service.domain.model import ChunkHit, ContextPolicy, Session, Summary, Turn
from mcp_service.domain.ports import UnitOfWork
from mcp_service.services.deps import Deps
from mcp_service.services.sessions import new_session
from mcp_service.services.validation import require_message


@dataclass(frozen=True)
class Gathered:
    session: Session
    history: list[Turn]
    history_complete: bool
    summary: Summary | None
    system_prompt: str


class ContextService:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def budget_for(self, policy: ContextPolicy, max_context_tokens: int | None) -> int:
        """Request budget, else the session policy's, else the model window minus reply."""
        if max_context_tokens is not None:
            return max_context_tokens
        if policy.max_context_tokens is not None:
            return policy.max_context_tokens
        cfg = self.deps.config
        return cfg.model_context_window - cfg.reserved_completion_tokens

    async def build(
        self,
        tenant_id: str,
        session_id: str,
        message: str,
        *,
        max_context_tokens: int | None = None,
        system_prompt_override: str | None = None,
    ) -> tuple[Session, AssembledContext]:
        """Assemble the prompt for `message` in the session (which may not exist yet)."""
        require_message(message, max_chars=self.deps.config.max_message_chars)
        gathered = await self._gather(tenant_id, session_id)
        policy = gathered.session.context_policy
        knowledge, knowledge_status = await self._retrieve(gathered.session, message, policy)
        inputs = ContextInputs(
            session_id=session_id,
            system_prompt=system_prompt_override or gathered.system_prompt,
            now=self.deps.now(),
            message=message,
            budget=self.budget_for(policy, max_context_tokens),
            policy=policy,
            history=gathered.history,
            history_complete=gathered.history_complete,
            state=gathered.session.state,
            summary=gathered.summary,
            knowledge=knowledge,
            knowledge_status=knowledge_status,
            recall_status="not enabled",
        )
        return gathered.session, assemble(inputs, self.deps.counter)

    async def _gather(self, tenant_id: str, session_id: str) -> Gathered:
        limit = self.deps.config.history_window_limit
        async with self.deps.uow() as uow:
            session = await uow.sessions.get(tenant_id, session_id)
            if session is None:
                session = new_session(self.deps, tenant_id, session_id)
                history: list[Turn] = []
                summary = None
            else:
                history = await uow.turns.recent(tenant_id, session_id, limit=limit)
                summary = await uow.summaries.current(tenant_id, session_id)
            prompt = await self._system_prompt(uow, tenant_id, session)
        complete = len(history) < limit  # fewer than asked for: we have it all
        return Gathered(session, history, complete, summary, prompt)

    async def _system_prompt(self, uow: UnitOfWork, tenant_id: str, session: Session) -> str:
        if session.system_prompt:
            return session.system_prompt
        tenant = await uow.tenants.get(tenant_id)
        if tenant and tenant.settings.get("system_prompt"):
            return str(tenant.settings["system_prompt"])
        return self.deps.config.default_system_prompt

    async def _retrieve(
        self, session: Session, message: str, policy: ContextPolicy
    ) -> tuple[list[ChunkHit], str]:
        if session.collections == []:
            return [], "skipped: session uses no collections"
        async with self.deps.uow() as uow:
            available = await uow.collections.list_all(session.tenant_id)
        if not available:
            return [], "skipped: no collections"
        try:
            vector = await self.deps.embedder.embed_query(message)
            hits = await self.deps.vectors.search_chunks(
                session.tenant_id,
                vector,
                message,
                collections=session.collections,
                top_k=self.deps.config.retrieval_top_k,
                mode=policy.retrieval_mode,
            )
        except VectorStoreUnavailable as exc:
            return [], f"skipped: vector store unavailable ({exc.message})"
        return hits, "ok"
