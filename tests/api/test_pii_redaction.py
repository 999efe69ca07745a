"""PII redaction seen from the client: the (fake) gateway never receives the planted
values — on /chat, the OpenAI proxy streamed and not, and in summaries — while the client
gets them back; mode `block` refuses with 422 and writes nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from mcp_service.api.app import create_app
from mcp_service.bootstrap import Container, build_container
from mcp_service.config import Settings
from tests.fake_gateway import FakeGateway

EMAIL = "dana.quinn@example.com"
CARD = "4111 1111 1111 1111"
KEY = "sk-proj-Zx81abcdefghijklmnopqrstu"
PLANTED = (EMAIL, CARD, KEY, "4111111111111111")
MESSAGE = f"I am {EMAIL}, my card is {CARD} and my API key is {KEY}."


def echo(body: dict[str, Any]) -> str:
    """The fake model repeats the last message, placeholders and all."""
    return "You said: " + str(body["messages"][-1]["content"])[:400]


def leaked(gateway: FakeGateway) -> list[str]:
    sent = json.dumps(gateway.requests)
    return [v for v in PLANTED if v in sent]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"pii_redaction": "mask"})


@pytest.fixture
def gateway(gateway: FakeGateway) -> FakeGateway:
    gateway.reply = echo
    return gateway


async def test_chat_masks_before_the_gateway_and_restores_the_reply(
    client: httpx.AsyncClient, gateway: FakeGateway
) -> None:
    r = await client.post("/v1/sessions/p1/chat", json={"message": MESSAGE})
    assert r.status_code == 200, r.text
    assert leaked(gateway) == []
    assert gateway.requests[-1]["messages"][-1]["content"] == (
        "I am <EMAIL_1>, my card is <CARD_1> and my API key is <SECRET_1>."
    )
    body = r.json()
    assert body["reply"]["content"] == f"You said: {MESSAGE}"
    assert body["report"]["redaction"] == {
        "mode": "mask",
        "masked": {"SECRET": 1, "CARD": 1, "EMAIL": 1},
        "distinct": {"SECRET": 1, "CARD": 1, "EMAIL": 1},
    }
    # The next turn: the history carries the same values, under the same placeholders.
    again = await client.post("/v1/sessions/p1/chat", json={"message": f"Mail {EMAIL} again"})
    assert again.status_code == 200 and leaked(gateway) == []
    sent = [m["content"] for m in gateway.requests[-1]["messages"]]
    assert sent[-1] == "Mail <EMAIL_1> again"
    assert any("I am <EMAIL_1>, my card is <CARD_1>" in c for c in sent[:-1])
    turns = (await client.get("/v1/sessions/p1/turns")).json()["items"]
    assert turns[0]["content"] == MESSAGE  # stored as the client wrote it (MCP_PII_STORE=off)


async def test_openai_proxy_masks_streamed_and_not(
    client: httpx.AsyncClient, gateway: FakeGateway
) -> None:
    headers = {"X-Session-Id": "p2"}
    ask = {"model": "fake-model", "messages": [{"role": "user", "content": MESSAGE}]}
    r = await client.post("/v1/chat/completions", json=ask, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["choices"][0]["message"]["content"] == f"You said: {MESSAGE}"
    streamed = {**ask, "stream": True, "messages": [{"role": "user", "content": f"{KEY}!"}]}
    async with client.stream("POST", "/v1/chat/completions", json=streamed, headers=headers) as s:
        assert s.status_code == 200
        events = [line[6:] async for line in s.aiter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    text = "".join(
        c["choices"][0]["delta"].get("content") or ""
        for c in map(json.loads, events[:-1])
        if c.get("choices")
    )
    assert text == f"You said: {KEY}!"
    assert leaked(gateway) == []
    assert gateway.requests[-1]["messages"][-1]["content"] == "<SECRET_1>!"  # same session


async def test_summaries_written_by_the_gateway_are_masked_too(
    client: httpx.AsyncClient, container: Container, gateway: FakeGateway
) -> None:
    turns = [{"role": "user", "content": MESSAGE}] + [
        {"role": "user" if i % 2 else "assistant", "content": f"filler turn {i}."}
        for i in range(1, 40)
    ]
    assert (await client.post("/v1/sessions/p3/turns", json={"turns": turns})).status_code == 201
    await container.worker.run_until_idle()
    summary = await client.get("/v1/sessions/p3/summary")
    assert summary.status_code == 200, summary.text
    assert gateway.requests and leaked(gateway) == []
    assert "Current summary" in gateway.requests[-1]["messages"][-1]["content"]
    assert EMAIL in summary.json()["content"]  # restored before it was stored


@pytest.fixture
async def blocking(settings: Settings, real_embedder: object) -> AsyncIterator[httpx.AsyncClient]:
    strict = settings.model_copy(update={"pii_redaction": "block"})
    built = await build_container(strict, embedder=real_embedder, run_migrations=False)  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=create_app(built.settings, built))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c
    await built.aclose()


async def test_block_mode_refuses_with_422_and_writes_nothing(
    blocking: httpx.AsyncClient, gateway: FakeGateway
) -> None:
    r = await blocking.post("/v1/sessions/b1/chat", json={"message": MESSAGE})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["pii_kinds"] == ["SECRET", "CARD", "EMAIL"] and r.json()["field"] == "message"
    ask = {"model": "fake-model", "messages": [{"role": "user", "content": f"mail {EMAIL}"}]}
    proxied = await blocking.post("/v1/chat/completions", json=ask, headers={"X-Session-Id": "b1"})
    assert proxied.status_code == 422 and proxied.json()["error"]["code"] == "pii_detected"
    assert "EMAIL" in proxied.json()["error"]["message"]
    assert gateway.requests == []
    assert (await blocking.get("/v1/sessions/b1/turns")).status_code == 404
    ok = await blocking.post("/v1/sessions/b1/chat", json={"message": "nothing personal"})
    assert ok.status_code == 200


async def test_a_tenant_setting_overrides_the_default(
    blocking: httpx.AsyncClient, gateway: FakeGateway
) -> None:
    await blocking.post("/v1/tenants", json={"id": "default"})
    patched = await blocking.patch(
        "/v1/tenants/default", json={"settings": {"pii_redaction": "mask"}}
    )
    assert patched.status_code == 200, patched.text
    r = await blocking.post("/v1/sessions/t1/chat", json={"message": MESSAGE})
    assert r.status_code == 200, r.text
    assert r.json()["reply"]["content"] == f"You said: {MESSAGE}" and leaked(gateway) == []
    bad = await blocking.patch("/v1/tenants/default", json={"settings": {"pii_redaction": "x"}})
    assert bad.status_code == 422
