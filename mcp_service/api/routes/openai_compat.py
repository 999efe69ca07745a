"""The OpenAI-compatible, stateful proxy: `POST /v1/chat/completions`, `GET /v1/models`.

The session comes from `X-Session-Id` (or `metadata.session_id`); only the last user
message of the body is new — earlier messages are ignored, the session's history is used
instead. System (or developer) messages in the body replace the session's system prompt
for this call. Other fields (temperature, max_tokens, tools …) go to the gateway as is.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse, Response

from mcp_service.api import idempotency as idem
from mcp_service.api import sse
from mcp_service.api.deps import ChatPrincipal, ContainerDep
from mcp_service.api.openai_shapes import (
    ChatCompletionIn,
    OpenAIRoute,
    ProxyCall,
    completion_body,
    openai_error,
    parse_call,
    replay_chunks,
)
from mcp_service.bootstrap import Container
from mcp_service.domain.errors import DomainError
from mcp_service.services.conversation.streaming import ChatStream

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["openai"], route_class=OpenAIRoute)


@router.get("/models")
async def list_models(principal: ChatPrincipal, c: ContainerDep) -> dict[str, Any]:
    """The configured model and its fallbacks (the offline responder without a gateway)."""
    models = [c.deps.gateway.default_model]
    if c.settings.llm_base_url:
        models += [m for m in c.settings.llm_fallback_models if m not in models]
    created = int(time.time())
    return {
        "object": "list",
        "data": [
            {"id": m, "object": "model", "created": created, "owned_by": "mcp-service"}
            for m in models
        ],
    }


@router.post("/chat/completions")
async def chat_completions(
    body: ChatCompletionIn,
    request: Request,
    principal: ChatPrincipal,
    c: ContainerDep,
    x_session_id: str | None = Header(default=None),
) -> Response:
    call = parse_call(body, x_session_id)
    held = await idem.claim(request, c, principal.tenant_id, session_id=call.session_id)
    if isinstance(held, idem.Replay):
        return _replayed(held, call)
    tenant_id = principal.tenant_id

    async def work() -> Response:
        if call.stream:
            return await _stream(c, tenant_id, call, held)
        result = await c.chat.chat(
            tenant_id,
            call.session_id,
            call.message,
            model=call.model,
            params=call.params,
            system_prompt_override=call.system_prompt,
        )
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        body = completion_body(result, call.session_id, completion_id, int(time.time()))
        return JSONResponse(body, headers=_headers(call))

    return await idem.settle(held, work, openai_error)


async def _stream(
    c: Container, tenant_id: str, call: ProxyCall, held: idem.Claim | None
) -> Response:
    stream = await c.chat.open_stream(
        tenant_id,
        call.session_id,
        call.message,
        model=call.model,
        params=call.params,
        system_prompt_override=call.system_prompt,
    )

    async def close() -> None:
        result = await idem.finish_stream(held, stream.finish)
        if held is not None:
            body = completion_body(result, call.session_id, stream.id, stream.created)
            await held.remember(200, body)

    return sse.EventStream(_relay(stream, call), close, _headers(call))


async def _relay(stream: ChatStream, call: ProxyCall) -> AsyncIterator[bytes]:
    """The gateway's chunks as they arrive (the first one carrying our `mcp` object), an
    in-band error event if the gateway fails midway, and `[DONE]`."""
    mcp = {
        "session_id": call.session_id,
        "user_seq": stream.user_turn.seq,
        "report": stream.report,
    }
    first = True
    try:
        async with aclosing(stream.chunks()) as chunks:
            async for chunk in chunks:
                yield sse.event({**chunk, "mcp": mcp} if first else chunk)
                first = False
    except DomainError as exc:
        body = openai_error(exc).body
        yield b"data: " + bytes(body) + b"\n\n"
    except Exception:  # the stream has begun: report in-band rather than cut it
        log.exception("stream relay failed")
        yield sse.error_event("internal error while streaming", code="internal_error")
    yield sse.DONE


def _replayed(replay: idem.Replay, call: ProxyCall) -> Response:
    if not call.stream or replay.status_code >= 400:
        return replay.json_response()

    async def events() -> AsyncIterator[bytes]:
        for chunk in replay_chunks(replay.body, call.include_usage):
            yield sse.event(chunk)
        error = (replay.body.get("mcp") or {}).get("error")
        if error:
            yield sse.error_event(f"the original stream was cut short: {error}", code="incomplete")
        yield sse.DONE

    async def nothing() -> None:
        return None

    headers = {**_headers(call), idem.REPLAYED: "true"}
    return sse.EventStream(events(), nothing, headers)


def _headers(call: ProxyCall) -> dict[str, str]:
    return {"X-Session-Id": call.session_id}
