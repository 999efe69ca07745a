"""Background memory: turn embeddings for recall, and the rolling summary.

Both run as durable jobs after the turns are committed (outbox): a chat reply never
waits for them, and a failure only delays them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from mcp_service.domain.model import JSON, ContextPolicy, Job, Summary, Turn
from mcp_service.domain.repositories import UnitOfWork
from mcp_service.services.deps import Deps

log = logging.getLogger(__name__)

EMBED_TURNS = "embed_turns"
SUMMARIZE = "summarize"
EMBED_MAX_ATTEMPTS = 40  # with capped backoff: catches up after hours of vector-store outage


async def enqueue_memory_jobs(
    uow: UnitOfWork,
    deps: Deps,
    tenant_id: str,
    session_id: str,
    turns: Sequence[Turn],
    policy: ContextPolicy,
) -> None:
    """Called inside the transaction that writes `turns` (the outbox pattern)."""
    if not turns:
        return
    await uow.jobs.enqueue(
        EMBED_TURNS,
        {"session_id": session_id, "seqs": [t.seq for t in turns]},
        tenant_id=tenant_id,
    )
    if policy.strategy != "summarize":
        return
    summary = await uow.summaries.current(tenant_id, session_id)
    through = summary.through_seq if summary else 0
    if turns[-1].seq - through >= deps.config.summary_trigger_turns:
        await uow.jobs.enqueue(SUMMARIZE, {"session_id": session_id}, tenant_id=tenant_id)


class MemoryJobs:
    """Handlers for the memory job kinds."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def handlers(self) -> dict[str, Callable[[Job], Awaitable[JSON | None]]]:
        return {EMBED_TURNS: self.embed_turns, SUMMARIZE: self.summarize}

    async def embed_turns(self, job: Job) -> JSON:
        tenant_id = str(job.tenant_id)
        session_id = str(job.payload["session_id"])
        seqs = [int(s) for s in job.payload["seqs"]]
        async with self.deps.uow() as uow:
            session = await uow.sessions.get(tenant_id, session_id)
            turns = await uow.turns.get_many(tenant_id, [(session_id, s) for s in seqs])
        if session is None or not turns:
            return {"embedded": 0, "reason": "turns no longer exist"}
        vectors = await self.deps.embedder.embed([t.content for t in turns])
        await self.deps.vectors.upsert_turns(tenant_id, turns, vectors, session.user_id)
        async with self.deps.uow(write=True) as uow:
            still = await uow.turns.mark_embedded(tenant_id, session_id, [t.seq for t in turns])
            await uow.commit()
        if still < len(turns):
            # Deleted while we embedded: drop the vectors we just wrote so none outlive them.
            await self._drop_orphans(tenant_id, session_id, [t.seq for t in turns])
        return {"embedded": still}

    async def _drop_orphans(self, tenant_id: str, session_id: str, seqs: list[int]) -> None:
        async with self.deps.uow() as uow:
            alive = {
                t.seq for t in await uow.turns.get_many(tenant_id, [(session_id, s) for s in seqs])
            }
        gone = [s for s in seqs if s not in alive]
        if gone:
            await self.deps.vectors.delete_turns(tenant_id, session_id=session_id, seqs=gone)

    async def summarize(self, job: Job) -> JSON:
        """Fold the oldest unsummarised turns (never the newest `keep`) into a new version."""
        cfg = self.deps.config
        summarizer = self.deps.summarizer
        if summarizer is None:
            return {"skipped": "no summarizer configured"}
        tenant_id = str(job.tenant_id)
        session_id = str(job.payload["session_id"])
        async with self.deps.uow() as uow:
            session = await uow.sessions.get(tenant_id, session_id)
            current = await uow.summaries.current(tenant_id, session_id)
            through = current.through_seq if current else 0
            pending = await uow.turns.page(
                tenant_id,
                session_id,
                limit=cfg.summary_batch_turns + cfg.summary_keep_turns,
                after_seq=through,
            )
            last = await uow.turns.recent(tenant_id, session_id, limit=cfg.summary_keep_turns)
        if session is None:
            return {"skipped": "session deleted"}
        keep_from = last[0].seq if len(last) >= cfg.summary_keep_turns else 1
        batch = [t for t in pending if t.seq < keep_from][: cfg.summary_batch_turns]
        if not batch:
            return {"skipped": "nothing to fold"}
        text = await summarizer.summarize(
            current.content if current else None, batch, max_tokens=cfg.summary_max_tokens
        )
        summary = Summary(
            tenant_id,
            session_id,
            (current.version + 1) if current else 1,
            text,
            batch[-1].seq,
            self.deps.counter.count(text),
            self.deps.now(),
        )
        async with self.deps.uow(write=True) as uow:
            await uow.summaries.add(summary)
            newest = last[-1].seq if last else batch[-1].seq
            if newest - batch[-1].seq >= cfg.summary_trigger_turns:
                await uow.jobs.enqueue(SUMMARIZE, {"session_id": session_id}, tenant_id=tenant_id)
            await uow.commit()
        return {
            "version": summary.version,
            "through_seq": summary.through_seq,
            "summarizer": summarizer.name,
        }
