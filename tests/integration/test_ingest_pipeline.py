"""Ingestion on the real stores (SQLite and PostgreSQL, Qdrant Edge, the bundled model).

Every check of "what is left" queries both stores directly: the chunks table with SQL,
the vector store by counting points.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mcp_service.adapters.db.tables import ChunkRow, DocumentRow
from mcp_service.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from mcp_service.adapters.parsers import DocumentParsers
from mcp_service.adapters.qdrant_edge import QdrantEdgeStore
from mcp_service.adapters.tokenizer import TiktokenCounter
from mcp_service.services.deps import Deps, ServiceConfig
from mcp_service.services.knowledge.collections import FileInput, IngestLimits, KnowledgeService

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ingest"
T = "acme"


@dataclass
class Env:
    knowledge: KnowledgeService
    deps: Deps
    store: QdrantEdgeStore
    uow: SqlUnitOfWorkFactory

    async def db_chunks(self, **where: str) -> int:
        query = select(func.count()).select_from(ChunkRow).where(ChunkRow.tenant_id == T)
        for key, value in where.items():
            query = query.where(getattr(ChunkRow, key) == value)
        async with self.uow.engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def db_documents(self) -> list[tuple[str, str | None]]:
        query = select(DocumentRow.id, DocumentRow.external_id).where(DocumentRow.tenant_id == T)
        async with self.uow.engine.connect() as conn:
            return [(r[0], r[1]) for r in (await conn.execute(query)).all()]

    async def points(self, document_id: str | None = None) -> int:
        return await self.store.count_chunks(T, document_id=document_id)


def make_deps(uow: SqlUnitOfWorkFactory, store: QdrantEdgeStore, embedder: object) -> Deps:
    return Deps(
        uow=uow,
        vectors=store,
        embedder=embedder,  # type: ignore[arg-type]
        counter=TiktokenCounter("gpt-4o-mini"),
        gateway=None,  # type: ignore[arg-type]
        config=ServiceConfig(chunk_tokens=48, chunk_overlap_tokens=8),
    )


@pytest.fixture
async def env(
    uow_factory: SqlUnitOfWorkFactory, tmp_path: Path, real_embedder: object
) -> AsyncIterator[Env]:
    store = QdrantEdgeStore(tmp_path / "vectors")
    await store.ensure_ready(real_embedder.dimension)  # type: ignore[attr-defined]
    deps = make_deps(uow_factory, store, real_embedder)
    knowledge = KnowledgeService(deps, DocumentParsers(), IngestLimits(batch_chunks=3))
    yield Env(knowledge, deps, store, uow_factory)
    await store.close()


def fixture_files(*names: str) -> list[FileInput]:
    chosen = names or tuple(sorted(p.name for p in FIXTURES.iterdir()))
    return [FileInput(n, (FIXTURES / n).read_bytes()) for n in chosen]


def text_file(name: str, text: str) -> FileInput:
    return FileInput(name, text.encode())


async def test_every_format_is_ingested_and_bad_files_fail_alone(env: Env) -> None:
    receipt = await env.knowledge.submit(T, "docs", files=fixture_files())
    by_source = {o.source: o for o in receipt.outcomes}
    failed = sorted(s for s, o in by_source.items() if o.status == "failed")
    assert failed == ["batch.jsonl[2]", "batch.jsonl[3]", "corrupt.pdf", "latin1.txt"]
    assert "not UTF-8" in str(by_source["latin1.txt"].error)
    assert "not a readable PDF" in str(by_source["corrupt.pdf"].error)
    created = [o for o in receipt.outcomes if o.status == "created"]
    assert len(created) == 8
    assert {o.external_id for o in created} >= {"policy.pdf", "handbook.md", "faq-1", "policy-2"}
    total = sum(o.chunks for o in created)
    assert await env.db_chunks() == total == await env.points()

    pdf = by_source["policy.pdf"]
    async with env.uow() as uow:
        chunks = await uow.documents.chunks(T, str(pdf.document_id))
        doc = await uow.documents.get(T, str(pdf.document_id))
    assert doc is not None and doc.title == "Travel and Expenses"
    assert doc.metadata == {"source": "policy.pdf", "format": "pdf", "pages": 2}
    assert [(c.metadata["page"], c.metadata["heading_path"]) for c in chunks] == [
        (1, ["Travel"]),
        (2, ["Expenses"]),
    ]
    hits = await env.store.search_chunks(
        T, None, "EXP-4471", collections=["docs"], top_k=1, mode="lexical"
    )
    assert hits[0].document_id == pdf.document_id
    assert hits[0].metadata["page"] == 2 and hits[0].metadata["title"] == "Travel and Expenses"


async def test_unchanged_reingest_writes_nothing(env: Env) -> None:
    (first,) = (await env.knowledge.submit(T, "docs", files=fixture_files("handbook.md"))).outcomes
    before = (await env.db_chunks(), await env.points())
    (again,) = (await env.knowledge.submit(T, "docs", files=fixture_files("handbook.md"))).outcomes
    assert again.status == "unchanged" and again.document_id == first.document_id
    assert (await env.db_chunks(), await env.points()) == before
    assert await env.points(str(first.document_id)) == first.chunks


async def test_changed_document_replaces_its_chunks_in_both_stores(env: Env) -> None:
    old_text = "Badges are renewed every year by the security desk. Code ZEBRA-OLD."
    (old,) = (await env.knowledge.submit(T, "docs", files=[text_file("b.txt", old_text)])).outcomes
    new_text = "Badges are renewed every two years at reception. Code QUOKKA-NEW."
    (new,) = (await env.knowledge.submit(T, "docs", files=[text_file("b.txt", new_text)])).outcomes
    assert new.status == "replaced" and new.document_id != old.document_id
    assert await env.points(str(old.document_id)) == 0
    assert await env.db_chunks(document_id=str(old.document_id)) == 0
    assert await env.db_documents() == [(new.document_id, "b.txt")]
    assert await env.points() == await env.db_chunks() == new.chunks
    await env.store.optimize()  # what `mcp-service index` does: same answers after it
    stale = await env.store.search_chunks(
        T, None, "ZEBRA-OLD", collections=["docs"], top_k=5, mode="lexical"
    )
    assert stale == []
    fresh = await env.store.search_chunks(
        T, None, "QUOKKA-NEW", collections=["docs"], top_k=5, mode="lexical"
    )
    assert [h.document_id for h in fresh] == [new.document_id]


async def test_deleting_a_document_then_its_collection_leaves_nothing(env: Env) -> None:
    a = (
        await env.knowledge.submit(T, "a", files=fixture_files("handbook.md", "notes.txt"))
    ).outcomes
    b = (await env.knowledge.submit(T, "b", files=fixture_files("guide.html"))).outcomes
    handbook = str(a[0].document_id)
    removed = await env.knowledge.delete_document(T, "a", handbook)
    assert removed == a[0].chunks
    assert await env.points(handbook) == 0 and await env.db_chunks(document_id=handbook) == 0

    assert await env.knowledge.delete_collection(T, "a") == 1
    assert await env.db_chunks(collection="a") == 0
    assert await env.points(str(a[1].document_id)) == 0
    assert await env.points() == await env.db_chunks() == b[0].chunks  # b is untouched
    assert [d for d, _ in await env.db_documents()] == [b[0].document_id]


async def test_a_job_for_another_tenant_is_not_found(env: Env) -> None:
    from mcp_service.domain.errors import NotFound

    receipt = await env.knowledge.submit(
        T, "docs", files=fixture_files("notes.txt"), background=True
    )
    assert receipt.job_id is not None
    assert (await env.knowledge.get_job(T, receipt.job_id)).kind == "ingest"
    with pytest.raises(NotFound):
        await env.knowledge.get_job("someone-else", receipt.job_id)


async def test_concurrent_ingests_of_one_external_id_keep_one_document(env: Env) -> None:
    import asyncio

    from mcp_service.domain.errors import AlreadyExists

    results = await asyncio.gather(
        env.knowledge.submit(T, "docs", files=[text_file("same.txt", "first version")]),
        env.knowledge.submit(T, "docs", files=[text_file("same.txt", "second version")]),
        return_exceptions=True,
    )
    conflicts = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(c, AlreadyExists) for c in conflicts), conflicts
    assert [e for _, e in await env.db_documents()] == ["same.txt"]
    assert await env.points() == await env.db_chunks() == 1
