"""Repositories for collections, documents and chunks. Every query is scoped by tenant."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mcp_service.adapters.db.convert import (
    chunk_from_row,
    collection_from_row,
    document_from_row,
)
from mcp_service.adapters.db.core import COLLECTIONS, TENANT_ID
from mcp_service.adapters.db.tables import ChunkRow, CollectionRow, DocumentRow
from mcp_service.domain.errors import AlreadyExists
from mcp_service.domain.model import Chunk, Collection, Document

_COLLECTION_NAMES = select(COLLECTIONS.c.name).where(COLLECTIONS.c.tenant_id == TENANT_ID)


class SqlCollectionRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def get(self, tenant_id: str, name: str) -> Collection | None:
        row = await self.db.get(CollectionRow, (tenant_id, name))
        if row is None:
            return None
        return collection_from_row(row, await self._document_count(tenant_id, name))

    async def add(self, collection: Collection) -> None:
        self.db.add(
            CollectionRow(
                tenant_id=collection.tenant_id,
                name=collection.name,
                description=collection.description,
                created_at=collection.created_at,
            )
        )
        try:
            await self.db.flush()
        except IntegrityError as exc:  # created by a concurrent request just now
            raise AlreadyExists(
                f"collection {collection.name!r} already exists", field="name"
            ) from exc

    async def list_all(self, tenant_id: str) -> list[Collection]:
        counts = dict(
            (
                await self.db.execute(
                    select(DocumentRow.collection, func.count())
                    .where(DocumentRow.tenant_id == tenant_id)
                    .group_by(DocumentRow.collection)
                )
            )
            .tuples()
            .all()
        )
        rows = await self.db.scalars(
            select(CollectionRow)
            .where(CollectionRow.tenant_id == tenant_id)
            .order_by(CollectionRow.name)
        )
        return [collection_from_row(r, counts.get(r.name, 0)) for r in rows]

    async def names(self, tenant_id: str) -> list[str]:
        return list(await self.db.scalars(_COLLECTION_NAMES, {"b_tenant_id": tenant_id}))

    async def delete(self, tenant_id: str, name: str) -> None:
        await self.db.execute(
            delete(CollectionRow).where(
                CollectionRow.tenant_id == tenant_id, CollectionRow.name == name
            )
        )

    async def _document_count(self, tenant_id: str, name: str) -> int:
        value = await self.db.scalar(
            select(func.count())
            .select_from(DocumentRow)
            .where(DocumentRow.tenant_id == tenant_id, DocumentRow.collection == name)
        )
        return int(value or 0)


class SqlDocumentRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def get(self, tenant_id: str, document_id: str) -> Document | None:
        row = await self.db.get(DocumentRow, document_id)
        if row is None or row.tenant_id != tenant_id:
            return None
        return document_from_row(row)

    async def by_external_id(
        self, tenant_id: str, collection: str, external_id: str
    ) -> Document | None:
        row = await self.db.scalar(
            select(DocumentRow).where(
                DocumentRow.tenant_id == tenant_id,
                DocumentRow.collection == collection,
                DocumentRow.external_id == external_id,
            )
        )
        return document_from_row(row) if row else None

    async def by_external_ids(
        self, tenant_id: str, collection: str, external_ids: Sequence[str]
    ) -> dict[str, Document]:
        found: dict[str, Document] = {}
        wanted = sorted(set(external_ids))
        for start in range(0, len(wanted), 500):  # stay under the bind-parameter limits
            rows = await self.db.scalars(
                select(DocumentRow).where(
                    DocumentRow.tenant_id == tenant_id,
                    DocumentRow.collection == collection,
                    DocumentRow.external_id.in_(wanted[start : start + 500]),
                )
            )
            for row in rows:
                found[str(row.external_id)] = document_from_row(row)
        return found

    async def add(self, document: Document, chunks: Sequence[Chunk]) -> None:
        self.db.add(
            DocumentRow(
                id=document.id,
                tenant_id=document.tenant_id,
                collection=document.collection,
                external_id=document.external_id,
                title=document.title,
                content_hash=document.content_hash,
                metadata_=document.metadata,
                chunk_count=len(chunks),
                created_at=document.created_at,
                updated_at=document.updated_at,
            )
        )
        try:
            await self.db.flush()
        except IntegrityError as exc:
            if "external" not in str(exc.orig):  # uq_documents_external / ….external_id
                raise
            raise AlreadyExists(
                f"document {document.external_id!r} was just ingested into collection "
                f"{document.collection!r} by another request; send it again",
                field="external_id",
            ) from exc
        self.db.add_all(
            ChunkRow(
                id=c.id,
                tenant_id=c.tenant_id,
                collection=c.collection,
                document_id=c.document_id,
                position=c.position,
                text=c.text,
                token_count=c.token_count,
                metadata_=c.metadata,
            )
            for c in chunks
        )
        await self.db.flush()

    async def delete(self, tenant_id: str, document_id: str) -> list[str]:
        chunk_ids = list(
            await self.db.scalars(
                select(ChunkRow.id).where(
                    ChunkRow.tenant_id == tenant_id, ChunkRow.document_id == document_id
                )
            )
        )
        await self.db.execute(
            delete(ChunkRow).where(
                ChunkRow.tenant_id == tenant_id, ChunkRow.document_id == document_id
            )
        )
        await self.db.execute(
            delete(DocumentRow).where(
                DocumentRow.tenant_id == tenant_id, DocumentRow.id == document_id
            )
        )
        return chunk_ids

    async def delete_collection(self, tenant_id: str, collection: str) -> int:
        await self.db.execute(
            delete(ChunkRow).where(
                ChunkRow.tenant_id == tenant_id, ChunkRow.collection == collection
            )
        )
        result = await self.db.execute(
            delete(DocumentRow).where(
                DocumentRow.tenant_id == tenant_id, DocumentRow.collection == collection
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def chunks(self, tenant_id: str, document_id: str) -> list[Chunk]:
        rows = await self.db.scalars(
            select(ChunkRow)
            .where(ChunkRow.tenant_id == tenant_id, ChunkRow.document_id == document_id)
            .order_by(ChunkRow.position)
        )
        return [chunk_from_row(r) for r in rows]

    async def page(
        self, tenant_id: str, collection: str, *, before: tuple[datetime, str] | None, limit: int
    ) -> list[Document]:
        d = DocumentRow
        stmt = select(d).where(d.tenant_id == tenant_id, d.collection == collection)
        if before is not None:
            at, last = before
            stmt = stmt.where(or_(d.updated_at < at, and_(d.updated_at == at, d.id < last)))
        order = (d.updated_at.desc(), d.id.desc())
        rows = await self.db.scalars(stmt.order_by(*order).limit(limit))
        return [document_from_row(r) for r in rows]
