"""Knowledge collections, their documents, and search."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from mcp_service.api.deps import ContainerDep, IngestPrincipal
from mcp_service.api.pagination import decode_position, encode_position
from mcp_service.api.schemas.conversation import (
    NAME_PATTERN,
    CollectionIn,
    CollectionOut,
    DocumentOut,
)
from mcp_service.api.schemas.knowledge import InlineDocumentsIn, SearchRequest
from mcp_service.api.uploads import INGEST_BODY as _INGEST_BODY
from mcp_service.api.uploads import read_files, receipt_response
from mcp_service.services.knowledge.collections import DocumentInput

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


@router.post("/{name}/documents", status_code=201, openapi_extra=_INGEST_BODY)
async def ingest_documents(
    name: Annotated[str, Path(pattern=NAME_PATTERN)],
    request: Request,
    principal: IngestPrincipal,
    c: ContainerDep,
    background: bool | None = None,
) -> JSONResponse:
    """JSON `{documents: [...]}` or multipart `files` (plus an optional `metadata` field
    holding a JSON object for every file). Small requests are ingested now (201); large
    ones (or `?background=true`) are queued as a job (202) to poll at /v1/jobs/{id}."""
    tenant = principal.tenant_id
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        files = await read_files(request)
        receipt = await c.knowledge.submit(tenant, name, files=files, background=background)
    else:
        body = await _json_body(request)
        docs = [
            DocumentInput(d.text, d.external_id, d.title, d.metadata, d.format)
            for d in body.documents
        ]
        receipt = await c.knowledge.submit(tenant, name, documents=docs, background=background)
    return receipt_response(receipt, request.url.path)


async def _json_body(request: Request) -> InlineDocumentsIn:
    try:
        return InlineDocumentsIn.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from exc


@router.get("/{name}/documents")
async def list_documents(
    name: str,
    principal: IngestPrincipal,
    c: ContainerDep,
    limit: int = Query(50, ge=1, le=500),
    cursor: str | None = None,
) -> dict[str, Any]:
    """Last updated first."""
    items = await c.knowledge.list_documents(
        principal.tenant_id, name, before=decode_position(cursor), limit=limit + 1
    )
    more = len(items) > limit
    items = items[:limit]
    return {
        "items": [DocumentOut.of(d) for d in items],
        "next_cursor": encode_position(items[-1].updated_at, items[-1].id) if more else None,
    }


@router.get("/{name}/documents/{document_id}/chunks")
async def list_chunks(
    name: str, document_id: str, principal: IngestPrincipal, c: ContainerDep
) -> dict[str, Any]:
    """A document's chunks in order: what retrieval can put in a prompt."""
    chunks = await c.knowledge.document_chunks(principal.tenant_id, name, document_id)
    return {
        "items": [
            {
                "id": ch.id,
                "position": ch.position,
                "text": ch.text,
                "token_count": ch.token_count,
                "metadata": ch.metadata,
            }
            for ch in chunks
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
    name: str, body: SearchRequest, principal: IngestPrincipal, c: ContainerDep
) -> dict[str, Any]:
    hits = await c.knowledge.search(
        principal.tenant_id,
        name,
        body.query,
        top_k=body.top_k,
        mode=body.mode,
        metadata_filter=body.filter,
        mmr=body.mmr,
        mmr_lambda=body.mmr_lambda,
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
