"""The guardrails around prompt building, wired in by bootstrap (no call site changes):

- `GuardedContextService` checks the caller's token quota and, in PII mode `block`, the
  new message, before anything is written; then binds the session for the gateway.
- `ScopedSummarizer` binds the session whose turns a summary folds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mcp_service.domain.assembly import AssembledContext
from mcp_service.domain.model import Turn
from mcp_service.domain.ports import Summarizer
from mcp_service.services.conversation.context import ContextService, Gathered
from mcp_service.services.deps import Deps
from mcp_service.services.governance.call_scope import (
    SessionScope,
    bind_session,
    current_caller,
    session_scope,
)
from mcp_service.services.governance.quotas import QuotaService
from mcp_service.services.governance.redaction import Redactor


class GuardedContextService(ContextService):
    def __init__(self, deps: Deps, redactor: Redactor, quotas: QuotaService) -> None:
        super().__init__(deps)
        self.redactor = redactor
        self.quotas = quotas

    async def build(
        self, tenant_id: str, session_id: str, message: str, **options: Any
    ) -> tuple[Gathered, AssembledContext]:
        caller = current_caller()
        key_id = caller.key_id if caller and caller.tenant_id == tenant_id else None
        await self.quotas.check_tokens(tenant_id, key_id)
        mode = await self.redactor.mode_for(tenant_id)
        if mode == "block":
            await self.redactor.refuse_if_found(message)
        gathered, assembled = await super().build(tenant_id, session_id, message, **options)
        bind_session(SessionScope(tenant_id, session_id, assembled.report, mode))
        return gathered, assembled


class ScopedSummarizer:
    """A `Summarizer` whose gateway calls are scoped to the session being summarised."""

    def __init__(self, inner: Summarizer) -> None:
        self.inner = inner

    @property
    def name(self) -> str:
        return self.inner.name

    async def summarize(
        self, previous: str | None, turns: Sequence[Turn], *, max_tokens: int
    ) -> str:
        if not turns:
            return await self.inner.summarize(previous, turns, max_tokens=max_tokens)
        scope = SessionScope(turns[0].tenant_id, turns[0].session_id)
        with session_scope(scope):
            return await self.inner.summarize(previous, turns, max_tokens=max_tokens)
