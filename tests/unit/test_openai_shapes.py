"""Parsing OpenAI requests and shaping answers, without a server."""

from __future__ import annotations

import json

import pytest

from mcp_service.api.openai_shapes import (
    ChatCompletionIn,
    openai_error,
    parse_call,
    replay_chunks,
)
from mcp_service.domain import errors as e


def request(**fields: object) -> ChatCompletionIn:
    return ChatCompletionIn.model_validate(fields)


def test_only_the_last_user_message_is_new_and_systems_join() -> None:
    call = parse_call(
        request(
            model="gpt-x",
            messages=[
                {"role": "system", "content": "Be brief."},
                {"role": "developer", "content": [{"type": "text", "text": "Use metric."}]},
                {"role": "user", "content": "old"},
                {"role": "assistant", "content": "old answer"},
                {"role": "user", "content": "new"},
                {"role": "tool", "content": "ignored", "tool_call_id": "t1"},
            ],
            stream=True,
            stream_options={"include_usage": True},
            temperature=0.1,
            tools=[{"type": "function", "function": {"name": "f"}}],
            metadata={"session_id": "s-1"},
        ),
        None,
    )
    assert call.session_id == "s-1" and call.message == "new" and call.model == "gpt-x"
    assert call.system_prompt == "Be brief.\n\nUse metric."
    assert call.params == {
        "temperature": 0.1,
        "tools": [{"type": "function", "function": {"name": "f"}}],
        "stream_options": {"include_usage": True},
    }
    assert call.stream and call.include_usage


def test_the_header_wins_over_metadata_and_one_is_required() -> None:
    body = request(messages=[{"role": "user", "content": "hi"}], metadata={"session_id": "m"})
    assert parse_call(body, "h").session_id == "h"
    with pytest.raises(e.InvalidInput) as missing:
        parse_call(request(messages=[{"role": "user", "content": "hi"}]), None)
    assert missing.value.field == "X-Session-Id"
    with pytest.raises(e.InvalidInput):
        parse_call(request(messages=[{"role": "system", "content": "only"}]), "s")


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (e.InvalidInput("bad", field="messages"), 400, "invalid_value"),
        (e.IdempotencyConflict("reused"), 422, "idempotency_key_reused"),
        (e.IdempotencyInProgress("busy"), 409, "idempotency_key_in_use"),
        (e.ContextTooLarge("big"), 413, "context_length_exceeded"),
        (e.Unauthorized("who"), 401, "invalid_api_key"),
        (e.NotFound("gone"), 404, "not_found"),
        (e.RateLimited("slow down", retry_after_s=3), 429, "rate_limit_exceeded"),
        (e.GatewayTimeout("late"), 504, "upstream_timeout"),
        (e.GatewayError("down"), 502, "upstream_error"),
    ],
)
def test_errors_map_to_statuses(error: e.DomainError, status: int, code: str) -> None:
    response = openai_error(error)
    assert response.status_code == status
    body = json.loads(bytes(response.body))
    assert body["error"]["code"] == code and body["error"]["message"] == error.message


def test_a_stored_completion_replays_as_chunks() -> None:
    stored = {
        "id": "chatcmpl-1",
        "created": 1,
        "model": "m",
        "choices": [{"message": {"content": "Hello"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        "mcp": {"reply_seq": 2},
    }
    chunks = replay_chunks(stored, include_usage=True)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": "Hello"}
    assert chunks[1]["choices"][0]["finish_reason"] == "stop"
    assert chunks[2]["choices"] == [] and chunks[2]["usage"]["total_tokens"] == 2
    assert len(replay_chunks(stored, include_usage=False)) == 2
