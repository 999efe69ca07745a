"""Large ingests as background jobs: progress, resumption after a crash, lost leases."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mcp_service.adapters.db.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory
from mcp_service.adapters.parsers import DocumentParsers
from mcp_service.adapters.qdrant_edge import QdrantEdgeStore
from mcp_service.domain.errors import VectorStoreUnavailable
from mcp_service.services.knowledge.collections import FileInput, IngestLimits, KnowledgeService
from mcp_service.services.knowledge.ingest_jobs import LeaseLost
from mcp_service.services.worker import Worker
from tests.integration.test_ingest_pipeline import Env, T, make_deps

TOPICS = ["parking", "lunch", "badges", "printers", "laptops", "travel", "expenses"]


class FlakyStore:
    """The vector store, whose next delete fails once `down` is set (an outage)."""

    def __init__(self, inner: QdrantEdgeStore) -> None:
        self.inner = inner
        self.down = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def delete_chunks(self, tenant_id: str, **selectors: Any) -> None:
        if self.down:
            self.down = False
            raise VectorStoreUnavailable("vector store went away")
        await self.inner.delete_chunks(tenant_id, **selectors)


class CrashingUow:
    """Units of work whose `crash_on_batch`-th batch write (a transaction that adds
    documents) fails to commit, taking the vector store down with it: the new vectors of
    that batch cannot be cleaned up, as after a real crash between upsert and commit."""

    def __init__(self, inner: SqlUnitOfWorkFactory, store: FlakyStore, crash_on_batch: int):
        self.inner, self.store, self.crash_on_batch, self.batches = inner, store, crash_on_batch, 0

    def __call__(self, *, write: bool = False) -> Any:
        uow = self.inner(write=write)
        return _Crashing(uow, self) if write else uow


class _Crashing:
    def __init__(self, inner: SqlUnitOfWork, factory: CrashingUow) -> None:
        self.inner, self.factory = inner, factory

    async def __aenter__(self) -> SqlUnitOfWork:
        uow = await self.inner.__aenter__()
        add, commit, factory = uow.documents.add, uow.commit, self.factory
        adds: list[str] = []

        async def counting_add(document: Any, chunks: Any) -> None:
            adds.append(document.id)
            await add(document, chunks)

        async def crashing_commit() -> None:
            if adds:
                factory.batches += 1
                if factory.batches == factory.crash_on_batch:
                    factory.store.down = True
                    raise ConnectionError("database connection lost during commit")
            await commit()

        uow.documents.add = counting_add  # type: ignore[method-assign]
        uow.commit = crashing_commit  # type: ignore[method-assign]
        return uow

    async def __aexit__(self, *exc: Any) -> None:
        await self.inner.__aexit__(*exc)


@pytest.fixture
async def flaky(
    uow_factory: SqlUnitOfWorkFactory, tmp_path: Path, real_embedder: object
) -> AsyncIterator[tuple[Env, CrashingUow]]:
    inner = QdrantEdgeStore(tmp_path / "vectors")
    await inner.ensure_ready(real_embedder.dimension)  # type: ignore[attr-defined]
    store = FlakyStore(inner)
    crashing = CrashingUow(uow_factory, store, crash_on_batch=2)
    deps = make_deps(crashing, store, real_embedder)  # type: ignore[arg-type]
    knowledge = KnowledgeService(deps, DocumentParsers(), IngestLimits(batch_chunks=2))
    yield Env(knowledge, deps, inner, uow_factory), crashing
    await inner.close()


def topic_files() -> list[FileInput]:
    return [
        FileInput(f"{t}.txt", f"Everything about {t}. The {t} rule number {i} applies.".encode())
        for i, t in enumerate(TOPICS)
    ]


async def test_a_crashed_job_resumes_where_it_stopped_without_duplicates(
    flaky: tuple[Env, CrashingUow],
) -> None:
    env, _ = flaky
    receipt = await env.knowledge.submit(T, "kb", files=topic_files(), background=True)
    assert receipt.job_id is not None
    assert {o.status for o in receipt.outcomes} == {"queued"}
    worker = Worker(env.deps, env.knowledge.jobs.handlers(), base_backoff_s=0.0)

    await worker.run_once()  # the second batch's commit "crashes"
    job = await env.knowledge.get_job(T, receipt.job_id)
    assert job.status == "queued" and "connection lost" in str(job.last_error)
    assert job.progress is not None and job.progress["documents_done"] == 2
    assert await env.points() > await env.db_chunks()  # vectors the crash left behind

    await worker.run_once()
    job = await env.knowledge.get_job(T, receipt.job_id)
    assert job.status == "done" and job.attempts == 2
    assert job.result is not None and job.result["created"] == len(TOPICS)
    assert job.result["documents_done"] == job.result["documents_total"] == len(TOPICS)
    documents = await env.db_documents()
    assert sorted(e for _, e in documents) == sorted(f"{t}.txt" for t in TOPICS)
    assert await env.points() == await env.db_chunks() == job.result["chunks_done"]
    queued_ids = sorted(str(o.document_id) for o in receipt.outcomes)
    assert sorted(d for d, _ in documents) == queued_ids  # the ids the 202 announced


async def test_a_job_that_lost_its_lease_writes_nothing(flaky: tuple[Env, CrashingUow]) -> None:
    env, crashing = flaky
    crashing.crash_on_batch = 0
    receipt = await env.knowledge.submit(T, "kb", files=topic_files()[:2], background=True)
    async with env.uow(write=True) as uow:
        job = await uow.jobs.claim("worker-a", env.deps.now(), 60.0)
        await uow.commit()
    assert job is not None and job.id == receipt.job_id
    stale = replace(job, attempts=job.attempts - 1)  # another worker claimed it since
    with pytest.raises(LeaseLost):
        await env.knowledge.jobs.run(stale)
    assert await env.db_chunks() == 0 and await env.points() == 0


class HoldingEmbedder:
    """The real embedder (our Embedder port), whose first call waits for `release`."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.dimension = inner.dimension
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def embed(self, texts: list[str]) -> list[list[float]]:
        if not self.entered.is_set():
            self.entered.set()
            await self.release.wait()
        result: list[list[float]] = await self.inner.embed(texts)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_a_running_job_keeps_a_short_lease_alive_however_long_a_call_takes(
    uow_factory: SqlUnitOfWorkFactory, tmp_path: Path, real_embedder: object
) -> None:
    store = QdrantEdgeStore(tmp_path / "vectors")
    await store.ensure_ready(real_embedder.dimension)  # type: ignore[attr-defined]
    embedder = HoldingEmbedder(real_embedder)
    deps = make_deps(uow_factory, store, embedder)
    lease = 0.6
    knowledge = KnowledgeService(
        deps, DocumentParsers(), IngestLimits(batch_chunks=2, job_lease_s=lease)
    )
    receipt = await knowledge.submit(T, "kb", files=topic_files(), background=True)
    assert receipt.job_id is not None
    worker = Worker(deps, knowledge.jobs.handlers())
    running = asyncio.create_task(worker.run_once())
    await asyncio.wait_for(embedder.entered.wait(), 60)
    seen: list[datetime] = []
    for _ in range(600):  # until the lease was renewed twice during the one held call
        job = await knowledge.get_job(T, receipt.job_id)
        if job.locked_until is not None and job.locked_until not in seen:
            seen.append(job.locked_until)
        if len(seen) >= 3:
            break
        await asyncio.sleep(0.05)
    assert len(seen) >= 3, seen
    # A crash now would be taken over within the short lease, not minutes later.
    assert seen[-1] <= datetime.now(UTC) + timedelta(seconds=lease + 1)
    embedder.release.set()
    await running
    job = await knowledge.get_job(T, receipt.job_id)
    await store.close()
    assert job.status == "done" and job.result is not None
    assert job.result["created"] == len(TOPICS)
