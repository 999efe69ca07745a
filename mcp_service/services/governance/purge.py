"""Hard deletion of turns, sessions and documents in the vector store AND the database.

Order: vectors first, then rows (and the session's remembered Idempotency-Key answers,
which may quote them). If the vector store fails, the rows stay (and are retried by the
next run), so no vector ever outlives its row. Each database step
re-reads the session under its row lock and skips it if it went under legal hold
meanwhile; a vector removed for a turn that then survives is re-embedded by a job.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass

from mcp_service.domain.model import Session
from mcp_service.domain.ops_ports import PurgeRepository
from mcp_service.domain.retention import Counts, Cutoffs, RetentionSpec
from mcp_service.services.conversation.memory import EMBED_TURNS, SUMMARIZE
from mcp_service.services.deps import Deps

Heartbeat = Callable[[], Awaitable[None]]


async def _noop() -> None:
    return None


@dataclass(frozen=True)
class SessionPlan:
    """What a policy deletes in one session: all of it (idle), or these turns."""

    session: Session
    whole: bool
    seqs: tuple[int, ...] = ()


def _batches(items: Sequence[int], size: int) -> list[list[int]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


class Purger:
    def __init__(
        self,
        deps: Deps,
        *,
        page_size: int = 100,
        seq_batch: int = 500,
        heartbeat: Heartbeat = _noop,
    ) -> None:
        self.deps = deps
        self.page_size = page_size
        self.seq_batch = seq_batch
        self.heartbeat = heartbeat

    async def plans(
        self, tenant_id: str, spec: RetentionSpec, cut: Cutoffs
    ) -> AsyncIterator[list[SessionPlan]]:
        """Sessions in scope (never under legal hold) that a rule applies to, page by page."""
        if not spec.touches_sessions:
            return
        after: str | None = None
        while True:
            async with self.deps.uow() as uow:
                page = await uow.purge.candidate_sessions(
                    tenant_id,
                    metadata=spec.scope_metadata,
                    idle_before=cut.sessions_idle_before,
                    turns_before=cut.turns_before,
                    max_turns=spec.max_turns_per_session,
                    after=after,
                    limit=self.page_size,
                )
                plans = [await self._plan(uow.purge, s, spec, cut) for s in page]
            if not page:
                return
            after = page[-1].id
            yield [p for p in plans if p.whole or p.seqs]

    async def _plan(
        self, repo: PurgeRepository, session: Session, spec: RetentionSpec, cut: Cutoffs
    ) -> SessionPlan:
        idle = cut.sessions_idle_before
        if idle is not None and session.last_activity_at < idle:
            return SessionPlan(session, whole=True)
        seqs: set[int] = set()
        if cut.turns_before is not None:
            seqs.update(
                await repo.turn_seqs_before(session.tenant_id, session.id, cut.turns_before)
            )
        if spec.max_turns_per_session is not None:
            seqs.update(
                await repo.turn_seqs_beyond(
                    session.tenant_id, session.id, spec.max_turns_per_session
                )
            )
        return SessionPlan(session, whole=False, seqs=tuple(sorted(seqs)))

    async def predict(self, plan: SessionPlan, spec: RetentionSpec) -> Counts:
        """What executing the plan would delete (a dry run)."""
        s = plan.session
        async with self.deps.uow() as uow:
            if plan.whole:
                turns = await uow.turns.count(s.tenant_id, s.id)
                summaries = await uow.purge.count_summaries(s.tenant_id, s.id, None)
                return Counts(turns=turns, sessions=1, summaries=summaries)
            from_seq = None if spec.include_summaries else min(plan.seqs)
            summaries = await uow.purge.count_summaries(s.tenant_id, s.id, from_seq)
        return Counts(turns=len(plan.seqs), summaries=summaries)

    async def execute(self, plan: SessionPlan, spec: RetentionSpec, cut: Cutoffs) -> Counts:
        if plan.whole:
            idle = cut.sessions_idle_before

            def still_idle(s: Session) -> bool:
                return idle is not None and s.last_activity_at < idle

            return await self.delete_session(plan.session, guard=still_idle)
        return await self._delete_turns(plan, spec)

    async def delete_session(
        self, session: Session, *, guard: Callable[[Session], bool] = lambda s: True
    ) -> Counts:
        """The whole session: its turn vectors, then turns, summaries and the session row."""
        tenant_id, sid = session.tenant_id, session.id
        await self.heartbeat()
        await self.deps.vectors.delete_turns(tenant_id, session_id=sid)
        async with self.deps.uow(write=True) as uow:
            current = await uow.purge.lock_session(tenant_id, sid)
            if current is None:
                return Counts()
            if current.legal_hold or not guard(current):
                # It changed meanwhile (new activity or a legal hold): keep it, re-embed it.
                seqs = await uow.purge.reset_embedded(tenant_id, sid)
                if seqs:
                    payload = {"session_id": sid, "seqs": seqs}
                    await uow.jobs.enqueue(EMBED_TURNS, payload, tenant_id=tenant_id)
                await uow.commit()
                return Counts()
            summaries = await uow.summaries.delete_session(tenant_id, sid)
            turns = await uow.turns.delete_session(tenant_id, sid)
            await uow.idempotency.forget_session(tenant_id, sid)  # answers quoting the turns
            await uow.sessions.delete(tenant_id, sid)
            await uow.commit()
        self.deps.turn_cache.forget(tenant_id, sid)
        return Counts(turns=turns, sessions=1, summaries=summaries)

    async def _delete_turns(self, plan: SessionPlan, spec: RetentionSpec) -> Counts:
        """Some turns of a session, in batches; summaries that covered any of them go in
        the last batch's transaction and a summary job rebuilds from what remains."""
        tenant_id, sid = plan.session.tenant_id, plan.session.id
        counts = Counts()
        parts = _batches(plan.seqs, self.seq_batch)
        for i, part in enumerate(parts):
            await self.heartbeat()
            await self.deps.vectors.delete_turns(tenant_id, session_id=sid, seqs=part)
            async with self.deps.uow(write=True) as uow:
                current = await uow.purge.lock_session(tenant_id, sid)
                if current is None or current.legal_hold:
                    if current is not None:  # put back the vectors removed for this part
                        payload = {"session_id": sid, "seqs": part}
                        await uow.jobs.enqueue(EMBED_TURNS, payload, tenant_id=tenant_id)
                        await uow.commit()
                    return counts
                counts.turns += await uow.purge.delete_turns(tenant_id, sid, part)
                # Remembered answers may quote the deleted turns (an in-flight claim has no
                # answer yet and is kept, so that its retries still run once).
                await uow.idempotency.forget_session(tenant_id, sid, finished_only=True)
                self.deps.turn_cache.forget(tenant_id, sid)  # (only memory: see turn_cache)
                if i == len(parts) - 1:
                    from_seq = None if spec.include_summaries else plan.seqs[0]
                    dropped = await uow.purge.delete_summaries(tenant_id, sid, from_seq)
                    counts.summaries += dropped
                    if dropped:
                        await uow.jobs.enqueue(SUMMARIZE, {"session_id": sid}, tenant_id=tenant_id)
                    await uow.pii_vault.prune(tenant_id, sid)  # values only deleted turns held
                await uow.commit()
        return counts

    async def documents(
        self, tenant_id: str, spec: RetentionSpec, cut: Cutoffs, *, dry_run: bool
    ) -> Counts:
        """Documents older than the cutoff (matching the scope's metadata): chunk vectors
        first, then the document and chunk rows."""
        counts = Counts()
        before = cut.documents_before
        if before is None:
            return counts
        after: str | None = None
        while True:
            async with self.deps.uow() as uow:
                docs = await uow.purge.old_documents(
                    tenant_id,
                    before=before,
                    metadata=spec.scope_metadata,
                    after=after,
                    limit=self.page_size,
                )
            if not docs:
                return counts
            ids = [d for d, _ in docs]
            after = ids[-1]
            if dry_run:
                counts.documents += len(docs)
                counts.chunks += sum(n for _, n in docs)
                continue
            await self.heartbeat()
            await self.deps.vectors.delete_chunks(tenant_id, document_ids=ids)
            async with self.deps.uow(write=True) as uow:
                deleted, chunks = await uow.purge.delete_documents(tenant_id, ids, before)
                await uow.commit()
            counts.documents += deleted
            counts.chunks += chunks
