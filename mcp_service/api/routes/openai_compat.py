"""The OpenAI-compatible, stateful proxy: `POST /v1/chat/completions`, `GET /v1/models`.

The session comes from `X-Session-Id` or the headers chat UIs send (api/openai/callers.py).
What the body adds is decided by reconciling its messages with the recorded turns
(domain/reconcile.py): new user messages and tool results are recorded, a regenerate or an
edit supersedes turns. System (or developer) messages in the body replace the session's
system prompt for this call. Other fields (temperature, max_tokens, tools …) go to the
gateway as is; tool calls come back as the gateway sent them. A chat UI's background task
(a title, tags …) is forwarded as it came and records nothing.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from mcp_service.api import idempotency as idem
from mcp_service.api import sse
from mcp_service.api.deps import ChatPrincipal, ContainerDep
from mcp_service.api.openai.chat_messages import query_text
from mcp_service.api.openai_shapes import (
    ChatCompletionIn,
    OpenAIRoute,
    ProxyCall,
    completion_body,
    message_body,
    openai_error,
    parse_call,
    replay_chunks,
)
from mcp_service.bootstrap import Container
from mcp_service.domain.errors import DomainError, GatewayError
from mcp_service.domain.model import JSON, Completion
from mcp_service.services.conversation import passthrough
from mcp_service.services.conversation.streaming import ChatStream
from mcp_service.services.conversation.turn_input import TurnRequest

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
    body: ChatCompletionIn, request: Request, principal: ChatPrincipal, c: ContainerDep
) -> Response:
    settings = c.settings
    call = parse_call(
        body,
        request.headers,
        task_header=settings.task_header,
        detect_tasks=settings.task_prompt_detection,
    )
    if call.caller is None:
        return await _forward(c, call)
    held = await idem.claim(request, c, principal.tenant_id, session_id=call.session_id)
    if isinstance(held, idem.Replay):
        return _replayed(held, call)
    tenant_id = principal.tenant_id

    async def work() -> Response:
        turn = await _turn_request(c, tenant_id, call)
        if call.stream:
            return await _stream(c, tenant_id, call, turn, held)
        result = await c.chat.run(tenant_id, call.session_id, turn)
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        body = completion_body(result, call.session_id, completion_id, int(time.time()))
        return JSONResponse(body, headers=_headers(call))

    return await idem.settle(held, work, openai_error)


async def _turn_request(c: Container, tenant_id: str, call: ProxyCall) -> TurnRequest:
    """Reconcile the body with the session: what to record, what the prompt ends with."""
    assert call.caller is not None
    caller = call.caller
    conversation = call.conversation
    plan = await c.reconciler.plan(
        tenant_id, caller.session_id, conversation, full_history=caller.full_history
    )
    return TurnRequest(
        plan,
        query_text(conversation),
        model=call.model,
        params=call.params,
        system_prompt=call.system_prompt,
        session_fields={"user_id": caller.user_id} if caller.user_id else {},
    )


async def _stream(
    c: Container, tenant_id: str, call: ProxyCall, turn: TurnRequest, held: idem.Claim | None
) -> Response:
    stream = await c.chat.open(tenant_id, call.session_id, turn)

    async def close() -> None:
        result = await idem.finish_stream(held, stream.finish)
        if held is not None:
            body = completion_body(result, call.session_id, stream.id, stream.created)
            await held.remember(200, body)

    return sse.EventStream(_relay(stream, call), close, _headers(call))


async def _forward(c: Container, call: ProxyCall) -> Response:
    """A background task: the body as it came to the gateway, the answer as it came back."""
    if call.stream:
        upstream = passthrough.stream(c.deps, call.messages, call.model, call.params)
        first = await anext(upstream, None)
        if first is None:
            raise GatewayError("LLM gateway closed the stream before sending any chunk")

        async def nothing() -> None:
            return None

        return sse.EventStream(_relay_as_is(first, upstream), nothing, _TASK_HEADERS)
    completion = await passthrough.complete(c.deps, call.messages, call.model, call.params)
    return JSONResponse(_plain_body(completion), headers=_TASK_HEADERS)


_TASK_HEADERS = {"X-MCP-Recorded": "false"}


def _plain_body(completion: Completion) -> JSON:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": completion.model,
        "choices": [
            {
                "index": 0,
                "message": message_body(completion.content, list(completion.tool_calls)),
                "finish_reason": completion.finish_reason,
            }
        ],
        "usage": completion.usage.to_dict(),
        "mcp": {"recorded": False, "reason": "background task of a chat UI"},
    }


async def _relay_as_is(first: JSON, upstream: AsyncIterator[JSON]) -> AsyncIterator[bytes]:
    try:
        yield sse.event(first)
        async for chunk in upstream:
            yield sse.event(chunk)
    except DomainError as exc:
        yield b"data: " + bytes(openai_error(exc).body) + b"\n\n"
    finally:
        aclose = getattr(upstream, "aclose", None)
        if aclose is not None:
            await aclose()
    yield sse.DONE


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
    try:
        # Recorded before the client sees [DONE]: an agent's next request (the tool
        # results) must find this reply, or it would be taken for history to import.
        await stream.finish()
    except DomainError as exc:  # e.g. the session was deleted meanwhile: say so in-band
        yield b"data: " + bytes(openai_error(exc).body) + b"\n\n"
    except Exception:
        log.exception("recording the streamed reply failed")
        yield sse.error_event("the reply could not be recorded", code="internal_error")
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
