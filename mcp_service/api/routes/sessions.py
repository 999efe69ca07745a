"""Sessions: create, list, get, patch, delete."""

from __future__ import annotations

import json
import uuid
from typing import Any, Literal

from fastapi import APIRouter, Query

from mcp_service.api.deps import ChatPrincipal, ContainerDep
from mcp_service.api.pagination import (
    decode_cursor,
    decode_position,
    encode_cursor,
    encode_position,
)
from mcp_service.api.schemas.conversation import SessionCreate, SessionFields, SessionOut
from mcp_service.domain.errors import InvalidInput
from mcp_service.domain.model import Session
from mcp_service.domain.queries import SessionOrder, SessionQuery, metadata_filter

router = APIRouter(prefix="/v1/sessions", tags=["sessions"])


@router.post("", status_code=201, response_model=SessionOut)
async def create_session(
    body: SessionCreate, principal: ChatPrincipal, c: ContainerDep
) -> SessionOut:
    fields = body.to_fields()
    session_id = fields.pop("id", None) or str(uuid.uuid4())
    admin = "admin" in principal.roles
    session = await c.sessions.create(principal.tenant_id, session_id, fields, admin=admin)
    return SessionOut.of(session)


@router.get("")
async def list_sessions(
    principal: ChatPrincipal,
    c: ContainerDep,
    limit: int = Query(50, ge=1, le=500),
    cursor: str | None = None,
    user_id: str | None = None,
    q: str | None = Query(None, max_length=200, description="part of the session id"),
    metadata: str | None = Query(None, description='a JSON object, e.g. {"app": "support"}'),
    order: SessionOrder = Query("id", description="id, or recent: newest activity first"),
    include: Literal["memory"] | None = Query(None, description="memory: add each `memory`"),
) -> dict[str, Any]:
    query = _query(order, cursor, user_id, q, metadata)
    items = await c.sessions.search(principal.tenant_id, query, limit=limit + 1)
    more = len(items) > limit
    items = items[:limit]
    out = [SessionOut.of(s) for s in items]
    if include == "memory":
        memory = await c.sessions.memory_many(principal.tenant_id, [s.id for s in items])
        for item in out:
            item.memory = memory[item.id]
    return {"items": out, "next_cursor": _next_cursor(items[-1], order) if more else None}


def _query(
    order: SessionOrder, cursor: str | None, user_id: str | None, q: str | None, meta: str | None
) -> SessionQuery:
    after_id, after_activity = decode_cursor(cursor), None
    if order == "recent":
        position = decode_position(cursor)
        after_activity, after_id = position if position else (None, None)
    return SessionQuery(
        user_id=user_id,
        id_contains=q or None,
        metadata=_metadata(meta) if meta else None,
        order=order,
        after_id=after_id,
        after_activity=after_activity,
    )


def _metadata(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise InvalidInput("metadata must be a JSON object", field="metadata") from exc
    return metadata_filter(value, "metadata")


def _next_cursor(last: Session, order: SessionOrder) -> str:
    if order == "recent":
        return encode_position(last.last_activity_at, last.id)
    return encode_cursor(last.id)


@router.get("/{session_id}", response_model=SessionOut)
async def get_session(session_id: str, principal: ChatPrincipal, c: ContainerDep) -> SessionOut:
    out = SessionOut.of(await c.sessions.get(principal.tenant_id, session_id))
    out.memory = await c.sessions.memory(principal.tenant_id, session_id)
    return out


@router.get("/{session_id}/summary")
async def get_summary(session_id: str, principal: ChatPrincipal, c: ContainerDep) -> dict[str, Any]:
    s = await c.sessions.summary(principal.tenant_id, session_id)
    return {
        "version": s.version,
        "through_seq": s.through_seq,
        "content": s.content,
        "token_count": s.token_count,
        "created_at": s.created_at.isoformat(),
    }


@router.patch("/{session_id}", response_model=SessionOut)
async def patch_session(
    session_id: str, body: SessionFields, principal: ChatPrincipal, c: ContainerDep
) -> SessionOut:
    admin = "admin" in principal.roles  # legal hold and the owner are governance
    session = await c.sessions.update(
        principal.tenant_id, session_id, body.to_fields(), admin=admin
    )
    return SessionOut.of(session)


@router.delete("/{session_id}")
async def delete_session(
    session_id: str, principal: ChatPrincipal, c: ContainerDep
) -> dict[str, Any]:
    receipt = await c.sessions.delete(principal.tenant_id, session_id)
    return {
        "deleted": True,
        "receipt": {
            "session_id": receipt.session_id,
            "turns_deleted": receipt.turns_deleted,
            "summaries_deleted": receipt.summaries_deleted,
            "vectors_deleted": receipt.vectors_deleted,
            "deleted_at": receipt.deleted_at.isoformat(),
        },
    }
