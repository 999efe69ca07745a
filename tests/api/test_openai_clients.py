"""The official `openai` client (sync and async, streamed and not) against the running
service: the frontend sends only the new message, the service remembers the rest."""

from __future__ import annotations

import asyncio

import httpx
import openai
import pytest

from tests.fake_gateway import FakeGateway
from tests.live_server import LiveServer

FIRST = "My name is Dana and I test the payroll system."
SECOND = "I prefer short answers."
THIRD = "What is my name?"


def _sync_turns(live: LiveServer, session: str) -> list[str]:
    client = openai.OpenAI(base_url=f"{live.url}/v1", api_key="unused", max_retries=0)
    headers = {"X-Session-Id": session}
    answers = []
    first = client.chat.completions.create(
        model="fake-model", messages=[{"role": "user", "content": FIRST}], extra_headers=headers
    )
    answers.append(first.choices[0].message.content or "")
    assert first.model == "fake-model"
    assert first.usage is not None and first.usage.prompt_tokens > 0
    assert first.model_extra and first.model_extra["mcp"]["reply_seq"] == 2
    assert first.model_extra["mcp"]["report"]["sections"]["message"]["tokens"] > 0
    stream = client.chat.completions.create(
        model="fake-model",
        messages=[{"role": "user", "content": SECOND}],
        stream=True,
        stream_options={"include_usage": True},
        extra_headers=headers,
    )
    chunks = list(stream)
    answers.append("".join(c.choices[0].delta.content or "" for c in chunks if c.choices))
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    third = client.chat.completions.create(
        model="fake-model", messages=[{"role": "user", "content": THIRD}], extra_headers=headers
    )
    answers.append(third.choices[0].message.content or "")
    return answers


async def _async_turns(live: LiveServer, session: str) -> list[str]:
    client = openai.AsyncOpenAI(base_url=f"{live.url}/v1", api_key="unused", max_retries=0)
    meta = {"session_id": session}  # the session id may come in metadata instead
    answers = []
    stream = await client.chat.completions.create(
        model="fake-model",
        messages=[{"role": "user", "content": FIRST}],
        stream=True,
        metadata=meta,
    )
    parts = [c.choices[0].delta.content or "" async for c in stream if c.choices]
    answers.append("".join(parts))
    second = await client.chat.completions.create(
        model="fake-model", messages=[{"role": "user", "content": SECOND}], metadata=meta
    )
    answers.append(second.choices[0].message.content or "")
    stream = await client.chat.completions.create(
        model="fake-model",
        messages=[{"role": "user", "content": THIRD}],
        stream=True,
        metadata=meta,
    )
    answers.append("".join([c.choices[0].delta.content or "" async for c in stream if c.choices]))
    await client.close()
    return answers


@pytest.mark.parametrize(
    ("database_url", "flavour"),
    [("sqlite", "sync"), ("postgres", "async")],
    indirect=["database_url"],
)
async def test_three_turns_sending_only_the_new_message(
    live: LiveServer, gateway: FakeGateway, flavour: str
) -> None:
    gateway.reply = "Noted, thank you for telling me."
    session = f"oa-{flavour}"
    if flavour == "sync":
        answers = await asyncio.to_thread(_sync_turns, live, session)
    else:
        answers = await _async_turns(live, session)
    assert answers == ["Noted, thank you for telling me."] * 3

    third_prompt = gateway.requests[-1]["messages"]
    assert third_prompt[-1] == {"role": "user", "content": THIRD}
    assert {"role": "user", "content": FIRST} in third_prompt
    assert {"role": "user", "content": SECOND} in third_prompt
    assert all(
        r.get("stream_options", {}).get("include_usage")
        for r in gateway.requests
        if r.get("stream")
    )

    async with httpx.AsyncClient(base_url=live.url) as http:
        turns = (await http.get(f"/v1/sessions/{session}/turns")).json()["items"]
    assert [(t["role"], t["content"]) for t in turns[::2]] == [
        ("user", FIRST),
        ("user", SECOND),
        ("user", THIRD),
    ]
    replies = turns[1::2]
    assert all(t["status"] == "complete" and t["model"] == "fake-model" for t in replies)
    assert all(t["usage"]["estimated"] is False for t in replies)  # streams too: usage asked


async def test_models_and_errors_through_the_sdk(live: LiveServer, gateway: FakeGateway) -> None:
    client = openai.AsyncOpenAI(base_url=f"{live.url}/v1", api_key="unused", max_retries=0)
    models = await client.models.list()
    assert [m.id for m in models.data] == ["fake-model"]

    with pytest.raises(openai.BadRequestError) as missing:
        await client.chat.completions.create(
            model="fake-model", messages=[{"role": "user", "content": "hi"}]
        )
    assert "X-Session-Id" in missing.value.message
    assert missing.value.body["param"] == "X-Session-Id"  # type: ignore[index]

    gateway.queue("fail500", "fail500")
    with pytest.raises(openai.APIStatusError) as failed:
        await client.chat.completions.create(
            model="fake-model",
            messages=[{"role": "user", "content": "hi"}],
            extra_headers={"X-Session-Id": "oa-err"},
        )
    assert failed.value.status_code == 502
    assert failed.value.body["code"] == "upstream_error"  # type: ignore[index]
    await client.close()
