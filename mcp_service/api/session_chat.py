"""`POST /v1/sessions/{id}/chat`, answered as JSON or — with `stream: true` — as SSE.

The stream is the gateway's OpenAI `chat.completion.chunk` events as they arrive, then one
event with `"object": "mcp.chat.result"` carrying the same JSON as a non-streamed answer
(reply with its seq, usage, report) plus the reply's `status`, then `data: [DONE]`. If the
gateway fails midway: `data: {"error": {...}}` and `[DONE]`; the partial reply is recorded
with status `incomplete`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import aclosing

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from mcp_service.api import errors, sse
from mcp_service.api import idempotency as idem
from mcp_service.api.schemas.conversation import ChatIn
from mcp_service.bootstrap import Container
from mcp_service.domain.errors import DomainError
from mcp_service.domain.model import JSON
from mcp_service.services.conversation.chat_result import ChatResult
from mcp_service.services.conversation.streaming import ChatStream
from mcp_service.services.conversation.turn_input import TurnRequest

log = logging.getLogger(__name__)

RESULT_OBJECT = "mcp.chat.result"


def chat_body(result: ChatResult) -> JSON:
    reply = result.reply
    return {
        "reply": {"role": "assistant", "content": reply.content, "seq": reply.seq},
        "user_seq": result.user_turn.seq,
        "model": result.model,
        "usage": result.usage,
        "report": result.report,
    }


def result_event(result: ChatResult) -> JSON:
    """The final event of a stream (and what an idempotent replay of it is built from)."""
    return {
        "object": RESULT_OBJECT,
        **chat_body(result),
        "status": result.reply.status,
        "finish_reason": result.finish_reason,
        "incomplete_reason": result.error,
    }


async def session_chat(
    request: Request, c: Container, tenant_id: str, session_id: str, body: ChatIn
) -> Response:
    held = await idem.claim(request, c, tenant_id)
    if isinstance(held, idem.Replay):
        return _replayed(held, body.stream)

    async def work() -> Response:
        turn = TurnRequest.message(body.message, body.model, body.max_context_tokens, body.params)
        if body.stream:
            return _event_stream(await c.chat.open(tenant_id, session_id, turn), held)
        return JSONResponse(chat_body(await c.chat.run(tenant_id, session_id, turn)))

    return await idem.settle(held, work, lambda exc: problem(exc, request))


def problem(exc: DomainError, request: Request) -> JSONResponse:
    status, title = errors.status_for(exc)
    extra: dict[str, object] = {"field": exc.field} if exc.field else {}
    return errors.problem(status, title, exc.message, request.url.path, extra)


def _event_stream(stream: ChatStream, held: idem.Claim | None) -> Response:
    async def events() -> AsyncIterator[bytes]:
        try:
            async with aclosing(stream.chunks()) as chunks:
                async for chunk in chunks:
                    yield sse.event(chunk)
        except DomainError as exc:
            yield sse.error_event(exc.message, code="upstream_error")
            yield sse.DONE
            return
        except Exception:  # the stream has begun: report in-band rather than cut it
            log.exception("stream relay failed")
            yield sse.error_event("internal error while streaming", code="internal_error")
            yield sse.DONE
            return
        try:
            result = await stream.finish()
        except DomainError as exc:  # e.g. the session was deleted meanwhile
            yield sse.error_event(exc.message, code="not_recorded")
            yield sse.DONE
            return
        yield sse.event(result_event(result))
        yield sse.DONE

    async def close() -> None:
        result = await idem.finish_stream(held, stream.finish)
        if held is not None:
            await held.remember(200, result_event(result))

    return sse.EventStream(events(), close)


def _replayed(replay: idem.Replay, stream: bool) -> Response:
    if not stream or replay.status_code >= 400:
        return replay.json_response()
    body = replay.body
    reply = body.get("reply") or {}

    async def events() -> AsyncIterator[bytes]:
        delta = {"role": "assistant", "content": reply.get("content") or ""}
        model = body.get("model")
        yield sse.event(_chunk(model, delta, None))
        if body.get("status") == "incomplete":
            reason = body.get("incomplete_reason")
            yield sse.error_event(f"the original stream was cut short: {reason}", code="incomplete")
        else:
            yield sse.event(_chunk(model, {}, body.get("finish_reason") or "stop"))
            yield sse.event(body)
        yield sse.DONE

    async def nothing() -> None:
        return None

    return sse.EventStream(events(), nothing, {idem.REPLAYED: "true"})


def _chunk(model: object, delta: JSON, finish_reason: str | None) -> JSON:
    return {
        "object": "chat.completion.chunk",
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
