"""Knowledge collections: create, ingest documents (parse, chunk, embed, index), search,
delete. Ingestion itself lives in ingest_pipeline (the staged pipeline), ingest_inputs
(documents and files → candidates) and ingest_jobs (large ingests in the background)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from mcp_service.domain.errors import AlreadyExists, InvalidInput, NotFound
from mcp_service.domain.mmr import DEFAULT_LAMBDA, mmr_order
from mcp_service.domain.model import JSON, Chunk, ChunkHit, Collection, Document, Job, SearchMode
from mcp_service.domain.ports import DocumentParser
from mcp_service.domain.repositories import UnitOfWork
from mcp_service.services.deps import Deps
from mcp_service.services.knowledge.ingest_inputs import (
    Candidate,
    DocumentInput,
    FileInput,
    IngestOutcome,
    document_candidates,
    file_candidates,
    legacy_hash,
    parse_candidate,
)
from mcp_service.services.knowledge.ingest_jobs import IngestJobs
from mcp_service.services.knowledge.ingest_pipeline import (
    Batch,
    DoneHook,
    IngestPipeline,
    Run,
    document_id,
    outcome_of,
)

__all__ = [
    "DocumentInput",
    "FileInput",
    "IngestLimits",
    "IngestOutcome",
    "IngestReceipt",
    "KnowledgeService",
    "content_hash",
]

content_hash = legacy_hash  # the hash of a plain-text JSON document, as before
ProgressCallback = Callable[[list[IngestOutcome]], None]
MMR_CANDIDATES = 4  # MMR picks top_k out of this many times top_k candidates


@dataclass(frozen=True)
class IngestLimits:
    batch_chunks: int = 256  # chunks per embedding batch
    sync_max_documents: int = 32  # more documents in one request → background job
    sync_max_bytes: int = 2 * 1024 * 1024  # more uploaded bytes in one request → job
    job_lease_s: float = 60.0  # a job's lease, kept alive while it runs; resumed after a crash


@dataclass(frozen=True)
class IngestReceipt:
    outcomes: list[IngestOutcome]
    job_id: str | None = None  # set when (part of) the ingest was queued


class KnowledgeService:
    def __init__(
        self, deps: Deps, parser: DocumentParser, limits: IngestLimits | None = None
    ) -> None:
        self.deps = deps
        self.parser = parser
        self.limits = limits or IngestLimits()
        self.pipeline = IngestPipeline(deps, parser, batch_chunks=self.limits.batch_chunks)
        self.jobs = IngestJobs(deps, self.pipeline, lease_s=self.limits.job_lease_s)

    async def create_collection(
        self, tenant_id: str, name: str, description: str | None
    ) -> Collection:
        async with self.deps.uow(write=True) as uow:
            await uow.tenants.ensure(tenant_id)
            if await uow.collections.get(tenant_id, name) is not None:
                raise AlreadyExists(f"collection {name!r} already exists", field="name")
            collection = Collection(tenant_id, name, description, self.deps.now())
            await uow.collections.add(collection)
            await uow.commit()
        return collection

    async def list_collections(self, tenant_id: str) -> list[Collection]:
        async with self.deps.uow() as uow:
            return await uow.collections.list_all(tenant_id)

    async def get_collection(self, tenant_id: str, name: str) -> Collection:
        async with self.deps.uow() as uow:
            return await _require_collection(uow, tenant_id, name)

    async def delete_collection(self, tenant_id: str, name: str) -> int:
        """Remove the collection, its documents and chunks from both stores."""
        await self.get_collection(tenant_id, name)
        await self.deps.vectors.delete_chunks(tenant_id, collection=name)
        async with self.deps.uow(write=True) as uow:
            count = await uow.documents.delete_collection(tenant_id, name)
            await uow.collections.delete(tenant_id, name)
            await uow.commit()
        return count

    async def ingest(
        self, tenant_id: str, collection: str, docs: Sequence[DocumentInput]
    ) -> list[IngestOutcome]:
        """Ingest inline documents now (see `submit`)."""
        receipt = await self.submit(tenant_id, collection, documents=docs, background=False)
        return receipt.outcomes

    async def submit(
        self,
        tenant_id: str,
        collection: str,
        *,
        documents: Sequence[DocumentInput] = (),
        files: Sequence[FileInput] = (),
        background: bool | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> IngestReceipt:
        """Chunk, embed and index documents and files; the collection is created on first
        use. Re-ingesting an `external_id` with unchanged content is a no-op; changed
        content replaces the old chunks. A file that cannot be read fails alone.

        `background=None` queues a job when the request is large (IngestLimits); True
        always queues one, False never does.
        """
        _validate(documents, files)
        candidates = await asyncio.to_thread(
            lambda: (
                document_candidates(documents, self.parser) + file_candidates(files, self.parser)
            )
        )
        await self._ensure_collection(tenant_id, collection)
        size = sum(len(f.data) for f in files) + sum(len(d.text) for d in documents)
        if background is None:
            limits = self.limits
            background = len(candidates) > limits.sync_max_documents or (
                size > limits.sync_max_bytes
            )
        if background:
            return await self._queue(tenant_id, collection, candidates)
        after = _progress_hook(on_progress) if on_progress else None
        run = Run(tenant_id, collection, candidates, after_batch=after)
        return IngestReceipt(await self.pipeline.run(run))

    async def _queue(
        self, tenant_id: str, collection: str, candidates: list[Candidate]
    ) -> IngestReceipt:
        """Report what is decided now (unchanged, unreadable); queue the rest, parsed."""
        previous = await self.pipeline.previous_documents(tenant_id, collection, candidates)
        decided: dict[int, IngestOutcome] = {}
        todo: list[tuple[int, Candidate]] = []
        for i, candidate in enumerate(candidates):
            old = previous.get(candidate.external_id) if candidate.external_id else None
            if candidate.error is None and old is not None and old.content_hash == candidate.digest:
                decided[i] = IngestOutcome(
                    old.id, old.external_id, "unchanged", old.chunk_count, candidate.source
                )
            else:
                todo.append((i, candidate))
        parsed = await asyncio.to_thread(lambda: [parse_candidate(c, self.parser) for _, c in todo])
        queued = [(i, c) for (i, _), c in zip(todo, parsed, strict=True) if c.error is None]
        for (i, _), c in zip(todo, parsed, strict=True):
            if c.error is not None:
                decided[i] = IngestOutcome(None, c.external_id, "failed", 0, c.source, c.error)
        if not queued:
            return IngestReceipt([decided[i] for i in sorted(decided)])
        job_id = await self.jobs.enqueue(tenant_id, collection, [c for _, c in queued])
        for place, (i, c) in enumerate(queued):
            decided[i] = IngestOutcome(
                document_id(job_id, place), c.external_id, "queued", 0, c.source
            )
        return IngestReceipt([decided[i] for i in sorted(decided)], job_id)

    async def _ensure_collection(self, tenant_id: str, name: str) -> None:
        try:
            async with self.deps.uow(write=True) as uow:
                if await uow.collections.get(tenant_id, name) is None:
                    await uow.tenants.ensure(tenant_id)
                    await uow.collections.add(Collection(tenant_id, name, None, self.deps.now()))
                    await uow.commit()
        except AlreadyExists:
            pass  # a concurrent request created it first: that is all we wanted

    async def get_job(self, tenant_id: str, job_id: str) -> Job:
        return await self.jobs.get(tenant_id, job_id)

    async def get_document(self, tenant_id: str, collection: str, document_id: str) -> Document:
        async with self.deps.uow() as uow:
            found = await uow.documents.get(tenant_id, document_id)
        if found is None or found.collection != collection:
            raise NotFound(f"document {document_id!r} not found", field="document_id")
        return found

    async def list_documents(
        self, tenant_id: str, collection: str, *, before: tuple[datetime, str] | None, limit: int
    ) -> list[Document]:
        """Last updated first."""
        async with self.deps.uow() as uow:
            await _require_collection(uow, tenant_id, collection)
            return await uow.documents.page(tenant_id, collection, before=before, limit=limit)

    async def document_chunks(
        self, tenant_id: str, collection: str, document_id: str
    ) -> list[Chunk]:
        await self.get_document(tenant_id, collection, document_id)
        async with self.deps.uow() as uow:
            return await uow.documents.chunks(tenant_id, document_id)

    async def delete_document(self, tenant_id: str, collection: str, document_id: str) -> int:
        await self.get_document(tenant_id, collection, document_id)
        await self.deps.vectors.delete_chunks(tenant_id, document_ids=[document_id])
        async with self.deps.uow(write=True) as uow:
            removed = await uow.documents.delete(tenant_id, document_id)
            await uow.commit()
        return len(removed)

    async def search(
        self,
        tenant_id: str,
        collection: str,
        query: str,
        *,
        top_k: int,
        mode: SearchMode,
        metadata_filter: JSON | None,
        mmr: bool = False,
        mmr_lambda: float = DEFAULT_LAMBDA,
    ) -> list[ChunkHit]:
        """Top chunks by `mode`; with `mmr`, re-ordered for diversity (maximal marginal
        relevance over a deeper candidate list), each hit keeping its search score."""
        await self.get_collection(tenant_id, collection)
        if not query.strip():
            raise InvalidInput("query must not be empty", field="query")
        vector = await self.deps.embedder.embed_query(query) if mode != "lexical" else None
        hits = await self.deps.vectors.search_chunks(
            tenant_id,
            vector,
            query,
            collections=[collection],
            top_k=top_k * MMR_CANDIDATES if mmr else top_k,
            mode=mode,
            metadata_filter=metadata_filter,
        )
        if not mmr or len(hits) <= 1:
            return hits[:top_k]
        return await self._diversify(tenant_id, hits, top_k, mmr_lambda)

    async def _diversify(
        self, tenant_id: str, hits: list[ChunkHit], top_k: int, lambda_: float
    ) -> list[ChunkHit]:
        vectors = await self.deps.vectors.chunk_vectors(tenant_id, [h.chunk_id for h in hits])
        hits = [h for h in hits if h.chunk_id in vectors]  # deleted meanwhile: drop
        order = await asyncio.to_thread(
            mmr_order,
            [h.score for h in hits],
            [vectors[h.chunk_id] for h in hits],
            top_k,
            lambda_,
        )
        return [hits[i] for i in order]


def _validate(documents: Sequence[DocumentInput], files: Sequence[FileInput]) -> None:
    if not documents and not files:
        raise InvalidInput("documents must not be empty", field="documents")
    seen: set[str] = set()
    for i, d in enumerate(documents):
        if not d.text.strip():
            raise InvalidInput(f"documents[{i}].text must not be empty", field="documents")
        if d.external_id is not None:
            if d.external_id in seen:
                raise InvalidInput(
                    f"documents[{i}].external_id {d.external_id!r} appears twice",
                    field="documents",
                )
            seen.add(d.external_id)


def _progress_hook(callback: ProgressCallback) -> DoneHook:
    async def report(batch: Batch) -> None:
        callback([outcome_of(item) for item in batch.items])

    return report


async def _require_collection(uow: UnitOfWork, tenant_id: str, name: str) -> Collection:
    found = await uow.collections.get(tenant_id, name)
    if found is None:
        raise NotFound(f"collection {name!r} not found", field="collection")
    return found
