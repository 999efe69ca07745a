"""Background memory: turn embeddings for recall, and the rolling summary.

Both run as durable jobs after the turns are committed (outbox): a chat reply never
waits for them, and a failure only delays them.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from mcp_service.domain.model import JSON, Job, Session, Summary, Turn
from mcp_service.domain.repositories import UnitOfWork
from mcp_service.services.deps import Deps
from mcp_service.services.worker import BatchHandler

if TYPE_CHECKING:
    from mcp_service.services.conversation.snapshot import SessionSnapshot

log = logging.getLogger(__name__)

EMBED_TURNS = "embed_turns"
SUMMARIZE = "summarize"
SUMMARY_CONCURRENCY = 8  # sessions folded at once by one batch (model calls in flight)
EMBED_MAX_ATTEMPTS = 40  # with capped backoff: catches up after hours of vector-store outage


async def enqueue_memory_jobs(
    uow: UnitOfWork,
    deps: Deps,
    tenant_id: str,
    session_id: str,
    turns: Sequence[Turn],
    snapshot: SessionSnapshot,
) -> None:
    """Called inside the transaction that writes `turns` (the outbox pattern).

    A summary is queued when the turns past the summary cross a multiple of the trigger
    (24, 48, ... turns behind), not on every write past it: one job per trigger's worth of
    turns however far the worker lags (each job folds a batch and queues the next)."""
    if not turns:
        return
    await uow.jobs.enqueue(
        EMBED_TURNS,
        {"session_id": session_id, "seqs": [t.seq for t in turns]},
        tenant_id=tenant_id,
    )
    if snapshot.policy.strategy != "summarize":
        return
    trigger = max(1, deps.config.summary_trigger_turns)
    through = snapshot.summary_through
    behind_before = (turns[0].seq - 1 - through) // trigger
    behind_after = (turns[-1].seq - through) // trigger
    if behind_after >= 1 and behind_after > behind_before:
        await uow.jobs.enqueue(SUMMARIZE, {"session_id": session_id}, tenant_id=tenant_id)


class MemoryJobs:
    """Handlers for the memory job kinds."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def handlers(self) -> dict[str, Callable[[Job], Awaitable[JSON | None]]]:
        return {EMBED_TURNS: self.embed_turns, SUMMARIZE: self.summarize}

    def batch_handlers(self) -> dict[str, BatchHandler]:
        return {EMBED_TURNS: self.embed_turns_batch, SUMMARIZE: self.summarize_batch}

    async def embed_turns(self, job: Job) -> JSON | None:
        result = (await self.embed_turns_batch([job]))[job.id]
        if isinstance(result, Exception):
            raise result
        return result

    async def embed_turns_batch(self, jobs: list[Job]) -> dict[str, JSON | Exception | None]:
        """Embed the turns of many jobs (any sessions and tenants) in one encode: the
        model costs far less per text in a batch, and the worker keeps up under load."""
        wanted: dict[tuple[str, str], set[int]] = {}
        for job in jobs:
            key = (str(job.tenant_id), str(job.payload["session_id"]))
            wanted.setdefault(key, set()).update(int(s) for s in job.payload["seqs"])
        groups = await self._load_groups(wanted)
        texts = [t.content for _, turns in groups for t in turns]
        vectors = iter(await self.deps.embedder.embed(texts) if texts else [])
        for session, turns in groups:
            chunk = [next(vectors) for _ in turns]
            await self.deps.vectors.upsert_turns(session.tenant_id, turns, chunk, session.user_id)
        embedded: dict[tuple[str, str], int] = {}
        async with self.deps.uow(write=True) as uow:
            for session, turns in groups:
                key = (session.tenant_id, session.id)
                seqs = [t.seq for t in turns]
                embedded[key] = await uow.turns.mark_embedded(session.tenant_id, session.id, seqs)
            await uow.commit()
        for session, turns in groups:
            if embedded[(session.tenant_id, session.id)] < len(turns):
                # Deleted while we embedded: drop the vectors we just wrote so none outlive them.
                await self._drop_orphans(session.tenant_id, session.id, [t.seq for t in turns])
        loaded = {(s.tenant_id, s.id): {t.seq for t in turns} for s, turns in groups}
        results: dict[str, JSON | Exception | None] = {}
        for job in jobs:
            alive = loaded.get((str(job.tenant_id), str(job.payload["session_id"])), set())
            count = sum(1 for s in job.payload["seqs"] if int(s) in alive)
            results[job.id] = (
                {"embedded": count, "batch": len(jobs)}
                if count
                else {"embedded": 0, "reason": "turns no longer exist"}
            )
        return results

    async def _load_groups(
        self, wanted: dict[tuple[str, str], set[int]]
    ) -> list[tuple[Session, list[Turn]]]:
        """The sessions and turns that still exist, in one read transaction."""
        groups: list[tuple[Session, list[Turn]]] = []
        async with self.deps.uow() as uow:
            for (tenant_id, session_id), seqs in wanted.items():
                session = await uow.sessions.get(tenant_id, session_id)
                if session is None:
                    continue
                keys = [(session_id, s) for s in sorted(seqs)]
                turns = await uow.turns.get_many(tenant_id, keys)
                if turns:
                    groups.append((session, sorted(turns, key=lambda t: t.seq)))
        return groups

    async def _drop_orphans(self, tenant_id: str, session_id: str, seqs: list[int]) -> None:
        async with self.deps.uow() as uow:
            alive = {
                t.seq for t in await uow.turns.get_many(tenant_id, [(session_id, s) for s in seqs])
            }
        gone = [s for s in seqs if s not in alive]
        if gone:
            await self.deps.vectors.delete_turns(tenant_id, session_id=session_id, seqs=gone)

    async def summarize(self, job: Job) -> JSON:
        return await self._summarize(str(job.tenant_id), str(job.payload["session_id"]))

    async def summarize_batch(self, jobs: list[Job]) -> dict[str, JSON | Exception | None]:
        """A session's jobs fold one after the other (as many folds as jobs, stopping when
        nothing is left), different sessions concurrently (with an LLM summarizer each
        fold is a model call). A session whose fold fails fails only its own jobs."""
        counts = Counter((str(j.tenant_id), str(j.payload["session_id"])) for j in jobs)
        gate = asyncio.Semaphore(SUMMARY_CONCURRENCY)

        async def fold(tenant_id: str, session_id: str, times: int) -> JSON:
            async with gate:
                result: JSON = {}
                for _ in range(times):
                    result = await self._summarize(tenant_id, session_id)
                    if "skipped" in result:
                        break
                return result

        keys = list(counts)
        outcomes = await asyncio.gather(
            *(fold(t, s, counts[(t, s)]) for t, s in keys), return_exceptions=True
        )
        by_key = dict(zip(keys, outcomes, strict=True))
        results: dict[str, JSON | Exception | None] = {}
        for job in jobs:
            outcome = by_key[(str(job.tenant_id), str(job.payload["session_id"]))]
            if isinstance(outcome, BaseException) and not isinstance(outcome, Exception):
                raise outcome  # cancellation and the like: not a job failure
            results[job.id] = outcome
        return results

    async def _summarize(self, tenant_id: str, session_id: str) -> JSON:
        """Fold the oldest unsummarised turns (never the newest `keep`) into a new version."""
        cfg = self.deps.config
        summarizer = self.deps.summarizer
        if summarizer is None:
            return {"skipped": "no summarizer configured"}
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
            if not await _still_foldable(uow, session, current, batch):
                return {"skipped": "the session changed while summarising; fold discarded"}
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


async def _still_foldable(
    uow: UnitOfWork, session: Session, current: Summary | None, batch: Sequence[Turn]
) -> bool:
    """In the transaction that writes the fold: the session is the one that was read (not
    deleted, nor deleted and made again), its summary is still the one folded on, and every
    folded turn still exists — else the fold would bring deleted content back. The session
    row is locked, so a deletion running now finishes first."""
    locked = await uow.purge.lock_session(session.tenant_id, session.id)
    if locked is None or locked.created_at != session.created_at:
        return False
    now = await uow.summaries.current(session.tenant_id, session.id)
    if (now.version if now else None) != (current.version if current else None):
        return False
    alive = await uow.turns.get_many(session.tenant_id, [(session.id, t.seq) for t in batch])
    return len(alive) == len(batch)
