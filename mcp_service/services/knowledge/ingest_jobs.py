"""Large ingests as durable background jobs (kind "ingest"), resumable without duplicates.

The job payload holds the documents already parsed, so a retry never needs the upload
again. Each batch's rows, the job's progress and its lease renewal commit in one
transaction: after a crash the next attempt starts exactly after the last committed
batch, and because document and chunk ids derive from the job id and the document's
place in it, vectors written by the crashed attempt are overwritten, not duplicated.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from mcp_service.domain.errors import NotFound
from mcp_service.domain.model import JSON, Job
from mcp_service.domain.repositories import UnitOfWork
from mcp_service.services.deps import Deps
from mcp_service.services.knowledge.ingest_inputs import Candidate
from mcp_service.services.knowledge.ingest_pipeline import (
    Batch,
    IngestPipeline,
    LeaseLost,
    Run,
    outcome_of,
)

__all__ = ["INGEST", "IngestJobs", "LeaseLost", "Progress", "public_progress"]

log = logging.getLogger(__name__)
INGEST = "ingest"
LEASE_S = 60.0  # kept alive while the job runs; a crashed worker's job is retried after it
MAX_ERRORS_KEPT = 100
CLEANUP_KEY = "_replaced_document_ids"  # internal: old vectors still to delete


@dataclass
class Progress:
    documents_total: int
    documents_done: int = 0
    chunks_done: int = 0
    created: int = 0
    replaced: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[JSON] = field(default_factory=list)
    elapsed_s: float = 0.0

    @staticmethod
    def of(data: JSON | None, total: int) -> Progress:
        fields = Progress.__dataclass_fields__
        known = {k: v for k, v in (data or {}).items() if k in fields}
        known["documents_total"] = total
        return Progress(**known)

    def add(self, batch: Batch) -> None:
        for item in batch.items:
            outcome = outcome_of(item)
            self.documents_done += 1
            self.chunks_done += outcome.chunks if outcome.status in ("created", "replaced") else 0
            setattr(self, outcome.status, getattr(self, outcome.status) + 1)
            if outcome.error and len(self.errors) < MAX_ERRORS_KEPT:
                self.errors.append({"source": outcome.source, "error": outcome.error})

    def to_json(self) -> JSON:
        return {k: getattr(self, k) for k in Progress.__dataclass_fields__}


def public_progress(progress: JSON | None) -> JSON | None:
    """A job's progress without the bookkeeping that only the job itself reads."""
    if progress is None:
        return None
    return {k: v for k, v in progress.items() if not k.startswith("_")}


class IngestJobs:
    def __init__(self, deps: Deps, pipeline: IngestPipeline, *, lease_s: float = LEASE_S) -> None:
        self.deps = deps
        self.pipeline = pipeline
        self.lease_s = lease_s

    def handlers(self) -> dict[str, Callable[[Job], Awaitable[JSON | None]]]:
        return {INGEST: self.run}

    async def enqueue(
        self, tenant_id: str, collection: str, candidates: Sequence[Candidate]
    ) -> str:
        payload = {"collection": collection, "documents": [c.to_json() for c in candidates]}
        async with self.deps.uow(write=True) as uow:
            job_id = await uow.jobs.enqueue(INGEST, payload, tenant_id=tenant_id)
            await uow.jobs.progress(job_id, Progress(len(candidates)).to_json())
            await uow.commit()
        return job_id

    async def get(self, tenant_id: str, job_id: str) -> Job:
        async with self.deps.uow() as uow:
            job = await uow.jobs.get(tenant_id, job_id)
        if job is None:
            raise NotFound(f"job {job_id!r} not found", field="job_id")
        return job

    async def page(
        self, tenant_id: str, *, kind: str | None, before: tuple[datetime, str] | None, limit: int
    ) -> list[Job]:
        """The tenant's jobs (of one kind, e.g. "ingest"), newest first."""
        async with self.deps.uow() as uow:
            return await uow.jobs.page(tenant_id, kind=kind, before=before, limit=limit)

    async def run(self, job: Job) -> JSON:
        tenant_id = str(job.tenant_id)
        collection = str(job.payload["collection"])
        candidates = [Candidate.from_json(d) for d in job.payload["documents"]]
        progress = Progress.of(job.progress, len(candidates))
        leftover = (job.progress or {}).get(CLEANUP_KEY) or []
        if leftover:  # a batch committed but its old vectors were not deleted yet
            await self.deps.vectors.delete_chunks(tenant_id, document_ids=list(leftover))
        async with self.deps.uow() as uow:
            if await uow.collections.get(tenant_id, collection) is None:
                return {**progress.to_json(), "stopped": f"collection {collection!r} deleted"}
        started = time.monotonic() - progress.elapsed_s

        async def renew(uow: UnitOfWork) -> None:
            until = self.deps.now() + timedelta(seconds=self.lease_s)
            if not await uow.jobs.renew(job.id, job.attempts, until):
                raise LeaseLost(f"job {job.id} was claimed by another worker")

        async def heartbeat() -> None:
            async with self.deps.uow(write=True) as uow:
                await renew(uow)
                await uow.commit()

        async def in_transaction(uow: UnitOfWork, batch: Batch) -> None:
            await renew(uow)
            progress.add(batch)
            progress.elapsed_s = round(time.monotonic() - started, 3)
            replaced = [i.previous.id for i in batch.items if i.previous is not None]
            await uow.jobs.progress(job.id, {**progress.to_json(), CLEANUP_KEY: replaced})

        run = Run(
            tenant_id,
            collection,
            candidates,
            id_seed=job.id,
            start=progress.documents_done,
            in_transaction=in_transaction,
            heartbeat=heartbeat,
        )
        async with self._kept_alive(heartbeat):
            await self.pipeline.run(run)
        return progress.to_json()

    @asynccontextmanager
    async def _kept_alive(self, heartbeat: Callable[[], Awaitable[None]]) -> AsyncIterator[None]:
        """Renew the lease every third of it while the job runs, however long one
        embedding call takes — so the lease can be short and a crashed job resumes soon.
        A renewal that fails stops renewing; the next batch's own renewal then raises."""

        async def renew_forever() -> None:
            while True:
                await asyncio.sleep(self.lease_s / 3)
                try:
                    await heartbeat()
                except Exception:  # LeaseLost or the database: the batch write decides
                    log.warning("ingest job: lease renewal failed", exc_info=True)
                    return

        task = asyncio.create_task(renew_forever())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
