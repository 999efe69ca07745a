"""Knowledge collections, their documents, and search."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from mcp_service.api.deps import ContainerDep, IngestPrincipal
from mcp_service.api.schemas import CollectionIn, CollectionOut, DocumentOut, DocumentsIn, SearchIn
from mcp_service.services.knowledge import DocumentInput

router = APIRouter(prefix="/v1/collections", tags=["knowledge"])


@router.post("", status_code=201, response_model=CollectionOut)
async def create_collection(
    body: CollectionIn, principal: IngestPrincipal, c: ContainerDep
) -> CollectionOut:
    made = await c.knowledge.create_collection(principal.tenant_id, body.name, body.description)
    return CollectionOut.of(made)


@router.get("")
async def list_collections(principal: IngestPrincipal, c: ContainerDep) -> dict[str, Any]:
    items = await c.knowledge.list_collections(principal.tenant_id)
    return {"items": [CollectionOut.of(x) for x in items], "next_cursor": None}


@router.get("/{name}", response_model=CollectionOut)
async def get_collection(name: str, principal: IngestPrincipal, c: ContainerDep) -> CollectionOut:
    return CollectionOut.of(await c.knowledge.get_collection(principal.tenant_id, name))


@router.delete("/{name}")
async def delete_collection(
    name: str, principal: IngestPrincipal, c: ContainerDep
) -> dict[str, Any]:
    count = await c.knowledge.delete_collection(principal.tenant_id, name)
    return {"deleted": True, "documents_deleted": count}


@router.post("/{name}/documents", status_code=201)
async def ingest_documents(
    name: str, body: DocumentsIn, principal: IngestPrincipal, c: ContainerDep
) -> dict[str, Any]:
    docs = [DocumentInput(d.text, d.external_id, d.title, d.metadata) for d in body.documents]
    outcomes = await c.knowledge.ingest(principal.tenant_id, name, docs)
    return {
        "documents": [
            {
                "id": o.document_id,
                "external_id": o.external_id,
                "status": o.status,
                "chunks": o.chunks,
            }
            for o in outcomes
        ]
    }


@router.get("/{name}/documents/{document_id}", response_model=DocumentOut)
async def get_document(
    name: str, document_id: str, principal: IngestPrincipal, c: ContainerDep
) -> DocumentOut:
    return DocumentOut.of(await c.knowledge.get_document(principal.tenant_id, name, document_id))


@router.delete("/{name}/documents/{document_id}")
async def delete_document(
    name: str, document_id: str, principal: IngestPrincipal, c: ContainerDep
) -> dict[str, Any]:
    chunks = await c.knowledge.delete_document(principal.tenant_id, name, document_id)
    return {"deleted": True, "chunks_deleted": chunks}


@router.post("/{name}/search")
async def search(
    name: str, body: SearchIn, principal: IngestPrincipal, c: ContainerDep
) -> dict[str, Any]:
    hits = await c.knowledge.search(
        principal.tenant_id,
        name,
        body.query,
        top_k=body.top_k,
        mode=body.mode,
        metadata_filter=body.filter,
    )
    return {
        "results": [
            {
                "chunk_id": h.chunk_id,
                "document_id": h.document_id,
                "text": h.text,
                "score": h.score,
                "metadata": h.metadata,
                "legs": list(h.legs),
            }
            for h in hits
        ]
    }
