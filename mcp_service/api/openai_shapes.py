"""OpenAI Chat Completions shapes: the request we accept, the bodies and chunks we send,
and errors as `{"error": {"message", "type", "param", "code"}}`."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from mcp_service.api.errors import status_for
from mcp_service.api.schemas.conversation import ID_PATTERN
from mcp_service.domain import errors as e
from mcp_service.domain.guardrails import QuotaExceeded
from mcp_service.domain.model import JSON
from mcp_service.domain.pii import PiiBlocked
from mcp_service.services.conversation.chat_result import ChatResult

log = logging.getLogger(__name__)

SESSION_HEADER = "X-Session-Id"
# Body fields the proxy consumes itself; everything else goes to the gateway as is.
OWN_FIELDS = frozenset({"messages", "model", "stream", "stream_options", "metadata"})
_SESSION_ID = re.compile(ID_PATTERN)


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
    session_id: str
    message: str
    system_prompt: str | None
    model: str | None
    params: JSON
    stream: bool
    include_usage: bool


def parse_call(body: ChatCompletionIn, header_session: str | None) -> ProxyCall:
    """Only the last user message is new; earlier ones are already in the session."""
    meta_session = (body.metadata or {}).get("session_id")
    session_id = header_session or (str(meta_session) if meta_session else None)
    if not session_id:
        raise e.InvalidInput(
            f"a session id is required: send the {SESSION_HEADER} header or metadata.session_id",
            field=SESSION_HEADER,
        )
    if not _SESSION_ID.match(session_id):
        raise e.InvalidInput("the session id has invalid characters", field=SESSION_HEADER)
    users = [m for m in body.messages if m.get("role") == "user"]
    if not users:
        raise e.InvalidInput("messages must contain a user message", field="messages")
    systems = [text_of(m, "messages") for m in body.messages if m.get("role") in _SYSTEM_ROLES]
    params = {k: v for k, v in (body.model_extra or {}).items() if k not in OWN_FIELDS}
    if body.stream and body.stream_options:
        params["stream_options"] = body.stream_options
    return ProxyCall(
        session_id=session_id,
        message=text_of(users[-1], "messages"),
        system_prompt="\n\n".join(s for s in systems if s.strip()) or None,
        model=body.model or None,
        params=params,
        stream=body.stream,
        include_usage=bool((body.stream_options or {}).get("include_usage")),
    )


_SYSTEM_ROLES = ("system", "developer")


def text_of(message: dict[str, Any], field: str) -> str:
    """The text of a message: a string, or the `text` parts of a content list."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [p.get("text") for p in content if isinstance(p, dict)]
        if all(isinstance(p, dict) and p.get("type") == "text" for p in content):
            return "".join(str(t or "") for t in texts)
        raise e.InvalidInput("only text content parts are supported", field=field)
    raise e.InvalidInput("message content must be a string or a list of text parts", field=field)


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
                "message": {"role": "assistant", "content": result.reply.content},
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
    content = (choice.get("message") or {}).get("content") or ""
    delta = {"role": "assistant", "content": content}
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
