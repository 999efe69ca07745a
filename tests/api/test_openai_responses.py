"""The OpenAI Responses and Conversations APIs, with the official `openai` client against a
real uvicorn: a conversation is a session, a response is a recorded reply, and the gateway
gets chat completions."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import openai
import pytest

from tests.fake_gateway import FakeGateway
from tests.live_server import LiveServer

FIRST = "My name is Dana and I test the payroll system."
SECOND = "I prefer short answers."
THIRD = "What is my name?"


def sdk(live: LiveServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{live.url}/v1", api_key="unused", max_retries=0)


def _chain(live: LiveServer) -> list[Any]:
    """Three turns linked by previous_response_id: plain, streamed, the stream helper."""
    client = sdk(live)
    first = client.responses.create(model="fake-model", input=FIRST, instructions="Be brief.")
    events = list(
        client.responses.create(
            model="fake-model", input=SECOND, previous_response_id=first.id, stream=True
        )
    )
    assert [e.type for e in events][:2] == ["response.created", "response.in_progress"]
    assert events[-1].type == "response.completed"
    second = events[-1].response
    with client.responses.stream(
        model="fake-model",
        input=[{"role": "user", "content": [{"type": "input_text", "text": THIRD}]}],
        previous_response_id=second.id,
    ) as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        third = stream.get_final_response()
    assert "".join(deltas) == third.output_text
    fetched = client.responses.retrieve(third.id)
    return [first, second, third, fetched]


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_three_responses_linked_by_previous_response_id(
    live: LiveServer, gateway: FakeGateway
) -> None:
    gateway.reply = "Noted, Dana."
    first, second, third, fetched = await asyncio.to_thread(_chain, live)
    assert [r.output_text for r in (first, second, third)] == ["Noted, Dana."] * 3
    assert first.status == "completed" and first.usage and first.usage.input_tokens > 0
    assert second.previous_response_id == first.id
    assert fetched.id == third.id and fetched.output_text == "Noted, Dana."
    assert fetched.output[0].id == third.output[0].id  # the same items, streamed or read back

    third_prompt = gateway.requests[-1]["messages"]
    assert third_prompt[-1] == {"role": "user", "content": THIRD}
    assert {"role": "user", "content": FIRST} in third_prompt  # the first turn, from memory
    assert third_prompt[0]["role"] == "system"
    assert not third_prompt[0]["content"].startswith("Be brief.")  # instructions: per call
    assert gateway.requests[0]["messages"][0]["content"].startswith("Be brief.")


def _conversation(live: LiveServer) -> tuple[Any, list[Any], Any]:
    client = sdk(live)
    conversation = client.conversations.create(
        metadata={"topic": "payroll"},
        items=[{"type": "message", "role": "user", "content": FIRST}],
    )
    replies = []
    for text in (SECOND, THIRD):
        replies.append(
            client.responses.create(model="fake-model", input=text, conversation=conversation.id)
        )
    # pages of 2 turns: the SDK follows `after` (a reply's item id too) to the end
    items = list(client.conversations.items.list(conversation.id, order="asc", limit=2))
    newest = client.conversations.items.list(conversation.id, limit=2)
    assert [i.id for i in newest.data] == [items[-1].id, items[-2].id]  # desc by default
    updated = client.conversations.update(conversation.id, metadata={"topic": "hr"})
    assert updated.metadata == {"topic": "hr"}
    assert client.conversations.retrieve(conversation.id).id == conversation.id
    deleted = client.conversations.delete(conversation.id)
    assert deleted.deleted and deleted.id == conversation.id
    with pytest.raises(openai.NotFoundError):
        client.conversations.retrieve(conversation.id)
    return conversation, replies, items


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_three_turns_in_a_conversation(live: LiveServer, gateway: FakeGateway) -> None:
    gateway.reply = "Noted."
    conversation, replies, items = await asyncio.to_thread(_conversation, live)
    assert all(r.conversation and r.conversation.id == conversation.id for r in replies)
    third_prompt = gateway.requests[-1]["messages"]
    assert {"role": "user", "content": FIRST} in third_prompt  # the first turn (an item)
    assert {"role": "user", "content": SECOND} in third_prompt
    assert third_prompt[-1] == {"role": "user", "content": THIRD}
    roles = [i.role for i in items if i.type == "message"]
    assert roles == ["user", "user", "assistant", "user", "assistant"]
    assert items[2].id == replies[0].output[0].id  # a reply's item is its response's output
    assert items[0].content[0].text == FIRST


CALL = {
    "id": "call_w1",
    "type": "function",
    "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
}
WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}


def _tool_loop(live: LiveServer, stream: bool) -> tuple[Any, Any]:
    client = sdk(live)
    if stream:
        with client.responses.stream(
            model="fake-model", input="Weather in Paris?", tools=[WEATHER_TOOL]
        ) as events:
            first = events.get_final_response()
    else:
        first = client.responses.create(
            model="fake-model", input="Weather in Paris?", tools=[WEATHER_TOOL]
        )
    (call,) = [item for item in first.output if item.type == "function_call"]
    answer = client.responses.create(
        model="fake-model",
        previous_response_id=first.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "12 C"}],
        tools=[WEATHER_TOOL],
    )
    return call, answer


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_function_call_through_the_responses_api(
    live: LiveServer, gateway: FakeGateway, stream: bool
) -> None:
    gateway.tool_calls = lambda body: [CALL] if body["messages"][-1]["role"] == "user" else None
    gateway.reply = "12 C in Paris."
    call, answer = await asyncio.to_thread(_tool_loop, live, stream)
    assert (call.call_id, call.name, call.arguments) == (
        "call_w1",
        "get_weather",
        CALL["function"]["arguments"],
    )
    assert answer.output_text == "12 C in Paris."
    first, second = gateway.requests
    assert first["tools"] == [
        {"type": "function", "function": {k: v for k, v in WEATHER_TOOL.items() if k != "type"}}
    ]
    assert second["messages"][-2:] == [
        {"role": "assistant", "content": None, "tool_calls": [CALL]},
        {"role": "tool", "content": "12 C", "tool_call_id": "call_w1"},
    ]
    async with httpx.AsyncClient(base_url=live.url) as http:
        sessions = (await http.get("/v1/sessions")).json()["items"]
        (only,) = [s for s in sessions if s["id"].startswith("resp-")]
        turns = (await http.get(f"/v1/sessions/{only['id']}/turns")).json()["items"]
    assert [t["role"] for t in turns] == ["user", "assistant", "tool", "assistant"]
    assert json.dumps(turns[1]["metadata"]["tool_calls"]) == json.dumps([CALL])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_responses_errors_in_openai_shape(live: LiveServer, gateway: FakeGateway) -> None:
    client = openai.AsyncOpenAI(base_url=f"{live.url}/v1", api_key="unused", max_retries=0)
    with pytest.raises(openai.NotFoundError):
        await client.responses.retrieve("resp_1_bm9wZQ")
    with pytest.raises(openai.NotFoundError):
        await client.responses.create(model="m", input="hi", previous_response_id="resp_9_eA")
    with pytest.raises(openai.NotFoundError):
        await client.responses.create(model="m", input="hi", conversation="conv_missing")
    with pytest.raises(openai.BadRequestError) as bad:
        await client.responses.create(
            model="m",
            input="hi",
            tools=[{"type": "web_search"}],  # type: ignore[list-item]
        )
    assert bad.value.body["param"] == "tools[0]"  # type: ignore[index]
    assert gateway.requests == []
    await client.close()
