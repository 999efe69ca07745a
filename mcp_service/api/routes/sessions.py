"""Sessions: create, list, get, patch, delete."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Query

from mcp_service.api.deps import ChatPrincipal, ContainerDep
from mcp_service.api.pagination import decode_cursor, encode_cursor
from mcp_service.api.schemas.conversation import SessionCreate, SessionFields, SessionOut

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
) -> dict[str, Any]:
    items = await c.sessions.page(
        principal.tenant_id, limit=limit + 1, after=decode_cursor(cursor), user_id=user_id
    )
    more = len(items) > limit
    items = items[:limit]
    return {
        "items": [SessionOut.of(s) for s in items],
        "next_cursor": encode_cursor(items[-1].id) if more else None,
    }


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
