"""A session's conversation: turns, context assembly, chat."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from mcp_service.api import idempotency as idem
from mcp_service.api.deps import ChatPrincipal, ContainerDep
from mcp_service.api.pagination import decode_cursor, encode_cursor
from mcp_service.api.schemas.conversation import ChatIn, ContextIn, TurnOut, TurnsIn
from mcp_service.api.session_chat import problem, session_chat
from mcp_service.domain.errors import InvalidInput
from mcp_service.domain.model import NewTurn

MAX_SEQ = 2**31 - 1  # a turn's seq is a 32-bit integer
router = APIRouter(prefix="/v1/sessions/{session_id}", tags=["conversation"])


@router.post("/turns", status_code=201)
async def append_turns(
    session_id: str, body: TurnsIn, principal: ChatPrincipal, c: ContainerDep, request: Request
) -> Response:
    turns = [
        NewTurn(
            role=t.role,
            content=t.content,
            name=t.name,
            created_at=t.created_at,
            metadata=t.metadata,
        )
        for t in body.turns
    ]
    held = await idem.claim(request, c, principal.tenant_id)  # Idempotency-Key, if sent
    if isinstance(held, idem.Replay):
        return held.json_response()

    async def write() -> Response:
        written = await c.sessions.append_turns(principal.tenant_id, session_id, turns)
        return JSONResponse({"seqs": [t.seq for t in written]}, status_code=201)

    return await idem.settle(held, write, lambda exc: problem(exc, request))


@router.get("/turns")
async def list_turns(
    session_id: str,
    principal: ChatPrincipal,
    c: ContainerDep,
    limit: int = Query(100, ge=1, le=1000),
    cursor: str | None = None,
    order: Literal["asc", "desc"] = Query("asc", description="desc: newest first"),
    include_superseded: bool = False,
) -> dict[str, Any]:
    """The conversation, oldest first (`order=desc`: newest first);
    `include_superseded=true` adds the turns a regenerate or an edit replaced (each with
    its `superseded_at`)."""
    raw = decode_cursor(cursor)
    if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) <= MAX_SEQ):
        raise InvalidInput("cursor is not valid", field="cursor")
    position = int(raw or 0)
    items = await c.sessions.list_turns(
        principal.tenant_id,
        session_id,
        limit=limit + 1,
        after_seq=position,
        newest_first=order == "desc",
        before_seq=position or None,
        include_superseded=include_superseded,
    )
    more = len(items) > limit
    items = items[:limit]
    return {
        "items": [TurnOut.of(t) for t in items],
        "next_cursor": encode_cursor(str(items[-1].seq)) if more else None,
    }


@router.get("/turns/{seq}")
async def get_turn(
    session_id: str,
    principal: ChatPrincipal,
    c: ContainerDep,
    seq: int = Path(ge=1, le=MAX_SEQ),
) -> dict[str, Any]:
    """One turn; a recorded reply carries `report`, the context it was built from."""
    turn, report = await c.sessions.turn_with_report(principal.tenant_id, session_id, seq)
    return {**TurnOut.of(turn).model_dump(mode="json"), "report": report}


@router.post("/context")
async def assemble_context(
    session_id: str, body: ContextIn, principal: ChatPrincipal, c: ContainerDep
) -> dict[str, Any]:
    _, ctx = await c.context.build(
        principal.tenant_id, session_id, body.message, max_context_tokens=body.max_context_tokens
    )
    return {"messages": [m.to_dict() for m in ctx.messages], "report": ctx.report}


@router.post("/chat")
async def chat(
    session_id: str, body: ChatIn, principal: ChatPrincipal, c: ContainerDep, request: Request
) -> Response:
    """JSON, or server-sent events with `stream: true` (format in api/session_chat.py)."""
    return await session_chat(request, c, principal.tenant_id, session_id, body)
