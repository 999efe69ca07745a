"""Gathering what a prompt needs and assembling it (reads only; writes nothing)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from mcp_service.domain.assembly import AssembledContext, ContextInputs, assemble
from mcp_service.domain.errors import VectorStoreUnavailable
from mcp_service.domain.fusion import KNOWLEDGE_FLOORS
from mcp_service.domain.model import ChunkHit, ContextPolicy, Session, Summary, Tenant, Turn
from mcp_service.domain.repositories import UnitOfWork
from mcp_service.services.conversation.recall_search import Recalled, RecallSearch
from mcp_service.services.conversation.sessions import merge_policy, new_session
from mcp_service.services.conversation.snapshot import SessionSnapshot
from mcp_service.services.conversation.turn_input import provisional_turns
from mcp_service.services.deps import Deps
from mcp_service.services.observability import timed
from mcp_service.services.validation import require_message

if TYPE_CHECKING:
    from mcp_service.domain.model import Message, NewTurn

NOTHING_RECALLED = Recalled([], [], False)


@dataclass(frozen=True)
class Gathered:
    session: Session
    policy: ContextPolicy
    history: list[Turn]
    history_complete: bool
    summary: Summary | None
    system_prompt: str
    has_collections: bool
    budget: int
    exists: bool  # False: the session is new (not written yet)

    def snapshot(self) -> SessionSnapshot:
        through = self.summary.through_seq if self.summary else 0
        return SessionSnapshot(self.session if self.exists else None, self.policy, through)


class ContextService:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.recall = RecallSearch(deps)

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
        new_messages: Sequence[Message] = (),
        history_before: int | None = None,
        pending: Sequence[NewTurn] = (),
    ) -> tuple[Gathered, AssembledContext]:
        """Assemble the prompt for `message` in the session (which may not exist yet);
        returns what was read too (a chat turn writes its turns with it).

        A reconciled request (see domain/reconcile.py) also gives the prompt's final
        messages (`new_messages`, else `message` as a user message), where the recorded
        history stops, and the turns it is about to record before them (`pending`)."""
        require_message(message, max_chars=self.deps.config.max_message_chars)
        observer = self.deps.observer
        # The query embedding (CPU, in a thread) overlaps the database reads (I/O).
        embedding = asyncio.ensure_future(self._embed(message))
        try:
            with timed(observer, "gather"):
                g = await self._gather(tenant_id, session_id, max_context_tokens, history_before)
                if pending:
                    made = provisional_turns(g.session, g.exists, pending)
                    g = replace(g, history=[*g.history, *made])
            with timed(observer, "search"):
                knowledge, k_status, recall, r_status = await self._search(g, message, embedding)
        finally:
            embedding.cancel()
        inputs = ContextInputs(
            session_id=session_id,
            system_prompt=system_prompt_override or g.system_prompt,
            now=self.deps.now(),
            message=message,
            budget=g.budget,
            policy=g.policy,
            history=g.history,
            history_complete=g.history_complete,
            state=g.session.state,
            summary=g.summary,
            knowledge=knowledge,
            knowledge_status=k_status,
            recall=recall.ranked,
            recall_status=r_status,
            recall_cues=recall.cues,
            follow_up=recall.follow_up,
            new_messages=new_messages,
        )
        with timed(observer, "assemble"):
            assembled = assemble(inputs, self.deps.counter)
        return g, assembled

    async def _gather(
        self,
        tenant_id: str,
        session_id: str,
        max_context_tokens: int | None,
        before: int | None = None,
    ) -> Gathered:
        async with self.deps.uow() as uow:
            session = await uow.sessions.get(tenant_id, session_id)
            tenant = await uow.tenants.get(tenant_id)
            policy = merge_policy(tenant, session)
            budget = self.budget_for(policy, max_context_tokens)
            exists = session is not None
            if session is None:
                session = new_session(self.deps, tenant_id, session_id)
                history: list[Turn] = []
                complete = True
                summary = None
            else:
                history, complete = await self._history(uow, session, budget, before)
                summary = await uow.summaries.current(tenant_id, session_id)
            has_collections = session.collections != [] and bool(
                await uow.collections.names(tenant_id)
            )
        prompt = self._system_prompt(tenant, session)
        return Gathered(
            session, policy, history, complete, summary, prompt, has_collections, budget, exists
        )

    async def _history(
        self, uow: UnitOfWork, session: Session, budget: int, before: int | None = None
    ) -> tuple[list[Turn], bool]:
        """The newest turns until they exceed the budget (a 2,000-turn session needs the
        last few dozen), capped at `history_window_limit`. The database lists which turns
        exist and their sizes (two integers a row); only turns not in the cache are read
        in full. Returns the turns, oldest first, and whether they reach the start."""
        cap = self.deps.config.history_window_limit
        listed = await uow.turns.recent_costs(session.tenant_id, session.id, limit=cap)
        # Reaching the start is decided on the listing itself: a cut-off (`before`, a
        # regenerated or edited turn) must not make a capped listing look complete.
        reaches_start = len(listed) < cap
        index = [(s, c) for s, c in listed if before is None or s < before]
        take: list[int] = []
        cost = 0
        for seq, tokens in index:
            take.append(seq)
            cost += tokens + 4
            if cost > budget:
                break
        complete = reaches_start and len(take) == len(index)
        key = (session.tenant_id, session.id, session.created_at)
        found = self.deps.turn_cache.lookup(key, take)
        missing = [(session.id, s) for s in take if s not in found]
        loaded = await uow.turns.get_many(session.tenant_id, missing) if missing else []
        found.update((t.seq, t) for t in loaded)
        self.deps.turn_cache.store(key, loaded, take)
        return [found[s] for s in reversed(take) if s in found], complete

    def _system_prompt(self, tenant: Tenant | None, session: Session) -> str:
        if session.system_prompt:
            return session.system_prompt
        if tenant and tenant.settings.get("system_prompt"):
            return str(tenant.settings["system_prompt"])
        return self.deps.config.default_system_prompt

    def _wants_recall(self, g: Gathered) -> bool:
        # Nothing can be recalled when the whole history was loaded and is short.
        older = not g.history_complete or len(g.history) > g.policy.min_recent_turns
        return g.policy.recall and g.policy.strategy != "sliding_window" and older

    async def _embed(self, message: str) -> list[float] | VectorStoreUnavailable:
        try:
            return await self.deps.embedder.embed_query(message)
        except VectorStoreUnavailable as exc:  # a remote embedder may be down too
            return exc

    async def _search(
        self,
        g: Gathered,
        message: str,
        embedding: asyncio.Future[list[float] | VectorStoreUnavailable],
    ) -> tuple[list[ChunkHit], str, Recalled, str]:
        """Knowledge and recall share one query embedding and run concurrently."""
        wants_recall = self._wants_recall(g)
        k_status = "ok" if g.has_collections else "skipped: no collections"
        r_status = "ok" if wants_recall else "skipped: nothing older to recall"
        if not g.policy.recall:
            r_status = "recall off"
        if not g.has_collections and not wants_recall:
            return [], k_status, NOTHING_RECALLED, r_status
        vector = await embedding
        if isinstance(vector, VectorStoreUnavailable):
            reason = f"skipped: embedder unavailable ({vector.message})"
            return [], reason, NOTHING_RECALLED, reason
        knowledge_task = self._knowledge(g, vector, message) if g.has_collections else None
        recall_task = self._recall(g, vector, message) if wants_recall else None
        k_result, r_result = await asyncio.gather(
            knowledge_task or _nothing(), recall_task or _nothing(), return_exceptions=True
        )
        knowledge: list[ChunkHit] = []
        recall = NOTHING_RECALLED
        if isinstance(k_result, VectorStoreUnavailable):
            k_status = f"skipped: vector store unavailable ({k_result.message})"
        elif isinstance(k_result, BaseException):
            raise k_result
        elif k_result:
            knowledge, k_status = _relevant_knowledge(k_result, g.policy.retrieval_mode)
        if isinstance(r_result, VectorStoreUnavailable):
            r_status = f"skipped: vector store unavailable ({r_result.message})"
        elif isinstance(r_result, BaseException):
            raise r_result
        elif r_result:
            recall = r_result
            r_status = recall.status
        return knowledge, k_status, recall, r_status

    async def _knowledge(self, g: Gathered, vector: list[float], message: str) -> list[ChunkHit]:
        return await self.deps.vectors.search_chunks(
            g.session.tenant_id,
            vector,
            message,
            collections=g.session.collections,
            top_k=self.deps.config.retrieval_top_k,
            mode=g.policy.retrieval_mode,
        )

    async def _recall(self, g: Gathered, vector: list[float], message: str) -> Recalled:
        """Relevant older turns, ranked (services/conversation/recall_search.py)."""
        by_user = g.policy.recall_scope == "user" and g.session.user_id is not None
        return await self.recall.find(
            g.session,
            g.history,
            vector,
            message,
            by_user=by_user,
            allowance=int(g.budget * g.policy.recall_share),
        )


def _relevant_knowledge(hits: list[ChunkHit], mode: str) -> tuple[list[ChunkHit], str]:
    """Hits that earn a place in the prompt: at or above the relevance floor of their
    search mode (domain/fusion.py)."""
    floor = KNOWLEDGE_FLOORS.get(mode, 0.0)
    kept = [h for h in hits if h.score >= floor and h.score > 0]
    if kept or not hits:
        return kept, "ok"
    return [], f"below relevance floor (best {hits[0].score:.2f} < {floor})"


async def _nothing() -> None:
    return None
