"""Knowledge collections: create, ingest documents (chunk, embed, index), search, delete."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from mcp_service.domain.chunking import chunk_text
from mcp_service.domain.errors import AlreadyExists, InvalidInput, NotFound
from mcp_service.domain.model import JSON, Chunk, ChunkHit, Collection, Document, SearchMode
from mcp_service.domain.ports import UnitOfWork
from mcp_service.services.deps import Deps


@dataclass(frozen=True)
class DocumentInput:
    text: str
    external_id: str | None = None
    title: str | None = None
    metadata: JSON = field(default_factory=dict)


@dataclass(frozen=True)
class IngestOutcome:
    document_id: str
    external_id: str | None
    status: str  # created | replaced | unchanged
    chunks: int


def content_hash(doc: DocumentInput) -> str:
    body = json.dumps([doc.title, doc.text, doc.metadata], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


class KnowledgeService:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

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
        """Chunk, embed and index documents. The collection is created on first use.

        Re-ingesting an `external_id` with unchanged content is a no-op; changed content
        replaces the old chunks: new vectors are written, the rows swap in one
        transaction, then the old vectors go.
        """
        if not docs:
            raise InvalidInput("documents must not be empty", field="documents")
        for i, d in enumerate(docs):
            if not d.text.strip():
                raise InvalidInput(f"documents[{i}].text must not be empty", field="documents")
        await self._ensure_collection(tenant_id, collection)
        outcomes = []
        for doc in docs:
            outcomes.append(await self._ingest_one(tenant_id, collection, doc))
        return outcomes

    async def _ensure_collection(self, tenant_id: str, name: str) -> None:
        async with self.deps.uow(write=True) as uow:
            if await uow.collections.get(tenant_id, name) is None:
                await uow.tenants.ensure(tenant_id)
                await uow.collections.add(Collection(tenant_id, name, None, self.deps.now()))
                await uow.commit()

    async def _ingest_one(
        self, tenant_id: str, collection: str, doc: DocumentInput
    ) -> IngestOutcome:
        digest = content_hash(doc)
        previous = None
        if doc.external_id:
            async with self.deps.uow() as uow:
                previous = await uow.documents.by_external_id(
                    tenant_id, collection, doc.external_id
                )
            if previous is not None and previous.content_hash == digest:
                return IngestOutcome(
                    previous.id, doc.external_id, "unchanged", previous.chunk_count
                )
        document, chunks = await asyncio.to_thread(
            self._prepare, tenant_id, collection, doc, digest
        )
        vectors = await self.deps.embedder.embed([c.text for c in chunks])
        await self.deps.vectors.upsert_chunks(tenant_id, chunks, vectors)
        try:
            async with self.deps.uow(write=True) as uow:
                if previous is not None:
                    await uow.documents.delete(tenant_id, previous.id)
                await uow.documents.add(document, chunks)
                await uow.commit()
        except BaseException:
            await self.deps.vectors.delete_chunks(tenant_id, document_ids=[document.id])
            raise
        if previous is not None:
            await self.deps.vectors.delete_chunks(tenant_id, document_ids=[previous.id])
        status = "replaced" if previous is not None else "created"
        return IngestOutcome(document.id, doc.external_id, status, len(chunks))

    def _prepare(
        self, tenant_id: str, collection: str, doc: DocumentInput, digest: str
    ) -> tuple[Document, list[Chunk]]:
        cfg = self.deps.config
        now = self.deps.now()
        doc_id = str(uuid.uuid4())
        pieces = chunk_text(
            doc.text, self.deps.counter, size=cfg.chunk_tokens, overlap=cfg.chunk_overlap_tokens
        )
        meta = {**doc.metadata, **({"title": doc.title} if doc.title else {})}
        chunks = [
            Chunk(
                str(uuid.uuid4()),
                tenant_id,
                collection,
                doc_id,
                p.position,
                p.text,
                p.token_count,
                meta,
            )
            for p in pieces
        ]
        document = Document(
            doc_id,
            tenant_id,
            collection,
            doc.external_id,
            doc.title,
            digest,
            doc.metadata,
            len(chunks),
            now,
            now,
        )
        return document, chunks

    async def get_document(self, tenant_id: str, collection: str, document_id: str) -> Document:
        async with self.deps.uow() as uow:
            found = await uow.documents.get(tenant_id, document_id)
        if found is None or found.collection != collection:
            raise NotFound(f"document {document_id!r} not found", field="document_id")
        return found

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
    ) -> list[ChunkHit]:
        await self.get_collection(tenant_id, collection)
        if not query.strip():
            raise InvalidInput("query must not be empty", field="query")
        vector = await self.deps.embedder.embed_query(query) if mode != "lexical" else None
        return await self.deps.vectors.search_chunks(
            tenant_id,
            vector,
            query,
            collections=[collection],
            top_k=top_k,
            mode=mode,
            metadata_filter=metadata_filter,
        )


async def _require_collection(uow: UnitOfWork, tenant_id: str, name: str) -> Collection:
    found = await uow.collections.get(tenant_id, name)
    if found is None:
        raise NotFound(f"collection {name!r} not found", field="collection")
    return found
