"""What real clients do through `/v1/chat/completions`, with the official `openai` client
against a real uvicorn: function-calling loops, regenerate and edit, Open WebUI (headers,
background tasks), LibreChat's headers, image parts."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import openai
import pytest

from tests.fake_gateway import FakeGateway
from tests.live_server import LiveServer

CALL = {
    "id": "call_weather_1",
    "type": "function",
    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "The weather in a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
]
QUESTION = "What is the weather in Paris?"


def calls_for_questions(body: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The model calls the tool when the last message is the user's, answers otherwise."""
    return [CALL] if body["messages"][-1]["role"] == "user" else None


async def turns(live: LiveServer, session: str, **params: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=live.url) as http:
        r = await http.get(f"/v1/sessions/{session}/turns", params=params)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def client(live: LiveServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{live.url}/v1", api_key="unused", max_retries=0)


def _loop(live: LiveServer, session: str, stream: bool) -> tuple[Any, str]:
    """Two steps of a function-calling loop; returns the tool call seen and the answer."""
    oa = client(live)
    headers = {"X-Session-Id": session}
    messages: list[Any] = [{"role": "user", "content": QUESTION}]
    if stream:
        chunks = list(
            oa.chat.completions.create(
                model="fake-model",
                messages=messages,
                tools=TOOLS,
                stream=True,
                extra_headers=headers,
            )
        )
        parts: dict[int, dict[str, Any]] = {}
        for chunk in chunks:
            for delta in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
                part = parts.setdefault(delta.index, {"id": "", "name": "", "arguments": ""})
                part["id"] = delta.id or part["id"]
                if delta.function:
                    part["name"] += delta.function.name or ""
                    part["arguments"] += delta.function.arguments or ""
        assert chunks[-1].choices[0].finish_reason == "tool_calls"
        call = {
            "id": parts[0]["id"],
            "type": "function",
            "function": {"name": parts[0]["name"], "arguments": parts[0]["arguments"]},
        }
    else:
        first = oa.chat.completions.create(
            model="fake-model", messages=messages, tools=TOOLS, extra_headers=headers
        )
        assert first.choices[0].finish_reason == "tool_calls"
        (tool_call,) = first.choices[0].message.tool_calls or []
        call = tool_call.model_dump()
    messages += [
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": "12 C and sunny"},
    ]
    second = oa.chat.completions.create(
        model="fake-model", messages=messages, tools=TOOLS, stream=stream, extra_headers=headers
    )
    if stream:
        answer = "".join(c.choices[0].delta.content or "" for c in second if c.choices)
    else:
        answer = second.choices[0].message.content or ""
    return call, answer


@pytest.mark.parametrize(
    ("database_url", "stream"),
    [("sqlite", False), ("sqlite", True), ("postgres", True)],
    indirect=["database_url"],
)
async def test_a_function_calling_loop_leaves_exactly_its_four_turns(
    live: LiveServer, gateway: FakeGateway, stream: bool
) -> None:
    gateway.tool_calls = calls_for_questions
    gateway.reply = "It is 12 C and sunny in Paris."
    session = f"tools-{stream}"
    call, answer = await asyncio.to_thread(_loop, live, session, stream)
    assert call == CALL  # exactly as the gateway sent it
    assert answer == "It is 12 C and sunny in Paris."

    recorded = await turns(live, session)
    assert [t["role"] for t in recorded] == ["user", "assistant", "tool", "assistant"]
    assert recorded[0]["content"] == QUESTION
    assert recorded[1]["metadata"]["tool_calls"] == [CALL]
    assert recorded[1]["metadata"]["finish_reason"] == "tool_calls"
    assert recorded[2]["metadata"]["tool_call_id"] == CALL["id"]
    assert recorded[2]["content"] == "12 C and sunny"

    first, second = gateway.requests
    assert first["tools"] == TOOLS and second["tools"] == TOOLS
    sent = second["messages"]
    assert sent[-2] == {"role": "assistant", "content": None, "tool_calls": [CALL]}
    assert sent[-1] == {"role": "tool", "content": "12 C and sunny", "tool_call_id": CALL["id"]}
    assert [m["content"] for m in sent if m["role"] == "user"] == [QUESTION]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_regenerate_and_edit_supersede_what_they_replace(
    live: LiveServer, gateway: FakeGateway
) -> None:
    replies = iter(
        [
            "Paris is the capital.",
            "It has 2.1 million people.",
            "About 2.1 million.",
            "Lyon has 0.5 million.",
        ]
    )
    gateway.reply = lambda body: next(replies)
    oa = openai.AsyncOpenAI(base_url=f"{live.url}/v1", api_key="unused", max_retries=0)
    headers = {"X-Session-Id": "regen"}

    async def ask(*messages: tuple[str, str]) -> str:
        sent = [{"role": r, "content": c} for r, c in messages]
        done = await oa.chat.completions.create(
            model="fake-model",
            messages=sent,
            extra_headers=headers,  # type: ignore[arg-type]
        )
        return done.choices[0].message.content or ""

    u1, u2 = ("user", "What is the capital of France?"), ("user", "How many people live there?")
    a1 = ("assistant", await ask(u1))
    first_answer = await ask(u1, a1, u2)
    regenerated = await ask(u1, a1, u2)  # the UI's "regenerate": same body again
    assert regenerated == "About 2.1 million." != first_answer
    current = await turns(live, "regen")
    assert [t["content"] for t in current] == [u1[1], a1[1], u2[1], regenerated]
    everything = await turns(live, "regen", include_superseded="true")
    superseded = [t for t in everything if t["superseded_at"]]
    assert [t["content"] for t in superseded] == [first_answer]
    assert first_answer not in json.dumps(gateway.requests[-1]["messages"])

    edited = ("user", "How many people live in Lyon?")
    await ask(u1, a1, edited)  # the UI's "edit": the history diverges at the third message
    current = await turns(live, "regen")
    assert [t["content"] for t in current] == [u1[1], a1[1], edited[1], "Lyon has 0.5 million."]
    prompt = json.dumps(gateway.requests[-1]["messages"])
    assert u2[1] not in prompt and regenerated not in prompt and u1[1] in prompt

    async with httpx.AsyncClient(base_url=live.url) as http:
        policy = {"max_turns_per_session": 2, "enabled": True}
        assert (await http.put("/v1/retention-policies/two", json=policy)).status_code in (200, 201)
        assert (await http.post("/v1/retention/run")).status_code == 200
    left = await turns(live, "regen", include_superseded="true")
    assert len(left) == 2 and not any(t["superseded_at"] for t in left)  # retention took them
    await oa.close()


TITLE_TASK = (
    "### Task:\nGenerate a concise, 3-5 word title with an emoji summarizing the chat history.\n"
    "### Guidelines:\n- The title should clearly represent the main theme or subject of the "
    'conversation.\n### Output:\nJSON format: { "title": "your concise title here" }\n'
    "### Chat History:\n<chat_history>\nUSER: Plan a trip to Rome\nASSISTANT: Sure\n"
    "</chat_history>"
)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_open_webui_headers_and_a_title_task(live: LiveServer, gateway: FakeGateway) -> None:
    gateway.reply = "Sure, here is a plan."
    oa = openai.AsyncOpenAI(base_url=f"{live.url}/v1", api_key="unused", max_retries=0)
    headers = {  # what Open WebUI sends with ENABLE_FORWARD_USER_INFO_HEADERS=true
        "X-OpenWebUI-Chat-Id": "3f9c1a52-7d4e-4b8e-9a0f-0c2b5e1d7a11",
        "X-OpenWebUI-User-Id": "owui-user-7",
        "X-OpenWebUI-User-Name": "Dana",
        "X-OpenWebUI-User-Email": "dana@example.com",
        "X-OpenWebUI-User-Role": "user",
    }
    history: list[Any] = [{"role": "user", "content": "Plan a trip to Rome"}]
    for follow_up in ("Make it three days", None):
        done = await oa.chat.completions.create(
            model="fake-model", messages=history, extra_headers=headers, stream=True
        )
        answer = "".join([c.choices[0].delta.content or "" async for c in done if c.choices])
        history.append({"role": "assistant", "content": answer})
        if follow_up:
            history.append({"role": "user", "content": follow_up})
    chat_id = headers["X-OpenWebUI-Chat-Id"]
    before = await turns(live, chat_id)
    assert [t["role"] for t in before] == ["user", "assistant", "user", "assistant"]

    gateway.reply = '{ "title": "🏛️ Rome Trip Plan" }'
    title = await oa.chat.completions.create(
        model="fake-model",
        messages=[{"role": "user", "content": TITLE_TASK}],
        extra_headers=headers,
    )
    assert title.choices[0].message.content == '{ "title": "🏛️ Rome Trip Plan" }'
    assert gateway.requests[-1]["messages"] == [{"role": "user", "content": TITLE_TASK}]
    assert await turns(live, chat_id) == before  # nothing recorded

    gateway.reply = '{ "tags": ["Travel"] }'
    tags = await oa.chat.completions.create(  # a custom task prompt, flagged by the header
        model="fake-model",
        messages=[{"role": "user", "content": "Tag this chat: Rome trip"}],
        extra_headers={**headers, "X-OpenWebUI-Task": "tags_generation"},
        stream=True,
    )
    streamed = "".join([c.choices[0].delta.content or "" async for c in tags if c.choices])
    assert streamed == '{ "tags": ["Travel"] }'
    assert await turns(live, chat_id) == before

    async with httpx.AsyncClient(base_url=live.url) as http:
        session = (await http.get(f"/v1/sessions/{chat_id}")).json()
    assert session["user_id"] == "owui-user-7"
    await oa.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_librechat_headers_and_an_image_part(live: LiveServer, gateway: FakeGateway) -> None:
    oa = openai.AsyncOpenAI(base_url=f"{live.url}/v1", api_key="unused", max_retries=0)
    headers = {"X-Conversation-Id": "lc-conv-1", "X-User-Id": "lc-user-1"}
    await oa.chat.completions.create(
        model="fake-model",
        messages=[{"role": "user", "content": "My cat is called Miso."}],
        extra_headers=headers,
    )
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64," + "iVBORw0K" * 50}}
    question = [{"type": "text", "text": "Is this Miso?"}, image]
    await oa.chat.completions.create(
        model="fake-model",
        messages=[
            {"role": "user", "content": "My cat is called Miso."},
            {"role": "assistant", "content": "Noted."},
            {"role": "user", "content": question},  # type: ignore[typeddict-item]
        ],
        extra_headers=headers,
    )
    sent = gateway.requests[-1]["messages"]
    assert sent[-1] == {"role": "user", "content": question}
    assert {"role": "user", "content": "My cat is called Miso."} in sent

    recorded = await turns(live, "lc-conv-1")
    assert [t["role"] for t in recorded] == ["user", "assistant", "user", "assistant"]
    assert recorded[2]["content"] == "Is this Miso?"
    assert recorded[2]["metadata"]["parts"] == [
        {"type": "image_url", "url": "data:image/png (300 bytes, not stored)"}
    ]
    assert "iVBORw0K" not in json.dumps(recorded)
    async with httpx.AsyncClient(base_url=live.url) as http:
        session = (await http.get("/v1/sessions/lc-conv-1")).json()
    assert session["user_id"] == "lc-user-1"
    await oa.close()
