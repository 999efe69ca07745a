"""A session's summary, recent turns and state as MCP resources.

URIs are `memory://sessions/{session_id}/summary|turns|state`. `resources/list` lists the
caller's sessions (their `turns` resource, a page at a time); the templates address any
session of the caller's tenant. Reading needs the `chat` role, like the session tools; a
session of another tenant is "not found", exactly like one that does not exist.
"""

from __future__ import annotations

import json
from typing import Any

from mcp.server.context import ServerRequestContext
from mcp.server.mcpserver import Context, MCPServer
from mcp.types import ListResourcesResult, PaginatedRequestParams, Resource

from mcp_service.api.mcp.caller import (
    caller_of,
    protocol_errors,
    session_caller,
    session_id_arg,
)
from mcp_service.domain.errors import InvalidInput

PREFIX = "memory://sessions/"
TEMPLATES = {
    "summary": PREFIX + "{session_id}/summary",
    "turns": PREFIX + "{session_id}/turns{?limit}",
    "state": PREFIX + "{session_id}/state",
}
LIST_PAGE = 50
DEFAULT_TURNS = 20


async def session_summary(session_id: str, ctx: Context) -> str:
    with protocol_errors():
        caller = session_caller(ctx, session_id)
        summary = await caller.container.tools.summary(caller.tenant_id, session_id)
    if summary is None:
        return f"Session {session_id} has no summary yet: all its turns still fit the prompt."
    return summary.content


async def session_turns(session_id: str, ctx: Context, limit: str = str(DEFAULT_TURNS)) -> str:
    with protocol_errors():
        caller = session_caller(ctx, session_id)
        if not limit.isdigit():
            raise InvalidInput("limit must be a number from 1 to 100", field="limit")
        session, turns = await caller.container.tools.recent_turns(
            caller.tenant_id, session_id, limit=int(limit)
        )
    return _json(
        {
            "session_id": session.id,
            "turn_count": session.turn_count,
            "turns": [
                {
                    "seq": t.seq,
                    "role": t.role,
                    "content": t.content,
                    "created_at": t.created_at.isoformat(),
                }
                for t in turns
            ],
        }
    )


async def session_state(session_id: str, ctx: Context) -> str:
    with protocol_errors():
        caller = session_caller(ctx, session_id)
        session = await caller.container.sessions.get(caller.tenant_id, session_id)
    return _json({"session_id": session.id, "state": session.state})


async def list_session_resources(
    ctx: ServerRequestContext[Any, Any], params: PaginatedRequestParams | None
) -> ListResourcesResult:
    """The caller's sessions, each as its recent-turns resource, `LIST_PAGE` at a time.
    A key without the chat role can read none, so it lists none."""
    with protocol_errors():
        caller = caller_of(ctx.request)
        if not caller.holds("chat"):
            return ListResourcesResult(resources=[])
        cursor = params.cursor if params else None
        if cursor is not None:
            session_id_arg(cursor, "cursor")
        page = await caller.container.sessions.page(
            caller.tenant_id, limit=LIST_PAGE + 1, after=cursor, user_id=None
        )
    more = len(page) > LIST_PAGE
    page = page[:LIST_PAGE]
    return ListResourcesResult(
        resources=[
            Resource(
                uri=f"{PREFIX}{s.id}/turns",
                name=f"session {s.id}",
                title=f"Conversation {s.id}",
                description=(
                    f"Recent turns of session {s.id} ({s.turn_count} turns, last active "
                    f"{s.last_activity_at.isoformat()}); …/summary and …/state hold its "
                    "rolling summary and facts."
                ),
                mime_type="application/json",
            )
            for s in page
        ],
        next_cursor=page[-1].id if more and page else None,
    )


def register(server: MCPServer) -> None:
    """Add the resource templates (resources/list is served by `list_session_resources`)."""
    readers = {
        "summary": (
            session_summary,
            "text/plain",
            "The rolling summary of the session's older turns (those no longer in the prompt).",
        ),
        "turns": (
            session_turns,
            "application/json",
            f"The session's latest turns, oldest first (limit 1–100, default {DEFAULT_TURNS}).",
        ),
        "state": (
            session_state,
            "application/json",
            "The session's facts (session state), included in every prompt of the session.",
        ),
    }
    for kind, (fn, mime, description) in readers.items():
        server.resource(
            TEMPLATES[kind],
            name=f"session-{kind}",
            title=f"Session {kind}",
            description=description,
            mime_type=mime,
        )(fn)


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False)
