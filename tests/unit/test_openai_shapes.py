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


def test_messages_are_read_whole_and_systems_join() -> None:
    call = parse_call(
        request(
            model="gpt-x",
            messages=[
                {"role": "system", "content": "Be brief."},
                {"role": "developer", "content": [{"type": "text", "text": "Use metric."}]},
                {"role": "user", "content": "old"},
                {"role": "assistant", "content": None, "tool_calls": [CALL]},
                {"role": "tool", "content": "12 C", "tool_call_id": "call_1"},
            ],
            stream=True,
            stream_options={"include_usage": True},
            temperature=0.1,
            tools=[{"type": "function", "function": {"name": "f"}}],
            metadata={"session_id": "s-1"},
        ),
        {},
    )
    assert call.session_id == "s-1" and call.model == "gpt-x"
    assert call.system_prompt == "Be brief.\n\nUse metric."
    assert [m.role for m in call.conversation] == ["user", "assistant", "tool"]
    assert call.conversation[1].tool_calls == (CALL,)
    assert call.conversation[2].tool_call_id == "call_1"
    assert call.params == {
        "temperature": 0.1,
        "tools": [{"type": "function", "function": {"name": "f"}}],
        "stream_options": {"include_usage": True},
    }
    assert call.stream and call.include_usage


CALL = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}


def test_session_sources_in_order_and_one_is_required() -> None:
    hi = [{"role": "user", "content": "hi"}]
    body = request(messages=hi, metadata={"session_id": "m"})
    assert parse_call(body, {"X-Session-Id": "h"}).session_id == "h"
    both = {"X-OpenWebUI-Chat-Id": "owui", "X-Conversation-Id": "lc"}
    assert parse_call(body, both).session_id == "m"
    owui = parse_call(request(messages=hi), both)
    assert owui.session_id == "owui" and owui.caller and owui.caller.full_history
    lc = parse_call(request(messages=hi), {"x-conversation-id": "lc", "x-user-id": "u9"})
    assert lc.session_id == "lc" and lc.caller and lc.caller.user_id == "u9"
    unfilled = {"X-Conversation-Id": "{{LIBRECHAT_BODY_CONVERSATIONID}}"}
    with pytest.raises(e.InvalidInput) as missing:
        parse_call(request(messages=hi), unfilled)
    assert missing.value.field == "X-Session-Id"
    with pytest.raises(e.InvalidInput):
        parse_call(request(messages=[{"role": "system", "content": "only"}]), {"X-Session-Id": "s"})


def test_a_session_id_with_a_trailing_newline_is_refused() -> None:
    body = request(messages=[{"role": "user", "content": "hi"}], metadata={"session_id": "abc\n"})
    with pytest.raises(e.InvalidInput) as bad:
        parse_call(body, {})
    assert bad.value.field == "metadata.session_id"


def test_open_webui_task_prompts_and_the_task_header_need_no_session() -> None:
    title = (
        "### Task:\nGenerate a concise, 3-5 word title with an emoji summarizing the chat "
        'history.\n### Guidelines:\n- ...\n### Output:\nJSON format: { "title": "..." }'
        "\n### Chat History:\n<chat_history>\nUSER: hi\n</chat_history>"
    )
    task = parse_call(request(messages=[{"role": "user", "content": title}]), {})
    assert task.caller is None
    plain = [{"role": "user", "content": "### Task: plan my week"}]
    with pytest.raises(e.InvalidInput):
        parse_call(request(messages=plain), {})  # a user's own "### Task:" is a message
    header = {"X-OpenWebUI-Task": "title_generation"}
    assert (
        parse_call(request(messages=plain), header, task_header="X-OpenWebUI-Task").caller is None
    )
    unset = {"X-OpenWebUI-Task": "{{TASK}}", "X-Session-Id": "s"}
    assert parse_call(request(messages=plain), unset, task_header="X-OpenWebUI-Task").caller


def test_image_parts_pass_and_bad_parts_are_named() -> None:
    image = {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}
    call = parse_call(
        request(
            messages=[{"role": "user", "content": [{"type": "text", "text": "What is it?"}, image]}]
        ),
        {"X-Session-Id": "s"},
    )
    (message,) = call.conversation
    assert message.content == "What is it?" and message.attachments == (image,)
    assert message.to_dict()["content"] == [{"type": "text", "text": "What is it?"}, image]
    with pytest.raises(e.InvalidInput) as bad:
        parse_call(
            request(messages=[{"role": "user", "content": [{"type": "image_url"}]}]),
            {"X-Session-Id": "s"},
        )
    assert bad.value.field == "messages[0].content[0]"
    with pytest.raises(e.InvalidInput) as no_id:
        parse_call(request(messages=[{"role": "tool", "content": "x"}]), {"X-Session-Id": "s"})
    assert no_id.value.field == "messages[0].tool_call_id"


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


def test_a_stored_tool_call_replays_with_its_calls() -> None:
    stored = {
        "id": "chatcmpl-1",
        "created": 1,
        "model": "m",
        "choices": [
            {"message": {"content": None, "tool_calls": [CALL]}, "finish_reason": "tool_calls"}
        ],
    }
    first, finish = replay_chunks(stored, include_usage=False)
    assert first["choices"][0]["delta"]["tool_calls"] == [{"index": 0, **CALL}]
    assert finish["choices"][0]["finish_reason"] == "tool_calls"
