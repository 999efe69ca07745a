"""The OpenAI Conversations API over sessions: a conversation is a session (its id, its
metadata), its items are the session's current turns."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from mcp_service.api.deps import ChatPrincipal, ContainerDep
from mcp_service.api.openai import response_shapes as shapes
from mcp_service.api.openai.callers import SESSION_ID
from mcp_service.api.openai.responses_input import input_messages
from mcp_service.api.openai_shapes import OpenAIRoute
from mcp_service.bootstrap import Container
from mcp_service.domain import errors as e
from mcp_service.domain.model import JSON

router = APIRouter(prefix="/v1/conversations", tags=["openai"], route_class=OpenAIRoute)


class ConversationIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    items: list[dict[str, Any]] | None = None
    metadata: dict[str, Any] | None = None


class ItemsIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    items: list[dict[str, Any]]


@router.post("")
async def create_conversation(
    body: ConversationIn, principal: ChatPrincipal, c: ContainerDep
) -> JSON:
    items = input_messages(body.items, "items") if body.items else []
    session = await c.conversations.create(
        principal.tenant_id,
        f"conv_{uuid.uuid4().hex}",
        metadata=body.metadata or {},
        items=items,
    )
    return shapes.conversation_object(session)


@router.get("/{conversation_id}")
async def get_conversation(conversation_id: str, principal: ChatPrincipal, c: ContainerDep) -> JSON:
    session = await c.sessions.get(principal.tenant_id, _checked(conversation_id))
    return shapes.conversation_object(session)


@router.post("/{conversation_id}")
async def update_conversation(
    conversation_id: str, body: ConversationIn, principal: ChatPrincipal, c: ContainerDep
) -> JSON:
    fields = {"metadata": body.metadata or {}}
    session = await c.sessions.update(principal.tenant_id, _checked(conversation_id), fields)
    return shapes.conversation_object(session)


@router.delete("/{conversation_id}")
async def delete_conversation(
    conversation_id: str, principal: ChatPrincipal, c: ContainerDep
) -> JSON:
    """A hard delete of the session (turns, summaries, vectors), as `DELETE /v1/sessions`."""
    await c.sessions.delete(principal.tenant_id, _checked(conversation_id))
    return {"id": conversation_id, "object": "conversation.deleted", "deleted": True}


@router.get("/{conversation_id}/items")
async def list_items(
    conversation_id: str,
    principal: ChatPrincipal,
    c: ContainerDep,
    limit: int = Query(20, ge=1, le=100),
    order: Literal["asc", "desc"] = "desc",
    after: str | None = None,
) -> JSON:
    session_id = _checked(conversation_id)
    after_seq = await _after(c, principal.tenant_id, session_id, after, order)
    turns = await c.conversations.items(
        principal.tenant_id,
        session_id,
        limit=limit + 1,
        after_seq=after_seq,
        newest_first=order == "desc",
    )
    more = len(turns) > limit
    desc = order == "desc"  # turns come newest first then; so do each turn's items
    items = [i for t in turns[:limit] for i in _ordered(shapes.turn_items(t), desc)]
    return _page(items, more)


@router.post("/{conversation_id}/items")
async def add_items(
    conversation_id: str, body: ItemsIn, principal: ChatPrincipal, c: ContainerDep
) -> JSON:
    written = await c.conversations.add_items(
        principal.tenant_id, _checked(conversation_id), input_messages(body.items, "items")
    )
    return _page([i for t in written for i in shapes.turn_items(t)], False)


def _ordered(items: list[JSON], newest_first: bool) -> list[JSON]:
    return list(reversed(items)) if newest_first else items


def _page(items: list[JSON], more: bool) -> JSON:
    return {
        "object": "list",
        "data": items,
        "first_id": items[0]["id"] if items else "",
        "last_id": items[-1]["id"] if items else "",
        "has_more": more,
    }


async def _after(
    c: Container, tenant_id: str, session_id: str, after: str | None, order: str
) -> int | None:
    """The seq of the turn an `after` item id belongs to (a reply's: looked up)."""
    if after is None:
        return None
    seq, is_input = shapes.item_position(after)
    if is_input:
        seq = (await c.conversations.reply(tenant_id, session_id, seq)).seq
    return seq


def _checked(conversation_id: str) -> str:
    if not SESSION_ID.fullmatch(conversation_id):
        raise e.NotFound(f"conversation {conversation_id!r} not found", field="conversation_id")
    return conversation_id
