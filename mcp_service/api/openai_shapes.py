"""OpenAI Chat Completions shapes: the request we accept, the bodies and chunks we send,
and errors as `{"error": {"message", "type", "param", "code"}}`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from mcp_service.api.errors import status_for
from mcp_service.api.openai.callers import Caller, identify, is_task
from mcp_service.api.openai.chat_messages import parse_messages, split_system
from mcp_service.domain import errors as e
from mcp_service.domain.guardrails import QuotaExceeded
from mcp_service.domain.model import JSON, Message
from mcp_service.domain.pii import PiiBlocked
from mcp_service.services.conversation.chat_result import ChatResult

log = logging.getLogger(__name__)

# Body fields the proxy consumes itself; everything else goes to the gateway as is.
OWN_FIELDS = frozenset({"messages", "model", "stream", "stream_options", "metadata"})


class ChatCompletionIn(BaseModel):
    """An OpenAI chat completion request; unknown fields pass through to the gateway."""

    model_config = ConfigDict(extra="allow")

    messages: list[dict[str, Any]] = Field(min_length=1)
    model: str | None = None
    stream: bool = False
    stream_options: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None


@dataclass(frozen=True)
class ProxyCall:
    """A chat completion request, read: everything but the session's history."""

    messages: tuple[Message, ...]  # as sent, system messages included
    system_prompt: str | None  # the system/developer messages, joined
    model: str | None
    params: JSON
    stream: bool
    include_usage: bool
    caller: Caller | None  # None for a background task (forwarded, nothing recorded)

    @property
    def session_id(self) -> str:
        return self.caller.session_id if self.caller else ""

    @property
    def conversation(self) -> list[Message]:
        """The messages without the system ones (what reconciliation compares)."""
        return split_system(self.messages)[1]


def parse_call(
    body: ChatCompletionIn,
    headers: Mapping[str, str],
    *,
    task_header: str | None = None,
    detect_tasks: bool = True,
) -> ProxyCall:
    """Read the request; a background task needs no session id (nothing is recorded)."""
    messages = parse_messages(body.messages)
    system_prompt, conversation = split_system(messages)
    params = {k: v for k, v in (body.model_extra or {}).items() if k not in OWN_FIELDS}
    if body.stream and body.stream_options:
        params["stream_options"] = body.stream_options
    task = is_task(headers, conversation, task_header, detect_tasks)
    if not task and not conversation:
        raise e.InvalidInput("messages must contain a user message", field="messages")
    caller = None if task else identify(headers, body.metadata, params.get("user"))
    return ProxyCall(
        messages=tuple(messages),
        system_prompt=system_prompt,
        model=body.model or None,
        params=params,
        stream=body.stream,
        include_usage=bool((body.stream_options or {}).get("include_usage")),
        caller=caller,
    )


def message_body(content: str, calls: list[JSON]) -> JSON:
    """An assistant message: its text, and its tool calls as the gateway sent them."""
    if not calls:
        return {"role": "assistant", "content": content}
    return {"role": "assistant", "content": content or None, "tool_calls": calls}


def completion_body(result: ChatResult, session_id: str, completion_id: str, created: int) -> JSON:
    """A `chat.completion`, plus our `mcp` object (session, turn seqs, context report)."""
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": result.model,
        "choices": [
            {
                "index": 0,
                "message": message_body(result.reply.content, result.tool_calls),
                "finish_reason": result.finish_reason,
            }
        ],
        "usage": _usage(result.usage),
        "mcp": {
            "session_id": session_id,
            "user_seq": result.user_turn.seq,
            "reply_seq": result.reply.seq,
            "status": result.reply.status,
            "error": result.error,
            "usage_estimated": bool(result.usage.get("estimated")),
            "report": result.report,
        },
    }


def replay_chunks(body: JSON, include_usage: bool) -> list[JSON]:
    """A stored `chat.completion` as the chunks of a stream (for a replayed request)."""
    base = {k: body.get(k) for k in ("id", "created", "model")}
    base["object"] = "chat.completion.chunk"
    choice = (body.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    delta: JSON = {"role": "assistant", "content": message.get("content") or ""}
    if message.get("tool_calls"):
        delta["tool_calls"] = [{"index": i, **c} for i, c in enumerate(message["tool_calls"])]
    chunks: list[JSON] = [{**base, "choices": [_choice(delta, None)], "mcp": body.get("mcp")}]
    if choice.get("finish_reason"):
        chunks.append({**base, "choices": [_choice({}, choice["finish_reason"])]})
    if include_usage and choice.get("finish_reason"):
        chunks.append({**base, "choices": [], "usage": body.get("usage")})
    return chunks


def _choice(delta: JSON, finish_reason: str | None) -> JSON:
    return {"index": 0, "delta": delta, "finish_reason": finish_reason}


def _usage(usage: JSON) -> JSON:
    return {k: usage.get(k, 0) for k in ("prompt_tokens", "completion_tokens", "total_tokens")}


# -- errors ---------------------------------------------------------------------------------
_TYPES: list[tuple[type[e.DomainError], int, str, str]] = [
    (PiiBlocked, 422, "invalid_request_error", "pii_detected"),
    (QuotaExceeded, 429, "insufficient_quota", "insufficient_quota"),
    (e.IdempotencyConflict, 422, "invalid_request_error", "idempotency_key_reused"),
    (e.IdempotencyInProgress, 409, "invalid_request_error", "idempotency_key_in_use"),
    (e.InvalidInput, 400, "invalid_request_error", "invalid_value"),
    (e.ContextTooLarge, 413, "invalid_request_error", "context_length_exceeded"),
    (e.PayloadTooLarge, 413, "invalid_request_error", "message_too_large"),
    (e.NotFound, 404, "invalid_request_error", "not_found"),
    (e.Unauthorized, 401, "invalid_request_error", "invalid_api_key"),
    (e.Forbidden, 403, "permission_error", "insufficient_permissions"),
    (e.RateLimited, 429, "requests", "rate_limit_exceeded"),
    (e.GatewayTimeout, 504, "server_error", "upstream_timeout"),
    (e.GatewayError, 502, "server_error", "upstream_error"),
]


def error_body(message: str, type_: str, code: str | None, param: str | None = None) -> JSON:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def openai_error(exc: e.DomainError) -> JSONResponse:
    """A domain error as OpenAI's error shape, with the matching status."""
    status, type_, code = status_for(exc)[0], "server_error", "internal_error"
    for cls, cls_status, cls_type, cls_code in _TYPES:
        if isinstance(exc, cls):
            status, type_, code = cls_status, cls_type, cls_code
            break
    response = JSONResponse(error_body(exc.message, type_, code, exc.field), status_code=status)
    if isinstance(exc, e.RateLimited):
        response.headers["Retry-After"] = str(exc.retry_after_s)
    if isinstance(exc, e.IdempotencyInProgress):
        response.headers["Retry-After"] = "1"
    if isinstance(exc, e.Unauthorized):
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def validation_error(exc: RequestValidationError) -> JSONResponse:
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    param = ".".join(str(p) for p in first["loc"] if p != "body") or None
    message = f"{param or 'body'}: {first['msg']}"
    return JSONResponse(error_body(message, "invalid_request_error", "invalid_value", param), 400)


class OpenAIRoute(APIRoute):
    """Answers errors — from auth, validation or the call itself — in OpenAI's shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except e.DomainError as exc:
                return openai_error(exc)
            except RequestValidationError as exc:
                return validation_error(exc)

        return handler
