"""The audit log: a pure ASGI middleware records every audited admin call (see
`audit_actions`) that succeeded, or that was refused for its role (outcome `denied`),
with who (the caller's tenant and key), what, when and the request id; `GET /v1/audit`
reads it (admin, newest first, paginated). Audit events are never touched by retention
or erasure."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Query
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mcp_service.api.deps import AdminPrincipal, ContainerDep
from mcp_service.api.guardrails.audit_actions import AUDITED, DESCRIBE, PREFIXES, Call
from mcp_service.api.logging import request_id
from mcp_service.api.pagination import decode_cursor, encode_cursor
from mcp_service.domain.errors import InvalidInput
from mcp_service.domain.guardrails import AuditEvent
from mcp_service.services.governance.call_scope import Caller, caller_slot

log = logging.getLogger(__name__)
router = APIRouter(tags=["audit"])
TEE_BYTES = 64 * 1024


@router.get("/v1/audit")
async def list_audit(
    principal: AdminPrincipal,
    c: ContainerDep,
    tenant_id: str | None = None,
    action: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    cursor: str | None = None,
) -> dict[str, Any]:
    """The tenant's audit events, newest first (a superadmin may name another tenant)."""
    target = principal.operator.target(tenant_id)
    raw = decode_cursor(cursor)
    if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) < 2**63):
        raise InvalidInput("cursor is not valid", field="cursor")
    events = await c.audit.page(
        target, action=action, before_id=int(raw) if raw else None, limit=limit + 1
    )
    more = len(events) > limit
    events = events[:limit]
    return {
        "items": [_event_json(e) for e in events],
        "next_cursor": encode_cursor(str(events[-1].id)) if more else None,
    }


def _event_json(e: AuditEvent) -> dict[str, Any]:
    return {
        "id": e.id,
        "at": e.at.isoformat(),
        "tenant_id": e.tenant_id,
        "actor": {"tenant_id": e.actor_tenant_id, "key_id": e.actor_key_id},
        "action": e.action,
        "target": e.target,
        "outcome": e.outcome,
        "status": e.status,
        "request_id": e.request_id,
        "details": e.details,
    }


class AuditMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method", "")
        if (
            scope["type"] != "http"
            or method not in ("POST", "PUT", "PATCH", "DELETE")
            or not str(scope.get("path", "")).startswith(PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        request_body, response_body = bytearray(), bytearray()
        status = 0

        async def teed_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request" and len(request_body) < TEE_BYTES:
                request_body.extend(message.get("body", b""))
            return message

        async def teed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and len(response_body) < TEE_BYTES:
                response_body.extend(message.get("body", b""))
            await send(message)

        with caller_slot() as slot:
            await self.app(scope, teed_receive, teed_send)
        if slot.caller is None or not (200 <= status < 300 or status == 403):
            return
        route = getattr(scope.get("route"), "path", None)
        action = AUDITED.get((method, str(route)))
        if action is None:
            return
        call = Call(
            params={k: str(v) for k, v in (scope.get("path_params") or {}).items()},
            query=dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"))),
            body=_json(request_body),
            response=_json(response_body) if status < 300 else {},
        )
        await _record(scope, slot.caller, action, call, status)


async def _record(scope: Scope, caller: Caller, action: str, call: Call, status: int) -> None:
    described = DESCRIBE[action](call)
    if described is None and status < 300:
        return
    container = getattr(getattr(scope.get("app"), "state", None), "container", None)
    if container is None:
        return
    denied = status == 403
    event = AuditEvent(
        tenant_id=(None if denied or described is None else described.tenant_id)
        or caller.tenant_id,
        action=action,
        target=None if described is None else described.target,
        at=container.deps.now(),
        actor_tenant_id=caller.tenant_id,
        actor_key_id=caller.key_id,
        outcome="denied" if denied else "ok",
        status=status,
        request_id=request_id.get(),
        details={} if denied or described is None else described.details,
    )
    try:
        await container.audit.record(event)
    except Exception:  # the action is done; a lost audit line is logged, not raised
        log.exception("could not write the audit event %s", action)


def _json(raw: bytearray) -> dict[str, Any]:
    try:
        value = json.loads(bytes(raw)) if raw else {}
    except (ValueError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def install(app: Any) -> None:
    app.add_middleware(AuditMiddleware)
