"""The OpenAI Responses API over sessions: `POST /v1/responses`, `GET /v1/responses/{id}`.

Where the input goes: after the reply named by `previous_response_id` (turns recorded after
it are superseded: a fork), at the end of `conversation` (a session id), or into a new
session. The input items are recorded as turns, the prompt is assembled as for any chat
turn, the gateway gets a chat completion (tools and options translated), and the reply is
recorded: that reply is the response. `store: false` forwards the input alone and records
nothing (it cannot continue a stored conversation).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from mcp_service.api import sse
from mcp_service.api.deps import ChatPrincipal, ContainerDep
from mcp_service.api.openai import response_shapes as shapes
from mcp_service.api.openai.callers import SESSION_ID, user_of
from mcp_service.api.openai.chat_messages import query_text, split_system
from mcp_service.api.openai.response_stream import ResponseEvents
from mcp_service.api.openai.responses_input import ResponseCreateIn, chat_params, input_messages
from mcp_service.api.openai_shapes import OpenAIRoute
from mcp_service.bootstrap import Container
from mcp_service.domain import errors as e
from mcp_service.domain.model import JSON, Message
from mcp_service.services.conversation import passthrough
from mcp_service.services.conversation.chat_result import ChatResult
from mcp_service.services.conversation.streaming import ChatStream
from mcp_service.services.conversation.turn_input import TurnRequest

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["openai"], route_class=OpenAIRoute)


@router.post("/responses")
async def create_response(
    body: ResponseCreateIn, request: Request, principal: ChatPrincipal, c: ContainerDep
) -> Response:
    tenant_id = principal.tenant_id
    messages = input_messages(body.input)
    system_text, conversation = split_system(messages)
    instructions = "\n\n".join(s for s in (body.instructions, system_text) if s) or None
    params = chat_params(body)
    if body.store is False:
        return await _unstored(c, body, instructions, conversation, params)
    session_id, after_seq = await _where(c, tenant_id, body)
    plan = await c.reconciler.after(tenant_id, session_id, conversation, after_seq)
    user_id = user_of(request.headers, body.user)
    echo = _echo(body, instructions, session_id)
    turn = TurnRequest(
        plan,
        query_text(conversation),
        model=body.model,
        params=params,
        system_prompt=instructions,
        session_fields={"user_id": user_id} if user_id else {},
        reply_metadata={shapes.ECHO: echo},
    )
    if body.stream:
        stream = await c.chat.open(tenant_id, session_id, turn)
        events = _events(session_id, stream, echo)
        return sse.EventStream(events, _finisher(stream), {"X-Session-Id": session_id})
    result = await c.chat.run(tenant_id, session_id, turn)
    return JSONResponse(_from_result(session_id, result), headers={"X-Session-Id": session_id})


@router.get("/responses/{response_id}")
async def get_response(response_id: str, principal: ChatPrincipal, c: ContainerDep) -> JSON:
    session_id, input_seq = shapes.parse_response_id(response_id)
    reply = await c.conversations.reply(principal.tenant_id, session_id, input_seq)
    return shapes.response_from_reply(session_id, reply)


async def _where(c: Container, tenant_id: str, body: ResponseCreateIn) -> tuple[str, int | None]:
    """The session the input goes to, and the turn it follows (None: the latest)."""
    conversation = body.conversation_id
    if body.previous_response_id and conversation:
        raise e.InvalidInput(
            "previous_response_id and conversation cannot be used together",
            field="previous_response_id",
        )
    if body.previous_response_id:
        field = "previous_response_id"
        session_id, input_seq = shapes.parse_response_id(body.previous_response_id, field)
        reply = await c.conversations.reply(tenant_id, session_id, input_seq)
        return session_id, reply.seq
    if conversation:
        if not SESSION_ID.fullmatch(conversation):
            raise e.NotFound(f"conversation {conversation!r} not found", field="conversation")
        await c.sessions.get(tenant_id, conversation)  # 404 unless it exists
        return conversation, None
    return f"resp-{uuid.uuid4().hex}", None


def _echo(body: ResponseCreateIn, instructions: str | None, session_id: str) -> JSON:
    extra = body.model_extra or {}
    return {
        "instructions": instructions,
        "tools": body.tools or [],
        "tool_choice": body.tool_choice,
        "max_output_tokens": body.max_output_tokens,
        "temperature": extra.get("temperature"),
        "top_p": extra.get("top_p"),
        "parallel_tool_calls": extra.get("parallel_tool_calls", True),
        "text": body.text,
        "metadata": body.metadata or {},
        "previous_response_id": body.previous_response_id,
        "conversation": session_id if body.conversation_id else None,
        "user": body.user,
    }


def _from_result(session_id: str, result: ChatResult) -> JSON:
    return shapes.response_from_reply(session_id, result.reply)


async def _events(session_id: str, stream: ChatStream, echo: JSON) -> AsyncIterator[bytes]:
    rid = shapes.response_id(session_id, stream.user_turn.seq)
    created = time.time()

    def response(status: str, output: list[JSON], usage: JSON | None) -> JSON:
        return shapes.response_object(
            rid,
            echo,
            created_at=created,
            model=stream.model,
            status=status,
            output=output,
            usage=usage,
        )

    key = shapes.item_key(session_id, stream.user_turn.seq, reply=True)
    translator = ResponseEvents(key, response)
    for event in translator.start():
        yield event
    error: JSON | None = None
    try:
        async with aclosing(stream.chunks()) as chunks:
            async for chunk in chunks:
                for event in translator.chunk(chunk):
                    yield event
    except e.DomainError as exc:
        error = {"code": "server_error", "message": exc.message}
    except Exception:  # the stream has begun: report in-band rather than cut it
        log.exception("responses stream failed")
        error = {"code": "server_error", "message": "internal error while streaming"}
    result = await stream.finish()
    status = "failed" if error else shapes.reply_status(result.reply)
    for event in translator.finish(status, result.usage, error):
        yield event


def _finisher(stream: ChatStream) -> Callable[[], Awaitable[None]]:
    async def close() -> None:
        await stream.finish()  # records the reply however the stream ended (once)

    return close


async def _unstored(
    c: Container,
    body: ResponseCreateIn,
    instructions: str | None,
    conversation: list[Message],
    params: JSON,
) -> Response:
    if body.previous_response_id or body.conversation_id:
        raise e.InvalidInput(
            "store: false cannot continue a stored response or conversation", field="store"
        )
    if body.stream:
        raise e.InvalidInput("store: false is answered without streaming here", field="stream")
    messages = ([Message("system", instructions)] if instructions else []) + conversation
    completion = await passthrough.complete(c.deps, messages, body.model, params)
    key = f"u_{uuid.uuid4().hex[:12]}"
    calls = list(completion.tool_calls)
    output = shapes.output_items(key, completion.content, calls)
    status = "incomplete" if completion.finish_reason == "length" else "completed"
    echo = _echo(body, instructions, "")
    data = shapes.response_object(
        f"resp_unstored_{key}",
        echo,
        created_at=time.time(),
        model=completion.model,
        status=status,
        output=output,
        usage=completion.usage.to_dict(),
    )
    data["store"] = False
    return JSONResponse(data)
