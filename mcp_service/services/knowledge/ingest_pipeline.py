"""The ingest pipeline: prepare → embed → write, three stages running at once.

- prepare (worker threads): skip unchanged documents, parse files, chunk by structure;
  documents are grouped into batches of about `batch_chunks` chunks.
- embed (the embedder's thread): one large batch at a time.
- write: upsert the batch's vectors, then swap the database rows in one transaction,
  then delete the replaced documents' vectors. While batch N is embedded, batch N-1 is
  written and batch N+1 prepared, so the model is never waiting on I/O.

Document and chunk ids can be derived from a seed (a job id), so a re-run after a crash
writes the same points again instead of adding duplicates.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from mcp_service.domain.chunking import chunk_blocks
from mcp_service.domain.model import Chunk, Document
from mcp_service.domain.ports import DocumentParser
from mcp_service.domain.repositories import UnitOfWork
from mcp_service.services.deps import Deps
from mcp_service.services.knowledge.ingest_inputs import Candidate, IngestOutcome, parse_candidate

log = logging.getLogger(__name__)
ID_NAMESPACE = uuid.UUID("0b8f4a52-6c1e-5d2a-9f3b-7e4c1a9d2b60")  # never change: ids derive


@dataclass
class Prepared:
    index: int
    candidate: Candidate
    document: Document | None = None
    chunks: list[Chunk] = field(default_factory=list)
    previous: Document | None = None
    outcome: IngestOutcome | None = None  # decided without writing (unchanged, failed)


@dataclass
class Batch:
    items: list[Prepared] = field(default_factory=list)

    @property
    def chunks(self) -> list[Chunk]:
        return [c for item in self.items for c in item.chunks]


# Called inside the write transaction of each batch (jobs record progress there), and
# after it with the finished items.
BatchHook = Callable[[UnitOfWork, Batch], Awaitable[None]]
DoneHook = Callable[[Batch], Awaitable[None]]


@dataclass
class Run:
    tenant_id: str
    collection: str
    candidates: Sequence[Candidate]
    id_seed: str | None = None  # None: random document ids
    start: int = 0  # candidates before this index are already done (a resumed job)
    in_transaction: BatchHook | None = None
    after_batch: DoneHook | None = None
    heartbeat: Callable[[], Awaitable[None]] | None = None  # before each embedding call


class LeaseLost(RuntimeError):
    """Another worker holds this job now; this attempt must stop without writing, and
    leave the vectors alone (the other attempt writes the same ids)."""


def document_id(seed: str | None, index: int) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{seed}/{index}")) if seed else str(uuid.uuid4())


def chunk_id(doc_id: str, position: int) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{doc_id}/{position}"))


class IngestPipeline:
    def __init__(self, deps: Deps, parser: DocumentParser, *, batch_chunks: int = 256) -> None:
        self.deps = deps
        self.parser = parser
        self.batch_chunks = max(1, batch_chunks)

    async def previous_documents(
        self, tenant_id: str, collection: str, candidates: Sequence[Candidate]
    ) -> dict[str, Document]:
        ids = [c.external_id for c in candidates if c.external_id]
        if not ids:
            return {}
        async with self.deps.uow() as uow:
            return await uow.documents.by_external_ids(tenant_id, collection, ids)

    async def run(self, run: Run) -> list[IngestOutcome]:
        """Ingest `run.candidates[run.start:]`; outcomes in candidate order."""
        outcomes: list[IngestOutcome] = []
        embed_q: asyncio.Queue[Batch | None] = asyncio.Queue(maxsize=1)
        write_q: asyncio.Queue[tuple[Batch, list[list[float]]] | None] = asyncio.Queue(maxsize=1)
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._prepare_stage(run, embed_q))
                group.create_task(self._embed_stage(run, embed_q, write_q))
                group.create_task(self._write_stage(run, write_q, outcomes))
        except BaseExceptionGroup as group_error:
            raise _first(group_error) from None
        return outcomes

    async def _prepare_stage(self, run: Run, out: asyncio.Queue[Batch | None]) -> None:
        previous = await self.previous_documents(
            run.tenant_id, run.collection, run.candidates[run.start :]
        )
        seen: set[str] = set()
        batch = Batch()
        for index in range(run.start, len(run.candidates)):
            candidate = run.candidates[index]
            item = Prepared(index, candidate)
            key = candidate.external_id
            old = previous.get(key) if key else None
            if key is not None and key in seen:
                item.outcome = _failed(candidate, f"duplicate external_id {key!r} in this batch")
            elif candidate.error is not None:
                item.outcome = _failed(candidate, candidate.error)
            elif old is not None and old.content_hash == candidate.digest:
                item.outcome = IngestOutcome(
                    old.id, key, "unchanged", old.chunk_count, candidate.source
                )
            else:
                doc_id = document_id(run.id_seed, index)
                item = await asyncio.to_thread(self._build, run, item, doc_id, old)
            if key is not None:
                seen.add(key)
            batch.items.append(item)
            if len(batch.chunks) >= self.batch_chunks:
                await out.put(batch)
                batch = Batch()
        if batch.items:
            await out.put(batch)
        await out.put(None)

    def _build(self, run: Run, item: Prepared, doc_id: str, old: Document | None) -> Prepared:
        """Blocking: parse (if still a file) and chunk one document."""
        candidate = parse_candidate(item.candidate, self.parser)
        if candidate.error is not None or candidate.parsed is None:
            item.outcome = _failed(candidate, candidate.error or "nothing to ingest")
            return item
        cfg = self.deps.config
        pieces = chunk_blocks(
            candidate.parsed.blocks,
            self.deps.counter,
            size=cfg.chunk_tokens,
            overlap=cfg.chunk_overlap_tokens,
        )
        if not pieces:
            item.outcome = _failed(candidate, f"{candidate.source}: no text to ingest")
            return item
        base = {**candidate.metadata, **({"title": candidate.title} if candidate.title else {})}
        item.chunks = [
            Chunk(
                chunk_id(doc_id, p.position),
                run.tenant_id,
                run.collection,
                doc_id,
                p.position,
                p.text,
                p.token_count,
                _chunk_metadata(base, p.heading_path, p.page, p.page_end),
            )
            for p in pieces
        ]
        now = self.deps.now()
        item.document = Document(
            doc_id,
            run.tenant_id,
            run.collection,
            candidate.external_id,
            candidate.title,
            candidate.digest,
            candidate.metadata,
            len(item.chunks),
            now,
            now,
        )
        item.previous = old
        return item

    async def _embed_stage(
        self,
        run: Run,
        inbox: asyncio.Queue[Batch | None],
        out: asyncio.Queue[tuple[Batch, list[list[float]]] | None],
    ) -> None:
        while (batch := await inbox.get()) is not None:
            texts = [c.text for c in batch.chunks]
            # A long document makes a batch of many times batch_chunks: embed it in a few
            # calls of about that size (a job renews its lease before each).
            calls = max(1, round(len(texts) / self.batch_chunks))
            step = max(1, -(-len(texts) // calls))
            vectors: list[list[float]] = []
            for start in range(0, len(texts), step):
                if run.heartbeat is not None:
                    await run.heartbeat()
                vectors += await self.deps.embedder.embed(texts[start : start + step])
            await out.put((batch, vectors))
        await out.put(None)

    async def _write_stage(
        self,
        run: Run,
        inbox: asyncio.Queue[tuple[Batch, list[list[float]]] | None],
        outcomes: list[IngestOutcome],
    ) -> None:
        while (got := await inbox.get()) is not None:
            batch, vectors = got
            await self._write(run, batch, vectors)
            outcomes.extend(outcome_of(item) for item in batch.items)
            if run.after_batch is not None:
                await run.after_batch(batch)

    async def _write(self, run: Run, batch: Batch, vectors: list[list[float]]) -> None:
        """New vectors first, then the rows in one transaction, then the old vectors: a
        search never misses a document that is being replaced."""
        tenant = run.tenant_id
        written = [item for item in batch.items if item.document is not None]
        chunks = batch.chunks
        if chunks:
            await self.deps.vectors.upsert_chunks(tenant, chunks, vectors)
        try:
            async with self.deps.uow(write=True) as uow:
                for item in written:
                    assert item.document is not None
                    if item.previous is not None:
                        await uow.documents.delete(tenant, item.previous.id)
                    await uow.documents.add(item.document, item.chunks)
                if run.in_transaction is not None:
                    await run.in_transaction(uow, batch)
                await uow.commit()
        except LeaseLost:
            raise
        except BaseException:
            await self._discard(tenant, [i.document.id for i in written if i.document])
            raise
        replaced = [item.previous.id for item in written if item.previous is not None]
        if replaced:
            await self.deps.vectors.delete_chunks(tenant, document_ids=replaced)

    async def _discard(self, tenant_id: str, document_ids: list[str]) -> None:
        """Best effort: drop the vectors of documents whose rows were not committed. If
        this fails too, the original error is what the caller must see (a job's retry
        overwrites the points left behind: its ids are derived, not random)."""
        if not document_ids:
            return
        try:
            await self.deps.vectors.delete_chunks(tenant_id, document_ids=document_ids)
        except Exception as exc:  # the store is failing as well; keep the first error
            log.warning("could not remove vectors of uncommitted documents: %s", exc)


def _chunk_metadata(
    base: dict[str, object],
    heading_path: tuple[str, ...],
    page: int | None,
    page_end: int | None,
) -> dict[str, object]:
    meta = dict(base)
    if heading_path:
        meta["heading_path"] = list(heading_path)
    if page is not None:
        meta["page"] = page
    if page_end is not None:
        meta["page_end"] = page_end
    return meta


def outcome_of(item: Prepared) -> IngestOutcome:
    if item.outcome is not None:
        return item.outcome
    assert item.document is not None
    status = "replaced" if item.previous is not None else "created"
    return IngestOutcome(
        item.document.id,
        item.document.external_id,
        status,
        len(item.chunks),
        item.candidate.source,
    )


def _failed(candidate: Candidate, error: str) -> IngestOutcome:
    return IngestOutcome(None, candidate.external_id, "failed", 0, candidate.source, error)


def _first(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first real error of a stage (the other stages were only cancelled)."""
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            return _first(exc)
        if not isinstance(exc, asyncio.CancelledError):
            return exc
    return group.exceptions[0]
